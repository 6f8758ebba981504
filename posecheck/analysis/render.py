"""Frames for people: the annotated video and the report's key frames.

The annotated video replays the analysed input frame by frame: the smoothed
pose of each frame goes through ``ExerciseEngine(spec, smoothing="none")``
(the same events as :func:`posecheck.engine.analyze_sequence`, see the
contract's equivalence rule) and the live app's
:func:`posecheck.feedback.overlay.render_overlay` draws the engine state on
the frame. Video is written with OpenCV's ``mp4v`` codec (pip OpenCV has no
H.264 encoder). Without the source video (a landmark file whose video is
gone) the skeleton is drawn on a dark background of the recorded size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from posecheck.engine.events import Cue
from posecheck.errors import SourceError
from posecheck.i18n import Text
from posecheck.pose.types import PoseSequence

if TYPE_CHECKING:
    from posecheck.specs import ExerciseSpec

MAX_VIDEO_WIDTH = 1280
"""Annotated videos and key frames are scaled down to at most this width."""
KEY_FRAME_WIDTH = 480
CUE_SHOW_S = 3.0

NO_EXERCISE = Text(nl="Geen oefening herkend", en="No exercise recognised")


@dataclass(frozen=True)
class RenderedFrame:
    """A captured frame (BGR) of the annotated output."""

    index: int
    t_s: float
    image: np.ndarray


def output_size(size: tuple[int, int], max_width: int = MAX_VIDEO_WIDTH) -> tuple[int, int]:
    """``(w, h)`` scaled down to ``max_width`` (even numbers, as video encoders like)."""
    w, h = size
    scale = min(1.0, max_width / max(w, 1))
    return max(2, round(w * scale / 2) * 2), max(2, round(h * scale / 2) * 2)


def _video_frames(path: Path | None, n: int, size: tuple[int, int]) -> Iterator[np.ndarray]:
    """The first ``n`` frames of ``path`` at ``size``; dark frames where the video is missing."""
    blank = np.full((size[1], size[0], 3), 32, np.uint8)
    capture = cv2.VideoCapture(str(path)) if path is not None and path.is_file() else None
    try:
        for _ in range(n):
            image = None
            if capture is not None:
                ok, image = capture.read()
                if not ok:
                    capture.release()
                    capture = None
                    image = None
            if image is None:
                yield blank.copy()
            else:
                yield cv2.resize(image, size, interpolation=cv2.INTER_AREA) if (
                    image.shape[1], image.shape[0]) != size else image
    finally:
        if capture is not None:
            capture.release()


def _draw_plain(image: np.ndarray, pose: Any, lang: str) -> np.ndarray:
    from posecheck.feedback.skeleton import draw_skeleton

    out = image.copy()
    if pose is not None:
        draw_skeleton(out, pose)
    w = out.shape[1]
    text = NO_EXERCISE.get(lang)
    scale = max(0.5, w / 1400)
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
    cv2.rectangle(out, (10, 10), (30 + tw, 30 + th), (40, 40, 40), -1)
    cv2.putText(out, text, (20, 20 + th), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 2,
                cv2.LINE_AA)
    return out


def _scaled_pose(pose: Any, size: tuple[int, int]) -> Any:
    """The pose with its image size set to the output size (coordinates are normalised)."""
    if pose is None or tuple(pose.image_size) == tuple(size):
        return pose
    from posecheck.pose.types import Pose

    return Pose(pose.timestamp_ms, size, pose.landmarks, pose.world_landmarks)


def render_frames(
    smoothed: PoseSequence,
    spec: ExerciseSpec | None,
    *,
    video_path: Path | None,
    annotated_path: Path | None = None,
    capture: Sequence[int] = (),
    lang: str = "nl",
    progress: Callable[[int, int | None], None] | None = None,
) -> list[RenderedFrame]:
    """Replay the input with its overlay; write the annotated video and/or capture frames.

    Args:
        smoothed: the smoothed poses the engine analysed (one per frame of the input).
        spec: the exercise (``None``: skeleton only, "no exercise recognised").
        video_path: the original video, or ``None`` / missing for a dark background.
        annotated_path: where to write the ``.mp4`` (``None``: write nothing).
        capture: frame indices to return as images (key frames).
        lang: language of the overlay texts.
        progress: ``progress(done, total)`` per rendered frame.

    Returns:
        The captured frames, in index order.
    """
    n = len(smoothed)
    size = output_size(smoothed.image_size)
    wanted = set(int(i) for i in capture)
    last_needed = n - 1 if annotated_path is not None else max(wanted, default=-1)
    writer = None
    if annotated_path is not None:
        annotated_path.parent.mkdir(parents=True, exist_ok=True)
        fps = smoothed.fps if smoothed.fps > 0 else 30.0
        writer = cv2.VideoWriter(str(annotated_path), cv2.VideoWriter.fourcc(*"mp4v"), fps, size)
        if not writer.isOpened():
            raise SourceError(f"Cannot write the annotated video '{annotated_path}'.")
    engine = None
    if spec is not None:
        from posecheck.engine import ExerciseEngine
        from posecheck.feedback.overlay import OverlayStatus, render_overlay

        engine = ExerciseEngine(spec, smoothing="none")
        status = OverlayStatus(show_keys=False)
    cue: tuple[str, float] | None = None
    captured: list[RenderedFrame] = []
    times = smoothed.times_s
    try:
        for i, image in enumerate(_video_frames(video_path, last_needed + 1, size)):
            pose = _scaled_pose(smoothed.pose_at(i), size)
            t_s = float(times[i])
            if engine is not None:
                for event in engine.update(pose, t_s):
                    if isinstance(event, Cue):
                        cue = (event.text.get(lang), t_s)
                if cue is not None and t_s - cue[1] > CUE_SHOW_S:
                    cue = None
                assert spec is not None
                out = render_overlay(image, pose, engine.state, spec, lang=lang,
                                     cue=None if cue is None else cue[0], status=status)
            else:
                out = _draw_plain(image, pose, lang)
            if writer is not None:
                writer.write(out)
            if i in wanted:
                captured.append(RenderedFrame(i, t_s, out))
            if progress is not None:
                progress(i + 1, last_needed + 1)
    finally:
        if writer is not None:
            writer.release()
    return captured


def encode_jpeg(image: np.ndarray, width: int = KEY_FRAME_WIDTH, quality: int = 82) -> bytes:
    """``image`` scaled to ``width`` and encoded as JPEG."""
    h, w = image.shape[:2]
    if w > width:
        image = cv2.resize(image, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise SourceError("Cannot encode a key frame as JPEG.")
    return data.tobytes()
