"""The engine's cue scheduler: announcements are never lost, form cues stay replaceable."""

from __future__ import annotations

import pytest

from posecheck.engine.cues import ANNOUNCED_CUE_CODES, PRIORITY, CueScheduler, is_announcement
from posecheck.engine.events import Cue
from posecheck.i18n import Text

INFO, WARNING, STOP, PROGRESS = (PRIORITY[k] for k in ("info", "warning", "stop", "progress"))
TICK_S = 0.1
"""Frame step of the scripted runs (the engine ticks once per frame)."""

Offer = tuple[float, str, int, float]
"""(time s, code, priority, cooldown s)."""


def _flood(start: float, end: float, every: float, codes: int) -> list[Offer]:
    """Warning-level fault cues of ``codes`` different codes, one every ``every`` s."""
    offers: list[Offer] = []
    t, i = start, 0
    while t < end:
        offers.append((round(t, 3), f"fault_{i % codes}", WARNING, 0.0))
        t += every
        i += 1
    return offers


def _run(offers: list[Offer], until: float, withdraw: tuple[tuple[float, str], ...] = ()) -> list:
    """Play ``offers`` frame by frame (offers, then withdrawals, then a tick, as the
    engine does); the fired cues as (t, code)."""
    cues = CueScheduler(gap_s=2.5, max_wait_s=2.0)
    out: list[object] = []
    frames = round(until / TICK_S) + 1
    for i in range(frames):
        t = round(i * TICK_S, 3)
        for at, code, priority, cooldown in offers:
            if abs(at - t) < 1e-6:
                cues.offer(t, code, Text(code, code), priority, cooldown, out)
        for at, code in withdraw:
            if abs(at - t) < 1e-6:
                cues.withdraw(code)
        cues.tick(t, out)
    assert all(isinstance(c, Cue) for c in out)
    return [(round(c.t_s, 3), c.code) for c in out]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("offers", "expected"),
    [
        pytest.param(
            [(0.0, "hold_start", INFO, 3.0), (0.5, "hold_end", INFO, 0.0),
             (0.6, "feet_lifted", WARNING, 8.0)],
            [(0.0, "hold_start"), (0.6, "feet_lifted"), (3.1, "hold_end")],
            id="hold_end-waits-behind-a-cue-while-a-warning-preempts",
        ),
        pytest.param(
            [(1.0, "switch_side", INFO, 0.0), (1.0, "rest", INFO, 0.0)],
            [(1.0, "switch_side"), (3.5, "rest")],
            id="two-announcements-in-one-frame-in-order",
        ),
        pytest.param(
            [(0.0, "feet_lifted", WARNING, 8.0), (0.2, "done", INFO, 0.0),
             (0.2, "hold_end", INFO, 0.0), (0.3, "rest", INFO, 0.0)],
            [(0.0, "feet_lifted"), (2.5, "done"), (5.0, "hold_end"), (7.5, "rest")],
            id="a-queue-of-announcements-one-per-free-slot",
        ),
        pytest.param(
            [(0.0, "hold_end", INFO, 0.0), (0.3, "rest", INFO, 0.0), (0.5, "pain", STOP, 0.0)],
            [(0.0, "hold_end"), (0.5, "pain"), (3.0, "rest")],
            id="a-stop-cue-preempts-waiting-announcements",
        ),
        pytest.param(
            [(0.0, "hold_start", INFO, 3.0), (0.5, "raising", PROGRESS, 3.0),
             (0.7, "lowering", PROGRESS, 3.0), (5.0, "lowering", PROGRESS, 3.0),
             (5.2, "hold_progress", PROGRESS, 0.0), (8.3, "knees_apart", WARNING, 0.0),
             (8.4, "too_fast", WARNING, 0.0)],
            [(0.0, "hold_start"), (2.5, "raising"), (5.0, "lowering"), (8.3, "knees_apart")],
            id="form-cues-replaceable-and-stale-ones-dropped",
        ),
    ],
)
def test_cue_order(offers: list[Offer], expected: list) -> None:
    assert _run(offers, until=12.0) == expected


def test_a_flood_of_fault_cues_does_not_starve_an_announcement() -> None:
    offers = [*_flood(0.0, 20.0, 0.2, codes=5), (1.0, "hold_end", INFO, 0.0),
              (1.1, "switch_side", INFO, 0.0)]
    fired = _run(offers, until=20.0)
    codes = [code for _, code in fired]
    assert codes.index("hold_end") < codes.index("switch_side")
    assert fired[codes.index("hold_end")][0] <= 1.0 + 2 * 2.5
    assert fired[codes.index("switch_side")][0] <= 1.1 + 3 * 2.5
    # faults still get through around the announcements
    assert sum(code.startswith("fault_") for code in codes) >= 4


def test_a_withdrawn_fault_cue_is_not_said_but_an_announcement_is() -> None:
    offers = [(0.0, "hold_start", INFO, 0.0), (0.5, "hips_lifted", INFO, 0.0),
              (0.6, "hold_end", INFO, 0.0)]
    fired = _run(offers, until=8.0, withdraw=((1.0, "hips_lifted"), (1.0, "hold_end")))
    assert fired == [(0.0, "hold_start"), (2.5, "hold_end")]


def test_waiting_announcements_are_given_at_the_end_of_the_input() -> None:
    cues = CueScheduler(gap_s=2.5)
    out: list[object] = []
    for code in ("hold_end", "rest", "done"):
        cues.offer(10.0, code, Text(code, code), INFO, 0.0, out)
    cues.offer(10.1, "too_fast", Text("x", "x"), PROGRESS, 0.0, out)
    assert cues.waiting_announcements == ("rest", "done")
    cues.flush(10.2, out)
    assert [c.code for c in out] == ["hold_end", "rest", "done"]  # type: ignore[attr-defined]
    assert cues.waiting_announcements == ()


@pytest.mark.parametrize(
    ("code", "priority", "announced"),
    [
        ("hold_end", INFO, True),
        ("switch_side", INFO, True),
        ("rest", INFO, True),
        ("rest_end", INFO, True),
        ("done", INFO, True),
        ("pain", STOP, True),
        ("hold_start", INFO, False),
        ("hold_progress", PROGRESS, False),
        ("hips_lifted", WARNING, False),
    ],
)
def test_announcement_classification(code: str, priority: int, announced: bool) -> None:
    assert is_announcement(code, priority) is announced


def test_every_step_cue_the_engine_says_is_an_announcement() -> None:
    from posecheck.engine.texts import DEFAULT_CUES
    from posecheck.feedback import cues as feedback_cues

    assert set(DEFAULT_CUES) >= ANNOUNCED_CUE_CODES
    assert feedback_cues.is_announcement is is_announcement  # the app speaks by the same rule
