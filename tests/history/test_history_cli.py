"""``posecheck history``: weekly progress table and plot from the history database."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.engine.events import RepCompleted, RepRecord
from posecheck.history.db import HistoryDB


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite3"
    with HistoryDB.open(path) as db:
        for started, hold in (("2025-03-03T10:00:00", 12.0), ("2025-03-12T10:00:00", 25.0)):
            sid = db.start_session("An", "leaflet", "nl")
            db.connection.execute("UPDATE sessions SET started_at = ? WHERE id = ?", (started, sid))
            db.connection.commit()
            db.start_exercise(sid, "curl_up")
            rep = RepRecord(1, None, 1.0, 2.0 + hold, hold, None, True)
            db.record_event(sid, "curl_up", RepCompleted(3.0 + hold, rep))
            db.end_session(sid, "completed")
        db.record_pain(sid, "curl_up", 4.0)
    return path


def test_history_prints_weekly_progress_and_plots(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plot = tmp_path / "progress.png"
    assert main(["history", "--db", str(db_path), "--plot", str(plot), "--sessions"]) == 0
    out = capsys.readouterr().out
    assert "2025-W10" in out and "2025-W11" in out
    assert "12.0" in out and "25.0" in out  # hold times per week
    assert plot.exists() and plot.stat().st_size > 10_000
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_since_and_patient_filter(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--db", str(db_path), "--since", "2025-03-10"]) == 0
    out = capsys.readouterr().out
    assert "2025-W11" in out and "2025-W10" not in out
    assert main(["history", "--db", str(db_path), "--patient", "Bo"]) == 0
    assert "No sessions" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--since", "last week"], "not a date"), ([], "No session history yet")],
)
def test_bad_input_is_a_clear_message(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "none.sqlite3"
    if args:
        HistoryDB.open(db).close()
    assert main(["history", "--db", str(db), *args]) == 2
    assert message in capsys.readouterr().err
