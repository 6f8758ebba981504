"""Pose types and landmark files (.jsonl / .csv)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from posecheck.errors import LandmarkFileError
from posecheck.pose.io import LandmarkWriter, is_landmark_file, read_landmarks, read_metadata
from posecheck.pose.types import Landmark, Pose, PoseSequence


def _pose(t: int, seed: int, world: bool = True) -> Pose:
    rng = np.random.default_rng(seed)
    lm = rng.uniform(0, 1, (33, 5)).astype(np.float32)
    w = rng.normal(0, 0.5, (33, 3)).astype(np.float32) if world else None
    return Pose(t, (640, 480), lm, w)


# --- types -------------------------------------------------------------------------------
def test_pose_is_immutable() -> None:
    source = np.zeros((33, 5), np.float32)
    pose = Pose(0, (640, 480), source)
    source[0, 0] = 5.0  # the caller's array is copied
    assert pose.landmarks[0, 0] == 0.0
    with pytest.raises(ValueError):
        pose.landmarks[0, 0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        pose.timestamp_ms = 5  # type: ignore[misc]


def test_pose_rejects_wrong_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(33, 5\)"):
        Pose(0, (1, 1), np.zeros((17, 5)))
    with pytest.raises(ValueError, match=r"\(33, 3\)"):
        Pose(0, (1, 1), np.zeros((33, 5)), np.zeros((33, 2)))


def test_from_mediapipe_reads_landmark_objects() -> None:
    landmarks = [
        SimpleNamespace(x=i / 33, y=0.5, z=-0.1, visibility=0.9, presence=None) for i in range(33)
    ]
    world = [SimpleNamespace(x=0.1, y=0.2, z=0.3) for _ in range(33)]
    pose = Pose.from_mediapipe(landmarks, world, 40, (640, 480))
    assert pose.landmarks[int(Landmark["LEFT_KNEE"]), 0] == pytest.approx(25 / 33)
    assert pose.landmarks[0, 4] == 0.0  # missing presence → 0
    assert pose.world_landmarks is not None
    np.testing.assert_allclose(pose.world_landmarks[5], (0.1, 0.2, 0.3), rtol=1e-6)
    assert pose.pixels()[0, 1] == pytest.approx(240.0)
    assert pose.point("left_knee")[3] == pytest.approx(0.9)


def test_sequence_marks_frames_without_pose() -> None:
    seq = PoseSequence.from_poses([0, 33, 67], [_pose(0, 1), None, _pose(67, 2)], (640, 480), 30)
    assert seq.has_pose.tolist() == [True, False, True]
    assert seq.pose_at(1) is None
    assert len(seq.slice(1, 3)) == 2


# --- files ------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_round_trip_keeps_poses_and_no_pose_frames(tmp_path: Path, suffix: str) -> None:
    poses = [_pose(0, 1), None, _pose(66, 2, world=False), None, _pose(133, 3)]
    path = tmp_path / f"poses{suffix}"
    meta = {"source": "clip.mp4", "fps": 15.0, "image_size": [640, 480], "rotation": "none"}
    with LandmarkWriter(path, meta) as writer:
        for i, pose in enumerate(poses):
            writer.write(i, i * 33, pose)
    assert is_landmark_file(path)
    assert read_metadata(path)["rotation"] == "none"
    seq = read_landmarks(path)
    assert len(seq) == 5 and seq.fps == 15.0 and seq.image_size == (640, 480)
    assert seq.source == "clip.mp4"
    assert seq.timestamps_ms.tolist() == [0, 33, 66, 99, 132]
    assert seq.has_pose.tolist() == [True, False, True, False, True]
    for i, pose in enumerate(poses):
        if pose is None:
            continue
        np.testing.assert_allclose(seq.landmarks[i], pose.landmarks, atol=1e-5)
        if pose.world_landmarks is None:
            assert np.isnan(seq.world_landmarks[i]).all()
        else:
            np.testing.assert_allclose(seq.world_landmarks[i], pose.world_landmarks, atol=1e-5)


def test_a_file_cut_off_mid_write_keeps_its_complete_records(tmp_path: Path) -> None:
    path = tmp_path / "poses.jsonl"
    writer = LandmarkWriter(path, {"fps": 30.0})
    for i in range(3):
        writer.write(i, i * 33, _pose(i * 33, i))
    # records are flushed as written: readable before close
    assert len(read_landmarks(path)) == 3
    writer.close()


@pytest.mark.parametrize(
    "suffix, content, message",
    [
        (".jsonl", "", "is empty"),
        (".jsonl", "hello\n", "not a posecheck landmark file"),
        (".csv", "frame,t_ms\n1,2\n", "not a posecheck landmark file"),
        (
            ".jsonl",
            '{"schema": "posecheck.poses/1"}\n{"frame": 0, "t_ms": 0, "landmarks": [[1, 2]]}\n',
            "line 2: landmarks must be 33 rows",
        ),
        (".jsonl", '{"schema": "posecheck.poses/1"}\n{"frame": 0}\n', "damaged"),
        (".jsonl", '{"schema": "posecheck.poses/1"}\n{"frame": 0, "t_ms": 0, "landm\n', "damaged"),
        (".csv", '# {"schema": "posecheck.poses/1"}\nframe,t_ms,pose\n', "unexpected CSV header"),
    ],
)
def test_damaged_files_give_clear_messages(
    tmp_path: Path, suffix: str, content: str, message: str
) -> None:
    path = tmp_path / f"bad{suffix}"
    path.write_text(content)
    with pytest.raises(LandmarkFileError, match=message) as info:
        read_landmarks(path)
    assert str(path) in str(info.value)


def test_damaged_csv_row(tmp_path: Path) -> None:
    path = tmp_path / "poses.csv"
    with LandmarkWriter(path, {"fps": 30.0}) as writer:
        writer.write(0, 0, _pose(0, 1))
    text = path.read_text().splitlines()
    text[-1] = text[-1][: len(text[-1]) // 2]  # row cut in half
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(LandmarkFileError, match="damaged"):
        read_landmarks(path)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(LandmarkFileError, match="Cannot read"):
        read_landmarks(tmp_path / "nope.jsonl")
    binary = tmp_path / "video.jsonl"
    binary.write_bytes(b"\x00\xff\xfe" * 50)
    with pytest.raises(LandmarkFileError):
        read_landmarks(binary)


def test_writer_refuses_other_extensions(tmp_path: Path) -> None:
    with pytest.raises(LandmarkFileError, match=r"\.jsonl or \.csv"):
        LandmarkWriter(tmp_path / "poses.txt", {})
