"""Per-user directories (platform conventions via platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "posecheck"


def cache_dir() -> Path:
    """Where downloaded models live; ``POSECHECK_CACHE_DIR`` overrides."""
    override = os.environ.get("POSECHECK_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP_NAME))


def data_dir() -> Path:
    """Where the session history lives; ``POSECHECK_DATA_DIR`` overrides."""
    override = os.environ.get("POSECHECK_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME))


def specs_dir() -> Path:
    """The bundled exercise specs (``exercise_specs/`` at the project root).

    ``POSECHECK_SPECS_DIR`` overrides.
    """
    override = os.environ.get("POSECHECK_SPECS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "exercise_specs"
