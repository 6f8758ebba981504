"""Vectorised 2D geometry on landmark arrays.

All functions take ``(T, 33, 5)`` normalised landmarks (MediaPipe layout) and
work in *pixel-aspect-correct, y-up* coordinates: ``X = x * w`` and
``Y = (1 - y) * h``, so that angles are true image angles and "up" is
positive. Angles are degrees, wrapped to (-180, 180].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from posecheck.pose.types import LANDMARK_NAMES

Side = str  # "left" | "right"

_INDEX = {name: i for i, name in enumerate(LANDMARK_NAMES)}


def index(name: str) -> int:
    """Landmark index of ``name`` (e.g. ``"left_knee"``)."""
    return _INDEX[name]


def sided(side: Side, part: str) -> int:
    """Index of ``f"{side}_{part}"``, e.g. ``sided("left", "knee")``."""
    return _INDEX[f"{side}_{part}"]


def other(side: Side) -> Side:
    """The opposite side."""
    return "right" if side == "left" else "left"


def as_frames(landmarks: np.ndarray) -> np.ndarray:
    """``landmarks`` as a float64 ``(T, 33, 5)`` array (a single ``(33, 5)`` pose becomes T=1)."""
    arr = np.asarray(landmarks, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != len(LANDMARK_NAMES) or arr.shape[2] < 2:
        raise ValueError(f"landmarks must be (T, 33, >=2), got {arr.shape}")
    return arr


def to_pixels(landmarks: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """``(T, 33, 2)`` points in pixels with y pointing *up*: ``(x*w, (1-y)*h)``."""
    lm = as_frames(landmarks)
    w, h = image_size
    out = np.empty((*lm.shape[:2], 2), dtype=np.float64)
    out[..., 0] = lm[..., 0] * w
    out[..., 1] = (1.0 - lm[..., 1]) * h
    return out


def point(px: np.ndarray, names: str | Sequence[str]) -> np.ndarray:
    """``(T, 2)``: a landmark, or the mean of several landmarks (e.g. a mid-point)."""
    if isinstance(names, str):
        return px[:, _INDEX[names]]
    return np.mean([px[:, _INDEX[n]] for n in names], axis=0)


def mid(px: np.ndarray, part: str) -> np.ndarray:
    """``(T, 2)`` mid-point of the left and right ``part`` (e.g. ``"hip"``)."""
    return 0.5 * (px[:, _INDEX[f"left_{part}"]] + px[:, _INDEX[f"right_{part}"]])


def wrap_deg(angle: np.ndarray | float) -> np.ndarray:
    """Wrap degrees to (-180, 180]."""
    a = np.asarray(angle, dtype=np.float64)
    out = np.mod(a + 180.0, 360.0) - 180.0
    return np.where(out == -180.0, 180.0, out)


def direction_deg(vec: np.ndarray) -> np.ndarray:
    """Angle of ``(T, 2)`` y-up vectors from the +x axis, counter-clockwise, (-180, 180]."""
    return wrap_deg(np.degrees(np.arctan2(vec[..., 1], vec[..., 0])))


def signed_angle_deg(v1: np.ndarray, v2: np.ndarray) -> np.ndarray:
    """Signed angle from ``v1`` to ``v2`` (counter-clockwise positive, y-up), (-180, 180]."""
    cross = v1[..., 0] * v2[..., 1] - v1[..., 1] * v2[..., 0]
    dot = (v1 * v2).sum(axis=-1)
    return wrap_deg(np.degrees(np.arctan2(cross, dot)))


def unsigned_angle_deg(v1: np.ndarray, v2: np.ndarray) -> np.ndarray:
    """Angle between two vectors, 0..180."""
    return np.abs(signed_angle_deg(v1, v2))


def flexion_deg(a: np.ndarray, joint: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unsigned flexion at ``joint`` of the chain a-joint-b: 0 = straight line, 180 = folded."""
    return 180.0 - unsigned_angle_deg(a - joint, b - joint)


def norm(vec: np.ndarray) -> np.ndarray:
    """Euclidean length over the last axis."""
    return np.sqrt((vec * vec).sum(axis=-1))


def unit(vec: np.ndarray) -> np.ndarray:
    """Unit vectors (NaN for zero length)."""
    n = norm(vec)
    with np.errstate(invalid="ignore", divide="ignore"):
        return vec / np.where(n > 0, n, np.nan)[..., None]


def unwrap_deg(values: np.ndarray) -> np.ndarray:
    """Remove ±360° jumps over time within every run of finite values (NaN gaps kept).

    After unwrapping each run is shifted by a multiple of 360° so that its
    median lies in (-180, 180]: a signed angle hovering near ±180° then reads
    continuously instead of jumping between +179 and -179.
    """
    out = np.array(values, dtype=np.float64, copy=True)
    finite = np.isfinite(out)
    if out.size < 2 or not finite.any():
        return out
    edges = np.flatnonzero(np.diff(finite.astype(np.int8)))
    starts = [0, *(edges + 1).tolist()]
    stops = [*(edges + 1).tolist(), out.size]
    for s, e in zip(starts, stops, strict=True):
        if not finite[s]:
            continue
        run = np.degrees(np.unwrap(np.radians(out[s:e])))
        shift = 360.0 * np.round((float(np.median(run)) - float(wrap_deg(np.median(run)))) / 360.0)
        out[s:e] = run - shift
    return out


def velocity(values: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """Time derivative (units per second) by central differences; NaN where undefined.

    Frames next to a gap (NaN value) use one-sided differences; isolated
    frames and non-increasing timestamps give NaN.
    """
    v = np.asarray(values, dtype=np.float64)
    t = np.asarray(times_s, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    if v.size < 2:
        return out
    dv = np.diff(v)
    dt = np.diff(t)
    with np.errstate(invalid="ignore", divide="ignore"):
        fwd = np.where(dt > 0, dv / dt, np.nan)  # derivative between i and i+1
    left = np.concatenate([[np.nan], fwd])
    right = np.concatenate([fwd, [np.nan]])
    both = np.isfinite(left) & np.isfinite(right)
    out[both] = 0.5 * (left[both] + right[both])
    only_left = np.isfinite(left) & ~np.isfinite(right)
    only_right = ~np.isfinite(left) & np.isfinite(right)
    out[only_left] = left[only_left]
    out[only_right] = right[only_right]
    return out
