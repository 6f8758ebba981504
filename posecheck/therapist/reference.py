"""Reference demonstrations: a therapist shows an exercise once; patients are measured against it.

A reference is recorded from any source (camera, video, landmark file): the
poses are run through the exercise engine with the spec, and the file keeps
what later comparisons need. File format (JSON, UTF-8), ``schema
posecheck.reference/1``::

    {
      "schema": "posecheck.reference/1",
      "created": "2025-01-31T10:00:00+00:00",      # ISO 8601
      "posecheck_version": "0.1.0",
      "exercise": {"id": "knee_to_chest", "version": 1, "name": {"nl": ..., "en": ...}},
      "source": "demo.mp4", "fps": 30.0, "image_size": [w, h],
      "view": "side", "position": "hook_lying", "near_side": "left",
      "primary": {"measurement": "hip_flexion", "side": "moving", "direction": "increase",
                  "unit": "deg", "still_speed": 20},
      "times_s": [...],                           # one per frame, seconds
      "measurements": {"hip_flexion.left": [...], ...},  # engine traces, null = not measurable
      "phases": ["setup", "start", "raising", ...], # engine phase per frame
      "landmarks": [null | [[x, y, z, visibility, presence] * 33], ...],  # normalised
      "reps": [
        {"index": 0, "side": "left", "start_s": 2.1, "end_s": 14.0,
         "hold_start_s": 4.0, "hold_end_s": 12.5, "hold_s": 8.5, "completed": true,
         "peak": {"hip_flexion": 121.3}, "primary_key": "hip_flexion.left",
         "postures": {
           "start": {"t_s": 2.1, "frame": 63, "values": {"hip_flexion": 48.0, ...}},
           "end":   {"t_s": 4.2, "frame": 126, "values": {...}},   # primary at its extreme
           "hold":  {"t_s": 8.2, "frame": 246, "values": {...}}    # middle of the hold
         }}
      ]
    }

Angles follow the measurement vocabulary's conventions (degrees, 0° = straight
joint). Times are seconds from the start of the demonstration; sides are the
person's own.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posecheck.errors import PosecheckError
from posecheck.i18n import Text
from posecheck.pose.types import NUM_LANDMARKS, Pose, PoseSequence

if TYPE_CHECKING:
    from posecheck.engine import EngineRun
    from posecheck.specs.model import ExerciseSpec

SCHEMA = "posecheck.reference/1"
POSTURE_NAMES = ("start", "end", "hold")


class ReferenceError(PosecheckError):
    """A reference file cannot be read or a demonstration cannot be recorded."""


@dataclass(frozen=True)
class KeyPosture:
    """One moment of a demonstrated repetition and the measurement values then."""

    name: str
    t_s: float
    frame: int
    values: dict[str, float]


@dataclass(frozen=True)
class ReferenceRep:
    """One demonstrated repetition."""

    index: int
    side: str | None
    start_s: float
    end_s: float
    hold_start_s: float | None
    hold_end_s: float | None
    hold_s: float | None
    completed: bool
    peak: dict[str, float]
    postures: dict[str, KeyPosture] = field(default_factory=dict)
    primary_key: str = ""
    """The trace of the primary measurement in this rep (e.g. ``hip_flexion.left``)."""


@dataclass(frozen=True)
class Reference:
    """A recorded demonstration (see the module docstring for the file format)."""

    spec_id: str
    spec_version: int
    exercise_name: Text
    primary_measurement: str
    """The vocabulary name of the spec's primary measurement (e.g. ``hip_flexion``)."""
    primary_side: str
    """The spec's side selector of the primary (``moving``, ``near``, ``none`` …)."""
    primary_direction: str
    primary_unit: str
    primary_still_speed: float
    """|speed| (units/s) under which the primary counts as still (the spec's)."""
    times_s: np.ndarray
    measurements: dict[str, np.ndarray]
    phases: tuple[str, ...]
    landmarks: np.ndarray
    """``(T, 33, 5)`` normalised landmarks, NaN where no pose was found."""
    reps: tuple[ReferenceRep, ...]
    fps: float
    image_size: tuple[int, int]
    source: str = ""
    created: str = ""
    view: str = "unknown"
    position: str = "unknown"
    near_side: str | None = None
    posecheck_version: str = ""

    # --- queries -------------------------------------------------------------------

    @property
    def duration_s(self) -> float:
        return float(self.times_s[-1] - self.times_s[0]) if len(self.times_s) else 0.0

    def rep_for(self, side: str | None) -> ReferenceRep | None:
        """The first completed demonstrated rep of ``side`` (any rep when none matches)."""
        done = [r for r in self.reps if r.completed] or list(self.reps)
        for rep in done:
            if side is None or rep.side is None or rep.side == side:
                return rep
        return done[0] if done else None

    @property
    def primary_keys(self) -> list[str]:
        """The primary's trace keys used by the reps, in rep order, without repeats."""
        keys: list[str] = []
        for rep in self.reps:
            if rep.primary_key and rep.primary_key not in keys:
                keys.append(rep.primary_key)
        return keys

    def primary_key_at(self, frame: int) -> str:
        """The primary's trace key around ``frame`` (that of the rep it lies in, or the first)."""
        t = float(self.times_s[frame])
        for rep in self.reps:
            if rep.start_s <= t <= rep.end_s:
                return rep.primary_key
        return self.primary_keys[0] if self.primary_keys else self.primary_measurement

    def frame_range(self, start_s: float, end_s: float) -> slice:
        """Frames whose time lies in ``[start_s, end_s]``."""
        lo = int(np.searchsorted(self.times_s, start_s, side="left"))
        hi = int(np.searchsorted(self.times_s, end_s, side="right"))
        return slice(lo, max(hi, lo + 1))

    def range_shown(self, side: str | None = None) -> tuple[float, float] | None:
        """``(start, peak)`` of the primary measurement in the demonstrated rep of ``side``.

        ``start`` is the value in the start posture, ``peak`` the furthest value
        towards the end position. ``None`` when no rep was demonstrated.
        """
        rep = self.rep_for(side)
        if rep is None:
            return None
        name = rep.primary_key
        start = rep.postures.get("start")
        end = rep.postures.get("end")
        if start is None or end is None or name not in start.values or name not in end.values:
            return None
        return start.values[name], end.values[name]

    def pose_at(self, frame: int) -> Pose | None:
        """The demonstrated pose in ``frame`` (``None`` when none was found)."""
        lm = self.landmarks[frame]
        if np.isnan(lm[0, 0]):
            return None
        return Pose(round(self.times_s[frame] * 1000), self.image_size, lm)

    def as_sequence(self) -> PoseSequence:
        """The demonstration's landmarks as a :class:`PoseSequence` (no world landmarks)."""
        n = len(self.times_s)
        return PoseSequence(
            timestamps_ms=np.round(self.times_s * 1000).astype(np.int64),
            landmarks=self.landmarks.astype(np.float32),
            world_landmarks=np.full((n, NUM_LANDMARKS, 3), np.nan, dtype=np.float32),
            image_size=self.image_size,
            fps=self.fps,
            source=self.source,
        )

    def summary_lines(self) -> list[str]:
        """A short human-readable summary (English, for the terminal)."""
        lines = [
            f"Reference of {self.exercise_name.en} (spec {self.spec_id} v{self.spec_version})",
            f"  source: {self.source or '-'}   recorded: {self.created or '-'}",
            f"  {len(self.times_s)} frames, {self.duration_s:.1f} s at {self.fps:.1f} fps; "
            f"view {self.view}, position {self.position}, near side {self.near_side or '-'}",
            f"  primary measurement: {self.primary_measurement} ({self.primary_side} side, "
            f"{self.primary_direction}, {self.primary_unit})",
            f"  repetitions: {len(self.reps)}",
        ]
        for rep in self.reps:
            hold = f", hold {rep.hold_s:.1f} s" if rep.hold_s else ""
            shown = self.range_shown(rep.side) if rep.side else None
            rng = f", range {shown[0]:.0f} → {shown[1]:.0f}" if shown else ""
            lines.append(
                f"    #{rep.index + 1} {rep.side or ''} {rep.start_s:.1f}–{rep.end_s:.1f} s"
                f"{hold}{rng}{'' if rep.completed else ' (not completed)'}"
            )
            for posture in rep.postures.values():
                vals = ", ".join(
                    f"{k} {v:.2f}" if measurement_unit(k.partition(".")[0]) != "deg"
                    else f"{k} {v:.0f}°"
                    for k, v in sorted(posture.values.items())
                    if _shown(k)
                )
                lines.append(f"       {posture.name:<5} at {posture.t_s:5.1f} s: {vals}")
        return lines

    # --- (de)serialisation -------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The JSON document of this reference."""
        return {
            "schema": SCHEMA,
            "created": self.created,
            "posecheck_version": self.posecheck_version,
            "exercise": {
                "id": self.spec_id,
                "version": self.spec_version,
                "name": self.exercise_name.as_dict(),
            },
            "source": self.source,
            "fps": self.fps,
            "image_size": list(self.image_size),
            "view": self.view,
            "position": self.position,
            "near_side": self.near_side,
            "primary": {
                "measurement": self.primary_measurement,
                "side": self.primary_side,
                "direction": self.primary_direction,
                "unit": self.primary_unit,
                "still_speed": self.primary_still_speed,
            },
            "times_s": [round(float(t), 4) for t in self.times_s],
            "measurements": {k: _floats(v, 3) for k, v in self.measurements.items()},
            "phases": list(self.phases),
            "landmarks": [
                None if np.isnan(f[0, 0]) else [_floats(p, 5) for p in f] for f in self.landmarks
            ],
            "reps": [_rep_json(r) for r in self.reps],
        }


def _shown(key: str) -> bool:
    """Trace keys worth printing (no speeds, no engine bookkeeping, no max/min columns)."""
    base, _, side = key.partition(".")
    return (
        not key.startswith("speed:") and side not in ("max", "min")
        and measurement_unit(base) != ""
    )


def _floats(values: np.ndarray, digits: int) -> list[float | None]:
    return [None if not math.isfinite(float(v)) else round(float(v), digits) for v in values]


def _rep_json(rep: ReferenceRep) -> dict[str, Any]:
    return {
        "index": rep.index,
        "side": rep.side,
        "start_s": rep.start_s,
        "end_s": rep.end_s,
        "hold_start_s": rep.hold_start_s,
        "hold_end_s": rep.hold_end_s,
        "hold_s": rep.hold_s,
        "completed": rep.completed,
        "peak": rep.peak,
        "primary_key": rep.primary_key,
        "postures": {
            name: {"t_s": p.t_s, "frame": p.frame, "values": p.values}
            for name, p in rep.postures.items()
        },
    }


def save_reference(reference: Reference, path: str | Path) -> Path:
    """Write ``reference`` as JSON (atomically: a crash never leaves half a file)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(reference.to_json(), ensure_ascii=False), encoding="utf-8")
    tmp.replace(out)
    return out


def load_reference(path: str | Path) -> Reference:
    """Read a reference file; :class:`ReferenceError` names the file and the bad key."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReferenceError(f"Cannot read reference '{file}': {exc.strerror or exc}") from exc
    except json.JSONDecodeError as exc:
        raise ReferenceError(f"{file}: not a reference file (invalid JSON: {exc})") from exc
    try:
        return _from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        what = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ReferenceError(f"{file}: not a valid {SCHEMA} file: {what}") from exc


def _from_json(data: Any) -> Reference:
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"schema: must be \"{SCHEMA}\"")
    ex = data["exercise"]
    times = np.asarray(data["times_s"], dtype=np.float64)
    n = len(times)
    measurements = {
        str(k): np.array([np.nan if v is None else v for v in vals], dtype=np.float64)
        for k, vals in data["measurements"].items()
    }
    for k, arr in measurements.items():
        if len(arr) != n:
            raise ValueError(f"measurements.{k}: {len(arr)} values for {n} frames")
    raw_lm = data["landmarks"]
    if len(raw_lm) != n:
        raise ValueError(f"landmarks: {len(raw_lm)} frames for {n} times")
    landmarks = np.full((n, NUM_LANDMARKS, 5), np.nan, dtype=np.float32)
    for i, frame in enumerate(raw_lm):
        if frame is not None:
            arr = np.array(
                [[np.nan if v is None else v for v in point] for point in frame], dtype=np.float32
            )
            if arr.shape != (NUM_LANDMARKS, 5):
                raise ValueError(f"landmarks[{i}]: must be 33 points of 5 numbers")
            landmarks[i] = arr
    phases = tuple(str(p) for p in data.get("phases", [""] * n))
    reps = tuple(_rep_from_json(r) for r in data["reps"])
    primary = data["primary"]
    size = data["image_size"]
    return Reference(
        spec_id=str(ex["id"]),
        spec_version=int(ex["version"]),
        exercise_name=Text(**ex["name"]),
        primary_measurement=str(primary["measurement"]),
        primary_side=str(primary.get("side", "none")),
        primary_direction=str(primary.get("direction", "increase")),
        primary_unit=str(primary.get("unit", "deg")),
        primary_still_speed=float(primary.get("still_speed", 20.0)),
        times_s=times,
        measurements=measurements,
        phases=phases,
        landmarks=landmarks,
        reps=reps,
        fps=float(data["fps"]),
        image_size=(int(size[0]), int(size[1])),
        source=str(data.get("source", "")),
        created=str(data.get("created", "")),
        view=str(data.get("view", "unknown")),
        position=str(data.get("position", "unknown")),
        near_side=data.get("near_side"),
        posecheck_version=str(data.get("posecheck_version", "")),
    )


def _rep_from_json(r: dict[str, Any]) -> ReferenceRep:
    def opt(key: str) -> float | None:
        value = r.get(key)
        return None if value is None else float(value)

    postures = {
        str(name): KeyPosture(
            name=str(name),
            t_s=float(p["t_s"]),
            frame=int(p["frame"]),
            values={str(k): float(v) for k, v in p["values"].items()},
        )
        for name, p in r.get("postures", {}).items()
    }
    return ReferenceRep(
        index=int(r["index"]),
        side=r.get("side"),
        start_s=float(r["start_s"]),
        end_s=float(r["end_s"]),
        hold_start_s=opt("hold_start_s"),
        hold_end_s=opt("hold_end_s"),
        hold_s=opt("hold_s"),
        completed=bool(r.get("completed", True)),
        peak={str(k): float(v) for k, v in r.get("peak", {}).items()},
        postures=postures,
        primary_key=str(r["primary_key"]),
    )


# --- recording -----------------------------------------------------------------------


def measurement_unit(name: str) -> str:
    """The unit of a vocabulary measurement (``""`` for anything else, e.g. ``held_s``)."""
    from posecheck.measure import MEASUREMENTS

    base = MEASUREMENTS.get(name)
    return str(base.unit) if base is not None else ""


_OPPOSITE = {"left": "right", "right": "left"}
START_LOOKBACK_S = 3.0
"""How far before a rep's start the start posture is looked for."""


def primary_key(
    measurement: str,
    selector: str,
    side: str | None,
    near_side: str | None,
    available: Collection[str],
) -> str | None:
    """The trace key holding the primary measurement for a rep of ``side``.

    Engine traces are named ``<measurement>`` (unsided) or
    ``<measurement>.<left|right|max|min>``; ``selector`` is the spec's side
    selector (``moving`` = the side being exercised, ``near`` = nearest the
    camera …). ``None`` when no such trace exists.
    """
    near = near_side if near_side in _OPPOSITE else "left"
    if selector in ("none", "signed"):
        wanted = [measurement]
    elif selector in ("left", "right", "max", "min"):
        wanted = [f"{measurement}.{selector}"]
    elif selector == "near":
        wanted = [f"{measurement}.{near}"]
    elif selector == "far":
        wanted = [f"{measurement}.{_OPPOSITE[near]}"]
    elif selector == "other":
        wanted = [f"{measurement}.{_OPPOSITE[side]}"] if side in _OPPOSITE else []
    else:  # moving
        wanted = [f"{measurement}.{side}"] if side in _OPPOSITE else []
        wanted.append(f"{measurement}.max")
    wanted += [measurement, f"{measurement}.{near}"]
    for key in wanted:
        if key in available:
            return key
    for key in sorted(available):
        if key.startswith(measurement + "."):
            return key
    return None


def rep_postures(
    times_s: np.ndarray,
    measurements: dict[str, np.ndarray],
    phases: list[str] | tuple[str, ...],
    primary: str,
    increasing: bool,
    start_s: float,
    end_s: float,
    still_speed: float = 20.0,
) -> tuple[dict[str, KeyPosture], tuple[float, float] | None]:
    """Key postures of one rep: start (resting just before), end (primary at its extreme), hold.

    Returns the postures and the hold interval ``(start_s, end_s)`` (or ``None``).
    """
    lo = int(np.searchsorted(times_s, start_s, side="left"))
    hi = max(int(np.searchsorted(times_s, end_s, side="right")), lo + 1)
    lo = min(lo, len(times_s) - 1)
    hi = min(hi, len(times_s))

    def at(name: str, frame: int) -> KeyPosture:
        values = {
            k: float(v[frame]) for k, v in measurements.items() if math.isfinite(float(v[frame]))
        }
        return KeyPosture(name=name, t_s=float(times_s[frame]), frame=int(frame), values=values)

    postures: dict[str, KeyPosture] = {}
    values = measurements[primary]
    trace = values[lo:hi]
    start_frame = lo
    finite = np.flatnonzero(np.isfinite(trace))
    if len(finite):
        start_frame = lo + int(finite[0])
    # The engine starts a rep when the movement leaves the start zone; the start
    # *posture* is the resting one just before: the last frame before the rep
    # where the primary was still (|speed| < still_speed), at most
    # START_LOOKBACK_S earlier.
    first = int(np.searchsorted(times_s, start_s - START_LOOKBACK_S))
    if lo - first >= 3:
        window = values[first:lo + 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            speed = np.abs(np.gradient(window, times_s[first:lo + 1]))
        still = np.flatnonzero(speed < still_speed)
        if len(still):
            start_frame = first + int(still[-1])
    postures["start"] = at("start", start_frame)
    if len(finite):
        peak_rel = int(np.nanargmax(trace) if increasing else np.nanargmin(trace))
        postures["end"] = at("end", lo + peak_rel)
    hold_frames = [i for i in range(lo, hi) if i < len(phases) and phases[i] == "hold"]
    hold: tuple[float, float] | None = None
    if hold_frames:
        mid = hold_frames[len(hold_frames) // 2]
        postures["hold"] = at("hold", mid)
        hold = (float(times_s[hold_frames[0]]), float(times_s[hold_frames[-1]]))
    return postures, hold


def reference_from_run(
    spec: ExerciseSpec, seq: PoseSequence, run: EngineRun, *, source: str = ""
) -> Reference:
    """Build a :class:`Reference` from a demonstration's poses and its engine run."""
    from posecheck import __version__

    if not run.reps:
        raise ReferenceError(
            f"No repetition of '{spec.id}' was recognised in the demonstration"
            f"{' ' + source if source else ''}: record the start position, then at least "
            "one whole repetition."
        )
    measurements = {k: np.asarray(v, dtype=np.float64) for k, v in run.measurements.items()}
    times = np.asarray(run.times_s, dtype=np.float64)
    phases = tuple(str(p) for p in run.phases)
    reps: list[ReferenceRep] = []
    for rep in run.reps:
        primary = primary_key(
            spec.primary.measurement, spec.primary.side, rep.side, run.near_side, measurements
        )
        if primary is None:
            raise ReferenceError(
                f"The engine produced no trace of the primary measurement "
                f"'{spec.primary.measurement}' (traces: {', '.join(sorted(measurements))})."
            )
        postures, hold = rep_postures(
            times, measurements, phases, primary, spec.primary.increasing, rep.start_s,
            rep.end_s, spec.primary.still_speed,
        )
        reps.append(
            ReferenceRep(
                index=rep.index,
                side=rep.side,
                start_s=float(rep.start_s),
                end_s=float(rep.end_s),
                hold_start_s=hold[0] if hold else None,
                hold_end_s=hold[1] if hold else None,
                hold_s=None if rep.hold_s is None else float(rep.hold_s),
                completed=bool(rep.completed),
                peak={k: float(v) for k, v in rep.peak.items()},
                postures=postures,
                primary_key=primary,
            )
        )
    return Reference(
        spec_id=spec.id,
        spec_version=spec.version,
        exercise_name=spec.name,
        primary_measurement=spec.primary.measurement,
        primary_side=spec.primary.side,
        primary_direction=spec.primary.direction,
        primary_unit=measurement_unit(spec.primary.measurement),
        primary_still_speed=spec.primary.still_speed,
        times_s=times,
        measurements=measurements,
        phases=phases,
        landmarks=np.asarray(seq.landmarks, dtype=np.float32),
        reps=tuple(reps),
        fps=float(seq.fps),
        image_size=(int(seq.image_size[0]), int(seq.image_size[1])),
        source=source or seq.source,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        view=str(run.view),
        position=str(run.position),
        near_side=run.near_side,
        posecheck_version=__version__,
    )


def record_reference(
    spec: ExerciseSpec, seq: PoseSequence, *, smoothing: str = "butterworth", source: str = ""
) -> Reference:
    """Analyse a demonstration's poses with ``spec`` and keep it as a reference."""
    from posecheck.engine import analyze_sequence

    run = analyze_sequence(spec, seq, smoothing=smoothing)
    return reference_from_run(spec, seq, run, source=source)
