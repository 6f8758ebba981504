"""The report contract: the JSON Schema names exactly the contract's fields, and reports pass it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from posecheck.analysis.report import (
    SCHEMA_ID,
    build_report,
    report_schema,
    validate_report,
    write_report,
)
from posecheck.analysis.result import (
    AnalysisResult,
    FaultRecord,
    ModelRef,
    Recognition,
    Traces,
)
from posecheck.engine.events import RepRecord
from posecheck.i18n import Text

CONTRACT_TOP = {
    "schema": "string", "source": "string", "posecheck_version": "string", "model": "object",
    "exercise": None, "exercise_confidence": "number", "view": "string", "fps": "number",
    "frames": "integer", "duration_s": "number", "pose_frames": "integer", "reps": "array",
    "faults": "array",
}
CONTRACT_REP = {
    "index": "integer", "side": None, "start_s": "number", "end_s": "number",
    "hold_s": ["number", "null"], "target_hold_s": ["number", "null"], "completed": "boolean",
    "peak": "object", "faults": "array",
}
CONTRACT_FAULT = {"code": "string", "start_s": "number", "end_s": "number", "message": "object"}


def make_result() -> AnalysisResult:
    times = np.arange(100) / 10.0
    phases = ["start"] * 20 + ["raising"] * 10 + ["hold"] * 40 + ["lowering"] * 10 + ["start"] * 20
    traces = Traces(
        times_s=times,
        has_pose=np.ones(100, bool),
        measurements={"hip_flexion": np.linspace(10, 120, 100), "head_lift": np.full(100, np.nan)},
        phases=phases,
        sides=[None] * 20 + ["left"] * 60 + [None] * 20,
    )
    rep = RepRecord(index=1, side="left", start_s=2.0, end_s=8.0, hold_s=4.0,
                    target_hold_s=30.0, completed=False,
                    peak={"hip_flexion": 118.5, "knee_flexion": float("nan")},
                    faults=("head_lifted",))
    fault = FaultRecord("head_lifted", 3.0, 4.5,
                        Text(nl="Hou je hoofd op de grond.", en="Keep your head down."))
    return AnalysisResult(
        source="clip.mp4", model=ModelRef("full", "ab" * 32),
        recognition=Recognition("knee_to_chest", 0.83, {"knee_to_chest": 0.83, "curl_up": 0.2}),
        view="side", fps=10.0, frames=100, duration_s=10.0, pose_frames=100, reps=[rep],
        faults=[fault], traces=traces, position="hook_lying", near_side="left",
        primary_measurement="hip_flexion", primary_target=(100.0, 140.0), primary_unit="deg",
    )


def _types(prop: dict) -> object:
    if "enum" in prop:
        return None
    if "const" in prop:
        return type(prop["const"]).__name__.replace("str", "string")
    return prop.get("type")


@pytest.mark.parametrize(
    ("pointer", "contract"),
    [((), CONTRACT_TOP), (("reps", "items"), CONTRACT_REP), (("faults", "items"), CONTRACT_FAULT)],
)
def test_schema_names_exactly_the_contract_fields(pointer: tuple[str, ...], contract: dict) -> None:
    node = report_schema()
    for key in pointer:
        node = node["properties"][key] if key in node.get("properties", {}) else node[key]
    assert set(node["required"]) == set(contract)
    for name, expected in contract.items():
        assert _types(node["properties"][name]) == expected, name


def test_schema_enums_match_contract() -> None:
    props = report_schema()["properties"]
    assert props["schema"]["const"] == SCHEMA_ID == "posecheck.report/1"
    assert set(props["exercise"]["enum"]) == {
        "knee_to_chest", "pelvic_tilt", "trunk_rotation", "curl_up", "back_extension", "none"
    }
    assert props["reps"]["items"]["properties"]["side"]["enum"] == ["left", "right", None]
    assert props["model"]["required"] == ["variant", "sha256"]
    assert props["faults"]["items"]["properties"]["message"]["required"] == ["nl", "en"]


def test_built_report_matches_schema_and_contract(tmp_path) -> None:
    report = build_report(make_result())
    assert validate_report(report) == []
    rep = report["reps"][0]
    assert rep["side"] == "left" and rep["hold_s"] == 4.0 and rep["target_hold_s"] == 30.0
    assert rep["peak"] == {"hip_flexion": 118.5}  # NaN peaks are dropped, not written
    assert report["faults"][0]["message"]["nl"].startswith("Hou")
    assert report["holds"] == [{"start_s": 3.0, "end_s": 6.9, "side": "left"}]
    path = write_report(tmp_path / "r.json", report)
    assert json.loads(path.read_text("utf-8")) == report


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda r: r.pop("pose_frames"), "<root>"),
        (lambda r: r.update(exercise="squat"), "exercise"),
        (lambda r: r["reps"][0].update(side="both"), "reps/0/side"),
        (lambda r: r["reps"][0].update(hold_s="4"), "reps/0/hold_s"),
        (lambda r: r["faults"][0]["message"].pop("nl"), "faults/0/message"),
        (lambda r: r.update(frames=10.5), "frames"),
        (lambda r: r["model"].pop("sha256"), "model"),
    ],
)
def test_contract_violations_are_caught(mutate, where: str) -> None:
    report = build_report(make_result())
    mutate(report)
    errors = validate_report(report)
    assert errors and errors[0].startswith(where)
