"""Pose estimation: a thin wrapper over MediaPipe Tasks ``PoseLandmarker``.

Usage follows the MediaPipe Tasks style::

    options = EstimatorOptions(model_path="pose_landmarker_full.task")
    with PoseEstimator.create_from_options(options) as estimator:
        pose = estimator.estimate(frame_bgr, timestamp_ms)   # Pose | None

Running modes (:class:`RunningMode`): ``IMAGE`` (independent photos),
``VIDEO`` (a recorded clip; MediaPipe tracks between frames, timestamps must
increase) and ``LIVE_STREAM`` (``estimate_async``; the pose arrives in
``result_callback(pose, timestamp_ms)`` on MediaPipe's thread, frames that
arrive while the model is busy are dropped by MediaPipe).

Every frame is searched for up to ``num_poses`` people and one of them is
chosen by the person selector named in ``selection``
(:mod:`posecheck.pose.selection`).

``rotation`` turns the frame before the model sees it so that a lying body
appears upright; landmarks, world landmarks and the mask are turned back, so
poses are always in the coordinates of the unrotated image. ``"none"``, ``90``,
``180`` or ``270`` (degrees clockwise), or ``"auto"`` (the default; it finds
lying people more often, see ``docs/floor-poses.md``): follow the body axis of
the last pose (turn when the body lies more than 60° from upright, back when
it is within 30° or the person is on hands and knees, where turning was measured
to lose the person more often), and when no pose is found, try the other orientations on
the same frame (IMAGE/VIDEO) or on the next frames (LIVE_STREAM).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2
import numpy as np

from posecheck.errors import ModelError
from posecheck.pose.selection import DEFAULT_SELECTOR, PersonSelector, make_selector
from posecheck.pose.types import LANDMARK_NAMES, Pose

ResultCallback = Callable[[Pose | None, int], None]

ROTATIONS: tuple[str, ...] = ("none", "auto", "90", "180", "270")
DEFAULT_ROTATION = "auto"

_CV2_ROTATE = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}
_AUTO_ORDER = (0, 90, 270)
_LEFT_SHOULDER, _RIGHT_SHOULDER, _LEFT_HIP, _RIGHT_HIP, _LEFT_KNEE, _RIGHT_KNEE = (
    LANDMARK_NAMES.index(n)
    for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip", "left_knee", "right_knee")
)
_KNEELING_DROP = 0.5  # knees this many trunk lengths below the hips: on hands and knees
_TURN_ABOVE_DEG = 60.0
_UNTURN_BELOW_DEG = 30.0


@contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the C++ log lines MediaPipe/LiteRT print when a graph starts or stops.

    Python exceptions are unaffected; set ``POSECHECK_MEDIAPIPE_LOG=1`` to see the lines.
    """
    if os.environ.get("POSECHECK_MEDIAPIPE_LOG"):
        yield
        return
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # e.g. pytest's captured stderr
        fd = 2
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


@contextmanager
def _no_op() -> Iterator[None]:
    yield


class RunningMode(Enum):
    """How frames arrive; mirrors MediaPipe's ``VisionTaskRunningMode``."""

    IMAGE = "IMAGE"
    VIDEO = "VIDEO"
    LIVE_STREAM = "LIVE_STREAM"


@dataclass
class EstimatorOptions:
    """Settings of a :class:`PoseEstimator` (MediaPipe option names where they exist)."""

    model_path: str | Path
    running_mode: RunningMode = RunningMode.VIDEO
    num_poses: int = 2
    min_pose_detection_confidence: float = 0.5
    min_pose_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    output_segmentation_masks: bool = False
    rotation: str | int = DEFAULT_ROTATION
    selection: str = DEFAULT_SELECTOR
    result_callback: ResultCallback | None = None


def parse_rotation(rotation: str | int) -> str:
    """Normalise a rotation setting to one of :data:`ROTATIONS`."""
    text = str(rotation).strip().lower()
    if text in ("0", "none"):
        return "none"
    if text not in ROTATIONS:
        raise ModelError(
            f"Unknown rotation '{rotation}': use one of {', '.join(ROTATIONS)} (degrees clockwise)."
        )
    return text


def rotate_image(image: np.ndarray, degrees: int) -> np.ndarray:
    """``image`` turned ``degrees`` (0, 90, 180, 270) clockwise."""
    return image if degrees == 0 else cv2.rotate(image, _CV2_ROTATE[degrees])


def unrotate_landmarks(
    landmarks: np.ndarray, degrees: int, image_size: tuple[int, int]
) -> np.ndarray:
    """Map ``(33, 5)`` landmarks found in a turned image back to the original.

    ``image_size`` is the original ``(width, height)``. ``z`` is rescaled from
    the turned image's width to the original width.
    """
    out = np.array(landmarks, dtype=np.float32, copy=True)
    if degrees == 0:
        return out
    x, y = landmarks[:, 0], landmarks[:, 1]
    w, h = image_size
    if degrees == 90:
        out[:, 0], out[:, 1] = y, 1.0 - x
    elif degrees == 270:
        out[:, 0], out[:, 1] = 1.0 - y, x
    else:
        out[:, 0], out[:, 1] = 1.0 - x, 1.0 - y
    if degrees in (90, 270):
        out[:, 2] = landmarks[:, 2] * (h / w)
    return out


def unrotate_world(world: np.ndarray, degrees: int) -> np.ndarray:
    """Map ``(33, 3)`` world landmarks (x right, y down) back to the original image axes."""
    out = np.array(world, dtype=np.float32, copy=True)
    x, y = world[:, 0], world[:, 1]
    if degrees == 90:
        out[:, 0], out[:, 1] = y, -x
    elif degrees == 270:
        out[:, 0], out[:, 1] = -y, x
    elif degrees == 180:
        out[:, 0], out[:, 1] = -x, -y
    return out


def is_on_all_fours(pose: Pose) -> bool:
    """Knees well below the hips in the image (hands-and-knees, kneeling): not lying."""
    px = pose.pixels()
    shoulders = px[[_LEFT_SHOULDER, _RIGHT_SHOULDER]].mean(axis=0)
    hips = px[[_LEFT_HIP, _RIGHT_HIP]].mean(axis=0)
    knees_y = float(px[[_LEFT_KNEE, _RIGHT_KNEE], 1].mean())
    trunk = float(np.linalg.norm(shoulders - hips))
    return trunk > 0 and knees_y - float(hips[1]) > _KNEELING_DROP * trunk


def body_tilt_deg(pose: Pose) -> tuple[float, int]:
    """Angle of the hip→shoulder axis from upright (0–180°) and the turn that makes it upright.

    The turn is 90 when the head points left in the image, 270 when it points
    right (and 180 when it points down).
    """
    px = pose.pixels()
    shoulders = px[[_LEFT_SHOULDER, _RIGHT_SHOULDER]].mean(axis=0)
    hips = px[[_LEFT_HIP, _RIGHT_HIP]].mean(axis=0)
    dx, dy = (shoulders - hips).tolist()
    tilt = float(np.degrees(np.arctan2(abs(dx), -dy)))
    if tilt > 135.0:
        return tilt, 180
    return tilt, 90 if dx < 0 else 270


class PoseEstimator:
    """Finds one person's :class:`Pose` per frame with MediaPipe ``PoseLandmarker``.

    Create with :meth:`create_from_options`; always close (use ``with``).
    """

    def __init__(self, options: EstimatorOptions) -> None:
        self.options = options
        self.rotation = parse_rotation(options.rotation)
        if options.running_mode is RunningMode.LIVE_STREAM and options.result_callback is None:
            raise ValueError("LIVE_STREAM mode needs a result_callback")
        self.selector: PersonSelector = make_selector(options.selection)
        self._landmarkers: dict[int, Any] = {}
        self._last_ts: dict[int, int] = {}
        self._current = 0 if self.rotation in ("none", "auto") else int(self.rotation)
        self._pending: dict[int, tuple[int, tuple[int, int]]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._warm: set[int] = set()
        self._landmarker(self._current)  # load now: a bad model fails here

    @classmethod
    def create_from_options(cls, options: EstimatorOptions) -> PoseEstimator:
        """A ready estimator; raises :class:`ModelError` when the model cannot be loaded."""
        return cls(options)

    # -- model ---------------------------------------------------------------
    def _landmarker(self, degrees: int) -> Any:
        if degrees in self._landmarkers:
            return self._landmarkers[degrees]
        from mediapipe.tasks.python import BaseOptions, vision

        opts = self.options
        path = Path(opts.model_path)
        if not path.is_file():
            raise ModelError(
                f"Pose model not found at '{path}'. Pass an existing .task file with "
                "--model, set POSECHECK_MODEL, or leave both out to use the cached model."
            )
        mode = vision.RunningMode[opts.running_mode.value]
        callback = None
        if opts.running_mode is RunningMode.LIVE_STREAM:

            def callback(result: Any, _image: Any, timestamp_ms: int) -> None:
                self._on_live_result(result, timestamp_ms)

        mp_options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(path)),
            running_mode=mode,
            num_poses=opts.num_poses,
            min_pose_detection_confidence=opts.min_pose_detection_confidence,
            min_pose_presence_confidence=opts.min_pose_presence_confidence,
            min_tracking_confidence=opts.min_tracking_confidence,
            output_segmentation_masks=opts.output_segmentation_masks,
            result_callback=callback,
        )
        try:
            with _quiet_native_stderr():
                landmarker = vision.PoseLandmarker.create_from_options(mp_options)
        except (RuntimeError, ValueError, OSError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelError(
                f"Cannot load the pose model '{path}': it is not a valid MediaPipe pose "
                f"landmarker bundle ({reason}). "
                "Use pose_landmarker_lite/full/heavy.task, or delete it and let posecheck "
                "download a fresh copy."
            ) from exc
        self._landmarkers[degrees] = landmarker
        self._last_ts[degrees] = -1
        return landmarker

    # -- conversion ----------------------------------------------------------
    def _poses(
        self, result: Any, degrees: int, timestamp_ms: int, size: tuple[int, int]
    ) -> list[Pose]:
        poses = []
        masks = getattr(result, "segmentation_masks", None) or []
        worlds = result.pose_world_landmarks or []
        for i, landmarks in enumerate(result.pose_landmarks or []):
            raw = Pose.from_mediapipe(
                landmarks, worlds[i] if i < len(worlds) else None, timestamp_ms, size
            )
            mask = None
            if i < len(masks):
                mask = masks[i].numpy_view()
                if mask.ndim == 3:
                    mask = mask[:, :, 0]
                if degrees:
                    mask = rotate_image(np.ascontiguousarray(mask), (360 - degrees) % 360)
            world = raw.world_landmarks
            poses.append(
                Pose(
                    timestamp_ms,
                    size,
                    unrotate_landmarks(raw.landmarks, degrees, size),
                    None if world is None else unrotate_world(world, degrees),
                    mask,
                )
            )
        return poses

    def _detect(self, image_bgr: np.ndarray, timestamp_ms: int, degrees: int) -> list[Pose]:
        import mediapipe as mp

        h, w = image_bgr.shape[:2]
        rgb = cv2.cvtColor(rotate_image(image_bgr, degrees), cv2.COLOR_BGR2RGB)
        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        landmarker = self._landmarker(degrees)
        first_call = degrees not in self._warm
        self._warm.add(degrees)
        with _quiet_native_stderr() if first_call else _no_op():
            if self.options.running_mode is RunningMode.IMAGE:
                result = landmarker.detect(mp_image)
            else:
                ts = max(int(timestamp_ms), self._last_ts[degrees] + 1)  # must increase strictly
                self._last_ts[degrees] = ts
                result = landmarker.detect_for_video(mp_image, ts)
        return self._poses(result, degrees, int(timestamp_ms), (w, h))

    def _follow_body(self, pose: Pose | None) -> None:
        """In ``auto`` rotation, keep the turn that makes the found body upright."""
        if self.rotation != "auto" or pose is None:
            return
        tilt, turn = body_tilt_deg(pose)
        kneeling = is_on_all_fours(pose)
        if self._current == 0 and tilt > _TURN_ABOVE_DEG and not kneeling:
            self._current = turn if turn != 180 else 0
        elif self._current != 0 and (tilt < _UNTURN_BELOW_DEG or kneeling):
            self._current = 0

    # -- public API ----------------------------------------------------------
    def estimate(self, image_bgr: np.ndarray, timestamp_ms: int = 0) -> Pose | None:
        """The selected person's pose in a BGR frame, or ``None`` (IMAGE and VIDEO modes)."""
        if self.options.running_mode is RunningMode.LIVE_STREAM:
            raise ValueError("LIVE_STREAM mode: use estimate_async")
        self._check_open()
        ts = int(timestamp_ms)
        pose = self.selector.select(self._detect(image_bgr, ts, self._current), ts)
        if pose is None and self.rotation == "auto":
            # the followed person is not found this way up: look in the other orientations
            for degrees in _AUTO_ORDER:
                if degrees == self._current:
                    continue
                pose = self.selector.select(self._detect(image_bgr, ts, degrees), ts)
                if pose is not None:
                    self._current = degrees
                    break
        self._follow_body(pose)
        return pose

    def estimate_async(self, image_bgr: np.ndarray, timestamp_ms: int) -> None:
        """Send a frame (LIVE_STREAM); the pose arrives in ``result_callback``."""
        if self.options.running_mode is not RunningMode.LIVE_STREAM:
            raise ValueError("estimate_async needs LIVE_STREAM mode")
        self._check_open()
        import mediapipe as mp

        h, w = image_bgr.shape[:2]
        degrees = self._current
        rgb = cv2.cvtColor(rotate_image(image_bgr, degrees), cv2.COLOR_BGR2RGB)
        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        landmarker = self._landmarker(degrees)
        ts = max(int(timestamp_ms), self._last_ts[degrees] + 1)
        self._last_ts[degrees] = ts
        with self._lock:
            self._pending[ts] = (degrees, (w, h))
        landmarker.detect_async(mp_image, ts)

    def _on_live_result(self, result: Any, timestamp_ms: int) -> None:
        with self._lock:
            degrees, size = self._pending.pop(timestamp_ms, (self._current, (1, 1)))
            for stale in [t for t in self._pending if t < timestamp_ms - 5000]:
                del self._pending[stale]
            candidates = self._poses(result, degrees, timestamp_ms, size)
            pose = self.selector.select(candidates, timestamp_ms)
            if pose is None and self.rotation == "auto":
                # search the other orientations on the next frames
                i = _AUTO_ORDER.index(self._current) if self._current in _AUTO_ORDER else 0
                self._current = _AUTO_ORDER[(i + 1) % len(_AUTO_ORDER)]
            self._follow_body(pose)
        callback = self.options.result_callback
        assert callback is not None
        callback(pose, timestamp_ms)

    def reset(self) -> None:
        """Forget the followed person (tracking inside MediaPipe continues)."""
        self.selector.reset()

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("PoseEstimator is closed")

    def close(self) -> None:
        """Release the MediaPipe graphs (always call, or use ``with``)."""
        if self._closed:
            return
        self._closed = True
        with _quiet_native_stderr():
            for landmarker in self._landmarkers.values():
                landmarker.close()
        self._landmarkers.clear()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def estimate_image(image_bgr: np.ndarray, model_path: str | Path, **options: Any) -> Pose | None:
    """One-off: the pose in a single photo (IMAGE mode)."""
    opts = EstimatorOptions(model_path=model_path, running_mode=RunningMode.IMAGE, **options)
    with PoseEstimator.create_from_options(opts) as estimator:
        return estimator.estimate(image_bgr, 0)


__all__: Sequence[str] = (
    "DEFAULT_ROTATION",
    "ROTATIONS",
    "EstimatorOptions",
    "PoseEstimator",
    "RunningMode",
    "body_tilt_deg",
    "estimate_image",
    "parse_rotation",
    "rotate_image",
    "unrotate_landmarks",
    "unrotate_world",
)
