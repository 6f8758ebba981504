"""Terminal progress (one bar per file and one overall) and the closing summary table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from posecheck.analysis.batch import FileOutcome, Job
from posecheck.i18n import Text

LABELS: dict[str, Text] = {
    "overall": Text(nl="Totaal", en="Overall"),
    "file": Text(nl="Bestand", en="File"),
    "exercise": Text(nl="Oefening", en="Exercise"),
    "reps": Text(nl="Herh.", en="Reps"),
    "holds": Text(nl="Vasthouden (doel)", en="Holds (target)"),
    "faults": Text(nl="Fouten", en="Faults"),
    "status": Text(nl="Resultaat", en="Result"),
    "similarity": Text(nl="Gelijkenis", en="Similarity"),
    "ok": Text(nl="klaar", en="done"),
    "failed": Text(nl="MISLUKT", en="FAILED"),
    "title": Text(nl="Analyse: {ok} van {n} bestanden gelukt",
                  en="Analysis: {ok} of {n} files done"),
}


class RichReporter:
    """A :class:`~posecheck.analysis.batch.BatchReporter` drawing rich progress bars.

    Use as a context manager around :func:`~posecheck.analysis.batch.run_batch`.
    """

    def __init__(
        self, total_files: int, *, console: Console | None = None, lang: str = "en"
    ) -> None:
        self.console = console or Console(stderr=True)
        self.lang = lang
        self._progress = Progress(
            TextColumn("{task.description}", justify="left"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self._overall = self._progress.add_task(LABELS["overall"].get(lang), total=total_files)
        self._tasks: dict[int, TaskID] = {}
        self._finished: set[int] = set()

    def __enter__(self) -> RichReporter:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def started(self, job: Job) -> None:
        if job.key not in self._tasks and job.key not in self._finished:
            name = job.path.name if len(job.path.name) <= 40 else job.path.name[:37] + "…"
            self._tasks[job.key] = self._progress.add_task(f"  {name}", total=None)

    def progress(self, job: Job, done: int, total: int | None) -> None:
        if job.key in self._finished:
            return
        self.started(job)
        self._progress.update(self._tasks[job.key], completed=done, total=total)

    def finished(self, job: Job, outcome: FileOutcome) -> None:
        if job.key in self._finished:
            return
        self._finished.add(job.key)
        self.started(job)
        task = self._tasks.get(job.key)
        if task is not None:
            total = self._progress.tasks[self._task_index(task)].total or 1
            mark = "✓" if outcome.ok else "✗"
            self._progress.update(task, completed=total, total=total,
                                  description=f"{mark} {job.path.name[:40]}")
        self._progress.advance(self._overall)

    def _task_index(self, task: TaskID) -> int:
        for i, t in enumerate(self._progress.tasks):
            if t.id == task:
                return i
        raise KeyError(task)


def _holds_text(holds: Sequence[tuple[float | None, float | None]]) -> str:
    parts = []
    for held, target in holds:
        if held is None:
            continue
        parts.append(f"{held:.0f}s" + (f"/{target:.0f}s" if target is not None else ""))
    return " ".join(parts) or "–"


def summary_table(outcomes: Sequence[FileOutcome], *, lang: str = "en") -> Table:
    """One row per input: exercise, repetitions, holds against target, faults, result
    (and the similarity to the reference demonstration when any input was compared)."""
    n_ok = sum(1 for o in outcomes if o.ok)
    compared = any(o.similarity is not None for o in outcomes)
    table = Table(title=LABELS["title"].get(lang, ok=n_ok, n=len(outcomes)), show_lines=False)
    keys = ("file", "exercise", "reps", "holds", "faults", *(("similarity",) if compared else ()),
            "status")
    for key in keys:
        table.add_column(LABELS[key].get(lang), overflow="fold")
    for outcome in outcomes:
        name = outcome.source.rsplit("/", 1)[-1]
        similarity = (
            (["–"] if outcome.similarity is None else [f"{outcome.similarity:.0f}/100"])
            if compared else []
        )
        if outcome.ok:
            exercise = f"{outcome.exercise} ({(outcome.confidence or 0):.0%})"
            status: Any = f"[green]{LABELS['ok'].get(lang)}[/green] {outcome.seconds:.1f}s"
            table.add_row(name, exercise, f"{outcome.completed_reps}/{outcome.reps}",
                          _holds_text(outcome.holds), str(outcome.faults), *similarity, status)
        else:
            table.add_row(name, "–", "–", "–", "–", *(["–"] if compared else []),
                          f"[red]{LABELS['failed'].get(lang)}[/red]")
    return table


def note_lines(outcomes: Sequence[FileOutcome]) -> list[str]:
    """``file: note`` for every remark about a finished input (e.g. not in the programme)."""
    return [f"{o.source}: {note}" for o in outcomes if o.ok for note in o.notes]


def failure_lines(outcomes: Sequence[FileOutcome]) -> list[str]:
    """``file: reason`` for every failed input (printed under the summary table)."""
    return [f"{o.source}: {o.error}" for o in outcomes if not o.ok]
