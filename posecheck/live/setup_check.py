"""Camera set-up check before each exercise, from the poses and the frame brightness.

Checks, in the order they are reported (the first problem is shown and spoken):

1. ``too_dark``: mean brightness of the frame below :data:`MIN_BRIGHTNESS` (0–255);
2. ``no_person``: no pose;
3. ``not_whole_body``: head, shoulders, hips, knees or ankles outside the frame
   (→ "move the laptop further away");
4. ``too_close``: the body fills more than :data:`MAX_BODY_FRACTION` of the frame;
5. ``too_far``: the body's length is under :data:`MIN_BODY_FRACTION` of the frame;
6. ``wrong_view``: the camera view (``posecheck.measure.classify_view``) is not one
   the exercise allows (floor exercises need the side view).

Mirroring cannot be seen in a single pose (a mirrored person is still a valid
person); the overlay labels the knees L/R during the set-up and the patient
presses ``f`` when they are swapped. The check passes once the last
``window_s`` of frames were right for at least ``ok_fraction`` of them, for
``ok_for_s`` seconds in a row.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from posecheck.i18n import Text
from posecheck.live import messages as msg
from posecheck.pose.types import Pose

MIN_BRIGHTNESS = 40.0
MAX_BODY_FRACTION = 0.97
MIN_BODY_FRACTION = 0.20
EDGE_MARGIN = 0.0
KEY_POINTS = (0, 11, 12, 23, 24, 25, 26, 27, 28)
"""nose, shoulders, hips, knees, ankles: these must be inside the frame."""

VIEW_WORDS = {
    "side": Text(nl="opzij", en="side"),
    "feet": Text(nl="het voeteneinde", en="feet end"),
    "front": Text(nl="voren", en="front"),
    "oblique": Text(nl="schuin opzij", en="diagonal"),
}


@dataclass(frozen=True)
class SetupProblem:
    code: str
    text: Text
    fields: dict[str, object] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return self.text.get(lang, **self.fields)


@dataclass(frozen=True)
class SetupResult:
    """The check of one frame plus the verdict over the recent window."""

    problem: SetupProblem | None
    """The most frequent problem in the window (``None`` = right)."""
    passed: bool
    brightness: float
    view: str | None


def brightness(image_bgr: np.ndarray) -> float:
    """Mean grey level (0–255) of a downscaled copy of the frame."""
    small = cv2.resize(image_bgr, (64, 48), interpolation=cv2.INTER_AREA)
    return float(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).mean())


def frame_problem(
    image_bgr: np.ndarray, pose: Pose | None, allowed_views: tuple[str, ...]
) -> tuple[SetupProblem | None, float, str | None]:
    """The first problem of one frame, its brightness and its view."""
    from posecheck.measure import classify_view

    light = brightness(image_bgr)
    if light < MIN_BRIGHTNESS:
        return SetupProblem("too_dark", msg.TOO_DARK), light, None
    if pose is None:
        return SetupProblem("no_person", msg.NO_PERSON), light, None
    xy = pose.landmarks[list(KEY_POINTS), :2].astype(np.float64)
    if not np.isfinite(xy).all():
        return SetupProblem("no_person", msg.NO_PERSON), light, None
    outside = (xy < EDGE_MARGIN) | (xy > 1.0 - EDGE_MARGIN)
    if outside.any():
        return SetupProblem("not_whole_body", msg.NOT_WHOLE_BODY), light, None
    span = xy.max(axis=0) - xy.min(axis=0)
    if span.max() > MAX_BODY_FRACTION:
        return SetupProblem("too_close", msg.TOO_CLOSE), light, None
    w, h = pose.image_size
    length_px = float(np.hypot(span[0] * w, span[1] * h))
    if length_px < MIN_BODY_FRACTION * max(w, h):
        return SetupProblem("too_far", msg.TOO_FAR), light, None
    view = classify_view(pose.landmarks[None], pose.image_size)
    if allowed_views and view not in allowed_views:
        if "side" in allowed_views:
            return SetupProblem("wrong_view", msg.WRONG_VIEW_SIDE), light, view
        wanted = VIEW_WORDS.get(allowed_views[0], VIEW_WORDS["side"])
        return SetupProblem(
            "wrong_view", msg.WRONG_VIEW_OTHER, {"view": wanted}
        ), light, view
    return None, light, view


class SetupCheck:
    """Runs :func:`frame_problem` on every frame and decides when the set-up is right."""

    def __init__(
        self,
        allowed_views: tuple[str, ...] = ("side",),
        *,
        window_s: float = 1.0,
        ok_fraction: float = 0.7,
        ok_for_s: float = 0.5,
    ) -> None:
        self.allowed_views = tuple(allowed_views)
        self.window_s = window_s
        self.ok_fraction = ok_fraction
        self.ok_for_s = ok_for_s
        self._window: deque[tuple[float, SetupProblem | None]] = deque()
        self._ok_since: float | None = None
        self.passed = False

    def update(self, image_bgr: np.ndarray, pose: Pose | None, t_s: float) -> SetupResult:
        problem, light, view = frame_problem(image_bgr, pose, self.allowed_views)
        self._window.append((t_s, problem))
        while self._window and t_s - self._window[0][0] > self.window_s:
            self._window.popleft()
        ok = sum(1 for _, p in self._window if p is None) / len(self._window)
        verdict: SetupProblem | None = None
        if ok < self.ok_fraction:
            counts: dict[str, tuple[int, SetupProblem]] = {}
            for _, p in self._window:
                if p is not None:
                    n, _first = counts.get(p.code, (0, p))
                    counts[p.code] = (n + 1, p)
            verdict = max(counts.values(), key=lambda c: c[0])[1]
            self._ok_since = None
        elif self._ok_since is None:
            self._ok_since = t_s
        if self._ok_since is not None and t_s - self._ok_since >= self.ok_for_s:
            self.passed = True
        return SetupResult(verdict, self.passed, light, view)
