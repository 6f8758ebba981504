"""PoseEstimator: running modes, rotation, model errors."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.errors import ModelError
from posecheck.pose.estimator import (
    CHECK_EVERY,
    QUIET_FRAMES,
    EstimatorOptions,
    PoseEstimator,
    RunningMode,
    body_tilt_deg,
    parse_rotation,
    rotate_image,
    unrotate_landmarks,
    unrotate_world,
)
from posecheck.pose.types import Pose
from posecheck.sources import open_source

pytestmark = pytest.mark.model

PEOPLE = (
    "tfjs_pose.jpg",
    "opencv_messi5.jpg",
    "opencv_basketball1.png",
    "openpose_COCO_val2014_000000000241.jpg",
    "openpose_COCO_val2014_000000000564.jpg",
)


def _image(media_dir: Path, name: str) -> np.ndarray:
    image = cv2.imread(str(media_dir / "images" / "people" / name))
    assert image is not None
    return image


@pytest.mark.parametrize("name", PEOPLE)
def test_image_mode_finds_the_person(media_dir: Path, model_path: Path, name: str) -> None:
    image = _image(media_dir, name)
    opts = EstimatorOptions(model_path, running_mode=RunningMode.IMAGE)
    with PoseEstimator.create_from_options(opts) as estimator:
        pose = estimator.estimate(image)
    assert pose is not None
    h, w = image.shape[:2]
    assert pose.image_size == (w, h)
    assert pose.landmarks.shape == (33, 5)
    assert pose.world_landmarks is not None and pose.world_landmarks.shape == (33, 3)
    # the person is inside the picture
    x0, y0, x1, y1 = pose.bbox()
    assert -0.1 < x0 < x1 < 1.1 and -0.1 < y0 < y1 < 1.1


def test_tiny_figures_give_no_pose(media_dir: Path, model_path: Path) -> None:
    image = _image(media_dir, "openpose_COCO_val2014_000000000192.jpg")
    opts = EstimatorOptions(model_path, running_mode=RunningMode.IMAGE)
    with PoseEstimator.create_from_options(opts) as estimator:
        assert estimator.estimate(image) is None


def test_segmentation_mask_has_image_size(media_dir: Path, model_path: Path) -> None:
    image = _image(media_dir, "tfjs_pose.jpg")
    opts = EstimatorOptions(
        model_path, running_mode=RunningMode.IMAGE, output_segmentation_masks=True, rotation=90
    )
    with PoseEstimator.create_from_options(opts) as estimator:
        pose = estimator.estimate(image)
    assert pose is not None and pose.segmentation_mask is not None
    h, w = image.shape[:2]
    assert pose.segmentation_mask.shape == (h, w)
    # the mask covers the person where the landmarks are (turned back correctly)
    hip = pose.pixels()[23].astype(int)
    assert pose.segmentation_mask[hip[1], hip[0]] > 0.5


def test_video_mode_tracks_a_clip(media_dir: Path, model_path: Path) -> None:
    clip = media_dir / "videos" / "standing" / "tfjs_pose_squats.mp4"
    found = 0
    with (
        open_source(clip) as source,
        PoseEstimator.create_from_options(EstimatorOptions(model_path)) as estimator,
    ):
        for frame in source:
            pose = estimator.estimate(frame.image, frame.timestamp_ms)
            if pose is not None:
                found += 1
                assert pose.timestamp_ms == frame.timestamp_ms
    assert found >= 60  # of 65 frames


def _clip_landmarks(clip: Path, options: EstimatorOptions) -> tuple[np.ndarray, list[bool]]:
    rows, single = [], []
    with open_source(clip) as source, PoseEstimator.create_from_options(options) as estimator:
        for frame in source:
            pose = estimator.estimate(frame.image, frame.timestamp_ms)
            rows.append(pose.landmarks if pose is not None else np.full((33, 5), np.nan))
            single.append(estimator.tracking_one_person)
    return np.array(rows), single


def test_single_person_tracking_follows_the_same_person(media_dir: Path, model_path: Path) -> None:
    """One person in view: after the quiet frames a 1-person landmarker takes over
    (checks for a second person in between); the poses stay those of the default."""
    clip = media_dir / "videos" / "standing" / "tfjs_pose_1.mp4"
    default, never = _clip_landmarks(clip, EstimatorOptions(model_path, rotation="none"))
    single, mode = _clip_landmarks(
        clip, EstimatorOptions(model_path, rotation="none", single_person_tracking=True)
    )
    assert len(default) > QUIET_FRAMES + 3 * CHECK_EVERY
    assert not any(never)
    assert not any(mode[: QUIET_FRAMES - 1]) and sum(mode) > len(mode) // 2
    found_default, found_single = ~np.isnan(default[:, 0, 0]), ~np.isnan(single[:, 0, 0])
    assert found_single.mean() >= found_default.mean() - 0.02
    both = found_default & found_single
    body = slice(11, 29)  # shoulders to feet
    diff = np.abs(single[both, body, :2] - default[both, body, :2]).mean()
    assert diff < 0.02, f"landmarks differ by {diff:.3f} of the image on average"


def test_live_stream_delivers_poses_in_the_callback(media_dir: Path, model_path: Path) -> None:
    clip = media_dir / "videos" / "standing" / "tfjs_pose_1.mp4"
    delivered: list[tuple[Pose | None, int]] = []
    done = threading.Event()

    def on_result(pose: Pose | None, timestamp_ms: int) -> None:
        delivered.append((pose, timestamp_ms))
        done.set()

    sent: list[int] = []
    opts = EstimatorOptions(
        model_path, running_mode=RunningMode.LIVE_STREAM, result_callback=on_result
    )
    with open_source(clip) as source, PoseEstimator.create_from_options(opts) as estimator:
        for frame in source:
            estimator.estimate_async(frame.image, frame.timestamp_ms)
            sent.append(frame.timestamp_ms)
            time.sleep(1 / 30)  # a camera's pace; frames sent while the model is busy drop
            if frame.index >= 40:
                break
        assert done.wait(5.0)
        time.sleep(0.3)
    poses = [p for p, _ in delivered if p is not None]
    assert len(poses) >= 10
    assert all(t in sent for _, t in delivered)
    assert all(p.timestamp_ms == t for p, t in delivered if p is not None)


def test_live_stream_needs_a_callback(model_path: Path) -> None:
    with pytest.raises(ValueError, match="result_callback"):
        PoseEstimator.create_from_options(
            EstimatorOptions(model_path, running_mode=RunningMode.LIVE_STREAM)
        )


@pytest.mark.parametrize("rotation", ["90", "270", "180", "auto"])
def test_rotated_estimation_is_mapped_back(
    media_dir: Path, model_path: Path, rotation: str
) -> None:
    """Whatever the turn, landmarks come back in the unrotated image's coordinates."""
    image = _image(media_dir, "tfjs_pose.jpg")
    poses = {}
    for rot in ("none", rotation):
        opts = EstimatorOptions(model_path, running_mode=RunningMode.IMAGE, rotation=rot)
        with PoseEstimator.create_from_options(opts) as estimator:
            poses[rot] = estimator.estimate(image)
    base, turned = poses["none"], poses[rotation]
    assert base is not None and turned is not None
    assert np.abs(turned.landmarks[:, :2] - base.landmarks[:, :2]).mean() < 0.02
    assert base.world_landmarks is not None and turned.world_landmarks is not None
    assert np.abs(turned.world_landmarks - base.world_landmarks).mean() < 0.05


def test_auto_rotation_turns_a_lying_body_upright(media_dir: Path, model_path: Path) -> None:
    """The rendered curl-up clip lies head to the right: auto turns frames 270° (head up)."""
    clip = media_dir / "rendered" / "k2c_left_right.mp4"
    opts = EstimatorOptions(model_path, rotation="auto")
    with open_source(clip) as source, PoseEstimator.create_from_options(opts) as estimator:
        for frame in source:
            pose = estimator.estimate(frame.image, frame.timestamp_ms)
            assert pose is not None
            if frame.index == 10:
                break
        assert estimator._current == 270
    assert pose is not None
    tilt, turn = body_tilt_deg(pose)
    assert tilt > 60 and turn == 270


@pytest.mark.parametrize("degrees", [90, 180, 270])
def test_unrotate_inverts_rotate_image(degrees: int) -> None:
    """A marked pixel found in the turned image maps back to where it was."""
    w, h = 64, 48
    image = np.zeros((h, w, 3), np.uint8)
    image[10, 50] = 255  # x=50, y=10
    turned = rotate_image(image, degrees)
    ys, xs = np.nonzero(turned[:, :, 0])
    th, tw = turned.shape[:2]
    lm = np.zeros((33, 5), np.float32)
    lm[:, 0], lm[:, 1] = (xs[0] + 0.5) / tw, (ys[0] + 0.5) / th
    back = unrotate_landmarks(lm, degrees, (w, h))
    assert back[0, 0] * w == pytest.approx(50.5, abs=1e-3)
    assert back[0, 1] * h == pytest.approx(10.5, abs=1e-3)
    world = np.tile(np.array([[1.0, 2.0, 3.0]], np.float32), (33, 1))
    # turning the world vector with the image and back gives the original
    turned_world = {90: (-2.0, 1.0), 180: (-1.0, -2.0), 270: (2.0, -1.0)}[degrees]
    tw_arr = np.tile(np.array([[*turned_world, 3.0]], np.float32), (33, 1))
    np.testing.assert_allclose(unrotate_world(tw_arr, degrees), world)


@pytest.mark.parametrize(
    "value, expected", [("none", "none"), (0, "none"), (90, "90"), ("AUTO", "auto"), ("270", "270")]
)
def test_parse_rotation(value: object, expected: str) -> None:
    assert parse_rotation(value) == expected  # type: ignore[arg-type]


def test_parse_rotation_rejects_other_angles() -> None:
    with pytest.raises(ModelError, match="Unknown rotation '45'"):
        parse_rotation(45)


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        PoseEstimator.create_from_options(EstimatorOptions(tmp_path / "nope.task"))


def test_broken_model_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.task"
    bad.write_bytes(b"this is not a model" * 100)
    with pytest.raises(ModelError, match="Cannot load the pose model"):
        PoseEstimator.create_from_options(EstimatorOptions(bad))


def test_closed_estimator_refuses_frames(model_path: Path) -> None:
    estimator = PoseEstimator.create_from_options(EstimatorOptions(model_path))
    estimator.close()
    estimator.close()  # twice is fine
    with pytest.raises(ValueError, match="closed"):
        estimator.estimate(np.zeros((48, 64, 3), np.uint8), 0)
