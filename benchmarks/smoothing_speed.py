"""Speed of the smoothing strategies (prints figures; no pass/fail).

    /work/venv/bin/python benchmarks/smoothing_speed.py

Live: microseconds per ``PoseFilter.update`` (one pose with world landmarks),
which is spent on every camera frame next to ≈10–44 ms of pose estimation.
Recorded: milliseconds to smooth a 10-minute 30 fps sequence.
"""

from __future__ import annotations

import time

import numpy as np

from posecheck.pose.types import NUM_LANDMARKS, PoseSequence
from posecheck.smoothing import FILTERS, SMOOTHERS, make_filter, make_smoother


def synthetic_sequence(n_frames: int, fps: float = 30.0, dropout: float = 0.02) -> PoseSequence:
    rng = np.random.default_rng(0)
    t = np.arange(n_frames) / fps
    lm = np.empty((n_frames, NUM_LANDMARKS, 5), np.float32)
    lm[:, :, :3] = 0.5 + 0.1 * np.sin(t)[:, None, None] + rng.normal(0, 0.004, (n_frames, 33, 3))
    lm[:, :, 3:] = 0.9
    world = lm[:, :, :3].copy()
    lost = rng.random(n_frames) < dropout
    lm[lost] = np.nan
    world[lost] = np.nan
    return PoseSequence(np.round(t * 1000).astype(np.int64), lm, world, (640, 480), fps)


def main() -> None:
    seq = synthetic_sequence(300)
    poses = [seq.pose_at(i) for i in range(len(seq))]
    print("live filters (per frame):")
    for name in sorted(FILTERS):
        live = make_filter(name)
        start = time.perf_counter()
        for i, pose in enumerate(poses):
            live.update(pose, int(seq.timestamps_ms[i]))
        per_frame = (time.perf_counter() - start) / len(poses)
        print(f"  {name:12s} {per_frame * 1e6:8.1f} µs")
    minutes = 10
    long_seq = synthetic_sequence(int(minutes * 60 * 30))
    print(f"recorded smoothers ({minutes} min at 30 fps, {len(long_seq)} frames):")
    for name in sorted(SMOOTHERS):
        smoother = make_smoother(name)
        start = time.perf_counter()
        smoother.smooth(long_seq)
        print(f"  {name:12s} {(time.perf_counter() - start) * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
