"""Camera set-up check: passes on good clips, names the problem otherwise."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.live.setup_check import SetupCheck, brightness, frame_problem
from posecheck.pose.types import Pose, PoseSequence

RENDERED = "rendered/k2c_left_right.mp4"


def _frame(media_dir: Path, relative: str, index: int = 0) -> np.ndarray:
    capture = cv2.VideoCapture(str(media_dir / relative))
    capture.set(cv2.CAP_PROP_POS_FRAMES, index)
    ok, image = capture.read()
    capture.release()
    assert ok
    return image


def _shifted(pose: Pose, dx: float = 0.0, scale: float = 1.0) -> Pose:
    lm = pose.landmarks.copy()
    center = np.nanmean(lm[:, :2], axis=0)
    lm[:, :2] = (lm[:, :2] - center) * scale + center + np.array([dx, 0.0])
    return pose.with_landmarks(lm)


@pytest.mark.parametrize(
    "clip",
    [RENDERED, "rendered/pelvic_tilt.mp4", "rendered/back_extension.mp4", "rendered/curl_up.mp4"],
)
def test_good_rendered_clips_pass_within_a_second(
    clip: str, clip_poses: Callable[[str], PoseSequence], media_dir: Path
) -> None:
    seq = clip_poses(clip)
    image = _frame(media_dir, clip)
    check = SetupCheck(("side", "oblique"))
    passed_at = None
    for i in range(len(seq)):
        result = check.update(image, seq.pose_at(i), float(seq.times_s[i]))
        if result.passed:
            passed_at = float(seq.times_s[i])
            break
    assert passed_at is not None and passed_at <= 1.0


def test_problems_are_named(clip_poses: Callable[[str], PoseSequence], media_dir: Path) -> None:
    pose = clip_poses(RENDERED).pose_at(0)
    assert pose is not None
    image = _frame(media_dir, RENDERED)
    views = ("side", "oblique")

    def code(img: np.ndarray, p: Pose | None) -> str | None:
        problem, _, _ = frame_problem(img, p, views)
        return problem.code if problem else None

    assert code(image, pose) is None
    assert code((image * 0.1).astype(np.uint8), pose) == "too_dark"
    assert code(image, None) == "no_person"
    assert code(image, _shifted(pose, dx=0.45)) == "not_whole_body"
    assert code(image, _shifted(pose, scale=0.3)) == "too_far"
    assert code(image, _shifted(pose, scale=2.7)) in ("too_close", "not_whole_body")
    problem, _, _ = frame_problem(image, _shifted(pose, dx=0.45), views)
    assert problem is not None
    assert problem.message("nl") == "Ik zie niet je hele lichaam. Zet de laptop verder weg."
    assert problem.message("en").endswith("Move the laptop further away.")


def test_standing_front_view_asks_to_turn_the_camera_to_the_side(
    clip_poses: Callable[[str], PoseSequence], media_dir: Path
) -> None:
    clip = "videos/standing/tfjs_pose_squats.mp4"
    seq = clip_poses(clip)
    image = _frame(media_dir, clip)
    check = SetupCheck(("side",))
    results = [check.update(image, seq.pose_at(i), float(seq.times_s[i])) for i in range(20)]
    assert not check.passed
    codes = {r.problem.code for r in results if r.problem}
    assert "wrong_view" in codes
    wrong = next(r.problem for r in results if r.problem and r.problem.code == "wrong_view")
    assert wrong.message("en") == "Turn the camera to your side: I need to see you from the side."


def test_a_view_other_than_the_side_is_asked_for_in_each_language(
    clip_poses: Callable[[str], PoseSequence], media_dir: Path
) -> None:
    clip = "videos/standing/tfjs_pose_squats.mp4"
    seq = clip_poses(clip)
    image = _frame(media_dir, clip)
    check = SetupCheck(("feet",))
    results = [check.update(image, seq.pose_at(i), float(seq.times_s[i])) for i in range(20)]
    wrong = next(r.problem for r in results if r.problem and r.problem.code == "wrong_view")
    assert wrong.message("nl") == "Zet de camera zo dat ik je van het voeteneinde zie."
    assert wrong.message("en") == "Place the camera so that I see you from the feet end."


def test_brightness_of_black_and_white() -> None:
    assert brightness(np.zeros((48, 64, 3), np.uint8)) == 0.0
    assert brightness(np.full((48, 64, 3), 255, np.uint8)) == 255.0
