"""Shared test fixtures: the shared media and model, and cached pose extraction.

Tests that need the pose model or the shared media *fail* (never skip) when
the environment variable ``CI`` is set and the file is missing; elsewhere they
skip with the reason.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from posecheck.pose.types import PoseSequence

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POSECHECK_SHARED", REPO.parent / "shared"))
MEDIA = SHARED / "media"
MODELS = SHARED / "models"


def require(path: Path, what: str) -> Path:
    """``path`` if it exists; otherwise fail under CI and skip elsewhere."""
    if path.exists():
        return path
    message = f"{what} not found at {path}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must have ../shared beside the clone)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def media_dir() -> Path:
    """``../shared/media``."""
    return require(MEDIA, "shared media")


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The full pose model: ``POSECHECK_MODEL`` or ``../shared/models``."""
    env = os.environ.get("POSECHECK_MODEL")
    path = Path(env).resolve() if env else MODELS / "pose_landmarker_full.task"
    return require(path, "pose model")


def _code_fingerprint() -> str:
    digest = hashlib.sha256()
    for sub in ("posecheck/pose", "posecheck/sources.py"):
        path = REPO / sub
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            if file.exists():
                digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


@pytest.fixture(scope="session")
def clip_poses(
    request: pytest.FixtureRequest, model_path: Path, media_dir: Path
) -> Callable[[str], PoseSequence]:
    """``clip_poses("videos/curl_up/x.mp4")``: the clip's raw poses (full model, VIDEO mode).

    Extracted once per code version and cached in pytest's cache directory, so
    the many tests that look at the same clip run the model only once.
    """
    from posecheck.pose.extract import extract_poses
    from posecheck.pose.io import LandmarkWriter, read_landmarks

    cache = request.config.cache
    assert cache is not None
    folder = cache.mkdir("posecheck-poses")
    fingerprint = _code_fingerprint()
    memo: dict[str, PoseSequence] = {}

    def get(relative: str) -> PoseSequence:
        if relative in memo:
            return memo[relative]
        clip = require(media_dir / relative, "clip")
        cached = folder / f"{relative.replace('/', '__')}.{fingerprint}.jsonl"
        if not cached.exists():
            seq = extract_poses(clip, model_path=model_path)
            tmp = cached.with_suffix(".tmp.jsonl")
            meta = {"source": str(clip), "fps": seq.fps, "image_size": list(seq.image_size)}
            with LandmarkWriter(tmp, meta) as writer:
                for i in range(len(seq)):
                    writer.write(i, int(seq.timestamps_ms[i]), seq.pose_at(i))
            tmp.replace(cached)
        memo[relative] = read_landmarks(cached)
        return memo[relative]

    return get


@pytest.fixture
def truncated_clip(media_dir: Path, tmp_path: Path) -> Path:
    """An AVI whose header says 60 frames, cut off after about half of them."""
    import cv2

    src = cv2.VideoCapture(str(require(media_dir / "rendered" / "curl_up.mp4", "clip")))
    whole = tmp_path / "whole.avi"
    writer = cv2.VideoWriter(str(whole), cv2.VideoWriter.fourcc(*"MJPG"), 15, (640, 480))
    for _ in range(60):
        ok, image = src.read()
        assert ok
        writer.write(image)
    writer.release()
    src.release()
    data = whole.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    return cut
