"""Per-frame CSV: measurements and engine phase, for spreadsheets and pandas.

Columns: ``frame, t_s, pose`` (1/0), ``phase``, ``side`` and one column per
measurement (``<name>``, in the measurement's unit; empty = not measurable).
The primary measurement comes first among the measurement columns.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

from posecheck.analysis.result import Traces

BASE_COLUMNS = ("frame", "t_s", "pose", "phase", "side")


def measurement_columns(traces: Traces, primary: str | None = None) -> list[str]:
    """Measurement column names: ``primary`` first, the others alphabetically."""
    names = sorted(traces.measurements)
    if primary in traces.measurements:
        names.remove(primary)
        names.insert(0, primary)
    return names


def _cell(value: float) -> str:
    return "" if not math.isfinite(value) else f"{value:.4g}"


def write_csv(path: str | Path, traces: Traces, primary: str | None = None) -> Path:
    """Write one row per frame of ``traces`` to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = measurement_columns(traces, primary)
    columns: Sequence[str] = (*BASE_COLUMNS, *names)
    n = len(traces)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for i in range(n):
            phase = traces.phases[i] if i < len(traces.phases) else ""
            side = traces.sides[i] if i < len(traces.sides) else None
            row = [
                str(i),
                f"{float(traces.times_s[i]):.3f}",
                "1" if bool(traces.has_pose[i]) else "0",
                phase,
                side or "",
            ]
            row += [_cell(float(traces.measurements[name][i])) for name in names]
            writer.writerow(row)
    return path
