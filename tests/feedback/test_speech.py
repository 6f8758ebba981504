"""Speech: background thread; form cues replaceable, announcements kept in order; no-voice note."""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from posecheck.feedback.speech import (
    NO_VOICE_NOTE,
    NullSpeech,
    RecordingSpeech,
    Speaker,
    make_speech_backend,
)


def test_say_returns_at_once_and_speaks_in_background() -> None:
    backend = RecordingSpeech(seconds_per_char=0.01)
    speaker = Speaker(backend, "nl")
    t0 = time.monotonic()
    speaker.say("Trek je knie rustig naar je borst.")
    assert time.monotonic() - t0 < 0.05  # never blocks the video loop
    assert speaker.wait_idle(5)
    assert backend.texts() == ["Trek je knie rustig naar je borst."]
    assert backend.said[0].lang == "nl"
    speaker.close()


def test_newest_text_replaces_stale_ones_while_speaking() -> None:
    backend = RecordingSpeech(seconds_per_char=0.01)
    speaker = Speaker(backend, "en")
    speaker.say("first cue, being spoken now")
    time.sleep(0.05)
    speaker.say("stale cue")
    speaker.say("another stale cue")
    speaker.say("newest cue")
    speaker.wait_idle(5)
    assert backend.texts() == ["first cue, being spoken now", "newest cue"]
    assert speaker.replaced == 2
    speaker.close()


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_announcements_queued_while_busy_are_all_said_in_order() -> None:
    backend = RecordingSpeech(seconds_per_char=0.01)
    speaker = Speaker(backend, "nl")
    speaker.say("Houd je andere been plat op de grond.")  # ~0.4 s: the voice is busy
    time.sleep(0.05)
    speaker.say("Knie hoger.")  # a form cue waiting ...
    speaker.say("Goed zo. Laat het been langzaam zakken.", announce=True)  # hold end
    speaker.say("Rust. Nog 60 seconden.", announce=True)
    speaker.say("Klaar met Knie naar de borst. Goed gedaan.", announce=True)
    assert speaker.wait_idle(5)
    assert backend.texts() == [
        "Houd je andere been plat op de grond.",
        "Goed zo. Laat het been langzaam zakken.",
        "Rust. Nog 60 seconden.",
        "Klaar met Knie naar de borst. Goed gedaan.",
    ]
    assert speaker.dropped == 1  # "Knie hoger." described a moment that had passed
    speaker.close()


def test_announcement_is_said_after_a_long_busy_period_of_cues() -> None:
    backend = RecordingSpeech(seconds_per_char=0.005)
    speaker = Speaker(backend, "en")
    done = "Knee to chest done. Well done."
    for i in range(30):  # a stream of cues, faster than the voice can say them
        speaker.say(f"form cue number {i}, with some words to say")
        if i == 12:
            speaker.say(done, announce=True)
        time.sleep(0.02)
    assert speaker.wait_idle(10)
    said = backend.texts()
    assert said.count(done) == 1
    assert said[-1] == "form cue number 29, with some words to say"  # the newest cue
    assert len(said) < 30  # stale cues were replaced, not queued
    speaker.close()


def test_newer_announcement_of_the_same_group_replaces_the_waiting_one() -> None:
    backend = RecordingSpeech(seconds_per_char=0.01)
    speaker = Speaker(backend, "nl")
    speaker.say("Rust. Nog 10 seconden.", announce=True, group="rest")
    time.sleep(0.05)
    for number in ("5", "4", "3"):
        speaker.say(number, announce=True, group="rest")
    speaker.say("Pak nu de andere knie.", announce=True)
    assert speaker.wait_idle(5)
    assert backend.texts() == ["Rust. Nog 10 seconden.", "3", "Pak nu de andere knie."]
    assert speaker.replaced == 2
    speaker.close()


def test_a_cue_that_waited_too_long_is_not_said() -> None:
    clock = Clock()
    release = threading.Event()

    class Slow(RecordingSpeech):
        def say(self, text: str, lang: str) -> None:
            super().say(text, lang)
            release.wait(5)

    backend = Slow(clock=clock)
    speaker = Speaker(backend, "en", cue_max_wait_s=3.0, clock=clock)
    speaker.say("Exercise: knee to chest.", announce=True)
    time.sleep(0.05)
    speaker.say("Pull the knee higher.")
    clock.t = 3.5  # the voice was busy for 3.5 s
    release.set()
    assert speaker.wait_idle(5)
    assert backend.texts() == ["Exercise: knee to chest."]
    assert speaker.dropped == 1 and speaker.waiting == []
    speaker.close()


def test_close_says_the_waiting_announcements_first() -> None:
    backend = RecordingSpeech(seconds_per_char=0.005)
    speaker = Speaker(backend, "en")
    speaker.say("Session stopped.", announce=True)
    speaker.say("Everything is saved.", announce=True)
    speaker.close(5)
    assert backend.texts() == ["Session stopped.", "Everything is saved."]


def test_broken_voice_does_not_stop_the_speaker() -> None:
    class Broken(NullSpeech):
        def say(self, text: str, lang: str) -> None:
            raise RuntimeError("audio device gone")

    speaker = Speaker(Broken(), "nl")
    speaker.say("hallo")
    assert speaker.wait_idle(2)
    speaker.close()


def test_unknown_backend_name_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown speech backend"):
        make_speech_backend("festival")


def test_missing_voice_falls_back_to_text_with_a_clear_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    backend, note = make_speech_backend("espeak")
    assert isinstance(backend, NullSpeech)
    assert note is not None and note.startswith(NO_VOICE_NOTE)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_pyttsx3_over_espeak_ng_has_dutch_and_english_voices() -> None:
    backend, note = make_speech_backend("pyttsx3")
    assert note is None
    assert backend.has_voice("nl") and backend.has_voice("en")  # type: ignore[attr-defined]
    backend.close()
