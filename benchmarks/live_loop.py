"""Live-loop throughput vs bare pose estimation on the same frames, and live latency.

1. Decodes a clip into memory, then times, alternating, ``--repeat`` times each:
   - bare: ``PoseEstimator.estimate`` (the app's estimator options, VIDEO mode) on every
     frame, one thread, nothing else;
   - live loop: the app itself (``LiveSession`` in its ``every_frame`` mode) on the same
     frames — capture thread → slot → inference thread → slot → the session's main
     loop (keys, set-up check, engine, cues, history, overlay drawing, offscreen
     display). Every frame is estimated, judged and shown (the slots wait instead of
     dropping), so the figure is the whole pipeline's throughput; the time counts from
     the camera's start to the session's end.
   Both use MediaPipe's VIDEO mode, the fastest plain way to run the model on
   these frames (LIVE_STREAM, ``detect_async`` with a result callback, was measured
   no faster: MediaPipe 1.2's Python API sends every native call through its own
   one-thread executor and converts results in Python, so either mode needs the
   GIL several times per frame). What slows the model beside the live loop is
   that GIL: the app's main thread therefore lets the inference thread start on
   the next frame before it judges and draws the last one
   (``posecheck.live.app.YIELD_TO_INFERENCE_S``; part of the app, timed here).
   Prints the medians and the ratio of frames shown per second to bare fps (goal
   ≥ 0.95: the live app's extra work runs beside inference, on the other core, and
   must not slow it down), the CPU time per frame of each (the model itself uses
   MediaPipe's threads; on a busy machine with no free core the ratio can be no
   better than bare CPU / live CPU) and the load average.
2. Plays the clip as if live (real time) through ``LiveSession`` and prints the
   capture→display latency (mean, p95) and the display fps.

Usage: python benchmarks/live_loop.py [--clip PATH] [--model PATH] [--exercise ID] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from posecheck.pose.estimator import EstimatorOptions, PoseEstimator, RunningMode
from posecheck.pose.selection import selection_for_positions
from posecheck.sources import Frame
from posecheck.specs import load_spec

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_CLIP = SHARED / "media" / "rendered" / "k2c_left_right.mp4"
DEFAULT_MODEL = SHARED / "models" / "pose_landmarker_full.task"


class MemorySource:
    """Pre-decoded frames as a (not live) frame source."""

    frame_count = None

    is_live = False
    dropped_frames = 0
    description = "memory"

    def __init__(self, frames: list[np.ndarray], fps: float) -> None:
        self.frames = frames
        self.fps = fps
        self.size = (frames[0].shape[1], frames[0].shape[0])
        self.i = 0

    def read(self) -> Frame | None:

        if self.i >= len(self.frames):
            return None
        # a new buffer per frame, as from a camera (the app draws its overlay into it)
        frame = Frame(self.frames[self.i].copy(), round(self.i * 1000 / self.fps) + 1, self.i)
        self.i += 1
        return frame

    def close(self) -> None:
        pass


def decode(clip: Path, limit: int | None) -> tuple[list[np.ndarray], float]:
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    frames: list[np.ndarray] = []
    while limit is None or len(frames) < limit:
        ok, image = capture.read()
        if not ok:
            break
        frames.append(image)
    capture.release()
    return frames, fps


def make_estimator(model: Path, exercise: str) -> PoseEstimator:
    """The live app's estimator for ``exercise``: same options, same person selection."""
    selection = selection_for_positions(load_spec(exercise).start_positions)
    estimator = PoseEstimator.create_from_options(
        EstimatorOptions(model_path=model, running_mode=RunningMode.VIDEO, selection=selection)
    )
    estimator.estimate(np.zeros_like(FRAMES[0]), 0)  # warm-up, as the app does
    return estimator


@dataclass
class Run:
    shown_fps: float
    inferred_fps: float
    cpu_ms: float
    dropped: int


def bare(model: Path, fps: float, exercise: str) -> Run:
    estimator = make_estimator(model, exercise)
    t0, c0 = time.perf_counter(), time.process_time()
    for i, image in enumerate(FRAMES):
        estimator.estimate(image, round(i * 1000 / fps) + 1)
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    estimator.close()
    n = len(FRAMES)
    return Run(n / elapsed, n / elapsed, 1000 * cpu / n, 0)


def live_loop(model: Path, fps: float, exercise: str) -> Run:
    """The app's own loop (``LiveSession`` in ``every_frame`` mode) on the in-memory frames."""
    from posecheck.feedback.sounds import NullPlayer
    from posecheck.feedback.speech import NullSpeech
    from posecheck.live.app import LiveOptions, LiveSession
    from posecheck.live.display import OffscreenDisplay
    from posecheck.live.keys import ScriptedKeys

    estimator = make_estimator(model, exercise)  # the app's options, warmed up as it does
    with tempfile.TemporaryDirectory() as tmp:
        options = LiveOptions(camera="memory", exercises=(exercise,), lang="nl",
                              db_path=Path(tmp) / "h.sqlite3", every_frame=True)
        session = LiveSession(options, speech_backend=NullSpeech(), player=NullPlayer(),
                              display=OffscreenDisplay(None), keys=ScriptedKeys([]),
                              source=MemorySource(FRAMES, fps),  # type: ignore[arg-type]
                              estimate=estimator.estimate)
        c0 = time.process_time()
        summary = session.run()
        cpu = time.process_time() - c0
    estimator.close()
    shown = summary.frames_shown
    # every estimated frame shown (but the last ones in flight when the exercise was done)
    assert shown >= summary.frames_inferred - 3, summary.report()
    return Run(shown / summary.duration_s, summary.frames_inferred / summary.duration_s,
               1000 * cpu / shown, summary.frames_dropped_slots)


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


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


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
    print(f"load average before: {_load()}")
    bare_runs, loop_runs = [], []
    for _ in range(args.repeat):  # interleaved, so load changes hit both alike
        bare_runs.append(bare(args.model, FPS, args.exercise))
        loop_runs.append(live_loop(args.model, FPS, args.exercise))
    b = statistics.median(r.shown_fps for r in bare_runs)
    lv = statistics.median(r.shown_fps for r in loop_runs)
    print(f"bare pose estimation: {b:.1f} fps, "
          f"{statistics.median(r.cpu_ms for r in bare_runs):.1f} ms CPU/frame "
          f"(median of {args.repeat}: {', '.join(f'{r.shown_fps:.1f}' for r in bare_runs)})")
    print(f"live loop (LiveSession, every frame: capture + inference + engine + cues + "
          f"history + overlay + display): {lv:.1f} fps shown "
          f"({', '.join(f'{r.shown_fps:.1f}' for r in loop_runs)}), "
          f"{statistics.median(r.cpu_ms for r in loop_runs):.1f} ms CPU/frame")
    print(f"load average after: {_load()}")
    print(f"ratio live/bare: {lv / b:.3f} (goal >= 0.95)")
    if not args.skip_live:
        print("as live (real time):")
        print(as_live(args.clip, args.model, args.exercise))
    return 0


if __name__ == "__main__":
    sys.exit(main())
