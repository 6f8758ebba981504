"""Floor patients: a helper kneeling or standing beside a lying patient is not the patient."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecheck.pose.selection import (
    DEFAULT_SELECTOR,
    SELECTORS,
    StickyPositionSelector,
    body_position,
    make_selector,
    selection_for_positions,
)
from posecheck.pose.types import Pose
from posecheck.specs import load_all_specs

SIZE = (1000, 1000)

# Key points of a body in units of trunk length (x right, y DOWN), hips at the origin,
# side view. Each is (shoulder, elbow, wrist, hip, knee, ankle, head).
# fmt: off
BODIES: dict[str, dict[str, tuple[float, float]]] = {
    "supine": {  # head to the right, legs straight on the floor
        "shoulder": (1.0, 0.0), "elbow": (0.7, 0.05), "wrist": (0.4, 0.05),
        "hip": (0.0, 0.0), "knee": (-0.9, 0.05), "ankle": (-1.8, 0.05), "head": (1.35, -0.05),
    },
    "hook_lying": {
        "shoulder": (1.0, 0.0), "elbow": (0.7, 0.05), "wrist": (0.4, 0.05),
        "hip": (0.0, 0.0), "knee": (-0.55, -0.6), "ankle": (-1.0, 0.05), "head": (1.35, -0.05),
    },
    "curl_up": {  # shoulders raised 35°, knees bent
        "shoulder": (0.82, -0.57), "elbow": (0.9, -0.3), "wrist": (1.0, -0.1),
        "hip": (0.0, 0.0), "knee": (-0.55, -0.6), "ankle": (-1.0, 0.05), "head": (1.1, -0.8),
    },
    "all_fours": {  # hands and knees, trunk flat
        "shoulder": (1.0, -0.05), "elbow": (1.0, 0.35), "wrist": (1.0, 0.75),
        "hip": (0.0, 0.0), "knee": (0.0, 0.8), "ankle": (-0.8, 0.85), "head": (1.3, -0.2),
    },
    "kneeling_bent_over": {  # a partner kneeling beside the patient, leaning over 25°
        "shoulder": (0.9, -0.42), "elbow": (1.0, 0.0), "wrist": (1.1, 0.4),
        "hip": (0.0, 0.0), "knee": (0.1, 0.85), "ankle": (-0.7, 0.9), "head": (1.2, -0.5),
    },
    "kneeling": {  # kneeling up, trunk leaning 40° from vertical
        "shoulder": (0.64, -0.77), "elbow": (0.8, -0.4), "wrist": (1.0, -0.1),
        "hip": (0.0, 0.0), "knee": (0.1, 0.85), "ankle": (-0.7, 0.9), "head": (0.8, -1.1),
    },
    "standing": {
        "shoulder": (0.0, -1.0), "elbow": (0.05, -0.6), "wrist": (0.05, -0.2),
        "hip": (0.0, 0.0), "knee": (0.05, 0.9), "ankle": (0.0, 1.8), "head": (0.0, -1.35),
    },
    "squatting": {  # a coach squatting beside a patient, trunk 60° from horizontal
        "shoulder": (0.5, -0.87), "elbow": (0.8, -0.5), "wrist": (1.0, -0.3),
        "hip": (0.0, 0.0), "knee": (0.8, -0.1), "ankle": (0.6, 0.6), "head": (0.6, -1.2),
    },
}
_INDEX = {
    "shoulder": (11, 12), "elbow": (13, 14), "wrist": (15, 16, 17, 18, 19, 20, 21, 22),
    "hip": (23, 24), "knee": (25, 26), "ankle": (27, 28, 29, 30, 31, 32),
}
# fmt: on


def body(kind: str, hip_x: float, hip_y: float, trunk: float = 0.15, t: int = 0) -> Pose:
    """A pose of ``kind`` with the hips at (hip_x, hip_y) and a trunk of ``trunk``
    image widths (normalised coordinates of a 1000x1000 image)."""
    points = BODIES[kind]
    lm = np.zeros((33, 5), np.float32)
    lm[:, 3:] = 1.0
    lm[0:11, 0] = hip_x + trunk * points["head"][0]
    lm[0:11, 1] = hip_y + trunk * points["head"][1]
    for part, indices in _INDEX.items():
        for n, i in enumerate(indices):
            offset = 0.01 * (n % 2)  # left and right side a little apart
            lm[i, 0] = hip_x + trunk * points[part][0] + offset
            lm[i, 1] = hip_y + trunk * points[part][1] + offset
    return Pose(t, SIZE, lm)


@pytest.mark.parametrize(
    ("kind", "position"),
    [
        ("supine", "lying"),
        ("hook_lying", "lying"),
        ("curl_up", "lying"),
        ("all_fours", "all_fours"),
        ("kneeling_bent_over", "all_fours"),
        ("kneeling", "upright"),
        ("standing", "upright"),
        ("squatting", "upright"),
    ],
)
def test_body_position(kind: str, position: str) -> None:
    assert body_position(body(kind, 0.5, 0.6)) == position


def test_body_position_is_the_same_facing_the_other_way() -> None:
    pose = body("hook_lying", 0.5, 0.6)
    lm = pose.landmarks.copy()
    lm[:, 0] = 1.0 - lm[:, 0]  # head to the left
    assert body_position(Pose(0, SIZE, lm)) == "lying"


# (who is in view: kind, hip x, hip y, trunk size) -> which one each strategy picks first
PATIENT_LYING = ("supine", 0.55, 0.75, 0.15)
PATIENT_HOOK = ("hook_lying", 0.55, 0.75, 0.15)
PATIENT_ALL_FOURS = ("all_fours", 0.4, 0.6, 0.15)
HELPER_KNEELING = ("kneeling", 0.35, 0.6, 0.2)
HELPER_BENT_OVER = ("kneeling_bent_over", 0.4, 0.5, 0.2)
HELPER_STANDING = ("standing", 0.2, 0.45, 0.2)
COACH_SQUATTING = ("squatting", 0.75, 0.6, 0.2)
OTHER_LYING_SMALL = ("supine", 0.5, 0.55, 0.08)


@pytest.mark.parametrize(
    ("people", "selection", "expected"),
    [
        # lying patient + a bigger helper kneeling or bent over them: the patient
        ([HELPER_KNEELING, PATIENT_LYING], "sticky_lying", 1),
        ([HELPER_BENT_OVER, PATIENT_HOOK], "sticky_lying", 1),
        ([HELPER_BENT_OVER, PATIENT_HOOK], "sticky_floor", 1),
        # lying + standing: the patient
        ([HELPER_STANDING, PATIENT_LYING], "sticky_lying", 1),
        ([PATIENT_LYING, HELPER_STANDING], "sticky_floor", 0),
        # two lying: today's rule among them, the larger
        ([OTHER_LYING_SMALL, PATIENT_LYING], "sticky_lying", 1),
        ([PATIENT_LYING, OTHER_LYING_SMALL], "sticky_lying", 0),
        # hands-and-knees patient + squatting coach: sticky_floor takes the patient ...
        ([COACH_SQUATTING, PATIENT_ALL_FOURS], "sticky_floor", 1),
        # ... sticky_lying finds nobody lying and keeps today's rule (the larger coach)
        ([COACH_SQUATTING, PATIENT_ALL_FOURS], "sticky_lying", 0),
        # nobody on the floor: the largest
        ([HELPER_KNEELING, ("standing", 0.8, 0.45, 0.1)], "sticky_lying", 0),
        ([("standing", 0.8, 0.45, 0.1), HELPER_KNEELING], "sticky_floor", 1),
        # hint absent: today's rule, the largest
        ([HELPER_KNEELING, PATIENT_LYING], "sticky_largest", 0),
        ([HELPER_STANDING, PATIENT_LYING], "sticky_largest", 0),
    ],
)
def test_first_choice(
    people: list[tuple[str, float, float, float]], selection: str, expected: int
) -> None:
    candidates = [body(*person) for person in people]
    assert make_selector(selection).select(candidates, 0) is candidates[expected]


def _frames(selector_name: str, script: list[tuple[int, list[Pose]]], **params: float) -> list[int]:
    """Index of the selected candidate at each (timestamp, candidates) step (-1 = none)."""
    selector = make_selector(selector_name, **params)
    picked = []
    for t, candidates in script:
        pose = selector.select(candidates, t)
        index = next((i for i, c in enumerate(candidates) if c is pose), -1)
        picked.append(index)
    return picked


def test_patient_who_sits_up_keeps_the_lock() -> None:
    """A curl-up patient sitting up (upright) while a helper lies beside: stay with the patient."""
    patient_lying = body("hook_lying", 0.55, 0.75, 0.15)
    patient_sitting = body("kneeling", 0.55, 0.75, 0.15)  # trunk upright, same place
    helper_lying = body("supine", 0.25, 0.55, 0.1)
    script = [(t, [helper_lying, patient_lying]) for t in range(0, 500, 100)]
    script += [(t, [helper_lying, patient_sitting]) for t in range(500, 3000, 100)]
    assert set(_frames("sticky_lying", script)) == {1}


def test_helper_found_first_gives_way_to_the_lying_patient() -> None:
    """Only the kneeling helper is found at first; once the lying patient has been found
    for switch_ms without a break, follow the patient, and never go back."""
    helper = body("kneeling", 0.35, 0.6, 0.2)
    patient = body("supine", 0.55, 0.75, 0.15)
    script = [(t, [helper]) for t in range(0, 1000, 100)]
    script += [(t, [helper, patient]) for t in range(1000, 3000, 100)]
    script += [(t, [helper]) for t in range(3000, 4000, 100)]  # patient missed for 1 s
    script += [(t, [helper, patient]) for t in range(4000, 5000, 100)]
    picked = _frames("sticky_lying", script, switch_ms=500)
    at = {t: p for (t, _), p in zip(script, picked, strict=True)}
    assert all(at[t] == 0 for t in range(0, 1500, 100))  # the helper until 500 ms have passed
    assert all(at[t] == 1 for t in range(1500, 3000, 100))
    assert all(at[t] == -1 for t in range(3000, 4000, 100))  # patient gone: no pose, not the helper
    assert all(at[t] == 1 for t in range(4000, 5000, 100))


def test_a_flicker_of_a_lying_candidate_does_not_move_the_lock() -> None:
    """A lying candidate seen in bursts shorter than switch_ms does not take over."""
    helper = body("kneeling", 0.35, 0.6, 0.2)
    patient = body("supine", 0.55, 0.75, 0.15)
    script = [(t, [helper, patient] if (t // 300) % 2 else [helper]) for t in range(0, 3000, 100)]
    assert set(_frames("sticky_lying", script, switch_ms=500)) == {0}


def test_lying_patient_is_not_given_up_for_a_bigger_kneeling_helper() -> None:
    patient = body("supine", 0.55, 0.75, 0.15)
    helper = body("kneeling", 0.4, 0.6, 0.25)
    script = [(0, [patient])] + [(t, [helper, patient]) for t in range(100, 3000, 100)]
    assert _frames("sticky_lying", script) == [0] + [1] * (len(script) - 1)


@pytest.mark.parametrize(
    ("positions", "selection"),
    [
        (["hook_lying"], "sticky_lying"),
        (["prone"], "sticky_lying"),
        (["hook_lying", "supine"], "sticky_lying"),
        (["quadruped"], "sticky_floor"),
        (["hook_lying", "quadruped"], "sticky_floor"),
        (["hook_lying", "quadruped", "sitting", "standing"], DEFAULT_SELECTOR),
        (["standing"], DEFAULT_SELECTOR),
        ([], DEFAULT_SELECTOR),
    ],
)
def test_selection_for_positions(positions: list[str], selection: str) -> None:
    assert selection_for_positions(positions) == selection
    assert selection in SELECTORS


def test_every_exercise_names_a_known_selection() -> None:
    names = {selection_for_positions(s.start_positions) for s in load_all_specs().values()}
    assert names <= set(SELECTORS)
    assert "sticky_lying" in names  # the leaflet's lying exercises


def test_unknown_body_position_is_a_clear_error() -> None:
    from posecheck.errors import PosecheckError

    with pytest.raises(PosecheckError, match="choose from: lying, all_fours, upright"):
        StickyPositionSelector(positions=("sitting",))


# --- the real photo: a partner kneels beside a lying man (free-exercise-db Lying_Crossover) ---
@pytest.mark.model
@pytest.mark.media
def test_lying_crossover_start_photo_finds_the_lying_man(model_path: Path, media_dir: Path) -> None:
    """MediaPipe (full, IMAGE) finds the lying man only with detection confidence below 0.5
    (0.3-0.5 turned 90/180/270°, 0.1-0.2 upright); upright at 0.3 it finds only the kneeling
    partner, so sticky_lying has to look at the photo turned (rotation auto)."""
    import cv2

    from posecheck.pose.estimator import estimate_image

    image = cv2.imread(str(media_dir / "images/free-exercise-db/Lying_Crossover/0.jpg"))
    assert image is not None
    partner = estimate_image(image, model_path, min_pose_detection_confidence=0.3)
    patient = estimate_image(
        image, model_path, selection="sticky_lying", min_pose_detection_confidence=0.3
    )
    assert partner is not None and patient is not None
    assert body_position(partner) != "lying"
    assert body_position(patient) == "lying"
    hips = patient.landmarks[[23, 24], :2].mean(axis=0)
    shoulders = patient.landmarks[[11, 12], :2].mean(axis=0)
    assert hips[1] > 0.55 and shoulders[1] > 0.55  # on the mat, below the partner's hips (0.45)
    assert shoulders[0] - hips[0] > 0.1  # head to the right, as the man lies
    assert partner.landmarks[[23, 24], 1].mean() < 0.5
