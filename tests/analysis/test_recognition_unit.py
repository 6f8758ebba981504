"""Recognition building blocks: zone excursions with hysteresis and the final decision."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.analysis.recognition import (
    MIN_SCORE,
    REPLAY_FPS,
    REPLAY_HOLD_S,
    SpecEvidence,
    decide,
    excursions,
    is_stills,
    replay_stills,
)
from posecheck.i18n import Text
from posecheck.pose.types import NUM_LANDMARKS, PoseSequence
from posecheck.specs.model import ExerciseSpec, HoldSpec, PrimarySpec, RestSpec, SidesSpec, Zone


def spec(direction: str = "increase") -> ExerciseSpec:
    zones = ((Zone(30, 40), Zone(90, 80)) if direction == "increase"
             else (Zone(-5, -10), Zone(-40, -30)))
    return ExerciseSpec(
        id="demo", version=1, name=Text(nl="demo", en="demo"),
        instructions=Text(nl="doe", en="do"), start_positions=("hook_lying",), views=("side",),
        sides=SidesSpec("none"), repetitions=2, hold=HoldSpec(5.0), rest=RestSpec(),
        primary=PrimarySpec("hip_flexion", "near", direction, zones[0], zones[1], 0.3,
                            (90.0, 130.0), 10.0),
    )


@pytest.mark.parametrize(
    ("values", "direction", "expected"),
    [
        ([10, 20, 100, 110, 20, 10, 95, 20], "increase", 2),
        # hovering at the end threshold counts once, not per crossing
        ([10, 100, 85, 95, 85, 95, 10], "increase", 1),
        # never back in the start zone between peaks: one excursion
        ([10, 100, 60, 100, 60, 100], "increase", 1),
        # starting in the end zone does not count (getting into position)
        ([100, 100, 20, 20], "increase", 0),
        ([10, 50, 70, 20, 50, 10], "increase", 0),
        ([0, -50, 0, -50, 0], "decrease", 2),
        ([10, float("nan"), 100, float("nan"), 10], "increase", 1),
        ([10, 100], "increase", 1),  # a start photo and an end photo
    ],
)
def test_excursions(values: list[float], direction: str, expected: int) -> None:
    reached, in_start, in_end = excursions(np.array(values, float), spec(direction))
    assert reached == expected
    assert not (in_start & in_end).any()


def test_decision_picks_best_or_none() -> None:
    strong = SpecEvidence(position=0.9, movement=1.0, form=1.0)
    weak = SpecEvidence(position=0.5, movement=0.8, form=0.5)
    result = decide({"curl_up": strong, "knee_to_chest": weak})
    assert result.exercise == "curl_up" and 0.5 < result.confidence <= 0.9
    none = decide({"curl_up": weak, "knee_to_chest": SpecEvidence()})
    assert weak.score < MIN_SCORE and none.exercise == "none"
    assert none.scores["curl_up"] == pytest.approx(weak.score)


def sequence(times_ms: list[int], heights: list[float | None]) -> PoseSequence:
    """Frames whose landmarks all sit at ``y = height`` (``None`` = no pose)."""
    lm = np.full((len(times_ms), NUM_LANDMARKS, 5), np.nan, np.float32)
    for i, height in enumerate(heights):
        if height is not None:
            lm[i] = [0.5, height, 0.0, 1.0, 1.0]
    world = np.full((len(times_ms), NUM_LANDMARKS, 3), np.nan, np.float32)
    return PoseSequence(np.asarray(times_ms, np.int64), lm, world, (640, 480), 1.0, "photos")


@pytest.mark.parametrize(
    ("times_ms", "stills"),
    [
        ([0, 1000], True),  # a start photo and an end photo
        ([0, 1000, 2000, 3000], True),
        ([0, 33, 67, 100], False),  # a video
        ([0], False),
    ],
)
def test_is_stills(times_ms: list[int], stills: bool) -> None:
    assert is_stills(sequence(times_ms, [0.5] * len(times_ms))) is stills


def test_replay_holds_each_still_moves_between_and_returns_to_the_start() -> None:
    replay = replay_stills(sequence([0, 1000, 2000], [0.2, None, 0.8]))
    y = replay.landmarks[:, 0, 1]
    hold = round(REPLAY_HOLD_S * REPLAY_FPS)
    assert replay.fps == REPLAY_FPS and replay.has_pose.all()
    assert np.diff(replay.timestamps_ms).max() <= 1000 / REPLAY_FPS + 1
    assert np.allclose(y[:hold], 0.2) and np.allclose(y[-hold:], 0.2)
    assert np.isclose(y, 0.8).sum() == hold  # the end photo held once; no-pose photo left out
    assert (np.abs(np.diff(y)) < 0.6 / 3).all()  # moves, never jumps, from one still to the next
