"""Per-frame body geometry shared by the measurements (built once per ``compute`` call)."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from posecheck.measure import geometry as g
from posecheck.measure.context import MeasureContext


class BodyFrames:
    """Landmarks of T frames in y-up pixels plus the context's reference directions.

    Attributes:
        lm: ``(T, 33, 5)`` normalised landmarks (float32 or float64, as given).
        px: ``(T, 33, 2)`` y-up pixel points.
        ctx: the measuring context.
    """

    def __init__(self, landmarks: np.ndarray, ctx: MeasureContext) -> None:
        self.lm = g.frames(landmarks)  # float32 or float64 as given (no copy)
        self.ctx = ctx
        self.px = g.to_pixels(self.lm, ctx.image_size)

    def __len__(self) -> int:
        return len(self.px)

    # --- points -----------------------------------------------------------------
    def p(self, name: str) -> np.ndarray:
        """``(T, 2)`` pixel point of a landmark."""
        return self.px[:, g.index(name)]

    def ps(self, side: str, part: str) -> np.ndarray:
        """``(T, 2)`` pixel point of a sided landmark, e.g. ``ps("left", "knee")``."""
        return self.px[:, g.sided(side, part)]

    def mid(self, part: str) -> np.ndarray:
        return g.mid(self.px, part)

    @cached_property
    def hip(self) -> np.ndarray:
        return self.mid("hip")

    @cached_property
    def shoulder(self) -> np.ndarray:
        return self.mid("shoulder")

    @cached_property
    def chest(self) -> np.ndarray:
        """A point on the sternum: a third of the way from the shoulder line to the hips."""
        return self.shoulder + 0.35 * (self.hip - self.shoulder)

    @cached_property
    def torso(self) -> np.ndarray:
        """``(T,)`` torso length in pixels: the context's (start position) or per frame."""
        if self.ctx.torso_length_px:
            return np.full(len(self), float(self.ctx.torso_length_px))
        return g.norm(self.shoulder - self.hip)

    # --- reference directions --------------------------------------------------------
    @cached_property
    def floor_dir(self) -> np.ndarray:
        """Unit vector along the floor line (image right)."""
        a = np.radians(self.ctx.floor_angle_deg)
        return np.array([np.cos(a), np.sin(a)])

    @cached_property
    def up(self) -> np.ndarray:
        """Unit normal of the floor line, pointing up."""
        a = np.radians(self.ctx.floor_angle_deg)
        return np.array([-np.sin(a), np.cos(a)])

    @cached_property
    def head_sign(self) -> np.ndarray:
        """``(T,)`` +1 when the head is to the image right (along the floor), -1 to the left."""
        if self.ctx.head_direction in ("left", "right"):
            return np.full(len(self), 1.0 if self.ctx.head_direction == "right" else -1.0)
        along = ((self.shoulder - self.hip) * self.floor_dir).sum(axis=-1)
        return np.where(along >= 0, 1.0, -1.0)

    @cached_property
    def toward_head(self) -> np.ndarray:
        """``(T, 2)`` unit vector along the floor pointing from the feet to the head."""
        return self.head_sign[:, None] * self.floor_dir[None, :]

    @cached_property
    def front(self) -> np.ndarray:
        """``(T, 2)`` unit vector of where the front of the body points (from ``ctx.facing``)."""
        facing = self.ctx.facing
        if facing == "down":
            vec = -self.up
        elif facing == "left":
            vec = -self.floor_dir
        elif facing == "right":
            vec = self.floor_dir
        else:
            vec = self.up
        return np.broadcast_to(vec, (len(self), 2))

    # --- heights ---------------------------------------------------------------
    @cached_property
    def _heights_px(self) -> np.ndarray:
        """``(T, 33)`` pixel height of every landmark above the floor line."""
        floor = self.ctx.floor
        if floor is not None:
            return floor.height(self.px)
        # No floor line: per frame, through the lowest landmark.
        proj = (self.px * self.up).sum(axis=-1)
        with np.errstate(invalid="ignore"):
            lowest = np.nanmin(np.where(np.isfinite(proj), proj, np.nan), axis=1, initial=np.inf)
        return proj - np.where(np.isfinite(lowest), lowest, np.nan)[:, None]

    def height(self, *names: str) -> np.ndarray:
        """``(T,)`` mean height of landmarks above the floor, in torso lengths."""
        idx = [g.index(n) for n in names]
        return self._heights_px[:, idx].mean(axis=1) / self.torso

    def lift(self, *names: str) -> np.ndarray:
        """Like :meth:`height` minus the resting height (when the context knows it)."""
        h = self.height(*names)
        base = self.ctx.baseline_heights
        if base is None:
            return h
        return h - float(np.mean([base[g.index(n)] for n in names]))

    def along_head(self, vec: np.ndarray) -> np.ndarray:
        """Component of ``(T, 2)`` vectors along the floor toward the head."""
        return (vec * self.toward_head).sum(axis=-1)

    def above(self, vec: np.ndarray) -> np.ndarray:
        """Component of ``(T, 2)`` vectors along the floor normal (up)."""
        return (vec * self.up).sum(axis=-1)

    def elevation_from(self, base: np.ndarray, vec: np.ndarray) -> np.ndarray:
        """Angle of ``vec`` from the floor direction ``base`` (T, 2), positive = away from floor."""
        sign = np.sign(base[:, 0] * self.up[1] - base[:, 1] * self.up[0])
        return sign * g.signed_angle_deg(base, vec)

    def front_signed(self, reference: np.ndarray, vec: np.ndarray) -> np.ndarray:
        """Signed angle from ``reference`` to ``vec``; positive when turning toward the front."""
        sign = np.sign(reference[:, 0] * self.front[:, 1] - reference[:, 1] * self.front[:, 0])
        sign = np.where(sign == 0, 1.0, sign)
        return sign * g.signed_angle_deg(reference, vec)
