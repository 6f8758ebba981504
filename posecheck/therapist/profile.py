"""Patient profiles: one readable TOML file per patient.

A physiotherapist writes what a patient should do; ``posecheck live --patient
FILE`` and ``posecheck analyze --patient FILE`` then demand exactly that (the
bundled exercise specs with the patient's overrides applied). Format (see
``docs/therapist.md`` and ``examples/patient_example.toml``)::

    schema = "posecheck.patient/1"      # optional
    name = "J. de Vries"                # name or pseudonym (required)
    id = "p-0042"                       # optional; key in the session history (default: name)
    language = "nl"                     # nl | en
    sessions_per_week = 5               # optional adherence goal (shown in the report)

    [exercises.knee_to_chest]           # one table per exercise, in program order
    enabled = true                      # default true
    hold_s = 20                         # seconds > 0, or "max" = as long as possible
    repetitions = 2                     # per side
    rest_s = 30                         # rest between repetitions and before switching side
    sides = ["right", "left"]           # order of the sides (or "alternate")
    rom_target = { from_reference = "refs/k2c.json", fraction = 0.9 }   # or degrees: 100
    reference = "refs/k2c.json"         # demonstration to compare each repetition with

Relative paths are relative to the profile file. Errors name the file and the
key, e.g. ``patient.toml: exercises.knee_to_chest.hold_s: must be a positive
number or "max"``.

Range-of-motion target: the value the spec's *primary* measurement must reach
for the end position (and the hold) to count. Derived from a reference, it is
``start + fraction × (peak − start)`` of the demonstration's primary
measurement, i.e. the given fraction of the movement the therapist showed,
measured from the start posture (see :meth:`Reference.range_shown`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posecheck.errors import PosecheckError, SpecError
from posecheck.i18n import Text

if TYPE_CHECKING:
    from posecheck.specs.model import ExerciseSpec

SCHEMA = "posecheck.patient/1"
LANGUAGES = ("nl", "en")
TOP_KEYS = (
    "schema", "name", "id", "language", "therapist", "notes", "sessions_per_week", "exercises",
)
EXERCISE_KEYS = (
    "enabled", "hold_s", "repetitions", "rest_s", "sides", "rom_target", "reference", "notes",
)
ROM_KEYS = ("from_reference", "fraction", "degrees")
BY_HAND = Text(nl="met de hand ingesteld", en="set by hand")


@dataclass(frozen=True)
class RomTarget:
    """A range-of-motion target for the primary measurement.

    Attributes:
        value: the value to reach (degrees for angle measurements).
        origin: how it was set, for people: "set by hand" or "90 % of the range shown in …".
        reference: the reference it was derived from, if any.
        fraction: the fraction of the shown range, if derived.
    """

    value: float
    origin: Text
    reference: Path | None = None
    fraction: float | None = None


@dataclass(frozen=True)
class ExercisePlan:
    """One exercise in a patient's program; ``None`` fields keep the spec's value."""

    exercise_id: str
    enabled: bool = True
    hold_s: float | None = None
    hold_max: bool = False
    """True: hold "as long as possible" (overrides the spec's fixed target)."""
    repetitions: int | None = None
    rest_s: float | None = None
    side_order: tuple[str, ...] | None = None
    alternate_sides: bool = False
    rom_target: RomTarget | None = None
    reference: Path | None = None
    notes: str = ""

    @property
    def hold_target_s(self) -> float | None:
        """The patient's hold target in seconds (``None``: not set or as long as possible)."""
        return None if self.hold_max else self.hold_s


@dataclass(frozen=True)
class PatientProfile:
    """A validated patient profile (see the module docstring for the file format)."""

    path: Path
    name: str
    language: str
    exercises: dict[str, ExercisePlan] = field(default_factory=dict)
    patient_id: str | None = None
    therapist: str = ""
    notes: str = ""
    sessions_per_week: int | None = None

    @property
    def patient_key(self) -> str:
        """The key of this patient in the session history (``id``, else ``name``)."""
        return self.patient_id or self.name

    @property
    def enabled_exercises(self) -> list[str]:
        """Exercise ids of the program, in file order."""
        return [ex_id for ex_id, plan in self.exercises.items() if plan.enabled]

    def plan(self, exercise_id: str) -> ExercisePlan | None:
        return self.exercises.get(exercise_id)

    def reference_for(self, exercise_id: str) -> Path | None:
        """The demonstration this patient's attempts at ``exercise_id`` are compared with.

        ``reference`` if given, else the reference the ROM target was derived from.
        """
        plan = self.exercises.get(exercise_id)
        if plan is None:
            return None
        if plan.reference is not None:
            return plan.reference
        return plan.rom_target.reference if plan.rom_target else None

    def overrides_for(self, exercise_id: str, spec: ExerciseSpec) -> dict[str, Any]:
        """The spec overrides (for :func:`posecheck.specs.apply_overrides`) of one exercise."""
        plan = self.exercises.get(exercise_id)
        return {} if plan is None else _overrides(plan, spec)

    def spec_for(self, exercise_id: str, spec: ExerciseSpec) -> ExerciseSpec:
        """``spec`` with this patient's overrides applied (the spec itself if none).

        Raises :class:`SpecError` naming the profile file and key when an
        override does not fit the spec (e.g. a ROM target inside the start zone).
        """
        from posecheck.specs import apply_overrides

        overrides = self.overrides_for(exercise_id, spec)
        if not overrides:
            return spec
        try:
            return apply_overrides(spec, overrides)
        except SpecError as exc:
            raise SpecError(
                f"{self.path}: exercises.{exercise_id}: the overrides do not fit the "
                f"'{spec.id}' exercise: {exc}"
            ) from exc


def load_profile(path: str | Path) -> PatientProfile:
    """Read and validate a patient profile; :class:`SpecError` lists every problem."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"Cannot read patient profile '{file}': {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{file}: not valid TOML: {exc}") from exc
    errors: list[str] = []
    profile = _parse(file, data, errors)
    if errors:
        listing = "\n  ".join(errors)
        raise SpecError(f"Patient profile '{file}' is invalid:\n  {listing}")
    assert profile is not None
    return profile


def validate_profile_file(path: str | Path) -> list[str]:
    """Every problem of a profile file as ``"key: message"`` strings (empty when valid)."""
    try:
        load_profile(path)
    except SpecError as exc:
        lines = str(exc).splitlines()
        return [line.strip() for line in lines[1:]] if len(lines) > 1 else [str(exc)]
    return []


# --- parsing -------------------------------------------------------------------------


def _known_exercises() -> dict[str, ExerciseSpec] | None:
    try:
        from posecheck.specs import load_all_specs

        return load_all_specs()
    except (ImportError, PosecheckError, OSError):
        return None


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _parse(file: Path, data: dict[str, Any], errors: list[str]) -> PatientProfile | None:
    for key in data:
        if key not in TOP_KEYS:
            errors.append(f"{key}: unknown key (known: {', '.join(TOP_KEYS)})")
    schema = data.get("schema", SCHEMA)
    if schema != SCHEMA:
        errors.append(f"schema: must be \"{SCHEMA}\"")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append("name: required, the patient's name or a pseudonym")
        name = ""
    patient_id = data.get("id")
    if patient_id is not None and (not isinstance(patient_id, str) or not patient_id.strip()):
        errors.append("id: must be a non-empty string")
        patient_id = None
    language = data.get("language", "nl")
    if language not in LANGUAGES:
        errors.append(f"language: must be one of {', '.join(LANGUAGES)}")
    for key in ("therapist", "notes"):
        if key in data and not isinstance(data[key], str):
            errors.append(f"{key}: must be text")
    per_week = data.get("sessions_per_week")
    if per_week is not None and (
        not isinstance(per_week, int) or isinstance(per_week, bool) or not 1 <= per_week <= 21
    ):
        errors.append("sessions_per_week: must be a whole number from 1 to 21")
    exercises_raw = data.get("exercises")
    plans: dict[str, ExercisePlan] = {}
    if not isinstance(exercises_raw, dict) or not exercises_raw:
        errors.append("exercises: required, one [exercises.<id>] table per exercise")
    else:
        known = _known_exercises()
        for ex_id, table in exercises_raw.items():
            key = f"exercises.{ex_id}"
            if known is not None and ex_id not in known:
                errors.append(f"{key}: unknown exercise (known: {', '.join(sorted(known))})")
                continue
            if not isinstance(table, dict):
                errors.append(f"{key}: must be a table")
                continue
            spec = known.get(ex_id) if known else None
            plan = _parse_exercise(file, ex_id, table, spec, errors)
            if plan is not None and spec is not None:
                errors.extend(_override_errors(plan, spec))
            if plan is not None:
                plans[ex_id] = plan
        if plans and not any(p.enabled for p in plans.values()):
            errors.append("exercises: no exercise is enabled")
    if errors:
        return None
    return PatientProfile(
        path=file,
        name=str(name).strip(),
        language=str(language),
        exercises=plans,
        patient_id=patient_id.strip() if isinstance(patient_id, str) else None,
        therapist=str(data.get("therapist", "")),
        notes=str(data.get("notes", "")),
        sessions_per_week=per_week,
    )


def _parse_exercise(
    file: Path, ex_id: str, table: dict[str, Any], spec: ExerciseSpec | None, errors: list[str]
) -> ExercisePlan | None:
    key = f"exercises.{ex_id}"
    n_errors = len(errors)
    for sub in table:
        if sub not in EXERCISE_KEYS:
            errors.append(f"{key}.{sub}: unknown key (known: {', '.join(EXERCISE_KEYS)})")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        errors.append(f"{key}.enabled: must be true or false")

    hold_s: float | None = None
    hold_max = False
    if "hold_s" in table:
        value = table["hold_s"]
        if value == "max":
            hold_max = True
        elif _is_number(value) and value > 0:
            hold_s = float(value)
        else:
            errors.append(f'{key}.hold_s: must be a positive number (seconds) or "max"')
        if spec is not None and spec.hold is None:
            errors.append(f"{key}.hold_s: the '{ex_id}' exercise has no hold")

    repetitions: int | None = None
    if "repetitions" in table:
        value = table["repetitions"]
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100:
            repetitions = value
        else:
            errors.append(f"{key}.repetitions: must be a whole number from 1 to 100")

    rest_s: float | None = None
    if "rest_s" in table:
        value = table["rest_s"]
        if _is_number(value) and 0 <= value <= 600:
            rest_s = float(value)
        else:
            errors.append(f"{key}.rest_s: must be a number of seconds from 0 to 600")

    side_order: tuple[str, ...] | None = None
    alternate = False
    if "sides" in table:
        value = table["sides"]
        if value == "alternate":
            alternate = True
        elif (
            isinstance(value, list)
            and sorted(value) == ["left", "right"]
        ):
            side_order = tuple(value)
        else:
            errors.append(
                f'{key}.sides: must be ["left", "right"], ["right", "left"] (the order) '
                f'or "alternate"'
            )
        if spec is not None and spec.sides.mode == "none":
            errors.append(f"{key}.sides: the '{ex_id}' exercise has no sides")

    reference: Path | None = None
    if "reference" in table:
        reference = _reference_path(file, table["reference"], f"{key}.reference", errors)
        if reference is not None:
            _check_reference(reference, ex_id, f"{key}.reference", errors)

    rom: RomTarget | None = None
    if "rom_target" in table:
        rom = _parse_rom(file, ex_id, table["rom_target"], spec, f"{key}.rom_target", errors)

    notes = table.get("notes", "")
    if not isinstance(notes, str):
        errors.append(f"{key}.notes: must be text")
        notes = ""
    if len(errors) > n_errors:
        return None
    return ExercisePlan(
        exercise_id=ex_id,
        enabled=bool(enabled),
        hold_s=hold_s,
        hold_max=hold_max,
        repetitions=repetitions,
        rest_s=rest_s,
        side_order=side_order,
        alternate_sides=alternate,
        rom_target=rom,
        reference=reference,
        notes=notes,
    )


def _reference_path(file: Path, value: object, key: str, errors: list[str]) -> Path | None:
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{key}: must be the path of a reference file (.json)")
        return None
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = file.parent / path
    if not path.is_file():
        errors.append(f"{key}: reference file '{path}' not found")
        return None
    return path


def _check_reference(path: Path, ex_id: str, key: str, errors: list[str]) -> None:
    from posecheck.therapist.reference import load_reference

    try:
        ref = load_reference(path)
    except PosecheckError as exc:
        errors.append(f"{key}: {exc}")
        return
    if ref.spec_id != ex_id:
        errors.append(f"{key}: '{path.name}' demonstrates '{ref.spec_id}', not '{ex_id}'")


def _parse_rom(
    file: Path,
    ex_id: str,
    value: object,
    spec: ExerciseSpec | None,
    key: str,
    errors: list[str],
) -> RomTarget | None:
    if _is_number(value):
        return RomTarget(value=float(value), origin=BY_HAND)  # type: ignore[arg-type]
    if not isinstance(value, dict):
        errors.append(
            f"{key}: must be a number (degrees) or "
            "{{ from_reference = \"FILE\", fraction = 0.9 }}"
        )
        return None
    for sub in value:
        if sub not in ROM_KEYS:
            errors.append(f"{key}.{sub}: unknown key (known: {', '.join(ROM_KEYS)})")
    if "degrees" in value:
        if "from_reference" in value:
            errors.append(f"{key}: give either degrees or from_reference, not both")
            return None
        degrees = value["degrees"]
        if not _is_number(degrees):
            errors.append(f"{key}.degrees: must be a number")
            return None
        return RomTarget(value=float(degrees), origin=BY_HAND)
    if "from_reference" not in value:
        errors.append(f"{key}.from_reference: required (or give degrees)")
        return None
    fraction = value.get("fraction", 1.0)
    if not _is_number(fraction) or not 0.1 <= fraction <= 1.5:
        errors.append(f"{key}.fraction: must be a number from 0.1 to 1.5 (e.g. 0.9 = 90 %)")
        return None
    ref_path = _reference_path(file, value["from_reference"], f"{key}.from_reference", errors)
    if ref_path is None:
        return None
    from posecheck.therapist.reference import load_reference

    try:
        ref = load_reference(ref_path)
    except PosecheckError as exc:
        errors.append(f"{key}.from_reference: {exc}")
        return None
    if ref.spec_id != ex_id:
        errors.append(
            f"{key}.from_reference: '{ref_path.name}' demonstrates '{ref.spec_id}', not '{ex_id}'"
        )
        return None
    shown = ref.range_shown()
    if shown is None:
        errors.append(
            f"{key}.from_reference: '{ref_path.name}' has no complete repetition to take a "
            "range from"
        )
        return None
    start, peak = shown
    target = start + float(fraction) * (peak - start)
    pct = f"{float(fraction) * 100:.0f} %"
    return RomTarget(
        value=target,
        origin=Text(
            nl=f"{pct} van de uitslag voorgedaan in {ref_path.name} "
            f"({ref.primary_measurement} {start:.0f} → {peak:.0f})",
            en=f"{pct} of the range shown in {ref_path.name} "
            f"({ref.primary_measurement} {start:.0f} → {peak:.0f})",
        ),
        reference=ref_path,
        fraction=float(fraction),
    )


# --- overrides -----------------------------------------------------------------------


def _override_errors(plan: ExercisePlan, spec: ExerciseSpec) -> list[str]:
    """Problems of applying ``plan`` to ``spec``, as ``exercises.<id>.<key>: message``."""
    from posecheck.specs import apply_overrides

    key = f"exercises.{plan.exercise_id}"
    if plan.rom_target is not None:
        value = plan.rom_target.value
        from posecheck.measure import MEASUREMENTS

        base = MEASUREMENTS.get(spec.primary.measurement)
        if base is not None and base.unit == "deg" and not -180.0 <= value <= 180.0:
            return [f"{key}.rom_target: {value:.0f}° is not a possible angle (-180 to 180)"]
    try:
        apply_overrides(spec, _overrides(plan, spec))
    except SpecError as exc:
        lines = [ln.split("(overridden): ", 1)[-1] for ln in str(exc).splitlines()[1:]]
        out = []
        for line in lines or [str(exc)]:
            if line.startswith("primary."):
                out.append(f"{key}.rom_target: {plan.rom_target.value if plan.rom_target else ''}"
                           f" does not fit the exercise ({line})")
            else:
                out.append(f"{key}: {line}")
        return out
    return []


def _overrides(plan: ExercisePlan, spec: ExerciseSpec) -> dict[str, Any]:
    """Translate a plan into a patch of the spec file's tables (``spec.raw`` layout)."""
    out: dict[str, Any] = {}
    if plan.hold_max:
        out["hold"] = {"target_s": "max"}
    elif plan.hold_s is not None:
        out["hold"] = {"target_s": plan.hold_s}
    if plan.repetitions is not None:
        out["repetitions"] = plan.repetitions
    if plan.rest_s is not None:
        out["rest"] = {"between_reps_s": plan.rest_s, "between_sides_s": plan.rest_s}
    if plan.alternate_sides:
        out["sides"] = {"mode": "alternate", "order": list(spec.sides.order)}
    elif plan.side_order is not None:
        mode = spec.sides.mode if spec.sides.mode != "none" else "each"
        out["sides"] = {"mode": mode, "order": list(plan.side_order)}
    if plan.rom_target is not None:
        out["primary"] = _rom_overrides(plan.rom_target.value, spec)
    return out


def _rom_overrides(target: float, spec: ExerciseSpec) -> dict[str, Any]:
    """Move the end zone so that it is entered at ``target`` (hysteresis gap kept).

    The gauge's target band starts at ``target`` and keeps its width.
    """
    primary = spec.primary
    gap = abs(primary.end_zone.enter - primary.end_zone.exit)
    low, high = primary.target
    width = abs(high - low)
    if primary.increasing:
        end_zone = {"enter": target, "exit": target - gap}
        band = [target, target + width]
    else:
        end_zone = {"enter": target, "exit": target + gap}
        band = [target - width, target]
    return {"end_zone": end_zone, "target": band}
