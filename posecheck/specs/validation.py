"""Validation of spec data: JSON-Schema structure checks plus semantic checks.

Every error names the key as a dotted path (``checks[1].message.nl``) and says
what is wrong; :mod:`posecheck.specs.loader` prefixes the file name.
"""

from __future__ import annotations

import difflib
import string
from collections import deque
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import jsonschema

from posecheck.specs.model import CUE_FIELDS
from posecheck.specs.schema import known_measurements, spec_json_schema

_LANGUAGE_NAMES = {"nl": "Dutch", "en": "English"}
_TYPE_NAMES = {
    "number": "a number",
    "integer": "a whole number",
    "string": "text",
    "object": "a table",
    "array": "a list",
    "boolean": "true or false",
}


def dotted(path: Iterable[Any]) -> str:
    """``["checks", 1, "message", "nl"]`` → ``checks[1].message.nl``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return f"text '{value}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = spec_json_schema(measurement_names=[])  # measurement names: semantic check
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _schema_message(error: jsonschema.ValidationError) -> tuple[str, str]:
    """``(key, problem)`` for one JSON-Schema error, in a physiotherapist's words."""
    path: deque[Any] = deque(error.absolute_path)
    key = dotted(path)
    kind = error.validator
    if kind == "required":
        missing = str(error.message).split("'")[1]
        key = dotted([*path, missing])
        if missing in _LANGUAGE_NAMES:
            return key, f"missing {_LANGUAGE_NAMES[missing]} text ('{missing}')"
        return key, f"missing required key '{missing}'"
    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        instance = error.instance if isinstance(error.instance, dict) else {}
        unknown = [k for k in instance if k not in allowed]
        name = unknown[0] if unknown else "?"
        hint = difflib.get_close_matches(name, allowed, n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else f"; allowed: {', '.join(allowed)}"
        return dotted([*path, name]), f"unknown key '{name}'{suggestion}"
    if kind == "type":
        wanted = error.validator_value
        wanted_name = (
            " or ".join(_TYPE_NAMES.get(str(w), str(w)) for w in wanted)
            if isinstance(wanted, list)
            else _TYPE_NAMES.get(str(wanted), str(wanted))
        )
        return key, f"wrong type: must be {wanted_name}, got {_type_name(error.instance)}"
    if kind == "enum":
        options = ", ".join(str(v) for v in error.validator_value)
        return key, f"'{error.instance}' is not allowed; choose one of: {options}"
    if kind == "oneOf" and path and path[-1] == "target_s":
        return key, f'must be a number of seconds > 0 or "max", got {_type_name(error.instance)}'
    if kind == "pattern":
        return key, f"'{error.instance}' must be lower_case_with_underscores"
    if kind in ("minimum", "exclusiveMinimum", "maximum"):
        bound = error.validator_value
        op = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<="}[str(kind)]
        return key, f"must be {op} {bound}, got {error.instance}"
    if kind in ("minItems", "maxItems"):
        return key, f"wrong number of items: {error.message}"
    if kind == "uniqueItems":
        return key, "items must not repeat"
    return key, str(error.message)


def schema_errors(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Structure/type errors as ``(key, problem)`` pairs, in key order."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.path])
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str]] = []
    for error in errors:
        item = _schema_message(error)
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _is_sided(name: str) -> bool | None:
    try:
        from posecheck.measure import MEASUREMENTS
    except ImportError:
        return None
    definition = MEASUREMENTS.get(name)
    return None if definition is None else bool(definition.sided)


def _measurement_errors(
    where: list[Any],
    name: Any,
    side: Any,
    names: list[str] | None,
    sides_mode: str,
    *,
    allow_signed: bool,
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if not isinstance(name, str):
        return out
    if names is not None and name not in names:
        hint = difflib.get_close_matches(name, names, n=1)
        extra = f"; did you mean '{hint[0]}'?" if hint else ""
        out.append((dotted([*where, "measurement"]), f"unknown measurement '{name}'{extra}"))
        return out
    sided = _is_sided(name)
    if side is None or not isinstance(side, str):
        return out
    key = dotted([*where, "side"])
    if side == "signed":
        if not allow_signed:
            out.append((key, "'signed' is only allowed for the primary measurement"))
        elif sided:
            out.append((key, f"'signed' needs an unsided measurement; '{name}' is sided"))
    elif sided is True and side == "none":
        out.append((key, f"measurement '{name}' is measured per side: choose a side"))
    elif sided is False and side != "none":
        out.append((key, f"measurement '{name}' has no sides: use side = \"none\" or leave it out"))
    if side in ("moving", "other") and sides_mode == "none":
        out.append((key, f"side '{side}' needs sides.mode 'each' or 'alternate'"))
    return out


def _hysteresis_error(
    key: str, enter: Any, exit_: Any, exit_must_be: str, zone: str
) -> list[tuple[str, str]]:
    if not isinstance(enter, int | float) or not isinstance(exit_, int | float):
        return []
    if exit_must_be == "above" and exit_ < enter:
        return [
            (key, f"inverted hysteresis: {zone} exit ({exit_}) must not be below enter ({enter})")
        ]
    if exit_must_be == "below" and exit_ > enter:
        return [
            (key, f"inverted hysteresis: {zone} exit ({exit_}) must not be above enter ({enter})")
        ]
    return []


def semantic_errors(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Errors the schema cannot express: vocabulary, sides, hysteresis, duplicates."""
    out: list[tuple[str, str]] = []
    names = known_measurements()
    sides_mode = str(data.get("sides", {}).get("mode", "none"))
    primary = data.get("primary", {})
    if isinstance(primary, dict):
        out += _measurement_errors(
            ["primary"],
            primary.get("measurement"),
            primary.get("side"),
            names,
            sides_mode,
            allow_signed=True,
        )
        increasing = primary.get("direction", "increase") == "increase"
        start = primary.get("start_zone", {})
        end = primary.get("end_zone", {})
        if isinstance(start, dict) and isinstance(end, dict):
            out += _hysteresis_error(
                "primary.start_zone.exit",
                start.get("enter"),
                start.get("exit"),
                "above" if increasing else "below",
                "start zone",
            )
            out += _hysteresis_error(
                "primary.end_zone.exit",
                end.get("enter"),
                end.get("exit"),
                "below" if increasing else "above",
                "end zone",
            )
            s_exit, e_enter = start.get("exit"), end.get("enter")
            if isinstance(s_exit, int | float) and isinstance(e_enter, int | float):
                overlap = s_exit >= e_enter if increasing else s_exit <= e_enter
                if overlap:
                    out.append(
                        (
                            "primary.end_zone.enter",
                            f"the end zone ({e_enter}) overlaps the start zone (exit {s_exit}) "
                            f"for direction '{primary.get('direction', 'increase')}'",
                        )
                    )
        target = primary.get("target")
        if (
            isinstance(target, list)
            and len(target) == 2
            and all(isinstance(v, int | float) for v in target)
            and target[0] > target[1]
        ):
            out.append(("primary.target", f"low ({target[0]}) is above high ({target[1]})"))
    setup = data.get("setup", {})
    requires = setup.get("require", []) if isinstance(setup, dict) else []
    for i, item in enumerate(requires if isinstance(requires, list) else []):
        if isinstance(item, dict):
            out += _measurement_errors(
                ["setup", "require", i],
                item.get("measurement"),
                item.get("side"),
                names,
                sides_mode,
                allow_signed=False,
            )
    codes: dict[str, str] = {}
    for section in ("checks", "tempo", "rep_checks"):
        items = data.get(section, [])
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            code = item.get("code")
            if isinstance(code, str):
                if code in codes:
                    out.append(
                        (
                            dotted([section, i, "code"]),
                            f"duplicate code '{code}' (also at {codes[code]})",
                        )
                    )
                else:
                    codes[code] = dotted([section, i, "code"])
            if section == "rep_checks":
                if item.get("kind") == "asymmetry_above" and sides_mode == "none":
                    out.append(
                        (
                            dotted([section, i, "kind"]),
                            "asymmetry_above needs sides.mode 'each' or 'alternate'",
                        )
                    )
                continue
            if "measurement" in item:
                out += _measurement_errors(
                    [section, i],
                    item.get("measurement"),
                    item.get("side"),
                    names,
                    sides_mode,
                    allow_signed=False,
                )
            if section == "checks":
                when = item.get("when")
                out += (
                    _hysteresis_error(
                        dotted([section, i, "exit"]),
                        item.get("enter"),
                        item.get("exit"),
                        "below" if when == "above" else "above",
                        "fault",
                    )
                    if when in ("above", "below")
                    else []
                )
    return out


def _cue_errors(cues: Any) -> list[tuple[str, str]]:
    """Cue texts whose ``{placeholders}`` the engine cannot fill in (it would fail, or
    say the braces aloud)."""
    out: list[tuple[str, str]] = []
    if not isinstance(cues, Mapping):
        return out
    for key, text in cues.items():
        if key not in CUE_FIELDS or not isinstance(text, Mapping):
            continue  # the schema reports these
        allowed = CUE_FIELDS[key]
        can_use = ", ".join(f"{{{name}}}" for name in allowed) or "none"
        for lang, value in text.items():
            if not isinstance(value, str):
                continue
            where = dotted(["cues", key, lang])
            try:
                parts = list(string.Formatter().parse(value))
            except ValueError as exc:
                problem = f"{exc} (braces mark a placeholder; this cue can use: {can_use})"
                out.append((where, problem))
                continue
            unknown = [f"{{{n}}}" for _, n, _, _ in parts if n is not None and n not in allowed]
            if unknown:
                problem = f"unknown placeholder {', '.join(unknown)}; this cue can use: {can_use}"
                out.append((where, problem))
    return out


def validate_data(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """All errors of a parsed spec as ``(key, problem)`` pairs (empty = valid)."""
    errors = schema_errors(data)
    keys = {key for key, _ in errors}
    for key, problem in semantic_errors(data) + _cue_errors(data.get("cues")):
        if key not in keys:
            errors.append((key, problem))
    return errors
