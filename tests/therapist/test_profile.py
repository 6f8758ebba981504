"""Patient profiles: the file format, validation with key-naming errors, and the overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.engine import analyze_sequence
from posecheck.engine.events import HoldEnded
from posecheck.errors import SpecError
from posecheck.specs import ExerciseSpec, load_all_specs
from posecheck.synth import generate
from posecheck.therapist.profile import load_profile, validate_profile_file
from posecheck.therapist.reference import Reference

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, body: str, name: str = "patient.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_the_example_profile_is_valid_and_changes_the_specs() -> None:
    profile = load_profile(REPO / "examples" / "patient_example.toml")
    assert profile.language == "nl" and profile.patient_key == "patient-0042"
    assert profile.enabled_exercises == ["knee_to_chest", "pelvic_tilt", "trunk_rotation",
                                         "curl_up"]
    specs = load_all_specs()
    k2c = profile.spec_for("knee_to_chest", specs["knee_to_chest"])
    assert k2c.hold_target_s == 20.0 and k2c.repetitions == 2
    assert k2c.sides.order == ("right", "left")
    assert (k2c.rest.between_reps_s, k2c.rest.between_sides_s) == (15.0, 15.0)
    assert k2c.primary.end_zone.enter == 105.0
    curl = profile.spec_for("curl_up", specs["curl_up"])
    assert curl.hold is not None and curl.hold.target_s is None  # "max": as long as possible
    rotation = profile.spec_for("trunk_rotation", specs["trunk_rotation"])
    assert rotation.sides.mode == "alternate"
    # exercises without overrides keep the bundled spec
    assert profile.spec_for("back_extension", specs["back_extension"]) is specs["back_extension"]


GOOD = 'name = "P"\n[exercises.knee_to_chest]\n'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('name = "P"\n[exercises.knee_to_chest]\nhold_s = -3\n',
         'exercises.knee_to_chest.hold_s: must be a positive number (seconds) or "max"'),
        ('name = "P"\n[exercises.knee_to_chest]\nhold_s = "long"\n',
         "exercises.knee_to_chest.hold_s: must be a positive number"),
        ('name = "P"\n[exercises.knee_to_chest]\nrepetitions = 0\n',
         "exercises.knee_to_chest.repetitions: must be a whole number from 1 to 100"),
        ('name = "P"\n[exercises.knee_to_chest]\nrest_s = -1\n',
         "exercises.knee_to_chest.rest_s: must be a number of seconds"),
        ('name = "P"\n[exercises.knee_to_chest]\nsides = ["left"]\n',
         "exercises.knee_to_chest.sides: must be"),
        ('name = "P"\n[exercises.pelvic_tilt]\nsides = ["left", "right"]\n',
         "exercises.pelvic_tilt.sides: the 'pelvic_tilt' exercise has no sides"),
        ('name = "P"\n[exercises.pelvic_tilt]\nhold_s = 10\n',
         "exercises.pelvic_tilt.hold_s: the 'pelvic_tilt' exercise has no hold"),
        ('name = "P"\n[exercises.knee_to_chest]\nrom_target = 60\n',
         "exercises.knee_to_chest.rom_target: 60.0 does not fit the exercise"),
        ('name = "P"\n[exercises.knee_to_chest]\nrom_target = 400\n',
         "exercises.knee_to_chest.rom_target: 400° is not a possible angle"),
        ('name = "P"\n[exercises.knee_to_chest]\nrom_target = { from_reference = "no.json" }\n',
         "exercises.knee_to_chest.rom_target.from_reference: reference file"),
        ('name = "P"\n[exercises.knee_to_chest]\nrom_target = "far"\n',
         "exercises.knee_to_chest.rom_target: must be a number (degrees) or"),
        ('name = "P"\n[exercises.knee_to_chest]\nhold = 20\n',
         "exercises.knee_to_chest.hold: unknown key"),
        ('name = "P"\n[exercises.yoga]\n', "exercises.yoga: unknown exercise"),
        ('name = "P"\n[exercises.knee_to_chest]\nenabled = false\n',
         "exercises: no exercise is enabled"),
        ('[exercises.knee_to_chest]\n', "name: required"),
        ('name = "P"\nlanguage = "de"\n' + '[exercises.knee_to_chest]\n',
         "language: must be one of nl, en"),
        ('name = "P"\n', "exercises: required"),
        ('name = "P"\nsessions_per_week = 50\n[exercises.knee_to_chest]\n',
         "sessions_per_week: must be a whole number from 1 to 21"),
        ('name = "P"\nnmae = "typo"\n[exercises.knee_to_chest]\n', "nmae: unknown key"),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, body: str, expected: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(SpecError) as info:
        load_profile(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)
    assert any(expected in line for line in validate_profile_file(path))


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path, 'name = "P"\n[exercises.knee_to_chest]\nhold_s = 0\nrest_s = -1\n')
    errors = validate_profile_file(path)
    assert len(errors) == 2
    assert validate_profile_file(_write(tmp_path, GOOD, "ok.toml")) == []


def test_unreadable_profiles_are_a_message(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="Cannot read patient profile"):
        load_profile(tmp_path / "missing.toml")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_profile(_write(tmp_path, "name = \n"))


def test_rom_target_from_a_reference(
    tmp_path: Path, reference_file: Path, k2c_reference: Reference, k2c_spec: ExerciseSpec
) -> None:
    path = _write(
        tmp_path,
        'name = "P"\n[exercises.knee_to_chest]\n'
        'rom_target = { from_reference = "refs/k2c.json", fraction = 0.9 }\n',
    )
    profile = load_profile(path)
    start, peak = k2c_reference.range_shown() or (0.0, 0.0)
    plan = profile.plan("knee_to_chest")
    assert plan is not None and plan.rom_target is not None
    assert plan.rom_target.value == pytest.approx(start + 0.9 * (peak - start))
    assert "90 %" in plan.rom_target.origin.en and "90 %" in plan.rom_target.origin.nl
    # the demonstration becomes the reference of the comparisons too
    assert profile.reference_for("knee_to_chest") == reference_file
    spec = profile.spec_for("knee_to_chest", k2c_spec)
    assert spec.primary.end_zone.enter == pytest.approx(plan.rom_target.value)


def test_a_reference_of_another_exercise_is_refused(tmp_path: Path, reference_file: Path) -> None:
    path = _write(tmp_path, 'name = "P"\n[exercises.curl_up]\nreference = "refs/k2c.json"\n')
    with pytest.raises(SpecError) as info:
        load_profile(path)
    assert "exercises.curl_up.reference: 'k2c.json' demonstrates 'knee_to_chest', not 'curl_up'" \
        in str(info.value)


@pytest.mark.parametrize(
    ("profile_hold", "reached"),
    [(None, False), (20, True), (40, False)],
)
def test_a_hold_target_changes_what_analysis_demands(
    tmp_path: Path, k2c_spec: ExerciseSpec, profile_hold: int | None, reached: bool
) -> None:
    """25 s holds: too short for the leaflet's 30 s, enough for a 20 s profile, not for 40 s."""
    body = 'name = "P"\n[exercises.knee_to_chest]\n'
    if profile_hold is not None:
        body += f"hold_s = {profile_hold}\n"
    profile = load_profile(_write(tmp_path, body))
    spec = profile.spec_for("knee_to_chest", k2c_spec)
    clip = generate("knee_to_chest", reps=1, hold_s=25.0, noise=0.5, fps=15.0)
    run = analyze_sequence(spec, clip.seq)
    ends = [e for e in run.events if isinstance(e, HoldEnded)]
    assert len(ends) == 2
    target = 30.0 if profile_hold is None else float(profile_hold)
    assert all(e.target_s == target and e.reached_target is reached for e in ends)
    assert all(r.completed is reached and r.target_hold_s == target for r in run.reps)
