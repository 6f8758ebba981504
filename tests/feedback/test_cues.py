"""Cue scheduling: one cue at a time, cooldown, priority, mute, beeps and rest countdown."""

from __future__ import annotations

import time

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


def test_engine_cue_is_spoken_and_shown_in_the_session_language(rig) -> None:
    cues, speech, _, clock = rig
    cues.on_event(Cue(1.0, "other_leg_lifted", KNEE, priority=2))
    assert cues.shown() == KNEE.nl
    assert said(cues, speech) == [KNEE.nl]
    clock.t = 4.1
    assert cues.shown() is None  # shown for show_s


def test_same_cue_not_repeated_within_cooldown(rig) -> None:
    cues, speech, _, clock = rig
    cues.on_event(Cue(0.0, "other_leg_lifted", KNEE))
    said(cues, speech)
    clock.t = 3.0
    cues.on_event(Cue(3.0, "other_leg_lifted", KNEE))
    clock.t = 6.5
    cues.on_event(Cue(6.5, "other_leg_lifted", KNEE))
    assert [r.t for r in cues.log] == [0.0, 6.5]
    assert said(cues, speech) == [KNEE.nl, KNEE.nl]


def test_lower_priority_cue_waits_while_a_higher_one_is_shown(rig) -> None:
    cues, _, _, clock = rig
    assert cues.cue("fault", KNEE, priority=5)
    clock.t = 1.0
    assert not cues.cue("hold_progress", "nog 20 seconden", priority=1)
    assert cues.shown() == KNEE.nl
    clock.t = 4.5
    assert cues.cue("hold_progress", "nog 15 seconden", priority=1)


def test_mute_silences_speech_and_beeps_but_keeps_text(rig) -> None:
    cues, speech, player, _ = rig
    cues.toggle_mute()
    cues.on_event(Cue(0.0, "other_leg_lifted", KNEE))
    cues.on_event(HoldStarted(0.0, "left", 30.0))
    assert cues.shown() == KNEE.nl
    assert said(cues, speech) == []
    assert player.names() == []
    assert cues.log[-1].spoken is False


def test_hold_beeps_at_start_every_10_s_and_end(rig) -> None:
    cues, _, player, _ = rig
    cues.on_event(HoldStarted(0.0, "left", 30.0))
    for second in range(1, 31):
        cues.on_event(HoldProgress(float(second), "left", float(second), 30.0))
    cues.on_event(HoldEnded(30.0, "left", 30.0, 30.0, True))
    assert player.names() == ["hold_start", "hold_tick", "hold_tick", "hold_end"]


def test_rest_is_announced_and_counted_down(rig) -> None:
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


HOLD_END = Text(nl="Goed zo. Laat het been langzaam zakken.", en="Well done. Lower the leg slowly.")
LIE_DOWN = Text(nl="Ga op je rug liggen.", en="Lie on your back.")
DONE = Text(nl="Klaar met {name}. Goed gedaan.", en="{name} done. Well done.")


def _wait_until_speaking(speech: RecordingSpeech) -> None:
    """Until the voice has started on its first text (at most 2 s)."""
    deadline = time.monotonic() + 2
    while not speech.texts() and time.monotonic() < deadline:
        time.sleep(0.005)


def test_step_cues_and_done_are_said_after_a_busy_moment() -> None:
    """A warning being said, form cues piling up: hold end, rest and "done" still come, in order."""
    speech = RecordingSpeech(seconds_per_char=0.01)
    cues = CueScheduler(Speaker(speech, "nl"), RecordingPlayer(), "nl", cooldown_s=6, show_s=4)
    cues.on_event(Cue(0.0, "other_leg_lifted", KNEE, priority=2))  # ~0.3 s of speech
    _wait_until_speaking(speech)  # the voice is busy with it
    cues.on_event(Cue(0.1, "lowering", Text(nl="Rustig zakken.", en="Slowly down."), 0))
    cues.on_event(Cue(0.2, "hold_end", HOLD_END, priority=1))  # below the shown warning
    cues.on_event(RestStarted(0.2, 30.0))
    cues.cue("exercise_done", DONE, force=True, fields={"name": "Knie naar de borst"})
    cues.on_event(Cue(0.3, "position", LIE_DOWN, 0))
    assert said(cues, speech) == [
        KNEE.nl, HOLD_END.nl, "Rust. Nog 30 seconden.",
        "Klaar met Knie naar de borst. Goed gedaan.",
        LIE_DOWN.nl,  # a form cue given after the announcements waits its turn
    ]
    # "lowering" was held back by the warning on screen; the step announcements were not
    assert [r.code for r in cues.log] == [
        "other_leg_lifted", "hold_end", "rest", "exercise_done", "position",
    ]


def test_a_form_cue_overtaken_by_an_announcement_is_not_said_late() -> None:
    speech = RecordingSpeech(seconds_per_char=0.01)
    cues = CueScheduler(Speaker(speech, "nl"), RecordingPlayer(), "nl")
    cues.cue("exercise_start", "Oefening: Knie naar de borst.", force=True)  # being said
    _wait_until_speaking(speech)
    cues.on_event(Cue(0.0, "other_leg_lifted", KNEE, priority=2))  # waits for the voice
    cues.cue("pain", "Oké, we stoppen deze oefening meteen.", force=True)
    assert said(cues, speech) == [
        "Oefening: Knie naar de borst.", "Oké, we stoppen deze oefening meteen.",
    ]  # after "this hurts" no form cue that urges on


def test_muting_silences_what_was_still_waiting_to_be_said() -> None:
    speech = RecordingSpeech(seconds_per_char=0.01)
    cues = CueScheduler(Speaker(speech, "nl"), RecordingPlayer(), "nl")
    cues.cue("exercise_start", "Oefening: Knie naar de borst.", force=True)  # being said
    _wait_until_speaking(speech)
    cues.on_event(Cue(0.0, "hold_end", HOLD_END, priority=1))  # an announcement, waiting
    assert cues.toggle_mute()
    cues.on_event(Cue(1.0, "switch_side", Text(nl="Pak nu de andere knie.", en="Other knee."), 1))
    assert said(cues, speech) == ["Oefening: Knie naar de borst."]
    assert cues.shown() == "Pak nu de andere knie."  # still shown
