"""Dynamic time warping (DTW) of multichannel measurement traces, in numpy.

Why hand-written instead of ``dtaidistance``: our traces are short (one
repetition, resampled to 10 Hz: tens to a few hundred samples), contain NaN
where a measurement could not be seen, and we need the warping path to read
off per-phase deviations. The classic O(n·m) recurrence is vectorised per row
here (see :func:`dtw`), which takes a few milliseconds for a 300×300 problem
— no compiled dependency needed.

Cost of aligning sample ``i`` of ``a`` with sample ``j`` of ``b``: the mean
absolute difference over the channels (so for angle traces it is in
degrees). The reported :attr:`DTWResult.mean_cost` is the accumulated cost
divided by the length of the warping path: "on average, the aligned traces
differ by this many degrees".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DTWResult:
    """Result of aligning two traces.

    Attributes:
        total_cost: accumulated cost along the optimal warping path.
        path: ``(K, 2)`` int array of aligned index pairs ``(i, j)``, from
            ``(0, 0)`` to ``(n-1, m-1)`` (subsequence: from ``(0, j0)`` to ``(n-1, j1)``).
    """

    total_cost: float
    path: np.ndarray

    @property
    def mean_cost(self) -> float:
        """Accumulated cost per step of the warping path (the normalised distance)."""
        return self.total_cost / max(len(self.path), 1)


def fill_gaps(trace: np.ndarray) -> np.ndarray:
    """Linearly interpolate NaN samples of a 1-D trace (edges take the nearest value).

    An all-NaN trace is returned unchanged.
    """
    out = np.asarray(trace, dtype=np.float64).copy()
    ok = np.isfinite(out)
    if ok.all() or not ok.any():
        return out
    idx = np.arange(len(out))
    out[~ok] = np.interp(idx[~ok], idx[ok], out[ok])
    return out


def resample(times_s: np.ndarray, values: np.ndarray, rate_hz: float) -> np.ndarray:
    """Resample ``values`` ``(T,)`` or ``(T, C)`` taken at ``times_s`` to ``rate_hz``.

    NaN samples are interpolated over first (per channel).
    """
    times = np.asarray(times_s, dtype=np.float64)
    vals = np.asarray(values, dtype=np.float64)
    squeeze = vals.ndim == 1
    if squeeze:
        vals = vals[:, None]
    if len(times) == 0:
        return vals[:0, 0] if squeeze else vals[:0]
    n = max(int(np.floor((times[-1] - times[0]) * rate_hz)) + 1, 1)
    grid = times[0] + np.arange(n) / rate_hz
    out = np.empty((n, vals.shape[1]))
    for c in range(vals.shape[1]):
        filled = fill_gaps(vals[:, c])
        out[:, c] = np.interp(grid, times, filled) if np.isfinite(filled).any() else np.nan
    return out[:, 0] if squeeze else out


def _cost_matrix(a: np.ndarray, b: np.ndarray, weights: np.ndarray) -> np.ndarray:
    diff = np.abs(a[:, None, :] - b[None, :, :])  # (n, m, C)
    return np.asarray((diff * weights).sum(axis=2) / weights.sum())


def dtw(a: np.ndarray, b: np.ndarray, *, window: int | None = None,
        weights: np.ndarray | None = None, subsequence: bool = False) -> DTWResult:
    """Align traces ``a`` ``(n, C)`` and ``b`` ``(m, C)`` (or 1-D) with DTW.

    Args:
        a, b: traces with the same channels; NaN-free (use :func:`fill_gaps`).
        window: Sakoe-Chiba band half-width in samples (``None``: no band).
            The band is widened to at least ``|n - m|`` so a path always exists.
        weights: per-channel weights (default equal).
        subsequence: align all of ``a`` with the best-matching *part* of ``b``
            (free start and end in ``b``; no band).

    The recurrence ``D[i, j] = c[i, j] + min(D[i-1, j-1], D[i-1, j], D[i, j-1])``
    is evaluated row by row: with ``a_j = min(D[i-1, j-1], D[i-1, j])`` and
    ``S`` the running sum of row ``i`` of ``c``, ``D[i, j] = S_j + min_{k<=j}
    (a_k - S_{k-1})`` — a cumulative minimum, so each row is one numpy pass.
    """
    a2 = np.asarray(a, dtype=np.float64)
    b2 = np.asarray(b, dtype=np.float64)
    if a2.ndim == 1:
        a2 = a2[:, None]
    if b2.ndim == 1:
        b2 = b2[:, None]
    if a2.shape[1] != b2.shape[1]:
        raise ValueError(f"channel count differs: {a2.shape[1]} vs {b2.shape[1]}")
    n, m = len(a2), len(b2)
    if n == 0 or m == 0:
        raise ValueError("cannot align an empty trace")
    if not (np.isfinite(a2).all() and np.isfinite(b2).all()):
        raise ValueError("traces must not contain NaN (fill gaps first)")
    w = np.ones(a2.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    cost = _cost_matrix(a2, b2, w)
    lo = np.zeros(n, dtype=np.int64)
    hi = np.full(n, m, dtype=np.int64)
    if window is not None and not subsequence:
        band = max(window, abs(n - m))
        # The band follows the corner-to-corner diagonal of the (n, m) matrix.
        centre = np.arange(n) * (m - 1) / max(n - 1, 1)
        lo = np.clip(np.ceil(centre - band), 0, m - 1).astype(np.int64)
        hi = np.clip(np.floor(centre + band) + 1, 1, m).astype(np.int64)
        lo[0] = 0

    acc = np.full((n, m), np.inf)
    acc[0, lo[0]:hi[0]] = cost[0] if subsequence else np.cumsum(cost[0, lo[0]:hi[0]])
    for i in range(1, n):
        a_lo, a_hi = int(lo[i]), int(hi[i])
        prev = acc[i - 1]
        entry = prev[a_lo:a_hi].copy()
        if a_lo > 0:
            entry = np.minimum(entry, prev[a_lo - 1:a_hi - 1])
        else:
            entry[1:] = np.minimum(entry[1:], prev[:a_hi - 1])
        s = np.cumsum(cost[i, a_lo:a_hi])
        s_before = np.concatenate(([0.0], s[:-1]))
        with np.errstate(invalid="ignore"):
            acc[i, a_lo:a_hi] = s + np.minimum.accumulate(entry - s_before)

    end = int(np.argmin(acc[-1])) if subsequence else m - 1
    path = _backtrack(acc, end, free_start=subsequence)
    return DTWResult(total_cost=float(acc[-1, end]), path=path)


def _backtrack(acc: np.ndarray, end: int, *, free_start: bool = False) -> np.ndarray:
    i, j = acc.shape[0] - 1, end
    steps = [(i, j)]
    while i > 0 or (j > 0 and not free_start):
        if i == 0:
            j -= 1
        elif j == 0:
            i -= 1
        else:
            options = (acc[i - 1, j - 1], acc[i - 1, j], acc[i, j - 1])
            k = int(np.argmin(options))
            if k == 0:
                i, j = i - 1, j - 1
            elif k == 1:
                i -= 1
            else:
                j -= 1
        steps.append((i, j))
    return np.array(steps[::-1], dtype=np.int64)
