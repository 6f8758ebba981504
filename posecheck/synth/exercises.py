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
movement itself; ``small_range``/``asymmetric_range`` span the affected
repetition.
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

    def __init__(self, params: dict[str, float]) -> None:
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


@dataclass
class Script:
    """The result of running an exercise script."""

    posture: str
    timeline: Timeline
    reps: list[TruthRep] = field(default_factory=list)
    faults: list[TruthFault] = field(default_factory=list)
    duration_s: float = 0.0


@dataclass(frozen=True)
class Timing:
    """Movement durations in seconds."""

    move_s: float = 2.0
    return_s: float = 2.0
    rest_s: float = 2.0
    fast_s: float = 0.4
    settle_s: float = 3.0


def _side_key(side: str) -> str:
    return "L" if side == "left" else "R"


def _other_key(side: str) -> str:
    return "R" if side == "left" else "L"


def _faulty(rep: int, fault_reps: Sequence[int] | None) -> bool:
    return fault_reps is None or rep in fault_reps


def _fault_pulse(
    tl: Timeline,
    code: str,
    faults: list[TruthFault],
    hold_s: float,
    ramp: float,
    fault: dict[str, float],
    normal: dict[str, float],
    before: dict[str, float] | None = None,
) -> None:
    """Inside a hold: wait, ramp into the fault, keep it, ramp back, wait (total ``hold_s``)."""
    lead = min(1.0, 0.2 * hold_s)
    keep = max(hold_s - 2 * lead - 2 * ramp, 0.5)
    tl.wait(lead)
    if before:
        tl.set(**before)
    a0, _ = tl.move(ramp, **fault)
    tl.wait(keep)
    b0, _ = tl.move(ramp, **normal)
    faults.append(TruthFault(code, a0 + ramp / 2, b0 + ramp / 2))
    tl.wait(max(hold_s - lead - keep - 2 * ramp, 0.0))


HOOK = {"hip_flex_L": 45.0, "hip_flex_R": 45.0, "knee_flex_L": 95.0, "knee_flex_R": 95.0}
STRAIGHT = {"hip_flex_L": 3.0, "hip_flex_R": 3.0, "knee_flex_L": 3.0, "knee_flex_R": 3.0}


def _settle_hook(tl: Timeline, timing: Timing, arms: dict[str, float] | None = None) -> None:
    """Lie with straight legs, then bend both knees into hook lying (not a repetition)."""
    tl.set(planted_L=0.0, planted_R=0.0, plantar_L=20.0, plantar_R=20.0)
    tl.wait(0.25 * timing.settle_s)
    tl.move(0.45 * timing.settle_s, **HOOK, **(arms or {}))
    tl.set(planted_L=1.0, planted_R=1.0, plantar_L=0.0, plantar_R=0.0)
    tl.wait(0.3 * timing.settle_s)


def knee_to_chest(
    faults: Sequence[str],
    reps: int,
    hold_s: float,
    sides: Sequence[str],
    timing: Timing,
    fault_reps: Sequence[int] | None,
) -> Script:
    start = {**DEFAULT_PARAMS, **STRAIGHT}
    tl = Timeline(start)
    script = Script("lying_back", tl)
    _settle_hook(tl, timing)
    n = 0
    for _ in range(reps):
        for side in sides:
            n += 1
            k, o = _side_key(side), _other_key(side)
            fast = "too_fast" in faults and _faulty(n, fault_reps)
            up = timing.fast_s if fast else timing.move_s
            down = timing.fast_s if fast else timing.return_s
            tl.set(
                **{
                    f"planted_{k}": 0.0,
                    "reach_knee_L": float(side == "right"),
                    "reach_knee_R": float(side == "left"),
                }
            )
            t_start, t_hold = tl.move(
                up,
                **{f"hip_flex_{k}": 120.0, f"knee_flex_{k}": 125.0, "reach_L": 1.0, "reach_R": 1.0},
            )
            if fast:
                script.faults.append(TruthFault("too_fast", t_start, t_hold))
            if "other_leg_lifted" in faults and _faulty(n, fault_reps):
                _fault_pulse(
                    tl,
                    "other_leg_lifted",
                    script.faults,
                    hold_s,
                    1.0,
                    {f"hip_flex_{o}": 35.0, f"knee_flex_{o}": 5.0},
                    {f"hip_flex_{o}": 45.0, f"knee_flex_{o}": 95.0},
                    before={f"planted_{o}": 0.0},
                )
                tl.set(**{f"planted_{o}": 1.0})
            elif "head_lifted" in faults and _faulty(n, fault_reps):
                _fault_pulse(
                    tl,
                    "head_lifted",
                    script.faults,
                    hold_s,
                    0.8,
                    {"neck_flex": 35.0, "trunk_flex": 12.0},
                    {"neck_flex": 0.0, "trunk_flex": 0.0},
                )
            else:
                tl.wait(hold_s)
            t_hold_end, t_end = tl.move(
                down,
                **{f"hip_flex_{k}": 45.0, f"knee_flex_{k}": 95.0, "reach_L": 0.0, "reach_R": 0.0},
            )
            if fast:
                script.faults.append(TruthFault("too_fast", t_hold_end, t_end))
            tl.set(**{f"planted_{k}": 1.0})
            script.reps.append(TruthRep(n, side, t_start, t_end, t_hold, t_hold_end))
            tl.wait(timing.rest_s)
    script.duration_s = tl.t
    return script


PELVIC_TILT_POSITIONS = ("lying", "sitting", "standing", "quadruped")
SCRIPT_POSTURE = {
    "lying": "lying_back",
    "sitting": "sitting",
    "standing": "standing",
    "quadruped": "quadruped",
}
QUADRUPED_NECK_PER_TILT = 1.5
"""Cat-camel: head turned up/down this many degrees per degree of pelvic tilt."""


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
    sitting = position == "sitting"
    start = {**DEFAULT_PARAMS, **STRAIGHT}
    if position == "standing":
        start.update(
            hip_flex_L=0.0,
            hip_flex_R=0.0,
            knee_flex_L=6.0,
            knee_flex_R=6.0,
            planted_L=1.0,
            planted_R=1.0,
            plantar_L=90.0,
            plantar_R=90.0,
            shoulder_flex_L=8.0,
            shoulder_flex_R=8.0,
            elbow_flex_L=15.0,
            elbow_flex_R=15.0,
        )
    if sitting:
        start.update(
            hip_flex_L=90.0,
            hip_flex_R=90.0,
            knee_flex_L=90.0,
            knee_flex_R=90.0,
            planted_L=1.0,
            planted_R=1.0,
            plantar_L=90.0,
            plantar_R=90.0,
            shoulder_flex_L=20.0,
            shoulder_flex_R=20.0,
            elbow_flex_L=60.0,
            elbow_flex_R=60.0,
        )
    tl = Timeline(start)
    script = Script(SCRIPT_POSTURE[position], tl)
    quadruped = position == "quadruped"
    if quadruped:
        # Settling in: the head comes up to look along the floor, the back finds its neutral.
        tl.move(0.5 * timing.settle_s, neck_flex=15.0, pelvic_tilt=-3.0)
        tl.move(0.2 * timing.settle_s, neck_flex=0.0, pelvic_tilt=0.0)
        tl.wait(0.3 * timing.settle_s)
    elif position in ("sitting", "standing"):
        tl.move(0.5 * timing.settle_s, trunk_flex=-8.0)
        tl.move(0.2 * timing.settle_s, trunk_flex=0.0)
        tl.wait(0.3 * timing.settle_s)
    else:
        _settle_hook(tl, timing)
    for n in range(1, reps + 1):
        bad = _faulty(n, fault_reps)
        small = "small_range" in faults and bad
        hollow, flat = (4.0, -4.0) if small else (15.0, -12.0)
        fast = "too_fast" in faults and bad
        lean = "trunk_leaning" in faults and bad
        move = timing.fast_s if fast else 0.75 * timing.move_s
        extra_hollow = {"trunk_flex": -15.0} if lean else {}
        extra_flat = {"trunk_flex": 15.0} if lean else {}
        if lean:
            hollow, flat = 3.0, -3.0
        if quadruped:
            # Cat-camel: the head follows the back (up in the cow, down in the cat).
            extra_hollow = {"neck_flex": -QUADRUPED_NECK_PER_TILT * hollow}
            extra_flat = {"neck_flex": -QUADRUPED_NECK_PER_TILT * flat}
        t_start, _ = tl.move(move, pelvic_tilt=hollow, **extra_hollow)
        _a0, t_hold = tl.move(move, pelvic_tilt=flat, **extra_flat)
        if fast:
            script.faults.append(TruthFault("too_fast", t_start, t_hold))
        if lean:
            script.faults.append(TruthFault("trunk_leaning", t_start + move / 2, 0.0))
        if "hips_lifted" in faults and bad:
            _fault_pulse(
                tl, "hips_lifted", script.faults, hold_s, 1.0, {"hip_lift": 0.18}, {"hip_lift": 0.0}
            )
        else:
            tl.wait(hold_s)
        back = {"trunk_flex": 0.0} if lean else {"neck_flex": 0.0} if quadruped else {}
        t_hold_end, t_end = tl.move(move, pelvic_tilt=0.0, **back)
        if lean:
            script.faults[-1].end_s = t_hold_end + move / 2
        if fast:
            script.faults.append(TruthFault("too_fast", t_hold_end, t_end))
        if small:
            script.faults.append(TruthFault("small_range", t_start, t_end))
        script.reps.append(TruthRep(n, None, t_start, t_end, t_hold, t_hold_end))
        tl.wait(timing.rest_s)
    script.duration_s = tl.t
    return script


def trunk_rotation(
    faults: Sequence[str],
    reps: int,
    hold_s: float,
    sides: Sequence[str],
    timing: Timing,
    fault_reps: Sequence[int] | None,
) -> Script:
    start = {**DEFAULT_PARAMS, **STRAIGHT}
    tl = Timeline(start)
    script = Script("lying_back", tl)
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
            extra = {"knees_apart": 20.0} if apart else {}
            t_start, t_hold = tl.move(up, leg_rotation=angle, **extra)
            if "shoulder_lifted" in faults and bad:
                opposite = _other_key(side)
                _fault_pulse(
                    tl,
                    "shoulder_lifted",
                    script.faults,
                    hold_s,
                    0.6,
                    {f"shoulder_lift_{opposite}": 0.12},
                    {f"shoulder_lift_{opposite}": 0.0},
                )
            else:
                tl.wait(hold_s)
            t_hold_end, t_end = tl.move(
                up, leg_rotation=0.0, **({"knees_apart": 0.0} if apart else {})
            )
            if fast:
                script.faults.append(TruthFault("too_fast", t_start, t_hold))
                script.faults.append(TruthFault("too_fast", t_hold_end, t_end))
            if apart:
                script.faults.append(
                    TruthFault("knees_apart", t_start + up / 2, t_hold_end + up / 2)
                )
            if asym:
                script.faults.append(TruthFault("asymmetric_range", t_start, t_end))
            script.reps.append(TruthRep(n, side, t_start, t_end, t_hold, t_hold_end))
            tl.wait(timing.rest_s)
    script.duration_s = tl.t
    return script


CURL_ARMS = {"reach_L": 1.0, "reach_R": 1.0}


def curl_up(
    faults: Sequence[str],
    reps: int,
    hold_s: float,
    sides: Sequence[str],
    timing: Timing,
    fault_reps: Sequence[int] | None,
) -> Script:
    start = {**DEFAULT_PARAMS, **STRAIGHT}
    tl = Timeline(start)
    script = Script("lying_back", tl)
    _settle_hook(tl, timing, arms=CURL_ARMS)
    for n in range(1, reps + 1):
        bad = _faulty(n, fault_reps)
        jerk = "jerking" in faults and bad
        neck = "neck_pulled" in faults and bad
        up = 0.3 if jerk else 0.75 * timing.move_s
        if neck:
            tl.move(
                0.8,
                reach_L=0.0,
                reach_R=0.0,
                shoulder_flex_L=160.0,
                shoulder_flex_R=160.0,
                elbow_flex_L=140.0,
                elbow_flex_R=140.0,
            )
        t_start, t_hold = tl.move(up, trunk_flex=30.0, neck_flex=8.0)
        if jerk:
            # Bouncing in the hold: +-7 deg at ~2.5 Hz for 1.6 s.
            for _ in range(4):
                tl.move(0.2, trunk_flex=23.0)
                tl.move(0.2, trunk_flex=30.0)
            script.faults.append(TruthFault("jerking", t_start, tl.t))
            tl.wait(max(hold_s - 1.6, 0.0))
        elif neck:
            _fault_pulse(
                tl,
                "neck_pulled",
                script.faults,
                hold_s,
                0.6,
                {"neck_flex": 45.0},
                {"neck_flex": 8.0},
            )
        elif "feet_lifted" in faults and bad:
            _fault_pulse(
                tl,
                "feet_lifted",
                script.faults,
                hold_s,
                0.8,
                {"hip_flex_L": 70.0, "hip_flex_R": 70.0},
                {"hip_flex_L": 45.0, "hip_flex_R": 45.0},
                before={"planted_L": 0.0, "planted_R": 0.0},
            )
            tl.set(planted_L=1.0, planted_R=1.0)
        else:
            tl.wait(hold_s)
        t_hold_end, t_end = tl.move(0.75 * timing.return_s, trunk_flex=0.0, neck_flex=0.0)
        if neck:
            tl.move(
                0.8,
                reach_L=1.0,
                reach_R=1.0,
                shoulder_flex_L=0.0,
                shoulder_flex_R=0.0,
                elbow_flex_L=0.0,
                elbow_flex_R=0.0,
            )
        script.reps.append(TruthRep(n, None, t_start, t_end, t_hold, t_hold_end))
        tl.wait(timing.rest_s)
    script.duration_s = tl.t
    return script


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


def back_extension(
    faults: Sequence[str],
    reps: int,
    hold_s: float,
    sides: Sequence[str],
    timing: Timing,
    fault_reps: Sequence[int] | None,
) -> Script:
    start = {**DEFAULT_PARAMS, **PRONE, "shoulder_flex_L": 10.0, "shoulder_flex_R": 10.0}
    tl = Timeline(start)
    script = Script("prone", tl)
    # Settling in: arms from beside the body to stretched overhead.
    tl.wait(0.25 * timing.settle_s)
    tl.move(0.45 * timing.settle_s, shoulder_flex_L=178.0, shoulder_flex_R=178.0)
    tl.wait(0.3 * timing.settle_s)
    for n in range(1, reps + 1):
        bad = _faulty(n, fault_reps)
        up = 0.75 * timing.move_s
        lift = {"shoulder_flex_L": 195.0, "shoulder_flex_R": 195.0, "trunk_flex": -10.0}
        legs = {"hip_flex_L": -15.0, "hip_flex_R": -15.0}
        rest = {
            "shoulder_flex_L": 178.0,
            "shoulder_flex_R": 178.0,
            "trunk_flex": 0.0,
            "hip_flex_L": 0.0,
            "hip_flex_R": 0.0,
        }
        extra: dict[str, float] = {}
        back: dict[str, float] = {}
        code = None
        if "arms_bent" in faults and bad:
            extra, back, code = (
                {"elbow_flex_L": 50.0, "elbow_flex_R": 50.0},
                {"elbow_flex_L": 0.0, "elbow_flex_R": 0.0},
                "arms_bent",
            )
        elif "legs_bent" in faults and bad:
            extra, back, code = (
                {"knee_flex_L": 55.0, "knee_flex_R": 55.0},
                {"knee_flex_L": 3.0, "knee_flex_R": 3.0},
                "legs_bent",
            )
        elif "not_both_lifted" in faults and bad:
            legs = {}
            code = "not_both_lifted"
        t_start, t_hold = tl.move(up, **lift, **legs, **extra)
        tl.wait(hold_s)
        t_hold_end, t_end = tl.move(up, **rest, **back)
        if code:
            script.faults.append(TruthFault(code, t_start + up / 2, t_hold_end + up / 2))
        script.reps.append(TruthRep(n, None, t_start, t_end, t_hold, t_hold_end))
        tl.wait(timing.rest_s)
    script.duration_s = tl.t
    return script


SCRIPTS = {
    "knee_to_chest": knee_to_chest,
    "pelvic_tilt": pelvic_tilt,
    "trunk_rotation": trunk_rotation,
    "curl_up": curl_up,
    "back_extension": back_extension,
}
