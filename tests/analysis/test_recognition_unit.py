"""Recognition building blocks: zone excursions with hysteresis and the final decision."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.analysis.recognition import MIN_SCORE, SpecEvidence, decide, excursions
from posecheck.i18n import Text
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
