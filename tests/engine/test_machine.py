"""The state machine on hand-made signals: hysteresis, dwell, setup, holds, cues, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.engine.columns import ColumnPlan
from posecheck.engine.cues import CueScheduler
from posecheck.engine.events import Cue, FaultStarted, HoldEnded, PositionRecognised, RepCompleted
from posecheck.engine.machine import StepMachine
from posecheck.i18n import Text
from posecheck.specs import spec_from_data

FPS = 30.0


def _spec(hold: object = 10, checks: list[dict[str, object]] | None = None) -> object:
    data: dict[str, object] = {
        "id": "test_curl",
        "version": 1,
        "name": {"nl": "Test", "en": "Test"},
        "instructions": {"nl": "Doe het.", "en": "Do it."},
        "start_positions": ["hook_lying"],
        "views": ["side"],
        "sides": {"mode": "none"},
        "repetitions": 3,
        "primary": {
            "measurement": "trunk_curl",
            "direction": "increase",
            "start_zone": {"enter": 10, "exit": 14},
            "end_zone": {"enter": 25, "exit": 21},
            "min_dwell_s": 0.2,
            "still_speed": 5,
        },
        "checks": checks or [],
    }
    if hold is not None:
        data["hold"] = {"target_s": hold, "grace_s": 0.5}
    return spec_from_data(data)


def _run(
    spec: object,
    values: np.ndarray,
    posture: str = "hook_lying",
    extra: dict[str, np.ndarray] | None = None,
) -> StepMachine:
    plan = ColumnPlan(spec, "left")  # type: ignore[arg-type]
    machine = StepMachine(spec, plan)  # type: ignore[arg-type]
    times = np.arange(len(values)) / FPS
    speed = np.gradient(values, times)
    columns = {"trunk_curl": values, "speed:trunk_curl": speed, **(extra or {})}
    for i, t in enumerate(times.tolist()):
        row = [float(columns[name][i]) if name in columns else math.nan for name in plan.columns]
        machine.step(t, row, posture, "side")
    machine.finish(float(times[-1]))
    return machine


def _reps(rest: float, peak: float, reps: int, hold_s: float, move_s: float = 1.0) -> np.ndarray:
    """Rest, then ``reps`` × (smooth rise, hold, smooth fall, rest)."""
    pieces = [np.full(int(2 * FPS), rest)]
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, int(move_s * FPS)))
    for _ in range(reps):
        pieces += [
            rest + (peak - rest) * ramp,
            np.full(int(hold_s * FPS), peak),
            peak + (rest - peak) * ramp,
            np.full(int(2 * FPS), rest),
        ]
    return np.concatenate(pieces)


@pytest.mark.parametrize("threshold", [10.0, 14.0, 21.0, 25.0])
def test_value_hovering_at_a_threshold_gives_no_reps(threshold: float) -> None:
    rng = np.random.default_rng(3)
    values = np.concatenate([np.zeros(int(2 * FPS)), threshold + rng.normal(0, 1.5, int(20 * FPS))])
    machine = _run(_spec(), values)
    assert machine.reps == []


def test_square_wave_hovering_between_zones_gives_no_reps() -> None:
    """Bouncing between the exit thresholds (never reaching the end zone) counts nothing."""
    values = np.concatenate([np.zeros(60), np.tile(np.r_[np.full(5, 13.0), np.full(5, 22.0)], 60)])
    assert _run(_spec(), values).reps == []


def test_clean_reps_are_counted_exactly_with_hold_time() -> None:
    machine = _run(_spec(hold="max"), _reps(0.0, 35.0, reps=3, hold_s=4.0))
    assert len(machine.reps) == 3
    for rep in machine.reps:
        assert rep.hold_s == pytest.approx(4.0, abs=0.2)
        assert rep.completed


def test_nothing_counts_before_the_start_position_is_recognised() -> None:
    values = _reps(0.0, 35.0, reps=2, hold_s=3.0)
    machine = _run(_spec(), values, posture="sitting")
    assert machine.reps == []
    assert machine.phase == "setup"
    assert not any(isinstance(e, PositionRecognised) for e in machine.events)


@pytest.mark.parametrize(
    ("posture", "trunk", "code", "en", "nl"),
    [
        # legs straight (supine) for an exercise from hook lying: not even measurable
        ("supine", math.nan, "start_position", "knees bent", "knieën gebogen"),
        ("standing", 30.0, "start_position", "lying on the back", "rugligging"),
        ("prone", 0.0, "start_position", "lying on the back", "rugligging"),
        # the right posture, but nothing measurable: no position to name
        ("hook_lying", math.nan, "position", "start position", "beginhouding"),
        ("moving", 30.0, "position", "start position", "beginhouding"),
    ],
)
def test_the_setup_cue_names_the_start_position_when_the_posture_is_wrong(
    posture: str, trunk: float, code: str, en: str, nl: str
) -> None:
    machine = _run(_spec(), np.full(int(12 * FPS), trunk), posture=posture)
    cues = [e for e in machine.events if isinstance(e, Cue)]
    assert [c.code for c in cues] == [code]  # after 10 s, then every 10 s
    assert cues[0].t_s == pytest.approx(10.0, abs=0.05)
    assert en in cues[0].text.en
    assert nl in cues[0].text.nl
    assert not any(isinstance(e, PositionRecognised) for e in machine.events)


def test_a_warning_fault_pauses_the_hold_clock() -> None:
    values = _reps(0.0, 35.0, reps=1, hold_s=6.0)
    lift = np.zeros_like(values)
    times = np.arange(len(values)) / FPS
    lift[(times > 5.0) & (times < 7.0)] = 0.5  # feet up for 2 s during the hold
    check = {
        "code": "feet_lifted",
        "measurement": "foot_lift",
        "side": "left",
        "when": "above",
        "enter": 0.2,
        "exit": 0.1,
        "phases": ["hold"],
        "min_duration_s": 0.0,
        "severity": "warning",
        "message": {"nl": "Voeten neer.", "en": "Feet down."},
    }
    machine = _run(_spec(hold="max", checks=[check]), values, extra={"foot_lift.left": lift})
    assert len(machine.reps) == 1
    assert machine.reps[0].hold_s == pytest.approx(4.0, abs=0.2)
    assert machine.reps[0].faults == ("feet_lifted",)
    assert [f.code for f in machine.faults] == ["feet_lifted"]
    assert machine.faults[0].start_s == pytest.approx(5.0, abs=0.05)


def test_lost_frames_within_grace_keep_the_hold_clock_running() -> None:
    values = _reps(0.0, 35.0, reps=1, hold_s=6.0)
    times = np.arange(len(values)) / FPS
    short = values.copy()
    short[(times > 5.0) & (times < 5.3)] = np.nan  # 0.3 s gap < grace 0.5 s
    long = values.copy()
    long[(times > 5.0) & (times < 7.0)] = np.nan  # 2 s gap: only the grace counts
    held_short = _run(_spec(hold="max"), short).reps[0].hold_s
    held_long = _run(_spec(hold="max"), long).reps[0].hold_s
    assert held_short == pytest.approx(6.0, abs=0.2)
    assert held_long == pytest.approx(6.0 - 2.0 + 0.5, abs=0.25)


def test_target_hold_reached_and_reported() -> None:
    machine = _run(_spec(hold=5), _reps(0.0, 35.0, reps=1, hold_s=7.0))
    ended = [e for e in machine.events if isinstance(e, HoldEnded)]
    assert len(ended) == 1 and ended[0].reached_target
    codes = [e.code for e in machine.events if isinstance(e, Cue)]
    assert "hold_end" in codes


def test_deterministic_events() -> None:
    values = _reps(0.0, 35.0, reps=2, hold_s=3.0) + np.random.default_rng(1).normal(0, 0.5, 1)
    first = _run(_spec(), values).events
    second = _run(_spec(), values).events
    assert first == second


def test_one_cue_at_a_time_with_priorities_and_cooldowns() -> None:
    cues = CueScheduler(gap_s=2.0, max_wait_s=3.0)
    out: list[object] = []
    text = Text("a", "a")
    cues.offer(0.0, "hold_start", text, 1, 0.0, out)  # fires
    cues.offer(0.5, "raising", text, 0, 0.0, out)  # lower priority: waits
    cues.offer(0.6, "feet_lifted", text, 2, 8.0, out)  # outranks: fires now
    cues.offer(0.7, "feet_lifted", text, 2, 8.0, out)  # cooldown: dropped
    for t in (1.0, 2.0, 2.7):
        cues.tick(t, out)
    codes = [(c.t_s, c.code) for c in out]  # type: ignore[attr-defined]
    assert codes == [(0.0, "hold_start"), (0.6, "feet_lifted"), (2.7, "raising")]


def test_fault_started_carries_message_in_both_languages() -> None:
    values = _reps(0.0, 35.0, reps=1, hold_s=3.0)
    lift = np.where(values > 30, 0.5, 0.0)
    check = {
        "code": "feet_lifted",
        "measurement": "foot_lift",
        "side": "left",
        "when": "above",
        "enter": 0.2,
        "exit": 0.1,
        "severity": "info",
        "message": {"nl": "Voeten neer.", "en": "Feet down."},
    }
    machine = _run(_spec(checks=[check]), values, extra={"foot_lift.left": lift})
    started = [e for e in machine.events if isinstance(e, FaultStarted)]
    assert started and started[0].message.nl == "Voeten neer."
    assert any(isinstance(e, RepCompleted) for e in machine.events)


@pytest.mark.parametrize(
    ("glimpse", "gap", "moves"),
    [
        (3, 20, False),  # 0.1 s seen, 0.67 s not measured: glimpses never add up to a dwell
        (3, 6, True),  # 0.2 s dropouts (within the grace) while the value stays out: a move
    ],
)
def test_a_phase_change_must_be_seen_for_its_dwell(glimpse: int, gap: int, moves: bool) -> None:
    """Frames out of the start zone separated by gaps in the measurements longer than the
    grace (a pose lost or not measurable, e.g. a video fading through black) do not add up
    to the dwell of a phase change."""
    burst = np.r_[np.full(glimpse, 35.0), np.full(gap, np.nan)]
    values = np.r_[np.zeros(int(2 * FPS)), np.tile(burst, 8), np.zeros(int(2 * FPS))]
    machine = _run(_spec(hold=None), values)
    entered = [p for p in machine.events if getattr(p, "phase", None) == "raising"]
    assert bool(entered) is moves
    if not moves:
        assert machine.reps == []
