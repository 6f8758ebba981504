"""Find, download and verify the MediaPipe pose landmarker model bundle.

The model is a ``.task`` file: an uncompressed zip holding two TFLite models,
``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``. It comes in
three variants (``lite`` fastest, ``full`` default, ``heavy`` most accurate).

Resolution order (:func:`resolve_model`):

1. an explicit path (the ``--model PATH`` flag);
2. the ``POSECHECK_MODEL`` environment variable;
3. the user's cache, ``posecheck.paths.cache_dir() / "models"``
   (``POSECHECK_CACHE_DIR`` overrides);
4. a download of the official bundle into the cache (atomically: temporary
   file, verify, ``os.replace``). ``POSECHECK_MODEL_URL`` may replace the
   address; ``{variant}`` in it is filled in.

Files from the cache or a download must be the published bytes (sha256) where
those are pinned (``full``, ``heavy``); ``lite`` is checked for structure only.
A file the user names explicitly only has to be a valid bundle: one that is not
byte-identical to a published file is used with a warning. Every failure raises
:class:`~posecheck.errors.ModelError` with one paragraph saying what was tried
and how to supply the file.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import logging
import math
import os
import struct
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from posecheck import __version__, paths
from posecheck.errors import ModelError
from posecheck.i18n import LANGUAGES, Lang, Text, system_language

__all__ = [
    "BUNDLE_MEMBERS",
    "DEFAULT_TIMEOUT_S",
    "DEFAULT_VARIANT",
    "MODEL_ENV",
    "MODEL_URL_ENV",
    "MODEL_URL_TEMPLATE",
    "OFFICIAL_SHA256",
    "VARIANTS",
    "ModelCheck",
    "ModelInfo",
    "add_model_arguments",
    "cached_model_path",
    "download_model",
    "how_to_fix",
    "model_from_args",
    "model_url",
    "rejection_reason",
    "resolve_model",
    "verify_model_file",
]

logger = logging.getLogger(__name__)

VARIANTS: tuple[str, ...] = ("lite", "full", "heavy")
DEFAULT_VARIANT = "full"

MODEL_ENV = "POSECHECK_MODEL"
MODEL_URL_ENV = "POSECHECK_MODEL_URL"
MODEL_URL_TEMPLATE = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/latest/pose_landmarker_{variant}.task"
)
DEFAULT_TIMEOUT_S = 30.0

BUNDLE_MEMBERS: tuple[str, ...] = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
_LANDMARK_MEMBER = "pose_landmarks_detector.tflite"

#: sha256 a cached or downloaded file must have (None: structure check only).
OFFICIAL_SHA256: dict[str, str | None] = {
    "lite": None,
    "full": "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
    "heavy": "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b",
}
#: Digests of files Google published, for labelling a file "official".
#: The lite one is the versioned ``float16/1`` file (5,777,746 bytes); ``latest``
#: may differ, which is why lite downloads are not pinned to it.
_KNOWN_OFFICIAL: dict[str, str] = {
    "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad": "full",
    "64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b": "heavy",
    "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a": "lite",
}
_OFFICIAL_SIZE: dict[str, int] = {"lite": 5_777_746, "full": 9_398_198, "heavy": 30_664_242}
#: Size of ``pose_landmarks_detector.tflite`` per variant: tells the variant of
#: a bundle that is not byte-identical to a published one.
_LANDMARK_MODEL_SIZE: dict[str, int] = {"lite": 2_818_390, "full": 6_438_874, "heavy": 27_704_918}

_CHUNK = 1 << 16
_ZIP_ENTRY = b"PK\x03\x04"
_ZIP_DIRECTORY = b"PK\x01\x02"
_ZIP_END = b"PK\x05\x06"
_ZIP_ENTRY_WITHIN = 16
_USABLE = ("official", "valid")

# --- messages (Dutch first, English) ---------------------------------------------------

_HEADLINE = Text(nl="Geen bruikbaar posemodel ({variant}).", en="No usable pose model ({variant}).")
_TRIED = Text(nl="Geprobeerd:", en="Tried:")
_EXPLICIT_ONLY = Text(
    nl="(een expliciet opgegeven bestand wordt gebruikt zoals het is; "
    "de cache en de download zijn niet geprobeerd)",
    en="(a file given explicitly is used as is; the cache and the download were not tried)",
)
_FIX = Text(
    nl="Oplossing: download {url} met de hand (op een computer met internet) en geef het "
    "bestand mee met --model PAD of zet de omgevingsvariabele POSECHECK_MODEL op het pad "
    "ervan; of voer eenmalig 'posecheck model download --variant {variant}' uit terwijl u "
    "online bent.",
    en="To fix this: download {url} by hand (on any computer with internet) and pass the "
    "file with --model PATH or set the POSECHECK_MODEL environment variable to its path; or "
    "run 'posecheck model download --variant {variant}' once while online.",
)
_UNKNOWN_VARIANT = Text(
    nl="Onbekende modelvariant '{variant}'; kies uit lite, full of heavy.",
    en="Unknown model variant '{variant}'; choose one of lite, full or heavy.",
)
_NOT_GIVEN = Text(nl="niet opgegeven", en="not given")
_NOT_SET = Text(nl="niet ingesteld", en="not set")
_CACHE = Text(nl="cache {path}", en="cache {path}")
_CACHE_EMPTY = Text(nl="staat er niet", en="not there")
_DOWNLOAD = Text(nl="download van {url}", en="download from {url}")
_NOT_DOWNLOADING = Text(
    nl="niet geprobeerd (download niet gevraagd)", en="not tried (download not requested)"
)
_DELETED = Text(nl="verwijderd om opnieuw te downloaden", en="deleted to download it again")
_MISMATCH = Text(
    nl="is een geldige bundel, maar de sha256 {sha} verschilt van die van het officiële "
    "{variant}-bestand ({expected}); misschien is er een nieuwe versie gepubliceerd",
    en="is a valid bundle, but its sha256 {sha} differs from the official {variant} file's "
    "({expected}); a new version may have been published",
)
_OTHER_VARIANT = Text(
    nl="bevat het {actual}-model, niet {variant}", en="holds the {actual} model, not {variant}"
)
_DOWNLOADED_BAD = Text(
    nl="het gedownloade bestand {problem}; weggegooid",
    en="the downloaded file {problem}; discarded",
)
_HTTP_ERROR = Text(
    nl="de server antwoordde HTTP {code} {reason}", en="the server answered HTTP {code} {reason}"
)
_OFFLINE = Text(
    nl="geen verbinding ({reason}); controleer de internetverbinding",
    en="could not connect ({reason}); check the internet connection",
)
_TIMEOUT = Text(nl="geen antwoord binnen {seconds} s", en="no answer within {seconds} s")
_INCOMPLETE = Text(
    nl="de verbinding brak af na {received} van {expected} bytes",
    en="the connection broke off after {received} of {expected} bytes",
)
_BROKEN = Text(nl="de verbinding mislukte ({reason})", en="the connection failed ({reason})")
_BAD_URL = Text(nl="ongeldig adres ({reason})", en="invalid address ({reason})")
_CANNOT_WRITE = Text(
    nl="kan niet schrijven in {folder} ({reason})", en="cannot write to {folder} ({reason})"
)
_UNOFFICIAL_WARNING = Text(
    nl="Posemodel {path} {description}. De opbouw klopt, dus het wordt gebruikt; lijken de "
    "poses niet te kloppen, haal dan het officiële bestand op: {url}",
    en="Pose model {path} {description}. Its structure is right, so it is used; if poses "
    "look wrong, get the official file from {url}",
)

_CHECK_TEXT: dict[str, Text] = {
    "official": Text(nl="is de officiële {variant}-bundel", en="is the official {variant} bundle"),
    "valid": Text(
        nl="is een geldige pose-landmarker-bundel ({variant}) maar niet byte-gelijk aan een "
        "gepubliceerd MediaPipe-bestand (sha256 {sha})",
        en="is a valid pose landmarker bundle ({variant}) but not byte-identical to a "
        "published MediaPipe file (sha256 {sha})",
    ),
    "missing": Text(nl="bestaat niet", en="does not exist"),
    "not_a_file": Text(nl="is een map, geen bestand", en="is a folder, not a file"),
    "unreadable": Text(nl="kan niet gelezen worden ({detail})", en="cannot be read ({detail})"),
    "empty": Text(nl="is leeg (0 bytes)", en="is empty (0 bytes)"),
    "truncated": Text(
        nl="is afgekapt: {size} bytes van een zip-bundel waarvan het einde ontbreekt "
        "(een onderbroken download?)",
        en="is truncated: {size} bytes of a zip bundle whose end is missing "
        "(an interrupted download?)",
    ),
    "corrupt": Text(
        nl="is beschadigd: onderdeel {detail} klopt niet (controlesom of geen TFLite-model)",
        en="is damaged: its part {detail} fails the checksum or is not a TFLite model",
    ),
    "corrupt_zip": Text(
        nl="is beschadigd: de zip-inhoudsopgave is onleesbaar",
        en="is damaged: its zip directory cannot be read",
    ),
    "not_a_bundle": Text(
        nl="is geen posemodelbundel maar {kind}", en="is not a pose model bundle but {kind}"
    ),
    "wrong_members": Text(
        nl="is een zip-bestand maar niet de pose-landmarker-bundel: het bevat {detail} in "
        "plaats van pose_detector.tflite en pose_landmarks_detector.tflite",
        en="is a zip file but not the pose landmarker bundle: it holds {detail} instead of "
        "pose_detector.tflite and pose_landmarks_detector.tflite",
    ),
}
_TRUNCATED_EXPECTED = Text(
    nl=" (de officiële {variant}-bundel heeft {expected} bytes)",
    en=" (the official {variant} bundle has {expected} bytes)",
)
_NOTHING = Text(nl="niets", en="nothing")
_UNKNOWN = Text(nl="onbekend", en="unknown")
_KIND_TEXT: dict[str, Text] = {
    "png": Text(nl="een PNG-afbeelding", en="a PNG image"),
    "jpeg": Text(nl="een JPEG-afbeelding", en="a JPEG image"),
    "html": Text(
        nl="een webpagina (HTML), bijvoorbeeld een foutpagina die in plaats van het model is "
        "opgeslagen",
        en="a web page (HTML), e.g. an error page saved instead of the model",
    ),
    "tflite": Text(
        nl="een los TFLite-model (.tflite); posecheck heeft de .task-bundel nodig",
        en="a bare TFLite model (.tflite); posecheck needs the .task bundle",
    ),
    "text": Text(nl="een tekstbestand", en="a text file"),
    "other": Text(nl="onherkenbare gegevens", en="unrecognised data"),
}


def _lang(lang: str | None) -> Lang:
    if lang in LANGUAGES:
        return "nl" if lang == "nl" else "en"
    return system_language()


def _count(n: int, lang: Lang) -> str:
    """``9,398,198`` (en) or ``9.398.198`` (nl)."""
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "nl" else text


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelInfo:
    """A model file ready to load.

    ``source`` is ``"flag"``, ``"env"``, ``"cache"`` or ``"download"``; ``variant`` is the
    file's own variant when it can be told (an explicit file may differ from the one asked
    for). ``warning`` is set when an explicit file is valid but not a published one.
    """

    path: Path
    variant: str
    sha256: str
    source: str
    warning: str | None = None


@dataclass(frozen=True)
class ModelCheck:
    """What :func:`verify_model_file` found.

    ``status`` is one of ``official``, ``valid`` (a usable bundle that is not
    byte-identical to a published file), ``missing``, ``not_a_file``, ``unreadable``,
    ``empty``, ``truncated``, ``corrupt``, ``not_a_bundle``, ``wrong_members``.
    ``variant`` is the published variant it equals, else the one its landmark model's
    size suggests. ``detail`` holds the specifics (damaged member, file kind, members,
    OS error).
    """

    path: Path
    status: str
    size: int | None = None
    sha256: str | None = None
    variant: str | None = None
    detail: str = ""

    @property
    def usable(self) -> bool:
        """True for a complete pose landmarker bundle (official or not)."""
        return self.status in _USABLE

    @property
    def official(self) -> bool:
        return self.status == "official"

    def describe(self, lang: str | None = None, expected_variant: str | None = None) -> str:
        """The finding as a sentence fragment: 'does not exist', 'is truncated: …'."""
        language = _lang(lang)
        if self.status == "corrupt" and not self.detail:
            return _CHECK_TEXT["corrupt_zip"].get(language)
        fields: dict[str, object] = {
            "variant": self.variant or _UNKNOWN.get(language),
            "sha": self.sha256 or "",
            "size": _count(self.size or 0, language),
            "detail": self.detail or _NOTHING.get(language),
            "kind": _KIND_TEXT.get(self.detail, _KIND_TEXT["other"]).get(language),
        }
        text = _CHECK_TEXT[self.status].get(language, **fields)
        if self.status == "truncated" and expected_variant in _OFFICIAL_SIZE:
            text += _TRUNCATED_EXPECTED.get(
                language,
                variant=expected_variant,
                expected=_count(_OFFICIAL_SIZE[expected_variant], language),
            )
        return text


# --- verification ----------------------------------------------------------------------


def _sniff(head: bytes) -> str:
    """What a non-zip file looks like, from its first bytes."""
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    start = head.lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html", b"<?xml")):
        return "html"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        # a multi-byte character cut at the end of the sample is still text
        try:
            head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return "other"
    return "text" if b"\x00" not in head else "other"


def _variant_from_size(landmark_size: int) -> str | None:
    """The variant whose landmark model is closest in size (within a factor 1.5)."""
    best, best_ratio = None, math.log(1.5)
    for variant, size in _LANDMARK_MODEL_SIZE.items():
        ratio = abs(math.log(landmark_size / size)) if landmark_size > 0 else math.inf
        if ratio < best_ratio:
            best, best_ratio = variant, ratio
    return best


def _hash_file(path: Path) -> tuple[str, bytes]:
    digest = hashlib.sha256()
    head = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            if not head:
                head = chunk[:512]
            digest.update(chunk)
    return digest.hexdigest(), head


def _cut_off(path: Path, size: int, head: bytes) -> bool:
    """True when the zip's records, walked from the start, run past the end of the file.

    Walks the entries, the central directory and the end record (each may be followed by
    a few alignment bytes). Catches truncation even when stray bytes inside the model data
    look like an end-of-zip record, which would fool :mod:`zipfile`.
    """
    offset = head.find(_ZIP_ENTRY, 0, _ZIP_ENTRY_WITHIN)
    if offset < 0:
        return False
    with path.open("rb") as handle:
        for _ in range(256):
            handle.seek(offset)
            window = handle.read(46 + _ZIP_ENTRY_WITHIN)
            found = [(window.find(sig), sig) for sig in (_ZIP_ENTRY, _ZIP_DIRECTORY, _ZIP_END)]
            found = [(at, sig) for at, sig in found if 0 <= at < _ZIP_ENTRY_WITHIN]
            if not found:
                return len(window) < _ZIP_ENTRY_WITHIN  # ends where a record should be
            at, sig = min(found)
            record = window[at:]
            if sig == _ZIP_END:
                if len(record) < 22:
                    return True
                comment_len = struct.unpack("<H", record[20:22])[0]
                return offset + at + 22 + comment_len > size
            if sig == _ZIP_ENTRY:
                if len(record) < 30:
                    return True
                flags = struct.unpack("<H", record[6:8])[0]
                if flags & 0x08:
                    return False  # sizes follow the data: cannot walk, let zipfile judge
                packed, name_len, extra_len = struct.unpack("<I4xHH", record[18:30])
                offset += at + 30 + name_len + extra_len + packed
            else:
                if len(record) < 46:
                    return True
                name_len, extra_len, comment_len = struct.unpack("<HHH", record[28:34])
                offset += at + 46 + name_len + extra_len + comment_len
            if offset > size:
                return True
    return False


def _check_bundle(path: Path) -> tuple[str, str, int]:
    """(status, detail, landmark model size) of a file that starts like a zip."""
    with zipfile.ZipFile(path) as bundle:
        names = bundle.namelist()
        if not all(member in names for member in BUNDLE_MEMBERS):
            return "wrong_members", ", ".join(names), 0
        damaged = bundle.testzip()
        if damaged is not None:
            return "corrupt", damaged, 0
        for member in BUNDLE_MEMBERS:
            with bundle.open(member) as handle:
                if handle.read(8)[4:8] != b"TFL3":
                    return "corrupt", member, 0
        return "valid", "", bundle.getinfo(_LANDMARK_MEMBER).file_size


def verify_model_file(path: str | Path) -> ModelCheck:
    """Check that ``path`` is a complete pose landmarker bundle; never raises.

    Reads the whole file: sha256, zip structure, member checksums, and that both
    members are TFLite models.
    """
    file = Path(path).expanduser()
    try:
        if file.is_dir():
            return ModelCheck(file, "not_a_file")
        size = file.stat().st_size
        if size == 0:
            return ModelCheck(file, "empty", size=0)
        sha256, head = _hash_file(file)
    except FileNotFoundError:
        return ModelCheck(file, "missing")
    except OSError as exc:
        return ModelCheck(file, "unreadable", detail=exc.strerror or str(exc))
    known = _KNOWN_OFFICIAL.get(sha256)
    if head[4:8] == b"TFL3":  # checked first: TFLite metadata may append a zip of its own
        return ModelCheck(file, "not_a_bundle", size, sha256, detail="tflite")
    try:
        # Published bundles start with 2 padding bytes, then the first zip entry.
        if _cut_off(file, size, head):
            return ModelCheck(file, "truncated", size, sha256)
        status, detail, landmark_size = _check_bundle(file)
    except (zipfile.BadZipFile, EOFError, zlib.error, ValueError, OSError, struct.error):
        if head.startswith(b"PK") or _ZIP_ENTRY in head[:_ZIP_ENTRY_WITHIN]:
            return ModelCheck(file, "corrupt", size, sha256)
        return ModelCheck(file, "not_a_bundle", size, sha256, detail=_sniff(head))
    if status != "valid":
        return ModelCheck(file, status, size, sha256, detail=detail)
    if known is not None:
        return ModelCheck(file, "official", size, sha256, variant=known)
    return ModelCheck(file, "valid", size, sha256, variant=_variant_from_size(landmark_size))


# --- locations -------------------------------------------------------------------------


def how_to_fix(variant: str = DEFAULT_VARIANT, lang: str | None = None) -> str:
    """One sentence: the official URL to download by hand, ``--model``, the env variable,
    ``posecheck model download`` (always Google's address, never a mirror override)."""
    url = MODEL_URL_TEMPLATE.replace("{variant}", variant)
    return _FIX.get(_lang(lang), url=url, variant=variant)


def _check_variant(variant: str, lang: Lang) -> None:
    if variant not in VARIANTS:
        raise ModelError(_UNKNOWN_VARIANT.get(lang, variant=variant))


def model_url(variant: str = DEFAULT_VARIANT, template: str | None = None) -> str:
    """Download address: ``template``, else ``$POSECHECK_MODEL_URL``, else Google's."""
    chosen = template or os.environ.get(MODEL_URL_ENV, "").strip() or MODEL_URL_TEMPLATE
    return chosen.replace("{variant}", variant)


def cached_model_path(variant: str = DEFAULT_VARIANT) -> Path:
    """Where the cache keeps ``variant``: ``cache_dir()/models/pose_landmarker_<v>.task``."""
    return paths.cache_dir() / "models" / f"pose_landmarker_{variant}.task"


class _Attempts:
    """The steps of the resolution order and their results, for one error paragraph."""

    def __init__(self, variant: str, lang: Lang) -> None:
        self.variant = variant
        self.lang = lang
        self.steps: list[str] = []

    def add(self, label: str, result: str) -> None:
        self.steps.append(f"({len(self.steps) + 1}) {label}: {result}")

    def error(self, *, explicit: bool = False) -> ModelError:
        """All steps, then how to supply the file, as one paragraph."""
        tried = "; ".join(self.steps)
        if explicit:
            tried += " " + _EXPLICIT_ONLY.get(self.lang)
        fix = how_to_fix(self.variant, self.lang)
        headline = _HEADLINE.get(self.lang, variant=self.variant)
        return ModelError(f"{headline} {_TRIED.get(self.lang)} {tried}. {fix}")


def rejection_reason(check: ModelCheck, variant: str, lang: str | None = None) -> str | None:
    """Why a cached or downloaded file is not the published ``variant`` (None: it is).

    Stricter than :attr:`ModelCheck.usable`: the file must also be ``variant`` and, where
    pinned, have the official sha256.
    """
    lang = _lang(lang)
    if not check.usable:
        return check.describe(lang, variant)
    if check.variant is not None and check.variant != variant:
        return _OTHER_VARIANT.get(lang, actual=check.variant, variant=variant)
    expected = OFFICIAL_SHA256.get(variant)
    if expected is not None and check.sha256 != expected:
        return _MISMATCH.get(lang, sha=check.sha256, variant=variant, expected=expected)
    return None


def _use_explicit(
    file: Path, source: str, label: str, variant: str, attempts: _Attempts
) -> ModelInfo:
    check = verify_model_file(file)
    lang = attempts.lang
    if not check.usable:
        attempts.add(label, check.describe(lang, variant))
        raise attempts.error(explicit=True)
    warning = None
    if not check.official:
        warning = _UNOFFICIAL_WARNING.get(
            lang,
            path=check.path,
            description=check.describe(lang),
            url=MODEL_URL_TEMPLATE.replace("{variant}", check.variant or variant),
        )
        logger.warning(warning)
    assert check.sha256 is not None
    return ModelInfo(check.path, check.variant or variant, check.sha256, source, warning)


def _from_cache(variant: str, attempts: _Attempts, *, delete_bad: bool) -> ModelInfo | None:
    target = cached_model_path(variant)
    label = _CACHE.get(attempts.lang, path=target)
    check = verify_model_file(target)
    if check.status == "missing":
        attempts.add(label, _CACHE_EMPTY.get(attempts.lang))
        return None
    problem = rejection_reason(check, variant, attempts.lang)
    if problem is None:
        assert check.sha256 is not None
        return ModelInfo(target, variant, check.sha256, "cache")
    if delete_bad and check.status != "not_a_file":
        with contextlib.suppress(OSError):
            target.unlink()
        problem += " — " + _DELETED.get(attempts.lang)
    attempts.add(label, problem)
    return None


# --- download --------------------------------------------------------------------------


class _DownloadFailed(Exception):
    """One download step's result, already in the user's language."""


class _WriteFailed(Exception):
    """Writing the temporary file failed (disk full, no permission)."""


@contextlib.contextmanager
def _progress_bar(enabled: bool, total: int | None, label: str) -> Iterator[Callable[[int], None]]:
    """A rich download bar on stderr; yields ``advance(n_bytes)``."""
    if not enabled:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    with progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def _copy_response(
    response: http.client.HTTPResponse,
    out: BinaryIO,
    progress: bool,
    label: str,
    lang: Lang,
) -> None:
    length = response.headers.get("Content-Length")
    expected = int(length) if length and length.isdigit() else None
    received = 0
    with _progress_bar(progress, expected, label) as advance:
        while True:
            try:
                chunk = response.read(_CHUNK)
            except http.client.IncompleteRead as exc:
                received += len(exc.partial)
                break
            if not chunk:
                break
            try:
                out.write(chunk)
            except OSError as exc:
                raise _WriteFailed(exc.strerror or str(exc)) from exc
            received += len(chunk)
            advance(len(chunk))
    if expected is not None and received != expected:
        raise _DownloadFailed(
            _INCOMPLETE.get(lang, received=_count(received, lang), expected=_count(expected, lang))
        )


def _fetch(
    url: str, out: BinaryIO, *, progress: bool, timeout_s: float, label: str, lang: Lang
) -> None:
    """Stream ``url`` into ``out``; network problems become :class:`_DownloadFailed`."""
    request = urllib.request.Request(url, headers={"User-Agent": f"posecheck/{__version__}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            _copy_response(response, out, progress, label, lang)
    except urllib.error.HTTPError as exc:
        raise _DownloadFailed(_HTTP_ERROR.get(lang, code=exc.code, reason=exc.reason)) from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise _DownloadFailed(_TIMEOUT.get(lang, seconds=f"{timeout_s:g}")) from exc
        raise _DownloadFailed(_OFFLINE.get(lang, reason=exc.reason)) from exc
    except TimeoutError as exc:
        raise _DownloadFailed(_TIMEOUT.get(lang, seconds=f"{timeout_s:g}")) from exc
    except ValueError as exc:
        raise _DownloadFailed(_BAD_URL.get(lang, reason=exc)) from exc
    except (http.client.HTTPException, OSError) as exc:  # reset, refused mid-way, ...
        reason = str(exc) or type(exc).__name__
        raise _DownloadFailed(_BROKEN.get(lang, reason=reason)) from exc


def _download(
    variant: str, attempts: _Attempts, *, url: str, progress: bool, timeout_s: float
) -> ModelInfo:
    lang = attempts.lang
    target = cached_model_path(variant)
    label = _DOWNLOAD.get(lang, url=url)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
    except OSError as exc:
        attempts.add(
            label, _CANNOT_WRITE.get(lang, folder=target.parent, reason=exc.strerror or exc)
        )
        raise attempts.error() from None
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            _fetch(url, out, progress=progress, timeout_s=timeout_s, label=target.name, lang=lang)
        check = verify_model_file(temp)
        problem = rejection_reason(check, variant, lang)
        if problem is not None:
            attempts.add(label, _DOWNLOADED_BAD.get(lang, problem=problem))
            raise attempts.error()
        os.replace(temp, target)
    except _DownloadFailed as exc:
        attempts.add(label, str(exc))
        raise attempts.error() from None
    except _WriteFailed as exc:
        attempts.add(label, _CANNOT_WRITE.get(lang, folder=target.parent, reason=exc))
        raise attempts.error() from None
    except OSError as exc:  # os.replace or closing the temporary file
        attempts.add(
            label, _CANNOT_WRITE.get(lang, folder=target.parent, reason=exc.strerror or exc)
        )
        raise attempts.error() from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
    assert check.sha256 is not None
    return ModelInfo(target, variant, check.sha256, "download")


# --- public entry points ---------------------------------------------------------------


def resolve_model(
    path: str | Path | None = None,
    variant: str = DEFAULT_VARIANT,
    *,
    download: bool = True,
    progress: bool = True,
    url_template: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    lang: str | None = None,
) -> ModelInfo:
    """The model file to load: ``path`` → ``$POSECHECK_MODEL`` → cache → download.

    ``download=False`` stops after the cache. ``progress`` shows a progress bar on
    stderr while downloading. ``url_template`` (``{variant}`` filled in) replaces the
    download address. Raises :class:`ModelError` (one paragraph in ``lang``, default
    the system language) when no usable file is found.
    """
    language = _lang(lang)
    _check_variant(variant, language)
    attempts = _Attempts(variant, language)
    if path is not None and str(path).strip():
        file = Path(path).expanduser()
        return _use_explicit(file, "flag", f"--model {file}", variant, attempts)
    attempts.add("--model", _NOT_GIVEN.get(language))
    env_value = os.environ.get(MODEL_ENV, "").strip()
    if env_value:
        file = Path(env_value).expanduser()
        return _use_explicit(file, "env", f"{MODEL_ENV}={file}", variant, attempts)
    attempts.add(MODEL_ENV, _NOT_SET.get(language))
    cached = _from_cache(variant, attempts, delete_bad=download)
    if cached is not None:
        return cached
    url = model_url(variant, url_template)
    if not download:
        attempts.add(_DOWNLOAD.get(language, url=url), _NOT_DOWNLOADING.get(language))
        raise attempts.error()
    return _download(variant, attempts, url=url, progress=progress, timeout_s=timeout_s)


def download_model(
    variant: str = DEFAULT_VARIANT,
    *,
    force: bool = False,
    progress: bool = True,
    url_template: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    lang: str | None = None,
) -> ModelInfo:
    """Put the published ``variant`` into the cache (kept if already there and valid).

    ``force`` downloads again even when the cached file is fine. Ignores ``--model`` and
    ``$POSECHECK_MODEL``. Raises :class:`ModelError` on failure; the cache then holds no
    partial file.
    """
    language = _lang(lang)
    _check_variant(variant, language)
    attempts = _Attempts(variant, language)
    if not force:
        cached = _from_cache(variant, attempts, delete_bad=True)
        if cached is not None:
            return cached
    url = model_url(variant, url_template)
    return _download(variant, attempts, url=url, progress=progress, timeout_s=timeout_s)


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--model PATH`` and ``--variant {lite,full,heavy}`` to a verb's parser."""
    parser.add_argument(
        "--model",
        metavar="PATH",
        default=None,
        help=f"pose model bundle (.task); default: ${MODEL_ENV}, else the cached model, "
        "else downloaded once",
    )
    parser.add_argument(
        "--variant",
        choices=VARIANTS,
        default=DEFAULT_VARIANT,
        help="model variant when none is given: lite (fastest), full (default), "
        "heavy (most accurate, ~3x slower)",
    )


def model_from_args(args: argparse.Namespace) -> ModelInfo:
    """:func:`resolve_model` from the options :func:`add_model_arguments` added.

    Uses ``args.lang`` for messages when the verb has one.
    """
    return resolve_model(
        getattr(args, "model", None),
        getattr(args, "variant", None) or DEFAULT_VARIANT,
        lang=getattr(args, "lang", None),
    )
