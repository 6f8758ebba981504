"""Compare a patient's repetitions with a therapist's reference demonstration.

Per repetition:

1. **Which demonstrated rep.** The reference rep done in the same camera
   set-up role (moving leg nearest the camera, or farthest) is preferred, then
   the same side. When sides differ, left and right are swapped for the
   comparison (a right rep is compared with a demonstrated left rep as if
   mirrored).
2. **Traces.** The spec's measurement traces of both reps, paired by role:
   the primary measurement (on the moving side), unsided measurements, and
   sided ones only where that side faces the camera in both recordings (far-side
   limbs are measured 10–60° off by MediaPipe, see ``docs/therapist.md``).
   Distances in torso lengths count 1 % as 1°. Resampled to 10 Hz.
3. **Dynamic time warping** (:mod:`posecheck.therapist.dtw`) aligns them, so a
   slower or faster patient is not penalised for tempo; the cost of a step is
   the mean absolute difference over the paired traces, in degrees.
4. **Similarity score (0–100).** ``d`` = the mean cost per step of the warping
   path, i.e. *by how many degrees the aligned movements differ on average*.
   ``similarity = 100 × max(0, 1 − d / 50°)``: 100 = identical traces, every
   0.5° of mean deviation costs one point (5° → 90, 15° → 70, 25° → 50), a mean
   deviation of 50° or more scores 0. Tempo does not count; shape and range do.
5. **Per-phase deviations**, patient − reference, for every paired trace in
   three key postures: ``start`` (start of the rep), ``end`` (the primary
   measurement at its extreme: how far the patient went) and ``hold`` (middle
   of the hold).

When the patient's run has no recognised repetition, the demonstrated rep is
searched in the whole recording (subsequence DTW: the best-matching stretch,
either side moving) and that is scored (``whole_recording = True``), so an
attempt that never reached the end position still gets a score.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from posecheck.i18n import Text
from posecheck.therapist.dtw import dtw, resample
from posecheck.therapist.reference import (
    KeyPosture,
    Reference,
    ReferenceRep,
    measurement_unit,
    primary_key,
    rep_postures,
)

if TYPE_CHECKING:
    from posecheck.engine import EngineRun, ExerciseEngine
    from posecheck.engine.events import RepRecord
    from posecheck.pose.types import Pose
    from posecheck.specs.model import ExerciseSpec

RESAMPLE_HZ = 10.0
SIMILARITY_SCALE_DEG = 50.0
"""Mean DTW deviation (degrees) at which the similarity score reaches 0."""
SHORTFALL_MIN_DEG = 8.0
"""A patient's end position counts as "not as far as shown" beyond this many degrees…"""
SHORTFALL_FRACTION = 0.10
"""…or beyond this fraction of the demonstrated range, whichever is larger."""
GOOD_SIMILARITY = 70.0
"""At or above this score a rep is reported as "like the demonstration"."""
UNIT_SCALE: dict[str, float] = {"deg": 1.0, "torso": 100.0, "ratio": 100.0}
"""Per unit: how many "degrees" one unit counts as in the DTW cost."""
MIN_CHANNEL_COVERAGE = 0.5
"""A trace takes part in DTW when at least this fraction of its samples is measurable."""

# What moves, per measurement, for the live message ("knee not as far as shown").
BODY_PART: dict[str, Text] = {
    "hip_flexion": Text(nl="Knie", en="Knee"),
    "knee_to_chest_distance": Text(nl="Knie", en="Knee"),
    "knee_flexion": Text(nl="Knie", en="Knee"),
    "pelvic_tilt": Text(nl="Bekken", en="Pelvis"),
    "knee_rotation": Text(nl="Knieën", en="Knees"),
    "trunk_curl": Text(nl="Bovenlichaam", en="Upper body"),
    "fingers_to_knee_distance": Text(nl="Vingers", en="Fingers"),
    "shoulder_lift": Text(nl="Schouders", en="Shoulders"),
    "arm_lift": Text(nl="Armen", en="Arms"),
    "leg_lift": Text(nl="Benen", en="Legs"),
    "trunk_extension": Text(nl="Bovenlichaam", en="Upper body"),
}
MOVEMENT = Text(nl="Beweging", en="Movement")

MSG_SHORT = Text(
    nl="{part} minder ver dan voorgedaan: {patient} i.p.v. {reference}",
    en="{part} not as far as shown: {patient} vs {reference}",
)
MSG_DIFFERENT = Text(
    nl="Anders dan voorgedaan (gelijkenis {score}/100)",
    en="Different from the demonstration (similarity {score}/100)",
)
MSG_GOOD = Text(
    nl="Zoals voorgedaan (gelijkenis {score}/100)",
    en="Like the demonstration (similarity {score}/100)",
)


def similarity_from_deviation(mean_deviation_deg: float) -> float:
    """The 0–100 score for a mean DTW deviation in degrees (see the module docstring)."""
    if not math.isfinite(mean_deviation_deg):
        return 0.0
    return float(100.0 * max(0.0, 1.0 - mean_deviation_deg / SIMILARITY_SCALE_DEG))


@dataclass(frozen=True)
class PhaseDeviation:
    """A measurement in one key posture: the patient's value vs the reference's."""

    phase: str
    measurement: str
    patient: float
    reference: float
    unit: str = "deg"

    @property
    def deviation(self) -> float:
        """``patient − reference`` (in the measurement's unit)."""
        return self.patient - self.reference

    def as_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "measurement": self.measurement,
            "patient": round(self.patient, 2),
            "reference": round(self.reference, 2),
            "deviation": round(self.deviation, 2),
            "unit": self.unit,
        }


@dataclass(frozen=True)
class RepComparison:
    """How one of the patient's repetitions compares with the demonstration."""

    rep_index: int | None
    """The patient's rep index (``None`` for a whole-recording comparison)."""
    side: str | None
    reference_rep_index: int | None
    similarity: float
    """0–100 (see the module docstring)."""
    mean_deviation: float
    """Mean absolute deviation along the DTW path, in degrees."""
    channels: tuple[str, ...]
    primary: str
    increasing: bool
    deviations: tuple[PhaseDeviation, ...] = ()
    reference_range: tuple[float, float] | None = None
    """``(start, peak)`` of the primary measurement in the reference rep."""
    whole_recording: bool = False

    def deviation(self, phase: str, measurement: str | None = None) -> PhaseDeviation | None:
        name = measurement or self.primary
        for dev in self.deviations:
            if dev.phase == phase and dev.measurement == name:
                return dev
        return None

    @property
    def shortfall(self) -> float | None:
        """How far (in the primary's unit, > 0) the patient's end position fell short.

        ``None`` when either end position is unknown; ≤ 0 when the patient went
        at least as far as shown.
        """
        end = self.deviation("end")
        if end is None:
            return None
        return -end.deviation if self.increasing else end.deviation

    @property
    def short_of_reference(self) -> bool:
        """True when the end position fell short by more than the tolerance."""
        short = self.shortfall
        if short is None:
            return False
        shown = 0.0
        if self.reference_range is not None:
            shown = abs(self.reference_range[1] - self.reference_range[0])
        scale = _unit_scale(self.primary)
        return short * scale > max(SHORTFALL_MIN_DEG, SHORTFALL_FRACTION * shown * scale)

    def message(self) -> Text:
        """The message shown at the end of the rep (see :func:`rep_message`)."""
        return rep_message(self)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rep_index": self.rep_index,
            "side": self.side,
            "reference_rep_index": self.reference_rep_index,
            "similarity": round(self.similarity, 1),
            "mean_deviation_deg": (
                round(self.mean_deviation, 2) if math.isfinite(self.mean_deviation) else None
            ),
            "channels": list(self.channels),
            "primary": self.primary,
            "short_of_reference": self.short_of_reference,
            "deviations": [d.as_dict() for d in self.deviations],
            "whole_recording": self.whole_recording,
            "message": self.message().as_dict(),
        }


@dataclass(frozen=True)
class Comparison:
    """All of a patient's repetitions compared with one reference."""

    reference_source: str
    spec_id: str
    spec_version: int
    reps: tuple[RepComparison, ...] = field(default_factory=tuple)

    @property
    def similarity(self) -> float | None:
        """Mean similarity over the compared reps (``None`` when nothing was compared)."""
        if not self.reps:
            return None
        return float(np.mean([r.similarity for r in self.reps]))

    def as_dict(self) -> dict[str, Any]:
        """The ``comparison`` field of an analysis report."""
        sim = self.similarity
        return {
            "reference": self.reference_source,
            "exercise": self.spec_id,
            "spec_version": self.spec_version,
            "similarity": None if sim is None else round(sim, 1),
            "similarity_scale": (
                f"100 = identical traces; 100 x max(0, 1 - d / {SIMILARITY_SCALE_DEG:.0f}°), "
                "d = mean angle deviation along the DTW alignment"
            ),
            "reps": [r.as_dict() for r in self.reps],
        }


def rep_message(comparison: RepComparison) -> Text:
    """The bilingual end-of-rep message, e.g. "Knee not as far as shown: 95° vs 120°".

    Priority: a too small range first (the most useful thing to hear), then an
    overall dissimilar movement, otherwise praise with the score.
    """
    score = f"{comparison.similarity:.0f}"
    end = comparison.deviation("end")
    if comparison.short_of_reference and end is not None:
        part = BODY_PART.get(comparison.primary.partition(".")[0], MOVEMENT)
        texts = {}
        for lang in ("nl", "en"):
            patient, ref = _format_value(end.patient, end.unit, lang), _format_value(
                end.reference, end.unit, lang
            )
            short = MSG_SHORT.nl if lang == "nl" else MSG_SHORT.en
            texts[lang] = short.format(part=part.get(lang), patient=patient, reference=ref)
        return Text(nl=texts["nl"], en=texts["en"])
    template = MSG_GOOD if comparison.similarity >= GOOD_SIMILARITY else MSG_DIFFERENT
    return Text(nl=template.nl.format(score=score), en=template.en.format(score=score))


def _format_value(value: float, unit: str, lang: str) -> str:
    """``95°`` for angles; torso lengths as a percentage (``12 % romplengte``)."""
    if unit == "deg":
        return f"{value:.0f}°"
    if unit == "torso":
        return f"{value * 100:.0f} % " + ("romplengte" if lang == "nl" else "torso length")
    return f"{value:.2f}"


# --- comparing traces ----------------------------------------------------------------


@dataclass(frozen=True)
class _Pair:
    """A reference trace and the patient's trace it is compared with."""

    ref: str
    own: str


def _included(name: str) -> bool:
    """Whether a trace takes part in DTW besides the primary.

    Speeds, the engine's bookkeeping traces (``primary``, ``held_s``) and the
    left/right ``max``/``min`` columns are left out.
    """
    if name.startswith("speed:"):
        return False
    base, _, side = name.partition(".")
    return side not in ("max", "min") and measurement_unit(base) in UNIT_SCALE


def _unit_scale(name: str) -> float:
    """Factor to "degree-equivalents": 1 for angles, 100 for torso lengths (1 % = 1°)."""
    return UNIT_SCALE.get(measurement_unit(name.removeprefix("speed:").partition(".")[0]), 1.0)


_OPPOSITE = {"left": "right", "right": "left"}


def _pairs(
    ref_keys: Collection[str],
    own_keys: Collection[str],
    ref_primary: str,
    own_primary: str,
    ref_side: str | None,
    own_side: str | None,
    ref_near: str | None,
    own_near: str | None,
) -> list[_Pair]:
    """Traces to compare, paired by role (see the module docstring); the primary first."""
    out: list[_Pair] = []
    if ref_primary in ref_keys and own_primary in own_keys:
        out.append(_Pair(ref_primary, own_primary))
    ref_near = ref_near if ref_near in _OPPOSITE else "left"
    own_near = own_near if own_near in _OPPOSITE else "left"
    bases = sorted({k.partition(".")[0] for k in ref_keys if _included(k)})
    for base in bases:
        if base in ref_keys:
            candidates = [(base, base)]
        elif ref_side in _OPPOSITE and own_side in _OPPOSITE:
            candidates = [
                (f"{base}.{rs}", f"{base}.{os}")
                for rs, os in ((ref_side, own_side), (_OPPOSITE[ref_side], _OPPOSITE[own_side]))
                if rs == ref_near and os == own_near
            ]
        else:
            candidates = [(f"{base}.{ref_near}", f"{base}.{own_near}")]
        for ref, own in candidates:
            if ref in ref_keys and own in own_keys and ref != ref_primary and own != own_primary:
                out.append(_Pair(ref, own))
    return out


def _coverage(values: np.ndarray) -> float:
    return float(np.isfinite(values).mean()) if len(values) else 0.0


@dataclass(frozen=True)
class _Alignment:
    mean_deviation: float
    pairs: tuple[_Pair, ...]
    span_s: tuple[float, float] | None = None
    """The patient's matched time span (subsequence alignment)."""


def _align(
    ref_times: np.ndarray,
    ref_values: Mapping[str, np.ndarray],
    times: np.ndarray,
    values: Mapping[str, np.ndarray],
    pairs: Sequence[_Pair],
    *,
    subsequence: bool = False,
) -> _Alignment:
    """DTW of two segments over ``pairs`` (pairs measurable in < half a segment are dropped)."""
    used = tuple(
        p
        for p in pairs
        if _coverage(ref_values[p.ref]) >= MIN_CHANNEL_COVERAGE
        and _coverage(values[p.own]) >= MIN_CHANNEL_COVERAGE
    )
    if not used or len(ref_times) == 0 or len(times) == 0:
        return _Alignment(math.inf, used)
    scale = np.array([_unit_scale(p.ref) for p in used])
    a = resample(ref_times, np.column_stack([ref_values[p.ref] for p in used]), RESAMPLE_HZ)
    b = resample(times, np.column_stack([values[p.own] for p in used]), RESAMPLE_HZ)
    result = dtw(a * scale, b * scale, subsequence=subsequence)
    span = None
    if subsequence:
        j0, j1 = int(result.path[0, 1]), int(result.path[-1, 1])
        span = (float(times[0] + j0 / RESAMPLE_HZ), float(times[0] + j1 / RESAMPLE_HZ))
    return _Alignment(result.mean_cost, used, span)


def _slice(times: np.ndarray, start_s: float, end_s: float) -> slice:
    lo = int(np.searchsorted(times, start_s, side="left"))
    hi = int(np.searchsorted(times, end_s, side="right"))
    return slice(lo, max(hi, lo + 1))


def _deviations(
    ref_postures: Mapping[str, KeyPosture],
    postures: Mapping[str, KeyPosture],
    pairs: Sequence[_Pair],
) -> tuple[PhaseDeviation, ...]:
    out = []
    for phase in ("start", "end", "hold"):
        r, p = ref_postures.get(phase), postures.get(phase)
        if r is None or p is None:
            continue
        for pair in pairs:
            if pair.ref in r.values and pair.own in p.values:
                out.append(
                    PhaseDeviation(
                        phase=phase,
                        measurement=pair.own,
                        patient=p.values[pair.own],
                        reference=r.values[pair.ref],
                        unit=measurement_unit(pair.own.partition(".")[0]),
                    )
                )
    return tuple(out)


def reference_rep_for(
    reference: Reference, side: str | None, near_side: str | None
) -> ReferenceRep | None:
    """The demonstrated rep a patient rep of ``side`` (camera on ``near_side``) is compared with.

    Preferred: the same set-up role (moving side nearest the camera or not),
    then the same side; completed reps before abandoned ones.
    """
    candidates = [r for r in reference.reps if r.completed] or list(reference.reps)
    if not candidates:
        return None

    def rank(rep: ReferenceRep) -> tuple[bool, bool]:
        same_role = True
        if rep.side in _OPPOSITE and side in _OPPOSITE:
            same_role = (rep.side == reference.near_side) == (side == near_side)
        return same_role, rep.side == side

    return max(candidates, key=rank)


def _arrays(measurements: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=np.float64) for k, v in measurements.items()}


def compare_rep(
    reference: Reference,
    rep: RepRecord,
    times_s: np.ndarray,
    measurements: Mapping[str, np.ndarray],
    phases: Sequence[str] = (),
    *,
    near_side: str | None = None,
) -> RepComparison:
    """Compare one patient rep (``rep`` over the run's per-frame traces) with the reference.

    ``times_s``/``measurements``/``phases`` may be the whole run or just the
    frames around this rep (the live app keeps a buffer); ``near_side`` is the
    patient's side facing the camera.
    """
    times = np.asarray(times_s, dtype=np.float64)
    increasing = reference.primary_direction == "increase"
    arrays = _arrays(measurements)
    ref_rep = reference_rep_for(reference, rep.side, near_side)
    own_key = primary_key(
        reference.primary_measurement, reference.primary_side, rep.side, near_side, arrays
    )
    if ref_rep is None or own_key is None:
        return RepComparison(
            rep_index=rep.index, side=rep.side, reference_rep_index=None, similarity=0.0,
            mean_deviation=math.inf, channels=(), primary=own_key or reference.primary_measurement,
            increasing=increasing,
        )
    pairs = _pairs(
        reference.measurements, arrays, ref_rep.primary_key, own_key,
        ref_rep.side, rep.side, reference.near_side, near_side,
    )
    r_sl = reference.frame_range(ref_rep.start_s, ref_rep.end_s)
    p_sl = _slice(times, rep.start_s, rep.end_s)
    alignment = _align(
        reference.times_s[r_sl],
        {p.ref: reference.measurements[p.ref][r_sl] for p in pairs},
        times[p_sl],
        {p.own: arrays[p.own][p_sl] for p in pairs},
        pairs,
    )
    postures, _ = rep_postures(
        times, arrays, list(phases), own_key, increasing, rep.start_s, rep.end_s,
        reference.primary_still_speed,
    )
    return RepComparison(
        rep_index=rep.index,
        side=rep.side,
        reference_rep_index=ref_rep.index,
        similarity=similarity_from_deviation(alignment.mean_deviation),
        mean_deviation=alignment.mean_deviation,
        channels=tuple(p.own for p in alignment.pairs),
        primary=own_key,
        increasing=increasing,
        deviations=_deviations(ref_rep.postures, postures, alignment.pairs),
        reference_range=reference.range_shown(ref_rep.side),
    )


UNRECOGNISED_SIMILARITY_CAP = 50.0
"""A recording in which the engine recognised no repetition scores at most this:
a stretch whose traces resemble the demonstration (a crunch's hip angle looks like
a knee pull) is still not the exercise, because it never went start → end → start
with the spec's start position and thresholds."""


def compare_whole(
    reference: Reference,
    times_s: np.ndarray,
    measurements: Mapping[str, np.ndarray],
    phases: Sequence[str] = (),
    *,
    near_side: str | None = None,
) -> RepComparison:
    """Find and score the stretch of a recording (no recognised rep) most like the demonstration.

    Subsequence DTW of the demonstrated rep against the whole recording, with
    either side as the moving one; the better of the two counts.
    """
    times = np.asarray(times_s, dtype=np.float64)
    increasing = reference.primary_direction == "increase"
    arrays = _arrays(measurements)
    ref_rep = reference_rep_for(reference, None, near_side)
    best: tuple[_Alignment, str, str | None] | None = None
    if ref_rep is not None:
        r_sl = reference.frame_range(ref_rep.start_s, ref_rep.end_s)
        sides: tuple[str | None, ...] = ("left", "right") if ref_rep.side else (None,)
        for side in sides:
            own_key = primary_key(
                reference.primary_measurement, reference.primary_side, side, near_side, arrays
            )
            if own_key is None:
                continue
            ok = np.flatnonzero(np.isfinite(arrays[own_key]))
            if len(ok) < 2:
                continue
            p_sl = slice(int(ok[0]), int(ok[-1]) + 1)
            pairs = _pairs(
                reference.measurements, arrays, ref_rep.primary_key, own_key,
                ref_rep.side, side, reference.near_side, near_side,
            )
            alignment = _align(
                reference.times_s[r_sl],
                {p.ref: reference.measurements[p.ref][r_sl] for p in pairs},
                times[p_sl],
                {p.own: arrays[p.own][p_sl] for p in pairs},
                pairs,
                subsequence=True,
            )
            if best is None or alignment.mean_deviation < best[0].mean_deviation:
                best = (alignment, own_key, side)
    if best is None or ref_rep is None:
        return RepComparison(
            rep_index=None, side=None, reference_rep_index=None, similarity=0.0,
            mean_deviation=math.inf, channels=(), primary=reference.primary_measurement,
            increasing=increasing, whole_recording=True,
        )
    alignment, own_key, side = best
    deviations: tuple[PhaseDeviation, ...] = ()
    if alignment.span_s is not None:
        postures, _ = rep_postures(
            times, arrays, list(phases), own_key, increasing, *alignment.span_s,
            reference.primary_still_speed,
        )
        postures.pop("hold", None)
        deviations = _deviations(ref_rep.postures, postures, alignment.pairs)
    return RepComparison(
        rep_index=None,
        side=side,
        reference_rep_index=ref_rep.index,
        similarity=min(
            similarity_from_deviation(alignment.mean_deviation), UNRECOGNISED_SIMILARITY_CAP
        ),
        mean_deviation=alignment.mean_deviation,
        channels=tuple(p.own for p in alignment.pairs),
        primary=own_key,
        increasing=increasing,
        deviations=deviations,
        reference_range=reference.range_shown(ref_rep.side),
        whole_recording=True,
    )


def compare_run(reference: Reference, run: EngineRun, *, reference_source: str = "") -> Comparison:
    """Compare every repetition of an engine run with the reference (see the module docstring).

    The run must come from the same exercise spec as the reference (any
    version); the patient's overrides (hold, ROM target …) may differ.
    """
    times = np.asarray(run.times_s, dtype=np.float64)
    measurements = _arrays(run.measurements)
    phases = [str(p) for p in run.phases]
    if run.reps:
        reps = tuple(
            compare_rep(reference, rep, times, measurements, phases, near_side=run.near_side)
            for rep in run.reps
        )
    else:
        reps = (compare_whole(reference, times, measurements, phases, near_side=run.near_side),)
    return Comparison(
        reference_source=reference_source or reference.source,
        spec_id=reference.spec_id,
        spec_version=reference.spec_version,
        reps=reps,
    )


class LiveComparator:
    """Keeps the current exercise's per-frame measurements and compares each finished rep.

    Usage by the live app (after ``engine.update`` of each frame, and at each
    ``RepCompleted`` event of that update)::

        comparator = LiveComparator(load_reference(path), spec)
        comparator.update(pose, t_s, engine)                 # every frame
        text = comparator.rep_completed(event.rep).message()  # a bilingual Text

    The measurements are the spec's columns (as the engine computes them),
    taken from the pose One-Euro-filtered like the engine's, in the engine's
    measuring context.
    """

    def __init__(
        self, reference: Reference, spec: ExerciseSpec, *, max_seconds: float = 600.0
    ) -> None:
        from posecheck.smoothing import make_filter

        self.reference = reference
        self.spec = spec
        self.max_seconds = max_seconds
        self.near_side: str | None = None
        self._filter = make_filter("one_euro")
        self._plans: dict[str, Any] = {}
        self._times: list[float] = []
        self._values: dict[str, list[float]] = {}
        self._phases: list[str] = []

    def update(self, pose: Pose | None, t_s: float, engine: ExerciseEngine) -> None:
        """Measure one frame the way ``engine`` does and remember it."""
        from posecheck.engine.columns import ColumnPlan

        state = engine.state
        self.near_side = state.near_side or self.near_side
        filtered = self._filter.update(pose, round(t_s * 1000))
        values: dict[str, float] = {}
        ctx = engine.context
        if filtered is not None and ctx is not None:
            near = self.near_side or "left"
            plan = self._plans.get(near)
            if plan is None:
                plan = self._plans[near] = ColumnPlan(self.spec, near)
            row = plan.compute(np.asarray(filtered.landmarks, dtype=np.float64)[None], ctx)[0]
            values = {name: float(v) for name, v in zip(plan.columns, row, strict=True)}
        self.add(t_s, values, state.phase)

    def add(self, t_s: float, values: Mapping[str, float | None], phase: str = "") -> None:
        """Record one frame's measurement values (missing names count as not measurable)."""
        n = len(self._times)
        self._times.append(float(t_s))
        self._phases.append(phase)
        for name in set(self._values) | set(values):
            column = self._values.setdefault(name, [math.nan] * n)
            value = values.get(name)
            column.append(math.nan if value is None else float(value))
        if self._times[-1] - self._times[0] > self.max_seconds:
            self._drop(len(self._times) // 2)

    def _drop(self, count: int) -> None:
        del self._times[:count]
        del self._phases[:count]
        for column in self._values.values():
            del column[:count]

    def rep_completed(self, rep: RepRecord) -> RepComparison:
        """Compare the finished ``rep`` and forget the frames before its end."""
        result = compare_rep(
            self.reference,
            rep,
            np.asarray(self._times),
            {k: np.asarray(v) for k, v in self._values.items()},
            self._phases,
            near_side=self.near_side,
        )
        keep_from = int(np.searchsorted(np.asarray(self._times), rep.end_s, side="left"))
        self._drop(keep_from)
        return result
