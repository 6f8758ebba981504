"""Measuring a recording in blocks gives every frame exactly what measuring it alone gives.

The recorded analysis measures many frames per call (:class:`FrameMeasurements`) on
behalf of the frame-by-frame engine, which live measures one pose at a time
(:func:`measure_frames` of that frame): a difference in any column, view or posture could
turn a repetition or a fault into another one between a recording and its live replay.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

from posecheck.engine import EngineRun, analyze_sequence
from posecheck.engine.columns import ColumnPlan, FrameMeasurements, measure_frames
from posecheck.pose.types import PoseSequence
from posecheck.smoothing import make_smoother
from posecheck.specs import load_spec
from posecheck.synth import generate

EXERCISES = ("knee_to_chest", "pelvic_tilt", "trunk_rotation", "curl_up", "back_extension")
VIEWS: dict[str, dict[str, Any]] = {
    "side": dict(view="side", noise=0.5, dropouts=0.02, seed=5),
    # the head's side along the floor is judged per frame at the feet: pelvic tilt's
    # start-position reference must be too
    "feet": dict(view="feet", noise=0.5, dropouts=0.02, seed=5),
    "oblique": dict(view="oblique", near_side="right", noise=0.5, seed=5),
}


@functools.cache
def _analysed(exercise: str, view: str) -> tuple[PoseSequence, EngineRun]:
    seq = generate(exercise, **VIEWS[view]).seq
    return make_smoother("butterworth").smooth(seq), analyze_sequence(load_spec(exercise), seq)


def _alone(
    seq: PoseSequence, i: int, plan: ColumnPlan, ctx: object
) -> tuple[list[float], str, str]:
    lm = np.asarray(seq.landmarks[i : i + 1], dtype=np.float64)
    rows, views, postures = measure_frames(lm, seq.image_size, plan, ctx)
    return rows[0].tolist(), views[0], postures[0]


def _same(a: tuple[list[float], str, str], b: tuple[list[float], str, str]) -> bool:
    return np.array_equal(a[0], b[0], equal_nan=True) and a[1:] == b[1:]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("exercise", EXERCISES)
def test_blocks_equal_frames_measured_alone(exercise: str, view: str) -> None:
    seq, run = _analysed(exercise, view)
    assert run.context is not None
    plan = ColumnPlan(load_spec(exercise), run.near_side)
    blocks = FrameMeasurements(seq.landmarks, seq.image_size)
    frames = np.flatnonzero(seq.has_pose).tolist()
    differ = [
        i
        for i in frames
        if not _same(blocks.row(i, plan, run.context), _alone(seq, i, plan, run.context))
    ]
    assert differ == []
    measured = np.array([blocks.row(i, plan, run.context)[0] for i in frames])
    assert np.isfinite(measured).any(axis=0).sum() >= len(plan.columns) - len(plan.speed_pairs)


def test_a_new_context_or_plan_measures_anew() -> None:
    """Contexts and plans switching from frame to frame (the provisional context while
    the start position is sought): each frame measured with the ones asked for."""
    seq, side = _analysed("pelvic_tilt", "side")
    _, feet = _analysed("pelvic_tilt", "feet")
    spec = load_spec("pelvic_tilt")
    plans = [ColumnPlan(spec, "left"), ColumnPlan(spec, "right")]
    contexts = [side.context, feet.context]
    blocks = FrameMeasurements(seq.landmarks, seq.image_size)
    frames = np.flatnonzero(seq.has_pose).tolist()
    seen = set()
    for n, i in enumerate(frames):
        plan, ctx = plans[(n // 7) % 2], contexts[(n // 5) % 2]
        got = blocks.row(i, plan, ctx)
        assert _same(got, _alone(seq, i, plan, ctx)), i
        seen.add((id(plan), id(ctx), got[0][0]))
    assert len({(p, c) for p, c, _ in seen}) == 4


def test_rows_are_the_callers_to_change() -> None:
    seq, run = _analysed("knee_to_chest", "side")
    plan = ColumnPlan(load_spec("knee_to_chest"), run.near_side)
    blocks = FrameMeasurements(seq.landmarks, seq.image_size)
    i = int(np.flatnonzero(seq.has_pose)[10])
    first = blocks.row(i, plan, run.context)[0]
    first[0] = 1e9
    assert blocks.row(i, plan, run.context)[0][0] != 1e9
    assert blocks.at(i, plan, run.context)[0][0] != 1e9
