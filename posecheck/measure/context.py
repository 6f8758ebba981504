"""The measuring context: what is fixed for a whole exercise set.

Estimated once from the start position (the person lying still before the
first repetition) and passed to every measurement: floor line and camera
tilt, the side of the body that faces the camera, where the head is, the
view, the torso length used to normalise distances, and each landmark's
resting height (so "lift" measurements read 0 at rest).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from posecheck.measure import geometry as g
from posecheck.measure.floor import FloorLine, fit_floor_line_px
from posecheck.measure.posture import (
    dominant,
    majority_view,
    postures_from_pixels,
    views_from_pixels,
)
from posecheck.pose.types import PoseSequence


@dataclass(frozen=True)
class MeasureContext:
    """Fixed facts about the camera and the body for one exercise set.

    Attributes:
        image_size: ``(width, height)`` in pixels.
        near_side: the body side facing the camera in a side view, or None.
        floor_angle_deg: tilt of the floor line in the image (y-up, counter-clockwise
            positive: the line rises to the right).
        head_direction: where the head is in the image, ``"left"``/``"right"``, or None
            (upright person, or camera at the feet).
        view: ``"side"``, ``"feet"``, ``"front"`` or ``"oblique"``.
        floor_point: a pixel point (y-up) on the floor line, or None (then heights use
            a per-frame floor through the lowest body point).
        torso_length_px: median shoulder-mid to hip-mid distance at the start, or None
            (then per frame).
        posture: the start posture (see :data:`posecheck.measure.posture.POSTURES`).
        facing: which way the front of the body points in the image: ``"up"`` (lying on
            the back), ``"down"`` (belly / hands and knees), ``"left"``/``"right"``
            (upright, facing that image side). Gives hip flexion its sign.
        baseline_heights: each landmark's resting height above the floor (torso lengths),
            33 values, or None; "lift" measurements subtract it.
        rest_pose_px: the start position's median landmark positions (33 y-up pixel points),
            or None; measurements relative to the start position (pelvic tilt) use it.
        rest_depth: the start position's median MediaPipe z per landmark (33 values) or None.
    """

    image_size: tuple[int, int]
    near_side: str | None = None
    floor_angle_deg: float = 0.0
    head_direction: str | None = None
    view: str = "side"
    floor_point: tuple[float, float] | None = None
    torso_length_px: float | None = None
    posture: str = "unknown"
    facing: str = "up"
    baseline_heights: tuple[float, ...] | None = None
    rest_pose_px: tuple[tuple[float, float], ...] | None = None
    rest_depth: tuple[float, ...] | None = None

    @property
    def floor(self) -> FloorLine | None:
        """The floor line, when a point on it is known."""
        if self.floor_point is None:
            return None
        return FloorLine(self.floor_angle_deg, self.floor_point)

    def with_(self, **changes: object) -> MeasureContext:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


FAMILY = {
    "hook_lying": "lying",
    "supine": "lying",
    "prone": "lying",
    "quadruped": "quadruped",
    "sitting": "upright",
    "standing": "upright",
}


def _vote_near_side(lm: np.ndarray) -> str | None:
    """The side closer to the camera: lower MediaPipe z (depth) and higher visibility."""
    parts = ("shoulder", "hip", "knee", "ankle", "elbow")
    left = [g.sided("left", p) for p in parts]
    right = [g.sided("right", p) for p in parts]
    z = np.asarray(lm[:, :, 2], dtype=np.float64)
    dz = float(g.nanmedian((z[:, left] - z[:, right]).T))
    dv: float
    if lm.shape[2] > 3:
        vis = np.asarray(lm[:, :, 3], dtype=np.float64)
        dv = float(g.nanmedian((vis[:, left] - vis[:, right]).T))
    else:
        dv = 0.0
    # z is in units of image width (a body-depth difference is ~0.1-0.5); visibility 0..1.
    score = -float(dz) + 0.5 * float(dv if np.isfinite(dv) else 0.0)
    if not np.isfinite(score) or abs(score) < 1e-3:
        return None
    return "left" if score > 0 else "right"


RESTING_SPREAD_DEG = 10.0
"""Trunk-to-leg angle spread (10th to 90th percentile) above which the frames include
movement (a curl-up, a pulled knee): the floor line is then fitted on the flatter half."""


def _resting_frames(px: np.ndarray) -> np.ndarray:
    """The frames (``(T, 33, 2)`` y-up pixels) of a lying person that rest flattest, for
    fitting the floor line.

    The resting joints lie on the floor only at rest: a context estimated over a
    whole recording (curl-up holds, knee-to-chest holds) would fit the floor
    through raised shoulders or a raised ankle. When the angle between the trunk
    (hip to shoulder) and the line from the ankles to the hips varies by more than
    :data:`RESTING_SPREAD_DEG`, only the frames with the smaller half of that
    angle are kept; frames of a still start position are returned unchanged.
    """
    if len(px) < 10:
        return px
    hip = g.mid(px, "hip")
    bend = np.abs(g.signed_angle_deg(hip - g.mid(px, "ankle"), g.mid(px, "shoulder") - hip))
    if not np.isfinite(bend).any():
        return px
    lo, mid, hi = np.nanpercentile(bend, [10, 50, 90])
    if hi - lo <= RESTING_SPREAD_DEG:
        return px
    return px[bend <= mid]


def _head_direction(px: np.ndarray, floor_angle_deg: float = 0.0) -> str | None:
    """Image side of the head along the floor line (None when it is more above than beside
    the hips, as for a camera at the feet)."""
    head = g.nanmedian(g.point(px, ("nose", "left_ear", "right_ear")) - g.mid(px, "hip"), axis=0)
    a = np.radians(floor_angle_deg)
    along = head[0] * np.cos(a) + head[1] * np.sin(a)
    above = -head[0] * np.sin(a) + head[1] * np.cos(a)
    if not np.isfinite(head).all() or abs(along) < abs(above):
        return None
    return "right" if along > 0 else "left"


def _facing(posture: str, px: np.ndarray) -> str:
    if posture in ("prone", "quadruped"):
        return "down"
    if posture in ("sitting", "standing"):
        face = g.nanmedian(g.point(px, "nose")[:, 0] - g.point(px, ("left_ear", "right_ear"))[:, 0])
        return "right" if np.isfinite(face) and face > 0 else "left"
    return "up"


def estimate_context(
    seq_or_landmarks: PoseSequence | np.ndarray,
    image_size: tuple[int, int] | None = None,
    *,
    posture: str | None = None,
    view: str | None = None,
) -> MeasureContext:
    """Estimate the context from frames of the start position.

    Pass the frames where the person holds the start position (a few seconds
    is plenty; a whole recording also works since all estimates are medians).
    ``posture``/``view`` override the recognised ones. Frames without a pose
    are ignored; with no pose at all a default context is returned.
    """
    if isinstance(seq_or_landmarks, PoseSequence):
        lm = g.frames(seq_or_landmarks.landmarks)
        world: np.ndarray | None = seq_or_landmarks.world_landmarks
        size = image_size or seq_or_landmarks.image_size
    else:
        lm = g.frames(seq_or_landmarks)
        world = None
        if image_size is None:
            raise ValueError("image_size is required with a landmark array")
        size = image_size
    # lm keeps its float type (float32 from a PoseSequence): values used in arithmetic
    # are taken as float64 (pixels, depth), as with a float64 copy, without copying all.
    has = np.isfinite(lm[:, 0, 0])
    if not has.all():
        lm = lm[has]
        if world is not None:
            world = np.asarray(world)[has]
    if len(lm) == 0:
        return MeasureContext(image_size=size, posture=posture or "unknown", view=view or "side")

    px = g.to_pixels(lm, size)
    view0 = view or majority_view(views_from_pixels(px), world)
    posture0 = posture or dominant(postures_from_pixels(px, view=view0))
    family = FAMILY.get(posture0, "lying")
    floor_px = _resting_frames(px) if family == "lying" else px
    floor = fit_floor_line_px(floor_px, family) if view0 != "feet" else None
    angle = floor.angle_deg if floor else 0.0
    if view0 == "feet":
        # Camera at the feet: the floor is the line through the two heels (left-right).
        heels = g.nanmedian(px[:, [g.index("left_heel"), g.index("right_heel")]], axis=0)
        if np.isfinite(heels).all():
            d = heels[0] - heels[1]
            if d[0] < 0:
                d = -d
            tilt = float(np.degrees(np.arctan2(d[1], d[0])))
            if abs(tilt) < 30:
                floor = FloorLine(tilt, (float(heels[:, 0].mean()), float(heels[:, 1].mean())))
                angle = tilt
    torso = float(g.nanmedian(g.norm(g.mid(px, "shoulder") - g.mid(px, "hip"))))
    side_view = view0 in ("side", "oblique")
    ctx = MeasureContext(
        image_size=size,
        near_side=_vote_near_side(lm) if side_view else None,
        floor_angle_deg=angle,
        head_direction=_head_direction(px, angle)
        if posture0 in FAMILY and FAMILY[posture0] != "upright" and view0 != "feet"
        else None,
        view=view0,
        floor_point=floor.point if floor else None,
        torso_length_px=torso if np.isfinite(torso) and torso > 0 else None,
        posture=posture0,
        facing=_facing(posture0, px),
    )
    if ctx.floor is not None and ctx.torso_length_px:
        heights = g.nanmedian(ctx.floor.height(px), axis=0) / ctx.torso_length_px
        ctx = ctx.with_(baseline_heights=tuple(float(h) for h in heights))
    rest = g.nanmedian(px, axis=0)
    if np.isfinite(rest).all():
        ctx = ctx.with_(rest_pose_px=tuple((float(x), float(y)) for x, y in rest))
    depth = g.nanmedian(np.asarray(lm[:, :, 2], dtype=np.float64), axis=0)
    if np.isfinite(depth).all():
        ctx = ctx.with_(rest_depth=tuple(float(z) for z in depth))
    return ctx
