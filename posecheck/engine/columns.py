"""Which measurement columns a spec needs, and computing them (vectorised or one row).

A *column* is one measurement on one side (``hip_flexion.left``), the
left/right maximum or minimum (``hip_flexion.max``), an unsided measurement
(``trunk_curl``) or the speed of any of those (``speed:hip_flexion.left``, units
per second). The state machine reads plain floats from rows of these columns.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from posecheck.specs.model import ExerciseSpec

# Source kinds: how a consumer (primary, check, tempo) reads its value from a row.
FIXED, MOVING, OTHER, SIGNED = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Source:
    """How to read one value from a row.

    ``FIXED``: ``row[a]``; ``MOVING``: ``row[a]`` (left) or ``row[b]`` (right) by the
    side being exercised (before a side is known: the more advanced of both);
    ``OTHER``: the opposite side of ``MOVING``; ``SIGNED``: ``row[a]`` whose sign
    says the side (positive = the person's left).
    """

    kind: int
    a: int
    b: int = -1


def _base_keys(measurement: str, selector: str, near: str) -> list[str]:
    if selector in ("none", "signed"):
        return [measurement]
    if selector in ("left", "right"):
        return [f"{measurement}.{selector}"]
    if selector == "near":
        return [f"{measurement}.{near}"]
    if selector == "far":
        return [f"{measurement}.{'right' if near == 'left' else 'left'}"]
    if selector in ("max", "min"):
        return [f"{measurement}.{selector}"]
    return [f"{measurement}.left", f"{measurement}.right"]  # moving / other


class ColumnPlan:
    """The columns of a spec (for one near side) and a :class:`Source` per consumer."""

    def __init__(self, spec: ExerciseSpec, near_side: str | None) -> None:
        self.spec = spec
        self.near_side = near_side or "left"
        self.columns: list[str] = []
        near = self.near_side
        p = spec.primary
        self.primary = self._source(p.measurement, p.side, near, False, p.relative)
        self.primary_speed = self._source(p.measurement, p.side, near, True)
        self.checks = [
            self._source(c.measurement, c.side, near, False, c.relative) for c in spec.checks
        ]
        self.tempo = [self._source(c.measurement, c.side, near, True) for c in spec.tempo]
        self.require = [
            self._source(q.measurement, q.side, near, False) for q in spec.setup.require
        ]

    def _index(self, key: str) -> int:
        if key not in self.columns:
            self.columns.append(key)
        return self.columns.index(key)

    def _source(
        self, measurement: str, selector: str, near: str, speed: bool, relative: bool = False
    ) -> Source:
        keys = _base_keys(measurement, selector, near)
        if relative:
            keys = [f"{k}@start" for k in keys]
        if speed:
            for key in keys:  # a live speed is differentiated from its base column
                self._index(key)
            keys = [f"speed:{k}" for k in keys]
        idx = [self._index(k) for k in keys]
        if selector == "signed":
            return Source(SIGNED, idx[0])
        if selector == "moving":
            return Source(MOVING, idx[0], idx[1])
        if selector == "other":
            return Source(OTHER, idx[0], idx[1])
        return Source(FIXED, idx[0])

    @property
    def relative_columns(self) -> list[int]:
        """Columns measured from the start position (``...@start``)."""
        return [j for j, name in enumerate(self.columns) if name.endswith("@start")]

    def subtract_baseline(self, rows: np.ndarray, baseline: np.ndarray) -> None:
        """In place: relative columns minus their start-position value (``baseline`` (K,))."""
        for j in self.relative_columns:
            rows[..., j] -= baseline[j]

    def baseline(self, rows: np.ndarray) -> np.ndarray:
        """``(K,)`` median of ``rows`` (start-position frames), 0 for absolute columns."""
        out = np.zeros(rows.shape[-1])
        if len(rows):
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                for j in self.relative_columns:
                    value = np.nanmedian(rows[:, j])
                    out[j] = value if np.isfinite(value) else 0.0
        return out

    @property
    def speed_pairs(self) -> list[tuple[int, int]]:
        """``(speed column, base column)`` index pairs."""
        return [
            (j, self.columns.index(name.removeprefix("speed:")))
            for j, name in enumerate(self.columns)
            if name.startswith("speed:")
        ]

    def base_measurements(self) -> list[tuple[str, str | None]]:
        """``(measurement, side)`` pairs to compute (``side`` None = unsided)."""
        out: list[tuple[str, str | None]] = []
        for key in self.columns:
            key = key.removeprefix("speed:").removesuffix("@start")
            name, _, side = key.partition(".")
            pairs: list[tuple[str, str | None]] = (
                [(name, "left"), (name, "right")]
                if side in ("max", "min")
                else [(name, side or None)]
            )
            for pair in pairs:
                if pair not in out:
                    out.append(pair)
        return out

    def compute(
        self,
        landmarks: np.ndarray,
        ctx: object,
        times_s: np.ndarray | None = None,
        *,
        per_frame: bool = False,
    ) -> np.ndarray:
        """``(T, K)`` float64 rows of every column for ``landmarks`` ``(T, 33, 5)``.

        Speeds need ``times_s`` (central differences over the sequence); without
        it (one live row) speed columns are NaN and the caller fills them in.
        ``per_frame=True``: each row exactly as computing that frame alone gives it
        (see :func:`posecheck.measure.vocabulary.compute_many`).
        """
        from posecheck.measure.vocabulary import compute_many

        pairs = self.base_measurements()
        results = compute_many(pairs, landmarks, ctx, per_frame=per_frame)  # type: ignore[arg-type]
        base: dict[str, np.ndarray] = {
            (name if side is None else f"{name}.{side}"): np.asarray(v, dtype=np.float64)
            for (name, side), v in zip(pairs, results, strict=True)
        }
        n = len(landmarks)
        out = np.full((n, len(self.columns)), np.nan, dtype=np.float64)
        for j, column in enumerate(self.columns):
            is_speed = column.startswith("speed:")
            key = column.removeprefix("speed:").removesuffix("@start")
            name, _, side = key.partition(".")
            if side == "max":
                values = np.fmax(base[f"{name}.left"], base[f"{name}.right"])
            elif side == "min":
                values = np.fmin(base[f"{name}.left"], base[f"{name}.right"])
            else:
                values = base[key]
            if is_speed:
                if times_s is None or n < 3:
                    continue
                values = speed(values, times_s)
            out[:, j] = values
        return out


def speed(values: np.ndarray, times_s: np.ndarray) -> np.ndarray:
    """Central-difference rate of change (units/s); NaN next to gaps."""
    out = np.full_like(values, np.nan)
    if len(values) < 3:
        return out
    dt = times_s[2:] - times_s[:-2]
    with np.errstate(invalid="ignore", divide="ignore"):
        out[1:-1] = (values[2:] - values[:-2]) / dt
        out[0] = (values[1] - values[0]) / (times_s[1] - times_s[0])
        out[-1] = (values[-1] - values[-2]) / (times_s[-1] - times_s[-2])
    return out


def measure_frames(
    landmarks: np.ndarray, image_size: tuple[int, int], plan: ColumnPlan, ctx: object
) -> tuple[np.ndarray, list[str], list[str]]:
    """``(rows (T, K), views, postures)`` of ``landmarks`` ``(T, 33, 5)`` float64, each frame
    exactly as measuring it alone gives it (the engine's per-frame measuring; speed
    columns are NaN: the engine differentiates them over time)."""
    from posecheck.measure.posture import classify_posture, frame_views

    angle = float(getattr(ctx, "floor_angle_deg", 0.0))
    views = frame_views(landmarks, image_size, angle)
    feet = "feet" if getattr(ctx, "view", None) == "feet" else None
    postures = classify_posture(landmarks, image_size, angle, feet, views=views)
    rows = plan.compute(landmarks, ctx, per_frame=True)
    return rows, [str(v) for v in views.tolist()], [str(p) for p in postures.tolist()]


class FrameMeasurements:
    """Rows, views and postures of a recording's frames for a frame-by-frame consumer,
    measured in blocks.

    ``at(i, plan, ctx)`` gives exactly what measuring frame ``i`` alone gives
    (:func:`measure_frames` of that one frame, as the engine measures a live
    frame), but measures the following frames with the same plan and context
    in the same vectorised call: one call per block instead of one per frame.
    A block grows from 8 frames while the plan and context stay the same (up
    to ``max_block``), so a context re-estimated every few frames wastes
    little. Frames are measured as given: a frame the consumer skips (no pose,
    or a pose it ignored) is simply never asked for.

    Args:
        landmarks: ``(T, 33, 5)`` landmarks of the recording (as given to the engine).
        image_size: ``(width, height)``.
    """

    def __init__(
        self, landmarks: np.ndarray, image_size: tuple[int, int], max_block: int = 512
    ) -> None:
        self._lm = landmarks
        self._size = image_size
        self._max_block = max_block
        self._plan: ColumnPlan | None = None
        self._ctx: object = None
        self._start = self._stop = 0
        self._block = 8
        self._rows: list[list[float]] = []
        self._views: list[str] = []
        self._postures: list[str] = []

    def at(self, i: int, plan: ColumnPlan, ctx: object) -> tuple[np.ndarray, str, str]:
        """``(row (K,), view, posture)`` of frame ``i`` measured with ``plan`` and ``ctx``."""
        row, view, posture = self.row(i, plan, ctx)
        return np.asarray(row, dtype=np.float64), view, posture

    def row(self, i: int, plan: ColumnPlan, ctx: object) -> tuple[list[float], str, str]:
        """:meth:`at` with the row as a new list of floats (for scalar consumers)."""
        if plan is not self._plan or ctx is not self._ctx:
            self._plan, self._ctx, self._block = plan, ctx, 8
            self._fill(i)
        elif not self._start <= i < self._stop:
            self._block = min(2 * self._block, self._max_block)
            self._fill(i)
        j = i - self._start
        return self._rows[j][:], self._views[j], self._postures[j]

    def _fill(self, i: int) -> None:
        assert self._plan is not None
        stop = min(i + self._block, len(self._lm))
        lm = np.asarray(self._lm[i:stop], dtype=np.float64)
        with warnings.catch_warnings():  # frames without a pose: all-NaN reductions
            warnings.simplefilter("ignore", RuntimeWarning)
            rows, self._views, self._postures = measure_frames(
                lm, self._size, self._plan, self._ctx
            )
        self._rows = rows.tolist()
        self._start, self._stop = i, stop
