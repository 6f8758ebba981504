"""Fault intervals: when a form fault was active during an analysed recording."""

from __future__ import annotations

from dataclasses import dataclass

from posecheck.i18n import Text


@dataclass(frozen=True, slots=True)
class FaultInterval:
    """One fault from its start (dated back to the first faulty frame) to its end."""

    code: str
    severity: str
    start_s: float
    end_s: float
    message: Text

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s
