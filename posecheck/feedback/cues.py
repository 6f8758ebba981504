"""Cue scheduling: what to say and show now, one cue at a time, with cooldowns and mute.

Engine events go in (:meth:`CueScheduler.on_event`); speech, beeps and the text
shown on the overlay come out. Cue texts come from the specs (engine ``Cue``
events) or from the app's generic messages; nothing here is per exercise.

Rules:

- a cue code is not repeated within ``cooldown_s``;
- while a cue is shown (``show_s``), a lower-priority cue waits its turn
  (it is dropped, not queued: a later event brings it back if still true);
- ``force=True`` (pain, pause, quit) always goes through;
- announcements — forced cues, the engine's announcements
  (:func:`posecheck.engine.cues.is_announcement`: hold end, switch side, rest, done and
  stop-level cues), the rest countdown —
  are never lost: a shown lower-priority cue does not hold them back, and the
  speaker says them in order after whatever it is saying
  (:meth:`posecheck.feedback.speech.Speaker.say`); ordinary form cues are replaceable;
- muted: nothing is spoken and no beep sounds, but texts are still shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from posecheck.engine.cues import is_announcement  # one definition, shared with the engine
from posecheck.engine.events import (
    Cue,
    Event,
    HoldEnded,
    HoldProgress,
    HoldStarted,
    RestEnded,
    RestStarted,
)
from posecheck.feedback.sounds import SoundPlayer
from posecheck.feedback.speech import Speaker
from posecheck.i18n import Text

REST_GROUP = "rest_countdown"
"""Speaker group of the rest announcements: only the newest number waits."""
HOLD_TICK_EVERY_S = 10
REST_COUNTDOWN_MARKS_S = (30, 10, 5, 4, 3, 2, 1)
REST_SPOKEN = Text(nl="Rust. Nog {seconds} seconden.", en="Rest. {seconds} seconds left.")


@dataclass(frozen=True)
class CueRecord:
    """One cue given: when (clock s), its code, the text, and whether it was spoken."""

    t: float
    code: str
    text: str
    spoken: bool


class CueScheduler:
    """Turns engine events and app messages into speech, beeps and the shown cue."""

    def __init__(
        self,
        speaker: Speaker | None,
        player: SoundPlayer | None,
        lang: str,
        *,
        cooldown_s: float = 6.0,
        show_s: float = 4.0,
        muted: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.speaker = speaker
        self.player = player
        self.lang = lang
        self.cooldown_s = cooldown_s
        self.show_s = show_s
        self.muted = muted
        self.clock = clock
        self.log: list[CueRecord] = []
        self.beeps: list[tuple[float, str]] = []
        self._last_by_code: dict[str, float] = {}
        self._shown: tuple[str, str, int, float] | None = None  # code, text, priority, until
        self._rest_marks_done: set[int] = set()

    # -- cues ------------------------------------------------------------------------
    def cue(
        self,
        code: str,
        text: Text | str,
        *,
        priority: int = 0,
        force: bool = False,
        speak: bool = True,
        show_s: float | None = None,
        fields: Mapping[str, object] | None = None,
        announce: bool | None = None,
        group: str | None = None,
    ) -> bool:
        """Give one cue now; returns False when cooldown or a higher cue held it back.

        ``announce`` (default: ``force``) makes it an announcement: not held back by
        a shown cue and never dropped by the speaker; ``group`` is its speaker group.
        """
        now = self.clock()
        message = text.get(self.lang, **(fields or {})) if isinstance(text, Text) else text
        announce = force if announce is None else announce
        if not force:
            last = self._last_by_code.get(code)
            if last is not None and now - last < self.cooldown_s:
                return False
            if (
                not announce
                and self._shown is not None
                and now < self._shown[3]
                and priority < self._shown[2]
            ):
                return False
        self._last_by_code[code] = now
        self._shown = (code, message, priority, now + (self.show_s if show_s is None else show_s))
        spoken = speak and not self.muted and self.speaker is not None
        if spoken:
            assert self.speaker is not None
            self.speaker.say(message, announce=announce, group=group)
        self.log.append(CueRecord(now, code, message, spoken))
        return True

    def shown(self) -> str | None:
        """The cue text to show now (``None`` once its show time is over)."""
        if self._shown is None or self.clock() >= self._shown[3]:
            return None
        return self._shown[1]

    def clear(self) -> None:
        self._shown = None

    def beep(self, name: str) -> None:
        if self.muted or self.player is None:
            return
        self.beeps.append((self.clock(), name))
        self.player.play(name)

    def toggle_mute(self) -> bool:
        """Mute or unmute; muting also silences what was still waiting to be said."""
        self.muted = not self.muted
        if self.muted and self.speaker is not None:
            self.speaker.clear()
        return self.muted

    # -- engine events ---------------------------------------------------------------
    def on_event(self, event: Event) -> None:
        """React to one engine event (cues, hold beeps, rest announcements)."""
        if isinstance(event, Cue):
            announce = is_announcement(event.code, event.priority)
            self.cue(event.code, event.text, priority=event.priority, announce=announce)
        elif isinstance(event, HoldStarted):
            self.beep("hold_start")
        elif isinstance(event, HoldProgress):
            held = round(event.held_s)
            if held > 0 and held % HOLD_TICK_EVERY_S == 0 and (
                event.target_s is None or held < round(event.target_s)
            ):
                self.beep("hold_tick")
        elif isinstance(event, HoldEnded):
            self.beep("hold_end")
        elif isinstance(event, RestStarted):
            self.start_rest(event.duration_s)
        elif isinstance(event, RestEnded):
            self.beep("rest_end")

    # -- rest countdown --------------------------------------------------------------
    def start_rest(self, duration_s: float) -> None:
        """Announce a rest of ``duration_s`` seconds."""
        self._rest_marks_done = {m for m in REST_COUNTDOWN_MARKS_S if m >= duration_s}
        self.cue("rest", REST_SPOKEN, fields={"seconds": round(duration_s)}, announce=True,
                 group=REST_GROUP)

    def rest_countdown(self, remaining_s: float) -> None:
        """Speak the rest countdown (30, 10, 5, 4, 3, 2, 1 s) as ``remaining_s`` passes."""
        for mark in REST_COUNTDOWN_MARKS_S:
            if remaining_s <= mark and mark not in self._rest_marks_done:
                self._rest_marks_done.update(m for m in REST_COUNTDOWN_MARKS_S if m >= mark)
                text = str(mark) if mark <= 5 else REST_SPOKEN.get(self.lang, seconds=mark)
                self.cue(f"rest_{mark}", text, force=True, group=REST_GROUP)
                break
