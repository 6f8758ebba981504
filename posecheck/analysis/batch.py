"""Run one task per input file, in parallel processes, with failures kept per file.

:func:`run_batch` calls ``task(job, progress)`` for every job and returns one
:class:`FileOutcome` per job, in job order. With ``jobs > 1`` the tasks run in
a ``spawn`` process pool (safe with MediaPipe's threads), the largest inputs
first (so no worker is left with a long file at the end while the other
idles); progress messages travel back through a manager queue. A task that
raises is reported with its reason; a worker process that dies (e.g. a decoder
crash) is retried once on its own, then reported, and the other files still
finish.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from posecheck.errors import PosecheckError

ProgressFn = Callable[[int, int | None], None]
"""``progress(done, total_or_None)`` for the file being processed."""


@dataclass(frozen=True)
class Job:
    """One input and the base name of its outputs."""

    key: int
    path: Path
    output_stem: str


@dataclass
class FileOutcome:
    """How one input went: success with a summary, or the reason it failed."""

    source: str
    ok: bool
    error: str | None = None
    exercise: str | None = None
    confidence: float | None = None
    reps: int = 0
    completed_reps: int = 0
    holds: list[tuple[float | None, float | None]] = field(default_factory=list)
    faults: int = 0
    frames: int = 0
    pose_frames: int = 0
    seconds: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)
    similarity: float | None = None
    """Mean similarity (0–100) to the patient's reference demonstration, if compared."""
    notes: list[str] = field(default_factory=list)
    """Things the user should know about this input (e.g. not in the patient's programme)."""


Task = Callable[[Job, ProgressFn], FileOutcome]


class BatchReporter(Protocol):
    """Receives progress (see :class:`posecheck.analysis.progress.RichReporter`)."""

    def started(self, job: Job) -> None: ...
    def progress(self, job: Job, done: int, total: int | None) -> None: ...
    def finished(self, job: Job, outcome: FileOutcome) -> None: ...


class NullReporter:
    """Ignores all progress."""

    def started(self, job: Job) -> None:
        pass

    def progress(self, job: Job, done: int, total: int | None) -> None:
        pass

    def finished(self, job: Job, outcome: FileOutcome) -> None:
        pass


def failure_reason(exc: BaseException) -> str:
    """A one-line reason for a failed file (user errors verbatim, bugs with their type)."""
    if isinstance(exc, PosecheckError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def run_task_safely(task: Task, job: Job, progress: ProgressFn) -> FileOutcome:
    """``task(job, progress)``; any exception becomes a failed :class:`FileOutcome`."""
    started = time.perf_counter()
    try:
        outcome = task(job, progress)
    except Exception as exc:
        if not isinstance(exc, PosecheckError):
            traceback.print_exc()
        outcome = FileOutcome(source=str(job.path), ok=False, error=failure_reason(exc))
    outcome.seconds = time.perf_counter() - started
    return outcome


class _QueueProgress:
    """Picklable progress callback that posts ``(key, done, total)`` to a queue (throttled)."""

    def __init__(self, q: Any, key: int, every_s: float = 0.2) -> None:
        self.q = q
        self.key = key
        self.every_s = every_s
        self._last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last >= self.every_s or (total is not None and done >= total):
            self._last = now
            self.q.put((self.key, done, total))


def work_estimate(job: Job) -> int:
    """How much work ``job`` is, for ordering: the input's size in bytes (0 if unknown)."""
    try:
        return job.path.stat().st_size
    except OSError:
        return 0


def _worker(task: Task, job: Job, q: Any) -> FileOutcome:
    q.put((job.key, 0, None))
    return run_task_safely(task, job, _QueueProgress(q, job.key))


def run_batch(
    jobs_list: Sequence[Job],
    task: Task,
    *,
    jobs: int = 1,
    reporter: BatchReporter | None = None,
) -> list[FileOutcome]:
    """Run ``task`` over every job; ``jobs`` parallel processes (1 = in this process).

    ``task`` must be a module-level function (or a ``functools.partial`` of one)
    when ``jobs > 1``, because it is sent to spawned processes.
    """
    reporter = reporter or NullReporter()
    outcomes: dict[int, FileOutcome] = {}
    if jobs <= 1 or len(jobs_list) <= 1:
        for job in jobs_list:
            reporter.started(job)

            def progress(done: int, total: int | None, job: Job = job) -> None:
                reporter.progress(job, done, total)

            outcome = run_task_safely(task, job, progress)
            outcomes[job.key] = outcome
            reporter.finished(job, outcome)
        return [outcomes[job.key] for job in jobs_list]

    by_key = {job.key: job for job in jobs_list}
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        q = manager.Queue()
        pending = list(jobs_list)
        crashed_once: set[int] = set()
        while pending:
            # after a crash, suspects run alone so one bad file cannot take others down
            alone = [job for job in pending if job.key in crashed_once]
            group = alone[:1] if alone else pending
            workers = 1 if alone else min(jobs, len(group))
            pending = [job for job in pending if job not in group]
            broken = _run_pool(context, workers, group, task, q, by_key, reporter, outcomes)
            for job in broken:
                if job.key in crashed_once:
                    outcome = FileOutcome(
                        source=str(job.path),
                        ok=False,
                        error="the analysis process crashed on this file (unreadable or "
                        "damaged input?)",
                    )
                    outcomes[job.key] = outcome
                    reporter.finished(job, outcome)
                else:
                    crashed_once.add(job.key)
                    pending.append(job)
    return [outcomes[job.key] for job in jobs_list]


def _run_pool(
    context: Any,
    workers: int,
    group: list[Job],
    task: Task,
    q: Any,
    by_key: dict[int, Job],
    reporter: BatchReporter,
    outcomes: dict[int, FileOutcome],
) -> list[Job]:
    """Run ``group`` in one pool; the jobs whose worker process died are returned."""
    broken: list[Job] = []
    seen_start: set[int] = set()

    def drain() -> None:
        while True:
            try:
                key, done, total = q.get_nowait()
            except queue_module.Empty:
                return
            except (EOFError, OSError):
                return
            job = by_key[key]
            if key not in seen_start:
                seen_start.add(key)
                reporter.started(job)
            reporter.progress(job, done, total)

    largest_first = sorted(group, key=work_estimate, reverse=True)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures: dict[Future[FileOutcome], Job] = {
            pool.submit(_worker, task, job, q): job for job in largest_first
        }
        remaining = set(futures)
        while remaining:
            done, remaining = wait(remaining, timeout=0.1, return_when=FIRST_COMPLETED)
            drain()
            for future in done:
                job = futures[future]
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    broken.append(job)
                    continue
                except Exception as exc:  # pickling trouble etc.
                    outcome = FileOutcome(source=str(job.path), ok=False,
                                          error=failure_reason(exc))
                if job.key not in seen_start:
                    seen_start.add(job.key)
                    reporter.started(job)
                outcomes[job.key] = outcome
                reporter.finished(job, outcome)
        drain()
    return broken
