"""Measurements recover the known angles and lifts of synthetic sequences."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.measure import MEASUREMENTS, compute, estimate_context
from posecheck.synth import generate


def _start_context(clip, **kw):
    fps = clip.seq.fps
    end = int(clip.truth.settle_end_s * fps)
    return estimate_context(clip.seq.slice(max(end - int(fps), 0), end), **kw)


@pytest.mark.parametrize("near_side", ["left", "right"])
@pytest.mark.parametrize("measure", ["hip_flexion", "knee_flexion"])
@pytest.mark.parametrize("side", ["left", "right"])
def test_leg_angles_within_2_degrees_on_noise_free_side_view(near_side, measure, side) -> None:
    clip = generate("knee_to_chest", reps=1, near_side=near_side)
    ctx = _start_context(clip)
    values = compute(measure, clip.seq.landmarks, ctx, side)
    truth = clip.truth.signals[f"{measure}_{side}"]
    assert np.max(np.abs(values - truth)) < 2.0
    assert truth.max() > 110  # the pulled knee really went to the chest


def test_camera_roll_is_removed_by_the_floor_line() -> None:
    level = generate("curl_up", reps=1)
    tilted = generate("curl_up", reps=1, camera_roll_deg=8.0)
    ctx_level, ctx_tilted = _start_context(level), _start_context(tilted)
    assert abs(ctx_tilted.floor_angle_deg - ctx_level.floor_angle_deg) == pytest.approx(
        8.0, abs=1.0
    )
    a = compute("trunk_curl", level.seq.landmarks, ctx_level)
    b = compute("trunk_curl", tilted.seq.landmarks, ctx_tilted)
    assert np.max(np.abs(a - b)) < 1.5
    assert np.max(a) == pytest.approx(np.max(level.truth.signals["trunk_curl"]), abs=3.0)


@pytest.mark.parametrize(
    ("view", "near_side"), [("side", "left"), ("side", "right"), ("feet", "left")]
)
def test_knee_rotation_sign_follows_the_patients_side(view, near_side) -> None:
    clip = generate("trunk_rotation", reps=1, view=view, near_side=near_side)
    ctx = _start_context(clip)
    rot = compute("knee_rotation", clip.seq.landmarks, ctx)
    truth = clip.truth.signals["knee_rotation"]
    assert rot[np.argmax(truth)] > 30  # knees to the left
    assert rot[np.argmin(truth)] < -30  # knees to the right
    rest = (np.abs(truth) < 1) & (clip.seq.times_s >= clip.truth.settle_end_s)
    assert np.nanmax(np.abs(rot[rest])) < 8


@pytest.mark.parametrize("near_side", ["left", "right"])
def test_knee_rotation_is_not_read_from_straight_legs(near_side) -> None:
    clip = generate("trunk_rotation", reps=1, near_side=near_side)
    ctx = _start_context(clip)
    rot = compute("knee_rotation", clip.seq.landmarks, ctx)
    straight = (
        np.maximum(
            clip.truth.signals["knee_flexion_left"], clip.truth.signals["knee_flexion_right"]
        )
        < 20
    )
    assert straight.sum() > 10  # lying with stretched legs before bending the knees
    assert np.isnan(rot[straight]).all()
    exercising = clip.seq.times_s >= clip.truth.settle_end_s
    assert np.isfinite(rot[exercising]).all()


def test_pelvic_tilt_tracks_the_synthetic_pelvis() -> None:
    clip = generate("pelvic_tilt", reps=2)
    ctx = _start_context(clip)
    start = int(clip.truth.settle_end_s * clip.seq.fps)
    tilt = compute("pelvic_tilt", clip.seq.landmarks, ctx)[start:]
    truth = clip.truth.signals["pelvic_tilt"][start:]
    assert np.corrcoef(tilt, truth)[0, 1] > 0.98
    assert np.mean(np.abs(tilt - truth)) < 3.0


@pytest.mark.parametrize("context_from", ["rest", "bridge"])
def test_synthetic_bridge_is_seen_whatever_the_start_frames(context_from: str) -> None:
    """A bridge (hips 18 cm up in the flat hold) reads as hips lifted and as the posterior
    limit of pelvic_tilt, even when the context was estimated with the hips up."""
    from posecheck.measure.pelvis import TILT_LIMIT_DEG

    clip = generate("pelvic_tilt", reps=2, faults=("hips_lifted",))
    times = clip.seq.times_s
    bridges = [f for f in clip.truth.faults if f.code == "hips_lifted"]
    if context_from == "rest":
        ctx = _start_context(clip)
    else:
        middle = 0.5 * (bridges[0].start_s + bridges[0].end_s)
        held = np.abs(times - middle) < 0.2
        ctx = estimate_context(clip.seq.landmarks[held], clip.seq.image_size)
    hips = compute("hip_lift", clip.seq.landmarks, ctx)
    tilt = compute("pelvic_tilt", clip.seq.landmarks, ctx)
    up = np.zeros(len(times), dtype=bool)
    for f in bridges:
        up |= (times > f.start_s + 0.3) & (times < f.end_s - 0.3)
    down = (times > clip.truth.settle_end_s) & ~np.any(
        [(times > f.start_s - 0.6) & (times < f.end_s + 0.6) for f in bridges], axis=0
    )
    assert np.min(hips[up]) > 0.15 and np.max(hips[down]) < 0.08
    assert np.all(tilt[up] == -TILT_LIMIT_DEG)
    if context_from == "rest":  # (a bridge as the start position is no tilt reference)
        assert np.all(np.abs(tilt[down]) < 20)


@pytest.mark.parametrize("near_side", ["left", "right"])
@pytest.mark.parametrize(
    ("position", "view"),
    [("quadruped", "side"), ("standing", "side"), ("sitting", "side"), ("standing", "oblique")],
)
def test_pelvic_tilt_in_the_other_start_positions(position, view, near_side) -> None:
    clip = generate("pelvic_tilt", reps=2, position=position, view=view, near_side=near_side)
    ctx = _start_context(clip)
    assert ctx.posture == position
    start = int(clip.truth.settle_end_s * clip.seq.fps)
    tilt = compute("pelvic_tilt", clip.seq.landmarks, ctx)[start:]
    truth = clip.truth.signals["pelvic_tilt"][start:]
    assert np.corrcoef(tilt, truth)[0, 1] > 0.98
    # Hollow reads +, flat reads -, at the size of the truth (oblique views foreshorten).
    assert tilt[np.argmax(truth)] > 8 and tilt[np.argmin(truth)] < -6
    if view == "side":
        assert np.mean(np.abs(tilt - truth)) < 1.5


# Measurements that are NaN on purpose in parts of a knee-to-chest clip, and the exercise
# whose clip they cover instead: a knee pulled to the chest turns the thigh far beyond
# what a pelvis can (pelvic_tilt is not measured beyond ±40°).
COVERED_BY = {"pelvic_tilt": "pelvic_tilt"}


@pytest.mark.parametrize("exercise", ["knee_to_chest", "pelvic_tilt"])
def test_every_measurement_is_vectorised_and_nan_without_pose(exercise: str) -> None:
    clip = generate(exercise, reps=1, dropouts=0.1, seed=3)
    ctx = _start_context(clip)
    no_pose = ~clip.seq.has_pose
    assert no_pose.any()
    # Getting into position (straight legs) is not measured by everything (knee_rotation).
    exercising = clip.seq.times_s >= clip.truth.settle_end_s
    for name in MEASUREMENTS:
        if COVERED_BY.get(name, "knee_to_chest") != exercise:
            continue
        values = compute(name, clip.seq.landmarks, ctx)
        assert values.shape == (len(clip.seq),), name
        assert np.all(np.isnan(values[no_pose])), name
        assert np.isfinite(values[~no_pose & exercising]).mean() > 0.95, name
        single = compute(name, clip.seq.landmarks[np.flatnonzero(~no_pose)[0]], ctx)
        assert single.shape == (1,), name


def test_side_selectors() -> None:
    clip = generate("knee_to_chest", reps=1, sides=("left",))
    ctx = _start_context(clip)
    lm = clip.seq.landmarks
    left = compute("hip_flexion", lm, ctx, "left")
    right = compute("hip_flexion", lm, ctx, "right")
    assert ctx.near_side == "left"
    assert compute("hip_flexion", lm, ctx, "near") == pytest.approx(left)
    assert compute("hip_flexion", lm, ctx, "far") == pytest.approx(right)
    assert compute("hip_flexion", lm, ctx, "max") == pytest.approx(np.maximum(left, right))
    assert compute("hip_flexion", lm, ctx, "both") == pytest.approx(np.minimum(left, right))
    with pytest.raises(ValueError, match="side selector"):
        compute("hip_flexion", lm, ctx, "up")
    with pytest.raises(KeyError, match="unknown measurement"):
        compute("hip_flexon", lm, ctx)


def test_every_measurement_is_documented() -> None:
    for name, d in MEASUREMENTS.items():
        assert d.name == name
        assert d.unit in ("deg", "torso", "ratio")
        assert len(d.description) > 40
