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


def _checked(arr: np.ndarray) -> np.ndarray:
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1] != len(LANDMARK_NAMES) or arr.shape[2] < 2:
        raise ValueError(f"landmarks must be (T, 33, >=2), got {arr.shape}")
    return arr


def as_frames(landmarks: np.ndarray) -> np.ndarray:
    """``landmarks`` as a float64 ``(T, 33, 5)`` array (a single ``(33, 5)`` pose becomes T=1)."""
    return _checked(np.asarray(landmarks, dtype=np.float64))


def frames(landmarks: np.ndarray) -> np.ndarray:
    """``landmarks`` as a checked ``(T, 33, >=2)`` float array of its own float type (no copy)."""
    arr = np.asarray(landmarks)
    return _checked(arr if arr.dtype.kind == "f" else arr.astype(np.float64))


_PIXEL_CHUNK = 1024


def to_pixels(landmarks: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """``(T, 33, 2)`` points in pixels with y pointing *up*: ``(x*w, (1-y)*h)``."""
    lm = frames(landmarks)
    w, h = image_size
    # Stored landmark by landmark ((33, 2, T) in memory, a (T, 33, 2) view): a landmark's
    # track ``px[:, i]`` is contiguous in time, which makes the per-landmark arithmetic of
    # the measurements and medians over frames several times faster. Float64 arithmetic
    # on x and y only (no float64 copy of all five channels).
    n = lm.shape[0]
    store = np.empty((lm.shape[1], 2, n), dtype=np.float64)
    for a in range(0, n, _PIXEL_CHUNK):  # chunks small enough for the transposing reads
        chunk = lm[a : a + _PIXEL_CHUNK]
        np.multiply(chunk[..., 0].T, w, out=store[:, 0, a : a + _PIXEL_CHUNK], dtype=np.float64)
        y = store[:, 1, a : a + _PIXEL_CHUNK]
        np.subtract(1.0, chunk[..., 1].T, out=y, dtype=np.float64)
        y *= h
    return store.transpose(2, 0, 1)


def nanmedian(values: np.ndarray, axis: int | None = None) -> np.ndarray:
    """``np.nanmedian`` that skips its slow NaN handling when there is no NaN (same result)."""
    arr = np.asarray(values)
    if arr.size and not np.isnan(arr).any():
        return np.asarray(np.median(arr, axis=axis))
    return np.asarray(np.nanmedian(arr, axis=axis))


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
    if out.ndim != 1:
        return _unwrap_runs(out, finite)
    # np.unwrap's step corrections (period 2 pi) for all runs at once, restarted per run
    p = np.radians(out)
    dd = np.diff(p)
    high = np.pi
    with np.errstate(invalid="ignore"):
        ddmod = np.mod(dd + high, 2.0 * high) - high
        np.copyto(ddmod, high, where=(ddmod == -high) & (dd > 0))
        correction = ddmod - dd
        np.copyto(correction, 0.0, where=np.abs(dd) < high)
    correction[~np.isfinite(correction)] = 0.0  # steps into or out of a gap
    total = np.concatenate(([0.0], np.cumsum(correction)))
    starts = np.flatnonzero(finite & ~np.concatenate(([False], finite[:-1])))
    first = np.zeros(out.size, dtype=np.intp)
    first[starts] = starts
    first = np.maximum.accumulate(first)
    if correction.any():
        out[finite] = np.degrees(p + (total - total[first]))[finite]
    else:
        out[finite] = np.degrees(p[finite])
    # Shift runs whose median lies outside (-180, 180] (not needed when all values lie inside).
    values_in = out[finite]
    offsets = np.concatenate(([0], np.cumsum(np.diff(np.flatnonzero(finite)) > 1)))
    lengths = np.bincount(offsets)
    begin = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    low = np.minimum.reduceat(values_in, begin)
    top = np.maximum.reduceat(values_in, begin)
    for k in np.flatnonzero(~((low > -180.0) & (top <= 180.0))):
        s = starts[k]
        e = s + lengths[k]
        run = out[s:e]
        median = np.median(run)
        out[s:e] = run - 360.0 * np.round((float(median) - float(wrap_deg(median))) / 360.0)
    return out


def _unwrap_runs(out: np.ndarray, finite: np.ndarray) -> np.ndarray:
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
