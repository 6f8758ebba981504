"""Person selection: stay with the exercising person when somebody else is in view."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from posecheck.errors import PosecheckError
from posecheck.pose.selection import (
    SELECTORS,
    box_iou,
    make_selector,
    visible_bbox,
)
from posecheck.pose.types import Pose, PoseSequence

KICKBACKS = "videos/related/glute_kickbacks_quadruped_nuffield.mp4"


def _person(x0: float, y0: float, x1: float, y1: float, t: int = 0) -> Pose:
    """A pose whose landmarks spread evenly over the box (normalised, 100x100 image)."""
    rng = np.random.default_rng(int(x0 * 100 + y0 * 10))
    lm = np.zeros((33, 5), np.float32)
    lm[:, 0] = rng.uniform(x0, x1, 33)
    lm[:, 1] = rng.uniform(y0, y1, 33)
    lm[[0, 1], 0], lm[[0, 1], 1] = (x0, x1), (y0, y1)
    lm[:, 3:] = 1.0
    return Pose(t, (100, 100), lm)


def test_iou() -> None:
    assert box_iou((0, 0, 2, 2), (1, 1, 3, 3)) == pytest.approx(1 / 7)
    assert box_iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0


def test_bbox_ignores_landmarks_that_are_not_visible() -> None:
    pose = _person(0.2, 0.2, 0.4, 0.4)
    lm = pose.landmarks.copy()
    lm[5, :2] = (0.9, 0.9)
    lm[5, 3] = 0.1
    assert visible_bbox(Pose(0, (100, 100), lm))[2] == pytest.approx(40.0, abs=0.01)


def test_sticky_stays_with_the_tracked_person_when_a_larger_one_appears() -> None:
    selector = make_selector("sticky_largest")
    patient = _person(0.1, 0.5, 0.5, 0.9)
    assert selector.select([patient], 0) is patient
    visitor = _person(0.5, 0.0, 1.0, 1.0)  # bigger, next to the patient
    for t in range(33, 3000, 33):
        moved = _person(0.1, 0.5, 0.5, 0.9, t)
        assert selector.select([visitor, moved], t) is moved


def test_sticky_waits_before_taking_somebody_else() -> None:
    selector = make_selector("sticky_largest", patience_ms=1000)
    patient = _person(0.1, 0.5, 0.5, 0.9)
    visitor = _person(0.6, 0.0, 0.9, 0.5)
    selector.select([patient], 0)
    assert selector.select([visitor], 500) is None  # patient hidden: no pose, not the visitor
    assert selector.select([visitor], 1500) is visitor  # gone long enough: follow who is there
    selector.reset()
    assert selector.select([visitor, patient], 2000) is patient  # fresh start: the largest


def test_first_and_largest() -> None:
    small, big = _person(0.0, 0.0, 0.2, 0.2), _person(0.3, 0.3, 0.9, 0.9)
    assert make_selector("first").select([small, big], 0) is small
    assert make_selector("largest").select([small, big], 0) is big
    for name in SELECTORS:
        assert make_selector(name).select([], 0) is None


def test_unknown_selector_is_a_clear_error() -> None:
    known = "first, largest, sticky_floor, sticky_largest, sticky_lying"
    with pytest.raises(PosecheckError, match=f"choose one of: {known}"):
        make_selector("closest")


# --- the real clip: a coach squats next to a woman doing kickbacks on hands and knees ---
# use ranges (segments.json): 167-429 and 591-858; at ~774 the clip cuts to an outro shot
# of the same woman, so hip-centre continuity is checked up to the cut.
USE_RANGES = ((167, 429), (591, 858))
CONTINUOUS = ((167, 429), (591, 770))


def _is_subject(lm: np.ndarray) -> bool:
    """On hands and knees: wrists and (lowest) knee low in the image; the squatting
    coach's wrists are at y <= 0.51 and knees at y <= 0.57 throughout."""
    return bool(lm[[15, 16], 1].mean() > 0.55 and lm[[25, 26], 1].max() > 0.6)


@pytest.mark.slow
def test_kickbacks_clip_tracks_the_exercising_woman_not_the_coach(
    clip_poses: Callable[[str], PoseSequence],
) -> None:
    seq = clip_poses(KICKBACKS)
    frames = [i for a, b in USE_RANGES for i in range(a, b + 1) if i < len(seq)]
    with_pose = [i for i in frames if seq.has_pose[i]]
    assert len(with_pose) >= 0.95 * len(frames)
    coach = [i for i in with_pose if seq.landmarks[i, 23, 0] > 0.6]  # coach squats at x >= 0.7
    assert coach == []
    subject = sum(_is_subject(seq.landmarks[i]) for i in with_pose)
    assert subject >= 0.98 * len(with_pose)
    hips = seq.landmarks[:, [23, 24], :2].mean(axis=1)
    for a, b in CONTINUOUS:
        steps = np.linalg.norm(np.diff(hips[a : b + 1], axis=0), axis=1)
        steps = steps[~np.isnan(steps)]
        assert steps.max() < 0.05, f"hip centre jumps {steps.max():.3f} within {a}-{b}"
