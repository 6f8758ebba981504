"""Engine throughput on recorded landmarks (frames per second, one core). Goal ≥ 50,000.

Measured: ``analyze_sequence`` over a synthetic 30-minute session per exercise
(30 fps, built by repeating a generated clip with noise and 1 % dropped poses):
everything it does (zero-phase smoothing, identity check, landmark speeds,
measuring context, every measurement column, posture and view, camera-cut and
lowest-start checks, the state machine, the per-frame output table). Excluded:
pose estimation (the landmarks are given). The figure is frames / CPU seconds
of this process (fair on a loaded machine; equal to wall-clock time on an idle
core), the median of ``--repeat`` runs; wall-clock figures are printed beside.

Below each exercise, in CPU time over the whole session: the stages on their
own (smoothing; the per-frame measurements computed in blocks with
:class:`FrameMeasurements`; the state machine over precomputed rows) and the
rest of the engine's per-frame loop. Last, the engine fed frame by frame as
live (``ExerciseEngine.update``, one pose per call, measuring each frame
alone) over the first ``--live-minutes``, checked to give the same events as
the recorded analysis of those frames.

    /work/venv/bin/python benchmarks/engine_throughput.py [--minutes 30] [--repeat 3]
        [--exercises ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from posecheck.engine import ExerciseEngine, analyze_sequence
from posecheck.engine.columns import ColumnPlan, FrameMeasurements
from posecheck.engine.engine import run_rows
from posecheck.engine.machine import StepMachine
from posecheck.measure.posture import frame_views
from posecheck.pose.types import PoseSequence
from posecheck.smoothing import make_smoother
from posecheck.specs import load_spec
from posecheck.synth import generate

EXERCISES = ("knee_to_chest", "pelvic_tilt", "trunk_rotation", "curl_up", "back_extension")
GOAL = 50_000


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


def _live_events(spec_id: str, seq: PoseSequence) -> list[object]:
    """Events of feeding the smoothed poses one at a time, as a live replay does."""
    smoothed = make_smoother("butterworth").smooth(seq)
    engine = ExerciseEngine(load_spec(spec_id), smoothing="none")
    events: list[object] = []
    for i, t in enumerate(smoothed.times_s.tolist()):
        events += engine.update(smoothed.pose_at(i), t)
    events += engine.finish(float(smoothed.times_s[-1]))
    return events


def _exercise(exercise: str, minutes: float, repeat: int, live_minutes: float) -> float:
    spec = load_spec(exercise)
    seq = session(exercise, minutes)
    n = len(seq)
    analyze_sequence(spec, seq.slice(0, 300))  # warm-up
    cpus: list[float] = []
    walls: list[float] = []
    for _ in range(repeat):
        wall = time.perf_counter()
        cpu = time.process_time()
        run = analyze_sequence(spec, seq)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    cpu, wall = statistics.median(cpus), statistics.median(walls)
    print(
        f"  {exercise:15} {n:7d} frames  full analysis {n / cpu:9,.0f} frames/s "
        f"(wall {n / wall:,.0f}; runs {', '.join(f'{n / c:,.0f}' for c in cpus)}), "
        f"reps {len(run.reps)}"
    )
    # the stages, each over the whole session, with the run's final plan and context
    smoother = make_smoother("butterworth")
    smoothed = smoother.smooth(seq)
    ctx = run.context
    plan = ColumnPlan(spec, run.near_side)
    lm = smoothed.landmarks
    frames = np.flatnonzero(smoothed.has_pose).tolist()

    def measure_in_blocks() -> None:
        block = FrameMeasurements(lm, smoothed.image_size)
        for i in frames:
            block.row(i, plan, ctx)

    rows = plan.compute(lm, ctx, smoothed.times_s)
    postures = np.full(n, run.position or "hook_lying")
    views = frame_views(lm, smoothed.image_size, float(getattr(ctx, "floor_angle_deg", 0.0)))
    machine = StepMachine(spec, plan)
    stages = {
        "smoothing (Butterworth, zero-phase)": _cpu(lambda: smoother.smooth(seq)),
        "measuring in blocks (rows, views, postures)": _cpu(measure_in_blocks),
        "state machine alone (precomputed rows)": _cpu(
            lambda: run_rows(machine, smoothed.times_s, rows, postures, views)
        ),
    }
    stages["rest of the engine's per-frame loop"] = max(cpu - sum(stages.values()), 0.0)
    for name, seconds in stages.items():
        share = 100 * seconds / cpu
        print(f"      {name:45} {n / max(seconds, 1e-9):12,.0f} frames/s ({share:3.0f} %)")
    # the live path: one pose per call, each frame measured alone
    sample = seq.slice(0, min(n, int(live_minutes * 60 * seq.fps)))
    live: list[object] = []
    seconds = _cpu(lambda: live.extend(_live_events(exercise, sample)))
    same = live == analyze_sequence(spec, sample).events
    print(
        f"      {'frame by frame (update, as live), ' + f'{live_minutes:g} min':45} "
        f"{len(sample) / seconds:12,.0f} frames/s  (same events as recorded: "
        f"{'yes' if same else 'NO'})"
    )
    return n / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs per exercise (median)")
    parser.add_argument("--live-minutes", type=float, default=1.0)
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
    print(
        f"  analyze_sequence frames/s from this process's CPU time, median of {args.repeat}; "
        f"goal ≥ {GOAL:,}"
    )
    rates = [_exercise(e, args.minutes, args.repeat, args.live_minutes) for e in args.exercises]
    slowest = min(rates)
    print(
        f"  slowest exercise {slowest:,.0f} frames/s, median {statistics.median(rates):,.0f}: "
        f"goal {'met' if slowest >= GOAL else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
