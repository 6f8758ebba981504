"""``posecheck analyze``: reports (JSON, HTML, CSV) and annotated videos of recordings."""

from __future__ import annotations

import argparse
from pathlib import Path

from posecheck.errors import PosecheckError

EXERCISE_CHOICES = (
    "auto", "none", "knee_to_chest", "pelvic_tilt", "trunk_rotation", "curl_up", "back_extension",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    from posecheck.model_store import add_model_arguments

    parser = subparsers.add_parser(
        "analyze",
        help="analyse recorded videos or landmark files: report, HTML, CSV, annotated video",
        description=(
            "Analyse recorded exercise videos (or landmark files from 'posecheck poses'). "
            "Writes a JSON report per input (schema posecheck.report/1) and, on request, a "
            "self-contained HTML page, a per-frame CSV and an annotated video. Exit code 0 "
            "when every input was analysed, 1 when any failed, 2 on a usage error."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="video files, folders (searched recursively for videos) or "
                        "landmark files (.jsonl/.csv)")
    parser.add_argument("--exercise", default="auto", choices=EXERCISE_CHOICES,
                        help="the exercise shown, or 'auto' (default) to recognise it")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="output folder (default: the current folder)")
    parser.add_argument("--report", type=Path, metavar="FILE.json",
                        help="with a single input: write the report to exactly this file")
    parser.add_argument("--annotate", action="store_true",
                        help="also write the video with the overlay (<name>.annotated.mp4)")
    parser.add_argument("--html", action="store_true",
                        help="also write a self-contained HTML report (<name>.html)")
    parser.add_argument("--csv", action="store_true",
                        help="also write per-frame measurements and phase (<name>.frames.csv)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="analyse N inputs in parallel processes (default 1)")
    parser.add_argument("--lang", choices=("nl", "en"), default=None,
                        help="language of the HTML page and the overlay (default: the patient "
                        "profile's, else the system's)")
    parser.add_argument("--patient", type=Path, metavar="FILE",
                        help="patient profile (TOML) from the physiotherapist: measure against "
                        "the patient's targets and compare with the profile's reference "
                        "demonstration")
    parser.add_argument("--smoothing", default="butterworth",
                        help="zero-phase smoother for recordings: butterworth (default) or none")
    parser.add_argument("--specs", type=Path, metavar="DIR", default=None,
                        help="folder with exercise spec files (default: the built-in specs)")
    add_model_arguments(parser)
    parser.set_defaults(func=run)


def _collect_inputs(raw: list[str]) -> list[Path]:
    from posecheck.analysis.pipeline import is_video_file
    from posecheck.sources import natural_sort_key

    found: list[Path] = []
    for item in raw:
        path = Path(item)
        if path.is_dir():
            videos = sorted(
                (p for p in path.rglob("*") if p.is_file() and is_video_file(p)),
                key=lambda p: natural_sort_key(str(p.relative_to(path))),
            )
            if not videos:
                raise PosecheckError(f"No video files found in the folder '{path}'.")
            found += videos
        else:
            found.append(path)  # missing/unreadable files are reported per file
    unique: list[Path] = []
    seen: set[Path] = set()
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def output_stems(paths: list[Path]) -> list[str]:
    """Distinct output base names: the file stem, prefixed by parent folders on a clash."""
    stems = [p.stem for p in paths]
    depth = 1
    while len(set(stems)) < len(stems) and depth < 6:
        counts = {s: stems.count(s) for s in stems}
        stems = [
            "__".join([*p.resolve().parent.parts[-depth:], p.stem]) if counts[s] > 1 else s
            for p, s in zip(paths, stems, strict=True)
        ]
        depth += 1
    if len(set(stems)) < len(stems):
        stems = [f"{i:03d}_{s}" for i, s in enumerate(stems)]
    return stems


def run(args: argparse.Namespace) -> int:
    from functools import partial

    from rich.console import Console

    from posecheck.analysis.batch import Job, run_batch
    from posecheck.analysis.pipeline import AnalysisSettings, process_input
    from posecheck.analysis.progress import (
        RichReporter,
        failure_lines,
        note_lines,
        summary_table,
    )
    from posecheck.analysis.result import ModelRef
    from posecheck.i18n import system_language
    from posecheck.pose.io import is_landmark_file
    from posecheck.specs import load_all_specs

    patient = None
    if args.patient is not None:
        from posecheck.therapist.profile import load_profile

        patient = load_profile(args.patient)  # SpecError names the file and the key
    lang = args.lang or (patient.language if patient is not None else None) or system_language()
    if args.jobs < 1:
        raise PosecheckError("--jobs must be 1 or more.")
    inputs = _collect_inputs(args.inputs)
    if args.report is not None and len(inputs) != 1:
        raise PosecheckError(
            f"--report FILE needs exactly one input ({len(inputs)} given); "
            "use --out DIR to write one report per input."
        )
    specs = load_all_specs(args.specs)  # a broken spec stops here, before any work
    if args.exercise not in ("auto", "none") and args.exercise not in specs:
        raise PosecheckError(f"No spec for the exercise '{args.exercise}'.")
    if patient is not None:  # overrides that do not fit these specs stop here, too
        for exercise_id in patient.exercises:
            if exercise_id in specs:
                patient.spec_for(exercise_id, specs[exercise_id])

    model = ModelRef()
    model_path: str | None = None
    if any(not is_landmark_file(p) for p in inputs):
        from posecheck.model_store import model_from_args

        info = model_from_args(args)
        model, model_path = ModelRef(info.variant, info.sha256), str(info.path)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    settings = AnalysisSettings(
        exercise=args.exercise, lang=lang, smoothing=args.smoothing, model_path=model_path,
        model=model, out_dir=args.out, report_path=args.report, annotate=args.annotate,
        html=args.html, csv=args.csv, spec_folder=args.specs, patient=patient,
    )
    jobs = [Job(i, path, stem) for i, (path, stem)
            in enumerate(zip(inputs, output_stems(inputs), strict=True))]
    console = Console(stderr=True)
    with RichReporter(len(jobs), console=console, lang=lang) as reporter:
        outcomes = run_batch(jobs, partial(process_input, settings=settings),
                             jobs=min(args.jobs, len(jobs)), reporter=reporter)
    out = Console()
    out.print(summary_table(outcomes, lang=lang))
    for line in failure_lines(outcomes):
        out.print(f"[red]✗[/red] {line}", highlight=False, soft_wrap=True)
    for line in note_lines(outcomes):
        out.print(f"[yellow]![/yellow] {line}", highlight=False, soft_wrap=True)
    for outcome in outcomes:
        if outcome.ok:
            for kind, path in outcome.outputs.items():
                console.print(f"  {kind:9s} {path}", highlight=False)
    return 0 if all(o.ok for o in outcomes) else 1
