"""The therapist report, from a history written by the real session code over several weeks."""

from __future__ import annotations

import csv
import os
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.engine import analyze_sequence
from posecheck.history.db import HistoryDB
from posecheck.specs import load_all_specs
from posecheck.synth import generate
from posecheck.therapist.compare import compare_run
from posecheck.therapist.profile import load_profile
from posecheck.therapist.reference import Reference
from posecheck.therapist.report import CSV_COLUMNS, build_report, render_report_html

PROFILE = """
name = "Mevrouw Test"
id = "p-report"
language = "nl"
sessions_per_week = 3

[exercises.knee_to_chest]
hold_s = 20
repetitions = 1
rom_target = 100

[exercises.curl_up]
hold_s = "max"
repetitions = 1
"""

FIRST_DAY = datetime(2025, 3, 3, 9, 0)  # a Monday
# (day offset, knee-to-chest hold seconds, with the "other leg lifted" fault, pain, curl-up)
SESSIONS = [
    (0, 12.0, True, False, True),
    (2, 14.0, True, False, False),
    (7, 16.0, False, True, True),
    (9, 18.0, True, False, False),
    (11, 19.0, False, False, True),
    (21, 22.0, False, False, True),  # week 3 skipped: a gap in adherence
    (23, 24.0, False, False, False),
]


class Clock:
    """The history's wall clock, set by the test (``HistoryDB.open(..., clock=...)``)."""

    def __init__(self) -> None:
        self.now = FIRST_DAY

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture(scope="module")
def history(
    tmp_path_factory: pytest.TempPathFactory, k2c_reference: Reference
) -> Iterator[tuple[Path, Path]]:
    """A profile and a history of 7 sessions over 4 weeks, written through HistoryDB from the
    engine's events on synthetic recordings (holds growing from 12 to 24 s), each
    knee-to-chest repetition compared with a demonstration as the live app does."""
    folder = tmp_path_factory.mktemp("report")
    profile_path = folder / "patient.toml"
    profile_path.write_text(PROFILE, encoding="utf-8")
    profile = load_profile(profile_path)
    specs = load_all_specs()
    clock = Clock()
    db_path = folder / "history.sqlite3"
    with HistoryDB.open(db_path, clock=clock) as db:
        for day, hold, fault, pain, curl in SESSIONS:
            clock.now = FIRST_DAY + timedelta(days=day)
            session = db.start_session(profile.patient_key, "patient", profile.language)
            plan = [("knee_to_chest", hold, fault)] + ([("curl_up", 8.0 + day / 3, False)]
                                                       if curl else [])
            for exercise, hold_s, with_fault in plan:
                spec = profile.spec_for(exercise, specs[exercise])
                clip = generate(exercise, reps=1, hold_s=hold_s, fps=15.0, noise=0.5, seed=day,
                                faults=("other_leg_lifted",) if with_fault else ())
                row = db.start_exercise(session, exercise)
                run = analyze_sequence(spec, clip.seq)
                for event in run.events:
                    db.record_event(session, exercise, event)
                if exercise == "knee_to_chest":
                    for rep in compare_run(k2c_reference, run).reps:
                        db.record_comparison(session, exercise, rep_index=rep.rep_index,
                                             side=rep.side, similarity=rep.similarity,
                                             short_of_reference=rep.short_of_reference)
                if pain and exercise == "knee_to_chest":
                    db.record_pain(session, exercise, run.reps[0].end_s, "pijn onderrug")
                db.end_exercise(row, "done")
            db.end_session(session, "completed")
        # another patient's session must not show up
        clock.now = FIRST_DAY + timedelta(days=1)
        other = db.start_session("someone else", "leaflet", "nl")
        db.end_session(other, "completed")
    yield profile_path, db_path


def test_report_content(history: tuple[Path, Path]) -> None:
    profile_path, db_path = history
    profile = load_profile(profile_path)
    with HistoryDB.open(db_path) as db:
        report = build_report(db, profile, until=(FIRST_DAY + timedelta(days=27)).date())
    assert len(report.sessions) == len(SESSIONS)
    assert [w.sessions for w in report.weeks] == [2, 3, 0, 2]
    k2c = report.exercises["knee_to_chest"]
    assert k2c.hold_target_s == 20.0 and k2c.rom_target == 100.0
    assert len(k2c.reps) == 2 * len(SESSIONS)  # left and right each session
    holds = [r.hold_s for r in k2c.reps if r.hold_s is not None]
    assert holds[0] < 14 and holds[-1] > 22  # progress over the weeks
    # reached the 20 s target only in the last two sessions
    assert [r.hold_s >= 20 for r in k2c.reps if r.hold_s is not None] == [False] * 10 + [True] * 4
    assert all(r.target_hold_s == 20.0 for r in k2c.reps)
    assert all(r.peak is not None and r.peak > 100 for r in k2c.reps)
    assert k2c.fault_counts["other_leg_lifted"] >= 3
    assert len(report.pains) == 1 and report.pains[0].note == "pijn onderrug"
    curl = report.exercises["curl_up"]
    assert curl.hold_max and len(curl.reps) == 4
    # every knee-to-chest rep was compared with the demonstration; curl-up has no reference
    assert [(c.session_id, c.side) for c in k2c.similarities] == [
        (r.session_id, r.side) for r in k2c.reps]
    assert all(0 <= c.similarity <= 100 for c in k2c.similarities)
    assert curl.similarities == []

    html = render_report_html(report, "en")
    for text in ("Therapist report", "Mevrouw Test", "Adherence", "Hold time per repetition",
                 "Range of motion", "Similarity to the demonstration per repetition",
                 "id='similarity-knee_to_chest'", "Form faults", "Pain reports", "pijn onderrug",
                 "<svg"):
        assert text in html, text
    assert "src=\"http" not in html and "href=\"http" not in html  # self-contained
    assert "Therapietrouw" in render_report_html(report)  # the profile's language: Dutch


def test_since_limits_the_period(history: tuple[Path, Path]) -> None:
    profile_path, db_path = history
    with HistoryDB.open(db_path) as db:
        report = build_report(db, load_profile(profile_path),
                              since=(FIRST_DAY + timedelta(days=14)).date(),
                              until=(FIRST_DAY + timedelta(days=27)).date())
    assert len(report.sessions) == 2
    assert [w.sessions for w in report.weeks] == [0, 2]


def _chromium() -> str:
    path = "/usr/bin/chromium"
    if not os.path.exists(path):
        if os.environ.get("CI"):
            pytest.fail("chromium is needed (apt-get install -y chromium)")
        pytest.skip("chromium not installed")
    return path


def test_cli_writes_html_and_csv_that_render_in_chromium(
    history: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile_path, db_path = history
    html, table = tmp_path / "report.html", tmp_path / "reps.csv"
    assert main(["report", "--patient", str(profile_path), "--db", str(db_path), "--html",
                 str(html), "--csv", str(table), "--until", "2025-03-30"]) == 0
    assert "7 sessions in 4 weeks" in capsys.readouterr().out

    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 2 * len(SESSIONS) + 4
    assert {r["exercise"] for r in rows} == {"knee_to_chest", "curl_up"}
    assert any("other_leg_lifted" in r["faults"] for r in rows)
    assert all((r["similarity"] != "") == (r["exercise"] == "knee_to_chest") for r in rows)

    shot = tmp_path / "report.png"
    subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'chrome'}", f"--screenshot={shot}",
         "--window-size=1280,2000", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    import cv2

    image = cv2.imread(str(shot))
    assert image is not None and image.shape[:2] == (2000, 1280)
    # plots and tables drawn: many distinct colours and a lot of non-white
    assert (image.min(axis=2) < 200).mean() > 0.03
    keep = os.environ.get("POSECHECK_KEEP_SCREENSHOT")
    if keep:
        Path(keep).write_bytes(shot.read_bytes())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--since", "yesterday"], "not a date"),
        (["--db", "missing.sqlite3"], "No session history"),
    ],
)
def test_cli_bad_input_is_a_message(
    history: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], args: list[str], expected: str,
) -> None:
    profile_path, _ = history
    monkeypatch.chdir(tmp_path)
    try:
        code = main(["report", "--patient", str(profile_path), "--html", "r.html", *args])
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    assert code == 2
    assert expected in capsys.readouterr().err
