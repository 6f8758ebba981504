"""Smoothing: jitter reduction, lag, zero phase, gaps, names, "no pose" frames."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from posecheck.errors import PosecheckError
from posecheck.pose.types import NUM_LANDMARKS, Pose, PoseSequence
from posecheck.smoothing import (
    FILTERS,
    SMOOTHERS,
    OneEuroPoseFilter,
    make_filter,
    make_smoother,
    pose_runs,
)

JITTER = 0.004  # image widths: typical MediaPipe frame-to-frame jitter on the shared clips


def make_sequence(
    truth: Callable[[np.ndarray], np.ndarray],
    *,
    fps: float,
    seconds: float,
    jitter: float = JITTER,
    missing: np.ndarray | None = None,
    seed: int = 0,
    times_s: np.ndarray | None = None,
) -> PoseSequence:
    """Every coordinate of every landmark follows ``truth(t)`` (+ landmark offset) plus noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * fps)) / fps if times_s is None else times_s
    n = len(t)
    offsets = np.linspace(0.0, 0.2, NUM_LANDMARKS)[None, :, None]
    base = truth(t)[:, None, None] + offsets
    lm = np.empty((n, NUM_LANDMARKS, 5), np.float32)
    lm[:, :, :3] = base + rng.normal(0, jitter, (n, NUM_LANDMARKS, 3))
    lm[:, :, 3] = 0.9
    lm[:, :, 4] = rng.uniform(0.5, 1.0, (n, NUM_LANDMARKS))
    world = (base + rng.normal(0, jitter, (n, NUM_LANDMARKS, 3))).astype(np.float32)
    if missing is not None:
        lm[missing] = np.nan
        world[missing] = np.nan
    ts = np.round(t * 1000).astype(np.int64)
    return PoseSequence(ts, lm, world, (640, 480), fps, "synthetic")


def truth_values(seq: PoseSequence, truth: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    offsets = np.linspace(0.0, 0.2, NUM_LANDMARKS)[None, :, None]
    return truth(seq.times_s)[:, None, None] + offsets


def smooth_by(name: str, seq: PoseSequence) -> PoseSequence:
    """Sequence smoothing by strategy name; ``filter:<name>`` runs a live filter frame by frame."""
    if name.startswith("filter:"):
        live = make_filter(name.split(":", 1)[1])
        poses = [live.update(seq.pose_at(i), int(seq.timestamps_ms[i])) for i in range(len(seq))]
        return PoseSequence.from_poses(
            list(seq.timestamps_ms), poses, seq.image_size, seq.fps, seq.source
        )
    return make_smoother(name).smooth(seq)


# --------------------------------------------------------------------------- jitter


def still(t: np.ndarray) -> np.ndarray:
    return np.full_like(t, 0.5)


def slow_wave(t: np.ndarray) -> np.ndarray:
    return 0.5 + 0.08 * np.sin(2 * np.pi * 0.25 * t)  # a 4-second movement cycle


@pytest.mark.parametrize(
    ("name", "truth", "fps", "min_factor"),
    [
        # the live filter during a hold (still body)
        ("filter:one_euro", still, 15, 2.0),
        ("filter:one_euro", still, 30, 2.5),
        ("filter:one_euro", still, 60, 3.0),
        # the recorded filter on a moving body: error against the true movement
        ("butterworth", slow_wave, 15, 1.5),
        ("butterworth", slow_wave, 30, 2.0),
        ("butterworth", slow_wave, 60, 3.0),
        ("butterworth", still, 30, 2.0),
    ],
)
def test_jitter_is_reduced_by_the_stated_factor(
    name: str, truth: Callable[[np.ndarray], np.ndarray], fps: float, min_factor: float
) -> None:
    seq = make_sequence(truth, fps=fps, seconds=20)
    out = smooth_by(name, seq)
    settle = int(fps)  # the live filter starts from the first (noisy) value
    true = truth_values(seq, truth)[settle:]
    raw_err = (seq.landmarks[settle:, :, :3] - true).std()
    err = (out.landmarks[settle:, :, :3] - true).std()
    world_err = (out.world_landmarks[settle:] - true).std()
    assert raw_err / err >= min_factor
    assert raw_err / world_err >= min_factor


def test_none_strategies_change_nothing() -> None:
    seq = make_sequence(slow_wave, fps=30, seconds=2)
    out = smooth_by("none", seq)
    assert np.array_equal(out.landmarks, seq.landmarks)
    live = make_filter("none")
    pose = seq.pose_at(3)
    assert live.update(pose, 100) is pose


# --------------------------------------------------------------------------- lag


@pytest.mark.parametrize(
    ("speed", "fps", "variable_dt", "max_lag_ms"),
    [
        (0.1, 15, False, 100),
        (0.1, 30, False, 100),
        (0.1, 60, False, 100),
        (0.3, 30, False, 60),
        (0.1, 30, True, 100),  # frames arrive irregularly (20–50 ms apart)
        (0.3, 15, True, 60),
    ],
)
def test_one_euro_lag_on_a_ramp_is_bounded(
    speed: float, fps: float, variable_dt: bool, max_lag_ms: float
) -> None:
    rng = np.random.default_rng(1)
    times = None
    if variable_dt:
        times = np.cumsum(rng.uniform(0.02, 0.05 if fps == 30 else 0.09, 400))
    seq = make_sequence(lambda t: 0.2 + speed * t, fps=fps, seconds=5, times_s=times, jitter=0.002)
    out = smooth_by("filter:one_euro", seq)
    t = seq.times_s
    late = t > t[0] + 1.0  # after the filter has settled
    lag_s = ((0.2 + speed * t)[:, None] - out.landmarks[:, :, 0] + np.linspace(0, 0.2, 33)) / speed
    lag_ms = 1000 * lag_s[late].mean()
    assert 0 < lag_ms <= max_lag_ms
    # a fixed low-pass at the same still-body smoothing would lag 1 / (2π · 0.6 Hz) ≈ 265 ms
    assert lag_ms < 0.5 * 1000 / (2 * np.pi * 0.6)


@pytest.mark.parametrize("fps", [15, 30, 60])
def test_zero_phase_filter_keeps_peaks_in_place(fps: float) -> None:
    def wave(t: np.ndarray) -> np.ndarray:
        return 0.5 + 0.1 * np.sin(2 * np.pi * 0.5 * t)  # peaks at 0.5 s, 2.5 s, 4.5 s …

    seq = make_sequence(wave, fps=fps, seconds=10, jitter=0.001)
    t = seq.times_s
    offset = np.linspace(0.0, 0.2, NUM_LANDMARKS).mean()
    x = {
        name: smooth_by(name, seq).landmarks[:, :, 0].mean(axis=1) - offset
        for name in ("butterworth", "filter:one_euro")
    }
    window = (t > 4.0) & (t < 5.0)  # one peak, at 4.5 s
    peak = t[window][np.argmax(x["butterworth"][window])]
    assert abs(peak - 4.5) <= 1.0 / fps + 1e-6

    def upward_crossing(values: np.ndarray) -> float:  # of 0.5, expected at 4.0 s
        i = np.flatnonzero((t > 3.5) & (values >= 0.5))[0]
        return float(t[i - 1] + (0.5 - values[i - 1]) / (values[i] - values[i - 1]) / fps)

    assert abs(upward_crossing(x["butterworth"]) - 4.0) < 0.005  # no delay
    assert upward_crossing(x["filter:one_euro"]) - 4.0 > 0.01  # the causal filter is late


# --------------------------------------------------------------------------- gaps


def step(t: np.ndarray) -> np.ndarray:
    return np.where(t < 2.5, 0.2, 0.8)


@pytest.mark.parametrize("name", ["butterworth", "filter:one_euro", "one_euro"])
@pytest.mark.parametrize("fps", [15, 30])
@pytest.mark.parametrize("gap_s", [0.3, 0.5])
def test_long_gaps_are_not_smoothed_through(name: str, fps: float, gap_s: float) -> None:
    """No pose for longer than max_gap_ms (250 ms) while the value jumps from 0.2 to 0.8.

    Bridging such a gap would pull the last poses before it and the first after it
    towards each other by 0.02–0.03 (measured with the split disabled).
    """
    t = np.arange(int(5 * fps)) / fps
    missing = (t >= 2.5 - gap_s / 2) & (t < 2.5 + gap_s / 2)
    seq = make_sequence(step, fps=fps, seconds=5, missing=missing, jitter=0.002)
    out = smooth_by(name, seq)
    x = out.landmarks[:, 0, 0]
    assert np.isnan(out.landmarks[missing]).all()
    assert np.array_equal(out.has_pose, seq.has_pose)
    before = np.flatnonzero(~missing & (t < 2.5))[-3:]
    after = np.flatnonzero(~missing & (t >= 2.5))[:3]
    assert np.abs(x[before] - 0.2).max() < 0.01  # not pulled up towards 0.8
    assert np.abs(x[after] - 0.8).max() < 0.01  # not pulled down towards 0.2


@pytest.mark.parametrize("name", ["butterworth", "filter:one_euro"])
def test_short_dropouts_are_bridged_but_stay_without_pose(name: str) -> None:
    fps = 30
    t = np.arange(150) / fps
    missing = np.zeros(150, bool)
    missing[[40, 41, 90]] = True  # 100 ms and 33 ms dropouts < max_gap_ms
    seq = make_sequence(still, fps=fps, seconds=5, missing=missing)
    out = smooth_by(name, seq)
    assert np.isnan(out.landmarks[missing]).all() and not np.isnan(out.landmarks[~missing]).any()
    keep = ~missing & (t > 1)
    true = truth_values(seq, still)[keep]
    raw_err = (seq.landmarks[keep, :, :3] - true).std()
    err = (out.landmarks[keep, :, :3] - true).std()
    assert raw_err / err > 2.0  # the filter keeps working across the dropout


def test_max_gap_ms_decides_where_runs_split() -> None:
    ts = np.array([0, 33, 66, 400, 433, 466, 500, 1500])
    has = np.array([1, 1, 1, 1, 0, 1, 1, 1], bool)
    assert list(pose_runs(ts, has, 250)) == [(0, 3), (3, 7), (7, 8)]
    assert list(pose_runs(ts, has, 400)) == [(0, 7), (7, 8)]
    assert list(pose_runs(ts, np.zeros(8, bool), 250)) == []


def test_live_filter_restarts_after_a_long_gap() -> None:
    live = OneEuroPoseFilter(max_gap_ms=200)
    low = np.full((NUM_LANDMARKS, 5), 0.2, np.float32)
    high = np.full((NUM_LANDMARKS, 5), 0.8, np.float32)
    for k in range(10):
        live.update(Pose(33 * k, (10, 10), low), 33 * k)
    assert live.update(None, 363) is None
    short = live.update(Pose(400, (10, 10), high), 400)  # 103 ms later: smoothed from 0.2
    assert short is not None and short.landmarks[0, 0] < 0.79
    live.reset()
    for k in range(10):
        live.update(Pose(33 * k, (10, 10), low), 33 * k)
    after_gap = live.update(Pose(1000, (10, 10), high), 1000)  # 703 ms: starts afresh
    assert after_gap is not None and after_gap.landmarks[0, 0] == pytest.approx(0.8)


# --------------------------------------------------------------------------- names and odd input


@pytest.mark.parametrize(
    ("factory", "name", "valid"),
    [
        (make_filter, "kalman", sorted(FILTERS)),
        (make_smoother, "savgol", sorted(SMOOTHERS)),
        (make_filter, "", sorted(FILTERS)),
    ],
)
def test_unknown_names_list_the_valid_ones(factory, name: str, valid: list[str]) -> None:
    with pytest.raises(PosecheckError, match="Valid names") as info:
        factory(name)
    for valid_name in valid:
        assert valid_name in str(info.value)


@pytest.mark.parametrize(
    ("factory", "name", "params"),
    [
        (make_filter, "one_euro", {"cutoff": 1.0}),
        (make_filter, "one_euro", {"min_cutoff": -1.0}),
        (make_smoother, "butterworth", {"cutoff_hz": 0.0}),
        (make_smoother, "none", {"order": 2}),
    ],
)
def test_bad_settings_are_posecheck_errors(factory, name: str, params: dict) -> None:
    with pytest.raises(PosecheckError, match=name):
        factory(name, **params)


def test_defaults_and_registries() -> None:
    assert type(make_filter()).__name__ == "OneEuroPoseFilter"
    assert type(make_smoother()).__name__ == "ButterworthSmoother"
    assert set(FILTERS) == {"one_euro", "none"}
    assert set(SMOOTHERS) == {"butterworth", "one_euro", "none"}


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_live_filters_pass_none_and_keep_visibility(name: str) -> None:
    live = make_filter(name)
    assert live.update(None, 0) is None
    seq = make_sequence(slow_wave, fps=30, seconds=1)
    for i in range(len(seq)):
        pose = seq.pose_at(i)
        assert pose is not None
        out = live.update(pose, int(seq.timestamps_ms[i]))
        assert out is not None
        assert np.array_equal(out.landmarks[:, 3:], pose.landmarks[:, 3:])
        assert out.timestamp_ms == pose.timestamp_ms and out.image_size == pose.image_size
        assert live.update(None, int(seq.timestamps_ms[i]) + 1) is None
    no_world = Pose(5000, (640, 480), seq.landmarks[0])
    out = live.update(no_world, 5000)
    assert out is not None and out.world_landmarks is None


@pytest.mark.parametrize("name", sorted(SMOOTHERS))
@pytest.mark.parametrize("run_length", [0, 1, 2, 3, 5, 9, 12])
def test_smoothers_handle_short_runs_and_no_pose(name: str, run_length: int) -> None:
    fps = 30
    n = 60
    missing = np.ones(n, bool)
    missing[20 : 20 + run_length] = False
    seq = make_sequence(slow_wave, fps=fps, seconds=n / fps, missing=missing)
    out = make_smoother(name).smooth(seq)
    assert len(out) == n
    assert np.array_equal(out.has_pose, seq.has_pose)
    assert np.isfinite(out.landmarks[~missing]).all()
    assert np.array_equal(out.landmarks[~missing, :, 3:], seq.landmarks[~missing, :, 3:])
    assert np.array_equal(out.timestamps_ms, seq.timestamps_ms)
    if run_length >= 3 and name != "none":
        # the values stay near the truth (no blow-up from padding)
        assert np.abs(out.landmarks[~missing, :, :3] - seq.landmarks[~missing, :, :3]).max() < 0.05


def test_backwards_timestamps_restart_the_live_filter() -> None:
    live = make_filter("one_euro")
    a = np.full((NUM_LANDMARKS, 5), 0.3, np.float32)
    b = np.full((NUM_LANDMARKS, 5), 0.6, np.float32)
    live.update(Pose(1000, (1, 1), a), 1000)
    out = live.update(Pose(500, (1, 1), b), 500)
    assert out is not None and out.landmarks[0, 0] == pytest.approx(0.6)


def test_world_nan_frames_inside_a_run_are_kept_nan() -> None:
    seq = make_sequence(slow_wave, fps=30, seconds=3)
    world = seq.world_landmarks.copy()
    world[10:13] = np.nan  # pose found, but no world landmarks in these frames
    seq = PoseSequence(seq.timestamps_ms, seq.landmarks, world, seq.image_size, seq.fps)
    out = make_smoother("butterworth").smooth(seq)
    assert np.isnan(out.world_landmarks[10:13]).all()
    assert np.isfinite(out.world_landmarks[:10]).all() and np.isfinite(out.landmarks).all()
