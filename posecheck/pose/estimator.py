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

Frames at least twice ``max_input_side`` (960 px) are shrunk by a whole factor
(1080p → 960×540) before they are turned and converted to RGB, which makes turning
cheap; the model works at 224–256 px anyway. Smaller frames (720p and below) reach
the model as they are: shrinking the 720p kickbacks clip (a coach beside the
patient) to 960 px was measured to make MediaPipe lose her and follow the coach.

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
DEFAULT_MAX_INPUT_SIDE = 960

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
QUIET_FRAMES = 30
"""Frames with a single person before ``single_person_tracking`` tracks with one."""
CHECK_EVERY = 15
"""Frames between people counts while ``single_person_tracking`` tracks one person."""
_WARM_UP_FRAMES = 3  # the 1-person landmarker runs alongside before it takes over
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
    max_input_side: int | None = DEFAULT_MAX_INPUT_SIDE
    """Frames at least twice this size are shrunk by a whole factor (1080p → 960×540)
    before turning, colour conversion and the model (which works at 224–256 px anyway);
    ``None`` = never."""
    single_person_tracking: bool = False
    """VIDEO mode, ``num_poses`` > 1: after :data:`QUIET_FRAMES` frames with only one
    person, follow them with a 1-person landmarker (MediaPipe then skips its person
    detector: 25–35 % faster), count people with the ``num_poses`` landmarker every
    :data:`CHECK_EVERY` frames, and go back to it at once when a second person shows up
    or the followed person is lost."""


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


def model_input(image_bgr: np.ndarray, degrees: int, max_side: int | None) -> np.ndarray:
    """The RGB array the model sees: ``image_bgr`` shrunk, turned, converted.

    A frame whose longer side is at least ``2 * max_side`` is shrunk by the whole
    factor ``longer // max_side`` (whole factors are the fast, alias-free case of
    area averaging; 1080p → 960×540). Shrinking comes first, so turning and colour
    conversion touch the fewest pixels; landmarks are normalised to the image, so
    they need no rescaling afterwards.
    """
    h, w = image_bgr.shape[:2]
    factor = max(h, w) // max_side if max_side else 1
    if factor >= 2:
        size = (max(1, w // factor), max(1, h // factor))
        image_bgr = cv2.resize(image_bgr, size, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(rotate_image(image_bgr, degrees), cv2.COLOR_BGR2RGB)


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
        self._landmarkers: dict[tuple[int, int], Any] = {}
        self._last_ts: dict[tuple[int, int], int] = {}
        self._current = 0 if self.rotation in ("none", "auto") else int(self.rotation)
        self._pending: dict[int, tuple[int, tuple[int, int]]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._warm: set[tuple[int, int]] = set()
        self._single = False  # single_person_tracking: following one person with one
        self._quiet = 0  # frames in a row with at most one person
        self._since_check = 0
        self._landmarker(self._current)  # load now: a bad model fails here

    @classmethod
    def create_from_options(cls, options: EstimatorOptions) -> PoseEstimator:
        """A ready estimator; raises :class:`ModelError` when the model cannot be loaded."""
        return cls(options)

    # -- model ---------------------------------------------------------------
    def _landmarker(self, degrees: int, num_poses: int | None = None) -> Any:
        key = (degrees, num_poses or self.options.num_poses)
        if key in self._landmarkers:
            return self._landmarkers[key]
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
            num_poses=key[1],
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
        self._landmarkers[key] = landmarker
        self._last_ts[key] = -1
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
                if mask.shape[:2] != (size[1], size[0]):  # the model saw a shrunk frame
                    mask = cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR)
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

    def _detect(
        self, image_bgr: np.ndarray, timestamp_ms: int, degrees: int, num_poses: int | None = None
    ) -> list[Pose]:
        import mediapipe as mp

        h, w = image_bgr.shape[:2]
        rgb = model_input(image_bgr, degrees, self.options.max_input_side)
        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        landmarker = self._landmarker(degrees, num_poses)
        key = (degrees, num_poses or self.options.num_poses)
        first_call = key not in self._warm
        self._warm.add(key)
        with _quiet_native_stderr() if first_call else _no_op():
            if self.options.running_mode is RunningMode.IMAGE:
                result = landmarker.detect(mp_image)
            else:
                ts = max(int(timestamp_ms), self._last_ts[key] + 1)  # must increase strictly
                self._last_ts[key] = ts
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
        if self._tracks_single():
            pose = self._estimate_counting_people(image_bgr, ts)
        else:
            pose = self.selector.select(self._image_candidates(image_bgr, ts), ts)
        if pose is None and self.rotation == "auto":
            # the followed person is not found this way up: look in the other orientations
            for degrees in _AUTO_ORDER:
                if degrees == self._current:
                    continue
                pose = self.selector.select(self._detect(image_bgr, ts, degrees), ts)
                if pose is not None:
                    self._current = degrees
                    self._single, self._quiet = False, 0
                    break
        self._follow_body(pose)
        return pose

    def _image_candidates(self, image_bgr: np.ndarray, ts: int) -> list[Pose]:
        """The people in the frame; IMAGE mode with rotation ``auto``: when none of them is
        in the position the selector wants (e.g. lying), also those found turned."""
        candidates = self._detect(image_bgr, ts, self._current)
        if self.options.running_mode is not RunningMode.IMAGE or self.rotation != "auto":
            return candidates
        if not candidates or any(self.selector.is_wanted(p) for p in candidates):
            return candidates  # nobody: the other orientations are searched as before
        for degrees in _AUTO_ORDER:
            if degrees == self._current:
                continue
            turned = self._detect(image_bgr, ts, degrees)
            if any(self.selector.is_wanted(p) for p in turned):
                return turned + candidates
        return candidates

    @property
    def tracking_one_person(self) -> bool:
        """``single_person_tracking``: whether the 1-person landmarker follows the person now."""
        return self._single

    def _tracks_single(self) -> bool:
        opts = self.options
        return (
            opts.single_person_tracking
            and opts.num_poses > 1
            and opts.running_mode is RunningMode.VIDEO
        )

    def _estimate_counting_people(self, image_bgr: np.ndarray, ts: int) -> Pose | None:
        """``single_person_tracking``: one landmarker for one person, ``num_poses`` for more."""
        degrees = self._current
        if self._single:
            pose = self.selector.select(self._detect(image_bgr, ts, degrees, 1), ts)
            self._since_check += 1
            if self._since_check >= CHECK_EVERY:
                self._since_check = 0
                if len(self._detect(image_bgr, ts, degrees)) > 1:
                    self._single, self._quiet = False, 0
            if pose is None:  # lost, or somebody else: search with num_poses again
                self._single, self._quiet = False, 0
                pose = self.selector.select(self._detect(image_bgr, ts, degrees), ts)
            return pose
        candidates = self._detect(image_bgr, ts, degrees)
        pose = self.selector.select(candidates, ts)
        self._quiet = 0 if len(candidates) > 1 or pose is None else self._quiet + 1
        if self._quiet >= QUIET_FRAMES - _WARM_UP_FRAMES:  # let it lock on to the person
            self._detect(image_bgr, ts, degrees, 1)
        if self._quiet >= QUIET_FRAMES:
            self._single, self._since_check = True, 0
        return pose

    def estimate_async(self, image_bgr: np.ndarray, timestamp_ms: int) -> None:
        """Send a frame (LIVE_STREAM); the pose arrives in ``result_callback``."""
        if self.options.running_mode is not RunningMode.LIVE_STREAM:
            raise ValueError("estimate_async needs LIVE_STREAM mode")
        self._check_open()
        import mediapipe as mp

        h, w = image_bgr.shape[:2]
        degrees = self._current
        rgb = model_input(image_bgr, degrees, self.options.max_input_side)
        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        landmarker = self._landmarker(degrees)
        key = (degrees, self.options.num_poses)
        ts = max(int(timestamp_ms), self._last_ts[key] + 1)
        self._last_ts[key] = ts
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
        self._single, self._quiet = False, 0

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
    "CHECK_EVERY",
    "DEFAULT_MAX_INPUT_SIDE",
    "DEFAULT_ROTATION",
    "QUIET_FRAMES",
    "ROTATIONS",
    "EstimatorOptions",
    "PoseEstimator",
    "RunningMode",
    "body_tilt_deg",
    "estimate_image",
    "model_input",
    "parse_rotation",
    "rotate_image",
    "unrotate_landmarks",
    "unrotate_world",
)
