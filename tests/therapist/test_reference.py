"""Reference demonstrations: recording, the file format, replay, and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.cli import main
from posecheck.errors import PosecheckError
from posecheck.pose.io import LandmarkWriter
from posecheck.pose.types import PoseSequence
from posecheck.specs import ExerciseSpec
from posecheck.synth import generate
from posecheck.therapist.reference import SCHEMA, Reference, load_reference, record_reference


def test_reference_keeps_spec_reps_and_key_postures(k2c_reference: Reference) -> None:
    ref = k2c_reference
    assert (ref.spec_id, ref.spec_version) == ("knee_to_chest", 1)
    assert [r.side for r in ref.reps] == ["left", "right"]
    for rep in ref.reps:
        assert rep.primary_key == f"hip_flexion.{rep.side}"
        assert set(rep.postures) == {"start", "end", "hold"}
        start, end, hold = (rep.postures[k] for k in ("start", "end", "hold"))
        assert rep.start_s - 3.0 <= start.t_s <= rep.start_s <= end.t_s <= rep.end_s
        assert rep.hold_start_s is not None and rep.hold_end_s is not None
        assert rep.hold_start_s <= hold.t_s <= rep.hold_end_s
        # the knee really is at the chest in the end posture and not at the start
        assert end.values[rep.primary_key] > start.values[rep.primary_key] + 40
    shown = ref.range_shown("left")
    assert shown is not None
    assert 30 < shown[0] < 80 and 100 < shown[1] < 150


def test_file_round_trip(tmp_path: Path, k2c_reference: Reference) -> None:
    from posecheck.therapist.reference import save_reference

    path = save_reference(k2c_reference, tmp_path / "demo.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["schema"] == SCHEMA
    assert doc["exercise"]["id"] == "knee_to_chest" and doc["exercise"]["version"] == 1
    assert set(doc["reps"][0]["postures"]) == {"start", "end", "hold"}
    back = load_reference(path)
    assert back.reps == k2c_reference.reps
    assert np.allclose(back.times_s, k2c_reference.times_s, atol=1e-3)
    key = k2c_reference.reps[0].primary_key
    assert np.allclose(back.measurements[key], k2c_reference.measurements[key], atol=1e-3,
                       equal_nan=True)
    assert np.allclose(back.landmarks, k2c_reference.landmarks, atol=1e-4, equal_nan=True)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json", "invalid JSON"),
        ('{"schema": "posecheck.poses/1"}', "schema"),
        ('{"schema": "posecheck.reference/1", "exercise": {"id": "x", "version": 1}}',
         "missing key"),
    ],
)
def test_bad_reference_files_name_the_problem(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PosecheckError, match=expected) as info:
        load_reference(path)
    assert "bad.json" in str(info.value)


def test_a_demonstration_without_a_rep_is_refused(k2c_spec: ExerciseSpec) -> None:
    clip = generate("knee_to_chest", reps=1, hold_s=4.0)
    still = clip.seq.slice(0, 60)  # only the start position
    with pytest.raises(PosecheckError, match="No repetition"):
        record_reference(k2c_spec, still)


def _write_landmarks(path: Path, seq: PoseSequence) -> Path:
    meta = {"source": "synthetic", "fps": seq.fps, "image_size": list(seq.image_size)}
    with LandmarkWriter(path, meta) as writer:
        for i in range(len(seq)):
            writer.write(i, int(seq.timestamps_ms[i]), seq.pose_at(i))
    return path


def test_cli_record_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = generate("knee_to_chest", reps=1, hold_s=4.0, sides=("right", "left"), fps=15.0)
    poses = _write_landmarks(tmp_path / "demo.jsonl", clip.seq)
    out = tmp_path / "demo_ref.json"
    assert main(["reference", "record", "--exercise", "knee_to_chest", "--camera", str(poses),
                 "--out", str(out)]) == 0
    ref = load_reference(out)
    assert [r.side for r in ref.reps] == ["right", "left"]
    assert "Reference written" in capsys.readouterr().out

    video = tmp_path / "replay.mp4"
    assert main(["reference", "show", str(out), "--out", str(video)]) == 0
    text = capsys.readouterr().out
    assert "knee_to_chest" in text and "repetitions: 2" in text and "end" in text
    cap = cv2.VideoCapture(str(video))
    frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    ok, image = cap.read()
    cap.release()
    assert ok and frames == len(ref.times_s)
    assert image.std() > 5  # a skeleton and text on the dark canvas, not a blank frame


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--exercise", "knee_to_chest", "--camera", "missing.mp4", "--out", "r.json"],
         "does not exist"),
        (["--exercise", "no_such", "--camera", "x.jsonl", "--out", "r.json"], "no_such"),
        (["--exercise", "knee_to_chest", "--camera", "x.jsonl", "--out", "r.txt"], ".json"),
    ],
)
def test_cli_record_bad_input_is_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: list[str], expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["reference", "record", *args]) == 2
    assert expected in capsys.readouterr().err
