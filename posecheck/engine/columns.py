"""Which measurement columns a spec needs, and computing them (vectorised or one row).

A *column* is one measurement on one side (``hip_flexion.left``), the
left/right maximum or minimum (``hip_flexion.max``), an unsided measurement
(``trunk_curl``) or the speed of any of those (``speed:hip_flexion.left``, units
per second). The state machine reads plain floats from rows of these columns.
"""

from __future__ import annotations

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
            with np.errstate(all="ignore"):
                import warnings

                with warnings.catch_warnings():
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
        self, landmarks: np.ndarray, ctx: object, times_s: np.ndarray | None = None
    ) -> np.ndarray:
        """``(T, K)`` float64 rows of every column for ``landmarks`` ``(T, 33, 5)``.

        Speeds need ``times_s`` (central differences over the sequence); without
        it (one live row) speed columns are NaN and the caller fills them in.
        """
        from posecheck.measure import compute

        base: dict[str, np.ndarray] = {}
        for name, side in self.base_measurements():
            key = name if side is None else f"{name}.{side}"
            values = compute(name, landmarks, ctx, side)  # type: ignore[arg-type]
            base[key] = np.asarray(values, dtype=np.float64)
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
