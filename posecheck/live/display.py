"""Where overlay frames go: an OpenCV window, or offscreen (tests, CI, no display).

Both are strategies behind :class:`Display`; :func:`make_display` picks one.
The offscreen display keeps the last frame and can save every N-th frame as
PNG (``--save-frames DIR``): the only way frames reach the disk besides
``--record``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

WINDOW_TITLE = "posecheck"


class Display(ABC):
    shown: int = 0

    @abstractmethod
    def show(self, image: np.ndarray) -> float:
        """Show one frame; returns the monotonic time it was shown."""

    def read_key(self) -> str | None:
        """The key pressed since the last call, if any."""
        return None

    def is_closed(self) -> bool:
        """True when the user closed the window."""
        return False

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the window."""


class OffscreenDisplay(Display):
    """No window; optionally saves every ``every``-th frame to ``save_dir``."""

    def __init__(self, save_dir: str | Path | None = None, every: int = 15) -> None:
        self.save_dir = Path(save_dir) if save_dir else None
        self.every = max(1, every)
        self.last: np.ndarray | None = None
        self.saved: list[Path] = []
        self.shown = 0
        if self.save_dir:
            self.save_dir.mkdir(parents=True, exist_ok=True)

    def show(self, image: np.ndarray) -> float:
        import cv2

        self.last = image
        if self.save_dir is not None and self.shown % self.every == 0:
            path = self.save_dir / f"frame_{self.shown:06d}.png"
            cv2.imwrite(str(path), image)
            self.saved.append(path)
        self.shown += 1
        return time.monotonic()

    def save_now(self, name: str) -> Path | None:
        """Save the last frame as ``name`` in ``save_dir`` (e.g. at a key moment)."""
        import cv2

        if self.save_dir is None or self.last is None:
            return None
        path = self.save_dir / name
        cv2.imwrite(str(path), self.last)
        self.saved.append(path)
        return path


class WindowDisplay(Display):
    """An OpenCV HighGUI window; closing it ends the session (everything is kept)."""

    def __init__(self, title: str = WINDOW_TITLE) -> None:
        import cv2

        self._cv2 = cv2
        self.title = title
        cv2.namedWindow(title, cv2.WINDOW_NORMAL)
        self.shown = 0
        self._key: str | None = None

    def show(self, image: np.ndarray) -> float:
        self._cv2.imshow(self.title, image)
        code = self._cv2.waitKey(1)
        shown_at = time.monotonic()
        if code >= 0:
            self._key = chr(code & 0xFF)
        self.shown += 1
        return shown_at

    def read_key(self) -> str | None:
        key, self._key = self._key, None
        return key

    def is_closed(self) -> bool:
        try:
            return self.shown > 0 and (
                self._cv2.getWindowProperty(self.title, self._cv2.WND_PROP_VISIBLE) < 1
            )
        except self._cv2.error:
            return True

    def close(self) -> None:
        with contextlib.suppress(self._cv2.error):
            self._cv2.destroyWindow(self.title)


def has_screen() -> bool:
    """Whether a window can be opened (Linux needs DISPLAY or WAYLAND_DISPLAY)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def make_display(
    headless: bool = False, save_dir: str | Path | None = None, every: int = 15
) -> tuple[Display, str | None]:
    """A window, or offscreen when ``headless``/no screen/frames are saved; plus a note."""
    if headless or save_dir is not None:
        return OffscreenDisplay(save_dir, every), None
    if not has_screen():
        return OffscreenDisplay(None, every), "No display found: running without a window."
    try:
        return WindowDisplay(), None
    except Exception as exc:  # cv2 built without GUI support
        log.info("no window: %s", exc)
        return OffscreenDisplay(None, every), f"Cannot open a window ({exc}): running without one."
