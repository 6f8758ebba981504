"""extract_poses: raw poses of recorded sources."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from posecheck.pose.estimator import EstimatorOptions, RunningMode
from posecheck.pose.extract import extract_poses
from posecheck.pose.types import PoseSequence
from posecheck.sources import TruncatedVideoError, open_source

MEDIA = Path(__file__).resolve().parents[2].parent / "shared" / "media"


def _segments() -> dict[str, list[list[int]]]:
    path = MEDIA / "videos" / "segments.json"
    if not path.exists():
        return {"(segments.json missing)": []}
    data = json.loads(path.read_text())
    return {k: v["use"] for k, v in data.items() if not k.startswith("_")}


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.parametrize("clip, use", sorted(_segments().items()))
def test_full_model_finds_a_pose_in_95_percent_of_use_frames(
    clip_poses: Callable[[str], PoseSequence], clip: str, use: list[list[int]]
) -> None:
    seq = clip_poses(f"videos/{clip}")
    frames = np.concatenate([np.arange(a, min(b, len(seq) - 1) + 1) for a, b in use])
    found = seq.has_pose[frames].mean()
    assert found >= 0.95, f"pose in {100 * found:.1f} % of use frames"
    assert np.all(np.diff(seq.timestamps_ms) > 0)


@pytest.mark.model
def test_extract_from_an_open_source_with_progress(media_dir: Path, model_path: Path) -> None:
    clip = media_dir / "videos" / "standing" / "tfjs_pose_squats.mp4"
    calls: list[tuple[int, int | None]] = []
    with open_source(clip) as source:
        seq = extract_poses(
            source, model_path=model_path, progress=lambda done, total: calls.append((done, total))
        )
        assert source.read() is None  # consumed, but still usable (not closed by extract)
    assert len(seq) == 65 and seq.image_size == (720, 1280)
    assert seq.has_pose.mean() > 0.9
    assert calls[0] == (1, 65) and calls[-1] == (65, 65)


@pytest.mark.model
def test_options_are_forced_to_video_mode(media_dir: Path, model_path: Path) -> None:
    opts = EstimatorOptions(model_path, running_mode=RunningMode.IMAGE, rotation="auto")
    seq = extract_poses(media_dir / "images" / "people" / "tfjs_pose.jpg", options=opts)
    assert len(seq) == 1 and seq.has_pose[0]


@pytest.mark.model
def test_truncated_video_raises_or_keeps_readable_frames(
    truncated_clip: Path, model_path: Path
) -> None:
    cut = truncated_clip
    with pytest.raises(TruncatedVideoError, match="truncated"):
        extract_poses(cut, model_path=model_path)
    seq = extract_poses(cut, model_path=model_path, allow_truncated=True)
    assert 10 < len(seq) < 60
    assert seq.has_pose.all()
