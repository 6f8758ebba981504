"""Exercise spec data model: immutable dataclasses built from a validated spec file.

Conventions (see ``exercise_specs/README.md`` for the physiotherapist's view):

- The *primary* measurement moves from the start zone to the end zone and back.
  ``direction = "increase"`` means the end zone has the higher values. Each zone
  has an ``enter`` and an ``exit`` threshold (hysteresis): a zone is entered when
  the value passes ``enter`` and left only when it passes ``exit`` the other way.
- Side selectors pick which body side a sided measurement is taken on:
  ``near``/``far`` (relative to the camera), ``left``/``right`` (the person's own),
  ``moving``/``other`` (the side being exercised / the opposite one), ``max``/``min``
  (of both sides), ``signed`` (an unsided measurement whose sign tells the side:
  positive = towards the person's left).
- A form check is a fault while its measurement is ``above`` (or ``below``) its
  ``enter`` threshold, until it passes back over ``exit``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from posecheck.i18n import Text

SideSelector = Literal[
    "none", "near", "far", "left", "right", "moving", "other", "max", "min", "signed"
]
SIDE_SELECTORS: tuple[str, ...] = (
    "none",
    "near",
    "far",
    "left",
    "right",
    "moving",
    "other",
    "max",
    "min",
    "signed",
)
SidesMode = Literal["none", "each", "alternate"]
SIDES_MODES: tuple[str, ...] = ("none", "each", "alternate")
Direction = Literal["increase", "decrease"]
Severity = Literal["info", "warning", "stop"]
SEVERITIES: tuple[str, ...] = ("info", "warning", "stop")
SEVERITY_RANK: dict[str, int] = {"info": 1, "warning": 2, "stop": 3}
CHECK_PHASES: tuple[str, ...] = ("start", "raising", "hold", "lowering", "rest")
POSITIONS: tuple[str, ...] = ("hook_lying", "supine", "prone", "quadruped", "sitting", "standing")
VIEWS: tuple[str, ...] = ("side", "feet", "front", "oblique")
REP_CHECK_KINDS: tuple[str, ...] = ("range_below", "asymmetry_above")
CUE_FIELDS: dict[str, tuple[str, ...]] = {
    "position": (),
    "start_position": ("position",),
    "start": (),
    "raising": (),
    "lowering": (),
    "hold_start": (),
    "hold_progress": ("seconds",),
    "hold_end": (),
    "switch_side": (),
    "rest": ("seconds",),
    "rest_end": (),
    "done": (),
}
"""Cue texts a spec can define, with the ``{placeholders}`` each may use. ``position``:
get into the start position (said every 10 s until it is recognised);
``start_position``: the same when the person holds a posture the exercise does not
start from, ``{position}`` = the spec's first start position in words;
``hold_progress``: ``{seconds}`` still to hold, or held so far for "as long as
possible"; ``rest``: ``{seconds}`` of rest."""
CUE_KEYS: tuple[str, ...] = tuple(CUE_FIELDS)


@dataclass(frozen=True, slots=True)
class Zone:
    """Hysteresis thresholds of one zone: entered past ``enter``, left past ``exit``."""

    enter: float
    exit: float


@dataclass(frozen=True, slots=True)
class PrimarySpec:
    """The movement that defines a repetition."""

    measurement: str
    side: SideSelector
    direction: Direction
    start_zone: Zone
    end_zone: Zone
    min_dwell_s: float
    target: tuple[float, float]
    still_speed: float
    """|speed| (units/s) under which the movement counts as settled (hold start/end)."""
    relative: bool = False
    """Values are measured from the start position (its median is subtracted)."""

    @property
    def increasing(self) -> bool:
        return self.direction == "increase"


@dataclass(frozen=True, slots=True)
class SidesSpec:
    mode: SidesMode
    order: tuple[str, ...] = ("left", "right")


@dataclass(frozen=True, slots=True)
class HoldSpec:
    """Hold in the end zone. ``target_s`` ``None`` = as long as possible (time recorded)."""

    target_s: float | None
    grace_s: float = 0.5
    progress_every_s: float = 10.0
    min_s: float = 1.0


@dataclass(frozen=True, slots=True)
class RestSpec:
    between_reps_s: float = 0.0
    between_sides_s: float = 0.0


@dataclass(frozen=True, slots=True)
class RequireSpec:
    """A condition the start position must meet (besides the posture), e.g. arms
    stretched overhead: ``measurement`` (on ``side``) ``when`` ``value``; with
    ``absolute`` the magnitude is compared (a signed angle near ±180°)."""

    measurement: str
    side: SideSelector
    when: Literal["above", "below"]
    value: float
    absolute: bool = False


@dataclass(frozen=True, slots=True)
class SetupSpec:
    """How the start position is recognised before anything counts."""

    window_s: float = 1.0
    min_fraction: float = 0.6
    lost_after_s: float = 2.0
    lowest_is_start: bool = False
    """The start position is where the primary is furthest from the end zone (lying
    flat): when the person rests still beyond the start zone by more than the distance
    between the zones, the start position is taken again from there (it had been
    recognised while the end position was held)."""
    require: tuple[RequireSpec, ...] = ()
    """Conditions the start position must meet besides the posture."""


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """A form check on one measurement (a fault while past its thresholds)."""

    code: str
    measurement: str
    side: SideSelector
    when: Literal["above", "below"]
    enter: float
    exit: float
    phases: tuple[str, ...]
    min_duration_s: float
    severity: Severity
    cooldown_s: float
    message: Text
    relative: bool = False


@dataclass(frozen=True, slots=True)
class TempoSpec:
    """ "Slowly": a fault while the measurement changes faster than ``max_speed`` units/s."""

    code: str
    measurement: str
    side: SideSelector
    max_speed: float
    phases: tuple[str, ...]
    min_duration_s: float
    severity: Severity
    cooldown_s: float
    message: Text


@dataclass(frozen=True, slots=True)
class RepCheckSpec:
    """A check over whole repetitions.

    ``range_below``: the primary's range in a rep stayed below ``value``.
    ``asymmetry_above``: the peaks of a left and a right rep differ by more than
    ``value`` (fraction of the larger peak).
    """

    code: str
    kind: Literal["range_below", "asymmetry_above"]
    value: float
    severity: Severity
    message: Text


@dataclass(frozen=True, slots=True)
class ExerciseSpec:
    """One exercise, as declared in ``exercise_specs/<id>.toml``."""

    id: str
    version: int
    name: Text
    instructions: Text
    start_positions: tuple[str, ...]
    views: tuple[str, ...]
    sides: SidesSpec
    repetitions: int
    hold: HoldSpec | None
    rest: RestSpec
    primary: PrimarySpec
    setup: SetupSpec = SetupSpec()
    checks: tuple[CheckSpec, ...] = ()
    tempo: tuple[TempoSpec, ...] = ()
    rep_checks: tuple[RepCheckSpec, ...] = ()
    cues: dict[str, Text] = field(default_factory=dict)
    source: Path | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The validated spec file as a plain dict (used by :func:`apply_overrides`)."""

    @property
    def hold_target_s(self) -> float | None:
        """Target hold in seconds; ``None`` = as long as possible or no hold."""
        return None if self.hold is None else self.hold.target_s

    @property
    def fault_codes(self) -> tuple[str, ...]:
        """Every fault code the spec declares."""
        return tuple(
            [c.code for c in self.checks]
            + [c.code for c in self.tempo]
            + [c.code for c in self.rep_checks]
        )

    def message_for(self, code: str) -> Text | None:
        items: list[CheckSpec | TempoSpec | RepCheckSpec] = [
            *self.checks,
            *self.tempo,
            *self.rep_checks,
        ]
        for item in items:
            if item.code == code:
                return item.message
        return None
