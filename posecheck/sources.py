"""Frame sources: one interface for a webcam, a video file, a folder of images or one image.

Usage::

    with open_source("clip.mp4") as source:          # or 0 for the first webcam
        for frame in source:                          # Frame(image, timestamp_ms, index)
            ...

:func:`open_source` picks the kind of source from ``spec``:

* an ``int`` or a digit string (``0``, ``"1"``) → a webcam by index
  (:class:`CameraSource`);
* a folder → its images in natural order, ``frame2.png`` before ``frame10.png``
  (:class:`ImageFolderSource`), played at ``fps`` (default 30);
* a file with an image extension → that single image (:class:`ImageSource`);
* any other file → a video (:class:`VideoFileSource`).

Timestamps are integer milliseconds from the start of the source and always
strictly increasing, as MediaPipe's VIDEO and LIVE_STREAM modes require:

* video files: the container's presentation time of each frame
  (``CAP_PROP_POS_MSEC``), never the wall clock. When the container gives a
  missing, zero or backwards time, the frame's ``index / fps`` is used instead,
  and a time that does not increase is moved 1 ms after the previous one;
* folders and single images: ``index * 1000 / fps``;
* webcams: wall-clock (monotonic clock) milliseconds since the first frame.

``as_live=True`` plays a video file *as if it were a webcam*: frames are paced
against the wall clock (a fast consumer waits), and frames whose time has
passed while the consumer was busy are dropped, not queued, exactly as a camera
would drop them; :attr:`FrameSource.dropped_frames` counts them. Timestamps stay
the container's, so a dropped frame shows as a gap in ``timestamp_ms`` and
``index``.

``mirror=True`` flips every frame horizontally *before* pose estimation. Use it
for a camera that delivers mirrored (selfie) images, as some webcams, phone
front cameras and virtual cameras do (OpenCV's raw webcam frames normally are
*not* mirrored). After the flip the image shows the scene as seen by the camera
again, so MediaPipe's left/right are the person's own left/right; downstream code
never swaps sides.

Every failure is a :class:`~posecheck.errors.SourceError` whose message names
the file or camera and says what is wrong; a webcam that stops delivering
frames raises :class:`CameraLostError` from :meth:`FrameSource.read` (frames
already delivered are unaffected). Camera errors also carry a Dutch/English
:class:`~posecheck.i18n.Text` for the patient (:attr:`CameraError.text`).
"""

from __future__ import annotations

import math
import os
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

# FFmpeg prints decoder complaints ("moov atom not found", "Invalid NAL unit
# size") straight to stderr; we report problems as SourceError messages instead.
# Must be set before OpenCV initialises its FFmpeg backend; a user's own setting wins.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import cv2
import numpy as np

from posecheck.errors import SourceError
from posecheck.i18n import Text

IMAGE_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".jp2", ".pgm", ".ppm"}
)
"""File extensions treated as still images (case-insensitive)."""

DEFAULT_FPS = 30.0
"""Frame rate used for folders and images, and for videos/cameras that report none."""

DEFAULT_MAX_FAILED_READS = 25
"""Consecutive failed webcam reads (≈1.25 s at the default retry delay) before the camera
counts as lost."""

DEFAULT_RETRY_DELAY_S = 0.05
"""Pause between failed webcam reads."""

TRUNCATION_TOLERANCE = 0.05
"""A video that ends more than this fraction (and more than 5 frames) before the frame
count in its header counts as truncated. Container counts of intact files are off by at
most a few frames (measured: 2 of 437 and 3 of 758 on the shared clips)."""


@dataclass(frozen=True)
class Frame:
    """One frame of a source.

    Attributes:
        image: BGR ``uint8`` array ``(H, W, 3)`` (already mirrored when asked).
        timestamp_ms: milliseconds from the start of the source, strictly increasing.
        index: position of the frame in the source (0-based; dropped frames leave gaps).
    """

    image: np.ndarray
    timestamp_ms: int
    index: int


class VideoCaptureLike(Protocol):
    """The part of ``cv2.VideoCapture`` a :class:`CameraSource` uses (fakes in tests)."""

    def isOpened(self) -> bool: ...
    def read(self) -> tuple[bool, Any]: ...
    def get(self, prop_id: int) -> float: ...
    def set(self, prop_id: int, value: float) -> bool: ...
    def release(self) -> None: ...


CaptureFactory = Callable[[int], VideoCaptureLike]


class CameraError(SourceError):
    """A webcam could not be opened or gives no images.

    ``str(error)`` is English; :attr:`text` holds the Dutch and English message
    for the patient (``error.message("nl")``).
    """

    def __init__(self, text: Text, **fields: object) -> None:
        super().__init__(text.get("en", **fields))
        self.text = text
        self.fields = fields

    def message(self, lang: str) -> str:
        """The message in ``lang`` ('nl' or 'en')."""
        return self.text.get(lang, **self.fields)


class CameraLostError(CameraError):
    """A live camera stopped delivering frames (raised by :meth:`FrameSource.read`)."""


class TruncatedVideoError(SourceError):
    """A video file ends (cannot be decoded) well before the length in its header.

    Raised by :meth:`FrameSource.read` after the last decodable frame was
    delivered, so everything read so far stays valid; ``frames_read`` says how many.
    Open with ``allow_truncated=True`` to end quietly instead
    (:attr:`FrameSource.truncated` is then set).
    """

    def __init__(self, message: str, frames_read: int) -> None:
        super().__init__(message)
        self.frames_read = frames_read


_CAMERA_OPEN_FAILED = Text(
    nl="Camera {index} kan niet worden geopend. Is de camera aangesloten, niet in gebruik "
    "door een ander programma, en heeft posecheck toestemming om hem te gebruiken?",
    en="Camera {index} could not be opened. Is it connected, not in use by another program, "
    "and is posecheck allowed to use it (privacy settings)?",
)
_CAMERA_NO_IMAGES = Text(
    nl="Camera {index} is geopend maar geeft geen beeld ({reads} pogingen). Probeer een "
    "andere camera of start de computer opnieuw.",
    en="Camera {index} opened but gives no images ({reads} attempts). Try another camera "
    "or restart the computer.",
)
_CAMERA_LOST = Text(
    nl="Camera {index} geeft geen beeld meer ({reads} mislukte pogingen achter elkaar). "
    "Controleer de kabel en of een ander programma de camera gebruikt. Wat al is "
    "opgenomen, blijft bewaard.",
    en="Camera {index} stopped delivering images ({reads} failed reads in a row). Check "
    "the cable and whether another program took the camera. Everything recorded so far "
    "is kept.",
)


def natural_sort_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting ``img2`` before ``img10`` (digit runs compare as numbers)."""
    parts = re.split(r"(\d+)", name.lower())
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


class FrameSource(ABC):
    """A context manager and iterable of :class:`Frame`.

    Attributes:
        fps: nominal frame rate (container / camera value, or the ``fps`` given).
        size: ``(width, height)`` of the frames (of the first image for folders).
        frame_count: number of frames when known beforehand (the video header's
            count, which may be off by a few frames), ``None`` for cameras.
        is_live: frames arrive in real time (webcam, or a video with ``as_live``).
        description: human-readable name of the source for messages and reports.
        dropped_frames: frames skipped because the consumer was too slow (``as_live``).
        mirror: frames are flipped horizontally.
        kind: ``"camera"``, ``"video"``, ``"folder"`` or ``"image"``.
        path: the file or folder, ``None`` for cameras.
        truncated: the video ended early and ``allow_truncated`` was set.
    """

    kind: str = ""

    def __init__(self, *, description: str, mirror: bool, path: Path | None = None) -> None:
        self.description = description
        self.mirror = mirror
        self.path = path
        self.fps: float = DEFAULT_FPS
        self.size: tuple[int, int] = (0, 0)
        self.frame_count: int | None = None
        self.is_live = False
        self.dropped_frames = 0
        self.truncated = False
        self._closed = False
        self._last_ts: int | None = None

    @abstractmethod
    def _next(self) -> Frame | None:
        """The next unmirrored frame, or ``None`` at the end."""

    def _release(self) -> None:  # noqa: B027 - optional hook
        """Free resources (override when there are any)."""

    def read(self) -> Frame | None:
        """The next frame, or ``None`` at the end of the input (and after :meth:`close`)."""
        if self._closed:
            return None
        frame = self._next()
        if frame is None:
            return None
        if self.mirror:
            frame = Frame(cv2.flip(frame.image, 1), frame.timestamp_ms, frame.index)
        return frame

    def _monotonic(self, ts_ms: int) -> int:
        """``ts_ms`` moved to at least 1 ms after the previous frame's timestamp."""
        if self._last_ts is not None and ts_ms <= self._last_ts:
            ts_ms = self._last_ts + 1
        self._last_ts = ts_ms
        return ts_ms

    def close(self) -> None:
        """Release the camera or file. Safe to call more than once."""
        if not self._closed:
            self._closed = True
            self._release()

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.read()) is not None:
            yield frame

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        w, h = self.size
        return f"<{type(self).__name__} {self.description} {w}x{h} @ {self.fps:.2f} fps>"


def _check_file(path: Path, what: str) -> None:
    if not path.exists():
        raise SourceError(f"{what} '{path}' does not exist.")
    if not path.is_file():
        raise SourceError(f"{what} '{path}' is not a file.")
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as exc:
        raise SourceError(f"{what} '{path}' cannot be read: {exc.strerror or exc}.") from exc
    if size == 0:
        raise SourceError(f"{what} '{path}' is empty (0 bytes).")


def _valid_fps(value: float) -> bool:
    return math.isfinite(value) and 0.1 <= value <= 1000.0


class VideoFileSource(FrameSource):
    """Frames of a video file, timed by the container (see the module docstring).

    Args:
        path: the video file.
        mirror: flip frames horizontally.
        as_live: play in real time, dropping frames the consumer is too slow for.
        allow_truncated: end quietly (setting :attr:`truncated`) instead of raising
            :class:`TruncatedVideoError` when the file ends early.
        clock, sleep: wall clock in seconds and a sleep function (``as_live``; for tests).
    """

    kind = "video"

    def __init__(
        self,
        path: str | Path,
        *,
        mirror: bool = False,
        as_live: bool = False,
        allow_truncated: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        path = Path(path)
        super().__init__(description=str(path), mirror=mirror, path=path)
        _check_file(path, "Video")
        self.is_live = as_live
        self._allow_truncated = allow_truncated
        self._clock = clock
        self._sleep = sleep
        self._capture = cv2.VideoCapture(str(path))
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceError(
                f"Video '{path}' cannot be opened: it is not a video OpenCV can read, or it "
                "is damaged or incomplete (e.g. a partial download or a recording that was "
                "cut off)."
            )
        fps = float(self._capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if _valid_fps(fps) else DEFAULT_FPS
        count = self._capture.get(cv2.CAP_PROP_FRAME_COUNT)
        self.frame_count = int(count) if math.isfinite(count) and count > 0 else None
        self._index = -1  # index of the last grabbed frame
        self._delivered = 0
        self._ended = False
        self._end_checked = False
        self._start_wall: float | None = None
        first = self._decode_next(retrieve=True)
        if first is None:
            self._capture.release()
            raise SourceError(
                f"Video '{path}' contains no frame that can be decoded: the file is damaged, "
                "truncated, or not a video."
            )
        self._pending: Frame | None = first
        h, w = first.image.shape[:2]
        self.size = (int(w), int(h))

    def _timestamp(self, index: int) -> int:
        pos = float(self._capture.get(cv2.CAP_PROP_POS_MSEC))
        ts = round(pos) if math.isfinite(pos) and pos >= 0 else -1
        fallback = round(index * 1000.0 / self.fps)
        previous = self._last_ts
        if ts < 0 or (index > 0 and ts == 0) or (previous is not None and ts <= previous):
            ts = fallback
        return self._monotonic(ts)

    def _decode_next(self, *, retrieve: bool) -> Frame | None:
        """Grab the next frame; decode its image only when ``retrieve`` (else an empty image)."""
        if self._ended or not self._capture.grab():
            self._ended = True
            return None
        self._index += 1
        ts = self._timestamp(self._index)
        if not retrieve:
            return Frame(np.empty((0, 0, 3), np.uint8), ts, self._index)
        ok, image = self._capture.retrieve()
        if not ok or image is None:
            self._ended = True
            return None
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        return Frame(image, ts, self._index)

    def _end(self) -> None:
        if self._end_checked:
            return
        self._end_checked = True
        count = self.frame_count
        read = self._index + 1
        if count is None or count - read <= max(5, TRUNCATION_TOLERANCE * count):
            return
        self.truncated = True
        if self._allow_truncated:
            return
        raise TruncatedVideoError(
            f"Video '{self.description}' ends after {read} of {count} frames "
            f"({read / self.fps:.1f} s of {count / self.fps:.1f} s): the file is truncated "
            "or damaged.",
            frames_read=read,
        )

    def _next(self) -> Frame | None:
        if self._pending is not None:
            frame: Frame | None = self._pending
            self._pending = None
        elif self.is_live:
            frame = self._next_live()
        else:
            frame = self._decode_next(retrieve=True)
        if frame is None:
            self._end()
            return None
        if self.is_live and self._start_wall is None:
            # The wall clock starts with the first frame the consumer takes.
            self._start_wall = self._clock() - frame.timestamp_ms / 1000.0
        self._delivered += 1
        return frame

    def _next_live(self) -> Frame | None:
        """The frame a camera would show now: skip superseded frames, wait for early ones."""
        assert self._start_wall is not None
        period = 1.0 / self.fps
        while True:
            candidate = self._decode_next(retrieve=False)
            if candidate is None:
                return None
            due = self._start_wall + candidate.timestamp_ms / 1000.0
            now = self._clock()
            if now >= due + period:
                self.dropped_frames += 1  # its successor is already due: a camera drops it
                continue
            ok, image = self._capture.retrieve()
            if not ok or image is None:
                self._ended = True
                return None
            if now < due:
                self._sleep(due - now)
            if image.ndim == 2:
                image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
            return Frame(image, candidate.timestamp_ms, candidate.index)

    def _release(self) -> None:
        self._capture.release()


def _read_image(path: Path) -> np.ndarray:
    _check_file(path, "Image")
    try:
        data = np.fromfile(str(path), dtype=np.uint8)  # also works for non-ASCII paths
    except OSError as exc:
        raise SourceError(f"Image '{path}' cannot be read: {exc}.") from exc
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if image is None:
        raise SourceError(
            f"Image '{path}' cannot be decoded: it is damaged or not an image format "
            "OpenCV can read."
        )
    return image


class ImageSource(FrameSource):
    """A single still image as a one-frame source (timestamp 0)."""

    kind = "image"

    def __init__(self, path: str | Path, *, mirror: bool = False, fps: float = DEFAULT_FPS) -> None:
        path = Path(path)
        super().__init__(description=str(path), mirror=mirror, path=path)
        self._image: np.ndarray | None = _read_image(path)
        self.fps = float(fps)
        self.frame_count = 1
        h, w = self._image.shape[:2]
        self.size = (int(w), int(h))

    def _next(self) -> Frame | None:
        if self._image is None:
            return None
        image, self._image = self._image, None
        return Frame(image, 0, 0)


class ImageFolderSource(FrameSource):
    """The images of a folder in natural order, timed at ``fps`` frames per second.

    Images may differ in size; :attr:`size` is the first image's. A file that
    cannot be decoded raises :class:`SourceError` naming it when it is reached.
    """

    kind = "folder"

    def __init__(
        self, folder: str | Path, *, mirror: bool = False, fps: float = DEFAULT_FPS
    ) -> None:
        folder = Path(folder)
        super().__init__(description=str(folder), mirror=mirror, path=folder)
        if not _valid_fps(fps):
            raise SourceError(f"Frame rate for folder '{folder}' must be 0.1–1000, got {fps}.")
        try:
            entries = [p for p in folder.iterdir() if p.is_file()]
        except OSError as exc:
            raise SourceError(f"Folder '{folder}' cannot be read: {exc.strerror or exc}.") from exc
        self.files = sorted(
            (p for p in entries if p.suffix.lower() in IMAGE_EXTENSIONS),
            key=lambda p: natural_sort_key(p.name),
        )
        if not self.files:
            raise SourceError(
                f"Folder '{folder}' contains no images ({', '.join(sorted(IMAGE_EXTENSIONS))})."
            )
        self.fps = float(fps)
        self.frame_count = len(self.files)
        self._index = 0
        self._first: np.ndarray | None = _read_image(self.files[0])
        h, w = self._first.shape[:2]
        self.size = (int(w), int(h))

    def _next(self) -> Frame | None:
        if self._index >= len(self.files):
            return None
        index = self._index
        if self._first is not None:
            image, self._first = self._first, None
        else:
            image = _read_image(self.files[index])
        self._index += 1
        return Frame(image, self._monotonic(round(index * 1000.0 / self.fps)), index)


def _default_capture(index: int) -> VideoCaptureLike:
    # OpenCV logs a warning for a missing camera; the SourceError says it better.
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    try:
        return cv2.VideoCapture(index)
    finally:
        cv2.utils.logging.setLogLevel(level)


class CameraSource(FrameSource):
    """A webcam by index; timestamps are monotonic wall-clock ms since the first frame.

    Args:
        index: camera number (0 = the first camera).
        mirror: flip frames horizontally (for cameras that deliver selfie images).
        resolution: ``(width, height)`` to ask the camera for (it may pick another).
        capture_factory: builds the capture from the index; defaults to
            ``cv2.VideoCapture``. Tests pass a fake.
        max_failed_reads: consecutive failed reads after which the camera counts
            as lost (:class:`CameraLostError`) or, at opening, as giving no images.
        retry_delay_s: pause between failed reads.
        clock: monotonic clock in seconds (for tests).
    """

    kind = "camera"

    def __init__(
        self,
        index: int,
        *,
        mirror: bool = False,
        resolution: tuple[int, int] | None = None,
        capture_factory: CaptureFactory | None = None,
        max_failed_reads: int = DEFAULT_MAX_FAILED_READS,
        retry_delay_s: float = DEFAULT_RETRY_DELAY_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(description=f"camera {index}", mirror=mirror)
        self.index = index
        self.is_live = True
        self._max_failed = max(1, int(max_failed_reads))
        self._retry_delay = retry_delay_s
        self._clock = clock
        self._sleep = sleep
        factory = capture_factory or _default_capture
        try:
            capture = factory(index)
        except Exception as exc:  # any backend failure is "cannot open"
            raise CameraError(_CAMERA_OPEN_FAILED, index=index) from exc
        self._capture = capture
        if not capture.isOpened():
            capture.release()
            raise CameraError(_CAMERA_OPEN_FAILED, index=index)
        if resolution is not None:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, resolution[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, resolution[1])
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if _valid_fps(fps) else DEFAULT_FPS
        self._count = 0
        self._start: float | None = None
        image = self._grab_image()
        if image is None:
            capture.release()
            raise CameraError(_CAMERA_NO_IMAGES, index=index, reads=self._max_failed)
        self._pending: np.ndarray | None = image
        h, w = image.shape[:2]
        self.size = (int(w), int(h))

    def _grab_image(self) -> np.ndarray | None:
        for attempt in range(self._max_failed):
            try:
                ok, image = self._capture.read()
            except cv2.error:
                ok, image = False, None
            if ok and image is not None and getattr(image, "size", 0) > 0:
                if image.ndim == 2:
                    image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
                return np.asarray(image)
            if attempt + 1 < self._max_failed:
                self._sleep(self._retry_delay)
        return None

    def _next(self) -> Frame | None:
        if self._pending is not None:
            image: np.ndarray | None = self._pending
            self._pending = None
        else:
            image = self._grab_image()
            if image is None:
                raise CameraLostError(_CAMERA_LOST, index=self.index, reads=self._max_failed)
        assert image is not None
        now = self._clock()
        if self._start is None:
            self._start = now
        index = self._count
        self._count += 1
        return Frame(image, self._monotonic(round((now - self._start) * 1000.0)), index)

    def _release(self) -> None:
        self._capture.release()


def open_source(
    spec: str | int | Path,
    *,
    mirror: bool = False,
    as_live: bool = False,
    fps: float = DEFAULT_FPS,
    allow_truncated: bool = False,
    capture_factory: CaptureFactory | None = None,
    resolution: tuple[int, int] | None = None,
) -> FrameSource:
    """Open a webcam (int or digit string), a video file, a folder of images or one image.

    Args:
        spec: what to open (see the module docstring).
        mirror: flip frames horizontally before pose estimation (selfie cameras).
        as_live: play a video file in real time, dropping frames the consumer is too
            slow for (``SourceError`` for anything but a video file).
        fps: frame rate for folders and single images.
        allow_truncated: a video that ends early ends quietly instead of raising
            :class:`TruncatedVideoError`.
        capture_factory, resolution: for webcams (see :class:`CameraSource`).

    Raises:
        SourceError: with a message naming the input and the problem.
    """
    if isinstance(spec, bool):
        raise SourceError(f"Not a camera, video, folder or image: {spec!r}.")
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        index = int(spec)
        if as_live:
            raise SourceError("as_live is for video files; a camera is live already.")
        return CameraSource(
            index, mirror=mirror, capture_factory=capture_factory, resolution=resolution
        )
    path = Path(spec).expanduser()
    if not str(spec).strip():
        raise SourceError("No camera, video, folder or image given.")
    if not path.exists():
        raise SourceError(
            f"'{path}' does not exist (expected a camera number, video, folder or image)."
        )
    if path.is_dir():
        if as_live:
            raise SourceError(f"as_live needs a video file, but '{path}' is a folder.")
        return ImageFolderSource(path, mirror=mirror, fps=fps)
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        if as_live:
            raise SourceError(f"as_live needs a video file, but '{path}' is an image.")
        return ImageSource(path, mirror=mirror, fps=fps)
    return VideoFileSource(path, mirror=mirror, as_live=as_live, allow_truncated=allow_truncated)


__all__ = [
    "DEFAULT_FPS",
    "IMAGE_EXTENSIONS",
    "CameraError",
    "CameraLostError",
    "CameraSource",
    "Frame",
    "FrameSource",
    "ImageFolderSource",
    "ImageSource",
    "TruncatedVideoError",
    "VideoCaptureLike",
    "VideoFileSource",
    "natural_sort_key",
    "open_source",
]
