"""Replay a reference demonstration as a skeleton animation video."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from posecheck.errors import PosecheckError
from posecheck.therapist.reference import Reference

MAX_WIDTH = 960
BACKGROUND = (32, 32, 32)
KEY_COLOR = (0, 200, 255)  # amber: a key posture
TEXT_COLOR = (235, 235, 235)
TRACE_COLORS = ((0, 255, 0), (255, 160, 60))


def _canvas_size(image_size: tuple[int, int]) -> tuple[int, int]:
    w, h = image_size
    scale = min(1.0, MAX_WIDTH / max(w, 1))
    # even sizes keep every video codec happy
    return max(2, int(w * scale) // 2 * 2), max(2, int(h * scale) // 2 * 2)


def key_frames(reference: Reference) -> dict[int, str]:
    """Frame index → label ("rep 1 start", …) of every key posture."""
    out: dict[int, str] = {}
    for rep in reference.reps:
        for posture in rep.postures.values():
            out[posture.frame] = f"rep {rep.index + 1} {posture.name}"
    return out


def render_frame(reference: Reference, frame: int, size: tuple[int, int],
                 labels: dict[int, str] | None = None) -> np.ndarray:
    """One frame of the animation: the skeleton on a dark canvas, time, phase and primary value."""
    import cv2

    from posecheck.feedback.skeleton import draw_skeleton

    w, h = size
    image = np.full((h, w, 3), BACKGROUND, dtype=np.uint8)
    pose = reference.pose_at(frame)
    labels = labels if labels is not None else key_frames(reference)
    key = _nearest_key(labels, frame, reference)
    if pose is not None:
        draw_skeleton(image, pose, color=KEY_COLOR if key else (0, 255, 0))
    scale = max(0.5, h / 720)
    t = float(reference.times_s[frame])
    phase = reference.phases[frame] if frame < len(reference.phases) else ""
    key = reference.primary_key_at(frame)
    trace = reference.measurements.get(key)
    value = float(trace[frame]) if trace is not None else math.nan
    unit = "°" if reference.primary_unit == "deg" else f" {reference.primary_unit}"
    lines = [
        f"{reference.exercise_name.en} - reference",
        f"t = {t:5.1f} s   phase: {phase or '-'}",
        f"{key}: "
        + ("-" if not math.isfinite(value) else f"{value:.0f}{unit}".replace("°", " deg")),
    ]
    if key:
        lines.append(f"key posture: {key}")
    for i, line in enumerate(lines):
        y = int((30 + 30 * i) * scale)
        color = KEY_COLOR if key and i == len(lines) - 1 else TEXT_COLOR
        cv2.putText(image, line, (int(12 * scale), y), cv2.FONT_HERSHEY_SIMPLEX, 0.7 * scale,
                    color, max(1, int(2 * scale)), cv2.LINE_AA)
    _draw_trace(image, reference, frame)
    return image


def _nearest_key(labels: dict[int, str], frame: int, reference: Reference) -> str | None:
    """The key posture label shown around ``frame`` (kept on screen for ~0.5 s)."""
    window = max(1, round(0.25 * reference.fps))
    for f in range(frame - window, frame + window + 1):
        if f in labels:
            return labels[f]
    return None


def _draw_trace(image: np.ndarray, reference: Reference, frame: int) -> None:
    """A small plot of the primary measurement with a cursor at ``frame``."""
    import cv2

    traces = [reference.measurements[k] for k in reference.primary_keys
              if k in reference.measurements]
    stacked = np.concatenate(traces) if traces else np.array([np.nan])
    if not np.isfinite(stacked).any():
        return
    h, w = image.shape[:2]
    x0, x1 = int(w * 0.05), int(w * 0.95)
    y0, y1 = int(h * 0.80), int(h * 0.96)
    lo, hi = float(np.nanmin(stacked)), float(np.nanmax(stacked))
    span = max(hi - lo, 1e-6)
    n = len(reference.times_s)
    xs = x0 + (np.arange(n) / max(n - 1, 1)) * (x1 - x0)
    cv2.rectangle(image, (x0, y0), (x1, y1), (80, 80, 80), 1)
    for rep in reference.reps:
        a = reference.frame_range(rep.start_s, rep.end_s)
        cv2.rectangle(image, (int(xs[a.start]), y0), (int(xs[min(a.stop, n) - 1]), y1),
                      (90, 60, 40), -1)
    for trace, color in zip(traces, TRACE_COLORS, strict=False):
        finite = np.isfinite(trace)
        ys = y1 - (np.nan_to_num(trace, nan=lo) - lo) / span * (y1 - y0)
        pts = np.stack([xs[finite], ys[finite]], axis=1).astype(np.int32)
        cv2.polylines(image, [pts.reshape(-1, 1, 2)], False, color, 1, cv2.LINE_AA)
    cx = int(xs[frame])
    cv2.line(image, (cx, y0), (cx, y1), (255, 255, 255), 1)


def write_replay_video(reference: Reference, path: str | Path) -> Path:
    """Write the skeleton animation of ``reference`` to ``path`` (.mp4/.avi) at its frame rate."""
    import cv2

    out = Path(path)
    if out.suffix.lower() not in (".mp4", ".avi", ".mov", ".mkv"):
        raise PosecheckError(f"'{out}': use an .mp4 (or .avi/.mov/.mkv) file name.")
    out.parent.mkdir(parents=True, exist_ok=True)
    size = _canvas_size(reference.image_size)
    fourcc = cv2.VideoWriter.fourcc(*("MJPG" if out.suffix.lower() == ".avi" else "mp4v"))
    fps = reference.fps if reference.fps > 0 else 30.0
    writer = cv2.VideoWriter(str(out), fourcc, fps, size)
    if not writer.isOpened():
        raise PosecheckError(f"Cannot write the video '{out}'.")
    labels = key_frames(reference)
    try:
        for frame in range(len(reference.times_s)):
            writer.write(render_frame(reference, frame, size, labels))
    finally:
        writer.release()
    return out
