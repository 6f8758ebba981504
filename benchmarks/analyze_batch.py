"""Batch throughput of ``posecheck analyze`` (``--jobs 2`` vs ``--jobs 1``) and per-frame costs.

    python benchmarks/analyze_batch.py [--media ../shared/media] [--model PATH] [--clips N]
                                       [--html] [--annotate]

1. Bare pose estimation: ``extract_poses`` over each clip (ms per frame).
2. Analysis of the recorded poses alone: recognition (every spec's engine run),
   report (ms per frame).
3. The whole ``analyze`` batch (model + analysis + outputs) over the clips with
   ``--jobs 1`` and ``--jobs 2``: wall time, frames per second, speed-up (goal ≥ 1.8×).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from posecheck.analysis.batch import Job, run_batch  # noqa: E402
from posecheck.analysis.pipeline import AnalysisSettings, analyze_poses, process_input  # noqa: E402
from posecheck.analysis.report import build_report  # noqa: E402
from posecheck.analysis.result import ModelRef  # noqa: E402
from posecheck.pose.extract import extract_poses  # noqa: E402
from posecheck.specs import load_all_specs  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=Path, default=REPO.parent / "shared" / "media")
    parser.add_argument("--model", type=Path,
                        default=REPO.parent / "shared" / "models" / "pose_landmarker_full.task")
    parser.add_argument("--clips", type=int, default=4, help="number of rendered clips to use")
    parser.add_argument("--html", action="store_true", help="also write HTML pages")
    parser.add_argument("--annotate", action="store_true", help="also write annotated videos")
    args = parser.parse_args()
    clips = sorted((args.media / "rendered").glob("*.mp4"))[: args.clips]
    if not clips:
        raise SystemExit(f"no clips in {args.media / 'rendered'}")
    specs = load_all_specs()

    print(f"clips: {len(clips)} rendered (640x480, 15 fps), model {args.model.name}")
    pose_s = analysis_s = 0.0
    frames = 0
    for clip in clips:
        started = time.perf_counter()
        seq = extract_poses(clip, model_path=args.model)
        pose_s += time.perf_counter() - started
        started = time.perf_counter()
        analysis = analyze_poses(seq, exercise="auto", specs=specs)
        build_report(analysis.result)
        analysis_s += time.perf_counter() - started
        frames += len(seq)
    print(f"frames: {frames}")
    print(f"bare pose estimation (decode + model): {1000 * pose_s / frames:6.2f} ms/frame")
    print(f"analysis of the poses (recognition over {len(specs)} specs + engine + report): "
          f"{1000 * analysis_s / frames:6.2f} ms/frame "
          f"({100 * analysis_s / pose_s:.0f}% of pose estimation)")

    walls: dict[int, float] = {}
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            settings = AnalysisSettings(
                exercise="auto", lang="en", model_path=str(args.model),
                model=ModelRef("full", ""), out_dir=Path(tmp), html=args.html,
                annotate=args.annotate,
            )
            batch = [Job(i, clip, clip.stem) for i, clip in enumerate(clips)]
            started = time.perf_counter()
            outcomes = run_batch(batch, partial(process_input, settings=settings), jobs=jobs)
            walls[jobs] = time.perf_counter() - started
            failed = [o for o in outcomes if not o.ok]
            if failed:
                raise SystemExit(f"failures: {[(o.source, o.error) for o in failed]}")
        print(f"analyze --jobs {jobs}: {walls[jobs]:6.1f} s wall, "
              f"{frames / walls[jobs]:6.1f} frames/s, "
              f"{1000 * walls[jobs] / frames:6.2f} ms/frame end to end")
    print(f"speed-up --jobs 2 vs --jobs 1: {walls[1] / walls[2]:.2f}x (goal >= 1.8x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
