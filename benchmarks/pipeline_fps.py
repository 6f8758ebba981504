"""Frames per second: bare MediaPipe PoseLandmarker vs posecheck's pipeline, same run.

For each model variant, on one shared clip (VIDEO mode, decoding included in both):

- *bare*: ``cv2.VideoCapture.read`` → BGR→RGB → ``mp.Image`` →
  ``PoseLandmarker.detect_for_video`` with the **same PoseLandmarker options as
  posecheck** (same model, ``num_poses=2``, confidences, VIDEO mode): nothing else;
- *posecheck*: ``open_source`` → ``PoseEstimator`` with its default options (``num_poses=2``,
  sticky person selection, rotation ``auto``, frames shrunk to ≤ 960 px) → One Euro
  smoothing.

``posecheck / bare`` is then posecheck's own overhead (source, shrinking, turning,
colour conversion, result conversion, person selection, smoothing). Goal ≥ 0.95.

For information, a third column times the bare landmarker with ``num_poses=1``: the
price of looking for a second person (with ``num_poses=2`` MediaPipe runs its person
detector on every frame in which it tracks fewer than two people, not only when
tracking is lost), which posecheck pays on purpose (:mod:`posecheck.pose.selection`),
and a fourth the posecheck pipeline with ``single_person_tracking=True`` (a 1-person
landmarker while only one person is seen, people counted every 15 frames).

The three runs alternate, ``--repeats`` times each, and the median of each is
reported, so load changes on a shared machine hit all alike; the load average is
printed before and after.

    python benchmarks/pipeline_fps.py
    python benchmarks/pipeline_fps.py --clip rendered/k2c_left_right.mp4 --variants full
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POSECHECK_SHARED", ROOT.parent / "shared"))
MEDIA = SHARED / "media"
MODELS = SHARED / "models"


def bare_fps(clip: Path, model: Path, max_frames: int, num_poses: int = 2) -> float:
    """Frames per second of plain MediaPipe on ``clip`` (posecheck's landmarker options)."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from posecheck.pose.estimator import EstimatorOptions

    defaults = EstimatorOptions(model_path=model)
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=num_poses,
        min_pose_detection_confidence=defaults.min_pose_detection_confidence,
        min_pose_presence_confidence=defaults.min_pose_presence_confidence,
        min_tracking_confidence=defaults.min_tracking_confidence,
        output_segmentation_masks=defaults.output_segmentation_masks,
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


def pipeline_fps(clip: Path, model: Path, max_frames: int, single: bool = False) -> float:
    """Frames per second of open_source + PoseEstimator (defaults) + One Euro smoothing."""
    from posecheck.pose.estimator import EstimatorOptions, PoseEstimator
    from posecheck.smoothing import make_filter
    from posecheck.sources import open_source

    smoother = make_filter("one_euro")
    options = EstimatorOptions(model_path=model, single_person_tracking=single)
    with PoseEstimator.create_from_options(options) as estimator:
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


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--clip",
        default="videos/pelvic_tilt/glute_bridge_wanshape_side.mp4",
        help="clip relative to shared/media",
    )
    parser.add_argument("--variants", nargs="+", default=["lite", "full", "heavy"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-frames", type=int, default=300)
    args = parser.parse_args(argv)
    clip = MEDIA / args.clip
    print(
        f"clip: {args.clip}, up to {args.max_frames} frames, median of {args.repeats} "
        f"alternating runs; load average {_load()}"
    )
    print("bare      = VideoCapture + BGR->RGB + PoseLandmarker (posecheck's options: num_poses=2)")
    print("posecheck = open_source + PoseEstimator (selection, rotation auto, shrink) + One Euro")
    print("1-person  = bare with num_poses=1 (information: cost of the second-person search)")
    print("pc single = posecheck with single_person_tracking=True (information)")
    print(
        f"{'variant':8} {'bare fps':>9} {'posecheck fps':>14} {'ratio':>6} "
        f"{'1-person fps':>13} {'pc single fps':>14}  runs (bare / posecheck)"
    )
    worst = float("inf")
    for variant in args.variants:
        model = MODELS / f"pose_landmarker_{variant}.task"
        bare: list[float] = []
        ours: list[float] = []
        single: list[float] = []
        tracking: list[float] = []
        for _ in range(args.repeats):
            bare.append(bare_fps(clip, model, args.max_frames))
            ours.append(pipeline_fps(clip, model, args.max_frames))
            single.append(bare_fps(clip, model, args.max_frames, num_poses=1))
            tracking.append(pipeline_fps(clip, model, args.max_frames, single=True))
        b, o, s, t = (statistics.median(x) for x in (bare, ours, single, tracking))
        ratio = o / b
        worst = min(worst, ratio)
        runs = ", ".join(f"{x:.0f}/{y:.0f}" for x, y in zip(bare, ours, strict=True))
        print(f"{variant:8} {b:9.1f} {o:14.1f} {ratio:6.2f} {s:13.1f} {t:14.1f}  {runs}",
              flush=True)
    print(f"load average after: {_load()}")
    print(f"goal: ratio >= 0.95 -> {'met' if worst >= 0.95 else 'NOT met'} (worst {worst:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
