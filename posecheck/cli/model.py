"""``posecheck model download|path|verify``: get, locate or check the pose model."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from posecheck.i18n import LANGUAGES, Lang, Text, system_language
from posecheck.model_store import (
    DEFAULT_VARIANT,
    MODEL_ENV,
    VARIANTS,
    ModelCheck,
    cached_model_path,
    download_model,
    how_to_fix,
    rejection_reason,
    resolve_model,
    verify_model_file,
)

_ALREADY = Text(
    nl="Het {variant}-model staat al in de cache: {path}",
    en="The {variant} model is already in the cache: {path}",
)
_DOWNLOADED = Text(
    nl="Het {variant}-model is gedownload: {path}", en="Downloaded the {variant} model: {path}"
)
_FILE = Text(nl="bestand", en="file")
_SIZE = Text(nl="grootte", en="size")
_BYTES = Text(nl="{count} bytes", en="{count} bytes")
_STATUS = Text(nl="status", en="status")
_OK = Text(nl="OK", en="OK")
_WARNING = Text(nl="OK, met waarschuwing", en="OK, with a warning")
_FAILED = Text(nl="ONBRUIKBAAR", en="FAILED")
_FROM_ENV = Text(nl="uit {env}", en="from {env}")
_FROM_CACHE = Text(nl="cache", en="cache")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``model`` verb and its actions."""
    parser = subparsers.add_parser(
        "model",
        help="download, locate or verify the pose model",
        description="Manage the MediaPipe pose model. posecheck looks for it in this order: "
        f"--model PATH, ${MODEL_ENV}, the user cache, then downloads it once.",
    )
    actions = parser.add_subparsers(dest="model_action", required=True)

    download = actions.add_parser("download", help="download the official model into the cache")
    _add_variant(download)
    download.add_argument(
        "--force", action="store_true", help="download again even if the cached file is fine"
    )

    path = actions.add_parser(
        "path", help="print the path of the model posecheck would use (no download)"
    )
    _add_variant(path)
    path.add_argument("--download", action="store_true", help="download the model if missing")

    verify = actions.add_parser(
        "verify",
        help="print size, sha256 and status of a model file "
        f"(default: ${MODEL_ENV}, else the cached one)",
    )
    verify.add_argument("path", nargs="?", type=Path, help="model file to check")
    _add_variant(verify)

    for action in (download, path, verify):
        action.add_argument(
            "--lang",
            choices=LANGUAGES,
            default=None,
            help="message language (default: the system's)",
        )
    parser.set_defaults(func=run)


def _add_variant(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--variant",
        choices=VARIANTS,
        default=DEFAULT_VARIANT,
        help=f"model variant (default: {DEFAULT_VARIANT})",
    )


def run(args: argparse.Namespace) -> int:
    """Run one ``model`` action; 0 on success, 1 when ``verify`` finds an unusable file."""
    lang: Lang = args.lang if args.lang in LANGUAGES else system_language()
    if args.model_action == "download":
        info = download_model(args.variant, force=args.force, lang=lang)
        message = _ALREADY if info.source == "cache" else _DOWNLOADED
        print(message.get(lang, variant=info.variant, path=info.path))
        print(f"sha256: {info.sha256}")
        return 0
    if args.model_action == "path":
        info = resolve_model(None, args.variant, download=args.download, lang=lang)
        print(info.path)
        return 0
    return _verify(args.path, args.variant, lang)


def _verify(path: Path | None, variant: str, lang: Lang) -> int:
    strict = False
    if path is not None:
        origin = ""
    elif os.environ.get(MODEL_ENV, "").strip():
        path = Path(os.environ[MODEL_ENV].strip())
        origin = f" ({_FROM_ENV.get(lang, env=MODEL_ENV)})"
    else:
        path, strict = cached_model_path(variant), True
        origin = f" ({_FROM_CACHE.get(lang)})"
    check = verify_model_file(path)
    print(f"{_FILE.get(lang)}: {check.path}{origin}")
    if check.size is not None:
        print(f"{_SIZE.get(lang)}: {_BYTES.get(lang, count=_count(check.size, lang))}")
    if check.sha256 is not None:
        print(f"sha256: {check.sha256}")
    problem = rejection_reason(check, variant, lang) if strict else _problem(check, variant, lang)
    if problem is not None:
        print(
            f"{_STATUS.get(lang)}: {_FAILED.get(lang)} — {check.path.name} {problem}. "
            f"{how_to_fix(check.variant or variant, lang)}"
        )
        return 1
    verdict = _OK if check.official else _WARNING
    print(f"{_STATUS.get(lang)}: {verdict.get(lang)} — {check.path.name} {check.describe(lang)}.")
    return 0


def _problem(check: ModelCheck, variant: str, lang: Lang) -> str | None:
    return None if check.usable else check.describe(lang, variant)


def _count(n: int, lang: Lang) -> str:
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "nl" else text
