"""JSON Schema of an exercise spec file (structure and types; semantics in ``validation``)."""

from __future__ import annotations

from typing import Any

from posecheck.specs.model import (
    CHECK_PHASES,
    CUE_KEYS,
    POSITIONS,
    REP_CHECK_KINDS,
    SEVERITIES,
    SIDE_SELECTORS,
    SIDES_MODES,
    VIEWS,
)

SCHEMA_ID = "https://posecheck.example/schemas/exercise-spec.json"
CODE_PATTERN = "^[a-z][a-z0-9_]*$"


def _text(description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description + " (Dutch `nl` and English `en`).",
        "properties": {
            "nl": {"type": "string", "minLength": 1, "description": "Dutch text"},
            "en": {"type": "string", "minLength": 1, "description": "English text"},
        },
        "required": ["nl", "en"],
        "additionalProperties": False,
    }


def _number(description: str, minimum: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "number", "description": description}
    if minimum is not None:
        out["minimum"] = minimum
    return out


def _measurement(names: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "string",
        "description": "A measurement name from the vocabulary (`posecheck.measure.MEASUREMENTS`).",
    }
    if names:
        out["enum"] = sorted(names)
    return out


def _side() -> dict[str, Any]:
    return {
        "enum": list(SIDE_SELECTORS),
        "description": "Which body side: none, near, far, left, right, moving, other, max, min, "
        "signed.",
    }


def _phases() -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"enum": list(CHECK_PHASES)},
        "minItems": 1,
        "uniqueItems": True,
        "description": "Phases in which the check is active.",
    }


def _object(properties: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _fault_common() -> dict[str, Any]:
    return {
        "code": {"type": "string", "pattern": CODE_PATTERN, "description": "Stable fault code."},
        "phases": _phases(),
        "min_duration_s": _number("How long the fault must last before it counts.", 0),
        "severity": {"enum": list(SEVERITIES), "description": "info, warning or stop."},
        "cooldown_s": _number("Minimum seconds between two cues of this fault.", 0),
        "message": _text("What the patient is told"),
    }


def spec_json_schema(measurement_names: list[str] | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a spec file.

    ``measurement_names`` restricts measurement fields to the vocabulary; by
    default it is read from :mod:`posecheck.measure` when that is importable.
    """
    if measurement_names is None:
        measurement_names = known_measurements()
    zone = _object(
        {
            "enter": _number("The zone is entered when the value passes this threshold."),
            "exit": _number("The zone is left when the value passes back over this threshold."),
        },
        ["enter", "exit"],
        "Hysteresis thresholds of a zone.",
    )
    check = _object(
        {
            **_fault_common(),
            "measurement": _measurement(measurement_names),
            "side": _side(),
            "when": {"enum": ["above", "below"], "description": "Fault when above/below enter."},
            "relative": {
                "type": "boolean",
                "description": "Measure from the start position (its value there counts as 0).",
            },
            "enter": _number("Threshold where the fault starts."),
            "exit": _number("Threshold where the fault ends (hysteresis)."),
        },
        ["code", "measurement", "when", "enter", "exit", "severity", "message"],
        "A form check.",
    )
    tempo = _object(
        {
            **_fault_common(),
            "measurement": _measurement(measurement_names),
            "side": _side(),
            "max_speed": _number("Maximum speed in measurement units per second.", 0),
        },
        ["code", "max_speed", "severity", "message"],
        "A tempo check ('slowly').",
    )
    rep_check = _object(
        {
            "code": {"type": "string", "pattern": CODE_PATTERN},
            "kind": {"enum": list(REP_CHECK_KINDS)},
            "value": _number("Threshold (units of the primary; a fraction for asymmetry).", 0),
            "severity": {"enum": list(SEVERITIES)},
            "message": _text("What the patient is told"),
        },
        ["code", "kind", "value", "severity", "message"],
        "A check over whole repetitions.",
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "posecheck exercise spec",
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "version",
            "name",
            "instructions",
            "start_positions",
            "views",
            "sides",
            "repetitions",
            "primary",
        ],
        "properties": {
            "id": {"type": "string", "pattern": CODE_PATTERN, "description": "Exercise id."},
            "version": {"type": "integer", "minimum": 1},
            "name": _text("Exercise name"),
            "instructions": _text("Patient instructions (from the leaflet)"),
            "start_positions": {
                "type": "array",
                "items": {"enum": list(POSITIONS)},
                "minItems": 1,
                "uniqueItems": True,
            },
            "views": {
                "type": "array",
                "items": {"enum": list(VIEWS)},
                "minItems": 1,
                "uniqueItems": True,
            },
            "repetitions": {
                "type": "integer",
                "minimum": 1,
                "description": "Repetitions per side (or in total when sides.mode = 'none').",
            },
            "sides": _object(
                {
                    "mode": {"enum": list(SIDES_MODES)},
                    "order": {
                        "type": "array",
                        "items": {"enum": ["left", "right"]},
                        "minItems": 2,
                        "maxItems": 2,
                        "uniqueItems": True,
                    },
                },
                ["mode"],
                "none, each (all reps of one side, then the other), alternate (left/right).",
            ),
            "hold": _object(
                {
                    "target_s": {
                        "oneOf": [
                            {"type": "number", "exclusiveMinimum": 0},
                            {"const": "max"},
                        ],
                        "description": 'Seconds to hold, or "max" = as long as possible.',
                    },
                    "grace_s": _number("Lost frames shorter than this do not stop the clock.", 0),
                    "progress_every_s": _number("Spoken progress every this many seconds.", 1),
                    "min_s": _number("Shortest hold that counts for 'as long as possible'.", 0),
                },
                ["target_s"],
                "Hold in the end position.",
            ),
            "rest": _object(
                {
                    "between_reps_s": _number("Rest between repetitions.", 0),
                    "between_sides_s": _number("Rest before switching sides.", 0),
                },
                [],
                "Rest timers.",
            ),
            "setup": _object(
                {
                    "window_s": _number("Seconds the start position must be seen.", 0.1),
                    "min_fraction": {"type": "number", "minimum": 0, "maximum": 1},
                    "lost_after_s": _number("Seconds out of position before it is lost.", 0.1),
                    "lowest_is_start": {
                        "type": "boolean",
                        "description": "The start position is where the primary is furthest "
                        "from the end zone: resting still clearly beyond the start zone fixes "
                        "the start position again (it was recognised during a hold).",
                    },
                    "require": {
                        "type": "array",
                        "description": "Conditions the start position must meet besides the "
                        "posture (e.g. arms stretched overhead).",
                        "items": _object(
                            {
                                "measurement": _measurement(measurement_names),
                                "side": _side(),
                                "when": {"enum": ["above", "below"]},
                                "value": _number("Threshold in the measurement's unit."),
                                "absolute": {
                                    "type": "boolean",
                                    "description": "Compare the magnitude (|value|).",
                                },
                            },
                            ["measurement", "when", "value"],
                            "One start-position condition.",
                        ),
                    },
                },
                [],
                "Start-position recognition.",
            ),
            "primary": _object(
                {
                    "measurement": _measurement(measurement_names),
                    "side": _side(),
                    "direction": {"enum": ["increase", "decrease"]},
                    "start_zone": zone,
                    "end_zone": zone,
                    "min_dwell_s": _number("Seconds past a threshold before a phase changes.", 0),
                    "target": {
                        "type": "array",
                        "items": {"type": "number"},
                        "minItems": 2,
                        "maxItems": 2,
                        "description": "[low, high] band shown on the gauge.",
                    },
                    "still_speed": _number("Speed under which the movement is settled.", 0),
                    "relative": {
                        "type": "boolean",
                        "description": "Measure from the start position (its value there = 0).",
                    },
                },
                ["measurement", "direction", "start_zone", "end_zone"],
                "The movement that defines a repetition.",
            ),
            "checks": {"type": "array", "items": check},
            "tempo": {"type": "array", "items": tempo},
            "rep_checks": {"type": "array", "items": rep_check},
            "cues": {
                "type": "object",
                "properties": {key: _text(f"Cue '{key}'") for key in CUE_KEYS},
                "additionalProperties": False,
            },
        },
    }


def known_measurements() -> list[str] | None:
    """Names in the measurement vocabulary, or ``None`` if it cannot be imported."""
    try:
        from posecheck.measure import MEASUREMENTS
    except ImportError:
        return None
    return sorted(MEASUREMENTS)
