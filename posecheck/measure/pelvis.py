"""Pelvic tilt without pelvis landmarks.

MediaPipe has no landmark on the pelvis itself. When a person lying with
bent knees and planted feet tilts the pelvis, the hip joint centre rolls a
little around the sacrum's contact with the floor: with a hollow back
(anterior tilt) it moves toward the feet and the thighs turn up; with a flat
back (posterior tilt) the reverse. MediaPipe's hip landmarks follow that, so
the *thigh elevation* (hip-mid to knee-mid against the floor line) changes
by about 0.12° per degree of pelvic tilt. The near-side thigh is used (the
far-side one is guessed by MediaPipe and can even move the wrong way).

Validated on the rendered pelvic tilt clips (pelvis +15° hollow to -12°
flat; poses from ``extract_poses``): near thigh elevation vs true tilt
r = 0.99 (``pelvic_tilt``) and 0.90 (first repetition of
``pelvic_tilt_fault_hips``); the far thigh gave 0.95 and -0.71. Alternatives
tried (single-pose extraction, ``pelvic_tilt``): the hip's position along
the shoulder-knee line r = 0.95, the shoulder-hip-knee angle 0.94, the hip
height above the floor 0.38.

Limits: the signal is small (a 27° tilt turns the thigh ~3°), so landmark
jitter of 1° reads as ~8° of tilt: smooth before thresholding. Anything
else that turns the thigh (sliding the feet, lifting the hips into a bridge,
moving the knees) also reads as tilt; a bridge (hips > 0.12 torso lengths
up) gives NaN, smaller hip lifts still read as tilt: check ``hip_lift``.

Other start positions (the leaflet allows hands and knees, sitting and
standing) use other landmarks, chosen by the context's start posture:

* **hands and knees** (cat-camel): the trunk chord (hip to shoulder) cannot
  show the back's curve, but both of its ends turn against the limbs: going
  into the cat (flat back, posterior tilt) the hip angle (shoulder-hip-knee)
  and the shoulder angle (hip-shoulder-elbow) both close, into the cow
  (hollow, anterior tilt) both open. ``pelvic_tilt`` = minus the mean change of
  the near-side hip and shoulder flexion from the start position, divided by
  :data:`QUADRUPED_DEG_PER_TILT_DEG`. On the real cat-cow clip (side view,
  2 cycles) the mean angle moves 7° between cat and cow (r = 0.91 with the
  cat/cow phases read by eye); the scale assumes a ~20° pelvic range, which is
  not measured. Rocking the whole body forward (shoulders past the hands) also
  opens both angles and reads as a hollow back.
* **sitting / standing**: hollowing pushes the buttocks back and the chest
  forward, flattening does the reverse, so the trunk-thigh angle (hip
  flexion, near side) grows with an anterior tilt. ``pelvic_tilt`` = its change
  from the start position over :data:`UPRIGHT_DEG_PER_TILT_DEG`. Leaning the
  trunk or bending the knees moves the same angle: a forward lean reads as a
  hollow back (check ``trunk_lean``). Not validated on real video.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from posecheck.measure import geometry as g
from posecheck.measure.body import BodyFrames
from posecheck.measure.geometry import index

BRIDGE_HIP_LIFT = 0.12
"""Hips this far (torso lengths) above their resting height = a bridge: tilt not measurable."""

THIGH_DEG_PER_TILT_DEG = 0.12
"""Thigh elevation change per degree of pelvic tilt (rendered clip: 0.11-0.15)."""

QUADRUPED_DEG_PER_TILT_DEG = 0.35
"""Hands and knees: mean hip/shoulder angle change per degree of pelvic tilt (the real
cat-cow clip's 7° read as a 20° pelvic range)."""

UPRIGHT_DEG_PER_TILT_DEG: dict[str, float] = {"sitting": 0.45, "standing": 0.75}
"""Sitting/standing: trunk-thigh angle change per degree of pelvic tilt, from a body model
(not measured on people): the chest moves ~4 mm forward per degree over a ~0.5 m trunk;
standing, the hips also move ~1 mm back per degree over the thigh."""

POSITION_MODELS = ("lying", "quadruped", "upright")


def thigh_elevation_near(b: BodyFrames, px: np.ndarray | None = None) -> np.ndarray:
    """Elevation (deg) of the near thigh (hip -> knee; both thighs' mid-line when the near
    side is unknown) off the floor, measured from the floor direction toward the feet."""
    pts = b.px if px is None else px
    sides = [b.ctx.near_side] if b.ctx.near_side else ["left", "right"]
    hip = np.mean([pts[:, index(f"{s}_hip")] for s in sides], axis=0)
    knee = np.mean([pts[:, index(f"{s}_knee")] for s in sides], axis=0)
    toward_feet = -b.toward_head[: len(pts)]
    return b.elevation_from(toward_feet, knee - hip)


def _near_sides(b: BodyFrames) -> list[str]:
    return [b.ctx.near_side] if b.ctx.near_side else ["left", "right"]


def _front_signed(b: BodyFrames, reference: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """Signed angle from ``reference`` to ``vec``, positive toward the front of the body."""
    front = b.front[: len(reference)]
    sign = np.sign(reference[:, 0] * front[:, 1] - reference[:, 1] * front[:, 0])
    return np.where(sign == 0, 1.0, sign) * g.signed_angle_deg(reference, vec)


def _near_flexions(b: BodyFrames, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Near-side (mean of both sides when unknown) hip and shoulder flexion in degrees, with
    the conventions of the ``hip_flexion`` and ``shoulder_flexion`` measurements."""
    hips, shoulders = [], []
    for s in _near_sides(b):
        hip = pts[:, index(f"{s}_hip")]
        shoulder = pts[:, index(f"{s}_shoulder")]
        hips.append(_front_signed(b, hip - shoulder, pts[:, index(f"{s}_knee")] - hip))
        shoulders.append(_front_signed(b, hip - shoulder, pts[:, index(f"{s}_elbow")] - shoulder))
    return np.mean(hips, axis=0), np.mean(shoulders, axis=0)


def quadruped_arch(b: BodyFrames, px: np.ndarray | None = None) -> np.ndarray:
    """Hands and knees: mean near-side hip and shoulder flexion (deg); smaller = hollower."""
    hip, shoulder = _near_flexions(b, b.px if px is None else px)
    return 0.5 * (hip + shoulder)


def upright_hip_angle(b: BodyFrames, px: np.ndarray | None = None) -> np.ndarray:
    """Sitting/standing: near-side trunk-thigh angle (hip flexion, deg); larger = hollower."""
    return _near_flexions(b, b.px if px is None else px)[0]


def position_model(posture: str) -> str:
    """Which pelvic tilt model a start posture uses: ``lying``, ``quadruped`` or ``upright``."""
    if posture == "quadruped":
        return "quadruped"
    if posture in ("sitting", "standing"):
        return "upright"
    return "lying"


def _relative(
    b: BodyFrames, fn: Callable[[BodyFrames, np.ndarray | None], np.ndarray]
) -> np.ndarray:
    """``fn`` per frame minus its value in the context's rest pose (or the frames' median)."""
    values = fn(b, None)
    rest = b.ctx.rest_pose_px
    if rest is not None:
        ref = float(fn(b, np.asarray(rest, dtype=np.float64)[None])[0])
    else:
        ref = float(np.nanmedian(values)) if np.isfinite(values).any() else np.nan
    return values - ref


def pelvic_tilt_index(b: BodyFrames) -> np.ndarray:
    """``(T,)`` estimated pelvic tilt in degrees relative to the start position (+ = hollow).

    The model follows the context's start posture (:func:`position_model`).
    The reference is the context's rest pose; without one, the median of the
    given frames (so a single live frame without a rest pose reads 0). Lying:
    NaN while the hips are lifted into a bridge (:data:`BRIDGE_HIP_LIFT`): that
    is not a pelvic tilt and must not count as one.
    """
    model = position_model(b.ctx.posture)
    if model == "quadruped":
        return -_relative(b, quadruped_arch) / QUADRUPED_DEG_PER_TILT_DEG
    if model == "upright":
        ratio = UPRIGHT_DEG_PER_TILT_DEG.get(b.ctx.posture, UPRIGHT_DEG_PER_TILT_DEG["sitting"])
        return _relative(b, upright_hip_angle) / ratio
    tilt = _relative(b, thigh_elevation_near) / THIGH_DEG_PER_TILT_DEG
    bridge = b.lift("left_hip", "right_hip") > BRIDGE_HIP_LIFT
    return np.where(bridge, np.nan, tilt)
