"""A patient profile changes what `posecheck live` and `posecheck analyze` demand, end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from posecheck.cli import build_parser, main
from posecheck.history.db import HistoryDB
from posecheck.pose.types import PoseSequence
from posecheck.therapist.reference import Reference

CLIP = "rendered/k2c_left_right.mp4"  # left then right knee, each held 10 s


def _profile(tmp_path: Path, hold_s: int | None) -> Path:
    body = 'name = "E2E"\nid = "e2e"\nlanguage = "en"\n[exercises.knee_to_chest]\n'
    if hold_s is not None:
        body += f"hold_s = {hold_s}\n"
    path = tmp_path / f"patient_{hold_s}.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.media
@pytest.mark.model
@pytest.mark.parametrize(("hold_s", "reached"), [(8, True), (20, False)])
def test_live_demands_the_profile_hold(
    tmp_path: Path, media_dir: Path, model_path: Path, hold_s: int, reached: bool
) -> None:
    """The clip's 10 s holds reach an 8 s target but not a 20 s one; the history shows the
    patient's target and key, and the therapist report is made from that session."""
    db = tmp_path / "history.sqlite3"
    code = main([
        "live", "--patient", str(_profile(tmp_path, hold_s)), "--camera", str(media_dir / CLIP),
        "--headless", "--mute", "--speech", "null", "--sound", "null", "--db", str(db),
        "--model", str(model_path),
    ])
    assert code == 0
    with HistoryDB.open(db) as history:
        sessions = history.sessions(patient="e2e")
        holds = history.holds(patient="e2e")
    assert len(sessions) == 1 and sessions[0].program == "patient"
    assert holds and all(h.target_s == hold_s for h in holds)
    assert all(h.reached_target is reached for h in holds)
    html = tmp_path / "report.html"
    assert main(["report", "--patient", str(_profile(tmp_path, hold_s)), "--db", str(db),
                 "--html", str(html), "--lang", "en"]) == 0
    text = html.read_text(encoding="utf-8")
    assert f"Hold (s): {hold_s} s" in text and "Knee to chest" in text


def _analyze_accepts_patient() -> bool:
    parser = build_parser()
    for action in parser._actions:
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict) and "analyze" in choices:
            return any("--patient" in a.option_strings for a in choices["analyze"]._actions)
    return False


@pytest.mark.media
@pytest.mark.model
def test_analyze_demands_the_profile_hold_and_compares_with_the_reference(
    tmp_path: Path, clip_poses: Callable[[str], PoseSequence], k2c_reference: Reference
) -> None:
    if not _analyze_accepts_patient():
        pytest.skip("`posecheck analyze --patient` is not there yet (helper 'analysis')")
    from posecheck.pose.io import LandmarkWriter
    from posecheck.therapist.reference import save_reference

    seq = clip_poses(CLIP)
    poses = tmp_path / "k2c.jsonl"
    with LandmarkWriter(poses, {"fps": seq.fps, "image_size": list(seq.image_size)}) as writer:
        for i in range(len(seq)):
            writer.write(i, int(seq.timestamps_ms[i]), seq.pose_at(i))
    save_reference(k2c_reference, tmp_path / "ref.json")
    profile = tmp_path / "patient.toml"
    profile.write_text('name = "E2E"\n[exercises.knee_to_chest]\nhold_s = 8\n'
                       'reference = "ref.json"\n', encoding="utf-8")
    report = tmp_path / "report.json"
    assert main(["analyze", str(poses), "--exercise", "knee_to_chest", "--patient", str(profile),
                 "--report", str(report)]) == 0
    doc = json.loads(report.read_text(encoding="utf-8"))
    reps = doc["reps"]
    assert reps and all(r["target_hold_s"] == 8 for r in reps)
    assert all(r["completed"] for r in reps)
    comparison = doc["comparison"]
    assert len(comparison["reps"]) == len(reps) and comparison["similarity"] > 50
