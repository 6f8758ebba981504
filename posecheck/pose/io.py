"""Recorded landmark files: JSON Lines (``.jsonl``) and CSV (``.csv``).

Both formats start with the same metadata (schema ``posecheck.poses/1``,
source, fps, image size, model) and then hold one record per frame: frame
index, timestamp in ms and either the 33 landmarks (x, y, z, visibility,
presence) plus world landmarks, or "no pose". They are a first-class input
everywhere: re-analysis never needs the model again.

JSONL::

    {"schema": "posecheck.poses/1", "source": ..., "fps": 30.0, "image_size": [w, h], ...}
    {"frame": 0, "t_ms": 0, "pose": null}
    {"frame": 1, "t_ms": 33, "landmarks": [[x, y, z, v, p], ...], "world": [[x, y, z], ...]}

CSV: a first line ``# {metadata json}``, then a header ``frame,t_ms,pose,
nose_x,nose_y,nose_z,nose_v,nose_p,...,nose_wx,nose_wy,nose_wz,...``;
``pose`` is 1 or 0 and the coordinates of a frame without a pose are empty.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import IO, Any

import numpy as np

from posecheck.errors import LandmarkFileError
from posecheck.pose.types import LANDMARK_NAMES, NUM_LANDMARKS, Pose, PoseSequence

SCHEMA = "posecheck.poses/1"
LANDMARK_SUFFIXES = ("x", "y", "z", "v", "p")
WORLD_SUFFIXES = ("wx", "wy", "wz")
CSV_COLUMNS = (
    ["frame", "t_ms", "pose"]
    + [f"{n}_{s}" for n in LANDMARK_NAMES for s in LANDMARK_SUFFIXES]
    + [f"{n}_{s}" for n in LANDMARK_NAMES for s in WORLD_SUFFIXES]
)
LANDMARK_FILE_SUFFIXES = (".jsonl", ".csv")


def is_landmark_file(path: str | Path) -> bool:
    """True when ``path`` looks like a recorded landmark file (by extension)."""
    return Path(path).suffix.lower() in LANDMARK_FILE_SUFFIXES


class LandmarkWriter:
    """Writes poses frame by frame, flushing each record (nothing is lost on a crash)."""

    def __init__(self, path: str | Path, metadata: dict[str, Any]) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in LANDMARK_FILE_SUFFIXES:
            raise LandmarkFileError(
                f"Cannot write landmarks to '{self.path}': use a .jsonl or .csv file name."
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._csv = suffix == ".csv"
        self._file: IO[str] = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        header = {"schema": SCHEMA, **metadata}
        if self._csv:
            self._file.write("# " + json.dumps(header) + "\n")
            self._writer = csv.writer(self._file)
            self._writer.writerow(CSV_COLUMNS)
        else:
            self._file.write(json.dumps(header) + "\n")
        self._file.flush()

    def write(self, frame_index: int, timestamp_ms: int, pose: Pose | None) -> None:
        """Append one frame's record."""
        if self._csv:
            row: list[Any] = [frame_index, timestamp_ms, int(pose is not None)]
            if pose is None:
                row += [""] * (len(CSV_COLUMNS) - 3)
            else:
                row += [f"{v:.6g}" for v in pose.landmarks.ravel()]
                world = pose.world_landmarks
                row += (
                    [""] * (NUM_LANDMARKS * 3)
                    if world is None
                    else [f"{v:.6g}" for v in world.ravel()]
                )
            self._writer.writerow(row)
        else:
            record: dict[str, Any] = {"frame": frame_index, "t_ms": timestamp_ms}
            if pose is None:
                record["pose"] = None
            else:
                record["landmarks"] = np.round(pose.landmarks.astype(float), 6).tolist()
                if pose.world_landmarks is not None:
                    record["world"] = np.round(pose.world_landmarks.astype(float), 6).tolist()
            self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> LandmarkWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata header of a landmark file."""
    with open(path, encoding="utf-8") as f:
        first = f.readline()
    return _parse_header(Path(path), first.removeprefix("# "))


def _parse_header(path: Path, line: str) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except json.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("schema") != SCHEMA:
        raise LandmarkFileError(
            f"'{path}' is not a posecheck landmark file (its first line should carry "
            f"schema '{SCHEMA}'). Make one with: posecheck poses VIDEO --out FILE.jsonl"
        )
    return header


def read_landmarks(path: str | Path) -> PoseSequence:
    """Read a ``.jsonl`` or ``.csv`` landmark file into a :class:`PoseSequence`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LandmarkFileError(f"Cannot read landmark file '{path}': {exc}") from exc
    lines = text.splitlines()
    if not lines:
        raise LandmarkFileError(f"Landmark file '{path}' is empty.")
    header = _parse_header(path, lines[0].removeprefix("# "))
    times: list[int] = []
    lms: list[np.ndarray] = []
    worlds: list[np.ndarray] = []
    nan_lm = np.full((NUM_LANDMARKS, 5), np.nan, dtype=np.float32)
    nan_world = np.full((NUM_LANDMARKS, 3), np.nan, dtype=np.float32)
    try:
        if path.suffix.lower() == ".csv":
            reader = csv.reader(io.StringIO("\n".join(lines[1:])))
            columns = next(reader)
            if tuple(columns) != tuple(CSV_COLUMNS):
                raise ValueError("unexpected CSV header")
            n_lm = NUM_LANDMARKS * 5
            for row in reader:
                if not row:
                    continue
                times.append(int(row[1]))
                if row[2] == "1":
                    lms.append(np.array(row[3 : 3 + n_lm], dtype=np.float32).reshape(-1, 5))
                    w = row[3 + n_lm :]
                    worlds.append(
                        np.array(w, dtype=np.float32).reshape(-1, 3) if w[0] != "" else nan_world
                    )
                else:
                    lms.append(nan_lm)
                    worlds.append(nan_world)
        else:
            for number, line in enumerate(lines[1:], start=2):
                if not line.strip():
                    continue
                record = json.loads(line)
                times.append(int(record["t_ms"]))
                if record.get("landmarks") is None:
                    lms.append(nan_lm)
                    worlds.append(nan_world)
                    continue
                lm = np.array(record["landmarks"], dtype=np.float32)
                if lm.shape != (NUM_LANDMARKS, 5):
                    raise ValueError(f"line {number}: landmarks must be 33 rows of 5 numbers")
                lms.append(lm)
                world = record.get("world")
                worlds.append(np.array(world, dtype=np.float32) if world else nan_world)
    except (ValueError, KeyError, TypeError, IndexError, json.JSONDecodeError) as exc:
        raise LandmarkFileError(f"Landmark file '{path}' is damaged: {exc}") from exc
    n = len(times)
    return PoseSequence(
        np.asarray(times, dtype=np.int64),
        np.stack(lms) if n else np.zeros((0, NUM_LANDMARKS, 5), np.float32),
        np.stack(worlds) if n else np.zeros((0, NUM_LANDMARKS, 3), np.float32),
        tuple(header.get("image_size", (1, 1))),
        float(header.get("fps", 30.0)),
        str(header.get("source", path)),
    )
