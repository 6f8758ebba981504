"""Raw poses of every frame of a recorded source (VIDEO mode)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from posecheck.pose.estimator import EstimatorOptions, PoseEstimator, RunningMode
from posecheck.pose.types import Pose, PoseSequence

if TYPE_CHECKING:
    from posecheck.sources import Frame, FrameSource

ProgressCallback = Callable[[int, int | None], None]


@contextmanager
def _opened(source: str | Path | FrameSource, allow_truncated: bool) -> Iterator[FrameSource]:
    """``source`` itself when it is already a frame source (the caller closes it)."""
    if isinstance(source, (str, Path)):
        from posecheck.sources import open_source

        with open_source(source, allow_truncated=allow_truncated) as opened:
            yield opened
    else:
        yield source


def resolve_options(
    model_path: str | Path | None = None,
    variant: str = "full",
    options: EstimatorOptions | None = None,
) -> EstimatorOptions:
    """Estimator options for recorded sources: ``options`` or defaults, always VIDEO mode.

    Without ``options``, the model is ``model_path`` or the one
    :func:`posecheck.model_store.resolve_model` finds for ``variant``.
    """
    if options is not None:
        return replace(options, running_mode=RunningMode.VIDEO, result_callback=None)
    if model_path is None:
        from posecheck.model_store import resolve_model

        model_path = resolve_model(None, variant).path
    return EstimatorOptions(model_path=model_path, running_mode=RunningMode.VIDEO)


def iter_poses(
    source: FrameSource, estimator: PoseEstimator
) -> Iterator[tuple[Frame, Pose | None]]:
    """Each frame of ``source`` with the estimator's pose (``None`` = no pose)."""
    for frame in source:
        yield frame, estimator.estimate(frame.image, frame.timestamp_ms)


def extract_poses(
    source: str | Path | FrameSource,
    *,
    model_path: str | Path | None = None,
    variant: str = "full",
    options: EstimatorOptions | None = None,
    progress: ProgressCallback | None = None,
    allow_truncated: bool = False,
) -> PoseSequence:
    """The raw (unsmoothed) pose of every frame of a video, image folder or image.

    Args:
        source: a path for :func:`posecheck.sources.open_source`, or an open
            :class:`~posecheck.sources.FrameSource` (left open).
        model_path: the ``.task`` model; default: resolved for ``variant``.
        variant: ``lite``, ``full`` or ``heavy`` when no model path is given.
        options: full estimator settings (its running mode is forced to VIDEO).
        progress: called as ``progress(frames_done, frame_count_or_None)``.
        allow_truncated: return the poses of the readable frames of a video
            that ends early instead of raising ``TruncatedVideoError``.

    Raises:
        SourceError: the source cannot be opened or read (``TruncatedVideoError``
            for a video that ends well before its header's length).
        ModelError: the model cannot be found or loaded.
    """
    opts = resolve_options(model_path, variant, options)
    times: list[int] = []
    poses: list[Pose | None] = []
    with (
        _opened(source, allow_truncated) as frames,
        PoseEstimator.create_from_options(opts) as estimator,
    ):
        total = frames.frame_count
        for frame, pose in iter_poses(frames, estimator):
            times.append(frame.timestamp_ms)
            poses.append(pose)
            if progress is not None:
                progress(len(poses), total)
        name = str(source) if isinstance(source, (str, Path)) else frames.description
        w, h = frames.size
        return PoseSequence.from_poses(times, poses, (int(w), int(h)), float(frames.fps), name)
