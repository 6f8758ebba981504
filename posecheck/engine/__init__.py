"""Exercise state: phases, holds, repetitions and form faults from measurements."""

from posecheck.engine.engine import (
    EngineRun,
    EngineState,
    ExerciseEngine,
    analyze_sequence,
    measure_context,
)
from posecheck.engine.faults import FaultInterval

__all__ = [
    "EngineRun",
    "EngineState",
    "ExerciseEngine",
    "FaultInterval",
    "analyze_sequence",
    "measure_context",
]
