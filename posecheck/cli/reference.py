"""``posecheck reference record|show``: a therapist's demonstration, recorded once.

``record --exercise ID [--camera INDEX|VIDEO|LANDMARKS] --out FILE`` runs the
demonstration through the exercise engine and writes a reference file
(``posecheck.reference/1``, see ``docs/therapist.md``): landmarks, the spec's
measurement traces, the repetitions and their key postures (start, end
position, hold). ``show FILE [--out video.mp4]`` prints a summary and can
replay the demonstration as a skeleton animation.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError


def register(subparsers: Any) -> None:
    """Add the ``reference`` verb with its ``record`` and ``show`` sub-verbs."""
    from posecheck.model_store import add_model_arguments

    parser = subparsers.add_parser(
        "reference",
        help="record or show a therapist's reference demonstration",
        description=__doc__.split("\n")[0],
    )
    sub = parser.add_subparsers(dest="reference_verb", metavar="{record,show}", required=True)

    record = sub.add_parser("record", help="record a demonstration into a reference file")
    record.add_argument("--exercise", required=True, metavar="ID",
                        help="exercise id, e.g. knee_to_chest")
    record.add_argument(
        "--camera", default="0", metavar="INDEX|VIDEO",
        help="camera number (default 0), video file, image folder or landmark file "
        "(.jsonl/.csv)",
    )
    record.add_argument("--out", required=True, type=Path, metavar="FILE",
                        help="reference file to write (.json)")
    record.add_argument("--seconds", type=float, default=90.0,
                        help="longest recording from a camera (default 90; Ctrl-C stops early)")
    record.add_argument("--from", dest="start_s", type=float, default=None, metavar="S",
                        help="use the input from this second on")
    record.add_argument("--to", dest="end_s", type=float, default=None, metavar="S",
                        help="use the input up to this second")
    record.add_argument("--mirror", action="store_true",
                        help="un-mirror a selfie camera (flip frames horizontally)")
    record.add_argument("--spec", type=Path, metavar="FILE",
                        help="exercise spec file to use instead of the bundled one")
    add_model_arguments(record)
    record.set_defaults(func=run_record)

    show = sub.add_parser("show", help="print a reference's summary; replay it as a video")
    show.add_argument("file", type=Path, metavar="FILE", help="reference file (.json)")
    show.add_argument("--out", type=Path, metavar="VIDEO",
                      help="write a skeleton animation of the demonstration (.mp4)")
    show.set_defaults(func=run_show)


def _load_spec(args: argparse.Namespace) -> Any:
    from posecheck.specs import load_spec

    return load_spec(args.spec if args.spec is not None else args.exercise)


def _camera_poses(index: int, args: argparse.Namespace) -> Any:
    """Record poses from a live camera for ``--seconds`` or until Ctrl-C."""
    import time

    from posecheck.model_store import model_from_args
    from posecheck.pose.estimator import EstimatorOptions, PoseEstimator, RunningMode
    from posecheck.pose.types import Pose, PoseSequence
    from posecheck.sources import open_source

    options = EstimatorOptions(model_path=model_from_args(args).path,
                               running_mode=RunningMode.VIDEO)
    times: list[int] = []
    poses: list[Pose | None] = []
    print(f"Recording from camera {index} for up to {args.seconds:.0f} s; Ctrl-C to stop.")
    with open_source(index, mirror=args.mirror) as source, \
            PoseEstimator.create_from_options(options) as estimator:
        began = time.monotonic()
        try:
            while time.monotonic() - began < args.seconds:
                frame = source.read()
                if frame is None:
                    break
                times.append(frame.timestamp_ms)
                poses.append(estimator.estimate(frame.image, frame.timestamp_ms))
        except KeyboardInterrupt:
            print("Stopped; using what was recorded.")
        size = tuple(source.size)
        fps = float(source.fps)
    if not poses:
        raise PosecheckError(f"Camera {index} delivered no frames.")
    return PoseSequence.from_poses(times, poses, (int(size[0]), int(size[1])), fps,
                                   f"camera {index}")


def _poses(args: argparse.Namespace) -> Any:
    from posecheck.pose.io import is_landmark_file, read_landmarks

    camera = str(args.camera).strip()
    if camera.isdigit():
        return _camera_poses(int(camera), args)
    if is_landmark_file(camera):
        return read_landmarks(camera)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from posecheck.model_store import model_from_args
    from posecheck.pose.extract import extract_poses
    from posecheck.sources import open_source

    with open_source(camera, mirror=args.mirror) as source, Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), transient=True,
    ) as bar:
        model = model_from_args(args).path  # after the source: a missing file is said first
        task = bar.add_task("poses", total=source.frame_count)
        return extract_poses(
            source, model_path=model,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def _trim(seq: Any, start_s: float | None, end_s: float | None) -> Any:
    import numpy as np

    if start_s is None and end_s is None:
        return seq
    times = seq.times_s
    lo = 0 if start_s is None else int(np.searchsorted(times, start_s, side="left"))
    hi = len(times) if end_s is None else int(np.searchsorted(times, end_s, side="right"))
    if hi - lo < 2:
        raise PosecheckError(f"--from/--to leave no frames (the input lasts {times[-1]:.1f} s).")
    return seq.slice(lo, hi)


def run_record(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("GLOG_minloglevel", "2")
    from posecheck.therapist.reference import record_reference, save_reference

    if args.out.suffix.lower() != ".json":
        raise PosecheckError(f"--out '{args.out}': use a .json file name.")
    spec = _load_spec(args)
    seq = _trim(_poses(args), args.start_s, args.end_s)
    if not seq.has_pose.any():
        raise PosecheckError(f"No person was found in '{args.camera}'.")
    source = str(args.camera)
    reference = record_reference(spec, seq, source=source)
    save_reference(reference, args.out)
    print("\n".join(reference.summary_lines()))
    print(f"Reference written to {args.out}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from posecheck.therapist.reference import load_reference

    reference = load_reference(args.file)
    print("\n".join(reference.summary_lines()))
    if args.out is not None:
        from posecheck.therapist.replay import write_replay_video

        write_replay_video(reference, args.out)
        print(f"Skeleton animation written to {args.out}")
    return 0
