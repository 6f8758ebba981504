"""Keep the patient: drop frames where tracking jumped to another person.

MediaPipe may hop to a second person in view (a coach) for a while. A hop is
a jump of the hip centre by more than ``jump`` torso lengths (or a torso scale
change beyond ``scale``) between consecutive poses. The recording splits into
*tracklets* at hops; tracklets that sit close together (position and scale)
belong to the same identity. A run of other-identity tracklets with the same
identity on both sides is a hijack and is removed ("no pose"); a lasting change
(e.g. a camera cut) is kept.
"""

from __future__ import annotations

import numpy as np

from posecheck.pose.types import PoseSequence

_L_SH, _R_SH, _L_HIP, _R_HIP = 11, 12, 23, 24


def body_anchor(
    landmarks: np.ndarray, image_size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """``(T, 2)`` hip centre in pixels and ``(T,)`` torso length in pixels."""
    scale = np.array(image_size, dtype=np.float64)
    px = landmarks[:, :, :2].astype(np.float64) * scale
    hip = 0.5 * (px[:, _L_HIP] + px[:, _R_HIP])
    shoulder = 0.5 * (px[:, _L_SH] + px[:, _R_SH])
    torso = np.linalg.norm(shoulder - hip, axis=1)
    return hip, torso


def _same(
    a: tuple[np.ndarray, float], b: tuple[np.ndarray, float], jump: float, scale: float
) -> bool:
    (pa, ta), (pb, tb) = a, b
    size = max(ta, tb, 1e-6)
    ratio = max(ta, tb) / max(min(ta, tb), 1e-6)
    return bool(np.linalg.norm(pa - pb) <= jump * size and ratio <= scale)


def hijacked_frames(seq: PoseSequence, *, jump: float = 0.6, scale: float = 1.6) -> np.ndarray:
    """``(T,)`` bool: frames whose pose belongs to someone else than the patient."""
    return track_identities(seq, jump=jump, scale=scale)[0]


def track_identities(
    seq: PoseSequence, *, jump: float = 0.6, scale: float = 1.6, min_cut_s: float = 2.0
) -> tuple[np.ndarray, list[int]]:
    """Hijacked frames and *cuts*: frame indices where the view of the patient changed
    for good (a camera cut in an edited video) and stayed so for ``min_cut_s``."""
    n = len(seq)
    out = np.zeros(n, dtype=bool)
    cuts: list[int] = []
    hip, torso = body_anchor(seq.landmarks, seq.image_size)
    valid = np.flatnonzero(np.isfinite(hip[:, 0]) & np.isfinite(torso) & (torso > 0))
    if len(valid) < 3:
        return out, cuts
    # tracklets: split where consecutive valid poses jump
    d = np.linalg.norm(np.diff(hip[valid], axis=0), axis=1)
    t_prev, t_next = torso[valid][:-1], torso[valid][1:]
    ratio = np.maximum(t_prev, t_next) / np.maximum(np.minimum(t_prev, t_next), 1e-6)
    jumps = (d > jump * np.maximum(t_prev, t_next)) | (ratio > scale)
    breaks = np.flatnonzero(jumps) + 1
    pieces = np.split(valid, breaks)
    anchors = [(np.median(hip[p], axis=0), float(np.median(torso[p]))) for p in pieces]
    # identities: nearest earlier identity whose latest anchor matches
    identity: list[int] = []
    latest: list[tuple[np.ndarray, float]] = []
    for anchor in anchors:
        for k in range(len(latest) - 1, -1, -1):
            if _same(anchor, latest[k], jump, scale):
                identity.append(k)
                latest[k] = anchor
                break
        else:
            identity.append(len(latest))
            latest.append(anchor)
    # a run of other identities enclosed by the same identity is a hijack
    i = 0
    m = len(pieces)
    while i < m:
        j = i
        while j + 1 < m and identity[j + 1] != identity[i]:
            j += 1
        # pieces i+1..j differ from identity[i]; hijack if piece j+1 returns to it
        if j > i and j + 1 < m and identity[j + 1] == identity[i]:
            for k in range(i + 1, j + 1):
                out[pieces[k]] = True
        i = j + 1 if j > i else i + 1
    # cuts: a kept piece whose identity differs from the previous kept one, lasting
    times = seq.times_s
    previous: int | None = None
    for k, piece in enumerate(pieces):
        if out[piece[0]]:
            continue
        if previous is not None and identity[k] != previous:
            last = max((q for q in range(k, m) if identity[q] == identity[k]), default=k)
            if times[pieces[last][-1]] - times[piece[0]] >= min_cut_s:
                cuts.append(int(piece[0]))
                previous = identity[k]
            continue
        previous = identity[k]
    return out, cuts


def without_frames(seq: PoseSequence, drop: np.ndarray) -> PoseSequence:
    """``seq`` with the ``drop`` frames turned into "no pose"."""
    if not drop.any():
        return seq
    lm = seq.landmarks.copy()
    world = seq.world_landmarks.copy()
    lm[drop] = np.nan
    world[drop] = np.nan
    return PoseSequence(seq.timestamps_ms, lm, world, seq.image_size, seq.fps, seq.source)
