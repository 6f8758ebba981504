"""Live: each finished repetition compared with the therapist's demonstration.

When a patient's profile names a reference for the exercise
(:meth:`PatientProfile.reference_for`), :class:`RepFeedback` measures every
frame the way the engine does (:class:`posecheck.therapist.compare.LiveComparator`),
scores each finished repetition against the demonstration and turns the result
into one cue ("Like the demonstration (similarity 88/100)", "Knee not as far
as shown: 95° vs 120°").

When the cue is given. The repetition's end comes with the engine's own cues
("switch side", "rest": announcements, which supersede a waiting form cue), so
the comparison waits until the speaker is idle and the last cue has been on
screen for :data:`MIN_GAP_S`; it then goes through the app's cue scheduler
like every other cue (one at a time; a fault cue on screen outranks it). It is
dropped when it has waited :data:`STALE_S` of exercise time (the next
repetition is under way), and whenever the patient reports pain: after "this
hurts" nothing may sound like a push to go on.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posecheck.i18n import Text

if TYPE_CHECKING:
    from posecheck.engine.events import RepRecord
    from posecheck.feedback.cues import CueScheduler
    from posecheck.feedback.speech import Speaker
    from posecheck.pose.types import Pose
    from posecheck.therapist.compare import RepComparison
    from posecheck.therapist.reference import Reference

log = logging.getLogger(__name__)

CUE_CODE = "comparison"
CUE_PRIORITY = 1
"""Like the engine's info cues: above progress cues, below warnings and stops."""
SHOW_S = 6.0
"""How long the comparison stays on screen."""
MIN_GAP_S = 1.5
"""The cue before it stays on screen at least this long (also when muted)."""
STALE_S = 8.0
"""Exercise seconds after the repetition's end after which the comparison is not given."""


@dataclass(frozen=True)
class PendingCue:
    """A comparison waiting for its turn: the text and the exercise time of the rep's end."""

    text: Text
    t_s: float


class RepFeedback:
    """The comparison of one exercise's repetitions with a reference (see the module docstring).

    Per frame, after ``engine.update``: :meth:`update`; per ``RepCompleted``:
    :meth:`rep_completed` (returns the comparison, or ``None`` when it could not
    be made: the session goes on); per frame: :meth:`give` hands a waiting cue
    to the cue scheduler when its turn has come.
    """

    def __init__(self, reference: Reference, spec: Any, source: str | Path) -> None:
        from posecheck.therapist.compare import LiveComparator

        self.source = str(source)
        self.comparator = LiveComparator(reference, spec)
        self.pending: PendingCue | None = None
        self.results: list[RepComparison] = []

    def update(self, pose: Pose | None, t_s: float, engine: Any) -> None:
        """Measure one frame the way ``engine`` did (call right after ``engine.update``)."""
        self.comparator.update(pose, t_s, engine)

    def rep_completed(self, rep: RepRecord, t_s: float) -> RepComparison | None:
        """Compare the finished ``rep``; its message waits for :meth:`give`."""
        try:
            result = self.comparator.rep_completed(rep)
        except Exception:  # a comparison must never stop a live session
            log.exception("comparing rep %s with %s failed", rep.index, self.source)
            return None
        self.results.append(result)
        self.pending = PendingCue(result.message(), t_s)
        return result

    def drop(self) -> None:
        """Forget the waiting comparison (pain reported, exercise skipped)."""
        self.pending = None

    def give(
        self, cues: CueScheduler, speaker: Speaker | None, t_s: float, *, now: bool = False
    ) -> bool:
        """Give the waiting comparison as a cue if its turn has come (``now``: at once)."""
        pending = self.pending
        if pending is None:
            return False
        if t_s - pending.t_s > STALE_S:
            self.pending = None
            return False
        if not now and not channel_free(cues, speaker):
            return False
        given = cues.cue(CUE_CODE, pending.text, priority=CUE_PRIORITY, show_s=SHOW_S,
                         force=now)
        if given:
            self.pending = None
        return given

    def take_text(self, lang: str) -> str | None:
        """The waiting comparison's text (and forget it), to say together with another cue."""
        pending, self.pending = self.pending, None
        return None if pending is None else pending.text.get(lang)


def channel_free(cues: CueScheduler, speaker: Speaker | None) -> bool:
    """Nothing is being said (or sound is off) and the last cue was shown long enough."""
    if speaker is not None and not cues.muted and not speaker.wait_idle(0.0):
        return False
    if not cues.log:
        return True
    return cues.clock() - cues.log[-1].t >= MIN_GAP_S


def finite_or_none(value: float) -> float | None:
    """``value`` when finite (the history stores no infinities)."""
    return value if math.isfinite(value) else None
