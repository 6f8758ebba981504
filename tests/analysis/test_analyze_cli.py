"""``posecheck analyze`` end to end: outputs, batch failure isolation, exit codes, browser check."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_analysis_html import check_page_in_browser

from posecheck.analysis.report import validate_report
from posecheck.cli import main
from posecheck.pose.io import LandmarkWriter


def write_landmarks(seq, path: Path, source: Path) -> Path:
    meta = {"source": str(source), "fps": seq.fps, "image_size": list(seq.image_size),
            "model_variant": "full", "model_sha256": "f" * 64}
    with LandmarkWriter(path, meta) as writer:
        for i in range(len(seq)):
            writer.write(i, int(seq.timestamps_ms[i]), seq.pose_at(i))
    return path


def short_clip(src: Path, dst: Path, frames: int) -> Path:
    capture = cv2.VideoCapture(str(src))
    fps = capture.get(cv2.CAP_PROP_FPS)
    writer = None
    for _ in range(frames):
        ok, image = capture.read()
        assert ok
        if writer is None:
            h, w = image.shape[:2]
            writer = cv2.VideoWriter(str(dst), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
        writer.write(image)
    assert writer is not None
    writer.release()
    capture.release()
    return dst


@pytest.fixture(scope="module")
def k2c_landmarks(clip_poses, media_dir, tmp_path_factory) -> Path:
    seq = clip_poses("rendered/k2c_left_right.mp4")
    folder = tmp_path_factory.mktemp("landmarks")
    return write_landmarks(seq, folder / "k2c_left_right.jsonl",
                           media_dir / "rendered" / "k2c_left_right.mp4")


def test_single_input_report_file_html_csv_and_annotated_video(
    k2c_landmarks: Path, media_dir: Path, tmp_path: Path
) -> None:
    report_path = tmp_path / "sub" / "my_report.json"
    rc = main(["analyze", str(k2c_landmarks), "--report", str(report_path), "--html", "--csv",
               "--annotate", "--lang", "en"])
    assert rc == 0
    assert sorted(p.name for p in report_path.parent.iterdir()) == [
        "my_report.annotated.mp4", "my_report.frames.csv", "my_report.html", "my_report.json"]
    report = json.loads(report_path.read_text("utf-8"))
    assert validate_report(report) == []
    assert report["exercise"] == "knee_to_chest"
    assert report["model"] == {"variant": "full", "sha256": "f" * 64}  # from the file's metadata
    sides = [rep["side"] for rep in report["reps"]]
    assert sides[:2] == ["left", "right"]  # the rendered clip: left knee, then right knee
    assert report["reps"][0]["hold_s"] == pytest.approx(10.3, abs=1.5)
    assert report["frames"] == 479 and report["pose_frames"] > 470

    with open(report_path.with_suffix(".frames.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == report["frames"]
    assert list(rows[0])[:6] == ["frame", "t_s", "pose", "phase", "side", "hip_flexion"]
    assert {"start", "hold"} <= {row["phase"] for row in rows}

    video = cv2.VideoCapture(str(report_path.with_suffix(".annotated.mp4")))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == report["frames"]
    source = cv2.VideoCapture(str(media_dir / "rendered" / "k2c_left_right.mp4"))
    for _ in range(100):  # inside the first hold
        ok_a, annotated = video.read()
        ok_s, original = source.read()
    assert ok_a and ok_s
    diff = np.abs(annotated.astype(int) - original.astype(int)).mean(axis=2) > 40
    assert diff.mean() > 0.03  # overlay drawn: skeleton, gauge, hold timer

    page = report_path.with_suffix(".html")
    dom, _ = check_page_in_browser(page, tmp_path)
    assert 'id="plot-hip_flexion"' in dom
    assert dom.count('class="key-frame"') == 1 + len(report["reps"])


def test_report_flag_needs_a_single_input(k2c_landmarks: Path, tmp_path: Path, capsys) -> None:
    rc = main(["analyze", str(k2c_landmarks), str(k2c_landmarks.with_name("x.jsonl")),
               "--report", str(tmp_path / "r.json")])
    assert rc == 2
    assert "--report FILE needs exactly one input" in capsys.readouterr().err


def test_several_inputs_write_one_report_each_in_out(k2c_landmarks: Path, tmp_path: Path) -> None:
    second = k2c_landmarks.with_name("copy") / "k2c_left_right.jsonl"
    second.parent.mkdir(exist_ok=True)
    second.write_bytes(k2c_landmarks.read_bytes())
    rc = main(["analyze", str(k2c_landmarks), str(second), "--out", str(tmp_path / "out"),
               "--exercise", "knee_to_chest"])
    assert rc == 0
    reports = sorted((tmp_path / "out").glob("*.report.json"))
    assert len(reports) == 2  # same file name, different folders: distinct outputs
    for path in reports:
        assert validate_report(json.loads(path.read_text("utf-8"))) == []


@pytest.mark.slow
def test_batch_with_a_corrupt_file_reports_it_and_finishes_the_others(
    media_dir: Path, model_path: Path, tmp_path: Path, capsys
) -> None:
    folder = tmp_path / "in"
    (folder / "nested").mkdir(parents=True)
    short_clip(media_dir / "rendered" / "k2c_left_right.mp4", folder / "a_k2c.mp4", 45)
    short_clip(media_dir / "rendered" / "trunk_rotation.mp4", folder / "nested" / "b_rot.mp4", 45)
    (folder / "c_corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    (folder / "notes.txt").write_text("not a video")  # ignored: folders give videos only
    out = tmp_path / "out"
    rc = main(["analyze", str(folder), "--out", str(out), "--jobs", "2", "--model",
               str(model_path)])
    captured = capsys.readouterr()
    assert rc == 1
    assert sorted(p.name for p in out.glob("*.report.json")) == [
        "a_k2c.report.json", "b_rot.report.json"]
    for path in out.glob("*.report.json"):
        report = json.loads(path.read_text("utf-8"))
        assert validate_report(report) == []
        assert report["frames"] == 45 and report["pose_frames"] >= 40
    assert "c_corrupt.mp4" in captured.out and "cannot be opened" in captured.out.replace("\n", " ")
