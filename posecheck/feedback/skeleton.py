"""Draw a pose's skeleton onto a BGR image (OpenCV), for annotated videos and the live overlay."""

from __future__ import annotations

import cv2
import numpy as np

from posecheck.pose.types import SKELETON_EDGES, VISIBILITY, Pose

BGR = tuple[int, int, int]

DEFAULT_COLOR: BGR = (0, 255, 0)
_OUTLINE: BGR = (0, 0, 0)


def line_thickness(image_size: tuple[int, int]) -> int:
    """Line width in pixels for an image of ``(width, height)``: 1/240 of the short side."""
    return max(2, round(min(image_size) / 240))


def draw_skeleton(
    image_bgr: np.ndarray,
    pose: Pose,
    *,
    color: BGR = DEFAULT_COLOR,
    joint_colors: dict[int, BGR] | None = None,
    edge_colors: dict[tuple[int, int], BGR] | None = None,
    min_visibility: float = 0.3,
    antialias: bool = True,
) -> None:
    """Draw ``pose``'s bones and joints on ``image_bgr`` in place.

    Bones (:data:`~posecheck.pose.types.SKELETON_EDGES`) and joints whose
    landmarks have visibility below ``min_visibility`` are left out. Lines get
    a thin dark outline so they stay visible on light and dark backgrounds;
    the width scales with the image size. ``joint_colors`` / ``edge_colors``
    override ``color`` per landmark index / per edge (either order of the pair),
    e.g. to paint a faulty limb red. ``antialias=False`` draws plain (8-connected) lines,
    about three times faster: the live overlay, read from metres away, uses it.
    """
    h, w = image_bgr.shape[:2]
    line_type = cv2.LINE_AA if antialias else cv2.LINE_8
    thickness = line_thickness((w, h))
    radius = thickness + 1
    points = pose.landmarks[:, :2] * np.array([w, h], dtype=np.float32)
    finite = np.isfinite(points).all(axis=1)
    seen = finite & (pose.landmarks[:, VISIBILITY] >= min_visibility)
    pixel = np.zeros((len(points), 2), dtype=np.int64)
    pixel[finite] = np.round(points[finite]).astype(np.int64)
    edge_colors = edge_colors or {}
    joint_colors = joint_colors or {}
    edges = [(a, b) for a, b in SKELETON_EDGES if seen[a] and seen[b]]
    for a, b in edges:
        cv2.line(
            image_bgr,
            tuple(pixel[a].tolist()),
            tuple(pixel[b].tolist()),
            _OUTLINE,
            thickness + 2,
            line_type,
        )
    for a, b in edges:
        edge_color = edge_colors.get((a, b), edge_colors.get((b, a), color))
        cv2.line(
            image_bgr,
            tuple(pixel[a].tolist()),
            tuple(pixel[b].tolist()),
            edge_color,
            thickness,
            line_type,
        )
    joints = sorted({i for edge in edges for i in edge} | {i for i in joint_colors if seen[i]})
    for i in joints:
        center = tuple(pixel[i].tolist())
        cv2.circle(image_bgr, center, radius + 1, _OUTLINE, -1, line_type)
        cv2.circle(image_bgr, center, radius, joint_colors.get(i, color), -1, line_type)
