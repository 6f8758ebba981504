"""The exercise engine: live (:class:`ExerciseEngine`) and recorded (:func:`analyze_sequence`).

Both feed the same :class:`~posecheck.engine.machine.StepMachine`. Recorded
input is smoothed zero-phase and measured vectorised over the whole sequence
first; live input is smoothed causally (One Euro) and measured one frame at a
time. The output is a stream of typed events (:mod:`posecheck.engine.events`)
plus, for recordings, per-frame measurements and phases. Deterministic: the
same input gives the same output.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from posecheck.engine.columns import ColumnPlan
from posecheck.engine.events import Event, RepRecord
from posecheck.engine.faults import FaultInterval
from posecheck.engine.identity import body_anchor, track_identities, without_frames
from posecheck.engine.machine import StepMachine
from posecheck.pose.types import Pose, PoseSequence
from posecheck.specs.model import ExerciseSpec

MOVING_SPEED = 1.0
"""Landmark speed (torso lengths/s, 90th percentile) above which a frame is labelled
``moving``: the start position is only recognised in still frames."""


@dataclass(frozen=True, slots=True)
class EngineState:
    """What the live screen shows now."""

    phase: str
    side: str | None
    held_s: float
    target_s: float | None
    reps_done: dict[str, int]
    active_faults: tuple[str, ...]
    primary_name: str
    primary_value: float | None
    primary_target: tuple[float, float]
    position: str
    view: str
    rest_remaining_s: float
    near_side: str | None = None
    repetitions: int = 0


@dataclass
class EngineRun:
    """The analysis of one recording."""

    spec_id: str
    events: list[Event]
    reps: list[RepRecord]
    faults: list[FaultInterval]
    times_s: np.ndarray
    measurements: dict[str, np.ndarray]
    """Per-frame columns (``hip_flexion.left``, ``speed:...``), plus ``primary`` (the
    primary measurement on the side in use) and ``held_s`` (hold clock)."""
    phases: list[str]
    view: str
    position: str
    near_side: str | None
    context: Any = None
    dropped_frames: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Frames removed because tracking jumped to another person."""

    @property
    def fault_codes(self) -> set[str]:
        return {f.code for f in self.faults}

    def reps_per_side(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for rep in self.reps:
            key = rep.side or "all"
            out[key] = out.get(key, 0) + 1
        return out


def _smooth(seq: PoseSequence, smoothing: str) -> PoseSequence:
    if smoothing == "none":
        return seq
    from posecheck.smoothing import make_smoother

    return make_smoother(smoothing).smooth(seq)


def _posture_and_views(
    landmarks: np.ndarray, image_size: tuple[int, int], ctx: Any
) -> tuple[np.ndarray, np.ndarray]:
    from posecheck.measure import classify_posture
    from posecheck.measure.posture import frame_views

    angle = float(getattr(ctx, "floor_angle_deg", 0.0))
    view = getattr(ctx, "view", None)
    views = frame_views(landmarks, image_size, angle)
    postures = classify_posture(landmarks, image_size, angle, view=view if view == "feet" else None)
    return np.asarray(postures).astype(str), np.asarray(views).astype(str)


def body_motion(seq: PoseSequence) -> np.ndarray:
    """``(T,)`` landmark speed (90th percentile) in torso lengths/s (NaN without a pose)."""
    _, torso = body_anchor(seq.landmarks, seq.image_size)
    scale = np.array(seq.image_size, dtype=np.float64)
    px = seq.landmarks[:, :, :2].astype(np.float64) * scale
    t = seq.times_s
    out = np.full(len(seq), np.nan)
    if len(seq) < 2:
        return out
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.linalg.norm(np.diff(px, axis=0), axis=2)
        moved = np.percentile(step, 90, axis=1) if step.size else np.zeros(0)  # NaN rows stay NaN
        out[1:] = moved / np.diff(t) / torso[1:]
    out[0] = out[1]
    return out


def _still_stretches(
    spec: ExerciseSpec, seq: PoseSequence, postures: np.ndarray, primary_speed: np.ndarray
) -> list[tuple[int, int]]:
    ok = np.isin(postures, list(spec.start_positions))
    motion = body_motion(seq)
    has = seq.has_pose & np.isfinite(motion)
    with np.errstate(invalid="ignore"):
        calm = ~(np.abs(primary_speed) > spec.primary.still_speed)
        still = (ok & (motion < 0.5) & calm).tolist()
    t = seq.times_s
    out: list[tuple[int, int]] = []
    start = None
    last = 0
    for i, (flag, seen) in enumerate(zip([*still, False], [*has.tolist(), True], strict=True)):
        if not seen:
            continue  # frames without a pose neither extend nor break a stretch
        if flag:
            if start is None:
                start = i
            last = i
        elif start is not None:
            if t[last] - t[start] >= spec.setup.window_s * 0.5:
                out.append((start, last + 1))
            start = None
    return out


def start_window(
    spec: ExerciseSpec,
    seq: PoseSequence,
    postures: np.ndarray,
    advance: np.ndarray,
    primary_speed: np.ndarray,
) -> np.ndarray:
    """``(T,)`` bool: the still start-position stretch just before the first repetition.

    ``advance`` is the primary measurement (any side) with a provisional
    context, signed so that larger = further towards the end position. The
    first repetition is the first frame past 60 % of its robust range; the
    stretch is the last still one (≥ half ``setup.window_s``) in a start position
    before it (so getting into position is skipped), else the first one, else
    every frame in a start position.
    """
    stretches = _still_stretches(spec, seq, postures, primary_speed)
    out = np.zeros(len(seq), dtype=bool)
    if not stretches:
        return np.isin(postures, list(spec.start_positions))
    chosen = stretches[0]
    finite = advance[np.isfinite(advance)]
    if len(finite) > 10:
        lo, hi = np.percentile(finite, [5, 95])
        with np.errstate(invalid="ignore"):
            past = np.flatnonzero(advance > lo + 0.6 * (hi - lo))
        if len(past) and hi - lo > 0:
            before = [s for s in stretches if s[1] <= past[0]]
            if before:
                chosen = before[-1]
    out[chosen[0] : chosen[1]] = True
    return out


def _advance(
    plan: ColumnPlan, rows: np.ndarray, spec: ExerciseSpec, speed: bool = False
) -> np.ndarray:
    src = plan.primary_speed if speed else plan.primary
    if src.kind in (1, 2):
        a, b = rows[:, src.a], rows[:, src.b]
        values = np.fmax(a, b) if spec.primary.increasing else np.fmin(a, b)
    elif src.kind == 3:
        values = np.abs(rows[:, src.a])
    else:
        values = rows[:, src.a]
    return values if spec.primary.increasing else -values


def measure_context(spec: ExerciseSpec, seq: PoseSequence) -> tuple[Any, np.ndarray]:
    """The measuring context, estimated from the first still start-position stretch.

    Returns the context and the ``(T,)`` mask of the frames it came from.
    """
    from posecheck.measure import estimate_context

    ctx0 = estimate_context(seq)
    everything = seq.has_pose
    if everything.sum() < 3:
        return ctx0, everything
    postures, _ = _posture_and_views(seq.landmarks, seq.image_size, ctx0)
    plan0 = ColumnPlan(spec, ctx0.near_side)
    rows0 = plan0.compute(seq.landmarks, ctx0, seq.times_s)
    speed0 = np.abs(_advance(plan0, rows0, spec, speed=True))
    chosen = start_window(spec, seq, postures, _advance(plan0, rows0, spec), speed0)
    if chosen.sum() < 3:
        return ctx0, everything
    return estimate_context(seq.landmarks[chosen], seq.image_size, view=ctx0.view), chosen


def analyze_sequence(
    spec: ExerciseSpec,
    seq: PoseSequence,
    smoothing: str = "butterworth",
    *,
    drop_other_people: bool = True,
    context: Any = None,
) -> EngineRun:
    """Analyse a recorded pose sequence against ``spec``.

    Steps: drop frames where tracking hopped to another person, smooth
    (zero-phase), estimate the measuring context from the start position,
    measure every column vectorised, then run the state machine over the rows.
    """
    if drop_other_people:
        dropped, cuts = track_identities(seq)
    else:
        dropped, cuts = np.zeros(len(seq), dtype=bool), []
    clean = without_frames(seq, dropped)
    smoothed = _smooth(clean, smoothing) if len(clean) else clean
    times = smoothed.times_s
    bounds = [0, *cuts, len(smoothed)]
    ctx: Any = None
    plan: ColumnPlan | None = None
    blocks: list[np.ndarray] = []
    for a, b in itertools.pairwise(bounds):
        # each camera set-up (a cut in an edited video) gets its own measuring context
        part = smoothed.slice(a, b)
        if context is not None:
            part_ctx, reference = context, part.has_pose
        else:
            part_ctx, reference = measure_context(spec, part)
        if ctx is None:
            ctx = part_ctx
            plan = ColumnPlan(spec, getattr(ctx, "near_side", None))
        assert plan is not None
        rows = plan.compute(part.landmarks, part_ctx, part.times_s)
        if plan.relative_columns:
            plan.subtract_baseline(rows, plan.baseline(rows[reference]))
        blocks.append(rows)
    if plan is None:
        plan = ColumnPlan(spec, None)
    machine = StepMachine(spec, plan, record=True)
    if len(smoothed) == 0:
        return EngineRun(spec.id, [], [], [], times, {}, [], "", "", plan.near_side, ctx, dropped)
    rows = np.concatenate(blocks)
    postures, views = _posture_and_views(smoothed.landmarks, smoothed.image_size, ctx)
    with np.errstate(invalid="ignore"):
        postures = np.where(body_motion(smoothed) > MOVING_SPEED, "moving", postures)
    run_rows(machine, times, rows, postures, views)
    machine.finish(float(times[-1]))
    measurements = {name: rows[:, j] for j, name in enumerate(plan.columns)}
    measurements["primary"] = np.asarray(machine.primary_values, dtype=np.float64)
    measurements["held_s"] = np.asarray(machine.held_values, dtype=np.float64)
    return EngineRun(
        spec_id=spec.id,
        events=machine.events,  # type: ignore[arg-type]
        reps=list(machine.reps),
        faults=sorted(machine.faults, key=lambda f: (f.start_s, f.code)),
        times_s=times,
        measurements=measurements,
        phases=machine.phases,
        view=machine.view or str(getattr(ctx, "view", "")),
        position=machine.position,
        near_side=plan.near_side,
        context=ctx,
        dropped_frames=dropped,
    )


def run_rows(
    machine: StepMachine,
    times: np.ndarray,
    rows: np.ndarray,
    postures: np.ndarray,
    views: np.ndarray,
) -> None:
    """Feed precomputed rows to the state machine (the fast inner loop)."""
    step = machine.step
    for t, row, posture, view in zip(
        times.tolist(), rows.tolist(), postures.tolist(), views.tolist(), strict=True
    ):
        step(t, row, posture, view)


class ExerciseEngine:
    """Incremental engine for live poses: ``update(pose, t_s)`` per frame.

    Args:
        spec: the exercise.
        smoothing: causal filter name for :func:`posecheck.smoothing.make_filter`
            (``"one_euro"`` or ``"none"``).
        speed_tau_s: time constant of the smoothing of live speeds.
    """

    def __init__(
        self,
        spec: ExerciseSpec,
        smoothing: str = "one_euro",
        *,
        speed_tau_s: float = 0.15,
        **filter_params: Any,
    ) -> None:
        self.spec = spec
        self._filter = None
        if smoothing != "none":
            from posecheck.smoothing import make_filter

            self._filter = make_filter(smoothing, **filter_params)
        self._ctx: Any = None
        self._ctx_t = -1e9
        self._frozen = False
        self._plan = ColumnPlan(spec, None)
        self.machine = StepMachine(spec, self._plan)
        self._buffer: deque[tuple[float, np.ndarray]] = deque(maxlen=120)
        self._image_size: tuple[int, int] | None = None
        self._prev: list[float] | None = None
        self._prev_t = 0.0
        self._speeds: list[float] | None = None
        self._tau = speed_tau_s
        self._raw_rows: deque[np.ndarray] = deque(maxlen=60)
        self._last_lm: tuple[float, np.ndarray] | None = None
        self._baseline: np.ndarray | None = None
        self._anchor: tuple[np.ndarray, float] | None = None
        self._anchor_t = -1e9
        self._emitted = 0

    # -------------------------------------------------------------- internals
    def _gate(self, pose: Pose | None, t_s: float) -> Pose | None:
        """Ignore a pose that jumped to another person (re-acquire after 3 s)."""
        if pose is None:
            return None
        hip, torso = body_anchor(pose.landmarks[None], pose.image_size)
        anchor = (hip[0], float(torso[0]))
        if not np.isfinite(anchor[0]).all() or not math.isfinite(anchor[1]):
            return pose
        if self._anchor is not None and t_s - self._anchor_t < 3.0:
            (p0, s0) = self._anchor
            size = max(s0, anchor[1], 1e-6)
            ratio = max(s0, anchor[1]) / max(min(s0, anchor[1]), 1e-6)
            if np.linalg.norm(anchor[0] - p0) > 0.6 * size or ratio > 1.6:
                return None
        self._anchor = anchor
        self._anchor_t = t_s
        return pose

    def _refresh_context(self, t_s: float) -> None:
        if self._frozen or self._image_size is None or t_s - self._ctx_t < 0.5:
            return
        if len(self._buffer) < 5:
            return
        from posecheck.measure import estimate_context

        self._ctx_t = t_s
        self._ctx = estimate_context(self._recent(1.0), self._image_size)
        near = getattr(self._ctx, "near_side", None) or "left"
        if near != self._plan.near_side:
            self._plan = ColumnPlan(self.spec, near)
            self.machine.set_plan(self._plan)
            self._prev = None
            self._raw_rows.clear()
            self._baseline = None

    def _row(self, landmarks: np.ndarray | None, t_s: float) -> tuple[list[float], str, str]:
        plan = self._plan
        k = len(plan.columns)
        if landmarks is None or self._ctx is None:
            return [math.nan] * k, "unknown", "unknown"
        lm = landmarks[None]
        raw = plan.compute(lm, self._ctx)[0]
        if plan.relative_columns:
            if not self._frozen:
                self._raw_rows.append(raw)
                self._baseline = plan.baseline(np.stack(list(self._raw_rows)))
            if self._baseline is not None and len(self._baseline) == len(raw):
                raw = raw.copy()
                plan.subtract_baseline(raw, self._baseline)
        row = raw.tolist()
        # live speeds: smoothed finite differences of the base columns
        speeds = self._speeds or [math.nan] * k
        if self._prev is not None and t_s > self._prev_t:
            dt = t_s - self._prev_t
            alpha = 1.0 - math.exp(-dt / self._tau)
            for j, base in plan.speed_pairs:
                raw = (row[base] - self._prev[base]) / dt
                old = speeds[j]
                speeds[j] = raw if old != old else old + alpha * (raw - old)
        for j, _ in plan.speed_pairs:
            row[j] = speeds[j]
        self._speeds = speeds
        self._prev = row
        self._prev_t = t_s
        from posecheck.measure import classify_posture
        from posecheck.measure.posture import frame_views

        angle = float(getattr(self._ctx, "floor_angle_deg", 0.0))
        size = self._image_size or (1, 1)
        view = str(frame_views(lm, size, angle)[0])
        ctx_view = getattr(self._ctx, "view", None)
        posture = str(
            classify_posture(lm, size, angle, view="feet" if ctx_view == "feet" else None)[0]
        )
        if self._moving(landmarks, t_s):
            posture = "moving"
        return row, posture, view

    # -------------------------------------------------------------- public API
    def update(self, pose: Pose | None, t_s: float) -> list[Event]:
        """Feed one frame's pose (``None`` = no pose) at time ``t_s``; the new events."""
        pose = self._gate(pose, t_s)
        if self._filter is not None:
            pose = self._filter.update(pose, round(t_s * 1000))
        landmarks = None
        if pose is not None:
            self._image_size = pose.image_size
            landmarks = np.asarray(pose.landmarks, dtype=np.float64)
            if not self._frozen:
                self._buffer.append((t_s, landmarks))
        self._refresh_context(t_s)
        row, posture, view = self._row(landmarks, t_s)
        was_setup = self.machine.phase == "setup"
        self.machine.step(t_s, row, posture, view)
        if was_setup and self.machine.phase != "setup":
            self._freeze()
        elif not was_setup and self.machine.phase == "setup":
            self._frozen = False
            self._buffer.clear()
            self._raw_rows.clear()
        return self._new_events()

    def _moving(self, landmarks: np.ndarray, t_s: float) -> bool:
        previous, self._last_lm = self._last_lm, (t_s, landmarks)
        if previous is None or t_s <= previous[0] or self._image_size is None:
            return False
        scale = np.array(self._image_size, dtype=np.float64)
        step = np.linalg.norm((landmarks[:, :2] - previous[1][:, :2]) * scale, axis=1)
        _, torso = body_anchor(landmarks[None], self._image_size)
        speed = float(np.nanpercentile(step, 90)) / (t_s - previous[0]) / max(float(torso[0]), 1e-6)
        return speed > MOVING_SPEED

    def _recent(self, seconds: float) -> np.ndarray:
        """Landmarks of the buffered frames of the last ``seconds``."""
        last = self._buffer[-1][0]
        frames = [lm for t, lm in self._buffer if t >= last - seconds]
        return np.stack(frames)

    def _freeze(self) -> None:
        """Fix the context from the start-position frames just seen."""
        from posecheck.measure import estimate_context

        if self._image_size is not None and len(self._buffer) >= 5:
            self._ctx = estimate_context(
                self._recent(self.spec.setup.window_s),
                self._image_size,
                view=getattr(self._ctx, "view", None),
            )
            near = getattr(self._ctx, "near_side", None) or "left"
            if near != self._plan.near_side:
                self._plan = ColumnPlan(self.spec, near)
                self.machine.set_plan(self._plan)
                self._prev = None
        self._frozen = True

    def _new_events(self) -> list[Event]:
        events = self.machine.events
        new = events[self._emitted :]
        self._emitted = len(events)
        return new  # type: ignore[return-value]

    def finish(self, t_s: float) -> list[Event]:
        """End of the session: close open faults/holds; the final events."""
        self.machine.finish(t_s)
        return self._new_events()

    @property
    def context(self) -> Any:
        return self._ctx

    @property
    def state(self) -> EngineState:
        m = self.machine
        value = m.value
        return EngineState(
            phase=m.phase,
            side=m.side,
            held_s=round(m.held, 2) if m.phase == "hold" else 0.0,
            target_s=m.target,
            reps_done=dict(m.reps_done),
            active_faults=tuple(f.code for f in m.flags if f.active),
            primary_name=self.spec.primary.measurement,
            primary_value=None if value != value else float(value),
            primary_target=self.spec.primary.target,
            position=m.position,
            view=m.view,
            rest_remaining_s=max(0.0, m.rest_until - m.t) if m.phase == "rest" else 0.0,
            near_side=self._plan.near_side if self._ctx is not None else None,
            repetitions=self.spec.repetitions,
        )
