"""One cue at a time: priorities, a shared speaking gap and per-code cooldowns.

Priority: stop (3) > warning (2) > info (1) > progress (0). A cue fires when the
channel is free (``gap_s`` since the last cue) or when it outranks the cue
being spoken. A code never repeats within its cooldown. Cues come in two kinds
(:func:`is_announcement`, shared with the app's speech side):

- **announcements** — the steps of the exercise a patient must hear (hold end,
  switch side, rest, rest over, exercise done) and every stop-level cue. They
  wait in a first-in-first-out queue and fire one per free channel slot, in
  order; they are never dropped, withdrawn or replaced. A stop cue still
  pre-empts whatever is being said and goes ahead of waiting announcements.
- **form cues** (faults, "slowly", hold countdown …): only the most urgent
  waiting one is kept, it is dropped after ``max_wait_s`` or withdrawn when its
  fault ends. One that outranks the cue being said fires at once (that cue has
  been given already); otherwise it waits, and a free slot goes to the oldest
  waiting announcement first, so faults cannot starve an announcement.
"""

from __future__ import annotations

from collections import deque

from posecheck.engine.events import Cue
from posecheck.i18n import Text

PRIORITY = {"stop": 3, "warning": 2, "info": 1, "progress": 0}
STOP_PRIORITY = PRIORITY["stop"]
"""Cues at this priority (a fault that stops the exercise) are announcements too."""
ANNOUNCED_CUE_CODES = frozenset({"hold_end", "switch_side", "rest", "rest_end", "done"})
"""Engine cue codes that mark a step of the exercise: never lost, said in order."""


def is_announcement(code: str, priority: int) -> bool:
    """Whether a cue is an announcement (kept and said in order) rather than a
    replaceable form cue."""
    return code in ANNOUNCED_CUE_CODES or priority >= STOP_PRIORITY


_Waiting = tuple[float, str, Text, int]
"""A waiting cue: (offered at, code, text, priority)."""


class CueScheduler:
    """Decides which cue (if any) is said now."""

    __slots__ = (
        "_announcements",
        "_busy_until",
        "_current",
        "_last",
        "_pending",
        "gap_s",
        "max_wait_s",
    )

    def __init__(self, gap_s: float = 2.5, max_wait_s: float = 2.0) -> None:
        self.gap_s = gap_s
        self.max_wait_s = max_wait_s
        self._busy_until = -1e9
        self._current = -1
        self._last: dict[str, float] = {}
        self._pending: _Waiting | None = None
        """The one waiting form cue."""
        self._announcements: deque[_Waiting] = deque()
        """Waiting announcements, oldest first (stop cues ahead of the others)."""

    @property
    def waiting_announcements(self) -> tuple[str, ...]:
        """Codes of the announcements waiting for the channel, in the order they will fire."""
        return tuple(a[1] for a in self._announcements)

    def offer(
        self, t: float, code: str, text: Text, priority: int, cooldown_s: float, out: list[object]
    ) -> None:
        """Offer a cue now; appends a :class:`Cue` to ``out`` if it fires."""
        last = self._last.get(code)
        if last is not None and t - last < cooldown_s:
            return
        if is_announcement(code, priority):
            self._offer_announcement(t, code, text, priority, out)
            return
        free = t >= self._busy_until
        if (free and not self._announcements) or priority > self._current:
            self._fire(t, code, text, priority, out)
            return
        pending = self._pending
        if pending is None or priority > pending[3]:
            self._pending = (t, code, text, priority)

    def _offer_announcement(
        self, t: float, code: str, text: Text, priority: int, out: list[object]
    ) -> None:
        queue = self._announcements
        free = t >= self._busy_until
        if priority >= STOP_PRIORITY:
            stops_waiting = sum(1 for a in queue if a[3] >= STOP_PRIORITY)
            if priority > self._current or (free and not stops_waiting):
                self._fire(t, code, text, priority, out)
            else:
                queue.insert(stops_waiting, (t, code, text, priority))
        elif not queue and (free or priority > self._current):
            self._fire(t, code, text, priority, out)
        else:
            queue.append((t, code, text, priority))

    def withdraw(self, code: str) -> None:
        """Forget a waiting form cue (e.g. the fault it was about has ended).

        Announcements are never withdrawn.
        """
        if self._pending is not None and self._pending[1] == code:
            self._pending = None

    def tick(self, t: float, out: list[object]) -> None:
        """Fire the next waiting cue when the channel becomes free: the oldest
        announcement first, else the waiting form cue if it is not stale."""
        if t < self._busy_until:
            return
        if self._announcements:
            _, code, text, priority = self._announcements.popleft()
            self._fire(t, code, text, priority, out)
            return
        pending = self._pending
        if pending is None:
            return
        self._pending = None
        if t - pending[0] <= self.max_wait_s:
            self._fire(t, pending[1], pending[2], pending[3], out)

    def flush(self, t: float, out: list[object]) -> None:
        """End of the input: fire every waiting announcement now, in order; a
        waiting form cue is dropped."""
        self._pending = None
        while self._announcements:
            _, code, text, priority = self._announcements.popleft()
            self._fire(t, code, text, priority, out)

    def _fire(self, t: float, code: str, text: Text, priority: int, out: list[object]) -> None:
        self._busy_until = t + self.gap_s
        self._current = priority
        self._last[code] = t
        if self._pending is not None and self._pending[1] == code:
            self._pending = None
        out.append(Cue(t, code, text, priority))
