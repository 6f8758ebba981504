"""Comparing a patient's repetitions with a reference demonstration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from posecheck.engine import EngineRun, ExerciseEngine, analyze_sequence
from posecheck.engine.events import RepCompleted
from posecheck.pose.types import PoseSequence
from posecheck.specs import ExerciseSpec, load_spec
from posecheck.synth import SyntheticClip, Timing, generate
from posecheck.therapist.compare import (
    LiveComparator,
    compare_rep,
    compare_run,
    similarity_from_deviation,
)
from posecheck.therapist.reference import Reference, record_reference


def test_score_scale_is_the_documented_one() -> None:
    assert similarity_from_deviation(0.0) == 100.0
    assert similarity_from_deviation(5.0) == pytest.approx(90.0)
    assert similarity_from_deviation(25.0) == pytest.approx(50.0)
    assert similarity_from_deviation(80.0) == 0.0
    assert similarity_from_deviation(float("inf")) == 0.0


def test_same_exercise_at_another_tempo_scores_high(
    k2c_spec: ExerciseSpec, k2c_reference: Reference
) -> None:
    slow = generate("knee_to_chest", reps=1, hold_s=9.0, noise=0.5, seed=7,
                    timing=Timing(move_s=3.5, return_s=3.5))
    comparison = compare_run(k2c_reference, analyze_sequence(k2c_spec, slow.seq))
    assert [r.side for r in comparison.reps] == ["left", "right"]
    for rep in comparison.reps:
        assert rep.similarity >= 85, rep
        assert not rep.short_of_reference
        assert rep.message().en.startswith("Like the demonstration")
        assert rep.message().nl.startswith("Zoals voorgedaan")
    doc = comparison.as_dict()
    assert doc["similarity"] >= 85 and len(doc["reps"]) == 2
    assert {d["phase"] for d in doc["reps"][0]["deviations"]} == {"start", "end", "hold"}


def _smaller_range(run: EngineRun, key: str, fraction: float) -> dict[str, np.ndarray]:
    """The run's traces with the moving hip only going ``fraction`` of the way."""
    out = {k: v.copy() for k, v in run.measurements.items()}
    trace = out[key]
    rest = float(np.nanmedian(trace[: int(np.argmax(trace > 60))]))
    out[key] = rest + fraction * (trace - rest)
    return out


def test_a_shorter_movement_is_named_with_degrees_in_both_languages(
    k2c_demo: tuple[SyntheticClip, EngineRun], k2c_reference: Reference
) -> None:
    _, run = k2c_demo
    rep = run.reps[0]
    traces = _smaller_range(run, f"hip_flexion.{rep.side}", 0.6)
    result = compare_rep(k2c_reference, rep, run.times_s, traces, run.phases,
                         near_side=run.near_side)
    end = result.deviation("end")
    assert end is not None and end.deviation < -25
    assert result.short_of_reference
    patient, shown = f"{end.patient:.0f}°", f"{end.reference:.0f}°"
    message = result.message()
    assert message.en == f"Knee not as far as shown: {patient} vs {shown}"
    assert message.nl == f"Knie minder ver dan voorgedaan: {patient} i.p.v. {shown}"
    assert result.similarity < 80


def test_the_other_side_is_compared_mirrored(k2c_spec: ExerciseSpec) -> None:
    left_only = generate("knee_to_chest", reps=1, hold_s=6.0, sides=("left", "right"), seed=2)
    run = analyze_sequence(k2c_spec, left_only.seq)
    ref = record_reference(k2c_spec, left_only.seq)
    ref_left = Reference(**{**ref.__dict__, "reps": tuple(r for r in ref.reps
                                                          if r.side == "left")})
    comparison = compare_run(ref_left, run)
    right = [r for r in comparison.reps if r.side == "right"]
    assert right and right[0].reference_rep_index == ref_left.reps[0].index
    assert right[0].similarity >= 75
    assert right[0].primary == "hip_flexion.right"


def test_live_comparator_gives_a_message_at_the_end_of_each_rep(
    k2c_spec: ExerciseSpec, k2c_reference: Reference
) -> None:
    clip = generate("knee_to_chest", reps=1, hold_s=6.0, noise=0.5, seed=5, fps=15.0)
    engine = ExerciseEngine(k2c_spec, smoothing="one_euro")
    comparator = LiveComparator(k2c_reference, k2c_spec)
    seq = clip.seq
    results = []
    for i in range(len(seq)):
        t = float(seq.times_s[i])
        events = engine.update(seq.pose_at(i), t)
        comparator.update(seq.pose_at(i), t, engine)
        for event in events:
            if isinstance(event, RepCompleted):
                results.append(comparator.rep_completed(event.rep))
    assert [r.side for r in results] == ["left", "right"]
    for result in results:
        assert result.similarity >= 75, result
        assert "demonstration" in result.message().en


# --- real clips ------------------------------------------------------------------------

REFERENCE_CLIP = "videos/knee_to_chest/k2c_single_knee_fitbod_oblique_then_side.mp4"
SAME_EXERCISE = ("rendered/k2c_left_right.mp4", "rendered/k2c_fault_other_leg.mp4")
OTHER_EXERCISES = (
    "rendered/curl_up.mp4",
    "videos/curl_up/situp_wanshape_side.mp4",
    "videos/curl_up/crunch_incorrect_then_correct_hkvitals_portrait.mp4",
    "rendered/back_extension.mp4",
    "videos/back_extension/superman_fitbod_oblique_then_side.mp4",
)


@pytest.fixture(scope="module")
def real_scores(clip_poses: Callable[[str], PoseSequence]) -> dict[str, float]:
    spec = load_spec("knee_to_chest")
    reference = record_reference(spec, clip_poses(REFERENCE_CLIP), source=REFERENCE_CLIP)
    scores = {}
    for clip in SAME_EXERCISE + OTHER_EXERCISES:
        comparison = compare_run(reference, analyze_sequence(spec, clip_poses(clip)))
        assert comparison.similarity is not None
        scores[clip] = comparison.similarity
    return scores


@pytest.mark.media
@pytest.mark.model
def test_real_clips_score_in_the_right_order(real_scores: dict[str, float]) -> None:
    """Reference: a real knee-to-chest demonstration. Every other knee-to-chest clip
    scores higher than every clip of another exercise, with a clear gap."""
    same = min(real_scores[c] for c in SAME_EXERCISE)
    other = max(real_scores[c] for c in OTHER_EXERCISES)
    assert same > other + 15, real_scores
    assert same >= 60, real_scores


@pytest.mark.media
@pytest.mark.model
def test_cli_records_a_reference_from_a_real_clip(
    tmp_path: Path, clip_poses: Callable[[str], PoseSequence]
) -> None:
    from posecheck.cli import main
    from posecheck.pose.io import LandmarkWriter
    from posecheck.therapist.reference import load_reference

    seq = clip_poses(REFERENCE_CLIP)
    poses = tmp_path / "demo.jsonl"
    with LandmarkWriter(poses, {"fps": seq.fps, "image_size": list(seq.image_size)}) as writer:
        for i in range(len(seq)):
            writer.write(i, int(seq.timestamps_ms[i]), seq.pose_at(i))
    out = tmp_path / "k2c.json"
    assert main(["reference", "record", "--exercise", "knee_to_chest", "--camera", str(poses),
                 "--from", "8.0", "--out", str(out)]) == 0
    ref = load_reference(out)
    assert ref.times_s[0] >= 8.0 and len(ref.reps) == 1
    start, peak = ref.range_shown() or (0.0, 0.0)
    assert peak - start > 50

