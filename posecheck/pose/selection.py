"""Which person to follow when MediaPipe finds more than one.

A patient exercises alone, but a partner, a child or a therapist may walk
into view. The estimator runs MediaPipe with ``num_poses=2`` and hands every
candidate of a frame to a *person selector*, a small swappable strategy found
by name (:func:`make_selector`):

``sticky_largest`` (default)
    Start with the largest person (area of the bounding box of their visible
    landmarks). From then on follow whoever overlaps the tracked person's last
    box most (IoU). When the tracked person is not found, report "no pose"
    rather than somebody else, and only switch to the largest candidate after
    the tracked person has been gone for ``patience_ms``.
``largest``
    The largest candidate of every frame, without memory.
``first``
    MediaPipe's first candidate (what ``num_poses=1`` gives), for comparison.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from posecheck.errors import PosecheckError
from posecheck.pose.types import VISIBILITY, Pose

DEFAULT_SELECTOR = "sticky_largest"

Box = tuple[float, float, float, float]


def visible_bbox(pose: Pose, min_visibility: float = 0.5) -> Box:
    """Bounding box ``(x0, y0, x1, y1)`` in pixels of the landmarks seen well.

    Falls back to all landmarks when fewer than four are visible.
    """
    xy = pose.pixels()
    seen = pose.landmarks[:, VISIBILITY] >= min_visibility
    if int(seen.sum()) >= 4:
        xy = xy[seen]
    return (
        float(xy[:, 0].min()),
        float(xy[:, 1].min()),
        float(xy[:, 0].max()),
        float(xy[:, 1].max()),
    )


def box_area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def box_iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0 when they do not touch)."""
    inter = box_area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))
    union = box_area(a) + box_area(b) - inter
    return inter / union if union > 0 else 0.0


class PersonSelector(ABC):
    """Picks the one person to follow from a frame's candidates."""

    @abstractmethod
    def select(self, candidates: Sequence[Pose], timestamp_ms: int) -> Pose | None:
        """The followed person's pose among ``candidates``, or ``None``."""

    def reset(self) -> None:  # noqa: B027 - optional hook, stateless selectors keep it
        """Forget the followed person (e.g. at a new recording)."""


class FirstSelector(PersonSelector):
    """MediaPipe's first candidate."""

    def select(self, candidates: Sequence[Pose], timestamp_ms: int) -> Pose | None:
        return candidates[0] if candidates else None


class LargestSelector(PersonSelector):
    """The candidate with the largest visible bounding box, frame by frame."""

    def __init__(self, min_visibility: float = 0.5) -> None:
        self.min_visibility = min_visibility

    def select(self, candidates: Sequence[Pose], timestamp_ms: int) -> Pose | None:
        if not candidates:
            return None
        areas = [box_area(visible_bbox(p, self.min_visibility)) for p in candidates]
        return candidates[int(np.argmax(areas))]


class StickyLargestSelector(PersonSelector):
    """Lock on to the largest person, then follow them by box overlap.

    Args:
        min_iou: overlap with the tracked box needed to count as the same person.
        patience_ms: how long the tracked person may be missing before the
            largest other candidate is taken instead.
        min_visibility: landmark visibility used for the bounding box.
    """

    def __init__(
        self, min_iou: float = 0.2, patience_ms: int = 1500, min_visibility: float = 0.5
    ) -> None:
        self.min_iou = min_iou
        self.patience_ms = patience_ms
        self.min_visibility = min_visibility
        self._box: Box | None = None
        self._last_seen_ms: int | None = None

    def reset(self) -> None:
        self._box = None
        self._last_seen_ms = None

    def select(self, candidates: Sequence[Pose], timestamp_ms: int) -> Pose | None:
        boxes = [visible_bbox(p, self.min_visibility) for p in candidates]
        chosen: int | None = None
        if self._box is not None and boxes:
            overlaps = [box_iou(self._box, b) for b in boxes]
            best = int(np.argmax(overlaps))
            if overlaps[best] >= self.min_iou:
                chosen = best
        if chosen is None:
            gone_long = (
                self._last_seen_ms is None or timestamp_ms - self._last_seen_ms > self.patience_ms
            )
            if not boxes or not gone_long:
                return None
            chosen = int(np.argmax([box_area(b) for b in boxes]))
        self._box = boxes[chosen]
        self._last_seen_ms = timestamp_ms
        return candidates[chosen]


SELECTORS: dict[str, Callable[..., PersonSelector]] = {
    "sticky_largest": StickyLargestSelector,
    "largest": LargestSelector,
    "first": FirstSelector,
}


def make_selector(name: str = DEFAULT_SELECTOR, **params: Any) -> PersonSelector:
    """The person selector called ``name`` (see :data:`SELECTORS`)."""
    try:
        factory = SELECTORS[name]
    except KeyError:
        known = ", ".join(sorted(SELECTORS))
        raise PosecheckError(f"Unknown person selection '{name}'; choose one of: {known}") from None
    return factory(**params)
