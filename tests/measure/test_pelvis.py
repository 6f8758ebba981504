"""``trunk_lean_from_start`` (the pelvic tilt's trunk_leaning check) on synthetic clips."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.measure import compute, estimate_context
from posecheck.synth import SyntheticClip, generate


def _lean(clip: SyntheticClip) -> np.ndarray:
    fps = clip.seq.fps
    end = int(clip.truth.settle_end_s * fps)
    ctx = estimate_context(clip.seq.slice(max(end - int(fps), 0), end))
    return compute("trunk_lean_from_start", clip.seq.landmarks, ctx)


@pytest.mark.parametrize("position", ["standing", "sitting"])
def test_upright_forward_slump_reads_forward_and_lean_back_reads_back(position: str) -> None:
    clip = generate("pelvic_tilt", position=position, faults=("trunk_leaning",), reps=1)
    lean = _lean(clip)
    trunk = clip.truth.params["trunk_flex"]
    assert np.nanmax(lean[trunk > 14.9]) > 8.0  # the 15° slump passes the check's 8°
    assert np.nanmin(lean[trunk > 14.9]) > 8.0
    assert np.nanmax(lean[trunk < -14.9]) < -8.0


@pytest.mark.parametrize("position", ["standing", "sitting"])
def test_a_correct_upright_tilt_turns_the_trunk_less_than_the_check(position: str) -> None:
    clip = generate("pelvic_tilt", position=position, reps=1)
    lean = _lean(clip)
    settled = clip.seq.times_s >= clip.truth.settle_end_s
    # the hollow (+15°) brings the chest forward < 10° (the start phase: not checked) ...
    assert np.nanmax(np.abs(lean[settled])) < 10.0
    # ... from leaving the start zone toward the flat back the chest sinks back, never forward
    flat = settled & (clip.truth.signals["pelvic_tilt"] < -4.5)
    assert np.nanmax(lean[flat]) < 0.0


def test_lying_curl_reads_positive_and_a_bridge_negative() -> None:
    curl = _lean(generate("curl_up", reps=1))
    assert np.nanmax(curl) > 15.0
    bridge = generate("pelvic_tilt", faults=("hips_lifted",), reps=1)
    lean = _lean(bridge)
    lifted = bridge.truth.signals["hip_lift_m"] > 0.15
    assert lifted.any()
    assert np.nanmax(lean[lifted]) < -5.0
