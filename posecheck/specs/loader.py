"""Reading spec files (TOML), building :class:`ExerciseSpec`, overrides.

Specs are data only: nothing in a spec file is ever evaluated as code.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from posecheck.errors import SpecError
from posecheck.i18n import Text
from posecheck.paths import specs_dir
from posecheck.specs.model import (
    CheckSpec,
    ExerciseSpec,
    HoldSpec,
    PrimarySpec,
    RepCheckSpec,
    RequireSpec,
    RestSpec,
    SetupSpec,
    SidesSpec,
    TempoSpec,
    Zone,
)
from posecheck.specs.validation import _is_sided, validate_data

DEFAULT_CHECK_PHASES = ("raising", "hold", "lowering")


def _format(source: str, errors: list[tuple[str, str]]) -> list[str]:
    return [f"{source}: {key}: {problem}" for key, problem in errors]


def read_spec_data(path: Path) -> dict[str, Any]:
    """The parsed TOML of ``path``; :class:`SpecError` naming the file if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read spec file: {exc.strerror or exc}") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from exc


def validate_spec_file(path: str | Path) -> list[str]:
    """Every problem of the spec file as ``"file: key: problem"`` lines (empty = valid)."""
    path = Path(path)
    try:
        data = read_spec_data(path)
    except SpecError as exc:
        return [str(exc)]
    return _format(str(path), validate_data(data))


def _text(data: Mapping[str, Any]) -> Text:
    return Text(nl=str(data["nl"]), en=str(data["en"]))


def _default_side(measurement: str, side: str | None) -> str:
    if side is not None:
        return side
    return "near" if _is_sided(measurement) else "none"


def build_spec(data: Mapping[str, Any], source: Path | None = None) -> ExerciseSpec:
    """An :class:`ExerciseSpec` from already validated data (defaults filled in)."""
    p = data["primary"]
    start = Zone(float(p["start_zone"]["enter"]), float(p["start_zone"]["exit"]))
    end = Zone(float(p["end_zone"]["enter"]), float(p["end_zone"]["exit"]))
    increasing = p["direction"] == "increase"
    span = abs(end.enter - start.enter)
    if "target" in p:
        target = (float(p["target"][0]), float(p["target"][1]))
    elif increasing:
        target = (end.enter, end.enter + span)
    else:
        target = (end.enter - span, end.enter)
    primary = PrimarySpec(
        measurement=p["measurement"],
        side=_default_side(p["measurement"], p.get("side")),  # type: ignore[arg-type]
        direction=p["direction"],
        start_zone=start,
        end_zone=end,
        min_dwell_s=float(p.get("min_dwell_s", 0.2)),
        target=target,
        still_speed=float(p.get("still_speed", 0.5 * span)),
        relative=bool(p.get("relative", False)),
    )
    hold = None
    if "hold" in data:
        h = data["hold"]
        hold = HoldSpec(
            target_s=None if h["target_s"] == "max" else float(h["target_s"]),
            grace_s=float(h.get("grace_s", 0.5)),
            progress_every_s=float(h.get("progress_every_s", 10.0)),
            min_s=float(h.get("min_s", 1.0)),
        )
    r = data.get("rest", {})
    s = data.get("setup", {})
    sides = data["sides"]
    checks = tuple(
        CheckSpec(
            code=c["code"],
            measurement=c["measurement"],
            side=_default_side(c["measurement"], c.get("side")),  # type: ignore[arg-type]
            when=c["when"],
            enter=float(c["enter"]),
            exit=float(c["exit"]),
            phases=tuple(c.get("phases", DEFAULT_CHECK_PHASES)),
            min_duration_s=float(c.get("min_duration_s", 0.3)),
            severity=c["severity"],
            cooldown_s=float(c.get("cooldown_s", 8.0)),
            message=_text(c["message"]),
            relative=bool(c.get("relative", False)),
        )
        for c in data.get("checks", [])
    )
    tempo = tuple(
        TempoSpec(
            code=c["code"],
            measurement=c.get("measurement", primary.measurement),
            side=(
                _default_side(c["measurement"], c.get("side"))  # type: ignore[arg-type]
                if "measurement" in c
                else ("max" if primary.side in ("moving", "signed") else primary.side)
            ),
            max_speed=float(c["max_speed"]),
            phases=tuple(c.get("phases", ("start", "raising", "hold", "lowering"))),
            min_duration_s=float(c.get("min_duration_s", 0.2)),
            severity=c["severity"],
            cooldown_s=float(c.get("cooldown_s", 8.0)),
            message=_text(c["message"]),
        )
        for c in data.get("tempo", [])
    )
    rep_checks = tuple(
        RepCheckSpec(
            code=c["code"],
            kind=c["kind"],
            value=float(c["value"]),
            severity=c["severity"],
            message=_text(c["message"]),
        )
        for c in data.get("rep_checks", [])
    )
    return ExerciseSpec(
        id=data["id"],
        version=int(data["version"]),
        name=_text(data["name"]),
        instructions=_text(data["instructions"]),
        start_positions=tuple(data["start_positions"]),
        views=tuple(data["views"]),
        sides=SidesSpec(sides["mode"], tuple(sides.get("order", ("left", "right")))),
        repetitions=int(data["repetitions"]),
        hold=hold,
        rest=RestSpec(float(r.get("between_reps_s", 0.0)), float(r.get("between_sides_s", 0.0))),
        primary=primary,
        setup=SetupSpec(
            float(s.get("window_s", 1.0)),
            float(s.get("min_fraction", 0.6)),
            float(s.get("lost_after_s", 2.0)),
            bool(s.get("lowest_is_start", False)),
            tuple(
                RequireSpec(
                    measurement=q["measurement"],
                    side=_default_side(q["measurement"], q.get("side")),  # type: ignore[arg-type]
                    when=q["when"],
                    value=float(q["value"]),
                    absolute=bool(q.get("absolute", False)),
                )
                for q in s.get("require", [])
            ),
        ),
        checks=checks,
        tempo=tempo,
        rep_checks=rep_checks,
        cues={key: _text(value) for key, value in data.get("cues", {}).items()},
        source=source,
        raw=copy.deepcopy(dict(data)),
    )


def spec_from_data(data: Mapping[str, Any], source: str = "<spec>") -> ExerciseSpec:
    """Validate ``data`` and build the spec; :class:`SpecError` lists every problem."""
    errors = validate_data(data)
    if errors:
        raise SpecError("Invalid exercise spec:\n" + "\n".join(_format(source, errors)))
    return build_spec(data, Path(source) if source != "<spec>" else None)


def _resolve(path_or_id: str | Path, folder: Path | None = None) -> Path:
    candidate = Path(path_or_id)
    if candidate.suffix == ".toml" or candidate.exists() or len(candidate.parts) > 1:
        return candidate
    return (folder or specs_dir()) / f"{path_or_id}.toml"


def load_spec(path_or_id: str | Path, folder: Path | None = None) -> ExerciseSpec:
    """Load and validate a spec by file path or by id (``<folder or specs_dir()>/<id>.toml``)."""
    path = _resolve(path_or_id, folder)
    if not path.exists():
        where = folder or specs_dir()
        known = sorted(p.stem for p in where.glob("*.toml")) if where.is_dir() else []
        raise SpecError(
            f"No exercise spec '{path_or_id}' ({path} does not exist). "
            f"Known: {', '.join(known) or 'none'}."
        )
    data = read_spec_data(path)
    return spec_from_data(data, str(path))


def load_all_specs(folder: str | Path | None = None) -> dict[str, ExerciseSpec]:
    """Every ``*.toml`` spec in ``folder`` (default :func:`posecheck.paths.specs_dir`), by id.

    Raises :class:`SpecError` listing the problems of every invalid file.
    """
    where = Path(folder) if folder is not None else specs_dir()
    if not where.is_dir():
        raise SpecError(f"Spec folder {where} does not exist.")
    specs: dict[str, ExerciseSpec] = {}
    problems: list[str] = []
    for path in sorted(where.glob("*.toml")):
        errors = validate_spec_file(path)
        if errors:
            problems += errors
            continue
        spec = build_spec(read_spec_data(path), path)
        if spec.id in specs:
            problems.append(f"{path}: id: '{spec.id}' is also used by {specs[spec.id].source}")
            continue
        specs[spec.id] = spec
    if problems:
        raise SpecError("Invalid exercise spec(s):\n" + "\n".join(problems))
    return specs


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, Mapping):
        out = dict(base)
        for key, value in override.items():
            if "." in key:
                head, rest = key.split(".", 1)
                value = {rest: value}
                key = head
            out[key] = _merge(out.get(key), value) if key in out else _merge(None, value)
        return out
    if isinstance(base, list) and isinstance(override, Mapping):
        # a list of tables (checks, tempo, ...) overridden by code
        out_list = [dict(item) if isinstance(item, dict) else item for item in base]
        for code, value in override.items():
            for i, item in enumerate(out_list):
                if isinstance(item, dict) and item.get("code") == code:
                    out_list[i] = _merge(item, value)
                    break
            else:
                raise SpecError(f"override: no item with code '{code}'")
        return out_list
    if isinstance(override, Mapping):
        return {k: _merge(None, v) for k, v in override.items()}
    return copy.deepcopy(override)


def apply_overrides(spec: ExerciseSpec, overrides: Mapping[str, Any]) -> ExerciseSpec:
    """A copy of ``spec`` with ``overrides`` merged in, validated again.

    ``overrides`` is nested like the spec file (``{"hold": {"target_s": 20}}``);
    dotted keys work too (``{"hold.target_s": 20}``), and lists of checks are
    addressed by code (``{"checks": {"other_leg_lifted": {"enter": 20}}}``).
    """
    merged = _merge(copy.deepcopy(spec.raw), overrides)
    source = str(spec.source) if spec.source else "<spec>"
    errors = validate_data(merged)
    if errors:
        raise SpecError(
            "Invalid overrides:\n" + "\n".join(_format(f"{source} (overridden)", errors))
        )
    return build_spec(merged, spec.source)
