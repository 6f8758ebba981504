"""Validation on real photos and on the rendered clips with exact ground truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecheck.measure import classify_posture, classify_view, compute, estimate_context
from posecheck.measure.pelvis import TILT_LIMIT_DEG

pytestmark = [pytest.mark.model, pytest.mark.media]


@pytest.fixture(scope="session")
def photo_landmarks(media_dir: Path, model_path: Path):
    """``photo_landmarks(exercise_id, i)`` -> ((33, 5) landmarks, (w, h)) of a photo.

    Runs the pose model in IMAGE mode once per photo per session.
    """
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.IMAGE,
    )
    landmarker = vision.PoseLandmarker.create_from_options(options)
    cache: dict[tuple[str, int], tuple[np.ndarray, tuple[int, int]]] = {}

    def get(exercise: str, i: int):
        if (exercise, i) not in cache:
            image = cv2.imread(str(media_dir / "images/free-exercise-db" / exercise / f"{i}.jpg"))
            assert image is not None
            h, w = image.shape[:2]
            rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
            result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
            assert result.pose_landmarks, f"no pose in {exercise}/{i}.jpg"
            lm = np.array(
                [[p.x, p.y, p.z, p.visibility, p.presence] for p in result.pose_landmarks[0]]
            )
            cache[(exercise, i)] = (lm, (w, h))
        return cache[(exercise, i)]

    yield get
    landmarker.close()


@pytest.mark.parametrize(
    ("exercise", "i", "posture"),
    [
        ("One_Knee_To_Chest", 0, "hook_lying"),
        ("Hug_Knees_To_Chest", 0, "hook_lying"),
        ("Pelvic_Tilt_Into_Bridge", 0, "hook_lying"),
        ("Crunches", 0, "hook_lying"),
        ("Crunches", 1, "hook_lying"),
        ("Knee_Across_The_Body", 0, "supine"),
        ("Superman", 0, "prone"),
        ("Superman", 1, "prone"),
        ("Lower_Back_Curl", 0, "prone"),
        ("Cat_Stretch", 0, "quadruped"),
        ("Cat_Stretch", 1, "quadruped"),
        ("Standing_Pelvic_Tilt", 0, "standing"),
        ("Standing_Pelvic_Tilt", 1, "standing"),
        ("Sit-Up", 1, "sitting"),
    ],
)
def test_posture_of_exercise_photos(photo_landmarks, exercise: str, i: int, posture: str) -> None:
    lm, size = photo_landmarks(exercise, i)
    assert classify_posture(lm, size)[0] == posture
    assert classify_view(lm, size) == "side"


RENDERED = "rendered/{}.mp4"


def _gt(media_dir: Path, clip: str):
    return np.load(media_dir / "rendered" / f"{clip}.gt.npz")


@pytest.mark.slow
def test_rendered_knee_to_chest_near_side_angles(clip_poses, media_dir: Path) -> None:
    seq = clip_poses(RENDERED.format("k2c_left_right"))
    gt = _gt(media_dir, "k2c_left_right")
    ctx = estimate_context(seq.slice(0, 15))
    assert (ctx.view, ctx.posture, ctx.near_side, ctx.head_direction) == (
        "side",
        "hook_lying",
        "left",
        "right",
    )
    assert abs(ctx.floor_angle_deg) < 3
    names = list(gt["angle_names"])
    for measure, joint in (("hip_flexion", "hip"), ("knee_flexion", "knee")):
        truth = 180.0 - gt["angles"][:, names.index(f"l_{joint}_angle")]
        values = compute(measure, seq.landmarks, ctx, "near")
        assert np.mean(np.abs(values - truth)) < 8.0
        assert np.corrcoef(values, truth)[0, 1] > 0.99
    # The pulled knee comes to the chest; the resting one stays far.
    k2c = compute("knee_to_chest_distance", seq.landmarks, ctx, "left")
    assert np.nanmin(k2c) < 0.55 * np.nanmedian(k2c[:15])


@pytest.mark.slow
@pytest.mark.parametrize("clip", ["pelvic_tilt", "pelvic_tilt_fault_hips"])
def test_rendered_pelvic_tilt_correlates_with_the_true_pelvis(clip_poses, media_dir, clip) -> None:
    seq = clip_poses(RENDERED.format(clip))
    gt = _gt(media_dir, clip)
    truth = gt["params"][:, list(gt["param_names"]).index("pelvic_tilt_deg")]
    ctx = estimate_context(seq.slice(0, 15))
    tilt = compute("pelvic_tilt", seq.landmarks, ctx)
    hips = compute("hip_lift", seq.landmarks, ctx)
    first_rep = slice(0, 150)  # the fault clip bridges from rep 2 on
    assert np.corrcoef(tilt[first_rep], truth[first_rep])[0, 1] > 0.85
    if clip == "pelvic_tilt_fault_hips":
        bridge = gt["params"][:, list(gt["param_names"]).index("bridge")]
        assert np.min(hips[bridge > 0.9]) > 0.25  # every bridged frame is seen ...
        assert np.max(hips[bridge == 0]) < 0.08  # ... and no other
        assert np.all(tilt[bridge > 0.9] == -TILT_LIMIT_DEG)  # a bridge reads the posterior limit
    else:
        assert np.nanmax(hips) < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("clip", ["trunk_rotation", "trunk_rotation_fault_shoulder"])
def test_rendered_knee_rotation_direction_and_size(clip_poses, media_dir, clip) -> None:
    seq = clip_poses(RENDERED.format(clip))
    gt = _gt(media_dir, clip)
    # The renderer's rot_deg is + for knees to the character's right; ours is + to the left.
    truth = -gt["params"][:, list(gt["param_names"]).index("rot_deg")]
    ctx = estimate_context(seq.slice(0, 15))
    rot = compute("knee_rotation", seq.landmarks, ctx)
    moved = np.abs(truth) > 20
    assert np.mean(np.sign(rot[moved]) == np.sign(truth[moved])) > 0.9
    assert np.corrcoef(rot, truth)[0, 1] > 0.9
    lift = compute("shoulder_lift", seq.landmarks, ctx)
    if clip.endswith("shoulder"):
        assert np.nanmax(lift) > 0.1
    else:
        assert np.nanmax(lift) < 0.05


@pytest.mark.slow
def test_rendered_back_extension_lifts(clip_poses, media_dir) -> None:
    seq = clip_poses(RENDERED.format("back_extension"))
    ctx = estimate_context(seq.slice(0, 15))
    assert (ctx.posture, ctx.facing) == ("prone", "down")
    both = compute("both_lifted", seq.landmarks, ctx)
    times = seq.times_s
    in_hold = (times > 3.5) & (times < 6.5)
    at_rest = times < 0.9
    assert np.nanmin(both[in_hold]) > 0.1 > np.nanmax(both[at_rest])


@pytest.mark.slow
def test_real_pelvic_tilt_clip_shows_a_posterior_tilt(clip_poses) -> None:
    seq = clip_poses("videos/pelvic_tilt/pelvic_tilt_supine_ccgi_table_side.mp4").slice(190, 430)
    ctx = estimate_context(seq.slice(0, 20))
    assert (ctx.view, ctx.posture) == ("side", "hook_lying")
    tilt = compute("pelvic_tilt", seq.landmarks, ctx)
    hips = compute("hip_lift", seq.landmarks, ctx)
    assert np.nanmax(np.abs(hips)) < 0.05  # no bridge
    assert np.nanmin(tilt) < -10  # flattening the back (second half of the use segment)


# Glute bridge clip (1080p, 30 fps), read by eye from contact sheets every 8 frames:
# hips down 0-1.2 s, bridge 1 up ~1.6-3.2 s, down 3.7-4.8 s, bridge 2 up ~5.2-6.5 s,
# down 6.9-7.9 s, bridge 3 up ~8.3-9.6 s (lowering as the clip ends).
BRIDGES_UP_S = [(2.0, 2.7), (5.5, 6.1), (8.5, 9.1)]  # held at the top
BRIDGES_DOWN_S = [(0.0, 1.1), (3.9, 4.7), (7.2, 7.8)]


@pytest.mark.slow
@pytest.mark.parametrize("start_s", [0.0, 2.0, 5.5])  # down, mid-bridge 1, mid-bridge 2
def test_glute_bridge_seen_whatever_the_start_frames(clip_poses, start_s: float) -> None:
    """hip_lift needs no resting height: a context taken mid-bridge still sees every bridge."""
    from posecheck.smoothing import make_smoother

    seq = make_smoother("butterworth").smooth(
        clip_poses("videos/pelvic_tilt/glute_bridge_wanshape_side.mp4")
    )
    first = int(start_s * seq.fps)
    ctx = estimate_context(seq.slice(first, first + 20))
    hips = compute("hip_lift", seq.landmarks, ctx)
    times = seq.times_s
    for a, b in BRIDGES_UP_S:
        assert np.min(hips[(times >= a) & (times <= b)]) > 0.15  # the check's threshold
    for a, b in BRIDGES_DOWN_S:
        assert np.max(hips[(times >= a) & (times <= b)]) < 0.08  # its exit


# Cat-cow clip, phases read by eye from the frames (side view, head to the left):
# cat = rounded back, head down (flat, posterior tilt); cow = hollow back, head up.
CAT_COW_PHASES = [(0, 105, "cat"), (125, 192, "cow"), (210, 295, "cat"), (315, 398, "cow")]


@pytest.mark.slow
def test_cat_cow_clip_pelvic_tilt_follows_the_cycles(clip_poses) -> None:
    from scipy.signal import find_peaks

    from posecheck.smoothing import make_smoother

    seq = clip_poses("videos/pelvic_tilt/cat_cow_quadruped_side_640x360.mp4").slice(0, 428)
    seq = make_smoother("butterworth").smooth(seq)
    ctx = estimate_context(seq.slice(0, 30))
    assert (ctx.posture, ctx.view) == ("quadruped", "side")
    tilt = compute("pelvic_tilt", seq.landmarks, ctx)
    phase = np.full(len(seq), np.nan)
    for start, end, name in CAT_COW_PHASES:
        phase[start:end] = 1.0 if name == "cow" else -1.0
    known = np.isfinite(phase) & np.isfinite(tilt)
    assert np.corrcoef(tilt[known], phase[known])[0, 1] > 0.8
    assert np.nanmean(tilt[phase > 0]) - np.nanmean(tilt[phase < 0]) > 10  # cow hollower
    finite = np.nan_to_num(tilt, nan=float(np.nanmedian(tilt)))
    cows, _ = find_peaks(finite, prominence=8)
    cats, _ = find_peaks(-finite, prominence=8)
    assert len(cows) == 2 and len(cats) == 2  # two cat-cow cycles, as counted by eye
    for frame in cows:
        assert phase[frame] == 1.0
    for frame in cats:
        assert phase[frame] == -1.0


def test_cat_stretch_photo_reads_as_a_flat_back(photo_landmarks) -> None:
    start, size = photo_landmarks("Cat_Stretch", 0)
    end, _ = photo_landmarks("Cat_Stretch", 1)
    ctx = estimate_context(start[None], size)
    assert ctx.posture == "quadruped"
    tilt = compute("pelvic_tilt", np.stack([start, end]), ctx)
    assert tilt[0] == pytest.approx(0.0, abs=1e-6)
    assert tilt[1] < -10  # rounded back: posterior tilt


@pytest.mark.slow
def test_rendered_curl_up_from_a_high_diagonal_camera(clip_poses, media_dir: Path) -> None:
    import json

    seq = clip_poses(RENDERED.format("curl_up"))
    labels = json.loads((media_dir / "rendered" / "curl_up.json").read_text())
    times = seq.times_s
    holds = np.zeros(len(seq), dtype=bool)
    for rep in labels["reps"]:
        holds |= (times >= rep["hold_start_s"]) & (times <= rep["hold_end_s"])
    first, second = labels["reps"]
    rest = (times < first["start_s"]) | (times > second["end_s"])
    rest |= (times > first["end_s"]) & (times < second["start_s"])
    # The whole recording (mostly curled up) gives the same context as the start frames.
    for ctx in (estimate_context(seq.slice(0, 15)), estimate_context(seq)):
        assert (ctx.view, ctx.posture, ctx.head_direction) == ("oblique", "hook_lying", "right")
        for angle in (0.0, ctx.floor_angle_deg):
            postures = classify_posture(seq.landmarks, seq.image_size, angle)
            assert np.mean(postures == "hook_lying") > 0.95
        curl = compute("trunk_curl", seq.landmarks, ctx)
        assert np.min(curl[holds]) > np.max(curl[rest]) + 15
        fingers = compute("fingers_to_knee_distance", seq.landmarks, ctx)
        assert np.max(fingers[holds]) < 0.2 < 0.5 < np.min(fingers[rest])
        # Two holds of ~5 s (5.3 s exact; the threshold sits halfway up the ramps).
        reached = (fingers < 0.3).astype(int)
        starts = np.flatnonzero(np.diff(reached) == 1) + 1
        ends = np.flatnonzero(np.diff(reached) == -1) + 1
        assert len(starts) == len(ends) == 2
        assert np.all(np.abs(times[ends] - times[starts] - 5.33) < 1.0)
