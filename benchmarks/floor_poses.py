"""How well are people on the floor found? Pose-found fraction and landmark quality.

For every clip in ``shared/media/videos`` (frames in the ``use`` ranges of
``videos/segments.json``) and ``shared/media/rendered`` (all frames), each
model variant and each rotation setting, this runs the posecheck estimator in
VIDEO mode (as ``extract_poses`` does) and reports:

- ``found``: fraction of use frames with a pose;
- on the rendered clips (exact ground truth in ``<name>.gt.npz``): the mean
  2D distance in pixels (640×480) between the near-side hip, knee and ankle
  and the true joints, and the mean absolute error of the near-side knee and
  hip angles measured in 2D (hip–knee–ankle, shoulder–hip–knee) against the
  same angles from the true 2D joints.

Results are cached per (clip, variant, rotation) in a JSON file so an
interrupted run resumes. The markdown table goes to ``docs/floor-poses.md``::

    python benchmarks/floor_poses.py                       # everything
    python benchmarks/floor_poses.py --variants lite full  # skip heavy
    python benchmarks/floor_poses.py --heavy-subset rendered
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POSECHECK_SHARED", ROOT.parent / "shared"))
MEDIA = SHARED / "media"
MODELS = SHARED / "models"

# near-side joints compared with the rendered ground truth: (mediapipe index, gt name)
_NEAR = {
    "left": {
        "shoulder": (11, "l_shoulder"),
        "hip": (23, "l_hip"),
        "knee": (25, "l_knee"),
        "ankle": (27, "l_ankle"),
    },
    "right": {
        "shoulder": (12, "r_shoulder"),
        "hip": (24, "r_hip"),
        "knee": (26, "r_knee"),
        "ankle": (28, "r_ankle"),
    },
}


def clips() -> list[tuple[str, list[tuple[int, int]] | None]]:
    """(path relative to media, use ranges or None = all frames)."""
    segments = json.loads((MEDIA / "videos" / "segments.json").read_text())
    out: list[tuple[str, list[tuple[int, int]] | None]] = []
    for name, info in segments.items():
        if name.startswith("_"):
            continue
        out.append((f"videos/{name}", [(int(a), int(b)) for a, b in info["use"]]))
    for path in sorted((MEDIA / "rendered").glob("*.mp4")):
        out.append((f"rendered/{path.name}", None))
    return out


def use_mask(n: int, ranges: list[tuple[int, int]] | None) -> np.ndarray:
    mask = np.zeros(n, bool) if ranges else np.ones(n, bool)
    for start, stop in ranges or []:
        mask[start : stop + 1] = True
    return mask


def angle_2d(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Interior angle at ``b`` in degrees (180 = straight), vectorised over rows."""
    u, v = a - b, c - b
    cos = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def rendered_quality(relative: str, landmarks: np.ndarray) -> dict[str, float]:
    """Near-side 2D joint and angle errors against the rendered ground truth."""
    stem = MEDIA / relative.removesuffix(".mp4")
    gt = np.load(f"{stem}.gt.npz", allow_pickle=True)
    labels = json.loads(Path(f"{stem}.json").read_text())
    names = [str(n) for n in gt["joint_names"]]
    joints = gt["joints2d"][:, :, :2]
    w, h = (int(v) for v in gt["image_size"])
    n = min(len(joints), len(landmarks))
    near = _NEAR[labels["near_side"]]
    found = ~np.isnan(landmarks[:n, 0, 0])
    mp_px = {k: landmarks[:n, i, :2] * np.array([w, h]) for k, (i, _) in near.items()}
    gt_px = {k: joints[:n, names.index(g)] for k, (_, g) in near.items()}
    out: dict[str, float] = {}
    dist = [np.linalg.norm(mp_px[k] - gt_px[k], axis=1)[found] for k in ("hip", "knee", "ankle")]
    out["joint_px"] = float(np.mean(np.concatenate(dist))) if found.any() else float("nan")
    for name, (a, b, c) in {
        "knee": ("hip", "knee", "ankle"),
        "hip": ("shoulder", "hip", "knee"),
    }.items():
        err = np.abs(
            angle_2d(mp_px[a], mp_px[b], mp_px[c]) - angle_2d(gt_px[a], gt_px[b], gt_px[c])
        )
        out[f"{name}_deg"] = float(np.mean(err[found])) if found.any() else float("nan")
    return out


def run_one(
    relative: str, ranges: list[tuple[int, int]] | None, variant: str, rotation: str
) -> dict[str, float]:
    from posecheck.pose.estimator import EstimatorOptions
    from posecheck.pose.extract import extract_poses

    options = EstimatorOptions(
        model_path=MODELS / f"pose_landmarker_{variant}.task", rotation=rotation
    )
    start = time.perf_counter()
    seq = extract_poses(MEDIA / relative, options=options)
    elapsed = time.perf_counter() - start
    mask = use_mask(len(seq), ranges)
    found = seq.has_pose[mask]
    result = {
        "use_frames": int(mask.sum()),
        "pose_frames": int(found.sum()),
        "found": float(found.mean()),
        "ms_per_frame": 1000 * elapsed / max(1, len(seq)),
    }
    if relative.startswith("rendered/"):
        result.update(rendered_quality(relative, seq.landmarks))
    return result


def markdown(
    results: dict[str, dict[str, float]], variants: list[str], rotations: list[str]
) -> str:
    rows = sorted({key.split("|")[0] for key in results})
    combos = [(v, r) for v in variants for r in rotations]
    head = "| clip | use frames | " + " | ".join(f"{v} {r}" for v, r in combos) + " |"
    lines = [head, "|" + "---|" * (2 + len(combos))]
    totals = {c: [0, 0] for c in combos}
    for clip in rows:
        cells = []
        frames = ""
        for v, r in combos:
            res = results.get(f"{clip}|{v}|{r}")
            if res is None:
                cells.append("–")
                continue
            frames = str(res["use_frames"])
            totals[(v, r)][0] += int(res["pose_frames"])
            totals[(v, r)][1] += int(res["use_frames"])
            cells.append(f"{100 * res['found']:.1f} %")
        lines.append(f"| {clip} | {frames} | " + " | ".join(cells) + " |")
    lines.append(
        "| **all clips run** | | "
        + " | ".join(f"**{100 * p / t:.1f} %** ({t})" if t else "–" for p, t in totals.values())
        + " |"
    )
    lines += [
        "",
        "Landmark quality on the rendered clips (near side; mean over frames with a pose): "
        "2D joint error in px (hip, knee, ankle; 640×480), |knee angle error|, "
        "|hip angle error| in degrees (2D angles vs the true 2D joints).",
        "",
    ]
    lines.append("| clip | " + " | ".join(f"{v} {r}" for v, r in combos) + " |")
    lines.append("|" + "---|" * (1 + len(combos)))
    for clip in [c for c in rows if c.startswith("rendered/")]:
        cells = []
        for v, r in combos:
            res = results.get(f"{clip}|{v}|{r}")
            cells.append(
                "–"
                if res is None
                else f"{res['joint_px']:.1f} px, {res['knee_deg']:.1f}°, {res['hip_deg']:.1f}°"
            )
        lines.append(f"| {clip} | " + " | ".join(cells) + " |")
    lines += ["", "Time per frame (ms, decoding included, 2 cores):", ""]
    lines.append("| | " + " | ".join(f"{v} {r}" for v, r in combos) + " |")
    lines.append("|" + "---|" * (1 + len(combos)))
    for clip in rows:
        cells = [
            f"{results[k]['ms_per_frame']:.0f}" if (k := f"{clip}|{v}|{r}") in results else "–"
            for v, r in combos
        ]
        lines.append(f"| {clip} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", nargs="+", default=["lite", "full", "heavy"])
    parser.add_argument("--rotations", nargs="+", default=["none", "auto"])
    parser.add_argument(
        "--heavy-subset",
        choices=["all", "rendered"],
        default="all",
        help="run heavy on every clip or only on the rendered ones",
    )
    parser.add_argument("--only", nargs="*", default=None, help="substrings of clip names")
    parser.add_argument(
        "--results",
        type=Path,
        default=Path(tempfile.gettempdir()) / "posecheck_floor_poses.json",
        help="per-run results cache (resumes an interrupted run)",
    )
    parser.add_argument(
        "--markdown", type=Path, default=None, help="also write the tables to this file"
    )
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = (
        json.loads(args.results.read_text()) if args.results.exists() else {}
    )
    todo = [c for c in clips() if not args.only or any(s in c[0] for s in args.only)]
    for variant in args.variants:
        for relative, ranges in todo:
            if (
                variant == "heavy"
                and args.heavy_subset == "rendered"
                and not relative.startswith("rendered/")
            ):
                continue
            for rotation in args.rotations:
                key = f"{relative}|{variant}|{rotation}"
                if key in results:
                    continue
                results[key] = run_one(relative, ranges, variant, rotation)
                args.results.write_text(json.dumps(results, indent=1))
                res = results[key]
                print(
                    f"{key}: found {100 * res['found']:.1f} % {res['ms_per_frame']:.0f} ms/frame",
                    flush=True,
                )
    table = markdown(results, args.variants, args.rotations)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
