"""Declarative exercise specs (``exercise_specs/*.toml``): model, loading, validation, schema."""

from posecheck.specs.loader import (
    apply_overrides,
    build_spec,
    load_all_specs,
    load_spec,
    spec_from_data,
    validate_spec_file,
)
from posecheck.specs.model import (
    CheckSpec,
    ExerciseSpec,
    HoldSpec,
    PrimarySpec,
    RepCheckSpec,
    RestSpec,
    SetupSpec,
    SidesSpec,
    TempoSpec,
    Zone,
)
from posecheck.specs.schema import spec_json_schema

__all__ = [
    "CheckSpec",
    "ExerciseSpec",
    "HoldSpec",
    "PrimarySpec",
    "RepCheckSpec",
    "RestSpec",
    "SetupSpec",
    "SidesSpec",
    "TempoSpec",
    "Zone",
    "apply_overrides",
    "build_spec",
    "load_all_specs",
    "load_spec",
    "spec_from_data",
    "spec_json_schema",
    "validate_spec_file",
]
