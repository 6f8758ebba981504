"""``posecheck poses VIDEO --out poses.jsonl``: the pose of every frame, written to a file.

One record per frame (timestamp, landmarks, world landmarks, or "no pose")
in JSON Lines or CSV (:mod:`posecheck.pose.io`); ``--annotate out.mp4`` also
writes the video with the skeleton drawn on it. Records are flushed frame by
frame, so a video that turns out to be damaged halfway keeps everything
written before the damage.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError

# smoothing names: causal filters are applied while streaming, zero-phase
# smoothers after the whole video has been read
_STREAMED = ("none", "one_euro")
_WHOLE_SEQUENCE = ("butterworth",)


def register(subparsers: Any) -> None:
    """Add the ``poses`` verb."""
    from posecheck.model_store import add_model_arguments
    from posecheck.pose.estimator import DEFAULT_ROTATION, ROTATIONS
    from posecheck.pose.selection import DEFAULT_SELECTOR, SELECTORS

    parser = subparsers.add_parser(
        "poses",
        help="write the pose of every video frame to a .jsonl/.csv file",
        description=__doc__.split("\n")[0],
    )
    parser.add_argument("video", metavar="VIDEO", help="video file, folder of images or image")
    parser.add_argument(
        "--out",
        action="append",
        required=True,
        type=Path,
        metavar="FILE",
        help="landmark file (.jsonl or .csv); repeat to write both",
    )
    parser.add_argument(
        "--annotate", type=Path, metavar="OUT.mp4", help="also write the video with the skeleton"
    )
    parser.add_argument(
        "--smooth",
        default="none",
        choices=_STREAMED + _WHOLE_SEQUENCE,
        help="smoothing of the written poses: none (raw, default), one_euro (causal, as live) "
        "or butterworth (zero-phase, applied after the whole video is read)",
    )
    parser.add_argument(
        "--rotation",
        default=DEFAULT_ROTATION,
        choices=ROTATIONS,
        help="turn frames before estimation (degrees clockwise, or auto for lying bodies)",
    )
    parser.add_argument(
        "--selection",
        default=DEFAULT_SELECTOR,
        choices=sorted(SELECTORS),
        help="which person to follow when several are in view",
    )
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def _check_outputs(outs: list[Path], annotate: Path | None) -> None:
    from posecheck.pose.io import LANDMARK_FILE_SUFFIXES

    for out in outs:
        if out.suffix.lower() not in LANDMARK_FILE_SUFFIXES:
            raise PosecheckError(f"--out '{out}': use a .jsonl or .csv file name.")
    if annotate is not None and annotate.suffix.lower() not in (".mp4", ".avi", ".mov", ".mkv"):
        raise PosecheckError(f"--annotate '{annotate}': use an .mp4 (or .avi/.mov/.mkv) file name.")


class _AnnotatedVideo:
    """Writes frames with the skeleton drawn on them."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        import cv2

        path.parent.mkdir(parents=True, exist_ok=True)
        fourcc = cv2.VideoWriter.fourcc(*("mp4v" if path.suffix.lower() != ".avi" else "MJPG"))
        self.path = path
        self._writer = cv2.VideoWriter(str(path), fourcc, fps, size)
        if not self._writer.isOpened():
            raise PosecheckError(f"Cannot write the annotated video '{path}'.")

    def write(self, image: Any, pose: Any) -> None:
        from posecheck.feedback.skeleton import draw_skeleton

        canvas = image.copy()
        if pose is not None:
            draw_skeleton(canvas, pose)
        self._writer.write(canvas)

    def close(self) -> None:
        self._writer.release()


def run(args: argparse.Namespace) -> int:
    """Extract, write and optionally annotate; returns the exit code."""
    import os

    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's C++ log chatter
    from contextlib import ExitStack

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from posecheck.model_store import model_from_args
    from posecheck.pose.estimator import EstimatorOptions, PoseEstimator, RunningMode
    from posecheck.pose.io import LandmarkWriter
    from posecheck.pose.types import Pose, PoseSequence
    from posecheck.smoothing import make_filter, make_smoother
    from posecheck.sources import TruncatedVideoError, open_source

    outs: list[Path] = args.out
    _check_outputs(outs, args.annotate)
    console = Console(stderr=True)
    whole_sequence = args.smooth in _WHOLE_SEQUENCE
    live_filter = make_filter(args.smooth) if not whole_sequence else None
    times: list[int] = []
    poses: list[Pose | None] = []
    error: PosecheckError | None = None

    with ExitStack() as stack:
        source = stack.enter_context(open_source(args.video))
        model = model_from_args(args)
        options = EstimatorOptions(
            model_path=model.path,
            running_mode=RunningMode.VIDEO,
            rotation=args.rotation,
            selection=args.selection,
        )
        metadata = {
            "source": str(args.video),
            "fps": source.fps,
            "image_size": list(source.size),
            "frame_count": source.frame_count,
            "model": str(model.path),
            "model_variant": model.variant,
            "model_sha256": model.sha256,
            "rotation": str(args.rotation),
            "selection": args.selection,
            "smoothing": args.smooth,
        }
        estimator = stack.enter_context(PoseEstimator.create_from_options(options))
        writers = (
            []
            if whole_sequence
            else [stack.enter_context(LandmarkWriter(out, metadata)) for out in outs]
        )
        video = None
        if args.annotate is not None and not whole_sequence:
            video = _AnnotatedVideo(args.annotate, source.fps, source.size)
            stack.callback(video.close)
        progress = stack.enter_context(
            Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )
        )
        task = progress.add_task("poses", total=source.frame_count)
        try:
            for frame in source:
                pose = estimator.estimate(frame.image, frame.timestamp_ms)
                if live_filter is not None:
                    pose = live_filter.update(pose, frame.timestamp_ms)
                times.append(frame.timestamp_ms)
                poses.append(pose)
                for writer in writers:
                    writer.write(frame.index, frame.timestamp_ms, pose)
                if video is not None:
                    video.write(frame.image, pose)
                progress.advance(task)
        except TruncatedVideoError as exc:
            error = exc
        if not poses:
            raise PosecheckError(f"'{args.video}' gave no frames.")

    if whole_sequence:
        seq = PoseSequence.from_poses(times, poses, source.size, source.fps, str(args.video))
        seq = make_smoother(args.smooth).smooth(seq)
        for out in outs:
            with LandmarkWriter(out, metadata) as writer:
                for i in range(len(seq)):
                    writer.write(i, int(seq.timestamps_ms[i]), seq.pose_at(i))
        if args.annotate is not None:
            _annotate_afterwards(args.video, args.annotate, seq)

    found = sum(p is not None for p in poses)
    written = ", ".join(str(p) for p in [*outs, *([args.annotate] if args.annotate else [])])
    if error is not None:
        raise PosecheckError(
            f"{error} The {len(poses)} frames before the damage are saved in {written}."
        )
    console.print(
        f"{len(poses)} frames, a pose in {found} ({100 * found / len(poses):.1f} %); "
        f"written: {written}"
    )
    if found == 0:
        console.print("[yellow]No person was found in any frame.[/yellow]")
    return 0


def _annotate_afterwards(video: str, out: Path, seq: Any) -> None:
    """Second pass over the video drawing the (smoothed) poses of ``seq``."""
    from posecheck.sources import open_source

    with open_source(video, allow_truncated=True) as source:
        writer = _AnnotatedVideo(out, source.fps, source.size)
        try:
            for i, frame in enumerate(source):
                if i >= len(seq):
                    break
                writer.write(frame.image, seq.pose_at(i))
        finally:
            writer.close()
