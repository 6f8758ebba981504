"""Where the patient is in the image: the anchor used to keep tracking on one person."""

from __future__ import annotations

import numpy as np

_L_SH, _R_SH, _L_HIP, _R_HIP = 11, 12, 23, 24


def body_anchor(
    landmarks: np.ndarray, image_size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """``(T, 2)`` hip centre in pixels and ``(T,)`` torso length in pixels."""
    scale = np.array(image_size, dtype=np.float64)
    # only the four landmarks used (same arithmetic as on all 33)
    px = np.asarray(landmarks)[:, [_L_SH, _R_SH, _L_HIP, _R_HIP], :2].astype(np.float64) * scale
    shoulder = 0.5 * (px[:, 0] + px[:, 1])
    hip = 0.5 * (px[:, 2] + px[:, 3])
    trunk = shoulder - hip
    torso = np.sqrt((trunk * trunk).sum(axis=1))  # = np.linalg.norm(trunk, axis=1)
    return hip, torso
