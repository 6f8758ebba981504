"""A clip played whole, title card included: no phantom repetition on the title card."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from posecheck.engine import ExerciseEngine, analyze_sequence
from posecheck.engine.events import RepCompleted, RepRecord
from posecheck.pose.types import PoseSequence
from posecheck.specs import load_spec

Poses = Callable[[str], PoseSequence]

TABLE_CLIP = "videos/pelvic_tilt/pelvic_tilt_supine_ccgi_table_side.mp4"
TITLE_CARD_FRAMES = 182
"""Frames 0-181 (segments.json): the title 'Pelvic tilts' over a blurred still of the
patient, fading through black to a second still (frames ~62-106), then the cut to the
real footage. MediaPipe finds a lying body on the blurred still, whose near thigh swings
±10° while the picture fades: ±40° of 'pelvic tilt' at up to ~480°/s."""


def _played(seq: PoseSequence, how: str) -> tuple[list[RepRecord], np.ndarray, list[str]]:
    """Reps, times and phases of ``seq`` analysed as a recording or played as if live
    (raw poses frame by frame through the live app's engine, One Euro smoothing)."""
    spec = load_spec("pelvic_tilt")
    if how == "recorded":
        run = analyze_sequence(spec, seq)
        return run.reps, run.times_s, run.phases
    engine = ExerciseEngine(spec, smoothing="one_euro")
    reps: list[RepRecord] = []
    phases: list[str] = []
    times = seq.times_s
    for i, t in enumerate(times.tolist()):
        reps += [e.rep for e in engine.update(seq.pose_at(i), t) if isinstance(e, RepCompleted)]
        phases.append(engine.state.phase)
    return reps, times, phases


@pytest.mark.parametrize("how", ["recorded", "live"])
def test_no_repetition_on_the_title_card_of_a_whole_clip(clip_poses: Poses, how: str) -> None:
    seq = clip_poses(TABLE_CLIP)
    reps, times, phases = _played(seq, how)
    title_end_s = float(seq.times_s[TITLE_CARD_FRAMES])
    assert [r for r in reps if r.start_s < title_end_s] == []
    # nothing is held on the title card either
    on_card = times < title_end_s
    assert not np.isin(np.array(phases)[on_card], ["hold", "lowering"]).any()
