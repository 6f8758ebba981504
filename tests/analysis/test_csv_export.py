"""Per-frame CSV: one row per frame, the phase and every measurement, readable by csv/pandas."""

from __future__ import annotations

import csv
from pathlib import Path

from test_analysis_report import make_result

from posecheck.analysis.csv_export import BASE_COLUMNS, write_csv


def test_one_row_per_frame_with_phase_and_measurements(tmp_path: Path) -> None:
    result = make_result()
    path = write_csv(tmp_path / "frames.csv", result.traces, primary="hip_flexion")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    header = list(rows[0].keys())
    assert header == [*BASE_COLUMNS, "hip_flexion", "head_lift"]  # primary first
    assert len(rows) == len(result.traces)
    assert rows[0]["frame"] == "0" and rows[0]["t_s"] == "0.000" and rows[0]["pose"] == "1"
    assert rows[25]["phase"] == "raising" and rows[25]["side"] == "left"
    assert rows[40]["phase"] == "hold"
    assert float(rows[-1]["hip_flexion"]) == 120.0
    assert rows[-1]["head_lift"] == ""  # not measurable: empty cell, not 'nan'
