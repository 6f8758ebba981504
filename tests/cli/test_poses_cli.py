"""``posecheck poses``: landmark files and an annotated video from a clip."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.cli import main
from posecheck.pose.io import read_landmarks, read_metadata

pytestmark = pytest.mark.model


def _green(image: np.ndarray) -> np.ndarray:
    """Pixels of the default skeleton colour (pure green, allowing for mp4 compression)."""
    b, g, r = (image[:, :, i].astype(int) for i in range(3))
    return (g > 180) & (b < 110) & (r < 110)


def test_poses_writes_jsonl_csv_and_annotated_video(
    media_dir: Path, model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clip = media_dir / "rendered" / "curl_up.mp4"
    jsonl, csv, video = tmp_path / "p.jsonl", tmp_path / "p.csv", tmp_path / "a.mp4"
    code = main(
        [
            "poses",
            str(clip),
            "--out",
            str(jsonl),
            "--out",
            str(csv),
            "--annotate",
            str(video),
            "--model",
            str(model_path),
        ]
    )
    assert code == 0
    assert "a pose in 289" in capsys.readouterr().err
    meta = read_metadata(jsonl)
    assert meta["model_variant"] == "full" and len(meta["model_sha256"]) == 64
    assert meta["rotation"] == "auto" and meta["selection"] == "sticky_largest"
    from_jsonl, from_csv = read_landmarks(jsonl), read_landmarks(csv)
    assert len(from_jsonl) == len(from_csv) == 289
    assert from_jsonl.has_pose.all()
    np.testing.assert_allclose(from_jsonl.landmarks, from_csv.landmarks, atol=1e-5)

    annotated, original = cv2.VideoCapture(str(video)), cv2.VideoCapture(str(clip))
    assert int(annotated.get(cv2.CAP_PROP_FRAME_COUNT)) == 289
    for index in (0, 150):
        annotated.set(cv2.CAP_PROP_POS_FRAMES, index)
        original.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok_a, drawn = annotated.read()
        ok_o, plain = original.read()
        assert ok_a and ok_o
        pose = from_jsonl.pose_at(index)
        assert pose is not None
        # skeleton green appears on the body (around the knees and hips) and not in the plain frame
        for joint in (23, 24, 25, 26):
            x, y = pose.pixels()[joint].astype(int)
            window = (slice(max(0, y - 6), y + 7), slice(max(0, x - 6), x + 7))
            assert _green(drawn)[window].any(), f"no skeleton at landmark {joint}"
        assert _green(drawn).sum() > 200 > _green(plain).sum()
    annotated.release()
    original.release()


def test_poses_bad_input_is_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["poses", str(tmp_path / "missing.mp4"), "--out", str(tmp_path / "p.jsonl")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "notes.mp4").write_text("not a video")
    assert main(["poses", str(tmp_path / "notes.mp4"), "--out", str(tmp_path / "p.jsonl")]) == 2
    assert "cannot be opened" in capsys.readouterr().err
    assert main(["poses", str(tmp_path / "notes.mp4"), "--out", str(tmp_path / "p.txt")]) == 2
    assert ".jsonl or .csv" in capsys.readouterr().err


def test_poses_keeps_what_was_written_when_the_video_breaks_off(
    truncated_clip: Path, model_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = truncated_clip
    out = tmp_path / "p.jsonl"
    code = main(
        ["poses", str(cut), "--out", str(out), "--model", str(model_path), "--smooth", "one_euro"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "truncated" in err and "saved in" in err and str(out) in err
    seq = read_landmarks(out)
    assert 10 < len(seq) < 60 and seq.has_pose.all()
    assert read_metadata(out)["smoothing"] == "one_euro"


def test_poses_zero_phase_smoothing(media_dir: Path, model_path: Path, tmp_path: Path) -> None:
    clip = media_dir / "videos" / "standing" / "tfjs_pose_squats.mp4"
    raw, smooth = tmp_path / "raw.jsonl", tmp_path / "smooth.csv"
    assert main(["poses", str(clip), "--out", str(raw), "--model", str(model_path)]) == 0
    assert (
        main(
            [
                "poses",
                str(clip),
                "--out",
                str(smooth),
                "--model",
                str(model_path),
                "--smooth",
                "butterworth",
            ]
        )
        == 0
    )
    a, b = read_landmarks(raw), read_landmarks(smooth)
    assert len(a) == len(b) == 65
    both = a.has_pose & b.has_pose
    jitter = [np.abs(np.diff(s.landmarks[both][:, :, :2], axis=0)).mean() for s in (a, b)]
    assert jitter[1] < jitter[0]
