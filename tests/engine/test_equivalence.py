"""One engine for recordings and live use: same events, and time-based (frame drops change nothing).

- Equivalence (CONTRACTS addendum): ``analyze_sequence(spec, seq, smoothing=S)`` gives the
  same events as smoothing ``seq`` with ``make_smoother(S)`` and feeding every frame's pose
  to ``ExerciseEngine(spec, smoothing="none").update`` (what ``analyze --annotate`` does).
- A slow machine drops frames: the same clip with only every 2nd or 3rd frame gives the
  same repetitions (sides, start within a few frame intervals) and recognises the start
  position at the same time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from posecheck.engine import ExerciseEngine, analyze_sequence
from posecheck.engine.events import FaultStarted, PositionRecognised, RepCompleted
from posecheck.pose.types import PoseSequence
from posecheck.smoothing import make_smoother
from posecheck.specs import load_spec

pytestmark = [pytest.mark.model, pytest.mark.media, pytest.mark.slow]

RENDERED = [
    "k2c_left_right",
    "k2c_fault_other_leg",
    "trunk_rotation",
    "trunk_rotation_fault_shoulder",
    "pelvic_tilt",
    "pelvic_tilt_fault_hips",
    "back_extension",
    "curl_up",
]
REAL = [
    ("videos/knee_to_chest/k2c_single_knee_fitbod_oblique_then_side.mp4", "knee_to_chest"),
    ("videos/curl_up/situp_wanshape_side.mp4", "curl_up"),
    ("videos/back_extension/superman_fitbod_oblique_then_side.mp4", "back_extension"),
]


def _exercise(media_dir: Path, name: str) -> str:
    labels = json.loads((media_dir / "rendered" / f"{name}.json").read_text())
    return str(labels["exercise"])


@pytest.mark.parametrize("name", RENDERED)
def test_recorded_equals_frame_by_frame(
    name: str, media_dir: Path, clip_poses: Callable[[str], PoseSequence]
) -> None:
    spec = load_spec(_exercise(media_dir, name))
    seq = clip_poses(f"rendered/{name}.mp4")
    recorded = analyze_sequence(spec, seq, smoothing="butterworth")
    smoothed = make_smoother("butterworth").smooth(seq)
    engine = ExerciseEngine(spec, smoothing="none", lang="en")
    events = []
    for i, t in enumerate(smoothed.times_s.tolist()):
        events += engine.update(smoothed.pose_at(i), t)
    events += engine.finish(float(smoothed.times_s[-1]))
    live_reps = [e.rep for e in events if isinstance(e, RepCompleted)]
    assert live_reps == recorded.reps
    assert {e.code for e in events if isinstance(e, FaultStarted)} == recorded.fault_codes
    assert events == recorded.events
    assert recorded.reps, "the clip has repetitions; an empty comparison proves nothing"


def _every(seq: PoseSequence, k: int) -> PoseSequence:
    return PoseSequence(
        seq.timestamps_ms[::k],
        seq.landmarks[::k],
        seq.world_landmarks[::k],
        seq.image_size,
        seq.fps / k,
        seq.source,
    )


def _recognised(events: list[object]) -> float:
    return next(e.t_s for e in events if isinstance(e, PositionRecognised))


CLIPS = [(f"rendered/{n}.mp4", None) for n in RENDERED if n != "pelvic_tilt_fault_hips"] + REAL


@pytest.mark.parametrize("step", [2, 3])
@pytest.mark.parametrize(("clip", "exercise"), CLIPS)
def test_dropped_frames_change_nothing_but_resolution(
    clip: str,
    exercise: str | None,
    step: int,
    media_dir: Path,
    clip_poses: Callable[[str], PoseSequence],
) -> None:
    if exercise is None:
        exercise = _exercise(media_dir, Path(clip).stem)
    spec = load_spec(exercise)
    seq = clip_poses(clip)
    full = analyze_sequence(spec, seq)
    thinned = analyze_sequence(spec, _every(seq, step))
    frame_s = step / seq.fps
    tolerance = 0.1 + 2 * frame_s
    assert [r.side for r in thinned.reps] == [r.side for r in full.reps]
    for a, b in zip(thinned.reps, full.reps, strict=True):
        assert a.start_s == pytest.approx(b.start_s, abs=tolerance)
        assert a.end_s == pytest.approx(b.end_s, abs=tolerance)
    assert _recognised(thinned.events) == pytest.approx(_recognised(full.events), abs=tolerance)
