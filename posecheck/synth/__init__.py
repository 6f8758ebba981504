"""Synthetic MediaPipe-format landmark sequences with exact ground truth, for tests.

``generate("knee_to_chest", faults=("other_leg_lifted",), reps=1)`` animates a
small kinematic body (``posecheck.synth.body``) through an exercise script
(``posecheck.synth.exercises``), projects it with a pinhole camera and
returns a :class:`SyntheticClip`: the :class:`PoseSequence` a pose estimator
would have produced and the :class:`GroundTruth` (repetitions, holds, fault
intervals, true angles per frame). Deterministic for a given seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from posecheck.pose.types import LANDMARK_NAMES, NUM_LANDMARKS, PoseSequence
from posecheck.synth.body import POSTURE_AXES, Camera, build_skeleton
from posecheck.synth.exercises import FAULTS, SCRIPTS, SIDED, Timing, TruthFault, TruthRep

__all__ = [
    "EXERCISES",
    "FAULTS",
    "VIEWS",
    "GroundTruth",
    "SyntheticClip",
    "Timing",
    "TruthFault",
    "TruthRep",
    "consistent_head_direction",
    "generate",
]

EXERCISES = tuple(SCRIPTS)
VIEWS = ("side", "feet", "oblique", "front")
IMAGE_SIZE = (640, 480)
FAR_SIDE_VISIBILITY = 0.55
VISIBILITY = 0.98


@dataclass
class GroundTruth:
    """Exact facts of a synthetic clip.

    Attributes:
        reps: the repetitions (sided exercises: one per side per round).
        faults: every fault occurrence with its interval.
        exercise, view, near_side (None when not a side view), head_direction.
        posture: the start posture (``hook_lying``, ``prone``, ``sitting``, ``standing``,
            ``quadruped``).
        times_s: ``(T,)`` frame times.
        signals: per-frame true values, e.g. ``hip_flexion_left`` (deg, in the sagittal plane),
            ``knee_flexion_right``, ``elbow_flexion_left``, ``trunk_curl`` (deg),
            ``knee_rotation`` (deg, + = knees to the left), ``pelvic_tilt`` (deg,
            + = hollow), ``hip_lift_m``, ``settled_s`` (constant: end of settling in).
        params: every body-model parameter per frame.
    """

    reps: list[TruthRep]
    faults: list[TruthFault]
    exercise: str
    view: str
    near_side: str | None
    head_direction: str | None = None
    posture: str = "hook_lying"
    settle_end_s: float = 0.0
    times_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    signals: dict[str, np.ndarray] = field(default_factory=dict)
    params: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class SyntheticClip:
    """A generated landmark sequence and its ground truth."""

    seq: PoseSequence
    truth: GroundTruth


def consistent_head_direction(posture: str, near_side: str) -> str:
    """Where the head appears in an unmirrored side view with ``near_side`` toward the camera.

    On the back with the left side near the camera the head is on the image
    right; on the belly or on hands and knees it is on the image left (and
    mirrored for the right side).
    """
    on_back = posture not in ("prone", "quadruped")
    if near_side == "left":
        return "right" if on_back else "left"
    return "left" if on_back else "right"


_POSITION_WORDS = {"prone": "lying on the belly", "quadruped": "on hands and knees"}


def _camera(view: str, posture: str, near_side: str, roll_deg: float) -> Camera:
    a, f = POSTURE_AXES[posture]
    lft = np.cross(a, f)
    lying = posture in ("lying_back", "prone")
    up = np.array([0.0, 0.0, 1.0])
    side_vec = lft if near_side == "left" else -lft
    side_vec = side_vec - np.dot(side_vec, up) * up
    side_vec /= np.linalg.norm(side_vec)
    if posture == "quadruped":
        centre = np.array([0.1, 0.0, 0.3])
        if view == "side":
            return Camera.look_at(
                centre + 2.6 * side_vec + 0.15 * up, centre, IMAGE_SIZE, roll_deg=roll_deg
            )
        raise ValueError(f"view {view!r} is not available on hands and knees; use side")
    if lying:
        centre = np.array([0.0, 0.0, 0.10]) + 0.05 * a
        if view == "side":
            return Camera.look_at(
                centre + 2.6 * side_vec + 0.12 * up, centre, IMAGE_SIZE, roll_deg=roll_deg
            )
        if view == "feet":
            hip = np.array([0.0, 0.0, 0.10])
            return Camera.look_at(
                hip - 2.3 * a + 0.55 * up, hip + 0.15 * a, IMAGE_SIZE, roll_deg=roll_deg
            )
        if view == "oblique":
            d = (side_vec - a) / np.sqrt(2)
            return Camera.look_at(
                centre + 2.8 * d + 1.2 * up, centre, IMAGE_SIZE, roll_deg=roll_deg
            )
        raise ValueError(
            f"view {view!r} is not available for a lying exercise; use side, feet or oblique"
        )
    centre = np.array([0.0, 0.0, 0.75])
    if view == "side":
        return Camera.look_at(centre + 2.8 * side_vec, centre, IMAGE_SIZE, roll_deg=roll_deg)
    if view == "front":
        return Camera.look_at(centre + 2.8 * f, centre, IMAGE_SIZE, roll_deg=roll_deg)
    if view == "oblique":
        d = (side_vec + f) / np.sqrt(2)
        return Camera.look_at(centre + 2.8 * d, centre, IMAGE_SIZE, roll_deg=roll_deg)
    raise ValueError(
        f"view {view!r} is not available for a sitting exercise; use side, front or oblique"
    )


def _angle3(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cos = (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def _signals(
    pts3d: np.ndarray, params: dict[str, np.ndarray], posture: str
) -> dict[str, np.ndarray]:
    """True per-frame angles in the body's sagittal plane (what a side camera sees)."""
    i = {n: k for k, n in enumerate(LANDMARK_NAMES)}
    a, f = POSTURE_AXES[posture]
    lft = np.cross(a, f)
    pts = pts3d - (pts3d @ lft)[..., None] * lft
    out: dict[str, np.ndarray] = {}
    for s in ("left", "right"):
        hip, knee, ankle = pts[:, i[f"{s}_hip"]], pts[:, i[f"{s}_knee"]], pts[:, i[f"{s}_ankle"]]
        sh, el, wr = pts[:, i[f"{s}_shoulder"]], pts[:, i[f"{s}_elbow"]], pts[:, i[f"{s}_wrist"]]
        out[f"hip_flexion_{s}"] = 180.0 - _angle3(sh - hip, knee - hip)
        out[f"knee_flexion_{s}"] = 180.0 - _angle3(hip - knee, ankle - knee)
        out[f"elbow_flexion_{s}"] = 180.0 - _angle3(sh - el, wr - el)
    trunk = 0.5 * (pts[:, i["left_shoulder"]] + pts[:, i["right_shoulder"]]) - 0.5 * (
        pts[:, i["left_hip"]] + pts[:, i["right_hip"]]
    )
    out["trunk_curl"] = np.degrees(
        np.arcsin(np.clip(trunk[:, 2] / np.linalg.norm(trunk, axis=1), -1, 1))
    )
    out["knee_rotation"] = params["leg_rotation"].copy()
    out["pelvic_tilt"] = params["pelvic_tilt"].copy()
    out["hip_lift_m"] = params["hip_lift"].copy()
    return out


def generate(
    exercise: str,
    *,
    faults: Sequence[str] = (),
    reps: int = 2,
    hold_s: float = 5.0,
    sides: Sequence[str] = ("left", "right"),
    view: str = "side",
    near_side: str = "left",
    head_direction: str | None = None,
    fps: float = 30.0,
    noise: float = 0.0,
    dropouts: float = 0.0,
    seed: int = 0,
    timing: Timing | None = None,
    fault_reps: Sequence[int] | None = None,
    position: str = "lying",
    camera_roll_deg: float = 0.0,
) -> SyntheticClip:
    """Generate a synthetic landmark sequence of ``exercise`` with exact ground truth.

    Args:
        exercise: one of :data:`EXERCISES`.
        faults: fault codes from :data:`FAULTS` ``[exercise]``.
        reps: repetitions; per side for the sided exercises (``knee_to_chest``,
            ``trunk_rotation``: ``reps=1`` with both sides gives 2 repetitions).
        hold_s: seconds held in the end pose.
        sides: order of sides for sided exercises (ignored otherwise).
        view: ``"side"``, ``"feet"``, ``"oblique"`` (lying) or ``"side"``, ``"front"``,
            ``"oblique"`` (sitting pelvic tilt).
        near_side: the body side facing a side camera.
        head_direction: where the head appears in a side view; None = the physically
            consistent one for ``near_side`` (see :func:`consistent_head_direction`);
            an inconsistent value raises ValueError (that image would be mirrored).
        fps: frame rate.
        noise: standard deviation of Gaussian landmark noise, in pixels (640x480 image).
        dropouts: fraction of frames without a pose (in bursts of 1-5 frames).
        seed: random seed (noise and dropouts); same arguments + seed = same clip.
        timing: movement durations (default :class:`Timing`).
        fault_reps: 1-based repetition numbers that carry the faults (None = all).
        position: ``"lying"``, ``"sitting"``, ``"standing"`` or ``"quadruped"`` (hands and
            knees) — pelvic tilt only; ``trunk_leaning`` implies sitting when lying was asked
            for. Quadruped: side view only; standing/sitting: side, front or oblique.
        camera_roll_deg: camera rotated about its axis (tilted floor line in the image).
    """
    if exercise not in SCRIPTS:
        raise ValueError(f"unknown exercise {exercise!r}; use one of {', '.join(SCRIPTS)}")
    unknown = [f for f in faults if f not in FAULTS[exercise]]
    if unknown:
        raise ValueError(
            f"faults {unknown} do not exist for {exercise}; use {', '.join(FAULTS[exercise])}"
        )
    if near_side not in ("left", "right"):
        raise ValueError("near_side must be 'left' or 'right'")
    timing = timing or Timing()
    fn = SCRIPTS[exercise]
    if exercise == "pelvic_tilt":
        script = fn(faults, reps, hold_s, sides, timing, fault_reps, position=position)  # type: ignore[call-arg]
    else:
        script = fn(faults, reps, hold_s, sides, timing, fault_reps)
    lying = script.posture in ("lying_back", "prone", "quadruped")
    side_like = view in ("side", "oblique")
    head: str | None = None
    if lying and side_like:
        head = consistent_head_direction(script.posture, near_side)
        if head_direction is not None and head_direction != head and view == "side":
            raise ValueError(
                f"{_POSITION_WORDS.get(script.posture, 'lying on the back')} with the "
                f"{near_side} side near the camera, the head is on the image {head}; "
                f"head_direction={head_direction!r} would need a mirrored image"
            )
    camera = _camera(view, script.posture, near_side, camera_roll_deg)

    n = round(script.duration_s * fps) + 1
    times = np.arange(n) / fps
    params = script.timeline.evaluate(times)
    pts = np.stack(
        [
            build_skeleton(script.posture, {k: float(v[t]) for k, v in params.items()}).points
            for t in range(n)
        ]
    )
    hip_mid = 0.5 * (pts[:, 23] + pts[:, 24])
    lm = np.zeros((n, NUM_LANDMARKS, 5))
    world = np.zeros((n, NUM_LANDMARKS, 3))
    for t in range(n):
        xyz, _ = camera.project(pts[t], hip_mid[t])
        lm[t, :, :3] = xyz
        world[t] = camera.world_axes(pts[t], hip_mid[t])
    vis = np.full(NUM_LANDMARKS, VISIBILITY)
    if side_like:
        far = "right" if near_side == "left" else "left"
        for k, name in enumerate(LANDMARK_NAMES):
            if name.startswith(far) or name.startswith(f"mouth_{far}"):
                vis[k] = FAR_SIDE_VISIBILITY
    lm[:, :, 3] = vis
    lm[:, :, 4] = 0.99

    rng = np.random.default_rng(seed)
    if noise > 0:
        w, h = IMAGE_SIZE
        lm[:, :, 0] += rng.normal(0, noise / w, (n, NUM_LANDMARKS))
        lm[:, :, 1] += rng.normal(0, noise / h, (n, NUM_LANDMARKS))
        lm[:, :, 2] += rng.normal(0, noise / w, (n, NUM_LANDMARKS))
        world += rng.normal(0, noise * 0.004, world.shape)
    if dropouts > 0:
        target = round(dropouts * n)
        dropped = np.zeros(n, dtype=bool)
        while dropped.sum() < target:
            start = int(rng.integers(0, n))
            dropped[start : start + int(rng.integers(1, 6))] = True
        lm[dropped] = np.nan
        world[dropped] = np.nan

    seq = PoseSequence(
        np.round(times * 1000).astype(np.int64),
        lm.astype(np.float32),
        world.astype(np.float32),
        IMAGE_SIZE,
        float(fps),
        f"synth:{exercise}:{'+'.join(faults) or 'correct'}:{view}:seed{seed}",
    )
    posture = {"lying_back": "hook_lying", "prone": "prone", "sitting": "sitting"}.get(
        script.posture, script.posture
    )
    settle_end = script.reps[0].start_s if script.reps else script.duration_s
    truth = GroundTruth(
        reps=script.reps,
        faults=sorted(script.faults, key=lambda f: f.start_s),
        exercise=exercise,
        view=view,
        near_side=near_side if side_like else None,
        head_direction=head,
        posture=posture,
        settle_end_s=settle_end,
        times_s=times,
        signals=_signals(pts, params, script.posture),
        params=params,
    )
    if exercise not in SIDED:
        for r in truth.reps:
            r.side = None
    return SyntheticClip(seq, truth)
