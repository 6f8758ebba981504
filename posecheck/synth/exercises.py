"""Exercise scripts: parameter timelines with exact ground truth.

Each script drives the body model's parameters (see
:data:`posecheck.synth.body.DEFAULT_PARAMS`) through a settling-in period
(getting into position: not a repetition), then the repetitions, inserting
the requested faults, and records the ground truth while it writes.

Timing conventions (exact, from the animation): a repetition starts when the
body leaves the rest pose and ends when it is back at rest; the hold starts
when the end pose is reached and ends when the body leaves it. A fault
interval runs from the middle of the ramp into the faulty pose to the middle
of the ramp out of it (intensity > 50 %); a "too fast" fault spans the fast
movement itself, ``jerking`` the fling up; ``small_range``/``asymmetric_range``
span the affected repetition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from posecheck.synth.body import DEFAULT_PARAMS

FAULTS: dict[str, tuple[str, ...]] = {
    "knee_to_chest": ("other_leg_lifted", "head_lifted", "too_fast"),
    "pelvic_tilt": ("hips_lifted", "trunk_leaning", "small_range", "too_fast"),
    "trunk_rotation": ("shoulder_lifted", "knees_apart", "too_fast", "asymmetric_range"),
    "curl_up": ("feet_lifted", "jerking", "neck_pulled"),
    "back_extension": ("arms_bent", "legs_bent", "not_both_lifted"),
}
"""The fault codes each exercise can be generated with (CONTRACTS)."""

SIDED = {"knee_to_chest", "trunk_rotation"}

Pose = dict[str, float]
"""Target values of some body-model parameters."""


@dataclass
class TruthRep:
    """One repetition: side (sided exercises) and exact times in seconds."""

    index: int
    side: str | None
    start_s: float
    end_s: float
    hold_start_s: float
    hold_end_s: float


@dataclass
class TruthFault:
    """One fault occurrence: its code and exact interval in seconds."""

    code: str
    start_s: float
    end_s: float


@dataclass
class _Segment:
    t0: float
    t1: float
    v0: float
    v1: float


class Timeline:
    """Piecewise smooth (cosine-eased) parameter tracks written in time order."""

    def __init__(self, params: Pose) -> None:
        self.t = 0.0
        self.current = dict(params)
        self.start = dict(params)
        self.segments: dict[str, list[_Segment]] = {k: [] for k in params}
        self.steps: dict[str, list[tuple[float, float]]] = {k: [] for k in params}

    def set(self, **values: float) -> None:
        """Change parameters instantly (only for switches such as ``planted``)."""
        for k, v in values.items():
            self.steps[k].append((self.t, v))
            self.current[k] = v

    def move(self, duration: float, **targets: float) -> tuple[float, float]:
        """Move the listed parameters to their targets over ``duration``; returns (t0, t1)."""
        t0 = self.t
        for k, v in targets.items():
            self.segments[k].append(_Segment(t0, t0 + duration, self.current[k], v))
            self.current[k] = v
        self.t += duration
        return t0, self.t

    def wait(self, duration: float) -> tuple[float, float]:
        t0 = self.t
        self.t += duration
        return t0, self.t

    def evaluate(self, times: np.ndarray) -> dict[str, np.ndarray]:
        """Parameter values at ``times``."""
        out: dict[str, np.ndarray] = {}
        for k, v0 in self.start.items():
            vals = np.full(len(times), float(v0))
            events: list[tuple[float, int, object]] = [(s.t0, 1, s) for s in self.segments[k]]
            events += [(t, 0, v) for t, v in self.steps[k]]
            for t_ev, kind, item in sorted(events, key=lambda e: (e[0], e[1])):
                if kind == 0:
                    vals[times >= t_ev] = float(item)  # type: ignore[arg-type]
                    continue
                seg = item
                assert isinstance(seg, _Segment)
                inside = (times >= seg.t0) & (times < seg.t1)
                u = (times[inside] - seg.t0) / max(seg.t1 - seg.t0, 1e-9)
                ease = 0.5 - 0.5 * np.cos(np.pi * u)
                vals[inside] = seg.v0 + (seg.v1 - seg.v0) * ease
                vals[times >= seg.t1] = seg.v1
            out[k] = vals
        return out


@dataclass(frozen=True)
class Timing:
    """Movement durations in seconds."""

    move_s: float = 2.0
    return_s: float = 2.0
    rest_s: float = 2.0
    fast_s: float = 0.4
    settle_s: float = 3.0


@dataclass(frozen=True)
class Pulse:
    """A fault shown inside a hold: ramp into ``fault`` over ``ramp_s``, keep it, ramp back
    to ``normal``; ``before``/``after`` are switches (e.g. ``planted``) set around it."""

    code: str
    ramp_s: float
    fault: Pose
    normal: Pose
    before: Pose = field(default_factory=dict)
    after: Pose = field(default_factory=dict)


@dataclass
class Script:
    """The result of running an exercise script, and the bookkeeping while it is written."""

    posture: str
    timeline: Timeline
    reps: list[TruthRep] = field(default_factory=list)
    faults: list[TruthFault] = field(default_factory=list)
    duration_s: float = 0.0

    @classmethod
    def begin(cls, posture: str, params: Pose) -> Script:
        """A script for ``posture`` whose timeline starts at ``params`` (the defaults for
        the parameters not given)."""
        return cls(posture, Timeline({**DEFAULT_PARAMS, **params}))

    def fault(self, code: str, start_s: float, end_s: float) -> TruthFault:
        """Record a fault interval (returned, so an open end can be filled in later)."""
        found = TruthFault(code, start_s, end_s)
        self.faults.append(found)
        return found

    def hold(self, hold_s: float, pulse: Pulse | None = None) -> None:
        """Stay in the end pose ``hold_s`` seconds, showing ``pulse`` inside it if given:
        wait, ramp into the fault, keep it, ramp back, wait."""
        tl = self.timeline
        if pulse is None:
            tl.wait(hold_s)
            return
        ramp = pulse.ramp_s
        lead = min(1.0, 0.2 * hold_s)
        keep = max(hold_s - 2 * lead - 2 * ramp, 0.5)
        tl.wait(lead)
        tl.set(**pulse.before)
        a0, _ = tl.move(ramp, **pulse.fault)
        tl.wait(keep)
        b0, _ = tl.move(ramp, **pulse.normal)
        self.fault(pulse.code, a0 + ramp / 2, b0 + ramp / 2)
        tl.wait(max(hold_s - lead - keep - 2 * ramp, 0.0))
        tl.set(**pulse.after)

    def repetition(
        self,
        n: int,
        side: str | None,
        out: tuple[float, float],
        back: tuple[float, float],
        rest_s: float,
    ) -> None:
        """Record repetition ``n``: ``out`` = (start, hold start), ``back`` = (hold end, end),
        then rest ``rest_s`` seconds."""
        self.reps.append(TruthRep(n, side, out[0], back[1], out[1], back[0]))
        self.timeline.wait(rest_s)

    def done(self) -> Script:
        self.duration_s = self.timeline.t
        return self


def _side_key(side: str) -> str:
    return "L" if side == "left" else "R"


def _other_key(side: str) -> str:
    return "R" if side == "left" else "L"


def _faulty(rep: int, fault_reps: Sequence[int] | None) -> bool:
    return fault_reps is None or rep in fault_reps


def _pick(faults: Sequence[str], pulses: dict[str, Pulse]) -> Pulse | None:
    """The first requested fault shown as a pulse inside the hold, if any."""
    return next((pulses[f] for f in pulses if f in faults), None)


HOOK = {"hip_flex_L": 45.0, "hip_flex_R": 45.0, "knee_flex_L": 95.0, "knee_flex_R": 95.0}
STRAIGHT = {"hip_flex_L": 3.0, "hip_flex_R": 3.0, "knee_flex_L": 3.0, "knee_flex_R": 3.0}
FEET_LOOSE = {"planted_L": 0.0, "planted_R": 0.0, "plantar_L": 20.0, "plantar_R": 20.0}
FEET_FLAT = {"planted_L": 1.0, "planted_R": 1.0, "plantar_L": 0.0, "plantar_R": 0.0}


def _settle(
    tl: Timeline,
    timing: Timing,
    target: Pose,
    before: Pose | None = None,
    after: Pose | None = None,
) -> None:
    """Getting into position (not a repetition): lie still, move into ``target``, lie still."""
    tl.set(**(before or {}))
    tl.wait(0.25 * timing.settle_s)
    tl.move(0.45 * timing.settle_s, **target)
    tl.set(**(after or {}))
    tl.wait(0.3 * timing.settle_s)


def _settle_hook(tl: Timeline, timing: Timing, arms: Pose | None = None) -> None:
    """Lie with straight legs, then bend both knees into hook lying (not a repetition)."""
    _settle(tl, timing, {**HOOK, **(arms or {})}, before=FEET_LOOSE, after=FEET_FLAT)


def _settle_sway(tl: Timeline, timing: Timing, away: Pose, back: Pose) -> None:
    """Finding the start position (not a repetition): sway to ``away``, back, keep still."""
    tl.move(0.5 * timing.settle_s, **away)
    tl.move(0.2 * timing.settle_s, **back)
    tl.wait(0.3 * timing.settle_s)


# --- knee to chest ----------------------------------------------------------------------


def knee_to_chest(
    faults: Sequence[str],
    reps: int,
    hold_s: float,
    sides: Sequence[str],
    timing: Timing,
    fault_reps: Sequence[int] | None,
) -> Script:
    script = Script.begin("lying_back", STRAIGHT)
    tl = script.timeline
    _settle_hook(tl, timing)
    n = 0
    for _ in range(reps):
        for side in sides:
            n += 1
            k, o = _side_key(side), _other_key(side)
            bad = _faulty(n, fault_reps)
            fast = "too_fast" in faults and bad
            up = timing.fast_s if fast else timing.move_s
            down = timing.fast_s if fast else timing.return_s
            pulses = {
                "other_leg_lifted": Pulse(
                    "other_leg_lifted",
                    1.0,
                    {f"hip_flex_{o}": 35.0, f"knee_flex_{o}": 5.0},
                    {f"hip_flex_{o}": 45.0, f"knee_flex_{o}": 95.0},
                    before={f"planted_{o}": 0.0},
                    after={f"planted_{o}": 1.0},
                ),
                "head_lifted": Pulse(
                    "head_lifted",
                    0.8,
                    {"neck_flex": 35.0, "trunk_flex": 12.0},
                    {"neck_flex": 0.0, "trunk_flex": 0.0},
                ),
            }
            tl.set(
                **{
                    f"planted_{k}": 0.0,
                    "reach_knee_L": float(side == "right"),
                    "reach_knee_R": float(side == "left"),
                }
            )
            out = tl.move(
                up,
                **{f"hip_flex_{k}": 120.0, f"knee_flex_{k}": 125.0, "reach_L": 1.0, "reach_R": 1.0},
            )
            if fast:
                script.fault("too_fast", *out)
            script.hold(hold_s, _pick(faults, pulses) if bad else None)
            back = tl.move(
                down,
                **{f"hip_flex_{k}": 45.0, f"knee_flex_{k}": 95.0, "reach_L": 0.0, "reach_R": 0.0},
            )
            if fast:
                script.fault("too_fast", *back)
            tl.set(**{f"planted_{k}": 1.0})
            script.repetition(n, side, out, back, timing.rest_s)
    return script.done()


# --- pelvic tilt ------------------------------------------------------------------------

PELVIC_TILT_POSITIONS = ("lying", "sitting", "standing", "quadruped")
SCRIPT_POSTURE = {
    "lying": "lying_back",
    "sitting": "sitting",
    "standing": "standing",
    "quadruped": "quadruped",
}
QUADRUPED_NECK_PER_TILT = 1.5
"""Cat-camel: head turned up/down this many degrees per degree of pelvic tilt."""

UPRIGHT_FEET = {"planted_L": 1.0, "planted_R": 1.0, "plantar_L": 90.0, "plantar_R": 90.0}
START_POSES: dict[str, Pose] = {
    "lying": STRAIGHT,
    "quadruped": STRAIGHT,
    "standing": {
        **UPRIGHT_FEET,
        **{"hip_flex_L": 0.0, "hip_flex_R": 0.0, "knee_flex_L": 6.0, "knee_flex_R": 6.0},
        **{"shoulder_flex_L": 8.0, "shoulder_flex_R": 8.0},
        **{"elbow_flex_L": 15.0, "elbow_flex_R": 15.0},
    },
    "sitting": {
        **UPRIGHT_FEET,
        **{"hip_flex_L": 90.0, "hip_flex_R": 90.0, "knee_flex_L": 90.0, "knee_flex_R": 90.0},
        **{"shoulder_flex_L": 20.0, "shoulder_flex_R": 20.0},
        **{"elbow_flex_L": 60.0, "elbow_flex_R": 60.0},
    },
}
"""Pelvic tilt: the body-model parameters of each start position."""


def pelvic_tilt(
    faults: Sequence[str],
    reps: int,
    hold_s: float,
    sides: Sequence[str],
    timing: Timing,
    fault_reps: Sequence[int] | None,
    position: str = "lying",
) -> Script:
    if position not in PELVIC_TILT_POSITIONS:
        raise ValueError(
            f"position {position!r} is not a pelvic tilt position; use "
            f"{', '.join(PELVIC_TILT_POSITIONS)}"
        )
    if position == "lying" and "trunk_leaning" in faults:
        position = "sitting"
    if "hips_lifted" in faults and position != "lying":
        raise ValueError("hips_lifted (a bridge) exists only lying")
    if "trunk_leaning" in faults and position == "quadruped":
        raise ValueError("trunk_leaning exists only sitting or standing")
    script = Script.begin(SCRIPT_POSTURE[position], START_POSES[position])
    tl = script.timeline
    quadruped = position == "quadruped"
    if quadruped:
        # Settling in: the head comes up to look along the floor, the back finds its neutral.
        _settle_sway(
            tl,
            timing,
            {"neck_flex": 15.0, "pelvic_tilt": -3.0},
            {"neck_flex": 0.0, "pelvic_tilt": 0.0},
        )
    elif position in ("sitting", "standing"):
        _settle_sway(tl, timing, {"trunk_flex": -8.0}, {"trunk_flex": 0.0})
    else:
        _settle_hook(tl, timing)
    bridge = Pulse("hips_lifted", 1.0, {"hip_lift": 0.18}, {"hip_lift": 0.0})
    for n in range(1, reps + 1):
        bad = _faulty(n, fault_reps)
        small = "small_range" in faults and bad
        hollow, flat = (4.0, -4.0) if small else (15.0, -12.0)
        fast = "too_fast" in faults and bad
        lean = "trunk_leaning" in faults and bad
        move = timing.fast_s if fast else 0.75 * timing.move_s
        extra_hollow: Pose = {"trunk_flex": -15.0} if lean else {}
        extra_flat: Pose = {"trunk_flex": 15.0} if lean else {}
        if lean:
            hollow, flat = 3.0, -3.0
        if quadruped:
            # Cat-camel: the head follows the back (up in the cow, down in the cat).
            extra_hollow = {"neck_flex": -QUADRUPED_NECK_PER_TILT * hollow}
            extra_flat = {"neck_flex": -QUADRUPED_NECK_PER_TILT * flat}
        t_start, _ = tl.move(move, pelvic_tilt=hollow, **extra_hollow)
        _, t_hold = tl.move(move, pelvic_tilt=flat, **extra_flat)
        if fast:
            script.fault("too_fast", t_start, t_hold)
        leaning = script.fault("trunk_leaning", t_start + move / 2, 0.0) if lean else None
        script.hold(hold_s, bridge if "hips_lifted" in faults and bad else None)
        back_pose = {"trunk_flex": 0.0} if lean else {"neck_flex": 0.0} if quadruped else {}
        back = tl.move(move, pelvic_tilt=0.0, **back_pose)
        if leaning is not None:
            leaning.end_s = back[0] + move / 2
        if fast:
            script.fault("too_fast", *back)
        if small:
            script.fault("small_range", t_start, back[1])
        script.repetition(n, None, (t_start, t_hold), back, timing.rest_s)
    return script.done()


# --- lower back rotation ----------------------------------------------------------------


def trunk_rotation(
    faults: Sequence[str],
    reps: int,
    hold_s: float,
    sides: Sequence[str],
    timing: Timing,
    fault_reps: Sequence[int] | None,
) -> Script:
    script = Script.begin("lying_back", STRAIGHT)
    tl = script.timeline
    _settle_hook(tl, timing)
    n = 0
    for _ in range(reps):
        for side in sides:
            n += 1
            bad = _faulty(n, fault_reps)
            sign = 1.0 if side == "left" else -1.0
            asym = "asymmetric_range" in faults and side == "right" and bad
            angle = sign * (20.0 if asym else 45.0)
            fast = "too_fast" in faults and bad
            apart = "knees_apart" in faults and bad
            up = timing.fast_s if fast else timing.move_s
            opposite = _other_key(side)
            shoulder = Pulse(
                "shoulder_lifted",
                0.6,
                {f"shoulder_lift_{opposite}": 0.12},
                {f"shoulder_lift_{opposite}": 0.0},
            )
            out = tl.move(up, leg_rotation=angle, **({"knees_apart": 20.0} if apart else {}))
            script.hold(hold_s, shoulder if "shoulder_lifted" in faults and bad else None)
            back = tl.move(up, leg_rotation=0.0, **({"knees_apart": 0.0} if apart else {}))
            if fast:
                script.fault("too_fast", *out)
                script.fault("too_fast", *back)
            if apart:
                script.fault("knees_apart", out[0] + up / 2, back[0] + up / 2)
            if asym:
                script.fault("asymmetric_range", out[0], back[1])
            script.repetition(n, side, out, back, timing.rest_s)
    return script.done()


# --- abdominal curl-up ------------------------------------------------------------------

CURL_ARMS = {"reach_L": 1.0, "reach_R": 1.0}
ARMS_AT_HEAD = {
    "reach_L": 0.0,
    "reach_R": 0.0,
    "shoulder_flex_L": 160.0,
    "shoulder_flex_R": 160.0,
    "elbow_flex_L": 140.0,
    "elbow_flex_R": 140.0,
}
"""Hands behind the head (the neck_pulled fault pulls on it)."""
ARMS_TO_KNEES = {
    "reach_L": 1.0,
    "reach_R": 1.0,
    "shoulder_flex_L": 0.0,
    "shoulder_flex_R": 0.0,
    "elbow_flex_L": 0.0,
    "elbow_flex_R": 0.0,
}
CURL_TRUNK_FLEX = 30.0
"""Trunk flexion of the held curl-up (the hip-shoulder chord reads ~23° off the floor)."""
JERK_UP_S = 0.3
JERK_OVERSHOOT_FLEX = 60.0
JERK_SETTLE_S = 0.5
"""``jerking``: a momentum curl-up, the trunk flung up past the hold in ``JERK_UP_S``
(trunk chord 0 -> ~46°) and sinking back into the hold over ``JERK_SETTLE_S``. Modelled
on the real crunch clip's momentum sit-ups: their trunk chord rises to 46-53° within
~0.35 s and reads 190-200 °/s after the engine's smoothing; this one reads ~185 °/s (true
peak ~250 °/s) and stays above the spec's 130 °/s for ~0.17 s. The clip's controlled
crunches read at most 85 °/s."""


def curl_up(
    faults: Sequence[str],
    reps: int,
    hold_s: float,
    sides: Sequence[str],
    timing: Timing,
    fault_reps: Sequence[int] | None,
) -> Script:
    script = Script.begin("lying_back", STRAIGHT)
    tl = script.timeline
    _settle_hook(tl, timing, arms=CURL_ARMS)
    pulses = {
        "neck_pulled": Pulse("neck_pulled", 0.6, {"neck_flex": 45.0}, {"neck_flex": 8.0}),
        "feet_lifted": Pulse(
            "feet_lifted",
            0.8,
            {"hip_flex_L": 70.0, "hip_flex_R": 70.0},
            {"hip_flex_L": 45.0, "hip_flex_R": 45.0},
            before={"planted_L": 0.0, "planted_R": 0.0},
            after={"planted_L": 1.0, "planted_R": 1.0},
        ),
    }
    for n in range(1, reps + 1):
        bad = _faulty(n, fault_reps)
        jerk = "jerking" in faults and bad
        neck = "neck_pulled" in faults and bad
        if neck:
            tl.move(0.8, **ARMS_AT_HEAD)
        if jerk:
            out = tl.move(JERK_UP_S, trunk_flex=JERK_OVERSHOOT_FLEX, neck_flex=8.0)
            script.fault("jerking", *out)
            out = (out[0], tl.move(JERK_SETTLE_S, trunk_flex=CURL_TRUNK_FLEX)[1])
        else:
            out = tl.move(0.75 * timing.move_s, trunk_flex=CURL_TRUNK_FLEX, neck_flex=8.0)
        script.hold(hold_s, _pick(faults, pulses) if bad and not jerk else None)
        back = tl.move(0.75 * timing.return_s, trunk_flex=0.0, neck_flex=0.0)
        if neck:
            tl.move(0.8, **ARMS_TO_KNEES)
        script.repetition(n, None, out, back, timing.rest_s)
    return script.done()


# --- back extension ---------------------------------------------------------------------

PRONE = {
    "hip_flex_L": 0.0,
    "hip_flex_R": 0.0,
    "knee_flex_L": 3.0,
    "knee_flex_R": 3.0,
    "planted_L": 0.0,
    "planted_R": 0.0,
    "plantar_L": 60.0,
    "plantar_R": 60.0,
}
ARMS_LIFTED = {"shoulder_flex_L": 195.0, "shoulder_flex_R": 195.0, "trunk_flex": -10.0}
LEGS_LIFTED = {"hip_flex_L": -15.0, "hip_flex_R": -15.0}
PRONE_REST = {
    "shoulder_flex_L": 178.0,
    "shoulder_flex_R": 178.0,
    "trunk_flex": 0.0,
    "hip_flex_L": 0.0,
    "hip_flex_R": 0.0,
}
BENT_LIMBS: dict[str, tuple[Pose, Pose]] = {
    "arms_bent": (
        {"elbow_flex_L": 50.0, "elbow_flex_R": 50.0},
        {"elbow_flex_L": 0.0, "elbow_flex_R": 0.0},
    ),
    "legs_bent": (
        {"knee_flex_L": 55.0, "knee_flex_R": 55.0},
        {"knee_flex_L": 3.0, "knee_flex_R": 3.0},
    ),
}
"""Back extension faults held through the whole lift: (lifted pose, rest pose)."""


def back_extension(
    faults: Sequence[str],
    reps: int,
    hold_s: float,
    sides: Sequence[str],
    timing: Timing,
    fault_reps: Sequence[int] | None,
) -> Script:
    script = Script.begin("prone", {**PRONE, "shoulder_flex_L": 10.0, "shoulder_flex_R": 10.0})
    tl = script.timeline
    # Settling in: arms from beside the body to stretched overhead.
    _settle(tl, timing, {"shoulder_flex_L": 178.0, "shoulder_flex_R": 178.0})
    for n in range(1, reps + 1):
        bad = _faulty(n, fault_reps)
        up = 0.75 * timing.move_s
        code = next((f for f in FAULTS["back_extension"] if f in faults), None) if bad else None
        lifted, rested = BENT_LIMBS.get(code or "", ({}, {}))
        legs = {} if code == "not_both_lifted" else LEGS_LIFTED
        out = tl.move(up, **ARMS_LIFTED, **legs, **lifted)
        script.hold(hold_s)
        back = tl.move(up, **PRONE_REST, **rested)
        if code:
            script.fault(code, out[0] + up / 2, back[0] + up / 2)
        script.repetition(n, None, out, back, timing.rest_s)
    return script.done()


SCRIPTS = {
    "knee_to_chest": knee_to_chest,
    "pelvic_tilt": pelvic_tilt,
    "trunk_rotation": trunk_rotation,
    "curl_up": curl_up,
    "back_extension": back_extension,
}
