"""Offline text-to-speech in a background thread that never blocks the video.

Backends are strategies found by name (:func:`make_speech_backend`):

- ``"pyttsx3"``: pyttsx3 over the platform's voices (espeak-ng on Linux, SAPI5 on
  Windows, NSSpeechSynthesizer on macOS);
- ``"espeak"``: the ``espeak-ng`` (or ``espeak``) command line program;
- ``"null"``: says nothing (text is still shown on screen);
- ``"record"``: an in-memory speaker for tests that records what would be said;
- ``"auto"``: the first of pyttsx3, espeak that works, else ``null`` with a
  clear note.

:class:`Speaker` says one text at a time and never blocks the caller. Form cues
are replaceable (a newer cue replaces a waiting one; a stale one is dropped);
announcements (exercise done, hold end, rest countdown, pain, pause …) are
never lost and are said in order, before any waiting cue.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

NO_VOICE_NOTE = (
    "No text-to-speech voice found: instructions are shown on screen only. "
    "On Linux install espeak-ng (e.g. 'sudo apt install espeak-ng')."
)


class SpeechBackend(ABC):
    """Speaks one text synchronously (called only from the speaker thread)."""

    name: str = "?"

    @abstractmethod
    def say(self, text: str, lang: str) -> None: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the engine."""


class NullSpeech(SpeechBackend):
    """Says nothing."""

    name = "null"

    def say(self, text: str, lang: str) -> None:
        return None


@dataclass(frozen=True)
class Utterance:
    """One thing said: when (clock seconds), what and in which language."""

    t: float
    text: str
    lang: str


class RecordingSpeech(SpeechBackend):
    """In-memory speaker for tests: records every utterance with its time.

    ``seconds_per_char`` simulates speaking time (the speaker thread is busy
    meanwhile, so stale utterances get replaced as with a real voice).
    """

    name = "record"

    def __init__(
        self, seconds_per_char: float = 0.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds_per_char = seconds_per_char
        self.clock = clock
        self.said: list[Utterance] = []
        self._lock = threading.Lock()

    def say(self, text: str, lang: str) -> None:
        with self._lock:
            self.said.append(Utterance(self.clock(), text, lang))
        if self.seconds_per_char:
            time.sleep(self.seconds_per_char * len(text))

    def texts(self) -> list[str]:
        with self._lock:
            return [u.text for u in self.said]


class Pyttsx3Speech(SpeechBackend):
    """pyttsx3 (espeak-ng / SAPI5 / macOS voices); used only from the speaker thread."""

    name = "pyttsx3"

    def __init__(self) -> None:
        import pyttsx3

        self._engine = pyttsx3.init()
        self._voices: dict[str, str | None] = {}

    def _voice_for(self, lang: str) -> str | None:
        if lang not in self._voices:
            found = None
            for voice in self._engine.getProperty("voices") or []:
                langs = [
                    (x.decode(errors="ignore") if isinstance(x, bytes) else str(x)).lower()
                    for x in (voice.languages or [])
                ]
                ident = str(voice.id).lower()
                if (
                    any(x.lstrip("\x05").startswith(lang) for x in langs)
                    or ident.endswith("/" + lang)
                    or ident == lang
                ):
                    found = voice.id
                    break
            self._voices[lang] = found
        return self._voices[lang]

    def has_voice(self, lang: str) -> bool:
        return self._voice_for(lang) is not None

    def say(self, text: str, lang: str) -> None:
        voice = self._voice_for(lang)
        if voice is not None:
            self._engine.setProperty("voice", voice)
        self._engine.say(text)
        self._engine.runAndWait()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # engine already gone
            self._engine.stop()


class EspeakCliSpeech(SpeechBackend):
    """The ``espeak-ng``/``espeak`` program (a fallback when pyttsx3 cannot start)."""

    name = "espeak"

    def __init__(self) -> None:
        program = shutil.which("espeak-ng") or shutil.which("espeak")
        if program is None:
            raise RuntimeError("espeak-ng not found")
        self.program = program

    def say(self, text: str, lang: str) -> None:
        subprocess.run(
            [self.program, "-v", lang, text],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )


SPEECH_BACKENDS: dict[str, type[SpeechBackend]] = {
    "pyttsx3": Pyttsx3Speech,
    "espeak": EspeakCliSpeech,
    "null": NullSpeech,
    "record": RecordingSpeech,
}


def make_speech_backend(name: str = "auto") -> tuple[SpeechBackend, str | None]:
    """The backend called ``name`` and a note for the user when it fell back to silence.

    ``"auto"`` tries pyttsx3, then the espeak program; when neither works the
    result is :class:`NullSpeech` with :data:`NO_VOICE_NOTE`.
    """
    if name != "auto":
        if name not in SPEECH_BACKENDS:
            raise ValueError(
                f"unknown speech backend {name!r}; choose from {sorted(SPEECH_BACKENDS)}"
            )
        try:
            return SPEECH_BACKENDS[name](), None
        except Exception as exc:
            log.info("speech backend %s unavailable: %s", name, exc)
            return NullSpeech(), f"{NO_VOICE_NOTE} ({name}: {exc})"
    for candidate in ("pyttsx3", "espeak"):
        try:
            return SPEECH_BACKENDS[candidate](), None
        except Exception as exc:
            log.info("speech backend %s unavailable: %s", candidate, exc)
    return NullSpeech(), NO_VOICE_NOTE


@dataclass
class _Waiting:
    """A text waiting for the voice: when it was queued and its announcement group."""

    text: str
    queued_at: float
    group: str | None = None


class Speaker:
    """Says texts one at a time in a background thread; ``say`` never blocks.

    Two kinds of text wait for the voice (see :meth:`say`):

    - **announcements** (exercise start/done, hold end, switch side, rest and its
      countdown, pain, pause, quit): never lost, said in the order given. A newer
      announcement of the same ``group`` replaces a waiting one (the rest countdown
      says "3", not a backlog of "5, 4, 3");
    - **form cues** (everything else): at most one waits; a newer cue replaces it,
      a new announcement supersedes it, and it is dropped when it has waited
      longer than ``cue_max_wait_s`` (it describes a moment that is gone).

    Waiting announcements are said before a waiting cue. Muting is done by the
    caller (:class:`posecheck.feedback.cues.CueScheduler`).
    """

    def __init__(
        self,
        backend: SpeechBackend,
        lang: str,
        *,
        cue_max_wait_s: float = 3.0,
        max_announcements: int = 12,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.lang = lang
        self.cue_max_wait_s = cue_max_wait_s
        self.max_announcements = max_announcements
        self.clock = clock
        self.replaced = 0
        """Texts replaced before they were said (a newer cue, or the same announcement group)."""
        self.dropped = 0
        """Cues dropped unsaid: stale, or superseded by an announcement (announcements only
        when more than ``max_announcements`` wait)."""
        self._announcements: deque[_Waiting] = deque()
        self._cue: _Waiting | None = None
        self._cond = threading.Condition()
        self._busy = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="speaker", daemon=True)
        self._thread.start()

    def say(self, text: str, *, announce: bool = False, group: str | None = None) -> None:
        """Queue ``text``: a form cue, or with ``announce=True`` an announcement (kept).

        ``group`` (announcements only): a waiting announcement of the same group is
        replaced by this one, which goes to the end of the queue.
        """
        with self._cond:
            item = _Waiting(text, self.clock(), group)
            if announce:
                if group is not None:
                    for waiting in list(self._announcements):
                        if waiting.group == group:
                            self._announcements.remove(waiting)
                            self.replaced += 1
                if self._cue is not None:  # the moment it was about has passed
                    self._cue = None
                    self.dropped += 1
                self._announcements.append(item)
                while len(self._announcements) > self.max_announcements:
                    lost = self._announcements.popleft()
                    self.dropped += 1
                    log.warning("speech backlog: not saying %r", lost.text)
            else:
                if self._cue is not None:
                    self.replaced += 1
                self._cue = item
            self._cond.notify_all()

    def clear(self) -> int:
        """Forget everything waiting (muted); what is being said now ends by itself.

        Returns how many texts were dropped.
        """
        with self._cond:
            dropped = len(self._announcements) + (self._cue is not None)
            self._announcements.clear()
            self._cue = None
            self.dropped += dropped
            self._cond.notify_all()
            return dropped

    @property
    def waiting(self) -> list[str]:
        """The texts still to be said, in the order they will be said."""
        with self._cond:
            texts = [a.text for a in self._announcements]
            return texts + ([self._cue.text] if self._cue is not None else [])

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until everything queued is said (tests, end of session)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._announcements or self._cue is not None or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def _next(self) -> str | None:
        """The next text to say (called with the lock held); drops a stale cue."""
        if self._announcements:
            return self._announcements.popleft().text
        cue, self._cue = self._cue, None
        if cue is None:
            return None
        if self.clock() - cue.queued_at > self.cue_max_wait_s:
            self.dropped += 1
            return None
        return cue.text

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._announcements and self._cue is None and not self._closed:
                    self._cond.wait()
                if not self._announcements and self._cue is None:
                    return
                text = self._next()
                if text is None:
                    self._cond.notify_all()
                    continue
                self._busy = True
            try:
                self.backend.say(text, self.lang)
            except Exception as exc:  # a broken voice must never stop the session
                log.warning("speech failed: %s", exc)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def close(self, timeout: float = 5.0) -> None:
        """Say what is still waiting (within ``timeout``), then stop the thread and the engine."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)
        self.backend.close()
