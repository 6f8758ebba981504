"""Beeps: generated tones, recording player, silent fallback without an output device."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.feedback.sounds import (
    BEEPS,
    SAMPLE_RATE,
    NullPlayer,
    RecordingPlayer,
    make_player,
    synthesize,
)


@pytest.mark.parametrize("name", sorted(BEEPS))
def test_beep_has_its_length_and_no_click(name: str) -> None:
    samples = synthesize(BEEPS[name])
    expected = sum(int(d * SAMPLE_RATE) for _, d in BEEPS[name].tones)
    assert samples.dtype == np.float32 and len(samples) == expected
    assert 0.3 < np.abs(samples).max() <= 0.4
    assert abs(samples[0]) < 0.01 and abs(samples[-1]) < 0.01  # faded in and out


def test_hold_start_and_end_sound_different() -> None:
    start, end = synthesize(BEEPS["hold_start"]), synthesize(BEEPS["hold_end"])
    assert len(end) > len(start)


def test_recording_player_records_and_rejects_unknown() -> None:
    player = RecordingPlayer(clock=lambda: 1.5)
    player.play("hold_tick")
    assert player.names() == ["hold_tick"] and player.played[0].t == 1.5
    with pytest.raises(KeyError):
        player.play("fanfare")


def test_no_sound_device_means_silent_beeps_with_a_note() -> None:
    player, note = make_player("auto")
    if isinstance(player, NullPlayer):
        assert note is not None and "beeps are skipped" in note
    else:  # a machine with a sound card
        assert note is None
    player.play("hold_start")  # never raises
