"""The JSON report (schema ``posecheck.report/1``) and its JSON Schema.

The fields named in the contract (see ``posecheck/schemas/report.schema.json``)
are stable: other tools rely on them. Extra fields are added beside them
(``position``, ``near_side``, ``primary_measurement``, ``holds``,
``recognition``, and with ``--patient`` ``patient`` and ``comparison``), never
instead of them.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from posecheck import __version__
from posecheck.analysis.result import AnalysisResult, Traces
from posecheck.engine.events import RepRecord

SCHEMA_ID = "posecheck.report/1"
EXERCISES = ("knee_to_chest", "pelvic_tilt", "trunk_rotation", "curl_up", "back_extension")
EXERCISE_CHOICES = (*EXERCISES, "none")


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The JSON Schema of the report (package data)."""
    text = resources.files("posecheck").joinpath("schemas/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_report(report: dict[str, Any]) -> list[str]:
    """Every way ``report`` breaks the contract, as readable strings (empty = valid)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(report_schema())
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}" for e in errors]


def _num(value: float, digits: int = 3) -> float:
    return round(float(value), digits)


def _rep_dict(rep: RepRecord) -> dict[str, Any]:
    peak = {
        name: _num(value, 2)
        for name, value in rep.peak.items()
        if value is not None and math.isfinite(float(value))
    }
    return {
        "index": int(rep.index),
        "side": rep.side,
        "start_s": _num(max(rep.start_s, 0.0)),
        "end_s": _num(max(rep.end_s, 0.0)),
        "hold_s": None if rep.hold_s is None else _num(max(rep.hold_s, 0.0)),
        "target_hold_s": None if rep.target_hold_s is None else _num(rep.target_hold_s),
        "completed": bool(rep.completed),
        "peak": peak,
        "faults": [str(code) for code in rep.faults],
    }


def hold_intervals(traces: Traces) -> list[dict[str, Any]]:
    """Runs of frames in the engine's ``hold`` phase: ``{"start_s", "end_s", "side"}``."""
    out: list[dict[str, Any]] = []
    start: int | None = None
    phases = traces.phases
    for i in range(len(phases) + 1):
        holding = i < len(phases) and phases[i] == "hold"
        if holding and start is None:
            start = i
        elif not holding and start is not None:
            side = traces.sides[start] if start < len(traces.sides) else None
            out.append(
                {
                    "start_s": _num(traces.times_s[start]),
                    "end_s": _num(traces.times_s[i - 1]),
                    "side": side,
                }
            )
            start = None
    return out


def build_report(result: AnalysisResult) -> dict[str, Any]:
    """The report dict of one analysed input (contract fields first, then extras)."""
    recognition = result.recognition
    report: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "source": str(result.source),
        "posecheck_version": __version__,
        "model": {"variant": result.model.variant, "sha256": result.model.sha256},
        "exercise": recognition.exercise,
        "exercise_confidence": _num(min(max(recognition.confidence, 0.0), 1.0)),
        "view": result.view,
        "fps": _num(result.fps),
        "frames": int(result.frames),
        "duration_s": _num(result.duration_s),
        "pose_frames": int(result.pose_frames),
        "reps": [_rep_dict(rep) for rep in result.reps],
        "faults": [
            {
                "code": fault.code,
                "start_s": _num(max(fault.start_s, 0.0)),
                "end_s": _num(max(fault.end_s, 0.0)),
                "message": fault.message.as_dict(),
                "severity": fault.severity,
            }
            for fault in result.faults
        ],
        # -- extras (free to grow) --
        "exercise_name": None if result.exercise_name is None else result.exercise_name.as_dict(),
        "position": result.position,
        "near_side": result.near_side,
        "image_size": list(result.image_size),
        "holds": hold_intervals(result.traces),
        "recognition": {
            "scores": {k: _num(v) for k, v in recognition.scores.items()},
            "reasons": dict(recognition.reasons),
        },
    }
    if result.primary_measurement is not None:
        report["primary_measurement"] = {
            "name": result.primary_measurement,
            "unit": result.primary_unit,
            "target": None
            if result.primary_target is None
            else [_num(v, 2) for v in result.primary_target],
        }
    if result.patient is not None:
        report["patient"] = result.patient
    if result.comparison is not None:
        report["comparison"] = result.comparison
    return report


def write_report(path: str | Path, report: dict[str, Any]) -> Path:
    """Write ``report`` as indented UTF-8 JSON (atomically: a temp file, then renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=_json_default) + "\n",
                   encoding="utf-8")
    tmp.replace(path)
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
