"""Body position (posture) and camera view recognition from landmarks.

Postures: ``hook_lying`` (on the back, both knees bent, feet on the floor),
``supine`` (on the back, legs straight or only one knee bent), ``prone`` (on
the belly), ``quadruped`` (hands and knees), ``sitting``, ``standing`` and
``unknown`` (no pose, or nothing fits).

Views: ``side`` (camera beside the body, the body's long axis across the
image), ``feet`` (camera at the feet looking along a lying body), ``front``
(an upright person facing the camera) and ``oblique`` (in between).

Rules work on 2D image geometry (pixel-aspect-correct) and assume gravity is
roughly image-down (camera upright within ~30°; a tilted camera's floor
angle can be passed in).
"""

from __future__ import annotations

import numpy as np

from posecheck.measure import geometry as g

POSTURES = ("hook_lying", "supine", "prone", "quadruped", "sitting", "standing", "unknown")
VIEWS = ("side", "feet", "front", "oblique")

LYING_MAX_TRUNK_DEG = 50.0
"""Trunk elevation (from the floor line) below which a person is lying (curl-ups reach ~40°)."""
UPRIGHT_MIN_TRUNK_DEG = 55.0
HOOK_MIN_KNEE_FLEXION_DEG = 40.0
"""Both knees bent at least this much (and the feet low) = hook lying."""
SIDE_MAX_WIDTH_RATIO = 0.35
"""Shoulder/hip width over torso length below this = side view."""
FEET_MIN_WIDTH_RATIO = 1.0
"""A body so foreshortened that its width exceeds its torso length = camera at the feet."""


def _rotate(px: np.ndarray, floor_angle_deg: float) -> np.ndarray:
    """Rotate y-up pixel points so that the floor line becomes horizontal."""
    if floor_angle_deg == 0.0:
        return px
    a = np.radians(-floor_angle_deg)
    cos, sin = np.cos(a), np.sin(a)
    x, y = px[..., 0], px[..., 1]
    out = np.empty_like(px)  # keeps the memory layout of px
    np.add(x * cos, y * -sin, out=out[..., 0])  # = px @ rot.T, rot = [[cos, -sin], [sin, cos]]
    np.add(x * sin, y * cos, out=out[..., 1])
    return out


def width_ratio(px: np.ndarray) -> np.ndarray:
    """``(T,)`` mean of shoulder and hip width over torso length in the image."""
    torso = g.norm(g.mid(px, "shoulder") - g.mid(px, "hip"))
    sw = g.norm(px[:, g.index("left_shoulder")] - px[:, g.index("right_shoulder")])
    hw = g.norm(px[:, g.index("left_hip")] - px[:, g.index("right_hip")])
    with np.errstate(invalid="ignore", divide="ignore"):
        return 0.5 * (sw + hw) / torso


def frame_views(
    landmarks: np.ndarray, image_size: tuple[int, int], floor_angle_deg: float = 0.0
) -> np.ndarray:
    """Per-frame view guess (``(T,)`` str; ``"unknown"`` for frames without a pose)."""
    return views_from_pixels(_rotate(g.to_pixels(landmarks, image_size), floor_angle_deg))


def views_from_pixels(px: np.ndarray) -> np.ndarray:
    """:func:`frame_views` from y-up pixel points already rotated to a level floor."""
    ratio = width_ratio(px)
    trunk = g.mid(px, "shoulder") - g.mid(px, "hip")
    upright = np.abs(g.direction_deg(trunk) - 90.0) < 35.0
    out = np.full(len(px), "unknown", dtype=object)
    ok = np.isfinite(ratio)
    out[ok & (ratio < SIDE_MAX_WIDTH_RATIO)] = "side"
    mid_ratio = ok & (ratio >= SIDE_MAX_WIDTH_RATIO)
    out[mid_ratio & (ratio < 0.55)] = "oblique"
    out[mid_ratio & (ratio >= 0.55) & upright & (ratio < FEET_MIN_WIDTH_RATIO)] = "front"
    out[mid_ratio & (ratio >= 0.55) & ~upright & (ratio < FEET_MIN_WIDTH_RATIO)] = "oblique"
    out[ok & (ratio >= FEET_MIN_WIDTH_RATIO)] = "feet"
    return out.astype(str)


def classify_view(
    landmarks: np.ndarray,
    image_size: tuple[int, int],
    floor_angle_deg: float = 0.0,
    world_landmarks: np.ndarray | None = None,
) -> str:
    """The camera view of a whole stretch of frames (majority of per-frame guesses).

    With world landmarks, a trunk pointing along the camera's depth axis
    (|z| share > 0.7 of its 3D length) votes ``feet`` even when the
    foreshortening in the image is mild (a raised camera at the feet).
    """
    return majority_view(frame_views(landmarks, image_size, floor_angle_deg), world_landmarks)


def majority_view(views: np.ndarray, world_landmarks: np.ndarray | None = None) -> str:
    """:func:`classify_view` from per-frame views (:func:`frame_views`)."""
    if world_landmarks is not None:
        w = np.asarray(world_landmarks, dtype=np.float64)
        if w.ndim == 2:
            w = w[None]
        trunk = 0.5 * (w[:, 11] + w[:, 12]) - 0.5 * (w[:, 23] + w[:, 24])
        with np.errstate(invalid="ignore", divide="ignore"):
            depth_share = np.abs(trunk[:, 2]) / np.sqrt((trunk**2).sum(axis=1))
        along_depth = np.isfinite(depth_share) & (depth_share > 0.7)
        views = np.where(along_depth & np.isin(views, ["front", "oblique"]), "feet", views)
    known = views[views != "unknown"]
    if len(known) == 0:
        return "side"
    names, counts = np.unique(known, return_counts=True)
    return str(names[int(np.argmax(counts))])


def _height(px: np.ndarray, name: str) -> np.ndarray:
    return px[:, g.index(name), 1]


CHIRALITY_SCALE = 0.05
"""Body chirality (see :func:`chirality`) at which its supine/prone vote is full (±1)."""


def chirality(px: np.ndarray) -> np.ndarray:
    """``(T,)`` which face of the trunk the camera sees: < 0 the front, > 0 the back.

    The 2D cross product of the trunk axis (hip-mid to shoulder-mid) and the
    right-to-left shoulder and hip vectors, over the squared torso length. A
    camera above floor level sees the front of a person lying on the back
    (their left on the viewer's right when the head is up in the image) and
    the back of a person on the belly or on hands and knees. Independent of
    the floor line and of where the head is; a mirrored image mirrors both
    the body and MediaPipe's left/right labels, so the sign holds. Measured:
    -0.06 to -0.47 on every supine clip (side and high oblique views), +0.03
    to +0.16 on the prone and hands-and-knees clips. Near 0 when the camera
    is exactly at floor level.
    """
    axis = g.mid(px, "shoulder") - g.mid(px, "hip")
    right_to_left = 0.5 * (
        px[:, g.index("left_shoulder")]
        - px[:, g.index("right_shoulder")]
        + px[:, g.index("left_hip")]
        - px[:, g.index("right_hip")]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return (axis[:, 0] * right_to_left[:, 1] - axis[:, 1] * right_to_left[:, 0]) / (
            axis**2
        ).sum(axis=-1)


def supine_score(px: np.ndarray) -> np.ndarray:
    """``(T,)`` > 0 = lying on the back, < 0 = on the belly (side view of a lying body).

    Votes (each -1..1): toes point up (foot index above the heel) on the back
    and down on the belly; the nose is above the ears on the back and level
    or below on the belly; the camera sees the front of the trunk on the back
    and its back on the belly (:func:`chirality`; the one vote that also holds
    for a high oblique camera, where the first two tilt with the body axis).
    """
    torso = g.norm(g.mid(px, "shoulder") - g.mid(px, "hip"))
    with np.errstate(invalid="ignore", divide="ignore"):
        toes = np.nanmean(
            [
                (_height(px, f"{s}_foot_index") - _height(px, f"{s}_heel")) / (0.15 * torso)
                for s in ("left", "right")
            ],
            axis=0,
        )
        nose = (
            _height(px, "nose") - 0.5 * (_height(px, "left_ear") + _height(px, "right_ear"))
        ) / (0.1 * torso)
        front = -chirality(px) / CHIRALITY_SCALE
    return np.clip(toes, -1, 1) + np.clip(nose, -1, 1) + np.clip(np.nan_to_num(front), -1, 1)


def classify_posture(
    landmarks: np.ndarray,
    image_size: tuple[int, int],
    floor_angle_deg: float = 0.0,
    view: str | None = None,
    *,
    views: np.ndarray | None = None,
) -> np.ndarray:
    """Per-frame posture, ``(T,)`` array of str from :data:`POSTURES`.

    ``view`` (from :func:`classify_view`) switches to the rules for a camera
    at the feet, where a lying trunk looks upright in the image; by default
    the view is guessed per frame. ``views``: the per-frame views of the same
    frames and floor angle from :func:`frame_views`, when already at hand
    (saves computing them again).
    """
    px = _rotate(g.to_pixels(landmarks, image_size), floor_angle_deg)
    return postures_from_pixels(px, view, views)


def postures_from_pixels(
    px: np.ndarray, view: str | None = None, views: np.ndarray | None = None
) -> np.ndarray:
    """:func:`classify_posture` from y-up pixel points already rotated to a level floor.

    ``views``: the per-frame views of these points (:func:`views_from_pixels`), if
    already computed; ignored when ``view`` is given.
    """
    n = len(px)
    out = np.full(n, "unknown", dtype=object)
    has = np.isfinite(px[:, g.index("left_hip"), 0])
    if view:
        views = np.full(n, view, dtype=object)
    elif views is None:
        views = views_from_pixels(px)

    hip = g.mid(px, "hip")
    shoulder = g.mid(px, "shoulder")
    torso = g.norm(shoulder - hip)
    trunk_elev = np.abs(90.0 - np.abs(90.0 - np.abs(g.direction_deg(shoulder - hip))))
    shoulders_up = shoulder[:, 1] > hip[:, 1]
    knee_flex = np.stack(
        [
            g.flexion_deg(
                px[:, g.sided(s, "hip")], px[:, g.sided(s, "knee")], px[:, g.sided(s, "ankle")]
            )
            for s in ("left", "right")
        ]
    )
    min_knee = np.nanmin(knee_flex, axis=0) if n else np.zeros(0)
    knee = g.mid(px, "knee")
    ankle = g.mid(px, "ankle")
    wrist = g.mid(px, "wrist")
    with np.errstate(invalid="ignore", divide="ignore"):
        knees_below_hips = (hip[:, 1] - knee[:, 1]) / torso
        wrists_below_shoulders = (shoulder[:, 1] - wrist[:, 1]) / torso
        thigh_drop = (hip[:, 1] - knee[:, 1]) / g.norm(knee - hip)
        knee_above_ankle = (knee[:, 1] - ankle[:, 1]) / torso
        hip_to_knee = g.norm(knee - hip) / torso

    feet = views == "feet"
    # Camera at the feet: everything is lying; bent knees stand up in the image.
    out[has & feet & (knee_above_ankle > 0.25)] = "hook_lying"
    out[has & feet & ~(knee_above_ankle > 0.25)] = "supine"

    body = has & ~feet
    upright = body & shoulders_up & (trunk_elev >= UPRIGHT_MIN_TRUNK_DEG)
    lying = body & (trunk_elev < LYING_MAX_TRUNK_DEG) & ~upright
    # Upright: standing has the thigh hanging down (long in the image, pointing down);
    # sitting has it forward (horizontal in a side view, foreshortened in a front view).
    standing = upright & (thigh_drop > 0.8) & (hip_to_knee > 0.55)
    out[upright & standing] = "standing"
    out[upright & ~standing] = "sitting"
    quadruped = lying & (knees_below_hips > 0.5) & (wrists_below_shoulders > 0.5)
    out[quadruped] = "quadruped"
    flat = lying & ~quadruped
    score = supine_score(px)
    prone = flat & (score < 0)
    out[prone] = "prone"
    back = flat & ~prone
    out[back & (min_knee > HOOK_MIN_KNEE_FLEXION_DEG)] = "hook_lying"
    out[back & ~(min_knee > HOOK_MIN_KNEE_FLEXION_DEG)] = "supine"
    return out.astype(str)


def dominant(labels: np.ndarray) -> str:
    """The most frequent label other than ``unknown`` (``unknown`` if none)."""
    known = np.asarray(labels)[np.asarray(labels) != "unknown"]
    if len(known) == 0:
        return "unknown"
    names, counts = np.unique(known, return_counts=True)
    return str(names[int(np.argmax(counts))])
