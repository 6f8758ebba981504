"""The HTML report: self-contained, bilingual, rendered by a real browser (headless Chromium)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_analysis_report import make_result

from posecheck.analysis.html import KeyFrame, render_html
from posecheck.analysis.report import build_report

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("headless Chromium is missing (Debian package 'chromium')")
    pytest.skip("headless Chromium is missing (Debian package 'chromium')")


def browse(page: Path, tmp: Path, *, screenshot: Path | None = None) -> str:
    """Load ``page`` in headless Chromium; return the DOM (and write a screenshot)."""
    args = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}"]
    if screenshot is not None:
        args += [f"--screenshot={screenshot}", "--window-size=1280,2000"]
    else:
        args += ["--dump-dom"]
    done = subprocess.run([*args, page.resolve().as_uri()], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def check_page_in_browser(page: Path, tmp: Path) -> tuple[str, np.ndarray]:
    """DOM and screenshot of ``page``; asserts the screenshot is not blank."""
    dom = browse(page, tmp)
    shot = tmp / "shot.png"
    browse(page, tmp, screenshot=shot)
    image = cv2.imread(str(shot))
    assert image is not None, "no screenshot written"
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    assert float(gray.std()) > 20.0, "screenshot looks blank"
    assert float(np.mean(gray < 235)) > 0.05, "screenshot is nearly all white"
    return dom, image


def key_frame() -> KeyFrame:
    image = np.full((120, 160, 3), 200, np.uint8)
    cv2.circle(image, (80, 60), 30, (0, 128, 0), -1)
    ok, jpeg = cv2.imencode(".jpg", image)
    assert ok
    return KeyFrame(4.0, "Peak of rep 1", jpeg.tobytes())


@pytest.mark.parametrize(("lang", "heading", "fault_text"),
                         [("nl", "Analyse van de oefening", "Hou je hoofd op de grond."),
                          ("en", "Exercise analysis", "Keep your head down.")])
def test_page_is_self_contained_and_in_the_chosen_language(lang, heading, fault_text) -> None:
    result = make_result()
    page = render_html(build_report(result), result.traces, [key_frame()], lang=lang)
    assert heading in page and fault_text in page
    # nothing loaded from elsewhere: no external src/href, no scripts
    assert not re.search(r'(src|href)="(?!data:|#)', page)
    assert "<script" not in page
    assert page.count('class="plot"') == 1  # head_lift is all NaN: not plotted
    assert "data:image/jpeg;base64," in page


def test_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    result = make_result()
    page = tmp_path / "report.html"
    page.write_text(render_html(build_report(result), result.traces, [key_frame()], lang="en"),
                    encoding="utf-8")
    dom, image = check_page_in_browser(page, tmp_path)
    assert 'id="plot-hip_flexion"' in dom
    assert "<svg" in dom and "<path" in dom
    assert "Keep your head down." in dom
    # the inline plot draws the measurement line in dark blue: find its pixels
    blue = np.all(np.abs(image.astype(int) - np.array([0x73, 0x3b, 0x1f])) < 40, axis=2)
    assert blue.sum() > 200
