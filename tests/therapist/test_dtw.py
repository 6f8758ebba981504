"""DTW on arrays: the vectorised recurrence equals the textbook one, paths are valid."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.therapist.dtw import dtw, fill_gaps, resample


def _textbook(a: np.ndarray, b: np.ndarray, subsequence: bool = False) -> float:
    n, m = len(a), len(b)
    acc = np.full((n, m), np.inf)
    for i in range(n):
        for j in range(m):
            cost = float(np.abs(a[i] - b[j]).mean())
            if i == 0 and (subsequence or j == 0):
                acc[i, j] = cost
                continue
            best = np.inf
            if i > 0:
                best = min(best, acc[i - 1, j])
            if j > 0:
                best = min(best, acc[i, j - 1])
            if i > 0 and j > 0:
                best = min(best, acc[i - 1, j - 1])
            acc[i, j] = cost + best
    return float(acc[-1].min() if subsequence else acc[-1, -1])


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("subsequence", [False, True])
def test_cost_equals_textbook_recurrence(seed: int, subsequence: bool) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(int(rng.integers(1, 25)), 2))
    b = rng.normal(size=(int(rng.integers(1, 25)), 2))
    result = dtw(a, b, subsequence=subsequence)
    assert result.total_cost == pytest.approx(_textbook(a, b, subsequence))
    # the path is monotone, connected, and its cost is the total
    steps = np.diff(result.path, axis=0)
    assert ((steps >= 0) & (steps <= 1)).all() and (steps.sum(axis=1) >= 1).all()
    assert result.path[0, 0] == 0 and result.path[-1, 0] == len(a) - 1
    if not subsequence:
        assert tuple(result.path[0]) == (0, 0) and result.path[-1, 1] == len(b) - 1
    path_cost = sum(float(np.abs(a[i] - b[j]).mean()) for i, j in result.path)
    assert path_cost == pytest.approx(result.total_cost)


def test_tempo_does_not_count_but_shape_does() -> None:
    slow = 100 * np.sin(np.linspace(0, np.pi, 90))
    fast = 100 * np.sin(np.linspace(0, np.pi, 30))
    smaller = 70 * np.sin(np.linspace(0, np.pi, 30))
    assert dtw(slow, fast).mean_cost < 2.0
    assert dtw(slow, smaller).mean_cost > 10.0


@pytest.mark.parametrize("window", [0, 3, 10])
def test_band_never_beats_the_free_alignment(window: int) -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=40), rng.normal(size=55)
    free = dtw(a, b).total_cost
    banded = dtw(a, b, window=window).total_cost
    assert np.isfinite(banded) and banded >= free - 1e-9


def test_subsequence_finds_the_movement_inside_a_long_recording() -> None:
    move = np.sin(np.linspace(0, np.pi, 30)) * 80
    recording = np.concatenate([np.zeros(50), np.sin(np.linspace(0, np.pi, 40)) * 80, np.zeros(30)])
    result = dtw(move, recording, subsequence=True)
    assert 45 <= result.path[0, 1] <= 55 and 85 <= result.path[-1, 1] <= 95
    assert result.mean_cost < 3.0


def test_gaps_are_interpolated_and_nan_is_refused() -> None:
    filled = fill_gaps(np.array([np.nan, 1.0, np.nan, 3.0, np.nan]))
    assert filled.tolist() == [1.0, 1.0, 2.0, 3.0, 3.0]
    with pytest.raises(ValueError, match="NaN"):
        dtw(np.array([1.0, np.nan]), np.array([1.0]))


def test_resample_to_a_common_rate() -> None:
    times = np.arange(0, 2.0, 1 / 60)
    values = np.column_stack([times * 10, -times])
    out = resample(times, values, 10.0)
    assert out.shape == (20, 2)
    assert out[5, 0] == pytest.approx(5.0) and out[5, 1] == pytest.approx(-0.5)
