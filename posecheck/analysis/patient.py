"""What a patient profile changes in ``posecheck analyze --patient FILE``.

- **The demands.** The exercise's spec with the patient's overrides (hold,
  repetitions, rest, sides, ROM target; :meth:`PatientProfile.spec_for`) is what
  the engine measures against. With ``--exercise auto`` the exercise is first
  recognised with the standard specs, then the recognised exercise is analysed
  again with the patient's spec.
- **The programme.** An exercise that is switched off (``enabled = false``) or
  not in the profile at all is still analysed, and the report says so
  (:func:`program_note`).
- **The comparison.** When the profile names a reference demonstration for the
  exercise, every repetition is compared with it (:func:`comparison_for`,
  :func:`posecheck.therapist.compare.compare_run`); the report's ``comparison``
  field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from posecheck.i18n import Text

if TYPE_CHECKING:
    from posecheck.engine import EngineRun
    from posecheck.specs import ExerciseSpec
    from posecheck.therapist.profile import PatientProfile

NOT_IN_PROGRAM = Text(
    nl="{name} staat niet in het programma van deze patiënt; de standaarddoelen van de "
    "oefening zijn gebruikt.",
    en="{name} is not in this patient's programme; the exercise's standard targets were used.",
)
SWITCHED_OFF = Text(
    nl="{name} staat uit in het programma van deze patiënt (enabled = false); de doelen uit "
    "het profiel zijn wel gebruikt.",
    en="{name} is switched off in this patient's programme (enabled = false); the profile's "
    "targets were still used.",
)


def patient_spec(profile: PatientProfile, exercise_id: str, spec: ExerciseSpec) -> ExerciseSpec:
    """``spec`` with the patient's overrides (the same object when there are none)."""
    return profile.spec_for(exercise_id, spec)


def program_note(
    profile: PatientProfile, exercise_id: str, name: Text | None = None
) -> Text | None:
    """Why the analysed exercise is not simply part of the patient's programme, or ``None``."""
    if exercise_id == "none":
        return None
    plan = profile.plan(exercise_id)
    label = name or Text(nl=exercise_id, en=exercise_id)
    template = NOT_IN_PROGRAM if plan is None else (None if plan.enabled else SWITCHED_OFF)
    if template is None:
        return None
    return Text(nl=template.get("nl", name=label), en=template.get("en", name=label))


def patient_block(
    profile: PatientProfile, exercise_id: str, spec: ExerciseSpec | None, note: Text | None
) -> dict[str, Any]:
    """The report's ``patient`` field: who, which profile, what it changed."""
    plan = profile.plan(exercise_id)
    overrides = profile.overrides_for(exercise_id, spec) if spec is not None else {}
    reference = profile.reference_for(exercise_id)
    return {
        "id": profile.patient_key,
        "profile": str(profile.path),
        "in_program": plan is not None,
        "enabled": None if plan is None else plan.enabled,
        "overrides": overrides,
        "reference": None if reference is None else str(reference),
        "note": None if note is None else note.as_dict(),
    }


def comparison_for(
    profile: PatientProfile, exercise_id: str, run: EngineRun | None
) -> dict[str, Any] | None:
    """The report's ``comparison`` field, when the profile names a reference for the exercise."""
    if run is None:
        return None
    path = profile.reference_for(exercise_id)
    if path is None:
        return None
    from posecheck.therapist.compare import compare_run
    from posecheck.therapist.reference import load_reference

    comparison = compare_run(load_reference(path), run, reference_source=str(path))
    return comparison.as_dict()
