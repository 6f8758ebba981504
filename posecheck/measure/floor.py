"""The floor line: a robust line through the body parts resting on the floor.

During the start position the resting joints (for a lying person the
shoulders, hips and ankles; on hands and knees the wrists, knees and toes;
sitting or standing the heels and toes) lie on one line in a side view. Its
angle in the image is the camera tilt (a laptop on a slope, a rotated
phone); its offset is the level of those resting joint centres. Heights
"above the floor" are measured perpendicular to this line, so they are 0 for
the resting joints and do not change when the camera is tilted.

The line runs through the joint *centres* (MediaPipe puts a hip landmark
~10 cm above the real floor surface), not through the floor surface itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecheck.measure import geometry as g

SUPPORT_POINTS: dict[str, tuple[str, ...]] = {
    # Joint centres at about the same height above the floor (~8-10 cm) when lying.
    "lying": (
        "left_shoulder",
        "right_shoulder",
        "left_hip",
        "right_hip",
        "left_ankle",
        "right_ankle",
    ),
    "quadruped": (
        "left_wrist",
        "right_wrist",
        "left_knee",
        "right_knee",
        "left_foot_index",
        "right_foot_index",
    ),
    "upright": ("left_heel", "right_heel", "left_foot_index", "right_foot_index"),
}
"""Which landmarks touch (or rest near) the floor, per posture family."""

MAX_TILT_DEG = 30.0
"""A fitted floor steeper than this is not believed (the camera would be on its side)."""


@dataclass(frozen=True)
class FloorLine:
    """A line in y-up pixel coordinates: through ``point`` at ``angle_deg`` from the +x axis."""

    angle_deg: float
    point: tuple[float, float]

    @property
    def direction(self) -> np.ndarray:
        """Unit vector along the floor, pointing to the image right."""
        a = np.radians(self.angle_deg)
        return np.array([np.cos(a), np.sin(a)])

    @property
    def up(self) -> np.ndarray:
        """Unit normal pointing away from the floor (image up when the camera is level)."""
        a = np.radians(self.angle_deg)
        return np.array([-np.sin(a), np.cos(a)])

    def height(self, px: np.ndarray) -> np.ndarray:
        """Signed distance above the line of ``(..., 2)`` y-up pixel points."""
        up, point = self.up, self.point
        px = np.asarray(px)
        height = px[..., 0] - point[0]
        height *= up[0]
        across = px[..., 1] - point[1]
        across *= up[1]
        height += across  # same arithmetic as ((px - point) * up).sum(axis=-1)
        return height


def _theil_sen(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Robust slope and intercept (median of pairwise slopes)."""
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    keep = np.abs(dx) > 1e-6
    if not keep.any():
        return 0.0, float(np.median(y))
    slope = float(np.median((y[j] - y[i])[keep] / dx[keep]))
    intercept = float(np.median(y - slope * x))
    return slope, intercept


def fit_floor_line(
    landmarks: np.ndarray, image_size: tuple[int, int], family: str = "lying"
) -> FloorLine | None:
    """Fit the floor line through the support points of ``family`` over all frames.

    Uses each support landmark's median position over the frames (robust to
    a few bad frames), then a Theil-Sen line through them. For ``"upright"``
    the feet are too short a base for a reliable angle: the camera is taken
    as level and the line passes through the lowest foot point. Returns None
    when too few support points are seen.
    """
    return fit_floor_line_px(g.to_pixels(landmarks, image_size), family)


def fit_floor_line_px(px: np.ndarray, family: str = "lying") -> FloorLine | None:
    """:func:`fit_floor_line` from ``(T, 33, 2)`` y-up pixel points."""
    names = SUPPORT_POINTS[family]
    pts = g.nanmedian(px[:, [g.index(n) for n in names]], axis=0)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 2:
        return None
    if family == "upright":
        return FloorLine(0.0, (float(np.mean(pts[:, 0])), float(pts[:, 1].min())))
    slope, intercept = _theil_sen(pts[:, 0], pts[:, 1])
    angle = float(np.degrees(np.arctan(slope)))
    if abs(angle) > MAX_TILT_DEG:
        angle = 0.0
        intercept = float(np.median(pts[:, 1]))
        slope = 0.0
    x0 = float(np.mean(pts[:, 0]))
    return FloorLine(angle, (x0, slope * x0 + intercept))
