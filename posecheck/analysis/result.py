"""What the analysis of one input produces, independent of how it is written out.

:class:`AnalysisResult` is filled by :mod:`posecheck.analysis.pipeline` and read
by the writers (JSON report, HTML, CSV, annotated video). It holds plain data
only, so it pickles across processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from posecheck.engine.events import RepRecord
from posecheck.i18n import Text

UNKNOWN = "unknown"


@dataclass(frozen=True)
class ModelRef:
    """Which pose model produced the landmarks."""

    variant: str = UNKNOWN
    sha256: str = ""


@dataclass(frozen=True)
class FaultRecord:
    """One interval in which a form fault was seen."""

    code: str
    start_s: float
    end_s: float
    message: Text
    severity: str = "warning"


@dataclass
class Traces:
    """Per-frame data: times, measurements, engine phase and whether a pose was found.

    Every array has one entry per frame of the input (NaN = not measurable).
    """

    times_s: np.ndarray
    has_pose: np.ndarray
    measurements: dict[str, np.ndarray] = field(default_factory=dict)
    phases: list[str] = field(default_factory=list)
    sides: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.times_s)


@dataclass(frozen=True)
class Recognition:
    """The recognised exercise, its confidence (0..1) and every candidate's score."""

    exercise: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass
class AnalysisResult:
    """Everything found in one input."""

    source: str
    model: ModelRef
    recognition: Recognition
    view: str
    fps: float
    frames: int
    duration_s: float
    pose_frames: int
    reps: list[RepRecord]
    faults: list[FaultRecord]
    traces: Traces
    position: str = UNKNOWN
    near_side: str | None = None
    primary_measurement: str | None = None
    primary_target: tuple[float, float] | None = None
    primary_unit: str = ""
    exercise_name: Text | None = None
    image_size: tuple[int, int] = (0, 0)
    patient: dict[str, Any] | None = None
    """With ``--patient``: the report's ``patient`` field (:mod:`posecheck.analysis.patient`)."""
    comparison: dict[str, Any] | None = None
    """With a reference in the patient's profile: the report's ``comparison`` field."""

    @property
    def exercise(self) -> str:
        return self.recognition.exercise
