"""The exercise engine: live (:class:`ExerciseEngine`) and recorded (:func:`analyze_sequence`).

There is one engine, and it is causal: :class:`ExerciseEngine` takes one pose
at a time and never looks ahead. A recording is analysed by smoothing it
zero-phase and feeding every frame to that same engine, so a recording and a
live replay of it give the same events (the contract's equivalence rule).

Per frame: drop a pose that jumped to another person, measure every column
the spec needs against the *measuring context* (floor line, near side,
resting heights), classify the posture, and step the state machine
(:mod:`posecheck.engine.machine`). The context is provisional (re-estimated
every 0.5 s from the last still frames) until the start position is
recognised; it is then fixed from the still start-position frames of the last
``setup.window_s`` seconds. It is fixed again from newer still frames when

- the camera view changed while the person rested (an edited video's cut, a
  bumped laptop): the pelvis is seen from another angle; or
- (spec ``setup.lowest_is_start``) the person rests still clearly below the
  start zone: the start was recognised while the end position was held.

Everything is measured in seconds, never in frames, so dropped frames on a
slow machine change nothing but the time resolution.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from posecheck.engine.columns import ColumnPlan
from posecheck.engine.events import Event, PositionRecognised, RepRecord
from posecheck.engine.faults import FaultInterval
from posecheck.engine.identity import body_anchor
from posecheck.engine.machine import StepMachine
from posecheck.pose.types import Pose, PoseSequence
from posecheck.specs.model import ExerciseSpec

MOVING_SPEED = 1.0
"""Landmark speed (torso lengths/s, 90th percentile) above which a frame is labelled
``moving``: the start position is only recognised in still frames."""
STILL_SPEED = 0.5
"""Landmark speed (torso lengths/s) under which a frame counts as still for estimating
the context."""
CONTEXT_REFRESH_S = 0.5
"""Before the start position is recognised, the provisional context is re-estimated
this often."""
HISTORY_S = 4.0
"""Seconds of recent poses kept (for the context and the view check)."""
CUT_S = 0.3
"""A camera cut happens within this many seconds; after it, the person must be seen
still this long before the context is fixed again."""
CUT_MOVE = 0.15
"""Jump of both the hip centre and the shoulder centre (torso lengths within
:data:`CUT_S`) of a camera cut."""
CUT_TURN = 0.1
"""Change of the pelvis as the camera sees it (left-to-right hip vector, torso lengths
within :data:`CUT_S`) of a camera cut: the pelvis never turns that fast on the floor."""
REACQUIRE_S = 3.0
"""A pose that jumped away (another person) is accepted again after this long."""


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
    """Frames whose pose was ignored because tracking jumped to another person."""

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


def pelvis_view(landmarks: np.ndarray, image_size: tuple[int, int], torso_px: float) -> np.ndarray:
    """``(T, 2)`` left-to-right hip vector in the image, in torso lengths.

    The pelvis stays on the floor and does not turn in any of the exercises, so
    a lasting change of how the camera sees it means the camera moved.
    """
    scale = np.array(image_size, dtype=np.float64)
    lm = landmarks.reshape(-1, landmarks.shape[-2], landmarks.shape[-1])
    vec = (lm[:, 24, :2].astype(np.float64) - lm[:, 23, :2]) * scale
    return vec / max(torso_px, 1e-6)


@dataclass(slots=True)
class _Frame:
    t: float
    landmarks: np.ndarray
    still: bool
    posture: str = "unknown"
    x: float = math.nan


class ExerciseEngine:
    """The engine, one frame at a time: ``update(pose, t_s)`` → new events.

    Args:
        spec: the exercise.
        smoothing: causal filter name for :func:`posecheck.smoothing.make_filter`
            (``"one_euro"`` live, ``"none"`` for poses that are smoothed already).
        lang: language of the person (``"nl"``/``"en"``); events carry both texts,
            :attr:`lang` tells consumers which one to show.
        context: a fixed measuring context (then none is estimated).
        drop_other_people: ignore a pose that jumped to another person.
        record: keep per-frame columns, phases and hold clock (:meth:`run`).
        speed_span_s: speeds are differences over at least this many seconds.
    """

    def __init__(
        self,
        spec: ExerciseSpec,
        smoothing: str = "one_euro",
        *,
        lang: str = "nl",
        context: Any = None,
        drop_other_people: bool = True,
        record: bool = False,
        speed_span_s: float = 0.15,
        **filter_params: Any,
    ) -> None:
        self.spec = spec
        self.lang = lang
        self._filter = None
        if smoothing != "none":
            from posecheck.smoothing import make_filter

            self._filter = make_filter(smoothing, **filter_params)
        self._given_ctx = context
        self._ctx: Any = context
        self._ctx_t = -1e9
        self._frozen = False
        self._gating = drop_other_people
        self._plan = ColumnPlan(spec, getattr(context, "near_side", None))
        self.machine = StepMachine(spec, self._plan, record=record)
        self._history: deque[_Frame] = deque()
        self._image_size: tuple[int, int] | None = None
        self._baseline: np.ndarray | None = None
        self._recent_rows: deque[tuple[float, list[float]]] = deque()
        self._speed_span = speed_span_s
        self._last_lm: tuple[float, np.ndarray] | None = None
        self._anchor: tuple[np.ndarray, float] | None = None
        self._anchor_t = -1e9
        self._cut_t: float | None = None
        self._fixed_t = -1e9
        self._emitted = 0
        self._record = record
        self._times: list[float] = []
        self._rows: list[tuple[list[str], list[float]]] = []
        self._dropped: list[bool] = []

    # -------------------------------------------------------------- public API
    def update(self, pose: Pose | None, t_s: float) -> list[Event]:
        """Feed one frame's pose (``None`` = no pose) at time ``t_s``; the new events."""
        gated = self._gate(pose, t_s) if self._gating else pose
        dropped = pose is not None and gated is None
        if self._filter is not None:
            gated = self._filter.update(gated, round(t_s * 1000))
        landmarks = None
        if gated is not None:
            self._image_size = gated.image_size
            landmarks = np.asarray(gated.landmarks, dtype=np.float64)
        self._step(landmarks, t_s, dropped)
        return self._new_events()

    def finish(self, t_s: float) -> list[Event]:
        """End of the input: close open faults/holds; the final events."""
        self.machine.finish(t_s)
        return self._new_events()

    @property
    def context(self) -> Any:
        """The measuring context in use (``None`` before the first pose)."""
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

    def run(self) -> EngineRun:
        """Everything recorded so far (needs ``record=True``) as an :class:`EngineRun`."""
        m = self.machine
        times = np.asarray(self._times, dtype=np.float64)
        names: list[str] = []
        for columns, _ in self._rows:
            for name in columns:
                if name not in names:
                    names.append(name)
        table = {name: np.full(len(self._rows), np.nan) for name in names}
        for i, (columns, row) in enumerate(self._rows):
            for name, value in zip(columns, row, strict=True):
                table[name][i] = value
        table["primary"] = np.asarray(m.primary_values, dtype=np.float64)
        table["held_s"] = np.asarray(m.held_values, dtype=np.float64)
        return EngineRun(
            spec_id=self.spec.id,
            events=list(m.events),  # type: ignore[arg-type]
            reps=list(m.reps),
            faults=sorted(m.faults, key=lambda f: (f.start_s, f.code)),
            times_s=times,
            measurements=table,
            phases=list(m.phases),
            view=m.view or str(getattr(self._ctx, "view", "") or ""),
            position=m.position,
            near_side=self._plan.near_side if self._ctx is not None else None,
            context=self._ctx,
            dropped_frames=np.asarray(self._dropped, dtype=bool),
        )

    # -------------------------------------------------------------- the step
    def _step(self, landmarks: np.ndarray | None, t_s: float, dropped: bool = False) -> None:
        moving = False
        if landmarks is not None:
            speed = self._motion(landmarks, t_s)
            moving = speed > MOVING_SPEED
            self._history.append(_Frame(t_s, landmarks, speed < STILL_SPEED))
        while self._history and self._history[0].t < t_s - HISTORY_S:
            self._history.popleft()
        machine = self.machine
        if not self._frozen:
            self._provisional_context(t_s)
        elif landmarks is not None and self._cut_t is None:
            if machine.phase in ("start", "rest", "done", "raising"):
                self._check_cut(t_s)
        elif landmarks is not None:
            self._settle_after_cut(t_s)
        if self._cut_t is not None:
            landmarks = None  # nothing is measured until the new view is known
        row, posture, view = self._row(landmarks, t_s, moving)
        if landmarks is not None:
            self._history[-1].posture = posture
        was_setup = machine.phase == "setup"
        machine.step(t_s, row, posture, view)
        if landmarks is not None:
            self._history[-1].x = machine.x
        if was_setup and machine.phase != "setup":
            self._freeze(t_s)
        elif not was_setup and machine.phase == "setup":
            self._frozen = False  # position lost: look for it again
            self._ctx_t = -1e9
        elif self._frozen and self.spec.setup.lowest_is_start:
            self._check_lowest(t_s)
        if self._record:
            self._times.append(t_s)
            self._rows.append((self._plan.columns, row))
            self._dropped.append(dropped)

    def _new_events(self) -> list[Event]:
        events = self.machine.events
        new = events[self._emitted :]
        self._emitted = len(events)
        return new  # type: ignore[return-value]

    # -------------------------------------------------------------- identity
    def _gate(self, pose: Pose | None, t_s: float) -> Pose | None:
        """Ignore a pose that jumped to another person (re-acquire after a while)."""
        if pose is None:
            return None
        hip, torso = body_anchor(pose.landmarks[None], pose.image_size)
        anchor = (hip[0], float(torso[0]))
        if not np.isfinite(anchor[0]).all() or not math.isfinite(anchor[1]):
            return pose
        if self._anchor is not None and t_s - self._anchor_t < REACQUIRE_S:
            (p0, s0) = self._anchor
            size = max(s0, anchor[1], 1e-6)
            ratio = max(s0, anchor[1]) / max(min(s0, anchor[1]), 1e-6)
            if np.linalg.norm(anchor[0] - p0) > 0.6 * size or ratio > 1.6:
                return None
        self._anchor = anchor
        self._anchor_t = t_s
        return pose

    def _motion(self, landmarks: np.ndarray, t_s: float) -> float:
        """Landmark speed since the previous pose, torso lengths per second (90th pct)."""
        previous, self._last_lm = self._last_lm, (t_s, landmarks)
        if previous is None or t_s <= previous[0] or self._image_size is None:
            return 0.0
        scale = np.array(self._image_size, dtype=np.float64)
        step = np.linalg.norm((landmarks[:, :2] - previous[1][:, :2]) * scale, axis=1)
        _, torso = body_anchor(landmarks[None], self._image_size)
        with np.errstate(invalid="ignore"):
            moved = float(np.nanpercentile(step, 90)) if np.isfinite(step).any() else math.nan
        speed = moved / (t_s - previous[0]) / max(float(torso[0]), 1e-6)
        return speed if math.isfinite(speed) else 0.0

    # -------------------------------------------------------------- context
    def _recent(self, t_s: float, seconds: float, *, still_start: bool = False) -> list[_Frame]:
        frames = [f for f in self._history if f.t >= t_s - seconds]
        if still_start:
            positions = self.spec.start_positions
            chosen = [f for f in frames if f.still and f.posture in positions]
            if len(chosen) >= 2:
                return chosen
            chosen = [f for f in frames if f.still]
            if len(chosen) >= 2:
                return chosen
        return frames

    def _estimate(self, frames: list[_Frame]) -> Any:
        from posecheck.measure import estimate_context

        assert self._image_size is not None
        return estimate_context(np.stack([f.landmarks for f in frames]), self._image_size)

    def _use_context(self, ctx: Any, frames: list[_Frame]) -> None:
        """Measure from ``ctx`` on; relative columns from the median over ``frames``."""
        self._ctx = ctx
        self._fixed_t = frames[-1].t if frames else self._fixed_t
        near = getattr(ctx, "near_side", None) or "left"
        if near != self._plan.near_side:
            self._plan = ColumnPlan(self.spec, near)
            self.machine.set_plan(self._plan)
        self._baseline = None
        if self._plan.relative_columns and frames:
            rows = self._plan.compute(np.stack([f.landmarks for f in frames]), ctx)
            self._baseline = self._plan.baseline(rows)
        self._recent_rows.clear()

    def _provisional_context(self, t_s: float) -> None:
        if self._given_ctx is not None or not self._history or self._image_size is None:
            return
        if t_s - self._ctx_t < CONTEXT_REFRESH_S and self._ctx is not None:
            return
        self._ctx_t = t_s
        frames = self._recent(t_s, self.spec.setup.window_s, still_start=True)
        if frames:
            self._use_context(self._estimate(frames), frames)

    def _freeze(self, t_s: float) -> None:
        """The start position was recognised: fix the context from its still frames."""
        self._frozen = True
        frames = self._recent(t_s, self.spec.setup.window_s, still_start=True)
        if not frames:
            return
        ctx = self._given_ctx if self._given_ctx is not None else self._estimate(frames)
        self._use_context(ctx, frames)
        self.machine.restart_from_rest()

    def _refix(self, t_s: float, frames: list[_Frame]) -> None:
        """Fix the context again from ``frames`` (the person rests in the start position)."""
        self._use_context(self._estimate(frames), frames)
        self.machine.restart_from_rest()
        m = self.machine
        m.view = str(getattr(self._ctx, "view", m.view))
        m.events.append(PositionRecognised(t_s, m.position, m.view, self._plan.near_side))  # type: ignore[arg-type]

    def _check_cut(self, t_s: float) -> None:
        """A camera cut (or a moved camera) while the person rests: hips and shoulders
        jumped to another place and the pelvis is seen from another angle within the
        last ``2 * CUT_S``, and the picture is still again (a movement moves the hips or
        the shoulders, turns the pelvis slowly and goes on). A movement that had just
        begun is dropped and the context is fixed again once the person is seen still."""
        if self._given_ctx is not None or self._image_size is None or len(self._history) < 2:
            return
        now = self._history[-1]
        if not now.still:
            return  # a cut is over when the picture is still again; a movement goes on
        # the picture may settle a little after the cut: look back twice the cut time
        before = next((f for f in reversed(self._history) if f.t <= now.t - 2 * CUT_S), None)
        if before is None or now.t - before.t > 4 * CUT_S or before.t < self._fixed_t:
            return
        m = self.machine
        if m.phase == "raising" and m.rep_start_t < before.t:
            return  # a movement that began before the jump is a movement
        torso = getattr(self._ctx, "torso_length_px", None)
        if not torso:
            return
        pair = np.stack([before.landmarks, now.landmarks])
        hip, _ = body_anchor(pair, self._image_size)
        shoulders = 0.5 * (pair[:, 11, :2] + pair[:, 12, :2]) * np.array(self._image_size)
        pelvis = pelvis_view(pair, self._image_size, torso)
        moved = float(np.linalg.norm(hip[1] - hip[0])) / torso
        moved_too = float(np.linalg.norm(shoulders[1] - shoulders[0])) / torso
        turned = float(np.linalg.norm(pelvis[1] - pelvis[0]))
        if min(moved, moved_too) > CUT_MOVE and turned > CUT_TURN:
            self._cut_t = t_s
            self.machine.restart_from_rest()

    def _settle_after_cut(self, t_s: float) -> None:
        """After a cut: fix the context from the first :data:`CUT_S` of still frames."""
        recent = [f for f in self._history if f.t >= t_s - CUT_S and f.t > (self._cut_t or 0.0)]
        if len(recent) < 2 or recent[0].t > t_s - 0.9 * CUT_S:
            return
        if all(f.still for f in recent):
            self._cut_t = None
            self._refix(t_s, recent)

    def _check_lowest(self, t_s: float) -> None:
        """Re-fix when the person rests still clearly below the start zone."""
        m = self.machine
        if m.phase not in ("start", "rest", "done") or self._given_ctx is not None:
            return
        window = self.spec.setup.window_s
        recent = [f for f in self._history if f.t >= t_s - window]
        if len(recent) < 2 or recent[0].t > t_s - 0.9 * window:
            return
        if not all(f.still and f.posture in self.spec.start_positions for f in recent):
            return
        xs = np.array([f.x for f in recent], dtype=np.float64)
        if not np.isfinite(xs).all():
            return
        if float(np.max(xs)) < m.se - (m.ee - m.se):
            self._refix(t_s, recent)

    # -------------------------------------------------------------- measuring
    def _row(
        self, landmarks: np.ndarray | None, t_s: float, moving: bool
    ) -> tuple[list[float], str, str]:
        plan = self._plan
        k = len(plan.columns)
        if landmarks is None or self._ctx is None:
            return [math.nan] * k, "unknown", "unknown"
        lm = landmarks[None]
        raw = plan.compute(lm, self._ctx)[0]
        if self._baseline is not None and len(self._baseline) == len(raw):
            plan.subtract_baseline(raw, self._baseline)
        row = raw.tolist()
        # speeds: backward differences over at least SPEED_SPAN_S (time-based)
        recent = self._recent_rows
        if recent and t_s <= recent[-1][0]:
            recent.clear()
        recent.append((t_s, row))
        while len(recent) > 2 and recent[1][0] <= t_s - self._speed_span:
            recent.popleft()
        t0, old = recent[0]
        for j, base in plan.speed_pairs:
            row[j] = (row[base] - old[base]) / (t_s - t0) if t_s > t0 else math.nan
        self.machine.speed_lag = 0.5 * (t_s - t0)
        from posecheck.measure import classify_posture
        from posecheck.measure.posture import frame_views

        angle = float(getattr(self._ctx, "floor_angle_deg", 0.0))
        size = self._image_size or (1, 1)
        view = str(frame_views(lm, size, angle)[0])
        ctx_view = getattr(self._ctx, "view", None)
        posture = str(
            classify_posture(lm, size, angle, view="feet" if ctx_view == "feet" else None)[0]
        )
        if moving:
            posture = "moving"
        return row, posture, view


def analyze_sequence(
    spec: ExerciseSpec,
    seq: PoseSequence,
    smoothing: str = "butterworth",
    *,
    drop_other_people: bool = True,
    context: Any = None,
) -> EngineRun:
    """Analyse a recorded pose sequence against ``spec``.

    The sequence is smoothed zero-phase (``smoothing``, see
    :func:`posecheck.smoothing.make_smoother`) and every frame goes through
    ``ExerciseEngine(spec, smoothing="none")``: exactly what a live replay of
    the smoothed poses gives.
    """
    smoothed = _smooth(seq, smoothing) if len(seq) else seq
    engine = ExerciseEngine(
        spec,
        smoothing="none",
        context=context,
        drop_other_people=drop_other_people,
        record=True,
    )
    times = smoothed.times_s
    landmarks = smoothed.landmarks
    has = smoothed.has_pose
    size = smoothed.image_size
    for i, t in enumerate(times.tolist()):
        pose = None
        if has[i]:
            pose = Pose(int(smoothed.timestamps_ms[i]), size, landmarks[i])
        engine.update(pose, t)
    if len(times):
        engine.finish(float(times[-1]))
    return engine.run()


def measure_context(spec: ExerciseSpec, seq: PoseSequence) -> tuple[Any, np.ndarray]:
    """The measuring context the engine fixes for ``seq`` and the ``(T,)`` mask of the
    frames it came from (the still start-position frames before recognition)."""
    engine = ExerciseEngine(spec, smoothing="none", record=True)
    mask = np.zeros(len(seq), dtype=bool)
    times = seq.times_s.tolist()
    for i, t in enumerate(times):
        engine.update(seq.pose_at(i), t)
        if engine.machine.phase != "setup":
            window = engine.spec.setup.window_s
            chosen = {f.t for f in engine._recent(t, window, still_start=True)}
            mask = np.isin(seq.times_s, list(chosen))
            break
    if not mask.any():
        mask = seq.has_pose
    return engine.context, mask


def run_rows(
    machine: StepMachine,
    times: np.ndarray,
    rows: np.ndarray,
    postures: np.ndarray,
    views: np.ndarray,
) -> None:
    """Feed precomputed rows to the state machine (the engine's inner loop, for benchmarks)."""
    step = machine.step
    for t, row, posture, view in zip(
        times.tolist(), rows.tolist(), postures.tolist(), views.tolist(), strict=True
    ):
        step(t, row, posture, view)
