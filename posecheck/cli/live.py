"""``posecheck live``: live coaching in front of the camera (the app ``python run.py`` starts).

With no arguments: camera 0, the leaflet program (five exercises in order,
each side, with the leaflet's holds and rests) and the system's language.
A video file (or folder of frames) given as ``--camera`` is played as if live.
No frame is written anywhere unless ``--record FILE`` (or ``--save-frames DIR``
for overlay screenshots) is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from posecheck.errors import PosecheckError


def register(subparsers: Any) -> None:
    """Add the ``live`` verb."""
    from posecheck.model_store import add_model_arguments

    parser = subparsers.add_parser(
        "live",
        help="live coaching in front of the camera (the leaflet program by default)",
        description=__doc__.split("\n")[0],
    )
    parser.add_argument(
        "--camera", default="0", metavar="INDEX|VIDEO",
        help="webcam number (default 0), or a video file / folder of frames played as if live",
    )
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--exercise", metavar="ID", help="one exercise, e.g. knee_to_chest")
    what.add_argument(
        "--program", default=None, choices=("leaflet",),
        help="the five leaflet exercises in order (default)",
    )
    parser.add_argument("--lang", choices=("nl", "en"), default=None,
                        help="language of speech and screen (default: the system's)")
    add_model_arguments(parser)
    parser.add_argument("--mute", action="store_true", help="start without speech and beeps")
    parser.add_argument("--patient", type=Path, metavar="FILE",
                        help="patient profile (TOML) from the physiotherapist: the patient's "
                        "exercises and targets; each repetition is compared with the profile's "
                        "reference demonstration, if any")
    parser.add_argument("--record", type=Path, metavar="FILE",
                        help="also write the camera frames to this video file (off by default)")
    parser.add_argument("--mirror", action="store_true",
                        help="the camera delivers mirrored (selfie) images: flip them back")
    parser.add_argument("--headless", action="store_true",
                        help="no window (offscreen; for tests and machines without a screen)")
    parser.add_argument("--save-frames", type=Path, metavar="DIR",
                        help="save every N-th overlay frame as PNG in DIR (implies --headless)")
    parser.add_argument("--save-every", type=int, default=15, metavar="N",
                        help="with --save-frames: save every N-th frame (default 15)")
    parser.add_argument("--speech", default="auto",
                        choices=("auto", "pyttsx3", "espeak", "null"),
                        help="text-to-speech engine (default: pyttsx3, else espeak-ng)")
    parser.add_argument("--sound", default="auto", choices=("auto", "sounddevice", "null"),
                        help="beep output (default: the sound card when there is one)")
    parser.add_argument("--db", type=Path, metavar="FILE",
                        help="history database (default: the user data folder)")
    parser.add_argument("--pace", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posecheck.i18n import system_language
    from posecheck.live.app import LEAFLET_PROGRAM, LiveOptions, LiveSession
    from posecheck.model_store import model_from_args

    profile = None
    if args.patient is not None:
        from posecheck.therapist.profile import load_profile

        profile = load_profile(args.patient)
    lang = args.lang or (profile.language if profile is not None else None) or system_language()
    if args.exercise:
        exercises: tuple[str, ...] = (args.exercise,)
        program = args.exercise
    elif profile is not None and not args.program:
        exercises = tuple(profile.enabled_exercises)
        program = "patient"
    else:
        exercises = LEAFLET_PROGRAM
        program = "leaflet"
    if args.record is not None and args.record.suffix.lower() not in (".mp4", ".avi", ".mkv"):
        raise PosecheckError(f"--record: '{args.record}' must end in .mp4, .avi or .mkv.")
    if args.save_every < 1:
        raise PosecheckError("--save-every must be 1 or more.")
    args.lang = lang
    model = model_from_args(args)
    options = LiveOptions(
        camera=args.camera,
        exercises=exercises,
        program=program,
        lang=lang,
        model_path=model.path,
        muted=args.mute,
        patient=profile.patient_key if profile is not None else None,
        record=args.record,
        headless=args.headless,
        save_frames=args.save_frames,
        save_every=args.save_every,
        mirror=args.mirror,
        speech=args.speech,
        sound=args.sound,
        db_path=args.db,
        pace=args.pace,
        spec_overrides=profile.spec_for if profile is not None else None,
        reference_for=profile.reference_for if profile is not None else None,
    )
    summary = LiveSession(options).run()
    print(summary.report())
    if summary.message:
        print(f"posecheck: {summary.message}", file=sys.stderr)
    return {"completed": 0, "source_ended": 0, "quit": 0, "window_closed": 0,
            "interrupted": 130, "camera_lost": 3}.get(summary.status, 1)
