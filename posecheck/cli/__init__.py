"""The ``posecheck`` command line.

Each verb is a module in this package exposing ``register(subparsers)``, which
adds its sub-parser and sets ``func`` to a callable taking the parsed
arguments and returning an exit code. Settings are layered: built-in defaults
→ a config file (``--config FILE``, else ``posecheck.toml`` in the user config
directory) with one table per verb → the command line.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import platformdirs

from posecheck import __version__
from posecheck.errors import PosecheckError


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every verb module registered."""
    parser = argparse.ArgumentParser(
        prog="posecheck",
        description="Exercise-form checker for low back pain home exercises.",
    )
    parser.add_argument("--version", action="version", version=f"posecheck {__version__}")
    parser.add_argument(
        "--config", type=Path, help="TOML file with defaults per verb, e.g. [live] lang = 'nl'"
    )
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def _config_defaults(path: Path | None, verb: str) -> dict[str, Any]:
    if path is None:
        default = Path(platformdirs.user_config_dir("posecheck")) / "posecheck.toml"
        if not default.exists():
            return {}
        path = default
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PosecheckError(f"Cannot read config file '{path}': {exc}") from exc
    section = data.get(verb, {})
    if not isinstance(section, dict):
        raise PosecheckError(f"Config file '{path}': [{verb}] must be a table.")
    return {key.replace("-", "_"): value for key, value in section.items()}


def _subparser(parser: argparse.ArgumentParser, verb: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[verb]
    raise KeyError(verb)


def _dests(parser: argparse.ArgumentParser) -> set[str]:
    """Option names of ``parser`` and of its nested sub-parsers (e.g. ``model download``)."""
    names = {a.dest for a in parser._actions}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                names |= _dests(child)
    return names


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``posecheck`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.verb is None:
            parser.print_help()
            return 2
        defaults = _config_defaults(args.config, args.verb)
        if defaults:
            sub = _subparser(parser, args.verb)
            known = _dests(sub)
            unknown = sorted(set(defaults) - known)
            if unknown:
                raise PosecheckError(
                    f"Config file: unknown setting(s) for '{args.verb}': {', '.join(unknown)}"
                )
            sub.set_defaults(**defaults)
            args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    except PosecheckError as exc:
        print(f"posecheck: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("posecheck: interrupted", file=sys.stderr)
        return 130
