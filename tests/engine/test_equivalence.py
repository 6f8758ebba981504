"""One engine for recordings and live use: same events, and time-based (frame drops change nothing).

- Equivalence (CONTRACTS addendum): ``analyze_sequence(spec, seq, smoothing=S)`` gives the
  same events as smoothing ``seq`` with ``make_smoother(S)`` and feeding every frame's pose
  to ``ExerciseEngine(spec, smoothing="none").update`` (what ``analyze --annotate`` does).
  The recorded analysis measures the whole recording in blocks; the frame-by-frame engine
  measures each pose alone as it arrives: both must give the same events, event for
  event, and the same per-frame phases and measurements — on synthetic clips of all
  five exercises (noise, dropped poses, camera at the feet, the other side facing the
  camera, another person stepping in) and on rendered and real clips (camera cuts).
- A slow machine drops frames: the same clip with only every 2nd or 3rd frame gives the
  same repetitions (sides, start within a few frame intervals) and recognises the start
  position at the same time.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from posecheck.engine import EngineRun, ExerciseEngine, analyze_sequence
from posecheck.engine.events import FaultStarted, PositionRecognised, RepCompleted
from posecheck.pose.types import PoseSequence
from posecheck.smoothing import make_smoother
from posecheck.specs import load_spec
from posecheck.synth import generate

F = Callable[..., None]


def real_media(test: F) -> F:
    """Needs the pose model and the shared media (cached poses, model run once)."""
    return pytest.mark.model(pytest.mark.media(pytest.mark.slow(test)))


EXERCISES = ("knee_to_chest", "pelvic_tilt", "trunk_rotation", "curl_up", "back_extension")
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
SYNTHETIC: dict[str, dict[str, Any]] = {
    "noise and dropped poses": dict(noise=1.0, dropouts=0.03, seed=1),
    "camera at the feet": dict(view="feet", noise=0.5, seed=2),
    "oblique, right side near": dict(view="oblique", near_side="right", noise=0.5, seed=3),
}


def _exercise(media_dir: Path, name: str) -> str:
    labels = json.loads((media_dir / "rendered" / f"{name}.json").read_text())
    return str(labels["exercise"])


def _frame_by_frame(exercise: str, seq: PoseSequence) -> tuple[list[object], EngineRun]:
    """Every pose of ``seq`` fed to the engine one at a time, as live: events and run."""
    engine = ExerciseEngine(load_spec(exercise), smoothing="none", lang="en", record=True)
    events: list[object] = []
    for i, t in enumerate(seq.times_s.tolist()):
        events += engine.update(seq.pose_at(i), t)
    events += engine.finish(float(seq.times_s[-1]))
    return events, engine.run()


def _assert_same(recorded: EngineRun, events: list[object], live: EngineRun) -> None:
    """The recorded analysis and the frame-by-frame engine agree on everything."""
    assert [e.rep for e in events if isinstance(e, RepCompleted)] == recorded.reps
    assert {e.code for e in events if isinstance(e, FaultStarted)} == recorded.fault_codes
    for i, (a, b) in enumerate(zip(events, recorded.events, strict=True)):
        assert a == b, f"event {i} differs"
    assert live.phases == recorded.phases
    assert live.dropped_frames.tolist() == recorded.dropped_frames.tolist()
    assert live.context == recorded.context
    assert live.measurements.keys() == recorded.measurements.keys()
    for name, values in recorded.measurements.items():
        np.testing.assert_array_equal(live.measurements[name], values, err_msg=name)


def _recorded_vs_frame_by_frame(exercise: str, seq: PoseSequence) -> EngineRun:
    recorded = analyze_sequence(load_spec(exercise), seq, smoothing="butterworth")
    events, live = _frame_by_frame(exercise, make_smoother("butterworth").smooth(seq))
    _assert_same(recorded, events, live)
    return recorded


@pytest.mark.parametrize("variant", SYNTHETIC)
@pytest.mark.parametrize("exercise", EXERCISES)
def test_synthetic_recorded_equals_frame_by_frame(exercise: str, variant: str) -> None:
    clip = generate(exercise, **SYNTHETIC[variant])
    recorded = _recorded_vs_frame_by_frame(exercise, clip.seq)
    if variant != "camera at the feet":  # the feet view hides most exercises' movement
        assert recorded.reps, "the clip has repetitions; an empty comparison proves nothing"


def _another_person(seq: PoseSequence, start: int, stop: int) -> PoseSequence:
    """Frames ``start:stop`` show a smaller person further right instead of the patient."""
    landmarks = seq.landmarks.copy()
    landmarks[start:stop, :, :2] *= 0.7
    landmarks[start:stop, :, 0] += 0.3
    return PoseSequence(
        seq.timestamps_ms, landmarks, seq.world_landmarks, seq.image_size, seq.fps, seq.source
    )


@pytest.mark.parametrize("exercise", EXERCISES)
def test_another_person_is_dropped_alike(exercise: str) -> None:
    """Unsmoothed poses that jump to another person for 2 s: the same frames dropped."""
    seq = _another_person(generate(exercise, noise=0.5, seed=4).seq, 200, 260)
    recorded = analyze_sequence(load_spec(exercise), seq, smoothing="none")
    events, live = _frame_by_frame(exercise, seq)
    _assert_same(recorded, events, live)
    assert recorded.dropped_frames[200:260].all()
    assert not recorded.dropped_frames[:200].any()


@real_media
@pytest.mark.parametrize("name", RENDERED)
def test_recorded_equals_frame_by_frame(
    name: str, media_dir: Path, clip_poses: Callable[[str], PoseSequence]
) -> None:
    recorded = _recorded_vs_frame_by_frame(
        _exercise(media_dir, name), clip_poses(f"rendered/{name}.mp4")
    )
    assert recorded.reps, "the clip has repetitions; an empty comparison proves nothing"


@real_media
@pytest.mark.parametrize(("clip", "exercise"), REAL)
def test_real_clip_recorded_equals_frame_by_frame(
    clip: str, exercise: str, clip_poses: Callable[[str], PoseSequence]
) -> None:
    recorded = _recorded_vs_frame_by_frame(exercise, clip_poses(clip))
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


def _recognised(events: Sequence[object]) -> float:
    return next(e.t_s for e in events if isinstance(e, PositionRecognised))


CLIPS = [(f"rendered/{n}.mp4", None) for n in RENDERED if n != "pelvic_tilt_fault_hips"] + REAL


@real_media
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


@pytest.mark.parametrize("exercise", ["knee_to_chest", "back_extension"])
def test_a_recording_fed_in_parts_equals_frame_by_frame(exercise: str) -> None:
    """``feed_recording`` in three parts, with single poses in between: as one stream."""
    seq = make_smoother("butterworth").smooth(generate(exercise, noise=0.5, seed=6).seq)
    expected, whole = _frame_by_frame(exercise, seq)
    engine = ExerciseEngine(load_spec(exercise), smoothing="none", lang="en", record=True)
    events: list[object] = []
    cuts = [0, len(seq) // 3, len(seq) // 3 + 2, 2 * len(seq) // 3, len(seq)]
    for k, (start, stop) in enumerate(itertools.pairwise(cuts)):
        if k % 2:
            for i in range(start, stop):
                events += engine.update(seq.pose_at(i), float(seq.times_s[i]))
        else:
            events += engine.feed_recording(seq.slice(start, stop))
    events += engine.finish(float(seq.times_s[-1]))
    _assert_same(whole, events, engine.run())
    assert events == expected
    assert any(isinstance(e, RepCompleted) for e in events)
