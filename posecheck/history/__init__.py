"""Session history: a SQLite database written as a session happens, and progress reports."""

from posecheck.history.db import (
    ComparisonRow,
    ExerciseRow,
    FaultRow,
    HistoryDB,
    HoldRow,
    PainRow,
    RepRow,
    SessionRow,
    WeekSummary,
    default_db_path,
)

__all__ = [
    "ComparisonRow",
    "ExerciseRow",
    "FaultRow",
    "HistoryDB",
    "HoldRow",
    "PainRow",
    "RepRow",
    "SessionRow",
    "WeekSummary",
    "default_db_path",
]
