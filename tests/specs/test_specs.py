"""Exercise specs: the bundled five load and validate; broken specs fail naming file and key."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import jsonschema
import pytest

from posecheck.cli import main
from posecheck.errors import SpecError
from posecheck.paths import specs_dir
from posecheck.specs import (
    apply_overrides,
    load_all_specs,
    load_spec,
    spec_json_schema,
    validate_spec_file,
)

IDS = ("knee_to_chest", "pelvic_tilt", "trunk_rotation", "curl_up", "back_extension")
CONTRACT_FAULTS = {
    "knee_to_chest": {"other_leg_lifted", "head_lifted", "too_fast"},
    "pelvic_tilt": {"hips_lifted", "trunk_leaning", "small_range", "too_fast"},
    "trunk_rotation": {"shoulder_lifted", "knees_apart", "too_fast", "asymmetric_range"},
    "curl_up": {"feet_lifted", "jerking", "neck_pulled"},
    "back_extension": {"arms_bent", "legs_bent", "not_both_lifted"},
}


def test_all_five_specs_load() -> None:
    specs = load_all_specs()
    assert set(specs) == set(IDS)


@pytest.mark.parametrize("spec_id", IDS)
def test_spec_declares_the_contract_fault_codes(spec_id: str) -> None:
    spec = load_spec(spec_id)
    assert set(spec.fault_codes) == CONTRACT_FAULTS[spec_id]
    for code in spec.fault_codes:
        message = spec.message_for(code)
        assert message is not None and message.nl and message.en


@pytest.mark.parametrize(
    ("spec_id", "target", "rest", "mode"),
    [
        ("knee_to_chest", 30.0, 0.0, "each"),
        ("curl_up", None, 60.0, "none"),
        ("back_extension", None, 60.0, "none"),
        ("trunk_rotation", None, 0.0, "alternate"),
    ],
)
def test_leaflet_timing(spec_id: str, target: float | None, rest: float, mode: str) -> None:
    spec = load_spec(spec_id)
    assert spec.hold_target_s == target
    assert spec.rest.between_reps_s == rest
    assert spec.sides.mode == mode


def test_as_long_as_possible_holds_exist() -> None:
    for spec_id in ("curl_up", "back_extension"):
        spec = load_spec(spec_id)
        assert spec.hold is not None and spec.hold.target_s is None


def test_spec_files_match_the_json_schema() -> None:
    schema = spec_json_schema()
    for path in sorted(specs_dir().glob("*.toml")):
        jsonschema.validate(tomllib.loads(path.read_text(encoding="utf-8")), schema)


def _broken(tmp_path: Path, old: str, new: str, spec_id: str = "knee_to_chest") -> Path:
    text = (specs_dir() / f"{spec_id}.toml").read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / f"{spec_id}.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("target_s = 30 ", 'target_s = "dertig" ', "hold.target_s", '"max"'),
        ("repetitions = 1 ", 'repetitions = "one" ', "repetitions", "wrong type"),
        (
            'measurement = "hip_flexion"',
            'measurement = "hip_flex"',
            "primary.measurement",
            "unknown measurement 'hip_flex'",
        ),
        (
            'nl = "Houd uw hoofd en schouders op de grond."\n',
            "",
            "checks[1].message.nl",
            "missing Dutch text",
        ),
        (
            "end_zone = { enter = 100, exit = 90 }",
            "end_zone = { enter = 100, exit = 110 }",
            "primary.end_zone.exit",
            "inverted hysteresis",
        ),
        ("enter = -3\nexit = 0", "enter = -3\nexit = -6", "checks[0].exit", "inverted hysteresis"),
        ("grace_s = 0.5", "gracee_s = 0.5", "hold.gracee_s", "did you mean 'grace_s'"),
        (
            'phases = ["start", "raising", "hold", "lowering"]',
            'phases = ["start", "raising", "hold", "sinking"]',
            "tempo[0].phases[3]",
            "'sinking' is not allowed",
        ),
        ('side = "other"', 'side = "none"', "checks[0].side", "choose a side"),
        ('severity = "warning"', 'severity = "urgent"', "checks[0].severity", "urgent"),
        (
            'nl = "Vasthouden, dertig tellen."',
            'nl = "Vasthouden, {secs} tellen."',
            "cues.hold_start.nl",
            "unknown placeholder {secs}; this cue can use: none",
        ),
        (
            'en = "Well done. Lower the leg slowly."',
            'en = "Well done. Lower the leg {slowly."',
            "cues.hold_end.en",
            "braces mark a placeholder",
        ),
    ],
    ids=[
        "wrong-type-hold",
        "wrong-type-reps",
        "unknown-measurement",
        "missing-language",
        "inverted-zone-hysteresis",
        "inverted-check-hysteresis",
        "unknown-key",
        "unknown-phase",
        "sided-measurement-without-side",
        "unknown-severity",
        "unknown-cue-placeholder",
        "unmatched-cue-brace",
    ],
)
def test_malformed_spec_names_file_and_key(
    tmp_path: Path, old: str, new: str, key: str, words: str
) -> None:
    path = _broken(tmp_path, old, new)
    errors = validate_spec_file(path)
    assert errors, "the broken spec must not validate"
    matching = [e for e in errors if e.startswith(f"{path}: {key}: ")]
    assert matching, errors
    assert any(words in e for e in matching), matching
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(path) in str(info.value) and key in str(info.value)


def test_toml_syntax_error_names_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('id = "x\n', encoding="utf-8")
    errors = validate_spec_file(path)
    assert len(errors) == 1 and errors[0].startswith(f"{path}: not valid TOML")


def test_unknown_id_lists_known_ones() -> None:
    with pytest.raises(SpecError, match="knee_to_chest"):
        load_spec("knee_too_chest")


def test_copied_spec_in_own_folder_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A physiotherapist copies a spec, edits hold and a threshold: no code change needed."""
    for path in specs_dir().glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    edited = tmp_path / "knee_to_chest.toml"
    text = edited.read_text(encoding="utf-8")
    text = text.replace("target_s = 30 ", "target_s = 20 ").replace(
        "end_zone = { enter = 100, exit = 90 }", "end_zone = { enter = 95, exit = 88 }"
    )
    edited.write_text(text, encoding="utf-8")
    monkeypatch.setenv("POSECHECK_SPECS_DIR", str(tmp_path))
    spec = load_spec("knee_to_chest")
    assert spec.hold_target_s == 20.0
    assert spec.primary.end_zone.enter == 95.0
    assert load_all_specs()["knee_to_chest"].hold_target_s == 20.0


def test_overrides_are_validated() -> None:
    spec = load_spec("knee_to_chest")
    changed = apply_overrides(
        spec, {"hold.target_s": 15, "checks": {"other_leg_lifted": {"enter": -5}}}
    )
    assert changed.hold_target_s == 15.0
    assert changed.checks[0].enter == -5.0
    assert spec.hold_target_s == 30.0  # the original is untouched
    with pytest.raises(SpecError, match=r"primary\.end_zone\.exit"):
        apply_overrides(spec, {"primary": {"end_zone": {"exit": 120}}})


def test_cli_validate_reports_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = specs_dir() / "curl_up.toml"
    bad = _broken(tmp_path, 'measurement = "trunk_curl"', 'measurement = "trunk_curly"', "curl_up")
    assert main(["specs", "validate", str(good)]) == 0
    assert main(["specs", "validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: primary.measurement: unknown measurement 'trunk_curly'" in out


def test_cli_list_show_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["specs", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(spec_id in listed for spec_id in IDS)
    assert main(["specs", "show", "curl_up", "--lang", "nl"]) == 0
    assert "Buikspieren" in capsys.readouterr().out
    assert main(["specs", "schema"]) == 0
    assert '"$schema"' in capsys.readouterr().out


def test_specs_are_data_not_code(tmp_path: Path) -> None:
    """Text that looks like Python is never evaluated: it is just an invalid value."""
    path = _broken(tmp_path, "target_s = 30 ", "target_s = \"__import__('os').getcwd()\" ")
    assert any("hold.target_s" in e for e in validate_spec_file(path))
