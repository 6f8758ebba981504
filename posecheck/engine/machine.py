"""The per-frame exercise state machine (shared by live and recorded analysis).

It reads one row of precomputed measurement columns per frame (plain floats)
and moves through the phases ``setup → start → raising → hold → lowering →
start`` (plus ``rest`` and ``done``):

- zones use hysteresis: the start zone is left when the primary passes
  ``start_zone.exit`` and re-entered past ``start_zone.enter``; the end zone is
  entered past ``end_zone.enter`` and left past ``end_zone.exit``;
- every phase change needs the condition to hold for ``min_dwell_s``; the change
  is then dated back to the frame where the threshold was crossed;
- a repetition is counted only after start → end zone → start, so a value
  hovering at any one threshold can never produce a repetition;
- on hands and knees the start zero of the primary follows the person: the back
  hangs free there, so a set may begin in an end position (a cat); resting still
  clearly beyond the start zone (a held cow) makes that the start zero (see
  :data:`FREE_START_POSTURES`);
- the hold clock runs from the moment the movement settles in the end zone,
  only while no fault of severity ≥ warning is active and the pose is seen
  (lost frames up to ``hold.grace_s`` count); the hold ends at the last settled
  moment before the end zone is left.
"""

from __future__ import annotations

import math
from collections import Counter, deque

from posecheck.engine.columns import FIXED, MOVING, SIGNED, ColumnPlan, Source
from posecheck.engine.cues import PRIORITY, CueScheduler
from posecheck.engine.events import (
    ExerciseDone,
    FaultEnded,
    FaultStarted,
    HoldEnded,
    HoldProgress,
    HoldStarted,
    PhaseEntered,
    PositionLost,
    PositionRecognised,
    RepCompleted,
    RepRecord,
    RestEnded,
    RestStarted,
)
from posecheck.engine.faults import FaultInterval
from posecheck.engine.texts import POSITION_NAMES, cue_text
from posecheck.i18n import Text
from posecheck.specs.model import SEVERITY_RANK, ExerciseSpec, Severity

NAN = math.nan
SETTLED_FRACTION = 0.12
"""In the end zone the movement counts as settled below this fraction of its peak speed
(or below the spec's ``still_speed`` if higher)."""
_SIDES = ("left", "right")
FREE_START_POSTURES = frozenset({"quadruped", "sitting", "standing"})
"""Start positions whose neutral no support defines. Lying, the floor under the back and
pelvis sets the neutral that the start position is measured from. On hands and knees the
back hangs free and a set may begin in either extreme: the real cat-cow clip starts in a
cat (the end position of a pelvic tilt), so its cows read as the start side and its cats
as zero. There, resting still (posture, not ``moving``) for ``setup.window_s`` beyond the
start zone by more than the distance between the zones, within a band of half that
distance, moves the primary's zero to that rest (the spec option ``setup.lowest_is_start``
does the same for every posture, by fixing the whole context again). Lying it would take
a held hollow (breathing in) as the start and every return to neutral as a flat back.
Sitting and standing the lower back hangs free as well: a person who settles in with
a lean (the synthetic settle sways the trunk back 8°, read as a flat back of 11-18°)
would otherwise keep that lean as the start zero and never reach the end zone."""


class RecentFraction:
    """Fraction of ``True`` among the samples of the last ``window_s`` seconds."""

    __slots__ = ("first_t", "items", "last_dt", "ok", "window_s")

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self.items: deque[tuple[float, bool, str]] = deque()
        self.ok = 0
        self.first_t: float | None = None
        self.last_dt = 0.0

    def add(self, t: float, ok: bool, label: str = "") -> None:
        if self.first_t is None:
            self.first_t = t
        if self.items and t > self.items[-1][0]:
            self.last_dt = t - self.items[-1][0]
        self.items.append((t, ok, label))
        self.ok += ok
        limit = t - self.window_s
        items = self.items
        while items and items[0][0] < limit:
            self.ok -= items.popleft()[1]

    def fraction(self) -> float:
        return self.ok / len(self.items) if self.items else 0.0

    def covered(self, t: float) -> bool:
        """Samples have been collected for (almost) the whole window (each sample stands
        for one frame interval, so a lower frame rate covers the window as soon)."""
        if self.first_t is None:
            return False
        return t - self.first_t + self.last_dt >= self.window_s * 0.95

    def majority(self, *, only_ok: bool = True) -> str:
        """The most frequent label of the window's samples (only the ``True`` ones by
        default); ``""`` when there are none."""
        labels = Counter(label for _, ok, label in self.items if ok or not only_ok)
        return labels.most_common(1)[0][0] if labels else ""

    def clear(self) -> None:
        self.items.clear()
        self.ok = 0
        self.first_t = None


class _Flag:
    """Hysteresis + minimum-duration state of one form or tempo check."""

    __slots__ = (
        "active",
        "active_t",
        "code",
        "cooldown",
        "enter",
        "exit",
        "message",
        "min_s",
        "phases",
        "priority",
        "rank",
        "raw",
        "raw_t",
        "sign",
        "source",
    )

    def __init__(
        self,
        code: str,
        source: Source,
        enter: float,
        exit_: float,
        sign: float,
        phases: tuple[str, ...],
        min_s: float,
        severity: str,
        cooldown: float,
        message: Text,
    ) -> None:
        self.code = code
        self.source = source
        self.sign = sign  # +1: fault above; -1: fault below (values compared as sign*v)
        self.enter = sign * enter if sign else enter
        self.exit = sign * exit_ if sign else exit_
        self.phases = frozenset(phases)
        self.min_s = min_s
        self.rank = SEVERITY_RANK[severity]
        self.priority = PRIORITY[severity]
        self.cooldown = cooldown
        self.message = message
        self.raw = False
        self.raw_t = 0.0
        self.active = False
        self.active_t = 0.0


class StepMachine:
    """Phases, holds, repetitions, faults and cues from rows of measurement columns.

    Call :meth:`step` once per frame in time order; events accumulate in
    :attr:`events`. With ``record=True`` per-frame phase, primary value and
    hold time are kept for the analysis output.
    """

    def __init__(self, spec: ExerciseSpec, plan: ColumnPlan, *, record: bool = False) -> None:
        self.spec = spec
        self.plan = plan
        self.record = record
        p = spec.primary
        self.sign = 1.0 if p.increasing else -1.0
        sg = self.sign
        self.se, self.sx = sg * p.start_zone.enter, sg * p.start_zone.exit
        self.ee, self.ex = sg * p.end_zone.enter, sg * p.end_zone.exit
        self.dwell = p.min_dwell_s
        self.still = p.still_speed
        self.hold = spec.hold
        self.target = spec.hold.target_s if spec.hold else None
        self.grace = spec.hold.grace_s if spec.hold else 0.5
        self.every = spec.hold.progress_every_s if spec.hold else 10.0
        self.events: list[object] = []
        self.cues = CueScheduler()
        self.flags: list[_Flag] = [
            _Flag(
                c.code,
                s,
                c.enter,
                c.exit,
                1.0 if c.when == "above" else -1.0,
                c.phases,
                c.min_duration_s,
                c.severity,
                c.cooldown_s,
                c.message,
            )
            for c, s in zip(spec.checks, plan.checks, strict=True)
        ] + [
            _Flag(
                c.code,
                s,
                c.max_speed,
                0.8 * c.max_speed,
                0.0,
                c.phases,
                c.min_duration_s,
                c.severity,
                c.cooldown_s,
                c.message,
            )
            for c, s in zip(spec.tempo, plan.tempo, strict=True)
        ]
        self.positions = frozenset(spec.start_positions)
        self.views = frozenset(spec.views)
        self.setup_window = RecentFraction(spec.setup.window_s)
        self.posture_window = RecentFraction(spec.setup.window_s)
        """Every setup frame's posture, measurable or not (what the position cue names)."""
        self.view_window = RecentFraction(spec.setup.window_s)
        self.lost_window = RecentFraction(spec.setup.lost_after_s)
        # state
        self.phase = "setup"
        self.side: str | None = None
        self.position = ""
        self.view = ""
        self.t = 0.0
        self.prev_t: float | None = None
        self.phase_t = 0.0
        self.last_valid_t = -1e9
        self.cand = ""
        self.cand_t = 0.0
        self.blocking = 0
        self.value = NAN  # primary value (spec units) of the last frame
        self.x = NAN  # sign * value
        self.speed = NAN
        self.speed_lag = 0.0
        self.move_speed = 0.0
        """Peak |speed| of the movement since it left the start zone."""
        """Seconds the speed columns lag behind (a backward difference over a span
        describes the middle of that span)."""
        self.settled_since: float | None = None
        self.sign_votes = 0.0
        self.zero = 0.0
        """Offset subtracted from the primary (spec units): the start zero moved to a rest
        beyond the start zone (:data:`FREE_START_POSTURES`)."""
        self.start_side_rest: deque[tuple[float, float]] = deque()
        self.signed = plan.primary.kind == SIGNED
        # repetition bookkeeping
        self.rep_start_t = 0.0
        self.start_extreme = NAN
        self.peak = NAN
        self.rep_faults: set[str] = set()
        self.reps: list[RepRecord] = []
        self.reps_done: dict[str, int] = (
            {"left": 0, "right": 0} if spec.sides.mode != "none" else {"all": 0}
        )
        self.done_emitted = False
        self.rest_until = 0.0
        self.rest_len = 0.0
        self.setup_cue_t = 0.0
        # hold bookkeeping
        self.hold_start: float | None = None
        self.held = 0.0
        self.held_whole = 0
        self.held_at_last = 0.0
        self.in_band = True
        self.plateau = 0.0
        self.noise = 0.0
        self.band = 0.02 * abs(self.ee - self.se)
        self.reached = False
        # outputs
        self.faults: list[FaultInterval] = []
        self.rep_peaks: dict[str, list[float]] = {"left": [], "right": []}
        self.phases: list[str] = []
        self.primary_values: list[float] = []
        self.held_values: list[float] = []

    def announce_position(self, t: float) -> None:
        """Emit :class:`PositionRecognised` for the current start position, view and near side."""
        self.events.append(PositionRecognised(t, self.position, self.view, self.plan.near_side))  # type: ignore[arg-type]

    def set_plan(self, plan: ColumnPlan) -> None:
        """Use other columns (live: the near side became known)."""
        self.plan = plan
        self.signed = plan.primary.kind == SIGNED
        sources = [*plan.checks, *plan.tempo]
        for flag, source in zip(self.flags, sources, strict=True):
            flag.source = source

    def restart_from_rest(self) -> None:
        """The measuring context was fixed (again) or the camera view changed: a
        movement in progress is dropped (not counted) and the start extreme is found
        anew."""
        if self.phase in ("raising", "hold", "lowering"):
            self.side = None
            self.held = 0.0
            self.hold_start = None
            self._enter("start", self.t)
        self.cand = ""
        self.start_extreme = NAN
        self.settled_since = None
        self.zero = 0.0  # the new context measures from the start position again
        self.start_side_rest.clear()
        self.lost_window.clear()  # the position was just seen: nothing lost so far
        self.phase_t = self.t

    # ------------------------------------------------------------------ helpers
    def _read(self, src: Source, row: list[float]) -> float:
        kind = src.kind
        if kind == FIXED:
            return row[src.a]
        side = self.side
        if kind == SIGNED:
            return abs(row[src.a])
        if kind == MOVING:
            if side is None:
                a, b = row[src.a], row[src.b]
                if a != a:
                    return b
                if b != b:
                    return a
                return a if (a - b) * self.sign >= 0 else b
            return row[src.a] if side == "left" else row[src.b]
        # OTHER
        if side is None:
            return NAN
        return row[src.b] if side == "left" else row[src.a]

    def _lock_side(self, row: list[float]) -> None:
        src = self.plan.primary
        mode = self.spec.sides.mode
        if src.kind == SIGNED:
            v = row[src.a]
            self.sign_votes = v if v == v else 0.0
            self.side = "left" if v >= 0 else "right"
        elif src.kind == MOVING:
            a, b = row[src.a], row[src.b]
            if b != b or (a == a and (a - b) * self.sign >= 0):
                self.side = "left"
            else:
                self.side = "right"
        elif mode == "none":
            self.side = None
        else:
            self.side = self._expected_side()

    def _expected_side(self) -> str:
        order = self.spec.sides.order
        if self.spec.sides.mode == "alternate" and self.reps:
            last = self.reps[-1].side
            return "right" if last == "left" else "left"
        for side in order:
            if self.reps_done.get(side, 0) < self.spec.repetitions:
                return side
        return order[0]

    def _enter(self, phase: str, t: float) -> None:
        self.phase = phase
        self.phase_t = t
        self.cand = ""
        self.events.append(PhaseEntered(t, phase, self.side))  # type: ignore[arg-type]

    def _cue(
        self, t: float, code: str, priority: int, cooldown: float = 0.0, **fields: object
    ) -> None:
        text = cue_text(self.spec, code)
        if fields:
            text = Text(text.get("nl", **fields), text.get("en", **fields))
        self.cues.offer(t, code, text, priority, cooldown, self.events)

    # ------------------------------------------------------------------ the step
    def step(self, t: float, row: list[float], posture: str, view: str) -> None:
        """Advance to time ``t`` (seconds) with one row of column values."""
        prev_t = self.prev_t
        dt = 0.0 if prev_t is None else t - prev_t
        self.prev_t = t
        self.t = t
        value = self._read(self.plan.primary, row) - self.zero
        valid = value == value
        if valid:
            if t - self.last_valid_t > self.grace:
                # a phase change must be seen for its dwell: after a gap in the
                # measurements (the pose was lost or not measurable) it starts again
                self.cand = ""
            self.last_valid_t = t
        x = self.sign * value
        self.value = value
        self.x = x
        sp = self._read(self.plan.primary_speed, row)
        self.speed = sp
        if sp == sp:
            still = self.still
            if self.phase == "hold":
                # slow against the peak speed of the movement = settled
                # (a knee pulled a little tighter at the chest is being held)
                still = max(still, SETTLED_FRACTION * self.move_speed)
            if abs(sp) <= still:
                if self.settled_since is None:
                    self.settled_since = t - self.speed_lag
            else:
                self.settled_since = None
        phase = self.phase
        if sp == sp and (phase == "raising" or self.cand == "raising"):
            self.move_speed = max(self.move_speed, abs(sp))
        if phase == "setup":
            self._setup(t, valid, x, posture, view, row)
        elif phase in ("start", "rest", "done"):
            self._resting(t, valid, x, posture, row)
        elif valid:
            if self.signed:
                v = row[self.plan.primary.a]
                self.sign_votes += v
                self.side = "left" if self.sign_votes >= 0 else "right"
            if phase == "raising":
                self._raising(t, x)
            elif phase == "hold":
                self._in_hold(t, x)
            else:
                self._lowering(t, x, row)
        if self.phase == "hold":
            self._hold_clock(t, dt, valid)
        if self.phase != "setup" and self.flags:
            self._faults(t, row)
        self.cues.tick(t, self.events)
        if self.record:
            self.phases.append(self.phase)
            self.primary_values.append(value)
            self.held_values.append(self.held if self.phase == "hold" else 0.0)

    # ------------------------------------------------------------------ phases
    def _setup(
        self, t: float, valid: bool, x: float, posture: str, view: str, row: list[float]
    ) -> None:
        self.posture_window.add(t, posture in self.positions, posture)
        if valid:
            ok = posture in self.positions and self._required(row)
            self.setup_window.add(t, ok, posture)
            self.view_window.add(t, view in self.views, view)
            if (
                x <= self.se
                and self.setup_window.covered(t)
                and self.setup_window.fraction() >= self.spec.setup.min_fraction
                and self.view_window.fraction() >= 0.5
            ):
                self.position = self.setup_window.majority()
                self.view = self.view_window.majority()
                self.announce_position(t)
                self.lost_window.clear()
                self.start_extreme = x
                self._enter("start", t)
                self._cue(t, "start", PRIORITY["info"], 5.0)
                return
        if t - self.setup_cue_t >= 10.0 and self.posture_window.covered(t):
            self.setup_cue_t = t
            self._position_cue(t)

    def _position_cue(self, t: float) -> None:
        """Tell how to get into the start position: which one, when the person holds a
        posture the exercise does not start from (e.g. legs straight for a rotation from
        hook lying, whose knee rotation cannot even be measured then); else in general."""
        seen = self.posture_window.majority(only_ok=False)
        if seen in POSITION_NAMES and seen not in self.positions:
            wanted = POSITION_NAMES[self.spec.start_positions[0]]
            self._cue(t, "start_position", PRIORITY["progress"], 10.0, position=wanted)
        else:
            self._cue(t, "position", PRIORITY["progress"], 10.0)

    def _required(self, row: list[float]) -> bool:
        """The start position's extra conditions (``setup.require``) hold in ``row``."""
        for q, src in zip(self.spec.setup.require, self.plan.require, strict=True):
            v = self._read(src, row)
            if v != v:
                return False
            if q.absolute:
                v = abs(v)
            if (v <= q.value) if q.when == "above" else (v >= q.value):
                return False
        return True

    def _resting(self, t: float, valid: bool, x: float, posture: str, row: list[float]) -> None:
        phase = self.phase
        if phase == "rest" and t >= self.rest_until:
            self.events.append(RestEnded(t))
            self._enter("start", t)
            self._cue(t, "rest_end", PRIORITY["info"])
            phase = "start"
        if phase == "start":
            self.lost_window.add(t, valid and posture in self.positions)
            if (
                self.lost_window.covered(t)
                and t - self.phase_t >= self.spec.setup.lost_after_s
                and self.lost_window.fraction() < 0.25
            ):
                self.events.append(PositionLost(t, self.position))
                self.setup_window.clear()
                self.view_window.clear()
                self._enter("setup", t)
                return
        if not valid:
            return
        if self.position in FREE_START_POSTURES and not self.signed:
            x = self._follow_start_side_rest(t, x, posture)
        if x < self.start_extreme or self.start_extreme != self.start_extreme:
            self.start_extreme = x
        if x > self.sx:
            if self.cand != "raising":
                self.cand = "raising"
                self.cand_t = t
                self.move_speed = 0.0
            elif t - self.cand_t >= self.dwell:
                if phase == "rest":
                    self.events.append(RestEnded(t))
                self._lock_side(row)
                self.rep_start_t = self.cand_t
                self.peak = x
                self.rep_faults = {f.code for f in self.flags if f.active}
                self._enter("raising", t)
                self._cue(t, "raising", PRIORITY["progress"], 3.0)
        else:
            self.cand = ""

    def _follow_start_side_rest(self, t: float, x: float, posture: str) -> float:
        """Move the primary's zero to a rest beyond the start zone (see
        :data:`FREE_START_POSTURES`); the (new) ``x`` of this frame."""
        rest = self.start_side_rest
        span = self.ee - self.se
        if posture != self.position or x >= self.se - span:
            rest.clear()
            return x
        rest.append((t, x))
        window = self.spec.setup.window_s
        while rest[0][0] < t - window:
            rest.popleft()
        xs = sorted(v for _, v in rest)
        if t - rest[0][0] < 0.95 * window or xs[-1] - xs[0] > 0.5 * span:
            return x
        shift = xs[len(xs) // 2]  # x units: sign * value
        self.zero += self.sign * shift
        self.value -= self.sign * shift
        self.x = x = x - shift
        rest.clear()
        self.cand = ""
        self.start_extreme = x
        self.announce_position(t)
        return x

    def _raising(self, t: float, x: float) -> None:
        if x > self.peak:
            self.peak = x
        if x >= self.ee:
            if self.cand != "hold":
                self.cand = "hold"
                self.cand_t = t
            elif t - self.cand_t >= self.dwell:
                self._start_hold_zone(t)
        elif x <= self.se:
            if self.cand != "start":
                self.cand = "start"
                self.cand_t = t
            elif t - self.cand_t >= self.dwell:
                if self._attempt_counts():
                    self.held = 0.0
                    self._complete_rep(t, reached_end=False)
                    return
                self.side = None
                self.start_extreme = x
                self._enter("start", t)
        else:
            self.cand = ""

    def _attempt_counts(self) -> bool:
        """An excursion that missed the end zone counts as an (incomplete) rep when the
        spec checks the range and the movement was at least half that range."""
        rep_range = self.peak - self.start_extreme
        for check in self.spec.rep_checks:
            if check.kind == "range_below" and rep_range >= 0.5 * check.value:
                return True
        return False

    def _start_hold_zone(self, t: float) -> None:
        zone_t = self.cand_t
        self._enter("hold", t)
        self.held = 0.0
        self.held_whole = 0
        self.reached = False
        self.hold_start = None
        settled = self.settled_since
        if settled is not None:
            self.hold_start = max(zone_t, settled)
            self.held = t - self.hold_start
            self.held_at_last = self.held
            self.plateau = self.x
            self.noise = 0.0
            self._hold_started(t)

    def _hold_started(self, t: float) -> None:
        if self.hold is not None:
            self.events.append(HoldStarted(t, self.side, self.target))  # type: ignore[arg-type]
            self._cue(t, "hold_start", PRIORITY["info"], 3.0)

    def _in_hold(self, t: float, x: float) -> None:
        if x > self.peak:
            self.peak = x
        if x < self.ex:
            if self.cand != "lowering":
                self.cand = "lowering"
                self.cand_t = t
            elif t - self.cand_t >= self.dwell:
                self._end_hold(t)
                self._enter("lowering", t)
                self._cue(t, "lowering", PRIORITY["progress"], 3.0)
        else:
            self.cand = ""

    def _hold_clock(self, t: float, dt: float, valid: bool) -> None:
        if self.hold_start is None:
            # settled, or (noisy input) 1.5 s in the end zone without ever settling
            if valid and (self.settled_since is not None or t - self.phase_t >= 1.5):
                settled = self.settled_since
                self.hold_start = t if settled is None else min(t, max(settled, self.phase_t))
                self.held = t - self.hold_start
                self.held_at_last = self.held
                self.plateau = self.x
                self.noise = 0.0
                self._hold_started(t)
            return
        running = (valid or t - self.last_valid_t <= self.grace) and self.blocking == 0
        if running:
            self.held += dt
        if valid:
            x = self.x
            # held = slower than still_speed (the spec's meaning of "held still": a slow
            # sag of arms held up counts), or not fallen back from the held position
            # (moving deeper still holds)
            deviation = max(self.plateau - x, 0.0)
            settled = self.settled_since is not None
            if x > self.plateau:
                self.plateau = x
            elif settled:
                self.plateau += 0.2 * (x - self.plateau)
                self.noise += 0.1 * (deviation - self.noise)
            band = self.band
            self.in_band = deviation <= max(band, min(2.0 * self.noise, 1.5 * band))
            if self.in_band:
                self.held_at_last = self.held
            elif settled:
                # the speed, a backward difference, describes speed_lag seconds ago
                self.in_band = True
                self.held_at_last = max(self.held_at_last, self.held - self.speed_lag)
        elif running and self.in_band:
            self.held_at_last = self.held
        if self.hold is None:
            return
        held = self.held
        target = self.target
        if target is not None and not self.reached and held >= target:
            self.reached = True
            self.events.append(HoldProgress(t, self.side, target, target))  # type: ignore[arg-type]
            self._cue(t, "hold_end", PRIORITY["info"])
            self.held_whole = int(held)
            return
        whole = int(held)
        if whole > self.held_whole:
            self.held_whole = whole
            self.events.append(HoldProgress(t, self.side, float(whole), target))  # type: ignore[arg-type]
            every = int(self.every)
            if every > 0 and whole % every == 0:
                seconds = whole if target is None else max(0, round(target - whole))
                if target is None or seconds > 0:
                    self._cue(t, "hold_progress", PRIORITY["progress"], 0.0, seconds=seconds)

    def _end_hold(self, t: float) -> None:
        held = self.held_at_last
        if self.hold_start is None:
            held = 0.0
        self.held = held
        if self.hold is not None and self.hold_start is not None:
            target = self.target
            reached = target is None or held >= target - 0.05
            self.events.append(HoldEnded(t, self.side, round(held, 3), target, reached))  # type: ignore[arg-type]

    def _lowering(self, t: float, x: float, row: list[float]) -> None:
        if x <= self.se:
            if self.cand != "start":
                self.cand = "start"
                self.cand_t = t
            elif t - self.cand_t >= self.dwell:
                self._complete_rep(t)
        elif x >= self.ee:
            if self.cand != "hold":
                self.cand = "hold"
                self.cand_t = t
            elif t - self.cand_t >= self.dwell:
                kept = self.held
                self._start_hold_zone(t)
                self.held += kept
        else:
            self.cand = ""

    def _complete_rep(self, t: float, reached_end: bool = True) -> None:
        spec = self.spec
        side = self.side
        hold_s = round(self.held, 3)
        if not reached_end:
            completed = False
        elif self.hold is None:
            completed = True
        elif self.target is None:
            completed = hold_s >= self.hold.min_s
        else:
            completed = hold_s >= self.target - 0.05
        peak_value = self.sign * self.peak
        rep_range = (
            abs(self.peak - self.start_extreme) if self.start_extreme == self.start_extreme else NAN
        )
        faults = set(self.rep_faults) | {f.code for f in self.flags if f.active}
        rep = RepRecord(
            index=len(self.reps) + 1,
            side=side,  # type: ignore[arg-type]
            start_s=round(self.rep_start_t, 3),
            end_s=round(self.cand_t, 3),
            hold_s=hold_s,
            target_hold_s=self.target,
            completed=completed,
            peak={spec.primary.measurement: round(peak_value, 3), "range": round(rep_range, 3)},
            faults=tuple(sorted(faults | self._rep_checks(t, side, rep_range))),
        )
        self.reps.append(rep)
        key = side if side is not None else "all"
        self.reps_done[key] = self.reps_done.get(key, 0) + 1
        if side is not None:
            self.rep_peaks[side].append(abs(peak_value))
        self.events.append(RepCompleted(t, rep))
        self.side = None
        self.held = 0.0
        self.hold_start = None
        self.start_extreme = self.x
        self._after_rep(t, key)

    def _rep_checks(self, t: float, side: str | None, rep_range: float) -> set[str]:
        found: set[str] = set()
        for check in self.spec.rep_checks:
            bad = False
            if check.kind == "range_below":
                bad = rep_range == rep_range and rep_range < check.value
            elif (
                check.kind == "asymmetry_above"
                and side is not None
                and len(self.reps) % 2 == 1  # this rep completes a left/right pair
            ):
                previous = self.reps[-1] if self.reps[-1].side != side else None
                other = "right" if side == "left" else "left"
                if previous is not None and self.rep_peaks[other]:
                    a = self.rep_peaks[other][-1]
                    b = abs(self.sign * self.peak)
                    top = max(a, b)
                    bad = top > 0 and abs(a - b) / top > check.value
            if bad:
                found.add(check.code)
                start = self.rep_start_t
                self.events.append(FaultStarted(t, check.code, check.severity, check.message))
                self.events.append(FaultEnded(t, check.code, start))
                self.faults.append(
                    FaultInterval(check.code, check.severity, start, t, check.message)
                )
                self.cues.offer(
                    t, check.code, check.message, PRIORITY[check.severity], 8.0, self.events
                )
        return found

    def _after_rep(self, t: float, key: str) -> None:
        spec = self.spec
        mode = spec.sides.mode
        reps = spec.repetitions
        if mode == "none":
            all_done = self.reps_done["all"] >= reps
        else:
            all_done = all(self.reps_done[s] >= reps for s in _SIDES)
        if all_done and not self.done_emitted:
            self.done_emitted = True
            self.events.append(ExerciseDone(t, tuple(self.reps)))
            self._enter("done", t)
            self._cue(t, "done", PRIORITY["info"])
            return
        if all_done:
            self._enter("done", t)
            return
        rest = spec.rest.between_reps_s
        if mode == "each" and self.reps_done.get(key, 0) == reps:
            rest = max(rest, spec.rest.between_sides_s)
            self._cue(t, "switch_side", PRIORITY["info"])
        if rest > 0:
            self.rest_until = t + rest
            self.rest_len = rest
            self.events.append(RestStarted(t, rest))
            self._enter("rest", t)
            self._cue(t, "rest", PRIORITY["info"], 0.0, seconds=round(rest))
        else:
            self._enter("start", t)

    # ------------------------------------------------------------------ faults
    def _faults(self, t: float, row: list[float]) -> None:
        phase = self.phase
        for f in self.flags:
            if phase not in f.phases:
                if f.raw or f.active:
                    f.raw = False
                    self._fault_off(f, t)
                continue
            v = self._read(f.source, row)
            if v != v:
                continue
            v = abs(v) if f.sign == 0.0 else f.sign * v  # tempo: |speed| above max
            if f.raw:
                if v <= f.exit:
                    f.raw = False
                    self._fault_off(f, t)
                    continue
            elif v > f.enter:
                f.raw = True
                f.raw_t = t
            if f.raw and not f.active and t - f.raw_t >= f.min_s:
                f.active = True
                f.active_t = f.raw_t
                if f.rank >= 2:
                    self.blocking += 1
                if phase in ("raising", "hold", "lowering"):
                    self.rep_faults.add(f.code)
                self.events.append(FaultStarted(t, f.code, _severity(f.rank), f.message))
                self.cues.offer(t, f.code, f.message, f.priority, f.cooldown, self.events)

    def _fault_off(self, f: _Flag, t: float) -> None:
        if not f.active:
            return
        f.active = False
        if f.rank >= 2:
            self.blocking -= 1
        self.cues.withdraw(f.code)
        self.events.append(FaultEnded(t, f.code, f.active_t))
        self.faults.append(FaultInterval(f.code, _severity(f.rank), f.active_t, t, f.message))

    # ------------------------------------------------------------------ end
    def finish(self, t: float) -> None:
        """Close open faults and holds at the end of the input."""
        for f in self.flags:
            f.raw = False
            self._fault_off(f, t)
        if self.phase == "hold" and self.hold is not None and self.hold_start is not None:
            self.cand_t = t
            self.held_at_last = self.held
            self._end_hold(t)
        if self.phase == "rest":
            self.events.append(RestEnded(t))
        if not self.done_emitted and self.reps:
            self.done_emitted = True
            self.events.append(ExerciseDone(t, tuple(self.reps)))
        self.cues.flush(t, self.events)  # announcements are never lost


def _severity(rank: int) -> Severity:
    severities: tuple[Severity, ...] = ("info", "warning", "stop")
    return severities[rank - 1]
