"""One input → :class:`~posecheck.analysis.result.AnalysisResult` (and its files).

Steps: poses (the model over a video, or a recorded landmark file) →
zero-phase smoothing → exercise recognition (``auto``) or the named exercise →
the patient's overrides of that exercise (``--patient``, see
:mod:`posecheck.analysis.patient`) → the rules engine
(:func:`posecheck.engine.analyze_sequence`) → comparison with the patient's
reference demonstration (if the profile names one) → result. The
writers then produce the JSON report, the HTML page, the per-frame CSV and the
annotated video (:func:`process_input`, the batch task).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posecheck.analysis.batch import FileOutcome, Job
from posecheck.analysis.recognition import RecognitionOutcome, recognise
from posecheck.analysis.report import EXERCISES, build_report, write_report
from posecheck.analysis.result import (
    UNKNOWN,
    AnalysisResult,
    FaultRecord,
    ModelRef,
    Recognition,
    Traces,
)
from posecheck.errors import PosecheckError, SourceError
from posecheck.i18n import Text
from posecheck.pose.io import is_landmark_file, read_landmarks, read_metadata
from posecheck.pose.types import PoseSequence

if TYPE_CHECKING:
    from posecheck.engine import EngineRun
    from posecheck.specs import ExerciseSpec
    from posecheck.therapist.profile import PatientProfile

ProgressFn = Callable[[int, int | None], None]

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv",
                  ".flv", ".3gp", ".ogv")
GENERAL_MEASUREMENTS = ("hip_flexion", "knee_flexion", "trunk_curl", "trunk_lean")
"""Measurements put in the CSV/plots when no exercise is recognised (those that exist)."""

NO_PERSON = Text(
    nl="Geen persoon gevonden in '{source}'. Zorg dat het hele lichaam in beeld is.",
    en="No person found in '{source}'. Make sure the whole body is in view.",
)


def is_video_file(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


@dataclass(frozen=True)
class AnalysisSettings:
    """How to analyse and what to write (picklable: it travels to worker processes)."""

    exercise: str = "auto"
    lang: str = "nl"
    smoothing: str = "butterworth"
    model_path: str | None = None
    model: ModelRef = field(default_factory=ModelRef)
    out_dir: Path | None = None
    report_path: Path | None = None
    annotate: bool = False
    html: bool = False
    csv: bool = False
    spec_folder: Path | None = None
    patient: PatientProfile | None = None
    """``--patient``: the profile whose demands (and reference) apply."""


@dataclass
class Analysis:
    """The result plus what the writers need to replay it."""

    result: AnalysisResult
    spec: ExerciseSpec | None
    smoothed: PoseSequence
    run: EngineRun | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _model_from_metadata(meta: dict[str, Any]) -> ModelRef:
    model = meta.get("model")
    if isinstance(model, dict):
        return ModelRef(str(model.get("variant") or UNKNOWN), str(model.get("sha256") or ""))
    return ModelRef(str(meta.get("model_variant") or UNKNOWN), str(meta.get("model_sha256") or ""))


def load_poses(
    path: Path, settings: AnalysisSettings, progress: ProgressFn | None = None
) -> tuple[PoseSequence, ModelRef, Path | None]:
    """Raw poses of ``path``, the model that made them and the video to draw on (if any)."""
    if is_landmark_file(path):
        seq = read_landmarks(path)
        meta = read_metadata(path)
        video = Path(str(meta.get("source", "")))
        return seq, _model_from_metadata(meta), video if video.is_file() else None
    if not path.is_file():
        raise SourceError(f"'{path}' does not exist or is not a file.")
    from posecheck.pose.extract import extract_poses

    seq = extract_poses(path, model_path=settings.model_path, progress=progress)
    return seq, settings.model, path


def _sides_per_frame(times: np.ndarray, reps: list[Any]) -> list[str | None]:
    sides: list[str | None] = [None] * len(times)
    for rep in reps:
        inside = np.flatnonzero((times >= rep.start_s - 1e-6) & (times <= rep.end_s + 1e-6))
        for i in inside:
            sides[int(i)] = rep.side
    return sides


def _general_measurements(seq: PoseSequence) -> dict[str, np.ndarray]:
    try:
        from posecheck.measure import MEASUREMENTS, compute, estimate_context
    except ImportError:
        return {}
    if not seq.has_pose.any():
        return {}
    ctx = estimate_context(seq, seq.image_size)
    out: dict[str, np.ndarray] = {}
    for name in GENERAL_MEASUREMENTS:
        definition = MEASUREMENTS.get(name)
        if definition is None:
            continue
        side = (ctx.near_side or "left") if getattr(definition, "sided", False) else None
        try:
            out[name] = np.asarray(compute(name, seq.landmarks, ctx, side), dtype=float)
        except (ValueError, KeyError):
            continue
    return out


def trace_columns(columns: dict[str, np.ndarray], primary: str) -> dict[str, np.ndarray]:
    """The engine's per-frame columns for reports: the primary (side in use) under its own
    name first, then the sided/check columns and the hold clock; speeds are left out."""
    out: dict[str, np.ndarray] = {}
    if "primary" in columns:
        out[primary] = np.asarray(columns["primary"], dtype=float)
    for name, values in columns.items():
        if name == "primary" or name.startswith("speed:") or name in out:
            continue
        out[name] = np.asarray(values, dtype=float)
    return out


def _spec_unit(spec: ExerciseSpec) -> str:
    try:
        from posecheck.measure import MEASUREMENTS
    except ImportError:
        return ""
    definition = MEASUREMENTS.get(spec.primary.measurement)
    return str(getattr(definition, "unit", "")) if definition is not None else ""


def analyze_poses(
    seq: PoseSequence,
    *,
    exercise: str = "auto",
    source: str = "",
    model: ModelRef | None = None,
    smoothing: str = "butterworth",
    specs: dict[str, ExerciseSpec] | None = None,
    patient: PatientProfile | None = None,
) -> Analysis:
    """Analyse raw poses: recognise (``auto``) or use ``exercise``, then run the engine.

    With ``patient`` the engine measures against the patient's version of the
    exercise (recognition itself uses the standard specs) and the repetitions
    are compared with the profile's reference demonstration, if any.
    """
    from posecheck.analysis.patient import (
        comparison_for,
        patient_block,
        patient_spec,
        program_note,
    )
    from posecheck.engine import analyze_sequence
    from posecheck.smoothing import make_smoother
    from posecheck.specs import load_all_specs

    source = source or seq.source
    if len(seq) == 0 or not seq.has_pose.any():
        raise SourceError(NO_PERSON.get("en", source=source))
    specs = specs if specs is not None else load_all_specs()
    smoothed = make_smoother(smoothing).smooth(seq)
    run: EngineRun | None = None
    if exercise == "auto":
        outcome: RecognitionOutcome = recognise(seq, specs, smoothing=smoothing, smoothed=smoothed)
        recognition = outcome.recognition
        run = outcome.runs.get(recognition.exercise)
    elif exercise == "none":
        recognition = Recognition("none", 1.0, {}, {"none": "set by the user"})
    else:
        if exercise not in specs:
            raise PosecheckError(
                f"Unknown exercise '{exercise}': use auto, none or one of {', '.join(EXERCISES)}."
            )
        recognition = Recognition(exercise, 1.0, {}, {exercise: "set by the user"})
    spec = specs.get(recognition.exercise) if recognition.exercise != "none" else None
    standard_spec = spec
    if spec is not None and patient is not None:
        tuned = patient_spec(patient, recognition.exercise, spec)
        if tuned is not spec:  # the patient's demands: (re-)run the engine with them
            spec, run = tuned, None
    if spec is not None and run is None:
        run = analyze_sequence(spec, seq, smoothing=smoothing)

    times = seq.times_s
    n = len(seq)
    duration = float(times[-1] - times[0]) + (1.0 / seq.fps if seq.fps > 0 else 0.0)
    if run is not None and spec is not None:
        reps = list(run.reps)
        faults = [
            FaultRecord(f.code, float(f.start_s), float(f.end_s), f.message, str(f.severity))
            for f in run.faults
        ]
        measurements = trace_columns(run.measurements, spec.primary.measurement)
        phases = [str(p) for p in run.phases]
        view, position = str(run.view or UNKNOWN), str(run.position or UNKNOWN)
        near_side = run.near_side
    else:
        reps, faults, phases = [], [], ["setup"] * n
        measurements = _general_measurements(smoothed)
        view, position, near_side = _view_and_position(smoothed)
    traces = Traces(
        times_s=np.asarray(times, dtype=float),
        has_pose=np.asarray(seq.has_pose),
        measurements=measurements,
        phases=phases,
        sides=_sides_per_frame(np.asarray(times, dtype=float), reps),
    )
    result = AnalysisResult(
        source=source,
        model=model or ModelRef(),
        recognition=recognition,
        view=view,
        fps=float(seq.fps),
        frames=n,
        duration_s=max(duration, 0.0),
        pose_frames=int(seq.has_pose.sum()),
        reps=reps,
        faults=faults,
        traces=traces,
        position=position,
        near_side=near_side,
        primary_measurement=None if spec is None else spec.primary.measurement,
        primary_target=None if spec is None else tuple(spec.primary.target),  # type: ignore[arg-type]
        primary_unit="" if spec is None else _spec_unit(spec),
        exercise_name=None if spec is None else spec.name,
        image_size=tuple(seq.image_size),  # type: ignore[arg-type]
    )
    if patient is not None:
        note = program_note(patient, recognition.exercise, None if spec is None else spec.name)
        result.patient = patient_block(patient, recognition.exercise, standard_spec, note)
        if spec is not None:
            result.comparison = comparison_for(patient, recognition.exercise, run)
    return Analysis(result, spec, smoothed, run)


def _view_and_position(seq: PoseSequence) -> tuple[str, str, str | None]:
    try:
        from posecheck.measure import estimate_context
        from posecheck.measure.posture import classify_posture, dominant
    except ImportError:
        return UNKNOWN, UNKNOWN, None
    ctx = estimate_context(seq, seq.image_size)
    postures = classify_posture(seq.landmarks, seq.image_size, ctx.floor_angle_deg)
    return str(ctx.view), dominant(postures), ctx.near_side


# -- key frames ---------------------------------------------------------------------------


def key_frame_indices(analysis: Analysis) -> list[tuple[int, Text]]:
    """Frames worth showing: the start position and the peak of each repetition."""
    result = analysis.result
    traces = result.traces
    times = traces.times_s
    out: list[tuple[int, Text]] = []
    starts = [i for i, p in enumerate(traces.phases) if p == "start"]
    with_pose = np.flatnonzero(traces.has_pose)
    first = starts[0] if starts else (int(with_pose[0]) if len(with_pose) else 0)
    out.append((first, Text(nl="Startpositie", en="Start position")))
    primary = result.primary_measurement
    values = traces.measurements.get(primary) if primary else None
    increasing = analysis.spec is None or analysis.spec.primary.increasing
    for rep in result.reps:
        inside = np.flatnonzero((times >= rep.start_s) & (times <= rep.end_s))
        if len(inside) == 0:
            continue
        index = int(inside[len(inside) // 2])
        if values is not None:
            segment = values[inside]
            if np.isfinite(segment).any():
                pick = np.nanargmax(segment) if increasing else np.nanargmin(segment)
                index = int(inside[int(pick)])
        side = {"left": (" links", " left"), "right": (" rechts", " right")}.get(
            rep.side or "", ("", ""))
        out.append((index, Text(nl=f"Piek herhaling {rep.index}{side[0]}",
                                en=f"Peak of rep {rep.index}{side[1]}")))
    return out


# -- the batch task -----------------------------------------------------------------------


def output_paths(job: Job, settings: AnalysisSettings) -> dict[str, Path]:
    """Where each requested output of ``job`` goes."""
    if settings.report_path is not None:
        report = settings.report_path
        base_dir = settings.out_dir or report.parent
        stem = report.stem if settings.out_dir is None else job.output_stem
    else:
        base_dir = settings.out_dir or Path.cwd()
        report = base_dir / f"{job.output_stem}.report.json"
        stem = job.output_stem
    paths = {"report": report}
    if settings.html:
        paths["html"] = base_dir / f"{stem}.html"
    if settings.csv:
        paths["csv"] = base_dir / f"{stem}.frames.csv"
    if settings.annotate:
        paths["annotated"] = base_dir / f"{stem}.annotated.mp4"
    return paths


def process_input(job: Job, progress: ProgressFn, settings: AnalysisSettings) -> FileOutcome:
    """Analyse ``job.path`` and write its report (and HTML, CSV, annotated video)."""
    from posecheck.analysis.csv_export import write_csv
    from posecheck.analysis.html import KeyFrame, render_html
    from posecheck.analysis.render import encode_jpeg, render_frames
    from posecheck.specs import load_all_specs

    path = job.path
    specs = load_all_specs(settings.spec_folder)
    seq, model, video = load_poses(path, settings, progress)
    analysis = analyze_poses(seq, exercise=settings.exercise, source=str(path), model=model,
                             smoothing=settings.smoothing, specs=specs, patient=settings.patient)
    result = analysis.result
    report = build_report(result)
    paths = output_paths(job, settings)
    written: dict[str, str] = {}

    key_frames: list[KeyFrame] = []
    wanted = key_frame_indices(analysis) if settings.html else []
    if settings.annotate or wanted:
        rendered = render_frames(
            analysis.smoothed, analysis.spec, video_path=video,
            annotated_path=paths.get("annotated"), capture=[i for i, _ in wanted],
            lang=settings.lang, progress=progress,
        )
        by_index = {frame.index: frame for frame in rendered}
        for index, caption in wanted:
            frame = by_index.get(index)
            if frame is not None:
                key_frames.append(KeyFrame(frame.t_s, caption.get(settings.lang),
                                           encode_jpeg(frame.image)))
        if "annotated" in paths:
            written["annotated"] = str(paths["annotated"])
    write_report(paths["report"], report)
    written["report"] = str(paths["report"])
    if settings.html:
        page = render_html(report, result.traces, key_frames, lang=settings.lang)
        paths["html"].parent.mkdir(parents=True, exist_ok=True)
        paths["html"].write_text(page, encoding="utf-8")
        written["html"] = str(paths["html"])
    if settings.csv:
        write_csv(paths["csv"], result.traces, result.primary_measurement)
        written["csv"] = str(paths["csv"])
    return FileOutcome(
        source=str(path),
        ok=True,
        exercise=result.exercise,
        confidence=result.recognition.confidence,
        reps=len(result.reps),
        completed_reps=sum(1 for r in result.reps if r.completed),
        holds=[(r.hold_s, r.target_hold_s) for r in result.reps],
        faults=len(result.faults),
        frames=result.frames,
        pose_frames=result.pose_frames,
        outputs=written,
        similarity=None if result.comparison is None else result.comparison.get("similarity"),
        notes=_notes(result, settings.lang),
    )


def _notes(result: AnalysisResult, lang: str) -> list[str]:
    """Remarks for the terminal summary (the patient programme note)."""
    note = (result.patient or {}).get("note")
    return [note.get(lang) or note["en"]] if isinstance(note, dict) else []
