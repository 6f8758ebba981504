"""``posecheck report --patient FILE [--since DATE] --html OUT [--csv OUT]``: the therapist report.

Adherence (sessions per week), hold times and range of motion against the
profile's targets over time, fault frequencies and pain reports, from the
session history; plots inline, one self-contained HTML file; optional CSV
with one row per repetition.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2025-01-31") from exc


def register(subparsers: Any) -> None:
    """Add the ``report`` verb."""
    parser = subparsers.add_parser(
        "report",
        help="therapist report of a patient's session history (HTML, CSV)",
        description=__doc__.split("\n")[0],
    )
    parser.add_argument("--patient", required=True, type=Path, metavar="FILE",
                        help="patient profile (.toml)")
    parser.add_argument("--since", type=_date, metavar="DATE",
                        help="only sessions from this date on (YYYY-MM-DD)")
    parser.add_argument("--until", type=_date, metavar="DATE",
                        help="end of the period shown (default today)")
    parser.add_argument("--html", required=True, type=Path, metavar="OUT",
                        help="HTML file to write")
    parser.add_argument("--csv", type=Path, metavar="OUT",
                        help="also write one CSV row per repetition")
    parser.add_argument("--db", type=Path, metavar="FILE",
                        help="history database (default: the user's history)")
    parser.add_argument("--lang", choices=("nl", "en"),
                        help="report language (default: the profile's)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posecheck.history.db import HistoryDB, default_db_path
    from posecheck.therapist.profile import load_profile
    from posecheck.therapist.report import build_report, render_report_html, write_report_csv

    profile = load_profile(args.patient)
    db_path = args.db or default_db_path()
    if not Path(db_path).exists():
        raise PosecheckError(
            f"No session history at '{db_path}' yet: run 'posecheck live --patient "
            f"{args.patient}' first (or pass --db)."
        )
    with HistoryDB.open(db_path) as db:
        report = build_report(db, profile, since=args.since, until=args.until)
    try:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(render_report_html(report, args.lang), encoding="utf-8")
        if args.csv is not None:
            write_report_csv(report, args.csv)
    except OSError as exc:
        raise PosecheckError(f"Cannot write the report: {exc}") from exc
    reps = sum(len(ex.reps) for ex in report.exercises.values())
    print(
        f"{profile.name}: {len(report.sessions)} sessions in {len(report.weeks)} weeks, "
        f"{reps} repetitions, {len(report.pains)} pain reports."
    )
    print(f"Report written to {args.html}" + (f" and {args.csv}" if args.csv else ""))
    return 0
