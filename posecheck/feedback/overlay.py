"""The live / annotated-video overlay: skeleton by rule status, gauge, hold countdown, reps, cue.

:func:`render_overlay` draws one frame from the engine's state (shared by the
live app and ``analyze --annotate``). Layout, sized from the image height so it
reads from 3 m on a laptop screen:

- skeleton: green = form right, amber = a warning, red = a fault that stops the
  hold; grey while the start position is not recognised yet;
- left edge: a vertical gauge of the primary measurement with its target band
  (green) and the current value (white marker + number);
- right: the hold countdown in big digits (seconds still to hold; for "as long
  as possible" the seconds held so far), or the rest countdown;
- top bar: exercise name, side, reps per side;
- bottom: the current cue (large, boxed), the leaflet instruction, the key help;
- a red banner with the fault message while a fault is active;
- live-only status (:class:`OverlayStatus`): muted, paused, set-up message, latency.

Text is drawn with Pillow (DejaVu Sans, shipped with matplotlib) so Dutch
accents render; all other drawing is OpenCV.
"""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from posecheck.feedback.skeleton import draw_skeleton
from posecheck.i18n import Text
from posecheck.pose.types import Pose

BGR = tuple[int, int, int]

GREEN: BGR = (80, 200, 60)
AMBER: BGR = (0, 170, 255)
RED: BGR = (40, 40, 230)
GREY: BGR = (190, 190, 190)
WHITE: BGR = (255, 255, 255)
YELLOW: BGR = (0, 230, 255)
PANEL: BGR = (30, 30, 30)

_PHASE_LABELS: dict[str, Text] = {
    "setup": Text(nl="in positie komen", en="getting into position"),
    "start": Text(nl="klaar", en="ready"),
    "raising": Text(nl="omhoog", en="moving"),
    "hold": Text(nl="vasthouden", en="hold"),
    "lowering": Text(nl="rustig terug", en="slowly back"),
    "rest": Text(nl="rust", en="rest"),
    "done": Text(nl="klaar", en="done"),
}
_SIDE_LABELS = {"left": Text(nl="links", en="left"), "right": Text(nl="rechts", en="right")}
_REPS = Text(nl="herhalingen", en="reps")
_HOLD_LEFT = Text(nl="nog vasthouden", en="hold for")
_HELD = Text(nl="vastgehouden", en="held")
_REST = Text(nl="rust", en="rest")
_PAUSED = Text(nl="PAUZE", en="PAUSED")
_MUTED = Text(nl="geluid uit", en="muted")
_KEYS = Text(
    nl="spatie pauze · p pijn · m geluid · n volgende · f spiegel · q stop",
    en="space pause · p pain · m mute · n next · f mirror · q quit",
)


@dataclass
class OverlayStatus:
    """Live-only things shown on the overlay."""

    muted: bool = False
    paused: bool = False
    show_keys: bool = True
    message: str | None = None
    latency_ms: float | None = None


@functools.lru_cache(maxsize=1)
def _font_dir() -> Path | None:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
    return folder if folder.is_dir() else None


@functools.lru_cache(maxsize=64)
def _font(size: int, bold: bool = False) -> Any:
    folder = _font_dir()
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    if folder is not None and (folder / name).exists():
        return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size=size)


@dataclass
class _TextItem:
    xy: tuple[int, int]
    text: str
    size: int
    color: BGR
    bold: bool = False
    anchor: str = "la"
    max_width: int | None = None
    max_lines: int | None = None


def _wrap(text: str, font: Any, max_width: int, max_lines: int | None = None) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and font.getlength(trial) > max_width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + " …") > max_width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = last + " …"
    return lines


@functools.lru_cache(maxsize=128)
def _text_height(
    text: str, size: int, max_width: int, bold: bool = False, max_lines: int | None = None
) -> int:
    font = _font(size, bold)
    return len(_wrap(text, font, max_width, max_lines)) * int(size * 1.2)


@functools.lru_cache(maxsize=256)
def _sprite(
    text: str, size: int, color: BGR, bold: bool, max_width: int | None, max_lines: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Rendered text (outlined), cached as texts repeat, ready to blend with integer math:
    the BGR patch already multiplied by its alpha, and ``255 × (1 − alpha)`` per channel
    (both uint8)."""
    font = _font(size, bold)
    lines = (_wrap(text, font, max_width, max_lines) if max_width else [text]) or [""]
    stroke = max(1, size // 14)
    step = int(size * 1.2)
    width = int(max(font.getlength(line) for line in lines)) + 2 * stroke + 2
    height = step * (len(lines) - 1) + int(size * 1.25) + 2 * stroke
    pil = Image.new("RGBA", (max(1, width), max(1, height)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(pil)
    for i, line in enumerate(lines):
        draw.text((stroke, stroke + i * step), line, font=font, fill=(*color[::-1], 255),
                  stroke_width=stroke, stroke_fill=(0, 0, 0, 255))
    rgba = np.asarray(pil)
    alpha = rgba[:, :, 3:4].astype(np.float32) / 255.0
    premultiplied = np.rint(rgba[:, :, 2::-1] * alpha).astype(np.uint8)
    inverse = np.rint(np.repeat(255.0 * (1.0 - alpha), 3, axis=2)).astype(np.uint8)
    premultiplied.flags.writeable = False
    inverse.flags.writeable = False
    return premultiplied, inverse


def _draw_texts(image: np.ndarray, items: list[_TextItem]) -> np.ndarray:
    """Blend each (cached) text sprite into ``image`` in place at its anchor.

    ``roi × (255 − a) / 255 + premultiplied`` in OpenCV's saturating uint8 arithmetic:
    several times faster than float blending, and OpenCV releases the GIL meanwhile
    (the inference thread keeps running).
    """
    h, w = image.shape[:2]
    for item in items:
        premultiplied, inverse = _sprite(item.text, item.size, item.color, item.bold,
                                         item.max_width, item.max_lines)
        sh, sw = premultiplied.shape[:2]
        x, y = item.xy
        x -= {"l": 0, "m": sw // 2, "r": sw}[item.anchor[0]]
        y -= {"a": 0, "m": sh // 2, "s": sh}.get(item.anchor[1], 0)
        x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + sw), min(h, y + sh)
        if x1 <= x0 or y1 <= y0:
            continue
        patch = premultiplied[y0 - y:y1 - y, x0 - x:x1 - x]
        keep = inverse[y0 - y:y1 - y, x0 - x:x1 - x]
        roi = image[y0:y1, x0:x1]
        roi[:] = cv2.add(cv2.multiply(roi, keep, scale=1.0 / 255.0), patch)
    return image


@functools.lru_cache(maxsize=64)
def _fitting_size(text: str, size: int, room: int) -> int:
    """The largest bold font size up to ``size`` at which ``text`` fits in ``room`` pixels."""
    while size > 10 and _font(size, True).getlength(text) > room:
        size -= 1
    return size


def _panel(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, color: BGR = PANEL,
           alpha: float = 0.6) -> None:
    h, w = image.shape[:2]
    x0, x1 = max(0, x0), min(w, x1)
    y0, y1 = max(0, y0), min(h, y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    if color[0] == color[1] == color[2]:  # grey: one scale-and-add, no colour image needed
        cv2.convertScaleAbs(roi, dst=roi, alpha=1 - alpha, beta=alpha * color[0])
        return
    overlay = _plain(h, w, color)[y0:y1, x0:x1]
    cv2.addWeighted(overlay, alpha, roi, 1 - alpha, 0, dst=roi)


@functools.lru_cache(maxsize=16)
def _plain(h: int, w: int, color: BGR) -> np.ndarray:
    """A cached one-colour image (read-only) that panels blend in."""
    image = np.empty((h, w, 3), np.uint8)
    image[:] = color
    image.flags.writeable = False
    return image


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return getattr(obj, name, default) if obj is not None else default


def _fault_severity(spec: Any, code: str) -> str:
    for group in ("checks", "tempo", "rep_checks"):
        for item in _get(spec, group, ()) or ():
            if _get(item, "code") == code:
                return str(_get(item, "severity", "warning"))
    return "warning"


def status_color(state: Any, spec: Any) -> BGR:
    """Skeleton colour for the engine state: grey (setup), green, amber (warning), red (stop)."""
    phase = _get(state, "phase", "setup")
    faults = tuple(_get(state, "active_faults", ()) or ())
    if faults:
        severities = {_fault_severity(spec, code) for code in faults}
        return RED if "stop" in severities else AMBER
    if phase == "setup":
        return GREY
    return GREEN


def gauge_range(spec: Any, state: Any) -> tuple[float, float]:
    """Value range of the gauge: the primary's zones and target band with a margin."""
    primary = _get(spec, "primary")
    values: list[float] = []
    for zone_name in ("start_zone", "end_zone"):
        zone = _get(primary, zone_name)
        values += [v for v in (_get(zone, "enter"), _get(zone, "exit")) if v is not None]
    band = _get(state, "primary_target") or _get(primary, "target")
    if band:
        values += [float(b) for b in band if b is not None and math.isfinite(float(b))]
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    margin = max(1e-6, (hi - lo) * 0.25)
    return lo - margin, hi + margin


def _format_seconds(seconds: float) -> str:
    seconds = max(0, math.ceil(seconds - 1e-6))
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else str(seconds)


def render_overlay(
    image_bgr: np.ndarray,
    pose: Pose | None,
    state: Any,
    spec: Any,
    *,
    lang: str = "nl",
    cue: str | None = None,
    status: OverlayStatus | None = None,
    inplace: bool = False,
    antialias: bool = True,
) -> np.ndarray:
    """A new BGR image: ``image_bgr`` with the coaching overlay (see the module docstring).

    ``state`` is the engine's ``EngineState`` (``None`` before an exercise starts:
    only skeleton and status are drawn); ``spec`` the ``ExerciseSpec`` (or ``None``).
    ``inplace=True`` draws on ``image_bgr`` itself and returns it (the live loop, whose
    camera frame is not used afterwards: saves a frame copy); ``antialias=False`` draws
    the skeleton with plain lines (the live loop: about three times cheaper).
    """
    out = image_bgr if inplace else image_bgr.copy()
    h, w = out.shape[:2]
    unit = max(h, 240) / 480.0  # 1.0 at 480 px high
    texts: list[_TextItem] = []
    margin = int(10 * unit)
    color = status_color(state, spec)

    if pose is not None:
        draw_skeleton(out, pose, color=color, antialias=antialias)

    # -- top bar: exercise, side, phase, reps per side ---------------------------------
    bar_h = int(40 * unit)
    _panel(out, 0, 0, w, bar_h)
    name = _get(spec, "name")
    title = name.get(lang) if isinstance(name, Text) else (str(name) if name else "posecheck")
    side = _get(state, "side")
    phase = _get(state, "phase")
    if side in _SIDE_LABELS:
        title += f" · {_SIDE_LABELS[side].get(lang)}"
    if phase in _PHASE_LABELS and phase not in ("hold", "rest"):
        title += f" · {_PHASE_LABELS[phase].get(lang)}"
    reps_done = _get(state, "reps_done") or {}
    reps_target = _get(state, "repetitions") or _get(spec, "repetitions")
    reps_text = ""
    if reps_done or reps_target:
        parts = []
        for key in sorted(reps_done, key=lambda k: str(k)):
            label = _SIDE_LABELS[key].get(lang)[0].upper() if key in _SIDE_LABELS else ""
            count = f"{reps_done[key]}" + (f"/{reps_target}" if reps_target else "")
            parts.append(f"{label} {count}".strip())
        reps_text = "  ".join(parts) if parts else f"0/{reps_target}"
        reps_text = f"{_REPS.get(lang)} {reps_text}"
    size = _fitting_size(title + reps_text, int(20 * unit), w - 3 * margin)
    texts.append(_TextItem((margin, bar_h // 2), title, size, WHITE, True, "lm"))
    if reps_text:
        texts.append(_TextItem((w - margin, bar_h // 2), reps_text, size, WHITE, True, "rm"))

    # -- fault banner ------------------------------------------------------------------
    faults = tuple(_get(state, "active_faults", ()) or ())
    top = bar_h
    if faults:
        message = None
        finder = _get(spec, "message_for")
        if callable(finder):
            message = finder(faults[0])
        banner = message.get(lang) if isinstance(message, Text) else faults[0].replace("_", " ")
        banner_h = int(36 * unit)
        _panel(out, 0, top, w, top + banner_h, color if color != GREEN else RED, 0.8)
        texts.append(_TextItem((w // 2, top + banner_h // 2), banner, int(20 * unit), WHITE, True,
                               "mm"))
        top += banner_h

    # -- gauge of the primary measurement ----------------------------------------------
    primary_value = _get(state, "primary_value")
    if spec is not None and _get(spec, "primary") is not None and state is not None:
        lo, hi = gauge_range(spec, state)
        gx0, gx1 = margin, margin + int(26 * unit)
        gy0, gy1 = top + int(40 * unit), h - int(150 * unit)
        if gy1 - gy0 > 40:
            _panel(out, gx0 - 4, gy0 - 4, gx1 + 4, gy1 + 4, PANEL, 0.6)

            def y_of(value: float) -> int:
                frac = (value - lo) / (hi - lo)
                return int(gy1 - np.clip(frac, 0.0, 1.0) * (gy1 - gy0))

            band = _get(state, "primary_target") or _get(_get(spec, "primary"), "target")
            if band:
                b0, b1 = sorted(float(b) for b in band)
                cv2.rectangle(out, (gx0, y_of(b1)), (gx1, y_of(b0)), GREEN, -1)
            cv2.rectangle(out, (gx0, gy0), (gx1, gy1), WHITE, max(1, int(unit)))
            label = _get(state, "primary_name") or _get(_get(spec, "primary"), "measurement", "")
            texts.append(_TextItem((gx0, gy0 - int(8 * unit)), str(label).replace("_", " "),
                                   int(13 * unit), WHITE, False, "ls"))
            if primary_value is not None and math.isfinite(float(primary_value)):
                y = y_of(float(primary_value))
                cv2.rectangle(out, (gx0 - int(6 * unit), y - int(3 * unit)),
                              (gx1 + int(6 * unit), y + int(3 * unit)), WHITE, -1)
                cv2.rectangle(out, (gx0 - int(6 * unit), y - int(3 * unit)),
                              (gx1 + int(6 * unit), y + int(3 * unit)), (0, 0, 0), 1)
                texts.append(_TextItem((gx1 + int(10 * unit), y), f"{float(primary_value):.0f}",
                                       int(18 * unit), WHITE, True, "lm"))

    # -- big countdown: hold or rest ---------------------------------------------------
    big: str | None = None
    caption: str | None = None
    big_color = WHITE
    rest_left = _get(state, "rest_remaining_s")
    if phase == "hold":
        held = float(_get(state, "held_s", 0.0) or 0.0)
        target = _get(state, "target_s")
        if target:
            big, caption = _format_seconds(float(target) - held), _HOLD_LEFT.get(lang)
            big_color = GREEN if color == GREEN else color
        else:
            big, caption = _format_seconds(held), _HELD.get(lang)
    elif phase == "rest" and rest_left is not None:
        big, caption = _format_seconds(float(rest_left)), _REST.get(lang)
    if big is not None:
        size = int(110 * unit)
        cx, cy = w - margin - int(80 * unit), top + int(20 * unit) + size // 2
        _panel(out, cx - int(85 * unit), top + int(8 * unit), w - margin // 2,
               cy + size // 2 + int(34 * unit))
        texts.append(_TextItem((cx, cy), big, size, big_color, True, "mm"))
        if caption:
            texts.append(_TextItem((cx, cy + size // 2 + int(16 * unit)), caption,
                                   int(18 * unit), WHITE, False, "mm"))

    # -- bottom: cue, instruction, keys ------------------------------------------------
    status = status or OverlayStatus()
    lines_bottom = h
    if status.show_keys:
        keys_h = int(22 * unit)
        _panel(out, 0, h - keys_h, w, h)
        texts.append(_TextItem((margin, h - keys_h // 2), _KEYS.get(lang), int(13 * unit), GREY,
                               False, "lm"))
        lines_bottom = h - keys_h
    instructions = _get(spec, "instructions")
    if isinstance(instructions, Text):
        text = instructions.get(lang)
        size = int(14 * unit)
        height = _text_height(text, size, w - 2 * margin, max_lines=2)
        y0 = lines_bottom - height - int(6 * unit)
        _panel(out, 0, y0 - int(4 * unit), w, lines_bottom)
        texts.append(_TextItem((margin, y0), text, size, WHITE, False, "la", w - 2 * margin, 2))
        lines_bottom = y0 - int(4 * unit)
    shown_cue = status.message or cue
    if shown_cue:
        size = int(24 * unit)
        height = _text_height(shown_cue, size, w - 4 * margin, True, max_lines=3)
        y0 = lines_bottom - height - int(14 * unit)
        _panel(out, margin, y0 - int(6 * unit), w - margin, lines_bottom - int(6 * unit),
               (0, 90, 140) if status.message else (20, 20, 20), 0.85)
        texts.append(_TextItem((2 * margin, y0), shown_cue, size, YELLOW, True, "la",
                               w - 4 * margin, 3))

    # -- status corner (bottom right): muted, latency ---------------------------------
    corner = []
    if status.muted:
        corner.append(_MUTED.get(lang))
    if status.latency_ms is not None:
        corner.append(f"{status.latency_ms:.0f} ms")
    if corner:
        y = h - int(11 * unit) if status.show_keys else h - margin
        texts.append(_TextItem((w - margin, y), " · ".join(corner), int(13 * unit), YELLOW,
                               True, "rm"))
    if status.paused:
        _panel(out, 0, 0, w, h, (0, 0, 0), 0.45)
        texts.append(_TextItem((w // 2, h // 2), _PAUSED.get(lang), int(72 * unit), WHITE, True,
                               "mm"))
    return _draw_texts(out, texts)
