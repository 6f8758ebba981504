"""Capture and inference threads joined by latest-frame slots (stale frames dropped, never queued).

::

    FrameSource --CaptureThread--> LatestSlot[Captured] --InferenceThread--> LatestSlot[Inferred]
                                                                                 |
                                                          the session runner (main thread):
                                                          engine, overlay, display, keys

Each slot holds one item; a newer item replaces an unread one (counted in
``dropped``). Every item carries ``captured_at`` (monotonic seconds when the
frame came from the source) so the runner can measure capture→display latency.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import cv2
import numpy as np

from posecheck.errors import SourceError
from posecheck.pose.types import Pose
from posecheck.sources import Frame, FrameSource

log = logging.getLogger(__name__)

T = TypeVar("T")


class SlotClosed(Exception):
    """The producer finished (``reason`` says why) and the slot is empty."""


class LatestSlot(Generic[T]):
    """A one-item hand-over: ``put`` replaces an unread item; ``get`` takes it.

    ``lossless=True`` (benchmarks) makes ``put`` wait until the item was taken,
    so every frame is processed.
    """

    def __init__(self, lossless: bool = False) -> None:
        self.lossless = lossless
        self.dropped = 0
        self.delivered = 0
        self._item: T | None = None
        self._has_item = False
        self._closed = False
        self.error: BaseException | None = None
        self._cond = threading.Condition()

    def put(self, item: T) -> None:
        with self._cond:
            while self.lossless and self._has_item and not self._closed:
                self._cond.wait(0.1)
            if self._has_item:
                self.dropped += 1
            self._item = item
            self._has_item = True
            self._cond.notify_all()

    def get(self, timeout: float | None = None) -> T | None:
        """The newest item; ``None`` on timeout; :class:`SlotClosed` when finished and empty."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._has_item:
                if self._closed:
                    raise SlotClosed
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            item = self._item
            self._item = None
            self._has_item = False
            self.delivered += 1
            self._cond.notify_all()
            return item

    def close(self, error: BaseException | None = None) -> None:
        """No more items; ``error`` (e.g. ``CameraLostError``) is kept for the consumer."""
        with self._cond:
            self._closed = True
            if error is not None and self.error is None:
                self.error = error
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def waiting(self) -> bool:
        """Whether an item waits to be taken (a hint: it may be taken at any moment)."""
        return self._has_item


@dataclass(frozen=True)
class Captured:
    frame: Frame
    captured_at: float


@dataclass(frozen=True)
class Inferred:
    frame: Frame
    captured_at: float
    pose: Pose | None
    inference_ms: float
    next_waiting: bool = False
    """A newer captured frame was already waiting when this one was done: the inference
    thread went straight on to it (pose estimation is what limits the frame rate now)."""


class CaptureThread(threading.Thread):
    """Reads the source as fast as it delivers and puts each frame in ``out``.

    Sources that are not live (a folder of frames) are paced to their
    timestamps here (``pace`` × real time). ``mirror`` can be flipped while running.
    A source error (e.g. ``CameraLostError``) closes ``out`` with that error.
    """

    def __init__(
        self,
        source: FrameSource,
        out: LatestSlot[Captured],
        *,
        pace_unpaced: float | None = 1.0,
        mirror: bool = False,
    ) -> None:
        super().__init__(name="capture", daemon=True)
        self.source = source
        self.out = out
        self.pace_unpaced = pace_unpaced
        self.mirror = mirror
        self.frames = 0
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        start_wall: float | None = None
        error: BaseException | None = None
        try:
            while not self._stop_event.is_set():
                frame = self.source.read()
                if frame is None:
                    break
                if not self.source.is_live and self.pace_unpaced:
                    due = frame.timestamp_ms / 1000.0 / self.pace_unpaced
                    if start_wall is None:
                        start_wall = time.monotonic() - due
                    wait = start_wall + due - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                if self.mirror:
                    frame = Frame(cv2.flip(frame.image, 1), frame.timestamp_ms, frame.index)
                self.frames += 1
                self.out.put(Captured(frame, time.monotonic()))
        except SourceError as exc:
            error = exc
        except Exception as exc:  # never die silently: hand the error to the runner
            log.exception("capture failed")
            error = exc
        finally:
            self.out.close(error)


Estimate = Callable[[np.ndarray, int], "Pose | None"]


class InferenceThread(threading.Thread):
    """Takes the newest captured frame, estimates its pose, hands it on."""

    def __init__(
        self, estimate: Estimate, inp: LatestSlot[Captured], out: LatestSlot[Inferred]
    ) -> None:
        super().__init__(name="inference", daemon=True)
        self.estimate = estimate
        self.inp = inp
        self.out = out
        self.frames = 0
        self.total_ms = 0.0
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        error: BaseException | None = None
        try:
            while not self._stop_event.is_set():
                try:
                    item = self.inp.get(timeout=0.1)
                except SlotClosed:
                    error = self.inp.error
                    break
                if item is None:
                    continue
                t0 = time.perf_counter()
                pose = self.estimate(item.frame.image, item.frame.timestamp_ms)
                ms = (time.perf_counter() - t0) * 1000.0
                self.frames += 1
                self.total_ms += ms
                self.out.put(Inferred(item.frame, item.captured_at, pose, ms, self.inp.waiting))
        except Exception as exc:
            log.exception("pose estimation failed")
            error = exc
        finally:
            self.out.close(error)


@dataclass
class LatencyStats:
    """Capture→display latencies in milliseconds."""

    samples: list[float]

    @property
    def mean_ms(self) -> float | None:
        return float(np.mean(self.samples)) if self.samples else None

    @property
    def p95_ms(self) -> float | None:
        return float(np.percentile(self.samples, 95)) if self.samples else None

    def summary(self) -> str:
        if not self.samples:
            return "latency: no frames shown"
        return (
            f"capture→display latency: mean {self.mean_ms:.0f} ms, p95 {self.p95_ms:.0f} ms "
            f"({len(self.samples)} frames)"
        )
