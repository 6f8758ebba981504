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

A recording (:func:`analyze_sequence`, :meth:`ExerciseEngine.feed_recording`)
goes through the same per-frame step, but what the engine computes for each
frame from its pose alone (identity anchor, landmark speed, measurement row,
view, posture, camera-cut geometry) is computed for all frames at once in
vectorised blocks, each frame exactly as alone: the same events, and the
per-frame loop does only scalar work (≥ 50,000 frames/s, see
``benchmarks/engine_throughput.py``). Everything that depends on earlier frames
(which pose was the patient's, the recent-frame windows) runs frame by frame.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from posecheck.engine.columns import ColumnPlan, FrameMeasurements, measure_frames
from posecheck.engine.events import Event, RepRecord
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


def frame_motion(
    previous: np.ndarray, current: np.ndarray, image_size: tuple[int, int]
) -> np.ndarray:
    """``(T,)`` how far the landmarks moved from ``previous`` to ``current`` (both
    ``(T, 33, 2+)``): the 90th percentile of the landmarks' steps, in pixels (NaN
    when no landmark is seen in both). Each frame as computing it alone gives it."""
    scale = np.array(image_size, dtype=np.float64)
    a = np.asarray(previous[..., :2], dtype=np.float64)
    b = np.asarray(current[..., :2], dtype=np.float64)
    if len(a) == 1:  # a live frame: the same figure, without numpy's percentile machinery
        d = (b[0] - a[0]) * scale
        return np.array([_percentile_90(np.sqrt((d * d).sum(axis=-1)).tolist())])
    step = np.linalg.norm((b - a) * scale, axis=-1)
    finite = np.isfinite(step)
    full = finite.all(axis=1)
    out = np.full(len(step), np.nan)
    if full.any():
        out[full] = np.percentile(step[full], 90, axis=1)
    for i in np.flatnonzero(finite.any(axis=1) & ~full).tolist():
        out[i] = np.nanpercentile(step[i], 90)
    return out


def _percentile_90(values: list[float]) -> float:
    """``np.nanpercentile(values, 90)`` (linear), to the last bit, for a short list: the
    same interpolation in the same floating-point steps (NaN when no value is finite)."""
    if not any(math.isfinite(v) for v in values):
        return math.nan
    ordered = sorted(v for v in values if v == v)
    n = len(ordered)
    virtual = (n - 1) * 0.9
    if virtual >= n - 1:
        return ordered[-1]
    i = math.floor(virtual)
    low, high = ordered[i], ordered[i + 1]
    gamma = virtual - i
    diff = high - low
    return high - diff * (1 - gamma) if gamma >= 0.5 else low + diff * gamma


def cut_geometry(landmarks: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """``(T, 6)`` what a camera cut changes, in pixels: hip centre (x, y), shoulder centre
    (x, y) and the left-to-right hip vector (x, y). The pelvis stays on the floor and
    does not turn in any of the exercises, so a lasting change of how the camera sees
    the hip vector means the camera moved."""
    scale = np.array(image_size, dtype=np.float64)
    hip, _ = body_anchor(landmarks, image_size)
    pts = np.asarray(landmarks[:, [11, 12, 23, 24], :2], dtype=np.float64)
    shoulders = 0.5 * (pts[:, 0] + pts[:, 1]) * scale
    pelvis = (pts[:, 3] - pts[:, 2]) * scale
    return np.concatenate([hip, shoulders, pelvis], axis=1)


@dataclass(slots=True)
class _Frame:
    t: float
    landmarks: np.ndarray
    """``(33, 5)``: float64 (live) or the recording's own (float32) values."""
    still: bool
    recording: _Recording | None = None
    """The recording measured in blocks the frame belongs to (None: a live frame)."""
    index: int = -1
    """The frame's number in :attr:`recording`."""
    posture: str = "unknown"
    x: float = math.nan
    geometry: list[float] | None = None
    """:func:`cut_geometry` of the frame, once needed."""


def _stack(frames: list[_Frame]) -> np.ndarray:
    """``(T, 33, 5)`` float64 landmarks of ``frames``."""
    return np.stack([f.landmarks for f in frames]).astype(np.float64, copy=False)


class _Recording:
    """What the engine computes for each frame of a whole recording, computed for all
    frames at once, each frame exactly as the engine computes it for that frame alone:
    identity anchors, landmark steps between neighbouring frames, camera-cut geometry
    and (in blocks, :class:`FrameMeasurements`) the measurement rows, views and postures.
    """

    def __init__(self, landmarks: np.ndarray, image_size: tuple[int, int]) -> None:
        lm = landmarks  # as given (float32): every use computes in float64
        self.size = image_size
        self.landmarks = lm
        hip, torso = body_anchor(lm, image_size)
        self.anchors: list[tuple[float, float, float]] = list(
            zip(hip[:, 0].tolist(), hip[:, 1].tolist(), torso.tolist(), strict=True)
        )
        moved = np.full(len(lm), np.nan)
        if len(lm) > 1:
            xy = np.asarray(lm[:, :, :2], dtype=np.float64)
            moved[1:] = frame_motion(xy[:-1], xy[1:], image_size)
        self.moved: list[float] = moved.tolist()
        """``moved[i]``: :func:`frame_motion` from frame ``i - 1`` to frame ``i``."""
        self._geometry: list[list[float]] | None = None
        self.measurements = FrameMeasurements(lm, image_size)

    def geometry(self, i: int) -> list[float]:
        if self._geometry is None:
            self._geometry = cut_geometry(self.landmarks, self.size).tolist()
        return self._geometry[i]


class ExerciseEngine:
    """The engine, one frame at a time: ``update(pose, t_s)`` → new events.

    Times must not decrease from one frame to the next.

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
        self._relative = self._plan.relative_columns
        self._speed_pairs = self._plan.speed_pairs
        self.machine = StepMachine(spec, self._plan, record=record)
        self._history: deque[_Frame] = deque()
        self._image_size: tuple[int, int] | None = None
        self._baseline: np.ndarray | None = None
        self._offsets: list[tuple[int, float]] = []
        self._recent_rows: deque[tuple[float, list[float]]] = deque()
        self._speed_span = speed_span_s
        self._last: tuple[float, np.ndarray, _Recording | None, int] | None = None
        """Time, landmarks, recording and frame number of the last pose used."""
        self._anchor: tuple[float, float, float] | None = None
        self._anchor_t = -1e9
        self._cut_t: float | None = None
        self._fixed_t = -1e9
        # the newest frame at least 2 * CUT_S old, and the frames not that old yet
        self._before: _Frame | None = None
        self._pending: deque[_Frame] = deque()
        # the frames of the last setup.window_s (spec setup.lowest_is_start)
        self._lowest = spec.setup.lowest_is_start
        self._low_span = min(spec.setup.window_s, HISTORY_S)
        self._low: deque[_Frame] = deque()
        self._low_top: deque[tuple[float, float]] = deque()
        self._low_bad_t = -math.inf
        self._emitted = 0
        self._record = record
        self._times: list[float] = []
        self._rows: list[tuple[list[str], list[float]]] = []
        self._dropped: list[bool] = []

    # -------------------------------------------------------------- public API
    def update(self, pose: Pose | None, t_s: float) -> list[Event]:
        """Feed one frame's pose (``None`` = no pose) at time ``t_s``; the new events."""
        gated = pose
        if pose is not None and self._gating:
            hip, length = body_anchor(pose.landmarks[None], pose.image_size)
            if not self._accept(float(hip[0, 0]), float(hip[0, 1]), float(length[0]), t_s):
                gated = None
        dropped = pose is not None and gated is None
        if self._filter is not None:
            gated = self._filter.update(gated, round(t_s * 1000))
        if gated is None:
            self._step(None, t_s, dropped, False)
        else:
            size = self._image_size = gated.image_size
            landmarks = np.asarray(gated.landmarks, dtype=np.float64)
            speed = 0.0
            previous, self._last = self._last, (t_s, landmarks, None, -1)
            if previous is not None and t_s > previous[0]:
                moved = float(frame_motion(previous[1][None], landmarks[None], size)[0])
                torso = float(body_anchor(landmarks[None], size)[1][0])
                speed = self._speed(moved, torso, t_s - previous[0])
            frame = _Frame(t_s, landmarks, speed < STILL_SPEED)
            self._step(frame, t_s, dropped, speed > MOVING_SPEED)
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
        n = len(self._rows)
        # runs of consecutive rows with the same columns (the plan changes rarely)
        runs: list[tuple[list[str], int, int]] = []
        for i, (columns, _) in enumerate(self._rows):
            if runs and runs[-1][0] is columns:
                continue
            if runs:
                runs[-1] = (runs[-1][0], runs[-1][1], i)
            runs.append((columns, i, n))
            names.extend(name for name in columns if name not in names)
        table = {name: np.full(n, np.nan) for name in names}
        for columns, start, stop in runs:
            if not columns:
                continue
            block = np.array([row for _, row in self._rows[start:stop]], dtype=np.float64)
            for j, name in enumerate(columns):
                table[name][start:stop] = block[:, j]
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

    # -------------------------------------------------------------- recordings
    def feed_recording(self, seq: PoseSequence) -> list[Event]:
        """Feed every frame of a recording at once; the new events.

        The same events as feeding ``seq.pose_at(i)`` at ``seq.times_s[i]`` to
        :meth:`update` frame by frame, but the per-frame quantities (identity anchors,
        landmark speeds, measurement rows, views, postures) are computed for all frames
        in vectorised blocks, each exactly as for that frame alone. The poses are used
        as given: an engine with a causal filter (``smoothing`` not ``"none"``) must be
        fed with :meth:`update`.
        """
        if self._filter is not None:
            raise ValueError("feed_recording needs an engine without a filter (smoothing='none')")
        rec = _Recording(seq.landmarks, seq.image_size)
        size = seq.image_size
        landmarks = rec.landmarks
        anchors = rec.anchors
        moved = rec.moved
        has = seq.has_pose.tolist()
        step = self._step
        for i, t in enumerate(seq.times_s.tolist()):
            if not has[i]:
                step(None, t, False, False)
                continue
            if self._gating and not self._accept(*anchors[i], t):
                step(None, t, True, False)
                continue
            self._image_size = size
            lm = landmarks[i]
            speed = 0.0
            previous, self._last = self._last, (t, lm, rec, i)
            if previous is not None and t > previous[0]:
                if previous[2] is rec and previous[3] == i - 1:
                    m = moved[i]
                else:
                    m = float(frame_motion(previous[1][None], lm[None], size)[0])
                speed = self._speed(m, anchors[i][2], t - previous[0])
            step(_Frame(t, lm, speed < STILL_SPEED, rec, i), t, False, speed > MOVING_SPEED)
        return self._new_events()

    # -------------------------------------------------------------- the step
    def _step(self, frame: _Frame | None, t_s: float, dropped: bool, moving: bool) -> None:
        history = self._history
        if frame is not None:
            history.append(frame)
            pending = self._pending
            pending.append(frame)
            limit = t_s - 2 * CUT_S
            while pending[0].t <= limit:
                self._before = pending.popleft()
        limit = t_s - HISTORY_S
        while history and history[0].t < limit:
            history.popleft()
        machine = self.machine
        if not self._frozen:
            self._provisional_context(t_s)
        elif frame is not None and self._cut_t is None:
            if machine.phase in ("start", "rest", "done", "raising"):
                self._check_cut(t_s)
        elif frame is not None:
            self._settle_after_cut(t_s)
        measured = frame if self._cut_t is None else None  # nothing measured until the
        row, posture, view = self._row(measured, t_s, moving)  # new view is known
        if measured is not None:
            measured.posture = posture
        was_setup = machine.phase == "setup"
        machine.step(t_s, row, posture, view)
        if measured is not None:
            measured.x = machine.x
        if self._lowest:
            self._track_lowest(frame, t_s)
        if was_setup and machine.phase != "setup":
            self._freeze(t_s)
        elif not was_setup and machine.phase == "setup":
            self._frozen = False  # position lost: look for it again
            self._ctx_t = -1e9
        elif self._frozen and self._lowest:
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
    def _accept(self, hip_x: float, hip_y: float, torso: float, t_s: float) -> bool:
        """False for a pose that jumped to another person (re-acquired after a while);
        ``hip_x``, ``hip_y``, ``torso``: its :func:`body_anchor` in pixels."""
        if not (math.isfinite(hip_x) and math.isfinite(hip_y) and math.isfinite(torso)):
            return True
        anchor = self._anchor
        if anchor is not None and t_s - self._anchor_t < REACQUIRE_S:
            x0, y0, s0 = anchor
            size = max(s0, torso, 1e-6)
            ratio = max(s0, torso) / max(min(s0, torso), 1e-6)
            if math.hypot(hip_x - x0, hip_y - y0) > 0.6 * size or ratio > 1.6:
                return False
        self._anchor = (hip_x, hip_y, torso)
        self._anchor_t = t_s
        return True

    @staticmethod
    def _speed(moved: float, torso: float, dt: float) -> float:
        """Landmark speed in torso lengths per second from :func:`frame_motion` (pixels)
        over ``dt`` seconds (0 when unknown)."""
        speed = moved / dt / max(torso, 1e-6)
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
        return estimate_context(_stack(frames), self._image_size)

    def _use_context(self, ctx: Any, frames: list[_Frame]) -> None:
        """Measure from ``ctx`` on; relative columns from the median over ``frames``."""
        self._ctx = ctx
        self._fixed_t = frames[-1].t if frames else self._fixed_t
        near = getattr(ctx, "near_side", None) or "left"
        if near != self._plan.near_side:
            self._plan = ColumnPlan(self.spec, near)
            self._relative = self._plan.relative_columns
            self._speed_pairs = self._plan.speed_pairs
            self.machine.set_plan(self._plan)
        self._baseline = None
        self._offsets = []
        if self._relative and frames:
            rows = self._plan.compute(_stack(frames), ctx)
            self._baseline = self._plan.baseline(rows)
            self._offsets = [(j, float(self._baseline[j])) for j in self._relative]
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
        m.announce_position(t_s)

    def _geometry(self, frame: _Frame) -> list[float]:
        if frame.geometry is None:
            if frame.recording is not None:
                frame.geometry = frame.recording.geometry(frame.index)
            else:
                assert self._image_size is not None
                frame.geometry = cut_geometry(frame.landmarks[None], self._image_size)[0].tolist()
        return frame.geometry

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
        before = self._before
        if (
            before is None
            or before.t < t_s - HISTORY_S  # no longer in the history
            or now.t - before.t > 4 * CUT_S
            or before.t < self._fixed_t
        ):
            return
        m = self.machine
        if m.phase == "raising" and m.rep_start_t < before.t:
            return  # a movement that began before the jump is a movement
        torso = getattr(self._ctx, "torso_length_px", None)
        if not torso:
            return
        b = self._geometry(before)
        a = self._geometry(now)
        moved = math.hypot(a[0] - b[0], a[1] - b[1]) / torso
        moved_too = math.hypot(a[2] - b[2], a[3] - b[3]) / torso
        turned = math.hypot(a[4] / torso - b[4] / torso, a[5] / torso - b[5] / torso)
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

    def _track_lowest(self, frame: _Frame | None, t_s: float) -> None:
        """Keep the frames of the last ``setup.window_s``, when the newest of them did not
        rest still in a start position, and the highest of their primary values."""
        low, top = self._low, self._low_top
        if frame is not None:
            low.append(frame)
            x = frame.x
            if frame.still and frame.posture in self.spec.start_positions and math.isfinite(x):
                while top and top[-1][1] <= x:
                    top.pop()
                top.append((frame.t, x))
            else:
                self._low_bad_t = frame.t
        limit = t_s - self._low_span
        while low and low[0].t < limit:
            low.popleft()
        while top and top[0][0] < limit:
            top.popleft()

    def _check_lowest(self, t_s: float) -> None:
        """Re-fix when the person rests still clearly below the start zone."""
        m = self.machine
        if m.phase not in ("start", "rest", "done") or self._given_ctx is not None:
            return
        window = self.spec.setup.window_s
        low = self._low
        if len(low) < 2 or low[0].t > t_s - 0.9 * window:
            return
        if self._low_bad_t >= t_s - self._low_span:
            return  # not every recent frame rests still in a start position
        if self._low_top[0][1] < m.se - (m.ee - m.se):
            self._refix(t_s, list(low))

    # -------------------------------------------------------------- measuring
    def _row(self, frame: _Frame | None, t_s: float, moving: bool) -> tuple[list[float], str, str]:
        plan = self._plan
        ctx = self._ctx
        if frame is None or ctx is None:
            return [math.nan] * len(plan.columns), "unknown", "unknown"
        if frame.recording is not None:
            row, view, posture = frame.recording.measurements.row(frame.index, plan, ctx)
        else:
            assert self._image_size is not None
            rows, views, postures = measure_frames(
                frame.landmarks[None], self._image_size, plan, ctx
            )
            row, view, posture = rows[0].tolist(), views[0], postures[0]
        for j, offset in self._offsets:
            row[j] -= offset
        # speeds: backward differences over at least SPEED_SPAN_S (time-based)
        recent = self._recent_rows
        if recent and t_s <= recent[-1][0]:
            recent.clear()
        recent.append((t_s, row))
        limit = t_s - self._speed_span
        while len(recent) > 2 and recent[1][0] <= limit:
            recent.popleft()
        t0, old = recent[0]
        for j, base in self._speed_pairs:
            row[j] = (row[base] - old[base]) / (t_s - t0) if t_s > t0 else math.nan
        self.machine.speed_lag = 0.5 * (t_s - t0)
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
    the smoothed poses gives. The engine's per-frame quantities (identity anchor,
    landmark speed, measurements, view, posture) are computed for the whole
    recording in vectorised blocks, each frame exactly as live, so the per-frame
    loop does only scalar work.
    """
    smoothed = _smooth(seq, smoothing) if len(seq) else seq
    engine = ExerciseEngine(
        spec,
        smoothing="none",
        context=context,
        drop_other_people=drop_other_people,
        record=True,
    )
    engine.feed_recording(smoothed)
    times = smoothed.times_s
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
