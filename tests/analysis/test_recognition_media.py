"""Exercise recognition on the real clips and photos of ../shared/media (poses via clip_poses)."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from posecheck.analysis.recognition import recognise
from posecheck.pose.types import Pose, PoseSequence
from posecheck.specs import load_all_specs

MUST = {
    # negatives: related exercises, bridges and standing people are not one of the five
    "videos/related/flutter_kicks_supine_side.mp4": "none",
    "videos/related/bird_dog_fitbod.mp4": "none",
    "videos/related/glute_kickbacks_quadruped_nuffield.mp4": "none",
    "videos/pelvic_tilt/glute_bridge_wanshape_side.mp4": "none",
    "videos/standing/tfjs_pose_squats.mp4": "none",
    "videos/standing/tfjs_pose_1.mp4": "none",
    # real people doing the exercises
    "videos/knee_to_chest/k2c_single_knee_fitbod_oblique_then_side.mp4": "knee_to_chest",
    "videos/curl_up/crunch_incorrect_then_correct_hkvitals_portrait.mp4": "curl_up",
    "videos/curl_up/situp_wanshape_side.mp4": "curl_up",
    # rendered, with exact ground truth
    "rendered/k2c_left_right.mp4": "knee_to_chest",
    "rendered/k2c_fault_other_leg.mp4": "knee_to_chest",
    "rendered/pelvic_tilt.mp4": "pelvic_tilt",
    "rendered/trunk_rotation.mp4": "trunk_rotation",
    "rendered/trunk_rotation_fault_shoulder.mp4": "trunk_rotation",
    "rendered/curl_up.mp4": "curl_up",
    "rendered/back_extension.mp4": "back_extension",
}
OTHER_CLIPS = {
    # harder: accepted answers (measured misses are listed in the closing report)
    "videos/back_extension/superman_fitbod_oblique_then_side.mp4": {"back_extension"},
    "videos/back_extension/prone_w_raise_fitbod.mp4": {"back_extension"},  # small arm lift
    # the pelvic-tilt measurement barely reaches the end zone on hands and knees
    "videos/pelvic_tilt/cat_cow_quadruped_side_640x360.mp4": {"pelvic_tilt"},
    "videos/pelvic_tilt/pelvic_tilt_supine_ccgi_table_side.mp4": {"pelvic_tilt"},
    "videos/knee_to_chest/double_knee_tuck_fitbod_leg_pull_in.mp4": {"knee_to_chest", "none"},
    "rendered/pelvic_tilt_fault_hips.mp4": {"pelvic_tilt"},
}
PHOTOS = {
    "One_Knee_To_Chest": {"knee_to_chest"}, "Hug_Knees_To_Chest": {"knee_to_chest"},
    "Pelvic_Tilt_Into_Bridge": {"pelvic_tilt", "none"}, "Standing_Pelvic_Tilt": {"pelvic_tilt"},
    "Cat_Stretch": {"pelvic_tilt"}, "Butt_Lift_Bridge": {"none"},
    "Knee_Across_The_Body": {"trunk_rotation"}, "Lying_Crossover": {"trunk_rotation"},
    "Crunches": {"curl_up"}, "Sit-Up": {"curl_up"}, "3_4_Sit-Up": {"curl_up"},
    "Superman": {"back_extension"}, "Lower_Back_Curl": {"back_extension"},
    "Dead_Bug": {"none"}, "Childs_Pose": {"none"},
}
# Photo pairs are replayed as a recording (start held, move, end held, back): the causal
# engine needs the start position held still before it measures from it.
MUST_PHOTOS = {
    "Butt_Lift_Bridge", "Childs_Pose", "Dead_Bug", "Hug_Knees_To_Chest", "One_Knee_To_Chest",
    "Sit-Up", "3_4_Sit-Up", "Superman",
}


@pytest.fixture(scope="module")
def specs():
    return load_all_specs()


def predicted(seq: PoseSequence, specs) -> str:
    return recognise(seq, specs).recognition.exercise if seq.has_pose.any() else "none"


@pytest.fixture(scope="module")
def photo_pairs(media_dir: Path, model_path: Path) -> dict[str, PoseSequence]:
    """Each free-exercise-db folder as a two-frame sequence (start photo, end photo)."""
    from posecheck.pose.estimator import EstimatorOptions, PoseEstimator, RunningMode

    out: dict[str, PoseSequence] = {}
    options = EstimatorOptions(model_path=model_path, running_mode=RunningMode.IMAGE)
    for name in PHOTOS:
        poses: list[Pose | None] = []
        size = (1, 1)
        for i, photo in enumerate(("0.jpg", "1.jpg")):
            image = cv2.imread(str(media_dir / "images" / "free-exercise-db" / name / photo))
            assert image is not None
            size = (image.shape[1], image.shape[0])
            with PoseEstimator.create_from_options(options) as estimator:  # photos are unrelated
                pose = estimator.estimate(image, 0)
            poses.append(None if pose is None else
                         Pose(i * 1000, size, pose.landmarks, pose.world_landmarks))
        out[name] = PoseSequence.from_poses([0, 1000], poses, size, 1.0, name)
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("clip", "expected"), sorted(MUST.items()))
def test_clip_is_recognised(clip: str, expected: str, clip_poses, specs) -> None:
    assert predicted(clip_poses(clip), specs) == expected


@pytest.mark.slow
def test_most_clips_and_photos_are_recognised(clip_poses, specs, photo_pairs) -> None:
    results = {clip: predicted(clip_poses(clip), specs) in {want} for clip, want in MUST.items()}
    results |= {clip: predicted(clip_poses(clip), specs) in ok for clip, ok in OTHER_CLIPS.items()}
    photos = {name: predicted(seq, specs) for name, seq in photo_pairs.items()}
    results |= {name: photos[name] in PHOTOS[name] for name in PHOTOS}
    assert all(photos[name] in PHOTOS[name] for name in MUST_PHOTOS), str(photos)
    share = sum(results.values()) / len(results)
    # measured 28/37 (0.757) with the committed measurements, 29/37 (0.784) with the
    # hands-and-knees pelvic tilt fix (cat-cow recognised). Misses: the W raise and the table
    # pelvic-tilt clips; Cat_Stretch, Crunches, Knee_Across_The_Body, Lower_Back_Curl,
    # Lying_Crossover and Standing_Pelvic_Tilt photos (primary barely moves, or the start
    # position is not seen)
    assert share >= 0.75, {k: v for k, v in results.items() if not v}
