"""Live comparison with the therapist's demonstration: a cue at the end of each repetition."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from posecheck.engine.events import RepRecord
from posecheck.feedback.cues import CueScheduler
from posecheck.feedback.sounds import RecordingPlayer
from posecheck.feedback.speech import RecordingSpeech, Speaker
from posecheck.history.db import HistoryDB
from posecheck.i18n import Text
from posecheck.live import comparison as live_comparison
from posecheck.live import messages as msg
from posecheck.live.app import LiveOptions, LiveSession
from posecheck.live.comparison import PendingCue, RepFeedback
from posecheck.live.display import OffscreenDisplay
from posecheck.live.keys import ScriptedKeys
from posecheck.pose.types import PoseSequence
from posecheck.therapist.reference import Reference, save_reference

CLIP = "rendered/k2c_left_right.mp4"  # left then right knee, each held 10 s
VERDICTS = ("Zoals voorgedaan", "Anders dan voorgedaan", "minder ver dan voorgedaan")


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def rig() -> tuple[RepFeedback, CueScheduler, Clock]:
    """A RepFeedback with a waiting comparison (no reference needed to hand out cues)."""
    clock = Clock()
    cues = CueScheduler(None, RecordingPlayer(), "en", clock=clock)
    feedback = RepFeedback.__new__(RepFeedback)
    feedback.source, feedback.results = "ref.json", []
    feedback.pending = PendingCue(Text(nl="Zoals voorgedaan", en="Like the demonstration"), 20.0)
    return feedback, cues, clock


def test_waits_until_the_previous_cue_had_its_time(
    rig: tuple[RepFeedback, CueScheduler, Clock],
) -> None:
    feedback, cues, clock = rig
    cues.cue("switch_side", "Switch side", priority=1)
    assert not feedback.give(cues, None, 20.2)  # "switch side" just appeared
    clock.t += live_comparison.MIN_GAP_S
    assert feedback.give(cues, None, 21.5)
    assert cues.shown() == "Like the demonstration" and feedback.pending is None


def test_a_fault_on_screen_outranks_it_and_a_stale_one_is_dropped(
    rig: tuple[RepFeedback, CueScheduler, Clock],
) -> None:
    feedback, cues, clock = rig
    cues.cue("other_leg_lifted", "Keep your other foot down", priority=2, show_s=30.0)
    clock.t += 5.0
    assert not feedback.give(cues, None, 25.0) and feedback.pending is not None
    assert not feedback.give(cues, None, 20.0 + live_comparison.STALE_S + 0.1)
    assert feedback.pending is None  # the next rep is under way: too late to say it


def test_waits_for_the_speaker_to_finish(rig: tuple[RepFeedback, CueScheduler, Clock]) -> None:
    feedback, cues, clock = rig
    speech = RecordingSpeech(seconds_per_char=0.05)
    speaker = Speaker(speech, "en")
    try:
        speaker.say("Switch side and rest for thirty seconds")  # ~2 s of speech
        clock.t += 10.0
        assert not feedback.give(cues, speaker, 21.0)
        assert speaker.wait_idle(5.0)
        assert feedback.give(cues, speaker, 21.0)
    finally:
        speaker.close()


@pytest.fixture(scope="module")
def clip_reference(clip_poses: Callable[[str], PoseSequence]) -> Reference:
    """The rendered clip itself as the demonstration (the patient does exactly what was shown)."""
    from posecheck.engine import analyze_sequence
    from posecheck.specs import load_spec
    from posecheck.therapist.reference import reference_from_run

    spec = load_spec("knee_to_chest")
    seq = clip_poses(CLIP)
    return reference_from_run(spec, seq, analyze_sequence(spec, seq), source=CLIP)


@pytest.mark.slow
@pytest.mark.media
@pytest.mark.model
def test_each_rep_is_compared_said_shown_and_recorded(
    tmp_path: Path, media_dir: Path, model_path: Path, clip_reference: Reference
) -> None:
    ref_file = save_reference(clip_reference, tmp_path / "ref.json")
    speech = RecordingSpeech(seconds_per_char=0.002)
    display = OffscreenDisplay(tmp_path / "frames", every=15)
    options = LiveOptions(
        camera=str(media_dir / CLIP), exercises=("knee_to_chest",), program="patient",
        lang="nl", model_path=model_path, db_path=tmp_path / "history.sqlite3",
        patient="p-1", reference_for=lambda ex: ref_file if ex == "knee_to_chest" else None,
    )
    session = LiveSession(options, speech_backend=speech, player=RecordingPlayer(),
                          display=display, keys=ScriptedKeys([]))
    summary = session.run()
    assert session.cues is not None
    assert summary.status in ("completed", "source_ended")
    (outcome,) = summary.exercises
    assert outcome.reps, "no rep recognised"
    # one comparison per repetition, in the history, with the similarity
    with HistoryDB.open(tmp_path / "history.sqlite3") as db:
        rows = db.comparisons(patient="p-1")
        reps = db.reps(patient="p-1")
    assert [(r.rep_index, r.side) for r in rows] == [(r.rep_index, r.side) for r in reps]
    assert all(0.0 <= r.similarity <= 100.0 and r.reference == str(ref_file) for r in rows)
    # the patient does what was demonstrated: "like the demonstration"
    assert all(r.similarity >= 70 and not r.short_of_reference for r in rows), rows
    assert [round(s, 3) for s in outcome.similarities] == [round(r.similarity, 3) for r in rows]
    # every comparison reached the patient: said and shown as a cue, one at a time
    said = speech.texts()
    for row in rows:
        assert row.message is not None and row.message.startswith("Zoals voorgedaan")
        assert any(row.message in text for text in said), (row.message, said)
        assert any(row.message in text for _, text, _ in
                   [(c.code, c.text, c.spoken) for c in session.cues.log])
    if outcome.status == "done":  # the last rep's verdict, then "done": both said, in order
        from posecheck.specs import load_spec

        done = msg.EXERCISE_DONE.get("nl", name=load_spec("knee_to_chest").name.nl)
        assert said.count(done) == 1, said
        assert said[said.index(done) - 1] == rows[-1].message, said
    assert "similarity" in summary.report()


def test_a_broken_reference_stops_before_the_camera_opens(tmp_path: Path) -> None:
    from posecheck.errors import PosecheckError

    bad = tmp_path / "ref.json"
    bad.write_text("{}", encoding="utf-8")
    options = LiveOptions(camera=str(tmp_path / "missing.mp4"), exercises=("knee_to_chest",),
                          db_path=tmp_path / "h.sqlite3", reference_for=lambda ex: bad)
    with pytest.raises(PosecheckError, match=r"ref\.json"):
        LiveSession(options, estimate=lambda image, ts: None).run()
    assert not (tmp_path / "h.sqlite3").exists()  # no session was started


def test_rep_record_type_is_what_the_engine_emits() -> None:
    # RepFeedback is fed the engine's RepRecord (index, side, times); keep them in step
    assert {"index", "side", "start_s", "end_s"} <= set(RepRecord.__dataclass_fields__)
