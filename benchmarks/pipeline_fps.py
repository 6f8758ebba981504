"""Frames per second: bare MediaPipe PoseLandmarker vs posecheck's pipeline, same run.

For each model variant, on one shared clip (VIDEO mode, decoding included in both):

- *bare*: ``cv2.VideoCapture`` → RGB → ``mp.Image`` → ``PoseLandmarker.detect_for_video``
  with ``num_poses=1`` (the least MediaPipe can do);
- *posecheck*: ``open_source`` → ``PoseEstimator`` (default options: ``num_poses=2`` and
  person selection, default rotation) → One Euro smoothing.

A third column runs the posecheck pipeline with ``num_poses=1`` to separate
posecheck's own overhead from the cost of looking for a second person (with
``num_poses=2`` MediaPipe runs its person detector on every frame in which it
tracks fewer than two people, instead of only when tracking is lost).

The runs alternate, ``--repeats`` times each, and the best time of each
is kept, so a busy machine penalises both alike. Goal: ratio ≥ 0.95.

    python benchmarks/pipeline_fps.py
    python benchmarks/pipeline_fps.py --clip rendered/k2c_left_right.mp4 --variants full
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POSECHECK_SHARED", ROOT.parent / "shared"))
MEDIA = SHARED / "media"
MODELS = SHARED / "models"


def bare_fps(clip: Path, model: Path, max_frames: int) -> float:
    """Frames per second of plain MediaPipe on ``clip``."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        capture = cv2.VideoCapture(str(clip))
        fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
        n = 0
        start = time.perf_counter()
        while n < max_frames:
            ok, image = capture.read()
            if not ok:
                break
            rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
            landmarker.detect_for_video(
                mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), round(n * 1000 / fps)
            )
            n += 1
        elapsed = time.perf_counter() - start
        capture.release()
    return n / elapsed


def pipeline_fps(clip: Path, model: Path, max_frames: int, num_poses: int = 2) -> float:
    """Frames per second of open_source + PoseEstimator + One Euro smoothing."""
    from posecheck.pose.estimator import EstimatorOptions, PoseEstimator
    from posecheck.smoothing import make_filter
    from posecheck.sources import open_source

    smoother = make_filter("one_euro")
    with PoseEstimator.create_from_options(
        EstimatorOptions(model_path=model, num_poses=num_poses)
    ) as estimator:
        n = 0
        start = time.perf_counter()
        with open_source(clip, allow_truncated=True) as source:
            for frame in source:
                smoother.update(
                    estimator.estimate(frame.image, frame.timestamp_ms), frame.timestamp_ms
                )
                n += 1
                if n >= max_frames:
                    break
        elapsed = time.perf_counter() - start
    return n / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--clip",
        default="videos/pelvic_tilt/glute_bridge_wanshape_side.mp4",
        help="clip relative to shared/media",
    )
    parser.add_argument("--variants", nargs="+", default=["lite", "full", "heavy"])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--max-frames", type=int, default=300)
    args = parser.parse_args(argv)
    clip = MEDIA / args.clip
    print(f"clip: {args.clip}, up to {args.max_frames} frames, best of {args.repeats}")
    print(
        f"{'variant':8} {'bare fps':>9} {'posecheck fps':>14} {'ratio':>6} "
        f"{'posecheck num_poses=1':>22} {'ratio':>6}"
    )
    worst = float("inf")
    for variant in args.variants:
        model = MODELS / f"pose_landmarker_{variant}.task"
        bare, ours, single = 0.0, 0.0, 0.0
        for _ in range(args.repeats):
            bare = max(bare, bare_fps(clip, model, args.max_frames))
            ours = max(ours, pipeline_fps(clip, model, args.max_frames))
            single = max(single, pipeline_fps(clip, model, args.max_frames, num_poses=1))
        ratio = ours / bare
        worst = min(worst, ratio)
        print(
            f"{variant:8} {bare:9.1f} {ours:14.1f} {ratio:6.2f} {single:22.1f} "
            f"{single / bare:6.2f}",
            flush=True,
        )
    print(f"goal: ratio >= 0.95 -> {'met' if worst >= 0.95 else 'NOT met'} (worst {worst:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
