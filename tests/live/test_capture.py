"""Capture/inference threads: the newest frame wins, stale frames are dropped, errors handed on."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from posecheck.i18n import Text
from posecheck.live.capture import (
    Captured,
    CaptureThread,
    InferenceThread,
    Inferred,
    LatencyStats,
    LatestSlot,
    SlotClosed,
)
from posecheck.sources import CameraLostError, Frame


def test_slot_keeps_only_the_newest_item() -> None:
    slot: LatestSlot[int] = LatestSlot()
    for i in range(5):
        slot.put(i)
    assert slot.get(0.1) == 4
    assert slot.dropped == 4
    assert slot.get(0.01) is None
    slot.close()
    with pytest.raises(SlotClosed):
        slot.get(0.01)


def test_lossless_slot_waits_for_the_consumer() -> None:
    slot: LatestSlot[int] = LatestSlot(lossless=True)
    got: list[int] = []

    def consume() -> None:
        for _ in range(5):
            time.sleep(0.01)
            item = slot.get(1.0)
            assert item is not None
            got.append(item)

    worker = threading.Thread(target=consume)
    worker.start()
    for i in range(5):
        slot.put(i)
    worker.join()
    assert got == [0, 1, 2, 3, 4] and slot.dropped == 0


class FakeCamera:
    """A live source that delivers ``n`` frames and then loses the camera."""

    fps = 30.0
    is_live = True
    description = "fake camera"
    dropped_frames = 0

    def __init__(self, n: int) -> None:
        self.n = n
        self.i = 0

    def read(self) -> Frame | None:
        if self.i >= self.n:
            raise CameraLostError(Text(nl="Camera weg", en="Camera gone"))
        self.i += 1
        time.sleep(0.005)
        image = np.full((4, 6, 3), self.i, np.uint8)
        image[:, 0] = 255  # a marker to see the mirror
        return Frame(image, self.i * 33, self.i - 1)

    def close(self) -> None:
        pass


def _drain(inferred: LatestSlot[Inferred]) -> list[Inferred]:
    """Every item the consumer gets until the pipeline closes the slot."""
    seen: list[Inferred] = []
    with pytest.raises(SlotClosed):
        while True:
            item = inferred.get(2.0)
            if item is not None:
                seen.append(item)
    return seen


def test_slow_inference_drops_stale_frames_and_camera_loss_reaches_the_consumer() -> None:
    captured: LatestSlot[Captured] = LatestSlot()
    inferred: LatestSlot[Inferred] = LatestSlot()

    def slow_estimate(image: np.ndarray, ts: int) -> None:
        time.sleep(0.03)
        return None

    capture = CaptureThread(FakeCamera(40), captured, mirror=True)  # type: ignore[arg-type]
    inference = InferenceThread(slow_estimate, captured, inferred)
    capture.start()
    inference.start()
    seen = _drain(inferred)
    assert isinstance(inferred.error, CameraLostError)
    indices = [s.frame.index for s in seen]
    assert indices == sorted(indices) and len(indices) < 40  # stale frames dropped, order kept
    assert captured.dropped > 0
    assert all(s.frame.image[0, -1, 0] == 255 for s in seen)  # mirrored by the capture thread
    assert all(s.captured_at <= time.monotonic() for s in seen)


def test_latency_stats() -> None:
    stats = LatencyStats([10.0, 20.0, 30.0, 40.0, 100.0])
    assert stats.mean_ms == 40.0
    assert stats.p95_ms == pytest.approx(88.0)
    assert "p95 88 ms" in stats.summary()
    assert LatencyStats([]).mean_ms is None


class ClipSource:
    """A non-live source of ``n`` tiny frames, each ``delay_s`` after the last."""

    fps = 30.0
    is_live = False
    description = "clip"
    dropped_frames = 0

    def __init__(self, n: int, delay_s: float) -> None:
        self.n, self.delay_s, self.i = n, delay_s, 0

    def read(self) -> Frame | None:
        if self.i >= self.n:
            return None
        time.sleep(self.delay_s)
        self.i += 1
        return Frame(np.zeros((4, 6, 3), np.uint8), self.i * 33, self.i - 1)

    def close(self) -> None:
        pass


def _run_pipeline(source_delay_s: float, inference_s: float, n: int = 12) -> list[Inferred]:
    captured: LatestSlot[Captured] = LatestSlot(lossless=True)
    inferred: LatestSlot[Inferred] = LatestSlot(lossless=True)

    def estimate(image: np.ndarray, ts: int) -> None:
        time.sleep(inference_s)
        return None

    capture = CaptureThread(ClipSource(n, source_delay_s), captured,  # type: ignore[arg-type]
                            pace_unpaced=None)
    inference = InferenceThread(estimate, captured, inferred)
    capture.start()
    inference.start()
    seen = _drain(inferred)
    capture.join(1.0)
    inference.join(1.0)
    return seen


def test_inferred_frames_say_whether_the_model_is_the_bottleneck() -> None:
    # the model slower than the camera: a newer frame always waits when one is done
    slow_model = _run_pipeline(source_delay_s=0.0, inference_s=0.01)
    assert [s.frame.index for s in slow_model] == list(range(12))
    assert all(s.next_waiting for s in slow_model[:-1])
    assert not slow_model[-1].next_waiting  # the clip is over: nothing waits
    # the camera slower than the model: the model waits for frames
    slow_camera = _run_pipeline(source_delay_s=0.05, inference_s=0.0)
    assert [s.frame.index for s in slow_camera] == list(range(12))
    assert sum(s.next_waiting for s in slow_camera) <= 2
