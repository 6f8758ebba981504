"""Fixtures of the therapist tests: synthetic knee-to-chest demonstrations and their references."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.engine import EngineRun, analyze_sequence
from posecheck.specs import ExerciseSpec, load_spec
from posecheck.synth import SyntheticClip, generate
from posecheck.therapist.reference import Reference, reference_from_run, save_reference


@pytest.fixture(scope="session")
def k2c_spec() -> ExerciseSpec:
    return load_spec("knee_to_chest")


@pytest.fixture(scope="session")
def k2c_demo(k2c_spec: ExerciseSpec) -> tuple[SyntheticClip, EngineRun]:
    """A synthetic demonstration: left then right knee, 6 s holds, side view."""
    clip = generate("knee_to_chest", reps=1, hold_s=6.0, noise=0.5, seed=1)
    return clip, analyze_sequence(k2c_spec, clip.seq)


@pytest.fixture(scope="session")
def k2c_reference(k2c_spec: ExerciseSpec, k2c_demo: tuple[SyntheticClip, EngineRun]) -> Reference:
    clip, run = k2c_demo
    return reference_from_run(k2c_spec, clip.seq, run, source="synthetic demo")


@pytest.fixture()
def reference_file(tmp_path: Path, k2c_reference: Reference) -> Path:
    return save_reference(k2c_reference, tmp_path / "refs" / "k2c.json")
