"""Keyboard actions of the live app and where key presses come from.

Keys: space = pause/resume, ``p`` = "this hurts", ``m`` = mute, ``n`` = next
exercise, ``f`` = flip the mirror, ``q`` = quit. Key sources are strategies:
:class:`DisplayKeys` (the window's keyboard) and :class:`ScriptedKeys` (tests:
a list of ``(trigger, key)``), where ``key`` may also be ``"ctrl-c"`` (raises
``KeyboardInterrupt`` where the real one would arrive) or ``"close"`` (the
window is closed).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from enum import Enum


class Action(Enum):
    PAUSE = "pause"
    PAIN = "pain"
    MUTE = "mute"
    NEXT = "next"
    MIRROR = "mirror"
    QUIT = "quit"
    CLOSE = "close"


KEYMAP: dict[str, Action] = {
    " ": Action.PAUSE,
    "p": Action.PAIN,
    "m": Action.MUTE,
    "n": Action.NEXT,
    "f": Action.MIRROR,
    "q": Action.QUIT,
    "\x1b": Action.QUIT,
    "close": Action.CLOSE,
}


def action_for(key: str) -> Action | None:
    """The action of one key (``None`` for keys without one)."""
    if key == "ctrl-c":
        raise KeyboardInterrupt
    return KEYMAP.get(key.lower() if len(key) == 1 else key)


class KeySource(ABC):
    @abstractmethod
    def poll(self, t_s: float, phase: str | None) -> list[Action]:
        """Actions pressed since the last poll; ``t_s`` = session time, ``phase`` = engine phase."""


class DisplayKeys(KeySource):
    """Keys of the display window (``read_key`` returns a key string or ``None``)."""

    def __init__(self, read_key: Callable[[], str | None]) -> None:
        self.read_key = read_key

    def poll(self, t_s: float, phase: str | None) -> list[Action]:
        key = self.read_key()
        if key is None:
            return []
        action = action_for(key)
        return [action] if action else []


class ScriptedKeys(KeySource):
    """Scripted key presses for tests.

    A trigger is a number (seconds from the session start) or ``"phase:NAME"``
    (the first poll where the engine phase is NAME), optionally ``"+S"`` seconds
    later (``"phase:hold+2"``). Triggers fire in order, at most one per poll.
    """

    def __init__(self, script: Iterable[tuple[float | str, str]]) -> None:
        self.script = list(script)
        self.pressed: list[tuple[float, str]] = []
        self._armed_at: float | None = None

    def _due(self, trigger: float | str, t_s: float, phase: str | None) -> bool:
        if not isinstance(trigger, str):
            return t_s >= trigger
        name, _, delay = trigger.removeprefix("phase:").partition("+")
        if self._armed_at is None:
            if phase != name:
                return False
            self._armed_at = t_s
        return t_s - self._armed_at >= (float(delay) if delay else 0.0)

    def poll(self, t_s: float, phase: str | None) -> list[Action]:
        actions: list[Action] = []
        if self.script and self._due(self.script[0][0], t_s, phase):  # one key per poll
            _, key = self.script.pop(0)
            self._armed_at = None
            self.pressed.append((t_s, key))
            action = action_for(key)
            if action:
                actions.append(action)
        return actions

    @property
    def done(self) -> bool:
        return not self.script
