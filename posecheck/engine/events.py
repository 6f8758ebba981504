"""Typed events the exercise engine emits (the contract between engine and feedback).

Every event carries ``t_s``, the time in seconds from the start of the input
(recorded video) or of the session (live). Consumers (overlay, speech, report,
history) switch on the event class. Events are immutable and deterministic for
the same input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from posecheck.i18n import Text

Side = Literal["left", "right"]
Severity = Literal["info", "warning", "stop"]
Phase = Literal["setup", "start", "raising", "hold", "lowering", "rest", "done"]
"""Engine phases:

- ``setup``: the start position (and camera view) is not recognised yet; nothing counts.
- ``start``: in the start position, ready.
- ``raising``: moving from the start towards the end position.
- ``hold``: in the end position (the hold timer runs while the form is right).
- ``lowering``: returning from the end position to the start.
- ``rest``: a rest timer runs.
- ``done``: every repetition of every side is done.
"""


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every engine event."""

    t_s: float


@dataclass(frozen=True, slots=True)
class PositionRecognised(Event):
    """The start position (e.g. ``hook_lying``) and camera view were recognised."""

    position: str
    view: str
    near_side: Side | None


@dataclass(frozen=True, slots=True)
class PositionLost(Event):
    """The person left the start position / the view before the exercise began."""

    position: str


@dataclass(frozen=True, slots=True)
class PhaseEntered(Event):
    phase: Phase
    side: Side | None


@dataclass(frozen=True, slots=True)
class HoldStarted(Event):
    side: Side | None
    target_s: float | None
    """``None`` means "as long as possible"."""


@dataclass(frozen=True, slots=True)
class HoldProgress(Event):
    """Emitted once per whole second held (and at the target)."""

    side: Side | None
    held_s: float
    target_s: float | None


@dataclass(frozen=True, slots=True)
class HoldEnded(Event):
    side: Side | None
    held_s: float
    target_s: float | None
    reached_target: bool


@dataclass(frozen=True, slots=True)
class RepRecord:
    """Statistics of one completed (or abandoned) repetition."""

    index: int
    side: Side | None
    start_s: float
    end_s: float
    hold_s: float | None
    target_hold_s: float | None
    completed: bool
    peak: dict[str, float] = field(default_factory=dict)
    faults: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RepCompleted(Event):
    rep: RepRecord


@dataclass(frozen=True, slots=True)
class FaultStarted(Event):
    code: str
    severity: Severity
    message: Text


@dataclass(frozen=True, slots=True)
class FaultEnded(Event):
    code: str
    started_s: float


@dataclass(frozen=True, slots=True)
class RestStarted(Event):
    duration_s: float


@dataclass(frozen=True, slots=True)
class RestEnded(Event):
    pass


@dataclass(frozen=True, slots=True)
class Cue(Event):
    """The one thing to tell the patient now (at most one cue at a time, with cooldowns).

    ``code`` is stable (a fault code, or e.g. ``hold_start``, ``switch_side``,
    ``rest``, ``done``); ``text`` is what to show and say.
    """

    code: str
    text: Text
    priority: int = 0


@dataclass(frozen=True, slots=True)
class ExerciseDone(Event):
    reps: tuple[RepRecord, ...]
