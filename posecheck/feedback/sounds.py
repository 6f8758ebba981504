"""Beeps (hold start, every 10 s of a hold, hold end), made with numpy.

Players are strategies found by name (:func:`make_player`): ``"sounddevice"``
(PortAudio output), ``"null"`` and ``"record"`` (tests). ``"auto"`` uses
sounddevice when an output device exists, else ``null`` with a logged note.
Playing never blocks the caller.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050


@dataclass(frozen=True)
class Beep:
    """A named tone pattern: ``tones`` = (frequency Hz, duration s) pairs; 0 Hz = silence."""

    name: str
    tones: tuple[tuple[float, float], ...]


BEEPS: dict[str, Beep] = {
    "hold_start": Beep("hold_start", ((880.0, 0.15),)),
    "hold_tick": Beep("hold_tick", ((660.0, 0.08),)),
    "hold_end": Beep("hold_end", ((880.0, 0.12), (0.0, 0.06), (1175.0, 0.25))),
    "rest_end": Beep("rest_end", ((660.0, 0.12), (0.0, 0.06), (880.0, 0.12))),
}
"""The beeps of the app; ``hold_tick`` sounds every 10 s of a hold."""


def synthesize(beep: Beep, sample_rate: int = SAMPLE_RATE, volume: float = 0.4) -> np.ndarray:
    """Float32 mono samples of ``beep`` with 5 ms fades (no clicks)."""
    parts = []
    fade = int(0.005 * sample_rate)
    for freq, duration in beep.tones:
        n = int(duration * sample_rate)
        t = np.arange(n, dtype=np.float32) / sample_rate
        wave = np.zeros(n, np.float32) if freq <= 0 else np.sin(2 * np.pi * freq * t)
        wave = wave.astype(np.float32)
        if n > 2 * fade and freq > 0:
            ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
            wave[:fade] *= ramp
            wave[-fade:] *= ramp[::-1]
        parts.append(wave * volume)
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


class SoundPlayer(ABC):
    name: str = "?"

    @abstractmethod
    def play(self, beep_name: str) -> None:
        """Start playing the beep called ``beep_name``; return at once."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the device."""


class NullPlayer(SoundPlayer):
    name = "null"

    def play(self, beep_name: str) -> None:
        return None


@dataclass(frozen=True)
class Played:
    t: float
    beep: str


class RecordingPlayer(SoundPlayer):
    """Records what would be played, with clock times (tests)."""

    name = "record"

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.played: list[Played] = []
        self._lock = threading.Lock()

    def play(self, beep_name: str) -> None:
        if beep_name not in BEEPS:
            raise KeyError(beep_name)
        with self._lock:
            self.played.append(Played(self.clock(), beep_name))

    def names(self) -> list[str]:
        with self._lock:
            return [p.beep for p in self.played]


class SoundDevicePlayer(SoundPlayer):
    """PortAudio output through ``sounddevice`` (non-blocking ``sd.play``)."""

    name = "sounddevice"

    def __init__(self) -> None:
        import sounddevice as sd  # raises OSError when PortAudio is missing

        sd.query_devices(kind="output")  # raises when there is no output device
        self._sd: Any = sd
        self._cache = {name: synthesize(beep) for name, beep in BEEPS.items()}

    def play(self, beep_name: str) -> None:
        try:
            self._sd.play(self._cache[beep_name], SAMPLE_RATE, blocking=False)
        except Exception as exc:  # a vanished device must never stop the session
            log.warning("beep failed: %s", exc)


PLAYERS: dict[str, type[SoundPlayer]] = {
    "sounddevice": SoundDevicePlayer,
    "null": NullPlayer,
    "record": RecordingPlayer,
}


def make_player(name: str = "auto") -> tuple[SoundPlayer, str | None]:
    """The player called ``name`` and a note when beeps fall back to silence.

    ``auto``/``sounddevice`` use PortAudio when an output device exists, else
    :class:`NullPlayer` (beeps are skipped, with a logged note).
    """
    if name not in PLAYERS and name != "auto":
        raise ValueError(f"unknown sound player {name!r}; choose from {sorted(PLAYERS)}")
    if name in ("auto", "sounddevice"):
        try:
            return SoundDevicePlayer(), None
        except Exception as exc:
            note = f"No sound output ({exc}): beeps are skipped."
            log.info(note)
            return NullPlayer(), note
    return PLAYERS[name](), None
