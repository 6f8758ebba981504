"""Each spec against synthetic clips with exact ground truth (posecheck.synth).

Correct execution: repetitions (and sides) exact, holds within 0.2 s, no fault.
Each declared fault: generated on top of the exercise, caught by the engine.
Landmark noise 0.3 px and 2 % dropped frames (bursts of 1-5 frames).
"""

from __future__ import annotations

import functools

import pytest

from posecheck.engine import EngineRun, analyze_sequence
from posecheck.specs import load_spec
from posecheck.synth import FAULTS, SyntheticClip, generate

NOISE = dict(noise=0.3, dropouts=0.02, seed=1, reps=2, hold_s=5.0)
HOLD_TOLERANCE_S = 0.2
EXERCISES = ("knee_to_chest", "pelvic_tilt", "trunk_rotation", "curl_up", "back_extension")

# Known gaps, kept visible (strict: they fail the run once fixed, so they get promoted).
KNOWN_FAULT_GAPS = {
    ("curl_up", "jerking"): "the synthetic jerk peaks at 92 °/s of trunk speed (0.15 s "
    "differences) for one or two frames, the fastest correct crunch of the real clip at 85 °/s "
    "and its momentum sit-ups at 200 °/s: the threshold (130 °/s, between real correct and "
    "real jerking) cannot also catch this mild synthetic jerk",
}


@functools.cache
def _analysed(exercise: str, fault: str | None) -> tuple[SyntheticClip, EngineRun]:
    clip = generate(exercise, faults=(fault,) if fault else (), **NOISE)  # type: ignore[arg-type]
    return clip, analyze_sequence(load_spec(exercise), clip.seq)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_correct_execution_counts_exactly(exercise: str) -> None:
    clip, run = _analysed(exercise, None)
    truth = clip.truth.reps
    assert len(run.reps) == len(truth)
    assert [r.side for r in run.reps] == [t.side for t in truth]
    assert run.faults == [], [f.code for f in run.faults]


@pytest.mark.parametrize("exercise", ["knee_to_chest", "curl_up", "back_extension"])
def test_correct_execution_hold_times(exercise: str) -> None:
    clip, run = _analysed(exercise, None)
    for rep, truth in zip(run.reps, clip.truth.reps, strict=True):
        assert rep.hold_s == pytest.approx(
            truth.hold_end_s - truth.hold_start_s, abs=HOLD_TOLERANCE_S
        )


@pytest.mark.parametrize(
    ("exercise", "fault"),
    [
        pytest.param(ex, f, marks=pytest.mark.xfail(reason=KNOWN_FAULT_GAPS[(ex, f)], strict=True))
        if (ex, f) in KNOWN_FAULT_GAPS
        else (ex, f)
        for ex, faults in FAULTS.items()
        for f in faults
    ],
)
def test_declared_fault_is_caught(exercise: str, fault: str) -> None:
    clip, run = _analysed(exercise, fault)
    assert fault in run.fault_codes
    # the fault is found where the truth says (within a second of a true interval)
    truth = [f for f in clip.truth.faults if f.code == fault]
    for found in (f for f in run.faults if f.code == fault):
        assert any(t.start_s - 1.0 <= found.start_s <= t.end_s + 1.0 for t in truth)
    assert len(run.reps) == len(clip.truth.reps) or exercise == "pelvic_tilt"


def test_view_from_the_feet_trunk_rotation() -> None:
    clip = generate("trunk_rotation", view="feet", **NOISE)  # type: ignore[arg-type]
    run = analyze_sequence(load_spec("trunk_rotation"), clip.seq)
    assert [r.side for r in run.reps] == [t.side for t in clip.truth.reps]
