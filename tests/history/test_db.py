"""History database: written as it happens, queried by the history verb and the therapist report."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from posecheck.engine.events import (
    FaultEnded,
    FaultStarted,
    HoldEnded,
    PhaseEntered,
    RepCompleted,
    RepRecord,
)
from posecheck.history.db import HistoryDB
from posecheck.i18n import Text


def _rep(index: int, side: str, hold: float, completed: bool = True) -> RepCompleted:
    return RepCompleted(
        10.0 * index,
        RepRecord(index, side, 10.0 * index - 8, 10.0 * index, hold, 30.0, completed,  # type: ignore[arg-type]
                  {"hip_flexion": 112.0}, ("other_leg_lifted",) if not completed else ()),
    )


def test_events_are_committed_at_once_and_visible_to_another_connection(tmp_path: Path) -> None:
    db = HistoryDB.open(tmp_path / "h.sqlite3")
    sid = db.start_session("An", "leaflet", "nl", "camera 0")
    db.start_exercise(sid, "knee_to_chest")
    db.record_event(sid, "knee_to_chest", _rep(1, "left", 29.5))
    db.record_event(sid, "knee_to_chest", PhaseEntered(1.0, "hold", "left"))  # ignored
    # another process (e.g. after a crash) sees everything without a close or commit
    other = sqlite3.connect(tmp_path / "h.sqlite3")
    assert other.execute("SELECT hold_s, side FROM reps").fetchall() == [(29.5, "left")]
    assert other.execute("SELECT status FROM sessions").fetchall() == [("running",)]
    assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    other.close()
    db.close()


def test_full_session_roundtrip(tmp_path: Path) -> None:
    msg = Text(nl="Houd je andere voet op de grond.", en="Keep your other foot on the floor.")
    with HistoryDB.open(tmp_path / "h.sqlite3") as db:
        sid = db.start_session("An", "leaflet", "nl")
        ex = db.start_exercise(sid, "knee_to_chest")
        db.record_event(sid, "knee_to_chest", FaultStarted(3.0, "other_leg_lifted", "warning", msg))
        db.record_event(sid, "knee_to_chest", FaultEnded(5.5, "other_leg_lifted", 3.0))
        db.record_event(sid, "knee_to_chest", HoldEnded(9.0, "left", 12.0, 30.0, False))
        db.record_event(sid, "knee_to_chest", _rep(1, "left", 12.0, completed=False))
        db.record_pain(sid, "knee_to_chest", 9.5)
        db.end_exercise(ex, "pain")
        db.end_session(sid, "quit")

        (session,) = db.sessions()
        assert (session.patient, session.program, session.status) == ("An", "leaflet", "quit")
        assert session.ended_at is not None
        (fault,) = db.faults(session_id=sid)
        assert (fault.code, fault.start_s, fault.end_s) == ("other_leg_lifted", 3.0, 5.5)
        (hold,) = db.holds(patient="An")
        assert (hold.held_s, hold.reached_target) == (12.0, False)
        (rep,) = db.reps(exercise_id="knee_to_chest")
        assert rep.faults == ("other_leg_lifted",) and rep.peak == {"hip_flexion": 112.0}
        assert not rep.completed
        (pain,) = db.pains()
        assert pain.t_s == 9.5
        assert [e.status for e in db.exercises(session_id=sid)] == ["pain"]


def test_end_session_closes_running_exercises(tmp_path: Path) -> None:
    with HistoryDB.open(tmp_path / "h.sqlite3") as db:
        sid = db.start_session(None, "knee_to_chest", "en")
        db.start_exercise(sid, "knee_to_chest")
        db.end_session(sid, "interrupted")
        assert [e.status for e in db.exercises()] == ["stopped"]
        with pytest.raises(ValueError):
            db.end_session(sid, "exploded")


def test_filters_by_patient_and_date_and_weekly_progress(tmp_path: Path) -> None:
    with HistoryDB.open(tmp_path / "h.sqlite3") as db:
        for patient, holds in (("An", (20.0, 30.0)), ("Bo", (5.0,))):
            sid = db.start_session(patient, "leaflet", "nl")
            db.start_exercise(sid, "curl_up")
            for i, hold in enumerate(holds, 1):
                db.record_event(sid, "curl_up", _rep(i, "left", hold))
            db.record_pain(sid, "curl_up", 1.0)
            db.end_session(sid, "completed")
        db.connection.execute(
            "UPDATE sessions SET started_at = '2020-01-06T10:00:00' WHERE patient = 'Bo'"
        )
        db.connection.commit()
        assert [s.patient for s in db.sessions(patient="An")] == ["An"]
        assert [s.patient for s in db.sessions(since="2021-01-01")] == ["An"]
        weeks = db.weekly_progress()
        bo, an = weeks  # 2020 first
        assert bo.week == "2020-W02" and bo.best_hold_s == 5.0 and bo.pains == 1
        assert an.exercise_id == "curl_up" and an.reps == 2 and an.mean_hold_s == 25.0


def test_default_location_follows_posecheck_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSECHECK_DATA_DIR", str(tmp_path / "data"))
    with HistoryDB.open() as db:
        assert db.path == tmp_path / "data" / "history.sqlite3"
    assert (tmp_path / "data" / "history.sqlite3").exists()


def test_injected_clock_sets_every_timestamp(tmp_path: Path) -> None:
    from datetime import datetime, timedelta

    now = [datetime(2025, 3, 3, 9, 0)]

    def clock() -> datetime:
        now[0] += timedelta(minutes=1)
        return now[0]

    with HistoryDB.open(tmp_path / "h.sqlite3", clock=clock) as db:
        sid = db.start_session("An", "leaflet", "nl")
        db.record_event(sid, "knee_to_chest", _rep(1, "left", 29.5))
        db.end_session(sid, "completed")
        (session,) = db.sessions()
        (rep,) = db.reps()
    assert (session.started_at, rep.recorded_at, session.ended_at) == (
        "2025-03-03T09:01:00", "2025-03-03T09:02:00", "2025-03-03T09:03:00")


def test_comparisons_are_recorded_and_filtered(tmp_path: Path) -> None:
    with HistoryDB.open(tmp_path / "h.sqlite3") as db:
        an = db.start_session("An", "patient", "nl")
        bo = db.start_session("Bo", "patient", "nl")
        db.record_comparison(an, "knee_to_chest", rep_index=1, side="left", similarity=88.4,
                             mean_deviation_deg=5.8, reference="refs/k2c.json",
                             message="Zoals voorgedaan (gelijkenis 88/100)")
        db.record_comparison(bo, "knee_to_chest", rep_index=1, side="right", similarity=41.0,
                             short_of_reference=True)
        (row,) = db.comparisons(patient="An")
        assert (row.rep_index, row.side, row.similarity, row.short_of_reference) == (
            1, "left", 88.4, False)
        assert row.reference == "refs/k2c.json" and row.message is not None
        assert [r.short_of_reference for r in db.comparisons(exercise_id="knee_to_chest")] == [
            False, True]


def test_a_database_of_an_older_version_gets_the_new_table_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    with HistoryDB.open(path) as db:
        sid = db.start_session("An", "leaflet", "nl")
        db.record_event(sid, "knee_to_chest", _rep(1, "left", 29.5))
    raw = sqlite3.connect(path)
    raw.execute("DROP TABLE comparisons")  # as written before comparisons existed
    raw.commit()
    raw.close()
    with HistoryDB.open(path) as db:
        assert len(db.reps()) == 1 and db.comparisons() == []
        db.record_comparison(sid, "knee_to_chest", rep_index=1, side="left", similarity=70.0)
        assert len(db.comparisons()) == 1
