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
Sitting, standing and on hands and knees the relation differs and is not
calibrated.
"""

from __future__ import annotations

import numpy as np

from posecheck.measure.body import BodyFrames
from posecheck.measure.geometry import index

BRIDGE_HIP_LIFT = 0.12
"""Hips this far (torso lengths) above their resting height = a bridge: tilt not measurable."""

THIGH_DEG_PER_TILT_DEG = 0.12
"""Thigh elevation change per degree of pelvic tilt (rendered clip: 0.11-0.15)."""


def thigh_elevation_near(b: BodyFrames, px: np.ndarray | None = None) -> np.ndarray:
    """Elevation (deg) of the near thigh (hip -> knee; both thighs' mid-line when the near
    side is unknown) off the floor, measured from the floor direction toward the feet."""
    pts = b.px if px is None else px
    sides = [b.ctx.near_side] if b.ctx.near_side else ["left", "right"]
    hip = np.mean([pts[:, index(f"{s}_hip")] for s in sides], axis=0)
    knee = np.mean([pts[:, index(f"{s}_knee")] for s in sides], axis=0)
    toward_feet = -b.toward_head[: len(pts)]
    return b.elevation_from(toward_feet, knee - hip)


def pelvic_tilt_index(b: BodyFrames) -> np.ndarray:
    """``(T,)`` estimated pelvic tilt in degrees relative to the start position (+ = hollow).

    The reference is the context's rest pose; without one, the median of the
    given frames (so a single live frame without a rest pose reads 0). NaN
    while the hips are lifted into a bridge (:data:`BRIDGE_HIP_LIFT`): that is
    not a pelvic tilt and must not count as one.
    """
    elev = thigh_elevation_near(b)
    rest = b.ctx.rest_pose_px
    if rest is not None:
        ref_px = np.asarray(rest, dtype=np.float64)[None]
        ref = float(thigh_elevation_near(b, ref_px)[0])
    else:
        ref = float(np.nanmedian(elev)) if np.isfinite(elev).any() else np.nan
    tilt = (elev - ref) / THIGH_DEG_PER_TILT_DEG
    bridge = b.lift("left_hip", "right_hip") > BRIDGE_HIP_LIFT
    return np.where(bridge, np.nan, tilt)
