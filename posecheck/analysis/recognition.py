"""Which of the exercises a recording shows (or ``none``), from the poses alone.

Every exercise spec is tried on the recording (its rules-engine run plus the
spec's own zones) and scored by three pieces of evidence:

- **start position** — of the frames where the primary measurement is in the
  spec's start zone, the fraction whose posture is one of the spec's start
  positions (``supine`` counts half for ``hook_lying``: a leg may be straight);
- **movement** — the primary measurement goes from the start zone into the end
  zone and back (hysteresis on the spec's thresholds), repeatedly or held:
  counted excursions, or the engine's repetitions;
- **form** — the share of the repetition time without faults that mean a
  different exercise (e.g. hips lifted into a bridge during a pelvic tilt).

``score = position × movement × form``; the best score wins when it reaches
:data:`MIN_SCORE`, else the answer is ``none``. The confidence is that score,
lowered when the runner-up comes close (or ``1 − best`` for ``none``).

Stills (a start photo and an end photo, or any sequence with frames
:data:`STILLS_GAP_S` or more apart) are not a recording the causal engine can
follow: it recognises a start position only after ``setup.window_s`` seconds of
stillness and takes resting heights from those frames. They are shown to it as
the recording they stand for (:func:`replay_stills`): each still held, the
person moving from one to the next, and back to the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from posecheck.analysis.result import Recognition
from posecheck.pose.types import PoseSequence

if TYPE_CHECKING:
    from posecheck.engine import EngineRun
    from posecheck.specs import ExerciseSpec

MIN_SCORE = 0.35
"""Below this best score the recording is ``none``."""
SUPINE_FOR_HOOK = 0.5
"""Credit of a ``supine`` frame when the spec wants ``hook_lying`` (one leg may be straight)."""
FORM_PENALTY = 1.0
MIN_START_FRAMES = 1
DEPTH_WEIGHT = 0.15
DEPTH_FULL = 3.0
"""Excursion depth (start threshold → peak, in start-to-end threshold distances) for full credit."""
EXCLUDING_FAULTS: dict[str, tuple[str, ...]] = {
    "pelvic_tilt": ("hips_lifted",),  # hips lifted: a bridge
    "back_extension": ("legs_bent",),  # kneeling: child's pose, bird dog
    "trunk_rotation": ("knees_apart",),  # one knee moved alone: knee to chest, dead bug
}
"""Faults that, in every repetition, mean a different exercise."""
OTHER_EXERCISE_FORM = 0.2
STILL_LIMBS: dict[str, tuple[float, float]] = {"pelvic_tilt": (0.12, 0.25)}
"""Exercises done with still limbs: limb motion (torso lengths) for full credit and for none."""
STILLS_GAP_S = 0.5
"""Frames this far apart (median) are stills (photos), not a video."""
STILLS_MAX_FRAMES = 12
"""At most this many stills are replayed as a recording."""
REPLAY_FPS = 10.0
REPLAY_HOLD_S = 2.0
"""Each still is held this long in the replay (longer than every spec's setup window)."""
REPLAY_MOVE_S = 1.5
"""Moving from one still to the next takes this long in the replay."""


@dataclass
class SpecEvidence:
    """The evidence for one exercise."""

    position: float = 0.0
    movement: float = 0.0
    form: float = 1.0
    excursions: int = 0
    reps: int = 0
    start_frames: int = 0
    depth: float = 0.0

    @property
    def score(self) -> float:
        """position × movement × form, nudged (≤ 15 %) by how deep the end zone is reached."""
        return (self.position * self.movement * self.form
                * (1.0 - DEPTH_WEIGHT + DEPTH_WEIGHT * min(self.depth / DEPTH_FULL, 1.0)))

    def describe(self) -> str:
        return (f"position {self.position:.2f} × movement {self.movement:.2f} "
                f"(excursions {self.excursions}, reps {self.reps}) × form {self.form:.2f}, "
                f"depth {self.depth:.1f}")


@dataclass
class RecognitionOutcome:
    """The decision, each candidate's engine run and its evidence."""

    recognition: Recognition
    runs: dict[str, EngineRun] = field(default_factory=dict)
    evidence: dict[str, SpecEvidence] = field(default_factory=dict)


def excursions(values: np.ndarray, spec: ExerciseSpec) -> tuple[int, np.ndarray, np.ndarray]:
    """Start-zone → end-zone visits of ``values`` with the spec's hysteresis.

    Returns the number of times the end zone was reached from the start zone,
    and the per-frame "in start zone" and "in end zone" masks.
    """
    primary = spec.primary
    sign = 1.0 if primary.increasing else -1.0
    v = sign * np.asarray(values, dtype=float)
    start_enter, start_exit = sign * primary.start_zone.enter, sign * primary.start_zone.exit
    end_enter, end_exit = sign * primary.end_zone.enter, sign * primary.end_zone.exit
    in_start = np.zeros(len(v), bool)
    in_end = np.zeros(len(v), bool)
    state = ""  # "", start, away (left start), end, back (left end)
    reached = 0
    for i, x in enumerate(v.tolist()):
        if x == x:  # not NaN (NaN keeps the state)
            state, counted = _step(state, x, start_enter, start_exit, end_enter, end_exit)
            reached += counted
        in_start[i] = state == "start"
        in_end[i] = state == "end"
    return reached, in_start, in_end


def _step(
    state: str, x: float, start_enter: float, start_exit: float, end_enter: float,
    end_exit: float,
) -> tuple[str, int]:
    """Follow the zone transitions one value allows (several may happen in one frame)."""
    counted = 0
    for _ in range(4):
        new = state
        if state in ("", "back") and x <= start_enter:
            new = "start"
        elif state == "start" and x > start_exit:
            new = "away"
        elif state == "away" and x >= end_enter:
            new = "end"
            counted += 1
        elif state == "away" and x <= start_enter:
            new = "start"
        elif state == "end" and x < end_exit:
            new = "back"
        elif state == "back" and x >= end_enter:
            new = "end"
        if new == state:
            break
        state = new
    return state, counted


def _position_fit(postures: np.ndarray, mask: np.ndarray, spec: ExerciseSpec) -> float:
    chosen = postures[mask]
    if len(chosen) == 0:
        return 0.0
    wanted = set(spec.start_positions)
    credit = np.isin(chosen, list(wanted)).astype(float)
    if "hook_lying" in wanted and "supine" not in wanted:
        credit[chosen == "supine"] = SUPINE_FOR_HOOK
    return float(credit.mean())


def _form(run: EngineRun, spec: ExerciseSpec) -> float:
    """1 when at least one repetition is free of faults that mean another exercise.

    E.g. a pelvic tilt whose every repetition lifts the hips is a bridge.
    """
    excluding = set(EXCLUDING_FAULTS.get(spec.id, ()))
    if not run.reps or not excluding:
        return 1.0
    clean = [rep for rep in run.reps if not excluding & set(rep.faults)]
    return 1.0 if clean else OTHER_EXERCISE_FORM


def limb_motion(seq: PoseSequence, mask: np.ndarray) -> float:
    """Largest range of a wrist, knee, ankle or shoulder around the hips in ``mask`` frames.

    In torso lengths (95th − 5th percentile of the offset from the hip centre).
    """
    from posecheck.measure import geometry as g

    if mask.sum() < 2:
        return float("nan")
    px = g.to_pixels(np.asarray(seq.landmarks[mask], dtype=float), seq.image_size)
    hip = g.mid(px, "hip")
    with np.errstate(invalid="ignore"):
        torso = float(np.nanmedian(g.norm(g.mid(px, "shoulder") - hip)))
    if not np.isfinite(torso) or torso <= 0:
        return float("nan")
    ranges = []
    for part in ("wrist", "knee", "ankle", "shoulder"):
        for side in ("left", "right"):
            offset = (px[:, g.index(f"{side}_{part}")] - hip) / torso
            if np.isfinite(offset).sum() < 4:
                continue
            spread = np.nanpercentile(offset, 95, axis=0) - np.nanpercentile(offset, 5, axis=0)
            ranges.append(float(np.nanmax(spread)))
    return max(ranges) if ranges else float("nan")


def _stillness(spec: ExerciseSpec, run: EngineRun, seq: PoseSequence) -> float:
    """For exercises where the limbs stay put (pelvic tilt): 1 still … 0 moving a lot.

    Judged over the whole recording except repetitions with excluding faults: a
    bridge or a squat moves the knees and shoulders around the hips, a pelvic
    tilt (lying or on hands and knees) does not.
    """
    limits = STILL_LIMBS.get(spec.id)
    if limits is None:
        return 1.0
    mask = np.asarray(seq.has_pose).copy()
    excluding = set(EXCLUDING_FAULTS.get(spec.id, ()))
    if excluding and len(run.times_s) == len(seq):
        # repetitions that are another exercise (hips lifted into a bridge) were judged
        # by their faults already: the stillness is judged on the rest of the recording
        for rep in run.reps:
            if excluding & set(rep.faults):
                mask &= (run.times_s < rep.start_s) | (run.times_s > rep.end_s)
    motion = limb_motion(seq, mask)
    if not np.isfinite(motion):
        return 1.0
    still, moving = limits
    return float(np.clip((moving - motion) / (moving - still), 0.0, 1.0))


def excursion_depth(values: np.ndarray, spec: ExerciseSpec) -> float:
    """How far the primary goes past the start threshold, in start-to-end threshold distances.

    1 = just reaches the end zone; uses the 95th percentile (the peak of a photo pair).
    """
    primary = spec.primary
    sign = 1.0 if primary.increasing else -1.0
    finite = sign * np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    span = sign * (primary.end_zone.enter - primary.start_zone.enter)
    if finite.size == 0 or span <= 0:
        return 0.0
    peak = float(np.percentile(finite, 95)) if finite.size > 2 else float(finite.max())
    return max(0.0, (peak - sign * primary.start_zone.enter) / span)


def movement_score(reps: int, excursions_: int, frames: int) -> float:
    """Evidence of the exercise's movement: engine repetitions, or bare zone excursions.

    Engine repetitions (start position recognised, start → end → start) count
    fully from two on. Zone excursions without an engine repetition count half,
    except for a two-frame sequence (a start and an end photo), where they are
    all there is.
    """
    if reps >= 2:
        return 1.0
    if reps == 1:
        return 0.8
    if excursions_ > 0:
        return 0.8 if frames <= 2 else 0.3
    return 0.0


def evidence_for(
    spec: ExerciseSpec, run: EngineRun, postures: np.ndarray, seq: PoseSequence
) -> SpecEvidence:
    """Score one spec from its engine run and the per-frame postures."""
    values = np.asarray(run.measurements.get("primary", np.full(len(postures), np.nan)))
    reached, in_start, _ = excursions(values, spec)
    ev = SpecEvidence(excursions=reached, reps=len(run.reps), start_frames=int(in_start.sum()))
    if ev.start_frames < MIN_START_FRAMES:
        return ev
    ev.position = _position_fit(postures, in_start, spec)
    ev.movement = movement_score(len(run.reps), reached, len(values))
    ev.depth = excursion_depth(values, spec)
    ev.form = _form(run, spec) * _stillness(spec, run, seq)
    return ev


def _postures(seq: PoseSequence) -> np.ndarray:
    from posecheck.measure import classify_posture, estimate_context

    ctx = estimate_context(seq)
    view = getattr(ctx, "view", None)
    return np.asarray(
        classify_posture(seq.landmarks, seq.image_size, ctx.floor_angle_deg,
                         view="feet" if view == "feet" else None)
    ).astype(str)


def decide(evidence: dict[str, SpecEvidence]) -> Recognition:
    """The exercise (or ``none``) and its confidence from every candidate's evidence."""
    scores = {name: ev.score for name, ev in evidence.items()}
    reasons = {name: ev.describe() for name, ev in evidence.items()}
    if not scores:
        return Recognition("none", 1.0, {}, {"none": "no exercise specs"})
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score < MIN_SCORE:
        return Recognition("none", float(np.clip(1.0 - best_score, 0.0, 1.0)), scores, reasons)
    margin = best_score - runner_up
    confidence = best_score * min(1.0, 0.5 + margin / max(best_score, 1e-6))
    return Recognition(best, float(np.clip(confidence, 0.0, 1.0)), scores, reasons)


def is_stills(seq: PoseSequence) -> bool:
    """``seq`` is a few photos (frames :data:`STILLS_GAP_S` or more apart), not a video."""
    if not 2 <= len(seq) <= STILLS_MAX_FRAMES:
        return False
    return float(np.median(np.diff(seq.times_s))) >= STILLS_GAP_S


def replay_stills(seq: PoseSequence) -> PoseSequence:
    """The recording that stills stand for, at :data:`REPLAY_FPS`.

    Each still (a frame with a pose) is held :data:`REPLAY_HOLD_S`; between two
    stills the landmarks move linearly (smoothstep in time) over
    :data:`REPLAY_MOVE_S`; after the last still the person returns to the
    first one, as after a repetition. Stills without a pose are left out.
    """
    kept = [i for i in range(len(seq)) if seq.has_pose[i]]
    if len(kept) < 2:
        return seq
    stills = [np.asarray(seq.landmarks[i], dtype=np.float64) for i in kept]
    stills.append(stills[0])
    hold = max(1, round(REPLAY_HOLD_S * REPLAY_FPS))
    move = max(1, round(REPLAY_MOVE_S * REPLAY_FPS))
    frames: list[np.ndarray] = []
    for k, still in enumerate(stills):
        frames.extend([still] * hold)
        if k + 1 < len(stills):
            for j in range(1, move):
                u = j / move
                w = u * u * (3.0 - 2.0 * u)
                frames.append((1.0 - w) * still + w * stills[k + 1])
    landmarks = np.stack(frames).astype(np.float32)
    n = len(landmarks)
    timestamps = np.round(np.arange(n) * 1000.0 / REPLAY_FPS).astype(np.int64)
    world = np.full((n, landmarks.shape[1], 3), np.nan, dtype=np.float32)
    return PoseSequence(timestamps, landmarks, world, seq.image_size, REPLAY_FPS, seq.source)


def recognise(
    seq: PoseSequence,
    specs: dict[str, ExerciseSpec],
    *,
    smoothing: str = "butterworth",
    smoothed: PoseSequence | None = None,
    runs: dict[str, Any] | None = None,
) -> RecognitionOutcome:
    """Recognise the exercise in raw poses ``seq`` (every spec's engine run is kept).

    Stills (:func:`is_stills`) are recognised on their replay
    (:func:`replay_stills`, no smoothing); the runs of that replay are not kept
    (they do not line up with the frames of ``seq``).
    """
    from posecheck.engine import analyze_sequence

    if is_stills(seq):
        replay = replay_stills(seq)
        if replay is not seq:
            outcome = recognise(replay, specs, smoothing="none", smoothed=replay)
            return RecognitionOutcome(outcome.recognition, {}, outcome.evidence)
    if smoothed is None:
        from posecheck.smoothing import make_smoother

        smoothed = make_smoother(smoothing).smooth(seq) if len(seq) > 2 else seq
    postures = _postures(smoothed)
    all_runs: dict[str, EngineRun] = dict(runs or {})
    evidence: dict[str, SpecEvidence] = {}
    for name, spec in specs.items():
        if name not in all_runs:
            all_runs[name] = analyze_sequence(spec, seq, smoothing=smoothing)
        evidence[name] = evidence_for(spec, all_runs[name], postures, smoothed)
    return RecognitionOutcome(decide(evidence), all_runs, evidence)
