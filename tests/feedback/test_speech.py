"""Speech: background thread, newest text replaces a stale one, clear fallback without a voice."""

from __future__ import annotations

import shutil
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
