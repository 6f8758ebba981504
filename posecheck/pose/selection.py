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
``sticky_lying`` / ``sticky_floor``
    For exercises done on the floor, where a physiotherapist or partner kneels
    or stands beside the patient (:class:`StickyPositionSelector`). Every
    candidate's body position is read from the image (:func:`body_position`:
    ``lying``, ``all_fours`` or ``upright``). Lock on to a candidate in the
    wanted position (``sticky_lying``: lying; ``sticky_floor``: lying, else on
    hands and knees), the largest of them when several are; when nobody is in a
    wanted position, keep ``sticky_largest``'s rule (the largest). Then follow by
    overlap like ``sticky_largest``. The lock only moves to somebody else who
    has been, for ``switch_ms`` without a break, in a position more wanted than
    any the followed person has shown since the lock (the helper was found
    before the patient); a patient who sits up during a curl-up keeps the lock,
    as they have been lying before. :func:`selection_for_positions` names the
    strategy for an exercise's start positions.

    The position is read from the hip→shoulder line and the knees in the image,
    so it holds for side and oblique views: in a view from the feet or the head
    a lying trunk looks upright, and the rule falls back to the largest person.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from posecheck.errors import PosecheckError
from posecheck.pose.types import VISIBILITY, Pose

DEFAULT_SELECTOR = "sticky_largest"

Box = tuple[float, float, float, float]

BODY_POSITIONS: tuple[str, ...] = ("lying", "all_fours", "upright")
LYING_MAX_TRUNK_DEG = 45.0
"""Lying: the hip→shoulder line at most this far from horizontal in the image (a curl-up
raises it ~17-40°), with the knees not well below the hips."""
ALL_FOURS_MAX_TRUNK_DEG = 30.0
"""On hands and knees: the trunk at most this far from horizontal, the knees below the hips.
Measured on the Lying_Crossover photos: the partner kneeling beside the lying man leans
39-41° (start) and 22-33° (end, bent over him, hands on him)."""
KNEELING_DROP = 0.5
"""Knees this many trunk lengths below the hips in the image: kneeling or on all fours
(the estimator's rotation rule uses the same figure). Lying men on the photos: 0.07-0.24."""
_SHOULDERS, _HIPS, _KNEES = (11, 12), (23, 24), (25, 26)
_LYING_POSTURES = frozenset({"supine", "prone", "hook_lying"})
_FLOOR_POSTURES = _LYING_POSTURES | {"quadruped"}


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


def body_position(pose: Pose) -> str:
    """How the body lies in the image: ``"lying"``, ``"all_fours"`` or ``"upright"``.

    From the pixel hip→shoulder line (angle from horizontal) and how far the knees
    are below the hips, in trunk lengths: ``lying`` = trunk within
    :data:`LYING_MAX_TRUNK_DEG` of horizontal and the knees not more than
    :data:`KNEELING_DROP` below the hips; ``all_fours`` = trunk within
    :data:`ALL_FOURS_MAX_TRUNK_DEG`, knees below the hips (also someone kneeling
    bent over another person); ``upright`` = everything else (standing, sitting,
    kneeling up, squatting), including a trunk of no length. Side and oblique views.
    """
    px = pose.pixels().astype(np.float64)
    shoulders = px[list(_SHOULDERS)].mean(axis=0)
    hips = px[list(_HIPS)].mean(axis=0)
    dx, dy = (shoulders - hips).tolist()
    trunk = float(np.hypot(dx, dy))
    if not trunk > 0:
        return "upright"
    from_horizontal = float(np.degrees(np.arctan2(abs(dy), abs(dx))))
    knee_drop = (float(px[list(_KNEES), 1].mean()) - float(hips[1])) / trunk
    kneeling = knee_drop > KNEELING_DROP
    if from_horizontal <= LYING_MAX_TRUNK_DEG and not kneeling:
        return "lying"
    if from_horizontal <= ALL_FOURS_MAX_TRUNK_DEG and kneeling:
        return "all_fours"
    return "upright"


def selection_for_positions(positions: Iterable[str]) -> str:
    """The person selection for an exercise's start positions (posture names).

    Only lying postures (``supine``, ``prone``, ``hook_lying``) → ``sticky_lying``;
    floor postures including ``quadruped`` → ``sticky_floor``; anything else (or
    nothing) → :data:`DEFAULT_SELECTOR`, since a standing patient is no floor patient.
    """
    wanted = set(positions)
    if wanted and wanted <= _LYING_POSTURES:
        return "sticky_lying"
    if wanted and wanted <= _FLOOR_POSTURES:
        return "sticky_floor"
    return DEFAULT_SELECTOR


class PersonSelector(ABC):
    """Picks the one person to follow from a frame's candidates."""

    @abstractmethod
    def select(self, candidates: Sequence[Pose], timestamp_ms: int) -> Pose | None:
        """The followed person's pose among ``candidates``, or ``None``."""

    def reset(self) -> None:  # noqa: B027 - optional hook, stateless selectors keep it
        """Forget the followed person (e.g. at a new recording)."""

    def is_wanted(self, pose: Pose) -> bool:
        """Whether ``pose`` looks like the person this selector is after.

        Selectors without a position preference want everybody. In IMAGE mode with
        rotation ``auto`` the estimator also looks at the photo turned when no
        candidate is wanted (a lying body is often found only turned).
        """
        return True


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
        chosen = self._followed(boxes)
        if chosen is None:
            gone_long = (
                self._last_seen_ms is None or timestamp_ms - self._last_seen_ms > self.patience_ms
            )
            if not boxes or not gone_long:
                return None
            chosen = self._new_lock(candidates, boxes)
        else:
            chosen = self._keep_or_switch(candidates, boxes, chosen, timestamp_ms)
        self._box = boxes[chosen]
        self._last_seen_ms = timestamp_ms
        return candidates[chosen]

    def _followed(self, boxes: Sequence[Box]) -> int | None:
        """Index of the candidate overlapping the followed person's last box most."""
        if self._box is None or not boxes:
            return None
        overlaps = [box_iou(self._box, b) for b in boxes]
        best = int(np.argmax(overlaps))
        return best if overlaps[best] >= self.min_iou else None

    def _new_lock(self, candidates: Sequence[Pose], boxes: Sequence[Box]) -> int:
        """Index of the candidate to lock on to when nobody is followed: the largest."""
        return int(np.argmax([box_area(b) for b in boxes]))

    def _keep_or_switch(
        self, candidates: Sequence[Pose], boxes: Sequence[Box], followed: int, timestamp_ms: int
    ) -> int:
        """Index of the candidate to follow, given the one that overlaps the followed person."""
        return followed


class StickyPositionSelector(StickyLargestSelector):
    """``sticky_largest`` that prefers a person in one of the wanted body positions.

    Args:
        positions: wanted :func:`body_position` values, most wanted first.
        switch_ms: how long another candidate must stay, without a break, in a
            position more wanted than any the followed person has shown since the
            lock before the lock moves to them.
        min_iou, patience_ms, min_visibility: as :class:`StickyLargestSelector`.
    """

    def __init__(
        self,
        positions: Sequence[str] = ("lying",),
        switch_ms: int = 500,
        min_iou: float = 0.2,
        patience_ms: int = 1500,
        min_visibility: float = 0.5,
    ) -> None:
        unknown = [p for p in positions if p not in BODY_POSITIONS]
        if unknown or not positions:
            raise PosecheckError(
                f"Unknown body position(s) {unknown or list(positions)}; "
                f"choose from: {', '.join(BODY_POSITIONS)}"
            )
        super().__init__(min_iou=min_iou, patience_ms=patience_ms, min_visibility=min_visibility)
        self.positions = tuple(positions)
        self.switch_ms = switch_ms
        self._best_rank = len(self.positions)  # best position of the followed person since the lock
        self._better_since: int | None = None  # since when somebody else is in a better position

    def reset(self) -> None:
        super().reset()
        self._best_rank = len(self.positions)
        self._better_since = None

    def is_wanted(self, pose: Pose) -> bool:
        return body_position(pose) in self.positions

    def _rank(self, pose: Pose) -> int:
        """0 for the most wanted position, higher for less wanted, len(positions) if unwanted."""
        position = body_position(pose)
        return self.positions.index(position) if position in self.positions else len(self.positions)

    def _new_lock(self, candidates: Sequence[Pose], boxes: Sequence[Box]) -> int:
        ranks = [self._rank(p) for p in candidates]
        best = min(ranks)
        areas = [box_area(b) if r == best else -1.0 for r, b in zip(ranks, boxes, strict=True)]
        self._best_rank = best
        self._better_since = None
        return int(np.argmax(areas))

    def _keep_or_switch(
        self, candidates: Sequence[Pose], boxes: Sequence[Box], followed: int, timestamp_ms: int
    ) -> int:
        if self._best_rank == 0:  # seen in the most wanted position: nobody can be better
            return followed
        self._best_rank = min(self._best_rank, self._rank(candidates[followed]))
        better = [
            i for i, p in enumerate(candidates) if i != followed and self._rank(p) < self._best_rank
        ]
        if not better:
            self._better_since = None
            return followed
        if self._better_since is None:
            self._better_since = timestamp_ms
        if timestamp_ms - self._better_since < self.switch_ms:
            return followed
        # the helper was locked on before the patient was found: move to the patient
        return better[self._new_lock([candidates[i] for i in better], [boxes[i] for i in better])]


def _sticky_lying(**params: Any) -> PersonSelector:
    return StickyPositionSelector(positions=("lying",), **params)


def _sticky_floor(**params: Any) -> PersonSelector:
    return StickyPositionSelector(positions=("lying", "all_fours"), **params)


SELECTORS: dict[str, Callable[..., PersonSelector]] = {
    "sticky_largest": StickyLargestSelector,
    "largest": LargestSelector,
    "first": FirstSelector,
    "sticky_lying": _sticky_lying,
    "sticky_floor": _sticky_floor,
}


def make_selector(name: str = DEFAULT_SELECTOR, **params: Any) -> PersonSelector:
    """The person selector called ``name`` (see :data:`SELECTORS`)."""
    try:
        factory = SELECTORS[name]
    except KeyError:
        known = ", ".join(sorted(SELECTORS))
        raise PosecheckError(f"Unknown person selection '{name}'; choose one of: {known}") from None
    return factory(**params)
