"""Landmark smoothing: a causal One Euro filter for live use, a zero-phase filter for recordings.

MediaPipe Tasks' PoseLandmarker does no temporal smoothing; its landmarks
jitter by about 0.002–0.009 image widths from frame to frame (measured on the
shared floor-exercise clips, full model; depth ``z`` 2–3× more). Two strategies,
chosen by name like norfair's distance functions:

* :func:`make_filter` → a :class:`PoseFilter`, causal, one pose at a time, for the
  live app: ``"one_euro"`` (:class:`OneEuroPoseFilter`) or ``"none"``.
* :func:`make_smoother` → a :class:`SequenceSmoother` for a whole recording:
  ``"butterworth"`` (:class:`ButterworthSmoother`, zero-phase, no lag),
  ``"one_euro"`` (the live filter run over the recording, to see what live
  would have seen) or ``"none"``.

Both filter the coordinates ``x, y, z`` of every landmark and the world
landmarks' ``x, y, z``; visibility and presence pass through unchanged.

Gaps: frames without a pose are never smoothed through. When the time from one
pose to the next exceeds ``max_gap_ms`` the One Euro filter starts afresh, and
the zero-phase filter treats the poses on either side as separate runs; shorter
dropouts are bridged (the zero-phase filter interpolates across them only to
filter, then puts the "no pose" back). A frame without a pose stays without one.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
from scipy.signal import butter, lfilter, lfilter_zi

from posecheck.errors import PosecheckError
from posecheck.pose.types import Pose, PoseSequence

DEFAULT_MAX_GAP_MS = 250
"""Longest time between two poses that filters bridge: ≈2 missing frames at 15 fps,
7 at 30 fps. Longer dropouts (the person left the view, was not found while turning)
start the filter afresh, so a pose is never pulled towards one from before the gap."""


def pose_runs(
    timestamps_ms: np.ndarray, has_pose: np.ndarray, max_gap_ms: float = DEFAULT_MAX_GAP_MS
) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` frame ranges whose consecutive poses are at most ``max_gap_ms`` apart.

    ``start`` and ``stop - 1`` always hold a pose; frames in between may not
    (dropouts shorter than ``max_gap_ms``).
    """
    idx = np.flatnonzero(np.asarray(has_pose, dtype=bool))
    if idx.size == 0:
        return
    times = np.asarray(timestamps_ms, dtype=np.float64)[idx]
    breaks = np.flatnonzero(np.diff(times) > max_gap_ms)
    starts = np.concatenate(([0], breaks + 1))
    stops = np.concatenate((breaks, [idx.size - 1]))
    for a, b in zip(starts, stops, strict=True):
        yield int(idx[a]), int(idx[b]) + 1


# --------------------------------------------------------------------------- live


class OneEuroFilter:
    """The One Euro filter (Casiez, Roussel & Vogel, CHI 2012), vectorised over an array.

    An exponential low-pass whose cutoff rises with the signal's speed:
    ``cutoff = min_cutoff + beta * |dx/dt|`` (the speed itself low-passed at
    ``d_cutoff``). Still signals are smoothed strongly, moving ones with little
    lag. ``dt`` comes from the timestamps, so an irregular frame rate is fine.
    Elements that are NaN are passed through as NaN and keep their state.
    """

    def __init__(self, min_cutoff: float, beta: float, d_cutoff: float) -> None:
        if min_cutoff <= 0 or d_cutoff <= 0 or beta < 0:
            raise PosecheckError(
                f"One Euro filter needs min_cutoff > 0, d_cutoff > 0 and beta >= 0 "
                f"(got {min_cutoff}, {d_cutoff}, {beta})."
            )
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.d_cutoff = float(d_cutoff)
        self.reset()

    def reset(self) -> None:
        """Forget the past; the next value passes unfiltered."""
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._t_s: float | None = None

    @staticmethod
    def _alpha(cutoff: np.ndarray | float, dt: float) -> np.ndarray | float:
        tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff))
        return 1.0 / (1.0 + tau / dt)

    def __call__(self, value: np.ndarray, t_s: float) -> np.ndarray:
        """Filter ``value`` observed at time ``t_s`` (seconds, increasing)."""
        x = np.asarray(value, dtype=np.float64)
        if self._x is None or self._dx is None or self._t_s is None or t_s <= self._t_s:
            self._x = x.copy()
            self._dx = np.zeros_like(x)
            self._t_s = t_s
            return x.copy()
        dt = t_s - self._t_s
        self._t_s = t_s
        prev = self._x
        fresh = np.isnan(prev) & ~np.isnan(x)  # element seen for the first time
        dx = np.where(fresh, 0.0, (x - prev) / dt)
        a_d = self._alpha(self.d_cutoff, dt)
        dx_hat = a_d * dx + (1.0 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * np.abs(dx_hat)
        a = self._alpha(cutoff, dt)
        x_hat = np.where(fresh, x, a * x + (1.0 - a) * prev)
        missing = np.isnan(x)
        self._x = np.where(missing, prev, x_hat)
        self._dx = np.where(missing, self._dx, np.where(fresh, 0.0, dx_hat))
        return np.where(missing, np.nan, x_hat)


class PoseFilter(ABC):
    """A causal pose filter for live use: feed poses in time order, get filtered poses."""

    name: ClassVar[str] = ""

    @abstractmethod
    def update(self, pose: Pose | None, timestamp_ms: int) -> Pose | None:
        """The filtered pose at ``timestamp_ms``; ``None`` (no pose) gives ``None``."""

    @abstractmethod
    def reset(self) -> None:
        """Forget the past (e.g. a new exercise, or the camera was restarted)."""


class NoFilter(PoseFilter):
    """Passes poses through unchanged."""

    name = "none"

    def update(self, pose: Pose | None, timestamp_ms: int) -> Pose | None:
        return pose

    def reset(self) -> None:
        return None


class OneEuroPoseFilter(PoseFilter):
    """One Euro filter on every landmark coordinate (x, y, z and world x, y, z).

    Defaults, chosen for slow rehab movements of a person lying on the floor at
    15–60 fps (coordinates normalised to the image, so speeds are image widths
    per second; measured on the shared clips: jitter 0.002–0.009, moving knees and
    ankles 0.06–0.17 /s at the 95th percentile, peaks ≈0.6 /s):

    * ``min_cutoff=0.6`` Hz: a still body (holds) is smoothed strongly, so hold
      timers and thresholds do not flicker;
    * ``beta=8.0``: the cutoff opens with speed, so a knee pull or curl-up is
      followed with well under a tenth of a second of delay;
    * ``d_cutoff=1.0`` Hz: the speed estimate itself is smoothed, as Casiez et
      al. recommend, so jitter opens the filter only a little;
    * measured on a synthetic coordinate with 0.004 jitter (std): at rest the
      jitter drops 2.4× at 15 fps, 2.9× at 30 fps, 4× at 60 fps; on a ramp of
      0.1 image widths/s the lag is 70/59/43 ms, at 0.3 /s 37/31/24 ms;
    * ``max_gap_ms=250``: see :data:`DEFAULT_MAX_GAP_MS`.

    World landmarks (metres; 1 image width ≈ 2–3 m for a lying adult) get the same
    settings, i.e. slightly less smoothing at equal physical speed.
    """

    name = "one_euro"

    def __init__(
        self,
        min_cutoff: float = 0.6,
        beta: float = 8.0,
        d_cutoff: float = 1.0,
        max_gap_ms: float = DEFAULT_MAX_GAP_MS,
    ) -> None:
        self.max_gap_ms = float(max_gap_ms)
        self._image = OneEuroFilter(min_cutoff, beta, d_cutoff)
        self._world = OneEuroFilter(min_cutoff, beta, d_cutoff)
        self._last_ms: int | None = None

    def reset(self) -> None:
        self._image.reset()
        self._world.reset()
        self._last_ms = None

    def update(self, pose: Pose | None, timestamp_ms: int) -> Pose | None:
        if pose is None:
            return None  # the gap is measured from the last pose at the next pose
        if self._last_ms is not None and not (0 < timestamp_ms - self._last_ms <= self.max_gap_ms):
            self.reset()
        self._last_ms = timestamp_ms
        t_s = timestamp_ms / 1000.0
        landmarks = np.array(pose.landmarks, dtype=np.float64)
        landmarks[:, :3] = self._image(landmarks[:, :3], t_s)
        world = None
        if pose.world_landmarks is not None:
            world = self._world(pose.world_landmarks, t_s)
        else:
            self._world.reset()
        return pose.with_landmarks(landmarks, world)


# --------------------------------------------------------------------------- recorded


class SequenceSmoother(ABC):
    """Smooths a whole recorded :class:`PoseSequence` (may look ahead)."""

    name: ClassVar[str] = ""

    @abstractmethod
    def smooth(self, seq: PoseSequence) -> PoseSequence:
        """A new sequence with smoothed coordinates; frames without a pose stay without."""


class NoSmoothing(SequenceSmoother):
    """Returns the sequence unchanged."""

    name = "none"

    def smooth(self, seq: PoseSequence) -> PoseSequence:
        return seq


def sampling_rate(seq: PoseSequence) -> float:
    """Frames per second measured from the median frame interval; ``seq.fps`` as fallback."""
    if len(seq) >= 2:
        dt = np.diff(seq.timestamps_ms.astype(np.float64))
        dt = dt[dt > 0]
        if dt.size:
            return 1000.0 / float(np.median(dt))
    return float(seq.fps) if seq.fps and seq.fps > 0 else 30.0


class _BlockIIR:
    """``scipy.signal.lfilter`` along time for many channels at once, in blocks.

    The filter's state-space recursion is unrolled over blocks of ``BLOCK``
    samples: within a block the output is a matrix product (impulse response
    Toeplitz matrix times the block, plus the initial state's response), and
    only the state is carried from block to block. Exact up to float rounding
    (≈1e-15 relative) and several times faster than ``lfilter`` on
    ``(time, channels)`` arrays, without full-size temporaries.
    """

    BLOCK = 64

    def __init__(self, b: np.ndarray, a: np.ndarray) -> None:
        b = np.asarray(b, dtype=np.float64) / a[0]
        a = np.asarray(a, dtype=np.float64) / a[0]
        self.b, self.a = b, a
        self.order = max(len(a), len(b)) - 1
        n, d = self.BLOCK, self.order
        impulse = np.zeros(n)
        impulse[0] = 1.0
        h = lfilter(b, a, impulse)
        rows, cols = np.indices((n, n))
        self.h_mat = np.where(rows >= cols, h[np.clip(rows - cols, 0, n - 1)], 0.0)
        self.g_mat = np.empty((n, d))  # output from a unit initial state, zero input
        self.state_in = np.empty((d, n))  # end state from an impulse at each input position
        for k in range(d):
            zi = np.zeros(d)
            zi[k] = 1.0
            self.g_mat[:, k] = lfilter(b, a, np.zeros(n), zi=zi)[0]
        for j in range(n):
            x = np.zeros(n)
            x[j] = 1.0
            self.state_in[:, j] = lfilter(b, a, x, zi=np.zeros(d))[1]
        self._phi: dict[int, np.ndarray] = {}  # state transition over r samples

    def _transition(self, r: int) -> np.ndarray:
        phi = self._phi.get(r)
        if phi is None:
            d = self.order
            phi = np.empty((d, d))
            for k in range(d):
                zi = np.zeros(d)
                zi[k] = 1.0
                phi[:, k] = lfilter(self.b, self.a, np.zeros(r), zi=zi)[1]
            self._phi[r] = phi
        return phi

    def run(self, x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Filter ``x`` ``(m, C)`` (time first) from ``state`` ``(order, C)``: output, end state."""
        m, c = x.shape
        n = self.BLOCK
        out = np.empty((m, c))
        full = m // n
        if full:
            xb = x[: full * n].reshape(full, n, c)
            yb = out[: full * n].reshape(full, n, c)
            np.matmul(self.h_mat, xb, out=yb)
            from_inputs = np.matmul(self.state_in, xb)  # (full, order, C)
            starts = np.empty_like(from_inputs)
            phi = self._transition(n)
            for k in range(full):
                starts[k] = state
                state = phi @ state + from_inputs[k]
            yb += np.matmul(self.g_mat, starts)
        r = m - full * n
        if r:
            tail = x[full * n :]
            out[full * n :] = self.h_mat[:r, :r] @ tail + self.g_mat[:r] @ state
            state = self._transition(r) @ state + self.state_in[:, n - r :] @ tail
        return out, state


@lru_cache(maxsize=16)
def _block_iir(b: tuple[float, ...], a: tuple[float, ...]) -> _BlockIIR:
    return _BlockIIR(np.array(b), np.array(a))


_CHUNK_FRAMES = 32 * _BlockIIR.BLOCK
"""Frames filtered per step (keeps temporaries in cache)."""


def _filtfilt_into(iir: _BlockIIR, x: np.ndarray, padlen: int, dest: np.ndarray) -> None:
    """``scipy.signal.filtfilt(b, a, x, axis=0, padlen=padlen)`` (odd padding) into ``dest``.

    ``x`` is ``(n, C)`` float64 (overwritten with the forward pass); ``dest`` is
    ``(n, ...)`` with ``C`` values per frame (e.g. a float32 view of landmarks).
    """
    n = len(x)
    zi = lfilter_zi(iir.b, iir.a)[:, None]
    if padlen > 0:
        left = 2.0 * x[0] - x[padlen:0:-1]
        right = 2.0 * x[-1] - x[-2 : -padlen - 2 : -1]
    else:
        left = right = x[:0]
    first = left[0] if padlen > 0 else x[0]
    # forward pass: left padding, the data (in chunks, result kept in x), right padding
    _, state = iir.run(left, zi * first)
    for a in range(0, n, _CHUNK_FRAMES):
        y, state = iir.run(x[a : a + _CHUNK_FRAMES], state)
        x[a : a + _CHUNK_FRAMES] = y
    y_right, state = iir.run(right, state)
    # backward pass over the reversed forward output, starting at its end
    last = y_right[-1] if padlen > 0 else x[-1]
    _, state = iir.run(np.ascontiguousarray(y_right[::-1]), zi * last)
    for b in range(n, 0, -_CHUNK_FRAMES):
        a = max(0, b - _CHUNK_FRAMES)
        y, state = iir.run(np.ascontiguousarray(x[a:b][::-1]), state)
        dest[a:b] = y[::-1].reshape(b - a, *dest.shape[1:])


def _fill_gaps(block: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """In place: linear interpolation over NaNs along time in a ``(time, channels)`` block.

    Frames missing every channel (no pose) get one set of weights from the
    nearest frames with any value; channels missing on their own (e.g. world
    landmarks absent in some frames) are interpolated from their own values.
    Channels with fewer than two values stay as they are. Returns the indices
    of the rows that had a NaN and those rows' NaN mask ``(rows, channels)``.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        rows = np.flatnonzero(~np.isfinite(block.sum(axis=1)))  # one pass, no full-size mask
    mask = np.isnan(block[rows])
    keep = mask.any(axis=1)
    rows, mask = rows[keep], mask[keep]
    if not rows.size:
        return rows, mask
    holes = rows[mask.all(axis=1)]
    if holes.size:
        known = np.ones(len(block), dtype=bool)
        known[holes] = False
        known_idx = np.flatnonzero(known)
        if known_idx.size >= 2:
            right = np.clip(np.searchsorted(known_idx, holes), 1, known_idx.size - 1)
            i0, i1 = known_idx[right - 1], known_idx[right]
            w = np.clip((times[holes] - times[i0]) / (times[i1] - times[i0]), 0.0, 1.0)[:, None]
            block[holes] = block[i0] * (1.0 - w) + block[i1] * w
    still = np.isnan(block[rows])
    for channel in np.flatnonzero(still.any(axis=0)):
        column = block[:, channel]
        ok = ~np.isnan(column)
        if ok.sum() >= 2:
            column[~ok] = np.interp(times[~ok], times[ok], column[ok])
    return rows, mask


class ButterworthSmoother(SequenceSmoother):
    """Zero-phase Butterworth low-pass (``scipy.signal.filtfilt``) for recorded video.

    Running the filter forwards and backwards cancels its delay: peaks and
    turning points stay at the right time, which matters for rep timing and
    hold lengths. Defaults:

    * ``cutoff_hz=3.0``: rehab movements take ≥1 s per phase (content below
      ≈1.5 Hz, passed at ≥98 %), and a jerk of a curl-up is still visible,
      while landmark jitter is broadband: white jitter drops 1.7× at 15 fps,
      2.4× at 30 fps and 3.4× at 60 fps (std).
    * ``order=2``: applied twice by filtfilt, i.e. a 4th-order response with
      the −6 dB point at the cutoff and no overshoot worth mentioning.
    * ``max_gap_ms=250``: see :data:`DEFAULT_MAX_GAP_MS`.

    The sampling rate is measured from the timestamps (:func:`sampling_rate`).
    A cutoff at or above 90 % of the Nyquist frequency (e.g. 3 Hz on a 5 fps
    clip) is lowered to 90 % of Nyquist. Runs too short for filtfilt's default
    padding are filtered with shorter padding; runs of fewer than
    ``min_run_frames`` frames are left as they are.
    """

    name = "butterworth"

    def __init__(
        self,
        cutoff_hz: float = 3.0,
        order: int = 2,
        max_gap_ms: float = DEFAULT_MAX_GAP_MS,
        min_run_frames: int = 4,
    ) -> None:
        if cutoff_hz <= 0 or order < 1:
            raise PosecheckError(
                "Butterworth smoother needs cutoff_hz > 0 and order >= 1 "
                f"(got {cutoff_hz}, {order})."
            )
        self.cutoff_hz = float(cutoff_hz)
        self.order = int(order)
        self.max_gap_ms = float(max_gap_ms)
        self.min_run_frames = max(2, int(min_run_frames))

    def coefficients(self, fs: float) -> tuple[np.ndarray, np.ndarray]:
        """Filter coefficients ``(b, a)`` for sampling rate ``fs``."""
        wn = min(self.cutoff_hz / (fs / 2.0), 0.9)
        b, a = butter(self.order, wn, btype="low")
        return np.asarray(b), np.asarray(a)

    def smooth(self, seq: PoseSequence) -> PoseSequence:
        """Zero-phase filtered copy of ``seq``.

        Same result as ``scipy.signal.filtfilt`` (odd padding, default pad length,
        shortened for short runs) per coordinate channel, computed for all
        channels of a run at once with :class:`_BlockIIR`.
        """
        n_frames = len(seq)
        landmarks = np.array(seq.landmarks, dtype=np.float32, copy=True)
        world = np.array(seq.world_landmarks, dtype=np.float32, copy=True)
        if n_frames == 0:
            return PoseSequence(
                seq.timestamps_ms.copy(), landmarks, world, seq.image_size, seq.fps, seq.source
            )
        b, a = self.coefficients(sampling_rate(seq))
        iir = _block_iir(tuple(b.tolist()), tuple(a.tolist()))
        default_pad = 3 * max(len(a), len(b))
        has = seq.has_pose
        times = seq.timestamps_ms.astype(np.float64)
        for start, stop in pose_runs(seq.timestamps_ms, has, self.max_gap_ms):
            n = stop - start
            if n < self.min_run_frames:
                continue
            padlen = min(default_pad, n - 1)
            # image x, y, z and world x, y, z: (time, channels), filtered along time
            for source, dest in (
                (seq.landmarks[start:stop, :, :3], landmarks[start:stop, :, :3]),
                (seq.world_landmarks[start:stop], world[start:stop]),
            ):
                block = np.empty((n, source.shape[1] * 3))
                block.reshape(source.shape)[...] = source
                rows, mask = _fill_gaps(block, times[start:stop])
                unusable = np.flatnonzero(np.isnan(block[rows]).any(axis=0))
                if unusable.size == block.shape[1]:
                    continue  # nothing to filter (e.g. no world landmarks in this run)
                _filtfilt_into(iir, block, padlen, dest)
                if unusable.size:  # channels that could not be filled stay as they were
                    point, coord = np.divmod(unusable, 3)
                    dest[:, point, coord] = source[:, point, coord]
                if rows.size:  # values that were missing stay missing
                    dest[rows] = np.where(mask.reshape(-1, *dest.shape[1:]), np.nan, dest[rows])
        landmarks[~has] = np.nan
        return PoseSequence(
            seq.timestamps_ms.copy(), landmarks, world, seq.image_size, seq.fps, seq.source
        )


def apply_filter(pose_filter: PoseFilter, seq: PoseSequence) -> PoseSequence:
    """Run a causal :class:`PoseFilter` over a recording, frame by frame (after ``reset``)."""
    pose_filter.reset()
    poses = [pose_filter.update(seq.pose_at(i), int(seq.timestamps_ms[i])) for i in range(len(seq))]
    out = PoseSequence.from_poses(
        [int(t) for t in seq.timestamps_ms], poses, seq.image_size, seq.fps, seq.source
    )
    return out


class CausalSmoother(SequenceSmoother):
    """A live :class:`PoseFilter` run over a recording: what the live app would have seen."""

    name = "one_euro"

    def __init__(self, filter_name: str = "one_euro", **params: Any) -> None:
        self.filter = make_filter(filter_name, **params)

    def smooth(self, seq: PoseSequence) -> PoseSequence:
        return apply_filter(self.filter, seq)


FILTERS: dict[str, type[PoseFilter]] = {
    OneEuroPoseFilter.name: OneEuroPoseFilter,
    NoFilter.name: NoFilter,
}
"""Live filters by name."""

SMOOTHERS: dict[str, type[SequenceSmoother]] = {
    ButterworthSmoother.name: ButterworthSmoother,
    CausalSmoother.name: CausalSmoother,
    NoSmoothing.name: NoSmoothing,
}
"""Recorded-sequence smoothers by name."""


def _build(kind: str, registry: dict[str, type[Any]], name: str, params: dict[str, Any]) -> Any:
    cls = registry.get(name)
    if cls is None:
        valid = ", ".join(sorted(registry))
        raise PosecheckError(f"Unknown {kind} '{name}'. Valid names: {valid}.")
    try:
        return cls(**params)
    except (TypeError, PosecheckError) as exc:
        raise PosecheckError(f"Bad settings for {kind} '{name}': {exc}") from exc


def make_filter(name: str = "one_euro", **params: Any) -> PoseFilter:
    """A live :class:`PoseFilter` by name (:data:`FILTERS`): ``"one_euro"`` or ``"none"``.

    ``params`` go to the filter's constructor (e.g. ``min_cutoff=1.0``).
    Raises :class:`PosecheckError` for an unknown name or setting.
    """
    result: PoseFilter = _build("smoothing filter", FILTERS, name, params)
    return result


def make_smoother(name: str = "butterworth", **params: Any) -> SequenceSmoother:
    """A :class:`SequenceSmoother` by name (:data:`SMOOTHERS`):
    ``"butterworth"``, ``"one_euro"`` or ``"none"``.

    Raises :class:`PosecheckError` for an unknown name or setting.
    """
    result: SequenceSmoother = _build("smoother", SMOOTHERS, name, params)
    return result


__all__ = [
    "DEFAULT_MAX_GAP_MS",
    "FILTERS",
    "SMOOTHERS",
    "ButterworthSmoother",
    "CausalSmoother",
    "NoFilter",
    "NoSmoothing",
    "OneEuroFilter",
    "OneEuroPoseFilter",
    "PoseFilter",
    "SequenceSmoother",
    "apply_filter",
    "make_filter",
    "make_smoother",
    "pose_runs",
    "sampling_rate",
]
