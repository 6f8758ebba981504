"""The live engine (update per frame) agrees with the recorded analysis."""

from __future__ import annotations

import pytest

from posecheck.engine import ExerciseEngine, analyze_sequence
from posecheck.engine.events import PhaseEntered, RepCompleted
from posecheck.specs import load_spec
from posecheck.synth import generate


@pytest.mark.parametrize(
    "exercise",
    [
        "knee_to_chest",
        "curl_up",
        "trunk_rotation",
    ],
)
def test_live_counts_like_recorded(exercise: str) -> None:
    clip = generate(exercise, noise=0.3, dropouts=0.02, seed=2, reps=1, hold_s=4.0)
    spec = load_spec(exercise)
    engine = ExerciseEngine(spec)
    events = []
    for i in range(len(clip.seq)):
        events += engine.update(clip.seq.pose_at(i), float(clip.seq.times_s[i]))
    events += engine.finish(float(clip.seq.times_s[-1]))
    live = [e.rep for e in events if isinstance(e, RepCompleted)]
    recorded = analyze_sequence(spec, clip.seq).reps
    assert len(live) == len(clip.truth.reps) == len(recorded)
    assert [r.side for r in live] == [t.side for t in clip.truth.reps]
    phases = [e.phase for e in events if isinstance(e, PhaseEntered)]
    assert phases[0] == "start"  # setup is left only once the position is recognised
    state = engine.state
    assert state.primary_name == spec.primary.measurement
    assert sum(state.reps_done.values()) == len(live)


def test_live_state_before_any_pose() -> None:
    engine = ExerciseEngine(load_spec("curl_up"))
    assert engine.update(None, 0.0) == []
    state = engine.state
    assert state.phase == "setup" and state.primary_value is None
