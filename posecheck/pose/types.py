"""Backend-neutral, immutable pose types.

Coordinates follow MediaPipe's convention: ``x`` and ``y`` are normalised to
the image width and height (0..1, origin top-left, y down), ``z`` is depth
relative to the hips in roughly the scale of ``x``. World landmarks are metres
with the origin between the hips. Landmark order is MediaPipe's 33-point
BlazePose topology (:data:`LANDMARK_NAMES`).

``left``/``right`` always mean the *person's own* left and right, as
MediaPipe reports them for an unmirrored image. Mirrored (selfie) webcams are
un-mirrored by the frame source before estimation, so no swap is ever needed
downstream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np

LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

NUM_LANDMARKS = len(LANDMARK_NAMES)

Landmark = IntEnum("Landmark", {n.upper(): i for i, n in enumerate(LANDMARK_NAMES)}, start=0)  # type: ignore[misc]
"""Landmark indices by name, e.g. ``Landmark.LEFT_KNEE == 25``."""

# Columns of :attr:`Pose.landmarks`.
X, Y, Z, VISIBILITY, PRESENCE = range(5)

SKELETON_EDGES: tuple[tuple[int, int], ...] = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),  # shoulders, arms
    (11, 23), (12, 24), (23, 24),  # trunk
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31),  # left leg
    (24, 26), (26, 28), (28, 30), (30, 32), (28, 32),  # right leg
    (0, 7), (0, 8), (15, 19), (16, 20),  # head, hands
)


def _frozen(array: np.ndarray | None, dtype: Any = np.float32) -> np.ndarray | None:
    if array is None:
        return None
    out = np.array(array, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Pose:
    """One person's pose in one frame.

    Attributes:
        timestamp_ms: frame time in milliseconds from the start of the source.
        image_size: ``(width, height)`` of the image the pose was found in.
        landmarks: ``(33, 5)`` float array: x, y, z, visibility, presence.
        world_landmarks: ``(33, 3)`` metres, or ``None``.
        segmentation_mask: ``(H, W)`` float mask of the person, or ``None``.
    """

    timestamp_ms: int
    image_size: tuple[int, int]
    landmarks: np.ndarray
    world_landmarks: np.ndarray | None = None
    segmentation_mask: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        lm = _frozen(self.landmarks)
        assert lm is not None
        if lm.shape != (NUM_LANDMARKS, 5):
            raise ValueError(f"landmarks must be (33, 5), got {lm.shape}")
        object.__setattr__(self, "landmarks", lm)
        world = _frozen(self.world_landmarks)
        if world is not None and world.shape != (NUM_LANDMARKS, 3):
            raise ValueError(f"world_landmarks must be (33, 3), got {world.shape}")
        object.__setattr__(self, "world_landmarks", world)
        object.__setattr__(self, "segmentation_mask", _frozen(self.segmentation_mask))

    @classmethod
    def from_mediapipe(
        cls,
        landmarks: Any,
        world_landmarks: Any | None,
        timestamp_ms: int,
        image_size: tuple[int, int],
        segmentation_mask: np.ndarray | None = None,
    ) -> Pose:
        """Build from one person's MediaPipe Tasks ``NormalizedLandmark`` list."""
        arr = np.array(
            [
                (p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0)
                for p in landmarks
            ],
            dtype=np.float32,
        )
        world = None
        if world_landmarks is not None:
            world = np.array([(p.x, p.y, p.z) for p in world_landmarks], dtype=np.float32)
        return cls(timestamp_ms, image_size, arr, world, segmentation_mask)

    def with_landmarks(self, landmarks: np.ndarray, world: np.ndarray | None = None) -> Pose:
        """A copy with other landmark coordinates (used by filters)."""
        return Pose(
            self.timestamp_ms,
            self.image_size,
            landmarks,
            self.world_landmarks if world is None else world,
            self.segmentation_mask,
        )

    def pixels(self) -> np.ndarray:
        """``(33, 2)`` landmark positions in pixels."""
        w, h = self.image_size
        return self.landmarks[:, :2] * np.array([w, h], dtype=np.float32)

    def point(self, name: str) -> np.ndarray:
        """x, y, z, visibility, presence of the landmark called ``name``."""
        return self.landmarks[LANDMARK_NAMES.index(name)]

    def bbox(self) -> tuple[float, float, float, float]:
        """Normalised bounding box ``(x0, y0, x1, y1)`` of the landmarks."""
        xy = self.landmarks[:, :2]
        return (
            float(xy[:, 0].min()),
            float(xy[:, 1].min()),
            float(xy[:, 0].max()),
            float(xy[:, 1].max()),
        )


@dataclass(frozen=True, eq=False)
class PoseSequence:
    """Poses of a whole recording as arrays, for vectorised measurement.

    Frames without a pose hold NaN landmarks and ``has_pose == False``.

    Attributes:
        timestamps_ms: ``(T,)`` int64.
        landmarks: ``(T, 33, 5)`` float32.
        world_landmarks: ``(T, 33, 3)`` float32 (NaN where unknown).
        image_size: ``(width, height)``.
        fps: nominal frame rate of the source.
        source: where the frames came from (path or description).
    """

    timestamps_ms: np.ndarray
    landmarks: np.ndarray
    world_landmarks: np.ndarray
    image_size: tuple[int, int]
    fps: float
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.timestamps_ms)
        if self.landmarks.shape != (n, NUM_LANDMARKS, 5):
            raise ValueError(f"landmarks must be ({n}, 33, 5), got {self.landmarks.shape}")
        if self.world_landmarks.shape != (n, NUM_LANDMARKS, 3):
            raise ValueError(f"world_landmarks must be ({n}, 33, 3)")

    def __len__(self) -> int:
        return len(self.timestamps_ms)

    @property
    def has_pose(self) -> np.ndarray:
        """``(T,)`` bool: a pose was found in the frame."""
        return ~np.isnan(self.landmarks[:, 0, 0])

    @property
    def times_s(self) -> np.ndarray:
        return self.timestamps_ms.astype(np.float64) / 1000.0

    @classmethod
    def from_poses(
        cls,
        timestamps_ms: list[int],
        poses: list[Pose | None],
        image_size: tuple[int, int],
        fps: float,
        source: str = "",
    ) -> PoseSequence:
        """Stack per-frame poses (``None`` = no pose in that frame)."""
        n = len(poses)
        lm = np.full((n, NUM_LANDMARKS, 5), np.nan, dtype=np.float32)
        world = np.full((n, NUM_LANDMARKS, 3), np.nan, dtype=np.float32)
        for i, pose in enumerate(poses):
            if pose is None:
                continue
            lm[i] = pose.landmarks
            if pose.world_landmarks is not None:
                world[i] = pose.world_landmarks
        return cls(np.asarray(timestamps_ms, dtype=np.int64), lm, world, image_size, fps, source)

    def pose_at(self, i: int) -> Pose | None:
        """The pose of frame ``i`` or ``None``."""
        if np.isnan(self.landmarks[i, 0, 0]):
            return None
        world = self.world_landmarks[i]
        return Pose(
            int(self.timestamps_ms[i]),
            self.image_size,
            self.landmarks[i],
            None if np.isnan(world[0, 0]) else world,
        )

    def slice(self, start: int, stop: int) -> PoseSequence:
        """Frames ``start:stop`` as a new sequence (timestamps unchanged)."""
        return PoseSequence(
            self.timestamps_ms[start:stop],
            self.landmarks[start:stop],
            self.world_landmarks[start:stop],
            self.image_size,
            self.fps,
            self.source,
        )
