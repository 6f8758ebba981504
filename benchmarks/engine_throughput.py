"""Engine throughput on recorded landmarks (frames per second, one core).

Included: everything ``analyze_sequence`` does (zero-phase smoothing, identity
check, measuring context, every measurement column, posture and view, the state
machine). Excluded: pose estimation (the landmarks are given). Input: a synthetic
30-minute session per exercise (30 fps) built by repeating a generated clip.

Below each exercise, the stages on their own over the whole session, in CPU
time of this process (meaningful on a loaded machine): smoothing, the measuring
context over all frames, the measurement columns, posture and view (all three
vectorised over the session, i.e. what the engine costs when it measures in
batches), and the state machine over precomputed rows. Last, what the engine
measures for each frame (row, view, posture) one frame per call, as it does now,
against the same measured in blocks (``FrameMeasurements``), checked identical.

    /work/venv/bin/python benchmarks/engine_throughput.py [--minutes 30] [--exercises ...]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from posecheck.engine import analyze_sequence
from posecheck.engine.columns import ColumnPlan, FrameMeasurements
from posecheck.engine.engine import run_rows
from posecheck.engine.machine import StepMachine
from posecheck.measure import classify_posture, estimate_context
from posecheck.measure.posture import frame_views
from posecheck.pose.types import PoseSequence
from posecheck.smoothing import make_smoother
from posecheck.specs import load_spec
from posecheck.synth import generate

EXERCISES = ("knee_to_chest", "pelvic_tilt", "trunk_rotation", "curl_up", "back_extension")


def session(exercise: str, minutes: float) -> PoseSequence:
    clip = generate(exercise, reps=2, hold_s=5.0, noise=0.5, dropouts=0.01, seed=7).seq
    repeats = int(np.ceil(minutes * 60 / (len(clip) / clip.fps)))
    n = len(clip) * repeats
    step_ms = 1000.0 / clip.fps
    times = (np.arange(n) * step_ms).astype(np.int64)
    return PoseSequence(
        times,
        np.tile(clip.landmarks, (repeats, 1, 1)),
        np.tile(clip.world_landmarks, (repeats, 1, 1)),
        clip.image_size,
        clip.fps,
        "benchmark",
    )


def _cpu(fn: Callable[[], object]) -> float:
    """CPU seconds of ``fn()`` (this process only: fair on a loaded machine)."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def _exercise(exercise: str, minutes: float) -> None:
    spec = load_spec(exercise)
    seq = session(exercise, minutes)
    n = len(seq)
    analyze_sequence(spec, seq.slice(0, 300))  # warm-up
    wall = time.perf_counter()
    cpu = time.process_time()
    run = analyze_sequence(spec, seq)
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    print(
        f"  {exercise:15} {n:7d} frames  full analysis {n / wall:9,.0f} frames/s "
        f"({n / cpu:,.0f} CPU), {wall:5.2f} s, reps {len(run.reps)}"
    )
    # stages, each over the whole session (CPU time)
    smoother = make_smoother("butterworth")
    smoothed = smoother.smooth(seq)
    ctx = run.context if run.context is not None else estimate_context(smoothed)
    plan = ColumnPlan(spec, getattr(ctx, "near_side", None))
    lm, size = smoothed.landmarks, smoothed.image_size
    angle = float(getattr(ctx, "floor_angle_deg", 0.0))
    views = frame_views(lm, size, angle)
    stages = {
        "smoothing (Butterworth, zero-phase)": _cpu(lambda: smoother.smooth(seq)),
        "measuring context (all frames)": _cpu(lambda: estimate_context(smoothed)),
        "measurement columns, vectorised": _cpu(lambda: plan.compute(lm, ctx, smoothed.times_s)),
        "posture + view, vectorised": _cpu(
            lambda: classify_posture(lm, size, angle, views=frame_views(lm, size, angle))
        ),
    }
    rows = plan.compute(lm, ctx, smoothed.times_s)
    postures = np.full(n, run.position or "hook_lying")
    machine = StepMachine(spec, plan)
    stages["state machine alone (precomputed rows)"] = _cpu(
        lambda: run_rows(machine, smoothed.times_s, rows, postures, views)
    )
    stages["all of the above together"] = sum(stages.values())
    for name, seconds in stages.items():
        print(f"      {name:40} {n / max(seconds, 1e-9):12,.0f} frames/s")
    # what the engine measures per frame (row, view, posture): one frame per call, as
    # ExerciseEngine does, or in blocks (FrameMeasurements); must be identical
    sample = np.flatnonzero(smoothed.has_pose)[:1000].tolist()
    frames = FrameMeasurements(lm, size)
    one: list[tuple[np.ndarray, str, str]] = []
    blocks: list[tuple[np.ndarray, str, str]] = []
    single = _cpu(lambda: one.extend(_one_frame(plan, ctx, lm[i], size) for i in sample))
    batched = _cpu(lambda: blocks.extend(frames.at(i, plan, ctx) for i in sample))
    same = all(
        np.array_equal(a[0], b[0], equal_nan=True) and a[1:] == b[1:]
        for a, b in zip(one, blocks, strict=True)
    )
    print(
        f"      {'engine measuring, one frame per call':40} {len(sample) / single:12,.0f} frames/s"
    )
    print(
        f"      {'engine measuring, in blocks':40} {len(sample) / batched:12,.0f} frames/s"
        f"  (identical: {'yes' if same else 'NO'})"
    )


def _one_frame(
    plan: ColumnPlan, ctx: object, landmarks: np.ndarray, size: tuple[int, int]
) -> tuple[np.ndarray, str, str]:
    """Row, view and posture of one frame, measured alone (as the engine measures live)."""
    lm = np.asarray(landmarks, dtype=np.float64)[None]
    angle = float(getattr(ctx, "floor_angle_deg", 0.0))
    feet = "feet" if getattr(ctx, "view", None) == "feet" else None
    row = plan.compute(lm, ctx)[0]
    view = str(frame_views(lm, size, angle)[0])
    posture = str(classify_posture(lm, size, angle, view=feet)[0])
    return row, view, posture


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument(
        "--exercises", nargs="*", default=list(EXERCISES), help="exercise ids (default: all five)"
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"engine throughput, {args.minutes:g}-minute sessions at 30 fps (pose estimation "
        f"excluded); load average {load} on {os.cpu_count()} cores"
    )
    print("  frames/s from wall-clock time (and from this process's CPU time)")
    for exercise in args.exercises:
        _exercise(exercise, args.minutes)


if __name__ == "__main__":
    main()
