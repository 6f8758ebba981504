"""``posecheck specs list|show ID|validate [FILES]|schema``: the exercise specs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "specs",
        help="list, show, validate exercise specs; print their JSON Schema",
        description="Exercise specs (exercise_specs/*.toml or POSECHECK_SPECS_DIR).",
    )
    parser.add_argument("--dir", type=Path, default=None, help="spec folder (default: bundled)")
    sub = parser.add_subparsers(dest="specs_command", metavar="COMMAND", required=True)
    sub.add_parser("list", help="the available exercises")
    show = sub.add_parser("show", help="one spec, as read (defaults filled in)")
    show.add_argument("id", help="exercise id or spec file")
    show.add_argument("--lang", choices=("nl", "en"), default=None)
    validate = sub.add_parser("validate", help="check spec files; errors name file and key")
    validate.add_argument("files", nargs="*", type=Path, help="spec files (default: all)")
    sub.add_parser("schema", help="print the JSON Schema of a spec file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from posecheck.errors import SpecError
    from posecheck.i18n import system_language
    from posecheck.paths import specs_dir
    from posecheck.specs import load_all_specs, load_spec, spec_json_schema, validate_spec_file

    folder = args.dir or specs_dir()
    command = args.specs_command
    if command == "schema":
        print(json.dumps(spec_json_schema(), indent=2, ensure_ascii=False))
        return 0
    if command == "validate":
        files = list(args.files) or sorted(folder.glob("*.toml"))
        if not files:
            raise SpecError(f"No spec files in {folder}.")
        problems: list[str] = []
        for path in files:
            errors = validate_spec_file(path)
            problems += errors
            print(f"{path}: {'OK' if not errors else f'{len(errors)} problem(s)'}")
        for line in problems:
            print(line)
        return 1 if problems else 0
    if command == "list":
        specs = load_all_specs(folder)
        lang = system_language()
        for spec_id, spec in specs.items():
            hold = spec.hold_target_s
            timing = (
                "no hold"
                if spec.hold is None
                else ("hold as long as possible" if hold is None else f"hold {hold:g} s")
            )
            print(
                f"{spec_id:16} {spec.name.get(lang):24} {timing}, "
                f"{spec.repetitions}x ({spec.sides.mode}), start: {', '.join(spec.start_positions)}"
            )
        return 0
    spec = load_spec(args.id, folder)
    lang = args.lang or system_language()
    print(f"{spec.id} (version {spec.version}) — {spec.name.get(lang)}")
    print(f"  file: {spec.source}")
    print(f"  {spec.instructions.get(lang)}")
    print(json.dumps(spec.raw, indent=2, ensure_ascii=False))
    return 0
