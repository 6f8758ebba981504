"""``posecheck live`` from the command line: a video as camera, headless, privacy of frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import pytest

from posecheck.cli import main
from posecheck.history.db import HistoryDB


@pytest.mark.slow
def test_live_cli_with_a_video_camera_records_only_when_asked(
    media_dir: Path, model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = media_dir / "rendered" / "curl_up.mp4"
    work = tmp_path / "work"
    work.mkdir()
    db = tmp_path / "h.sqlite3"
    record = work / "session.mp4"
    code = main([
        "live", "--camera", str(clip), "--exercise", "curl_up", "--lang", "en",
        "--model", str(model_path), "--headless", "--speech", "null", "--sound", "null",
        "--db", str(db), "--record", str(record), "--pace", "2",
    ])
    assert code == 0
    out = capsys.readouterr().out
    assert "source_ended" in out and "capture→display latency: mean" in out
    # the recording holds the camera frames (not the overlay), and nothing else was written
    assert [p.name for p in work.iterdir()] == ["session.mp4"]
    capture = cv2.VideoCapture(str(record))
    assert capture.get(cv2.CAP_PROP_FRAME_COUNT) > 50
    capture.release()
    with HistoryDB.open(db) as history:
        (session,) = history.sessions()
        assert session.program == "curl_up" and session.lang == "en"


def test_no_frames_written_without_record(media_dir: Path, model_path: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Privacy: a session without --record/--save-frames writes only the history."""
    folder = tmp_path / "imgs"
    folder.mkdir()
    image = cv2.imread(str(media_dir / "images" / "free-exercise-db" / "Crunches" / "0.jpg"))
    assert image is not None
    for i in range(6):
        cv2.imwrite(str(folder / f"f{i}.png"), image)
    data = tmp_path / "data"
    monkeypatch.setenv("POSECHECK_DATA_DIR", str(data))
    writes: list[str] = []
    real_imwrite = cv2.imwrite
    def imwrite(*args: Any, **kwargs: Any) -> bool:
        writes.append(args[0])
        return bool(real_imwrite(*args))

    def video_writer(*args: Any, **kwargs: Any) -> None:
        writes.append(args[0])

    monkeypatch.setattr(cv2, "imwrite", imwrite)
    monkeypatch.setattr(cv2, "VideoWriter", video_writer)
    code = main([
        "live", "--camera", str(folder), "--exercise", "curl_up", "--model", str(model_path),
        "--headless", "--speech", "null", "--sound", "null",
    ])
    assert code == 0
    assert writes == []
    # only the history database (and SQLite's WAL side files) in the data folder
    assert {p.name.split("-")[0] for p in data.iterdir()} == {"history.sqlite3"}


def test_bad_camera_is_a_clear_message(tmp_path: Path, model_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["live", "--camera", str(tmp_path / "nope.mp4"), "--model", str(model_path),
                 "--headless", "--db", str(tmp_path / "h.sqlite3")])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err
