"""One cue at a time: priorities, a shared speaking gap and per-code cooldowns.

Priority: stop (3) > warning (2) > info (1) > progress (0). A cue fires when the
channel is free (``gap_s`` since the last cue) or when it outranks the cue
being spoken; otherwise it waits (at most ``max_wait_s``), and only the most
urgent waiting cue is kept. A code never repeats within its cooldown.
"""

from __future__ import annotations

from posecheck.engine.events import Cue
from posecheck.i18n import Text

PRIORITY = {"stop": 3, "warning": 2, "info": 1, "progress": 0}


class CueScheduler:
    """Decides which cue (if any) is said now."""

    __slots__ = ("_busy_until", "_current", "_last", "_pending", "gap_s", "max_wait_s")

    def __init__(self, gap_s: float = 2.5, max_wait_s: float = 2.0) -> None:
        self.gap_s = gap_s
        self.max_wait_s = max_wait_s
        self._busy_until = -1e9
        self._current = -1
        self._last: dict[str, float] = {}
        self._pending: tuple[float, str, Text, int, float] | None = None

    def offer(
        self, t: float, code: str, text: Text, priority: int, cooldown_s: float, out: list[object]
    ) -> None:
        """Offer a cue now; appends a :class:`Cue` to ``out`` if it fires."""
        last = self._last.get(code)
        if last is not None and t - last < cooldown_s:
            return
        if t >= self._busy_until or priority > self._current:
            self._fire(t, code, text, priority, out)
            return
        pending = self._pending
        if pending is None or priority > pending[3]:
            self._pending = (t, code, text, priority, cooldown_s)

    def withdraw(self, code: str) -> None:
        """Forget a waiting cue (e.g. the fault it was about has ended)."""
        if self._pending is not None and self._pending[1] == code:
            self._pending = None

    def tick(self, t: float, out: list[object]) -> None:
        """Fire the waiting cue when the channel becomes free."""
        pending = self._pending
        if pending is None or t < self._busy_until:
            return
        self._pending = None
        if t - pending[0] <= self.max_wait_s:
            self._fire(t, pending[1], pending[2], pending[3], out)

    def _fire(self, t: float, code: str, text: Text, priority: int, out: list[object]) -> None:
        self._busy_until = t + self.gap_s
        self._current = priority
        self._last[code] = t
        if self._pending is not None and self._pending[1] == code:
            self._pending = None
        out.append(Cue(t, code, text, priority))
