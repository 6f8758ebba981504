"""Live-loop throughput vs bare pose estimation on the same frames, and live latency.

1. Decodes a clip into memory, then times
   - bare: ``PoseEstimator.estimate`` on every frame, one thread (VIDEO mode);
   - live loop: the app's pipeline on the same frames — capture thread → inference
     thread → main thread (engine update, cues, overlay drawing, offscreen display) —
     with lossless hand-over so every frame goes through, as fast as it can.
   Prints both fps and the ratio (goal ≥ 0.95: the extra work of the live app runs in
   parallel with inference and must not slow it down).
2. Plays the clip as if live (real time) through ``LiveSession`` and prints the
   capture→display latency (mean, p95) and the display fps.

Usage: python benchmarks/live_loop.py [--clip PATH] [--model PATH] [--exercise ID] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_CLIP = SHARED / "media" / "rendered" / "k2c_left_right.mp4"
DEFAULT_MODEL = SHARED / "models" / "pose_landmarker_full.task"


class MemorySource:
    """Pre-decoded frames as a (not live) frame source."""

    is_live = False
    dropped_frames = 0
    description = "memory"

    def __init__(self, frames: list[np.ndarray], fps: float) -> None:
        self.frames = frames
        self.fps = fps
        self.size = (frames[0].shape[1], frames[0].shape[0])
        self.i = 0

    def read(self):  # type: ignore[no-untyped-def]
        from posecheck.sources import Frame

        if self.i >= len(self.frames):
            return None
        frame = Frame(self.frames[self.i], round(self.i * 1000 / self.fps) + 1, self.i)
        self.i += 1
        return frame

    def close(self) -> None:
        pass


def decode(clip: Path, limit: int | None) -> tuple[list[np.ndarray], float]:
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    frames = []
    while limit is None or len(frames) < limit:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames, fps


def make_estimator(model: Path):  # type: ignore[no-untyped-def]
    from posecheck.pose.estimator import EstimatorOptions, PoseEstimator, RunningMode

    estimator = PoseEstimator.create_from_options(
        EstimatorOptions(model_path=model, running_mode=RunningMode.VIDEO)
    )
    estimator.estimate(np.zeros_like(FRAMES[0]), 0)  # warm-up, as the app does
    return estimator


def bare(model: Path, fps: float) -> float:
    estimator = make_estimator(model)
    t0 = time.perf_counter()
    for i, image in enumerate(FRAMES):
        estimator.estimate(image, round(i * 1000 / fps) + 1)
    elapsed = time.perf_counter() - t0
    estimator.close()
    return len(FRAMES) / elapsed


def live_loop(model: Path, fps: float, exercise: str) -> float:
    from posecheck.engine import ExerciseEngine
    from posecheck.feedback.cues import CueScheduler
    from posecheck.feedback.overlay import OverlayStatus, render_overlay
    from posecheck.live.capture import CaptureThread, InferenceThread, LatestSlot, SlotClosed
    from posecheck.live.display import OffscreenDisplay
    from posecheck.specs import load_spec

    spec = load_spec(exercise)
    engine = ExerciseEngine(spec, smoothing="one_euro")
    cues = CueScheduler(None, None, "nl")
    display = OffscreenDisplay(None)
    estimator = make_estimator(model)
    captured: LatestSlot = LatestSlot(lossless=True)
    inferred: LatestSlot = LatestSlot(lossless=True)
    source = MemorySource(FRAMES, fps)
    capture = CaptureThread(source, captured, pace_unpaced=None)  # type: ignore[arg-type]
    inference = InferenceThread(estimator.estimate, captured, inferred)
    t0 = time.perf_counter()
    capture.start()
    inference.start()
    shown = 0
    while True:
        try:
            item = inferred.get(1.0)
        except SlotClosed:
            break
        if item is None:
            continue
        for event in engine.update(item.pose, item.frame.timestamp_ms / 1000.0):
            cues.on_event(event)
        image = render_overlay(item.frame.image, item.pose, engine.state, spec, lang="nl",
                               cue=cues.shown(), status=OverlayStatus())
        display.show(image)
        shown += 1
    elapsed = time.perf_counter() - t0
    estimator.close()
    assert shown == len(FRAMES), (shown, len(FRAMES))
    return shown / elapsed


def as_live(clip: Path, model: Path, exercise: str) -> str:
    from posecheck.feedback.sounds import NullPlayer
    from posecheck.feedback.speech import NullSpeech
    from posecheck.live.app import LiveOptions, LiveSession
    from posecheck.live.display import OffscreenDisplay

    with tempfile.TemporaryDirectory() as tmp:
        options = LiveOptions(camera=str(clip), exercises=(exercise,), lang="nl",
                              model_path=model, db_path=Path(tmp) / "h.sqlite3")
        summary = LiveSession(options, speech_backend=NullSpeech(), player=NullPlayer(),
                              display=OffscreenDisplay(None)).run()
    return (
        f"{summary.latency.summary()}\n"
        f"display {summary.display_fps:.1f} fps (clip {FPS:.0f} fps), "
        f"dropped {summary.frames_dropped_source} at the source + "
        f"{summary.frames_dropped_slots} between threads of "
        f"{summary.frames_captured + summary.frames_dropped_source} frames"
    )


FRAMES: list[np.ndarray] = []
FPS = 30.0


def main() -> int:
    global FRAMES, FPS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clip", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--exercise", default="knee_to_chest")
    parser.add_argument("--frames", type=int, default=None, help="use only the first N frames")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-live", action="store_true", help="skip the real-time part")
    args = parser.parse_args()
    FRAMES, FPS = decode(args.clip, args.frames)
    print(f"clip {args.clip.name}: {len(FRAMES)} frames {FRAMES[0].shape[1]}x{FRAMES[0].shape[0]}, "
          f"model {args.model.name}")
    bare_fps, loop_fps = [], []
    for _ in range(args.repeat):  # interleaved, so load changes hit both alike
        bare_fps.append(bare(args.model, FPS))
        loop_fps.append(live_loop(args.model, FPS, args.exercise))
    b, lv = statistics.median(bare_fps), statistics.median(loop_fps)
    print(f"bare pose estimation: {b:.1f} fps (median of {args.repeat}: "
          f"{', '.join(f'{x:.1f}' for x in bare_fps)})")
    print(f"live loop (capture + inference + engine + overlay + display): {lv:.1f} fps "
          f"({', '.join(f'{x:.1f}' for x in loop_fps)})")
    print(f"ratio live/bare: {lv / b:.3f} (goal >= 0.95)")
    if not args.skip_live:
        print("as live (real time):")
        print(as_live(args.clip, args.model, args.exercise))
    return 0


if __name__ == "__main__":
    sys.exit(main())
