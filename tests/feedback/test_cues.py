"""Cue scheduling: one cue at a time, cooldown, priority, mute, beeps and rest countdown."""

from __future__ import annotations

import pytest

from posecheck.engine.events import Cue, HoldEnded, HoldProgress, HoldStarted, RestStarted
from posecheck.feedback.cues import CueScheduler
from posecheck.feedback.sounds import RecordingPlayer
from posecheck.feedback.speech import RecordingSpeech, Speaker
from posecheck.i18n import Text

KNEE = Text(nl="Houd je andere voet op de grond.", en="Keep your other foot on the floor.")


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def rig() -> tuple[CueScheduler, RecordingSpeech, RecordingPlayer, Clock]:
    clock = Clock()
    speech = RecordingSpeech()
    player = RecordingPlayer(clock)
    cues = CueScheduler(Speaker(speech, "nl"), player, "nl", cooldown_s=6, show_s=4, clock=clock)
    return cues, speech, player, clock


def said(cues: CueScheduler, speech: RecordingSpeech) -> list[str]:
    assert cues.speaker is not None
    cues.speaker.wait_idle(2)
    return speech.texts()


def test_engine_cue_is_spoken_and_shown_in_the_session_language(rig) -> None:  # type: ignore[no-untyped-def]
    cues, speech, _, clock = rig
    cues.on_event(Cue(1.0, "other_leg_lifted", KNEE, priority=2))
    assert cues.shown() == KNEE.nl
    assert said(cues, speech) == [KNEE.nl]
    clock.t = 4.1
    assert cues.shown() is None  # shown for show_s


def test_same_cue_not_repeated_within_cooldown(rig) -> None:  # type: ignore[no-untyped-def]
    cues, speech, _, clock = rig
    cues.on_event(Cue(0.0, "other_leg_lifted", KNEE))
    said(cues, speech)
    clock.t = 3.0
    cues.on_event(Cue(3.0, "other_leg_lifted", KNEE))
    clock.t = 6.5
    cues.on_event(Cue(6.5, "other_leg_lifted", KNEE))
    assert [r.t for r in cues.log] == [0.0, 6.5]
    assert said(cues, speech) == [KNEE.nl, KNEE.nl]


def test_lower_priority_cue_waits_while_a_higher_one_is_shown(rig) -> None:  # type: ignore[no-untyped-def]
    cues, _, _, clock = rig
    assert cues.cue("fault", KNEE, priority=5)
    clock.t = 1.0
    assert not cues.cue("hold_progress", "nog 20 seconden", priority=1)
    assert cues.shown() == KNEE.nl
    clock.t = 4.5
    assert cues.cue("hold_progress", "nog 15 seconden", priority=1)


def test_mute_silences_speech_and_beeps_but_keeps_text(rig) -> None:  # type: ignore[no-untyped-def]
    cues, speech, player, _ = rig
    cues.toggle_mute()
    cues.on_event(Cue(0.0, "other_leg_lifted", KNEE))
    cues.on_event(HoldStarted(0.0, "left", 30.0))
    assert cues.shown() == KNEE.nl
    assert said(cues, speech) == []
    assert player.names() == []
    assert cues.log[-1].spoken is False


def test_hold_beeps_at_start_every_10_s_and_end(rig) -> None:  # type: ignore[no-untyped-def]
    cues, _, player, _ = rig
    cues.on_event(HoldStarted(0.0, "left", 30.0))
    for second in range(1, 31):
        cues.on_event(HoldProgress(float(second), "left", float(second), 30.0))
    cues.on_event(HoldEnded(30.0, "left", 30.0, 30.0, True))
    assert player.names() == ["hold_start", "hold_tick", "hold_tick", "hold_end"]


def test_rest_is_announced_and_counted_down(rig) -> None:  # type: ignore[no-untyped-def]
    cues, speech, _, clock = rig
    cues.on_event(RestStarted(0.0, 60.0))
    for remaining in range(59, -1, -1):
        clock.t += 1.0
        cues.rest_countdown(float(remaining))
    assert said(cues, speech)[-1] == "1"  # stale numbers were replaced, the last one said
    assert [r.text for r in cues.log] == [
        "Rust. Nog 60 seconden.", "Rust. Nog 30 seconden.", "Rust. Nog 10 seconden.",
        "5", "4", "3", "2", "1",
    ]
