"""Angle wrapping/unwrapping and velocities."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.measure.geometry import flexion_deg, unwrap_deg, velocity, wrap_deg


@pytest.mark.parametrize(
    ("angle", "wrapped"),
    [(0.0, 0.0), (180.0, 180.0), (-180.0, 180.0), (190.0, -170.0), (-190.0, 170.0), (540.0, 180.0)],
)
def test_wrap_deg_range_is_minus_180_exclusive_to_180(angle: float, wrapped: float) -> None:
    assert float(wrap_deg(angle)) == pytest.approx(wrapped)


def test_unwrap_removes_jump_at_180_and_keeps_gaps() -> None:
    values = np.array([170.0, 178.0, -176.0, -170.0, np.nan, 10.0, 20.0])
    out = unwrap_deg(values)
    assert np.all(np.abs(np.diff(out[:4])) < 10)
    assert np.isnan(out[4])
    assert out[5:] == pytest.approx([10.0, 20.0])


def test_velocity_of_a_ramp_is_its_slope_with_nan_at_gaps() -> None:
    t = np.arange(10) / 10.0
    v = 30.0 * t
    v[5] = np.nan
    d = velocity(v, t)
    assert np.isnan(d[5])
    assert d[[0, 2, 4, 6, 9]] == pytest.approx([30.0] * 5)


def test_flexion_zero_when_straight_ninety_at_right_angle() -> None:
    a = np.array([[0.0, 0.0]])
    j = np.array([[1.0, 0.0]])
    assert flexion_deg(a, j, np.array([[2.0, 0.0]]))[0] == pytest.approx(0.0)
    assert flexion_deg(a, j, np.array([[1.0, 1.0]]))[0] == pytest.approx(90.0)
