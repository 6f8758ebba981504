"""Model resolution, download and verification (posecheck.model_store, `posecheck model`).

Downloads come from a local HTTP server on 127.0.0.1 that serves the shared model
files (read in place, never copied into the repository); the cache is a temporary
folder via POSECHECK_CACHE_DIR.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import logging
import socket
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from posecheck.cli import main
from posecheck.errors import ModelError
from posecheck.model_store import (
    MODEL_URL_TEMPLATE,
    OFFICIAL_SHA256,
    add_model_arguments,
    cached_model_path,
    download_model,
    model_from_args,
    model_url,
    resolve_model,
    verify_model_file,
)

FULL_SHA = OFFICIAL_SHA256["full"]
FULL_URL = MODEL_URL_TEMPLATE.replace("{variant}", "full")
FULL_SIZE = 9_398_198

# The root conftest's helpers, loaded by path: a bare "import conftest" can pick up
# another folder's conftest.py depending on collection order.
_spec = importlib.util.spec_from_file_location(
    "_root_conftest", Path(__file__).parents[1] / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_root_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_root_conftest)
MODELS = _root_conftest.MODELS
require = _root_conftest.require


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh, empty cache; no model or URL from the environment."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("POSECHECK_CACHE_DIR", str(cache))
    monkeypatch.delenv("POSECHECK_MODEL", raising=False)
    monkeypatch.delenv("POSECHECK_MODEL_URL", raising=False)
    return cache


@pytest.fixture(scope="session")
def lite_path() -> Path:
    """The shared lite rebuild: a valid bundle that is not byte-identical to Google's."""
    return require(MODELS / "pose_landmarker_lite.task", "lite pose model")


@pytest.fixture(scope="session")
def full_bytes(model_path: Path) -> bytes:
    return model_path.read_bytes()


@dataclass
class Route:
    body: bytes
    status: int = 200
    declared_length: int | None = None  # Content-Length when it differs from len(body)


@dataclass
class ModelServer:
    """Serves ``routes`` (path → Route) on 127.0.0.1 and counts requests per path."""

    routes: dict[str, Route]
    url: str = ""
    requests: list[str] = field(default_factory=list)

    def template(self, prefix: str) -> str:
        return f"{self.url}/{prefix}/pose_landmarker_{{variant}}.task"


@pytest.fixture
def server() -> Iterator[ModelServer]:
    state = ModelServer(routes={})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(self.path)
            route = state.routes.get(self.path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            self.send_response(route.status)
            length = route.declared_length if route.declared_length is not None else len(route.body)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(route.body)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """A URL template on a port nobody listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/pose_landmarker_{{variant}}.task"


def _link_into_cache(source: Path, variant: str = "full") -> Path:
    """Put ``source`` into the cache as a symlink (no copy of the shared file)."""
    target = cached_model_path(variant)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(source)
    return target


def _cache_files(cache: Path) -> list[str]:
    folder = cache / "models"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _rezipped(source: Path, dest: Path) -> Path:
    """The same two models in a new zip: a valid bundle with a different sha256."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED) as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info.filename))
    return dest


# --- bad files: (name, maker(tmp_path, full_bytes) -> path, status, phrase in message) ---


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _flip(data: bytes, at: int) -> bytes:
    damaged = bytearray(data)
    damaged[at] ^= 0xFF
    return bytes(damaged)


def _bare_tflite(tmp: Path, full: bytes) -> Path:
    with zipfile.ZipFile(io.BytesIO(full)) as bundle:
        return _write(tmp / "pose_landmark_full.tflite", bundle.read("pose_detector.tflite"))


def _other_task(tmp: Path, full: bytes) -> Path:
    path = tmp / "hand_landmarker.task"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("hand_detector.tflite", b"1234TFL3")
        bundle.writestr("hand_landmarks_detector.tflite", b"1234TFL3")
    return path


BAD_FILES = [
    ("missing", lambda t, f: t / "nowhere.task", "missing", "does not exist"),
    ("folder", lambda t, f: t, "not_a_file", "is a folder"),
    ("empty", lambda t, f: _write(t / "e.task", b""), "empty", "is empty"),
    ("cut_early", lambda t, f: _write(t / "a.task", f[:100]), "truncated", "is truncated"),
    ("cut_mid", lambda t, f: _write(t / "b.task", f[:3_000_000]), "truncated", "is truncated"),
    ("cut_end", lambda t, f: _write(t / "c.task", f[:-1]), "truncated", "is truncated"),
    (
        "crc",
        lambda t, f: _write(t / "d.task", _flip(f, 5_000_000)),
        "corrupt",
        "pose_landmarks_detector.tflite fails the checksum",
    ),
    (
        "png",
        lambda t, f: _write(t / "photo.task", b"\x89PNG\r\n\x1a\n" + bytes(200)),
        "not_a_bundle",
        "a PNG image",
    ),
    (
        "jpeg",
        lambda t, f: _write(t / "photo.jpg", b"\xff\xd8\xff\xe0" + bytes(200)),
        "not_a_bundle",
        "a JPEG image",
    ),
    (
        "html",
        lambda t, f: _write(t / "p.task", b"<!DOCTYPE html><html>Access denied</html>"),
        "not_a_bundle",
        "a web page (HTML)",
    ),
    (
        "text",
        lambda t, f: _write(t / "notes.txt", "model: héél goed\n".encode()),
        "not_a_bundle",
        "a text file",
    ),
    ("tflite", _bare_tflite, "not_a_bundle", "a bare TFLite model"),
    ("other_task", _other_task, "wrong_members", "hand_detector.tflite"),
]


# --- verify_model_file -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "status"), [("full", "official"), ("heavy", "official"), ("lite", "valid")]
)
def test_verify_shared_models(variant: str, status: str) -> None:
    path = require(MODELS / f"pose_landmarker_{variant}.task", f"{variant} pose model")
    check = verify_model_file(path)
    assert (check.status, check.variant, check.usable) == (status, variant, True)
    assert check.size == path.stat().st_size
    if OFFICIAL_SHA256[variant]:
        assert check.sha256 == OFFICIAL_SHA256[variant]


@pytest.mark.parametrize(
    ("maker", "status", "phrase"),
    [pytest.param(m, s, p, id=name) for name, m, s, p in BAD_FILES],
)
def test_verify_rejects_bad_files(
    tmp_path: Path, full_bytes: bytes, maker, status: str, phrase: str
) -> None:
    check = verify_model_file(maker(tmp_path, full_bytes))
    assert check.status == status
    assert not check.usable
    assert phrase in check.describe("en")


def test_truncated_message_names_the_expected_size(tmp_path: Path, full_bytes: bytes) -> None:
    check = verify_model_file(_write(tmp_path / "t.task", full_bytes[:1_048_576]))
    assert check.describe("en", "full") == (
        "is truncated: 1,048,576 bytes of a zip bundle whose end is missing (an interrupted "
        "download?) (the official full bundle has 9,398,198 bytes)"
    )
    assert "1.048.576 bytes" in check.describe("nl", "full")


def test_rezipped_bundle_is_valid_but_not_official(tmp_path: Path, model_path: Path) -> None:
    check = verify_model_file(_rezipped(model_path, tmp_path / "re.task"))
    assert (check.status, check.variant) == ("valid", "full")
    assert check.sha256 != FULL_SHA


# --- resolution: explicit file ---------------------------------------------------------


def test_flag_path_is_used_first(
    monkeypatch: pytest.MonkeyPatch, model_path: Path, lite_path: Path
) -> None:
    monkeypatch.setenv("POSECHECK_MODEL", str(lite_path))
    info = resolve_model(model_path, download=False)
    assert (info.path, info.source, info.variant, info.sha256) == (
        model_path,
        "flag",
        "full",
        FULL_SHA,
    )
    assert info.warning is None


def test_env_path_is_used_without_flag(monkeypatch: pytest.MonkeyPatch, model_path: Path) -> None:
    monkeypatch.setenv("POSECHECK_MODEL", str(model_path))
    info = resolve_model(None, download=False)
    assert (info.path, info.source) == (model_path, "env")


def test_valid_unofficial_file_is_accepted_with_a_warning(
    lite_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="posecheck.model_store"):
        info = resolve_model(lite_path, "lite", lang="en")
    assert (info.path, info.variant, info.source) == (lite_path, "lite", "flag")
    assert info.warning is not None
    assert "not byte-identical to a published MediaPipe file" in info.warning
    assert "pose_landmarker_lite/float16/latest" in info.warning
    assert info.warning in caplog.text


def test_explicit_file_reports_its_own_variant(model_path: Path) -> None:
    # --variant only chooses what to look up or download; an explicit file is what it is
    assert resolve_model(model_path, "heavy", download=False).variant == "full"


@pytest.mark.parametrize(
    ("maker", "status", "phrase"),
    [pytest.param(m, s, p, id=name) for name, m, s, p in BAD_FILES],
)
def test_bad_flag_file_gives_one_paragraph_with_what_was_tried_and_how_to_fix(
    tmp_path: Path,
    full_bytes: bytes,
    model_path: Path,
    maker,
    status: str,
    phrase: str,
    server: ModelServer,
) -> None:
    bad = maker(tmp_path, full_bytes)
    _link_into_cache(model_path)  # a good cached model must NOT replace an explicit choice
    with pytest.raises(ModelError) as caught:
        resolve_model(bad, lang="en", url_template=server.template("ok"))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("No usable pose model (full). Tried: (1) --model ")
    assert str(bad) in message and phrase in message
    assert "the cache and the download were not tried" in message
    for fix in (FULL_URL, "--model PATH", "POSECHECK_MODEL", "posecheck model download"):
        assert fix in message
    assert server.requests == []


def test_bad_env_file_lists_the_flag_step_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, full_bytes: bytes
) -> None:
    bad = _write(tmp_path / "half.task", full_bytes[: len(full_bytes) // 2])
    monkeypatch.setenv("POSECHECK_MODEL", str(bad))
    with pytest.raises(ModelError) as caught:
        resolve_model(lang="en")
    assert (
        f"Tried: (1) --model: not given; (2) POSECHECK_MODEL={bad}: is truncated: 4,699,099 "
        "bytes" in str(caught.value)
    )


def test_messages_are_dutch_when_asked(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as caught:
        resolve_model(tmp_path / "weg.task", lang="nl")
    message = str(caught.value)
    assert message.startswith("Geen bruikbaar posemodel (full). Geprobeerd: (1) --model ")
    assert "bestaat niet" in message and "--model PAD" in message and FULL_URL in message


def test_unknown_variant_is_refused() -> None:
    with pytest.raises(ModelError, match="Unknown model variant 'medium'"):
        resolve_model(variant="medium", lang="en")


# --- resolution: cache -----------------------------------------------------------------


def test_cache_hit_needs_no_network(model_path: Path, closed_port_url: str) -> None:
    cached = _link_into_cache(model_path)
    info = resolve_model(url_template=closed_port_url)
    assert (info.path, info.source, info.sha256) == (cached, "cache", FULL_SHA)


def test_cache_dir_follows_posecheck_cache_dir(isolated: Path) -> None:
    assert cached_model_path("heavy") == isolated / "models" / "pose_landmarker_heavy.task"


def test_empty_cache_without_download_says_what_was_tried(isolated: Path) -> None:
    with pytest.raises(ModelError) as caught:
        resolve_model(download=False, lang="en")
    message = str(caught.value)
    cached = isolated / "models" / "pose_landmarker_full.task"
    assert (
        f"(1) --model: not given; (2) POSECHECK_MODEL: not set; (3) cache {cached}: not there; "
        f"(4) download from {FULL_URL}: not tried (download not requested)." in message
    )
    assert "posecheck model download --variant full" in message


def test_corrupt_cache_is_deleted_and_downloaded_again(
    isolated: Path, full_bytes: bytes, server: ModelServer
) -> None:
    cached = cached_model_path("full")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(full_bytes[:2_000_000])
    server.routes["/ok/pose_landmarker_full.task"] = Route(full_bytes)
    info = resolve_model(url_template=server.template("ok"), progress=False)
    assert (info.source, info.sha256) == ("download", FULL_SHA)
    assert verify_model_file(cached).status == "official"
    assert _cache_files(isolated) == ["pose_landmarker_full.task"]


def test_corrupt_cache_is_deleted_even_when_the_new_download_fails(
    isolated: Path, full_bytes: bytes, closed_port_url: str
) -> None:
    cached = cached_model_path("full")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"<html>captive portal</html>")
    with pytest.raises(ModelError) as caught:
        resolve_model(url_template=closed_port_url, progress=False, lang="en")
    assert (
        f"(3) cache {cached}: is not a pose model bundle but a web page (HTML), e.g. an error "
        "page saved instead of the model — deleted to download it again; (4) download from"
    ) in str(caught.value)
    assert _cache_files(isolated) == []


def test_corrupt_cache_is_kept_and_reported_when_not_downloading(full_bytes: bytes) -> None:
    cached = cached_model_path("full")
    cached.parent.mkdir(parents=True)
    cached.write_bytes(full_bytes[:2_000_000])
    with pytest.raises(ModelError, match=r"\(3\) cache .*: is truncated: 2,000,000 bytes"):
        resolve_model(download=False, lang="en")
    assert cached.exists()


def test_cached_file_of_another_variant_is_replaced(
    lite_path: Path, full_bytes: bytes, server: ModelServer
) -> None:
    _link_into_cache(lite_path, "full")
    server.routes["/ok/pose_landmarker_full.task"] = Route(full_bytes)
    info = resolve_model(url_template=server.template("ok"), progress=False)
    assert (info.source, info.sha256) == ("download", FULL_SHA)


# --- resolution: download --------------------------------------------------------------


def test_download_on_first_use_then_cache(
    isolated: Path, full_bytes: bytes, server: ModelServer
) -> None:
    server.routes["/ok/pose_landmarker_full.task"] = Route(full_bytes)
    first = resolve_model(url_template=server.template("ok"), progress=False)
    assert (first.source, first.sha256, first.path) == (
        "download",
        FULL_SHA,
        cached_model_path("full"),
    )
    assert _cache_files(isolated) == ["pose_landmarker_full.task"]  # no temp file left
    second = resolve_model(url_template=server.template("ok"), progress=False)
    assert second.source == "cache"
    assert server.requests == ["/ok/pose_landmarker_full.task"]


def test_download_url_comes_from_posecheck_model_url(
    monkeypatch: pytest.MonkeyPatch, full_bytes: bytes, server: ModelServer
) -> None:
    server.routes["/mirror/pose_landmarker_full.task"] = Route(full_bytes)
    monkeypatch.setenv("POSECHECK_MODEL_URL", server.template("mirror"))
    assert model_url("full") == f"{server.url}/mirror/pose_landmarker_full.task"
    assert model_url("full", "http://x/{variant}.task") == "http://x/full.task"
    assert resolve_model(progress=False).source == "download"


def test_download_with_progress_bar(
    full_bytes: bytes, server: ModelServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.routes["/ok/pose_landmarker_full.task"] = Route(full_bytes)
    info = resolve_model(url_template=server.template("ok"), progress=True)
    assert info.sha256 == FULL_SHA
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "pose_landmarker_full.task" in captured.err and "9.4 MB" in captured.err


@pytest.mark.parametrize(
    ("route", "phrase"),
    [
        pytest.param(
            lambda f: Route(f[:3_000_000]),
            "the downloaded file is truncated: 3,000,000 bytes",
            id="truncated_file",
        ),
        pytest.param(
            lambda f: Route(f[:3_000_000], declared_length=len(f)),
            "the connection broke off after 3,000,000 of 9,398,198 bytes",
            id="connection_cut",
        ),
        pytest.param(
            lambda f: Route(b"<html><body>Quota exceeded</body></html>"),
            "the downloaded file is not a pose model bundle but a web page (HTML)",
            id="html_page",
        ),
        pytest.param(
            lambda f: Route(b"nope", status=403),
            "the server answered HTTP 403",
            id="http_403",
        ),
    ],
)
def test_failed_download_leaves_nothing_in_the_cache(
    isolated: Path, full_bytes: bytes, server: ModelServer, route, phrase: str
) -> None:
    server.routes["/bad/pose_landmarker_full.task"] = route(full_bytes)
    with pytest.raises(ModelError) as caught:
        resolve_model(url_template=server.template("bad"), progress=False, lang="en")
    message = str(caught.value)
    assert "\n" not in message
    assert f"(4) download from {server.url}/bad/pose_landmarker_full.task: {phrase}" in message
    for fix in (FULL_URL, "--model PATH", "POSECHECK_MODEL", "posecheck model download"):
        assert fix in message
    assert _cache_files(isolated) == []


def test_download_404(server: ModelServer) -> None:
    with pytest.raises(ModelError, match="the server answered HTTP 404"):
        resolve_model(url_template=server.template("nothing"), progress=False, lang="en")


def test_download_of_another_variant_is_rejected(
    isolated: Path, lite_path: Path, server: ModelServer
) -> None:
    server.routes["/ok/pose_landmarker_full.task"] = Route(lite_path.read_bytes())
    with pytest.raises(ModelError, match="the downloaded file holds the lite model, not full"):
        resolve_model(url_template=server.template("ok"), progress=False, lang="en")
    assert _cache_files(isolated) == []


def test_download_with_unexpected_sha256_is_rejected(
    isolated: Path, tmp_path: Path, model_path: Path, server: ModelServer
) -> None:
    other = _rezipped(model_path, tmp_path / "re.task").read_bytes()
    server.routes["/ok/pose_landmarker_full.task"] = Route(other)
    with pytest.raises(ModelError) as caught:
        resolve_model(url_template=server.template("ok"), progress=False, lang="en")
    assert f"differs from the official full file's ({FULL_SHA})" in str(caught.value)
    assert _cache_files(isolated) == []


def test_lite_download_is_checked_for_structure_only(lite_path: Path, server: ModelServer) -> None:
    server.routes["/ok/pose_landmarker_lite.task"] = Route(lite_path.read_bytes())
    info = resolve_model(variant="lite", url_template=server.template("ok"), progress=False)
    assert (info.variant, info.source, info.warning) == ("lite", "download", None)


def test_offline_message(isolated: Path, closed_port_url: str) -> None:
    with pytest.raises(ModelError) as caught:
        resolve_model(url_template=closed_port_url, progress=False, lang="en")
    message = str(caught.value)
    assert "\n" not in message
    assert "(3) cache " in message and ": not there; (4) download from http://127.0.0.1:" in message
    assert "could not connect" in message and "check the internet connection" in message
    for fix in (FULL_URL, "--model PATH", "POSECHECK_MODEL", "posecheck model download"):
        assert fix in message
    assert _cache_files(isolated) == []


def test_silent_server_times_out(isolated: Path) -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with pytest.raises(ModelError, match=r"no answer within 0.3 s"):
            resolve_model(
                url_template=f"http://127.0.0.1:{port}/{{variant}}.task",
                progress=False,
                timeout_s=0.3,
                lang="en",
            )
    assert _cache_files(isolated) == []


def test_unwritable_cache_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: ModelServer
) -> None:
    blocker = _write(tmp_path / "not_a_folder", b"x")
    monkeypatch.setenv("POSECHECK_CACHE_DIR", str(blocker))
    with pytest.raises(ModelError, match=f"cannot write to {blocker}/models"):
        resolve_model(url_template=server.template("ok"), progress=False, lang="en")


def test_download_model_keeps_a_good_cache_unless_forced(
    full_bytes: bytes, server: ModelServer
) -> None:
    server.routes["/ok/pose_landmarker_full.task"] = Route(full_bytes)
    template = server.template("ok")
    assert download_model(url_template=template, progress=False).source == "download"
    assert download_model(url_template=template, progress=False).source == "cache"
    assert download_model(url_template=template, progress=False, force=True).source == "download"
    assert len(server.requests) == 2


def test_download_model_ignores_explicit_model(
    monkeypatch: pytest.MonkeyPatch, full_bytes: bytes, lite_path: Path, server: ModelServer
) -> None:
    monkeypatch.setenv("POSECHECK_MODEL", str(lite_path))
    server.routes["/ok/pose_landmarker_full.task"] = Route(full_bytes)
    info = download_model(url_template=server.template("ok"), progress=False)
    assert (info.path, info.sha256) == (cached_model_path("full"), FULL_SHA)


# --- argparse helpers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected_source", "expected_variant"),
    [
        (["--model", "{full}"], "flag", "full"),
        (["--model", "{lite}", "--variant", "lite"], "flag", "lite"),
        ([], "cache", "full"),
    ],
)
def test_model_from_args(
    model_path: Path, lite_path: Path, argv: list[str], expected_source: str, expected_variant: str
) -> None:
    _link_into_cache(model_path)
    parser = argparse.ArgumentParser()
    add_model_arguments(parser)
    args = parser.parse_args([a.format(full=model_path, lite=lite_path) for a in argv])
    info = model_from_args(args)
    assert (info.source, info.variant) == (expected_source, expected_variant)


def test_model_arguments_refuse_unknown_variant(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_model_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--variant", "medium"])
    assert "invalid choice: 'medium'" in capsys.readouterr().err


# --- CLI: posecheck model ... ----------------------------------------------------------


def test_cli_verify_official(model_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "verify", str(model_path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert f"sha256: {FULL_SHA}" in out
    assert "size: 9,398,198 bytes" in out
    assert "status: OK — pose_landmarker_full.task is the official full bundle." in out


def test_cli_verify_valid_unofficial(lite_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["model", "verify", str(lite_path), "--lang", "en"]) == 0
    assert "status: OK, with a warning — pose_landmarker_lite.task is a valid" in (
        capsys.readouterr().out
    )


def test_cli_verify_truncated(
    tmp_path: Path, full_bytes: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _write(tmp_path / "t.task", full_bytes[:1000])
    assert main(["model", "verify", str(bad), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "status: FAILED — t.task is truncated: 1,000 bytes" in out
    assert FULL_URL in out and "posecheck model download" in out


def test_cli_verify_defaults_to_env_then_cache(
    monkeypatch: pytest.MonkeyPatch, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["model", "verify", "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert f"file: {cached_model_path('full')} (cache)" in out and "does not exist" in out
    monkeypatch.setenv("POSECHECK_MODEL", str(model_path))
    assert main(["model", "verify", "--lang", "en"]) == 0
    assert f"file: {model_path} (from POSECHECK_MODEL)" in capsys.readouterr().out


def test_cli_verify_cache_insists_on_official_bytes(
    lite_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _link_into_cache(lite_path, "full")
    assert main(["model", "verify", "--lang", "en"]) == 1
    assert "holds the lite model, not full" in capsys.readouterr().out


def test_cli_path_does_not_download_unless_told(
    monkeypatch: pytest.MonkeyPatch,
    full_bytes: bytes,
    server: ModelServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.routes["/ok/pose_landmarker_full.task"] = Route(full_bytes)
    monkeypatch.setenv("POSECHECK_MODEL_URL", server.template("ok"))
    assert main(["model", "path", "--lang", "en"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "not tried (download not requested)" in captured.err
    assert server.requests == []
    assert main(["model", "path", "--download", "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip() == str(cached_model_path("full"))
    assert main(["model", "path"]) == 0  # now from the cache
    assert capsys.readouterr().out.strip() == str(cached_model_path("full"))
    assert len(server.requests) == 1


def test_cli_path_prints_env_model(
    monkeypatch: pytest.MonkeyPatch, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSECHECK_MODEL", str(model_path))
    assert main(["model", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(model_path)


def test_cli_download_then_already_then_force(
    monkeypatch: pytest.MonkeyPatch,
    full_bytes: bytes,
    server: ModelServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.routes["/ok/pose_landmarker_full.task"] = Route(full_bytes)
    monkeypatch.setenv("POSECHECK_MODEL_URL", server.template("ok"))
    target = cached_model_path("full")
    assert main(["model", "download", "--lang", "en"]) == 0
    assert f"Downloaded the full model: {target}\nsha256: {FULL_SHA}" in capsys.readouterr().out
    assert main(["model", "download", "--lang", "en"]) == 0
    assert f"already in the cache: {target}" in capsys.readouterr().out
    assert main(["model", "download", "--force", "--lang", "nl"]) == 0
    assert f"Het full-model is gedownload: {target}" in capsys.readouterr().out
    assert len(server.requests) == 2


def test_cli_download_offline_exits_2_with_one_paragraph(
    monkeypatch: pytest.MonkeyPatch, closed_port_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSECHECK_MODEL_URL", closed_port_url)
    assert main(["model", "download", "--variant", "heavy", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("posecheck: No usable pose model (heavy).")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "could not connect" in err
    assert "posecheck model download --variant heavy" in err
    assert MODEL_URL_TEMPLATE.replace("{variant}", "heavy") in err


def test_cli_model_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["model"])
    assert caught.value.code == 2
    assert "download" in capsys.readouterr().err
