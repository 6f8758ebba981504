"""Engine throughput on recorded landmarks (frames per second, one core).

Included: zero-phase smoothing, identity check, measuring context, every
measurement column (vectorised) and the per-frame state machine — everything
``analyze_sequence`` does. Excluded: pose estimation (the landmarks are given).
Input: a synthetic 30-minute session (knee to chest, 30 fps) built by repeating
a generated clip, plus the same for every other exercise.

    /work/venv/bin/python benchmarks/engine_throughput.py [--minutes 30]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from posecheck.engine import analyze_sequence
from posecheck.engine.engine import run_rows
from posecheck.engine.machine import StepMachine
from posecheck.pose.types import PoseSequence
from posecheck.specs import load_spec
from posecheck.synth import generate


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    args = parser.parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)
    print(
        f"engine throughput, {args.minutes:g}-minute sessions at 30 fps (pose estimation excluded)"
    )
    for exercise in ("knee_to_chest", "pelvic_tilt", "trunk_rotation", "curl_up", "back_extension"):
        spec = load_spec(exercise)
        seq = session(exercise, args.minutes)
        analyze_sequence(spec, seq.slice(0, 300))  # warm-up
        start = time.perf_counter()
        run = analyze_sequence(spec, seq)
        total = time.perf_counter() - start
        # the state machine alone, over the same precomputed rows
        rows = np.column_stack(
            [run.measurements[c] for c in run.measurements if c not in ("primary", "held_s")]
        )
        from posecheck.engine.columns import ColumnPlan

        plan = ColumnPlan(spec, run.near_side)
        rows = np.column_stack([run.measurements[c] for c in plan.columns])
        postures = np.full(len(seq), run.position or "hook_lying")
        views = np.full(len(seq), "side")
        machine = StepMachine(spec, plan)
        t0 = time.perf_counter()
        run_rows(machine, run.times_s, rows, postures, views)
        machine_s = time.perf_counter() - t0
        print(
            f"  {exercise:15} {len(seq):7d} frames  "
            f"full analysis {len(seq) / total:9,.0f} frames/s "
            f"({total:5.2f} s)   state machine alone {len(seq) / machine_s:9,.0f} frames/s   "
            f"reps {len(run.reps)}"
        )


if __name__ == "__main__":
    main()
