"""``posecheck history``: progress over the weeks (hold times, repetitions, pain)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError


def register(subparsers: Any) -> None:
    """Add the ``history`` verb."""
    parser = subparsers.add_parser(
        "history",
        help="progress over the weeks: hold times, repetitions, pain reports",
        description=__doc__.split("\n")[0],
    )
    parser.add_argument("--since", metavar="DATE", help="only sessions from DATE (YYYY-MM-DD)")
    parser.add_argument("--patient", metavar="NAME", help="only this patient's sessions")
    parser.add_argument("--plot", type=Path, metavar="FILE",
                        help="also draw a plot (.png/.svg/.pdf)")
    parser.add_argument("--db", type=Path, metavar="FILE",
                        help="history database (default: the user data folder)")
    parser.add_argument("--sessions", action="store_true", help="also list every session")
    parser.set_defaults(func=run)


def _since(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PosecheckError(f"--since: '{text}' is not a date like 2025-01-31.") from exc


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from posecheck.history.db import HistoryDB, default_db_path

    since = _since(args.since)
    path = args.db or default_db_path()
    if not Path(path).exists():
        raise PosecheckError(
            f"No session history yet ({path} does not exist): do a session with 'posecheck live'."
        )
    console = Console()
    with HistoryDB.open(path) as db:
        sessions = db.sessions(since=since, patient=args.patient)
        weeks = db.weekly_progress(since=since, patient=args.patient)
        if args.sessions:
            table = Table(title="Sessions")
            for col in ("id", "started", "patient", "program", "status"):
                table.add_column(col)
            for s in sessions:
                table.add_row(str(s.id), s.started_at, s.patient or "-", s.program, s.status)
            console.print(table)
        if not sessions:
            console.print("No sessions in this period.")
        table = Table(title=f"Progress per week ({len(sessions)} sessions)")
        for col in ("week", "exercise", "sessions", "reps done", "mean hold s", "best hold s",
                    "faults", "pain"):
            table.add_column(col)
        for w in weeks:
            table.add_row(w.week, w.exercise_id, str(w.sessions), f"{w.completed_reps}/{w.reps}",
                          _fmt(w.mean_hold_s), _fmt(w.best_hold_s), str(w.faults), str(w.pains))
        console.print(table)
        if args.plot is not None:
            from posecheck.history.plot import plot_progress

            out = plot_progress(weeks, args.plot, title=f"posecheck {args.patient or ''}".strip())
            console.print(f"plot written to {out}")
    return 0
