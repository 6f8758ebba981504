"""The synthetic generator: deterministic, consistent truth, faults visible in the measurements."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from posecheck.measure import compute, estimate_context, velocity
from posecheck.synth import EXERCISES, FAULTS, generate


def test_same_seed_same_clip_other_seed_other_noise() -> None:
    a = generate("curl_up", reps=1, noise=2.0, dropouts=0.05, seed=7)
    b = generate("curl_up", reps=1, noise=2.0, dropouts=0.05, seed=7)
    c = generate("curl_up", reps=1, noise=2.0, dropouts=0.05, seed=8)
    assert np.array_equal(a.seq.landmarks, b.seq.landmarks, equal_nan=True)
    assert not np.array_equal(a.seq.landmarks, c.seq.landmarks, equal_nan=True)
    assert a.truth.reps == b.truth.reps


@pytest.mark.parametrize("exercise", EXERCISES)
def test_truth_is_consistent(exercise: str) -> None:
    clip = generate(exercise, reps=2, hold_s=3.0)
    truth = clip.truth
    sided = exercise in ("knee_to_chest", "trunk_rotation")
    assert len(truth.reps) == (4 if sided else 2)
    assert truth.settle_end_s >= 2.0  # getting into position comes first and is no repetition
    previous_end = 0.0
    for rep in truth.reps:
        assert previous_end <= rep.start_s < rep.hold_start_s < rep.hold_end_s < rep.end_s
        assert rep.hold_end_s - rep.hold_start_s == pytest.approx(3.0, abs=0.05)
        previous_end = rep.end_s
    if sided:
        assert [r.side for r in truth.reps] == ["left", "right", "left", "right"]
    else:
        assert all(r.side is None for r in truth.reps)
    assert clip.seq.times_s[-1] >= truth.reps[-1].end_s
    assert clip.seq.has_pose.all()


def test_dropouts_remove_about_that_fraction_of_frames() -> None:
    clip = generate("back_extension", reps=1, dropouts=0.2, seed=1)
    missing = 1 - clip.seq.has_pose.mean()
    assert 0.18 <= missing <= 0.25


def test_inconsistent_head_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="mirrored"):
        generate("knee_to_chest", near_side="left", head_direction="left")
    assert generate("back_extension", reps=1, near_side="left").truth.head_direction == "left"


def _window(clip, code: str) -> np.ndarray:
    t = clip.seq.times_s
    mask = np.zeros(len(t), dtype=bool)
    for f in clip.truth.faults:
        if f.code == code:
            mask |= (t >= f.start_s) & (t <= f.end_s)
    return mask


def _max_in_window(values, times, window):
    return float(np.nanmax(values[window]))


def _min_in_window(values, times, window):
    return float(np.nanmin(values[window]))


def _max_speed(values, times, window):
    """Peak speed after a 7-frame moving average (as the engine smooths before judging)."""
    ok = np.isfinite(values)
    smooth = np.convolve(values[ok], np.ones(7) / 7, mode="valid")
    return float(np.nanmax(np.abs(velocity(smooth, times[ok][3:-3]))))


def _range(values, times, window):
    return float(np.nanmax(values[window]) - np.nanmin(values[window]))


def _max_abs(values, times, window):
    return float(np.nanmax(np.abs(values[window])))


# exercise, fault, measurement, side, statistic, expected change, extra generate() args
FAULT_TABLE: list[tuple[str, str, str, str | None, Callable, str, dict]] = [
    ("knee_to_chest", "other_leg_lifted", "foot_lift", "right", _max_in_window, "up", {}),
    ("knee_to_chest", "head_lifted", "head_lift", None, _max_in_window, "up", {}),
    ("knee_to_chest", "too_fast", "hip_flexion", "left", _max_speed, "up", {}),
    ("pelvic_tilt", "hips_lifted", "hip_lift", None, _max_in_window, "up", {}),
    ("pelvic_tilt", "trunk_leaning", "trunk_lean", None, _max_abs, "up", {"position": "sitting"}),
    ("pelvic_tilt", "small_range", "pelvic_tilt", None, _range, "down", {}),
    ("pelvic_tilt", "too_fast", "pelvic_tilt", None, _max_speed, "up", {}),
    ("trunk_rotation", "shoulder_lifted", "shoulder_lift", "max", _max_in_window, "up", {}),
    ("trunk_rotation", "knees_apart", "knees_apart", None, _max_in_window, "up", {"view": "feet"}),
    ("trunk_rotation", "too_fast", "knee_rotation", None, _max_speed, "up", {}),
    ("trunk_rotation", "asymmetric_range", "knee_rotation", None, _min_in_window, "up", {}),
    ("curl_up", "feet_lifted", "foot_lift", "max", _max_in_window, "up", {}),
    ("curl_up", "jerking", "trunk_curl", None, _max_speed, "up", {}),
    ("curl_up", "neck_pulled", "neck_flexion", None, _max_in_window, "up", {}),
    ("back_extension", "arms_bent", "elbow_flexion", None, _max_in_window, "up", {}),
    ("back_extension", "legs_bent", "knee_flexion", None, _max_in_window, "up", {}),
    ("back_extension", "not_both_lifted", "both_lifted", None, _max_in_window, "down", {}),
]


def test_fault_table_covers_every_fault_code() -> None:
    covered = {(e, f) for e, f, *_ in FAULT_TABLE}
    assert covered == {(e, f) for e, faults in FAULTS.items() for f in faults}


@pytest.mark.parametrize(
    ("exercise", "fault", "measure", "side", "stat", "direction", "extra"),
    FAULT_TABLE,
    ids=[f"{e}-{f}" for e, f, *_ in FAULT_TABLE],
)
def test_each_fault_moves_its_measurement(
    exercise, fault, measure, side, stat, direction, extra
) -> None:
    kwargs = {"reps": 1, "sides": ("left", "right"), "noise": 0.5, "seed": 2, **extra}
    bad = generate(exercise, faults=(fault,), **kwargs)
    good = generate(exercise, **kwargs)
    window = _window(bad, fault)
    assert window.any()
    values = []
    for clip in (good, bad):
        end = int(clip.truth.settle_end_s * clip.seq.fps)
        ctx = estimate_context(clip.seq.slice(end - 20, end))
        series = compute(measure, clip.seq.landmarks, ctx, side)
        series[:end] = np.nan  # getting into position is not judged
        win = (
            window[: len(series)] if len(series) >= len(window) else np.resize(window, len(series))
        )
        values.append(stat(series, clip.seq.times_s, win))
    good_value, bad_value = values
    if direction == "up":
        assert bad_value > good_value * 1.2 + 0.02, (good_value, bad_value)
    else:
        assert bad_value < good_value * 0.8 - 0.02 if good_value > 0 else bad_value < good_value


@pytest.mark.parametrize(
    ("position", "posture", "view"),
    [
        ("lying", "hook_lying", "side"),
        ("quadruped", "quadruped", "side"),
        ("standing", "standing", "side"),
        ("standing", "standing", "oblique"),
        ("sitting", "sitting", "side"),
    ],
)
def test_pelvic_tilt_positions_look_like_their_posture(position, posture, view) -> None:
    from posecheck.measure import classify_posture, classify_view

    clip = generate("pelvic_tilt", reps=2, position=position, view=view, near_side="right")
    truth = clip.truth
    assert truth.posture == posture
    assert len(truth.reps) == 2
    tilt = truth.signals["pelvic_tilt"]
    assert tilt.max() == pytest.approx(15.0) and tilt.min() == pytest.approx(-12.0)
    lm, size = clip.seq.landmarks, clip.seq.image_size
    exercising = clip.seq.times_s >= truth.settle_end_s
    postures = classify_posture(lm, size)[exercising]
    assert np.mean(postures == posture) > 0.95
    assert classify_view(lm, size) == view
    ctx = estimate_context(clip.seq.slice(0, int(truth.settle_end_s * clip.seq.fps)))
    assert ctx.near_side == "right"


def test_pelvic_tilt_refuses_positions_and_faults_that_do_not_exist() -> None:
    with pytest.raises(ValueError, match="not a pelvic tilt position"):
        generate("pelvic_tilt", position="kneeling")
    with pytest.raises(ValueError, match="only lying"):
        generate("pelvic_tilt", position="quadruped", faults=("hips_lifted",))
    with pytest.raises(ValueError, match="side"):
        generate("pelvic_tilt", position="quadruped", view="feet")
    assert generate("pelvic_tilt", reps=1, faults=("trunk_leaning",)).truth.posture == "sitting"
