"""The live session runner: camera set-up check, exercises, keys, feedback, history.

One session = one frame source (camera or a video played as if live) and a
plan of exercises (the leaflet program, one exercise, or a patient's plan).
Threads: capture and inference run in :mod:`posecheck.live.capture`; this
module's :meth:`LiveSession.run` (the main thread) feeds the engine, gives
cues, draws and shows the overlay, reads keys and writes the history. When
pose estimation limits the frame rate, the main thread lets the inference
thread start on the next frame first (:data:`YIELD_TO_INFERENCE_S`).

Per exercise: ``setup`` (camera check until it is right; the engine already
watches, since nothing counts before it recognises the start position) →
``exercise`` (engine cues, beeps, hold countdown) → next exercise when the
engine says ``ExerciseDone`` or the patient presses ``n``. With a patient's
reference demonstration for the exercise, every finished repetition is
compared with it (:mod:`posecheck.live.comparison`): the result is a cue and
its similarity goes into the history.

Keys: space pause/resume, ``p`` "this hurts" (stops the exercise at once, records
it, offers to skip — never urges to go on), ``m`` mute, ``n`` next, ``f`` flip the
mirror, ``q`` quit. However the session ends (done, ``q``, Ctrl-C, the window
closed, the camera lost, the video over), everything up to that moment is in
the history database and the session's status says how it ended.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posecheck.engine.events import Event, ExerciseDone, RepCompleted, RepRecord
from posecheck.errors import PosecheckError, SourceError
from posecheck.feedback.cues import CueScheduler
from posecheck.feedback.overlay import OverlayStatus, render_overlay
from posecheck.feedback.sounds import SoundPlayer, make_player
from posecheck.feedback.speech import Speaker, SpeechBackend, make_speech_backend
from posecheck.history.db import HistoryDB
from posecheck.live import messages as msg
from posecheck.live.capture import (
    Captured,
    CaptureThread,
    InferenceThread,
    Inferred,
    LatencyStats,
    LatestSlot,
    SlotClosed,
)
from posecheck.live.comparison import CUE_CODE as COMPARISON_CUE
from posecheck.live.comparison import SHOW_S as COMPARISON_SHOW_S
from posecheck.live.comparison import RepFeedback, finite_or_none
from posecheck.live.display import Display, make_display
from posecheck.live.keys import Action, DisplayKeys, KeySource
from posecheck.live.setup_check import SetupCheck
from posecheck.pose.types import Pose
from posecheck.sources import FrameSource

if TYPE_CHECKING:
    from posecheck.specs import ExerciseSpec

log = logging.getLogger(__name__)

LEAFLET_PROGRAM: tuple[str, ...] = (
    "knee_to_chest",
    "pelvic_tilt",
    "trunk_rotation",
    "curl_up",
    "back_extension",
)
"""The leaflet's five exercises in its order."""

PROGRAMS: dict[str, tuple[str, ...]] = {"leaflet": LEAFLET_PROGRAM}

YIELD_TO_INFERENCE_S = 0.001
"""When pose estimation limits the frame rate (a newer frame was already waiting for the
inference thread), the main thread lets the inference thread start on that frame before
it judges and draws the one it got. Both threads need Python's GIL: the model's start
(frame hand-over, turning, colour conversion, MediaPipe's call dispatch) would otherwise
wait behind the engine and the overlay, and the model would run 5–8 % slower than alone
(``benchmarks/live_loop.py``). Costs at most this much display latency, and only then."""


class _WindowClosed(Exception):
    pass


class _Quit(Exception):
    pass


@dataclass
class LiveOptions:
    """Everything a live session needs (the CLI fills it from the arguments)."""

    camera: str | int = 0
    exercises: Sequence[str] = LEAFLET_PROGRAM
    program: str = "leaflet"
    lang: str = "nl"
    model_path: str | Path | None = None
    muted: bool = False
    patient: str | None = None
    record: Path | None = None
    headless: bool = False
    save_frames: Path | None = None
    save_every: int = 15
    mirror: bool = False
    speech: str = "auto"
    sound: str = "auto"
    db_path: Path | None = None
    pace: float = 1.0
    """Play speed of a video camera (tests: >1 = faster than real time)."""
    every_frame: bool = False
    """Tests and benchmarks: a video camera's every frame is estimated, judged and shown, as
    fast as the machine goes (nothing is dropped, so what is counted does not depend on the
    machine's speed). Off (the default), a video plays as if live and drops frames."""
    spec_overrides: Callable[[str, Any], Any] | None = None
    """``(exercise_id, spec) -> spec`` (a patient profile's overrides)."""
    reference_for: Callable[[str], Path | None] | None = None
    """``exercise_id -> reference file`` (a patient profile's demonstrations), or ``None``."""
    show_latency: bool = True


@dataclass
class ExerciseOutcome:
    exercise_id: str
    status: str
    reps: list[RepRecord] = field(default_factory=list)
    pains: int = 0
    similarities: list[float] = field(default_factory=list)
    """Per compared repetition: the similarity (0–100) to the reference demonstration."""


@dataclass
class SessionSummary:
    """What happened: returned by :meth:`LiveSession.run` and printed by the CLI."""

    session_id: int
    status: str
    exercises: list[ExerciseOutcome]
    latency: LatencyStats
    frames_shown: int
    frames_captured: int
    frames_inferred: int
    frames_dropped_source: int
    frames_dropped_slots: int
    duration_s: float
    mean_inference_ms: float | None
    notes: list[str]
    message: str | None = None

    @property
    def display_fps(self) -> float:
        return self.frames_shown / self.duration_s if self.duration_s > 0 else 0.0

    def report(self) -> str:
        lines = [f"session {self.session_id}: {self.status}"]
        for ex in self.exercises:
            sides: dict[str, int] = {}
            for rep in ex.reps:
                if rep.completed:
                    key = rep.side or "-"
                    sides[key] = sides.get(key, 0) + 1
            holds = [f"{r.hold_s:.1f}s" for r in ex.reps if r.hold_s is not None]
            lines.append(
                f"  {ex.exercise_id}: {ex.status}; reps {sides or 0}; holds {holds or '-'}"
                + (f"; pain reported {ex.pains}x" if ex.pains else "")
                + (f"; similarity {[round(s) for s in ex.similarities]}"
                   if ex.similarities else "")
            )
        lines.append(self.latency.summary())
        lines.append(
            f"display {self.display_fps:.1f} fps over {self.duration_s:.1f} s; "
            f"{self.frames_inferred} frames estimated"
            + (f" ({self.mean_inference_ms:.0f} ms each)" if self.mean_inference_ms else "")
            + f"; dropped {self.frames_dropped_source} at the source, "
            f"{self.frames_dropped_slots} between threads"
        )
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _side_label_pose_hint(pose: Pose | None) -> list[tuple[tuple[float, float], str]]:
    if pose is None:
        return []
    out = []
    for index, label in ((25, "L"), (26, "R")):
        x, y = (float(v) for v in pose.landmarks[index, :2])
        if np.isfinite(x) and np.isfinite(y):
            out.append(((x, y), label))
    return out


def _draw_side_labels(image: np.ndarray, pose: Pose | None) -> None:
    import cv2

    h, w = image.shape[:2]
    scale = max(h, 240) / 480.0
    for (x, y), label in _side_label_pose_hint(pose):
        center = (int(x * w), int(y * h - 22 * scale))
        cv2.circle(image, center, int(13 * scale), (0, 0, 0), -1, cv2.LINE_AA)
        cv2.putText(image, label, (center[0] - int(7 * scale), center[1] + int(7 * scale)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, (0, 230, 255), max(1, int(2 * scale)),
                    cv2.LINE_AA)


class LiveSession:
    """One live coaching session (see the module docstring).

    Collaborators can be injected for tests: ``speech_backend`` (e.g.
    ``RecordingSpeech``), ``player`` (``RecordingPlayer``), ``display``
    (``OffscreenDisplay``), ``keys`` (``ScriptedKeys``), ``source`` (an opened
    ``FrameSource``) and ``estimate`` (``(image, ts_ms) -> Pose | None``).
    """

    def __init__(
        self,
        options: LiveOptions,
        *,
        speech_backend: SpeechBackend | None = None,
        player: SoundPlayer | None = None,
        display: Display | None = None,
        keys: KeySource | None = None,
        source: FrameSource | None = None,
        estimate: Callable[[np.ndarray, int], Pose | None] | None = None,
        specs: dict[str, Any] | None = None,
    ) -> None:
        self.options = options
        self.notes: list[str] = []
        self._speech_backend = speech_backend
        self._player = player
        self._display = display
        self._keys = keys
        self._source = source
        self._estimate = estimate
        self._specs = specs
        self.cues: CueScheduler | None = None
        self.speaker: Speaker | None = None
        self.latency = LatencyStats([])
        self._references: dict[str, tuple[Any, Path]] = {}
        self._feedback: RepFeedback | None = None

    # -- set-up of collaborators -------------------------------------------------------
    def _load_specs(self) -> list[Any]:
        from posecheck.specs import load_spec

        out = []
        for exercise_id in self.options.exercises:
            spec = self._specs[exercise_id] if self._specs else load_spec(exercise_id)
            if self.options.spec_overrides is not None:
                spec = self.options.spec_overrides(exercise_id, spec)
            out.append(spec)
        if not out:
            raise PosecheckError("No exercise to do: the plan is empty.")
        return out

    def _load_references(self, specs: list[Any]) -> dict[str, tuple[Any, Path]]:
        """The reference demonstration (and its file) per exercise that has one."""
        from posecheck.therapist.reference import load_reference

        out: dict[str, tuple[Any, Path]] = {}
        if self.options.reference_for is None:
            return out
        for spec in specs:
            path = self.options.reference_for(spec.id)
            if path is not None:
                out[spec.id] = (load_reference(path), Path(path))  # a broken file stops here
        return out

    def _open_source(self) -> FrameSource:
        from posecheck.sources import VideoFileSource, open_source

        camera = self.options.camera
        path = Path(str(camera))
        is_camera = isinstance(camera, int) or str(camera).strip().isdigit()
        if not is_camera and path.is_file() and path.suffix.lower() not in (
            ".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"
        ):
            if self.options.every_frame:
                return VideoFileSource(path, mirror=self.options.mirror, allow_truncated=True)
            pace = max(0.01, self.options.pace)
            return VideoFileSource(
                path,
                mirror=self.options.mirror,
                as_live=True,
                allow_truncated=True,
                clock=lambda: time.monotonic() * pace,
                sleep=lambda s: time.sleep(s / pace),
            )
        return open_source(camera, mirror=self.options.mirror)

    def _make_estimate(
        self, size: tuple[int, int], specs: Sequence[ExerciseSpec]
    ) -> tuple[Callable[[np.ndarray, int], Pose | None], Callable[[], None]]:
        """A VIDEO-mode estimator, warmed up on a blank frame before the camera starts.

        The person followed is chosen for the session's start positions
        (:func:`posecheck.pose.selection.selection_for_positions`): when every exercise
        starts on the floor, a helper kneeling or standing beside the patient is not
        taken for the patient.

        The first inference loads and compiles the model (up to seconds on a slow
        machine); doing it before the capture starts keeps a video camera from
        dropping its first seconds. Timestamps are shifted by 1 ms so the
        frames stay after the warm-up frame (VIDEO mode needs increasing times).
        """
        from posecheck.pose.estimator import EstimatorOptions, PoseEstimator, RunningMode
        from posecheck.pose.selection import selection_for_positions

        if self.options.model_path is None:
            from posecheck.model_store import resolve_model

            model = resolve_model(None).path
        else:
            model = Path(self.options.model_path)
        estimator = PoseEstimator.create_from_options(
            EstimatorOptions(
                model_path=model,
                running_mode=RunningMode.VIDEO,
                selection=selection_for_positions(
                    position for spec in specs for position in spec.start_positions
                ),
            )
        )
        w, h = size
        estimator.estimate(np.zeros((max(h, 1), max(w, 1), 3), np.uint8), 0)

        def estimate(image: np.ndarray, timestamp_ms: int) -> Pose | None:
            return estimator.estimate(image, timestamp_ms + 1)

        return estimate, estimator.close

    # -- the session -------------------------------------------------------------------
    def run(self) -> SessionSummary:
        opts = self.options
        specs = self._load_specs()
        self._references = self._load_references(specs)
        source = self._source or self._open_source()
        close_estimator: Callable[[], None] = lambda: None  # noqa: E731
        estimate = self._estimate
        if estimate is None:
            try:
                estimate, close_estimator = self._make_estimate(source.size, specs)
            except BaseException:
                source.close()
                raise

        backend = self._speech_backend
        if backend is None:
            backend, note = make_speech_backend(opts.speech)
            if note:
                self.notes.append(note)
        player = self._player
        if player is None:
            player, note = make_player(opts.sound)
            if note:
                self.notes.append(note)
        display = self._display
        if display is None:
            display, note = make_display(opts.headless, opts.save_frames, opts.save_every)
            if note:
                self.notes.append(note)
        keys = self._keys or DisplayKeys(display.read_key)
        self.speaker = Speaker(backend, opts.lang)
        self.cues = CueScheduler(self.speaker, player, opts.lang, muted=opts.muted)
        for note in self.notes:
            log.info(note)

        try:
            engines = self._prepare(specs, source.size)
        except BaseException:
            source.close()
            close_estimator()
            raise
        db = HistoryDB.open(opts.db_path)
        session_id = db.start_session(opts.patient, opts.program, opts.lang, source.description)
        captured: LatestSlot[Captured] = LatestSlot(lossless=opts.every_frame)
        inferred: LatestSlot[Inferred] = LatestSlot(lossless=opts.every_frame)
        capture = CaptureThread(source, captured, mirror=False,
                                pace_unpaced=None if opts.every_frame else opts.pace)
        inference = InferenceThread(estimate, captured, inferred)
        outcomes: list[ExerciseOutcome] = []
        status = "error"
        message: str | None = None
        started = time.monotonic()
        self._session_start = started
        self._db = db
        self._session_id = session_id
        capture.start()
        inference.start()
        try:
            for spec, engine in zip(specs, engines, strict=True):
                outcome = self._run_exercise(spec, engine, inferred, display, keys, capture)
                outcomes.append(outcome)
                if outcome.status == "source_ended":
                    break
            ended_early = any(o.status == "source_ended" for o in outcomes)
            status = "source_ended" if ended_early else "completed"
            if not ended_early:
                self._say(msg.PROGRAM_DONE, "program_done")
        except _Quit:
            status = "quit"
            self._say(msg.QUIT, "quit")
        except _WindowClosed:
            status = "window_closed"
        except KeyboardInterrupt:
            status = "interrupted"
        except SourceError as exc:
            status = "camera_lost"
            text = getattr(exc, "message", None)
            message = text(opts.lang) if callable(text) else str(exc)
            self._say(msg.CAMERA_LOST, "camera_lost")
        finally:
            if self._current is not None:
                outcomes.append(self._abort_current(status))
            db.end_session(session_id, status)
            capture.stop()
            inference.stop()
            captured.close()
            inferred.close()
            capture.join(2.0)
            inference.join(2.0)
            self.speaker.wait_idle(8.0)  # the last announcements (done, saved)
            self.speaker.close(2.0)
            player.close()
            display.close()
            source.close()
            close_estimator()
            if self._recorder is not None:
                self._recorder.release()
            db.close()
        duration = time.monotonic() - started
        return SessionSummary(
            session_id=session_id,
            status=status,
            exercises=outcomes,
            latency=self.latency,
            frames_shown=display.shown,
            frames_captured=capture.frames,
            frames_inferred=inference.frames,
            frames_dropped_source=source.dropped_frames,
            frames_dropped_slots=captured.dropped + inferred.dropped,
            duration_s=duration,
            mean_inference_ms=(inference.total_ms / inference.frames) if inference.frames else None,
            notes=self.notes,
            message=message,
        )

    _current: tuple[Any, Any, int, ExerciseOutcome, float] | None = None
    _recorder: Any = None

    def _say(self, text: Any, code: str, **fields: object) -> None:
        assert self.cues is not None
        self.cues.cue(code, text, force=True, fields=fields)

    def _record_events(self, exercise_id: str, events: list[Event], outcome: ExerciseOutcome,
                       give_cues: bool) -> bool:
        assert self.cues is not None
        done = False
        for event in events:
            self._db.record_event(self._session_id, exercise_id, event)
            if isinstance(event, RepCompleted):
                outcome.reps.append(event.rep)
                self._compare_rep(exercise_id, event, outcome)
            if isinstance(event, ExerciseDone):
                done = True
            if give_cues:
                self.cues.on_event(event)
        return done

    def _compare_rep(self, exercise_id: str, event: RepCompleted, outcome: ExerciseOutcome) -> None:
        """Compare a finished rep with the reference (if any) and record the similarity."""
        feedback = self._feedback
        if feedback is None:
            return
        result = feedback.rep_completed(event.rep, event.t_s)
        if result is None:
            return
        outcome.similarities.append(result.similarity)
        self._db.record_comparison(
            self._session_id, exercise_id, rep_index=event.rep.index, side=event.rep.side,
            similarity=result.similarity, mean_deviation_deg=finite_or_none(result.mean_deviation),
            short_of_reference=result.short_of_reference, reference=feedback.source,
            message=result.message().get(self.options.lang),
        )

    def _announce_done(self, name: str, feedback: RepFeedback | None) -> None:
        """Say the exercise is done, after the last rep's comparison if one is waiting.

        Both are announcements: the speaker says them in this order after what it
        is saying now, and neither is lost.
        """
        assert self.cues is not None
        last = feedback.take_text(self.options.lang) if feedback is not None else None
        if last:
            self.cues.cue(COMPARISON_CUE, last, force=True, show_s=COMPARISON_SHOW_S)
        self.cues.cue("exercise_done", msg.EXERCISE_DONE, force=True, fields={"name": name})

    def _abort_current(self, status: str) -> ExerciseOutcome:
        """Close the exercise that was running when the session stopped (nothing is lost)."""
        assert self._current is not None
        spec, engine, row_id, outcome, t_s = self._current
        self._current = None
        try:
            self._record_events(spec.id, engine.finish(t_s), outcome, give_cues=False)
        except Exception:  # the history of what happened so far must still be closed
            log.exception("engine.finish failed")
        outcome.status = "stopped" if status != "source_ended" else "source_ended"
        self._db.end_exercise(row_id, "stopped")
        return outcome

    def _write_record(self, image: np.ndarray, fps: float) -> None:
        if self.options.record is None:
            return
        import cv2

        if self._recorder is None:
            h, w = image.shape[:2]
            self.options.record.parent.mkdir(parents=True, exist_ok=True)
            self._recorder = cv2.VideoWriter(
                str(self.options.record), cv2.VideoWriter.fourcc(*"mp4v"), fps or 30.0, (w, h)
            )
        self._recorder.write(image)

    def _prepare(self, specs: list[Any], size: tuple[int, int]) -> list[Any]:
        """One engine per exercise, and the overlay's fonts, ready before the camera starts.

        The first engine takes about half a second to build (imports, tables) and the
        first overlay loads its fonts: done while the camera runs, a video camera
        would lose its first frames, and with them the start position.
        """
        from posecheck.engine import ExerciseEngine

        engines = [ExerciseEngine(spec, smoothing="one_euro") for spec in specs]
        w, h = size
        render_overlay(np.zeros((max(h, 1), max(w, 1), 3), np.uint8), None, engines[0].state,
                       specs[0], lang=self.options.lang, cue=msg.SETUP_OK.get(self.options.lang),
                       status=OverlayStatus(latency_ms=0.0))
        return engines

    def _run_exercise(
        self,
        spec: Any,
        engine: Any,
        inferred: LatestSlot[Inferred],
        display: Display,
        keys: KeySource,
        capture: CaptureThread,
    ) -> ExerciseOutcome:
        assert self.cues is not None
        opts = self.options
        lang = opts.lang
        cues = self.cues
        reference = self._references.get(spec.id)
        feedback = self._feedback = (
            RepFeedback(reference[0], spec, reference[1]) if reference is not None else None
        )
        row_id = self._db.start_exercise(self._session_id, spec.id)
        outcome = ExerciseOutcome(spec.id, "running")
        check = SetupCheck(tuple(spec.views))
        mode = "setup"
        paused = False
        pain_stopped = False
        stop_started: float | None = None  # frame time when the engine stopped being fed
        paused_total = 0.0
        t0: float | None = None  # frame time (s) of the exercise's first frame
        t_engine = 0.0
        name = spec.name.get(lang)
        self._say(msg.EXERCISE_START, "exercise_start", name=name)
        self._current = (spec, engine, row_id, outcome, 0.0)
        fps = capture.source.fps
        while True:
            try:
                item = inferred.get(timeout=0.25)
            except SlotClosed:
                if inferred.error is not None:
                    raise inferred.error from None
                self._record_events(spec.id, engine.finish(t_engine), outcome, mode == "exercise")
                if feedback is not None and mode == "exercise" and not pain_stopped:
                    feedback.give(cues, self.speaker, t_engine, now=True)  # the last rep's
                self._current = None
                self._db.end_exercise(row_id, "stopped")
                outcome.status = "source_ended"
                return outcome
            t_session = time.monotonic() - self._session_start
            phase = getattr(engine.state, "phase", None)
            for action in keys.poll(t_session, phase):
                if action is Action.QUIT:
                    raise _Quit
                if action is Action.CLOSE:
                    raise _WindowClosed
                if action is Action.MUTE:
                    muted = cues.toggle_mute()
                    cues.cue("mute", msg.MUTED if muted else msg.UNMUTED, force=True,
                             speak=not muted)
                elif action is Action.MIRROR:
                    capture.mirror = not capture.mirror
                elif action is Action.PAIN and not pain_stopped:
                    pain_stopped = True
                    if feedback is not None:
                        feedback.drop()  # nothing that could sound like "go on"
                    outcome.pains += 1
                    self._db.record_pain(self._session_id, spec.id, t_engine)
                    cues.cue("pain", msg.PAIN, force=True, show_s=1e9)
                elif action is Action.PAUSE:
                    if pain_stopped:  # "go on anyway": the patient's own choice
                        pain_stopped = False
                        cues.clear()
                        cues.cue("resume", msg.RESUMED, force=True)
                    else:
                        paused = not paused
                        cues.cue("pause", msg.PAUSED if paused else msg.RESUMED, force=True,
                                 show_s=1e9 if paused else None)
                elif action is Action.NEXT:
                    self._record_events(spec.id, engine.finish(t_engine), outcome, False)
                    if feedback is not None:
                        feedback.drop()
                    self._current = None
                    outcome.status = "pain" if pain_stopped else "skipped"
                    self._db.end_exercise(row_id, outcome.status)
                    cues.cue("skipped", msg.SKIPPED, force=True)
                    return outcome
            if display.is_closed():
                raise _WindowClosed
            if item is None:  # no new frame yet (keys were still read)
                continue
            if item.next_waiting:  # the model's turn first (see YIELD_TO_INFERENCE_S)
                time.sleep(YIELD_TO_INFERENCE_S)
            frame = item.frame
            t_frame = frame.timestamp_ms / 1000.0
            if t0 is None:
                t0 = t_frame
            halted = paused or pain_stopped
            if halted and stop_started is None:
                stop_started = t_frame
            elif not halted and stop_started is not None:
                paused_total += t_frame - stop_started
                stop_started = None
            shown_message: str | None = None
            if not halted:
                t_engine = t_frame - t0 - paused_total
                self._current = (spec, engine, row_id, outcome, t_engine)
                if mode == "setup":
                    result = check.update(frame.image, item.pose, t_engine)
                    if result.passed:
                        mode = "exercise"
                        cues.cue("setup_ok", msg.SETUP_OK, force=True)
                    elif result.problem is not None:
                        shown_message = result.problem.message(lang)
                        cues.cue(f"setup_{result.problem.code}", shown_message)
                events = engine.update(item.pose, t_engine)
                if feedback is not None:
                    feedback.update(item.pose, t_engine, engine)
                done = self._record_events(spec.id, events, outcome, mode == "exercise")
                state = engine.state
                if mode == "exercise" and getattr(state, "phase", None) == "rest":
                    remaining = getattr(state, "rest_remaining_s", None)
                    if remaining is not None:
                        cues.rest_countdown(float(remaining))
                if done:
                    self._current = None
                    outcome.status = "done"
                    self._db.end_exercise(row_id, "done")
                    self._announce_done(name, feedback)
                    return outcome
                elif feedback is not None and mode == "exercise":
                    feedback.give(cues, self.speaker, t_engine)
            elif pain_stopped:
                shown_message = msg.PAIN_SHOWN.get(lang)
            image = render_overlay(
                frame.image,
                item.pose,
                engine.state,
                spec,
                lang=lang,
                cue=cues.shown(),
                status=OverlayStatus(
                    muted=cues.muted,
                    paused=paused,
                    message=shown_message,
                    latency_ms=self.latency.samples[-1] if (
                        opts.show_latency and self.latency.samples) else None,
                ),
                inplace=opts.record is None,  # the raw frame is recorded after drawing
                antialias=False,
            )
            if mode == "setup":
                _draw_side_labels(image, item.pose)
            shown_at = display.show(image)
            self.latency.samples.append((shown_at - item.captured_at) * 1000.0)
            self._write_record(frame.image, fps)
