"""The session history: SQLite (WAL, one commit per event) in the user's data directory.

Everything is written the moment it happens, so Ctrl-C, a closed window or a
camera that disappears loses nothing already recorded; the session's
``status`` says how it ended (``running`` while it is going on — a session
still ``running`` after the app stopped was killed hard).

Query API (used by ``posecheck history`` and the therapist report)::

    db = HistoryDB.open()                       # data_dir()/history.sqlite3
    db.sessions(since=date(2025, 1, 1), patient="An")   -> list[SessionRow]
    db.exercises(session_id=None, since=None, patient=None, exercise_id=None) -> list[ExerciseRow]
    db.reps(...), db.holds(...), db.faults(...), db.pains(...)   (same filters)
    db.comparisons(...)                         -> list[ComparisonRow] (same filters)
    db.weekly_progress(since=None, patient=None) -> list[WeekSummary]

Tests set the wall clock: ``HistoryDB.open(path, clock=lambda: datetime(2025, 3, 3, 9))``.

Times: ``*_at`` columns are ISO-8601 local wall-clock times (seconds);
``t_s``/``start_s``/``end_s`` are seconds from the start of the exercise
(the engine's clock).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from posecheck.engine.events import (
    Event,
    FaultEnded,
    FaultStarted,
    HoldEnded,
    RepCompleted,
)
from posecheck.paths import data_dir

DB_FILENAME = "history.sqlite3"
SESSION_STATUSES = (
    "running", "completed", "source_ended", "quit", "interrupted", "window_closed",
    "camera_lost", "error",
)
EXERCISE_STATUSES = ("running", "done", "skipped", "pain", "stopped")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, ended_at TEXT, patient TEXT,
    program TEXT NOT NULL, lang TEXT NOT NULL, source TEXT, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS exercises (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
    exercise_id TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reps (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
    exercise_id TEXT NOT NULL, rep_index INTEGER NOT NULL, side TEXT, start_s REAL, end_s REAL,
    hold_s REAL, target_hold_s REAL, completed INTEGER NOT NULL, faults TEXT NOT NULL,
    peak TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS holds (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
    exercise_id TEXT NOT NULL, side TEXT, t_s REAL NOT NULL, held_s REAL NOT NULL,
    target_s REAL, reached_target INTEGER NOT NULL, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
    exercise_id TEXT NOT NULL, code TEXT NOT NULL, severity TEXT NOT NULL, start_s REAL NOT NULL,
    end_s REAL, message TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pains (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
    exercise_id TEXT, t_s REAL NOT NULL, note TEXT, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS comparisons (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES sessions(id),
    exercise_id TEXT NOT NULL, rep_index INTEGER, side TEXT, similarity REAL NOT NULL,
    mean_deviation_deg REAL, short_of_reference INTEGER NOT NULL, reference TEXT,
    message TEXT, recorded_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS reps_session ON reps(session_id);
CREATE INDEX IF NOT EXISTS holds_session ON holds(session_id);
CREATE INDEX IF NOT EXISTS comparisons_session ON comparisons(session_id);
"""
# Every table is created with IF NOT EXISTS, so opening a database written by an older
# version adds the tables it lacks (e.g. ``comparisons``) and keeps everything in it.


def default_db_path() -> Path:
    """``data_dir()/history.sqlite3`` (``POSECHECK_DATA_DIR`` overrides the folder)."""
    return data_dir() / DB_FILENAME


@dataclass(frozen=True)
class SessionRow:
    id: int
    started_at: str
    ended_at: str | None
    patient: str | None
    program: str
    lang: str
    source: str | None
    status: str


@dataclass(frozen=True)
class ExerciseRow:
    id: int
    session_id: int
    exercise_id: str
    started_at: str
    ended_at: str | None
    status: str


@dataclass(frozen=True)
class RepRow:
    id: int
    session_id: int
    exercise_id: str
    rep_index: int
    side: str | None
    start_s: float | None
    end_s: float | None
    hold_s: float | None
    target_hold_s: float | None
    completed: bool
    faults: tuple[str, ...]
    peak: dict[str, float]
    recorded_at: str


@dataclass(frozen=True)
class HoldRow:
    id: int
    session_id: int
    exercise_id: str
    side: str | None
    t_s: float
    held_s: float
    target_s: float | None
    reached_target: bool
    recorded_at: str


@dataclass(frozen=True)
class FaultRow:
    id: int
    session_id: int
    exercise_id: str
    code: str
    severity: str
    start_s: float
    end_s: float | None
    message: str
    recorded_at: str


@dataclass(frozen=True)
class PainRow:
    id: int
    session_id: int
    exercise_id: str | None
    t_s: float
    note: str | None
    recorded_at: str


@dataclass(frozen=True)
class ComparisonRow:
    """One repetition compared with the therapist's demonstration (similarity 0–100)."""

    id: int
    session_id: int
    exercise_id: str
    rep_index: int | None
    side: str | None
    similarity: float
    mean_deviation_deg: float | None
    short_of_reference: bool
    reference: str | None
    message: str | None
    recorded_at: str


@dataclass(frozen=True)
class WeekSummary:
    """Progress of one ISO week (``week`` = "2025-W03") and exercise."""

    week: str
    exercise_id: str
    sessions: int
    reps: int
    completed_reps: int
    mean_hold_s: float | None
    best_hold_s: float | None
    faults: int
    pains: int


class HistoryDB:
    """The history database; every write is committed at once.

    ``clock`` gives the wall-clock time written in the ``*_at`` columns
    (default :meth:`datetime.now`; tests pass their own).
    """

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path,
        clock: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.connection = connection
        self.path = path
        self.clock = clock

    @classmethod
    def open(
        cls, path: str | Path | None = None, *, clock: Callable[[], datetime] | None = None
    ) -> HistoryDB:
        """Open (creating if needed) the database at ``path`` or :func:`default_db_path`.

        A database of an older version gets the tables it lacks; nothing in it changes.
        """
        target = Path(path) if path is not None else default_db_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(target), timeout=10.0)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.executescript(_SCHEMA)
        connection.commit()
        return cls(connection, target, clock or datetime.now)

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> HistoryDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    def _write(self, sql: str, params: tuple[Any, ...]) -> int:
        cursor = self.connection.execute(sql, params)
        self.connection.commit()
        return int(cursor.lastrowid or 0)

    # -- writing ---------------------------------------------------------------------
    def start_session(
        self, patient: str | None, program: str, lang: str, source: str | None = None
    ) -> int:
        """A new session with status ``running``; returns its id."""
        return self._write(
            "INSERT INTO sessions (started_at, patient, program, lang, source, status) "
            "VALUES (?, ?, ?, ?, ?, 'running')",
            (self._now(), patient, program, lang, source),
        )

    def end_session(self, session_id: int, status: str) -> None:
        """Close the session with one of :data:`SESSION_STATUSES`."""
        if status not in SESSION_STATUSES:
            raise ValueError(f"unknown session status {status!r}")
        self._write(
            "UPDATE sessions SET ended_at = ?, status = ? WHERE id = ?",
            (self._now(), status, session_id),
        )
        self._write(
            "UPDATE exercises SET ended_at = ?, status = 'stopped' "
            "WHERE session_id = ? AND status = 'running'",
            (self._now(), session_id),
        )

    def start_exercise(self, session_id: int, exercise_id: str) -> int:
        return self._write(
            "INSERT INTO exercises (session_id, exercise_id, started_at, status) "
            "VALUES (?, ?, ?, 'running')",
            (session_id, exercise_id, self._now()),
        )

    def end_exercise(self, exercise_row_id: int, status: str) -> None:
        if status not in EXERCISE_STATUSES:
            raise ValueError(f"unknown exercise status {status!r}")
        self._write(
            "UPDATE exercises SET ended_at = ?, status = ? WHERE id = ?",
            (self._now(), status, exercise_row_id),
        )

    def record_event(self, session_id: int, exercise_id: str, event: Event) -> None:
        """Write what ``event`` means for the history (reps, holds, faults); others ignored."""
        if isinstance(event, RepCompleted):
            rep = event.rep
            self._write(
                "INSERT INTO reps (session_id, exercise_id, rep_index, side, start_s, end_s, "
                "hold_s, target_hold_s, completed, faults, peak, recorded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id, exercise_id, rep.index, rep.side, rep.start_s, rep.end_s,
                    rep.hold_s, rep.target_hold_s, int(rep.completed), json.dumps(list(rep.faults)),
                    json.dumps({k: float(v) for k, v in rep.peak.items()}), self._now(),
                ),
            )
        elif isinstance(event, HoldEnded):
            self._write(
                "INSERT INTO holds (session_id, exercise_id, side, t_s, held_s, target_s, "
                "reached_target, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id, exercise_id, event.side, event.t_s, event.held_s, event.target_s,
                    int(event.reached_target), self._now(),
                ),
            )
        elif isinstance(event, FaultStarted):
            self._write(
                "INSERT INTO faults (session_id, exercise_id, code, severity, start_s, message, "
                "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id, exercise_id, event.code, event.severity, event.t_s,
                    event.message.en, self._now(),
                ),
            )
        elif isinstance(event, FaultEnded):
            self._write(
                "UPDATE faults SET end_s = ? WHERE id = (SELECT id FROM faults WHERE "
                "session_id = ? AND exercise_id = ? AND code = ? AND end_s IS NULL "
                "ORDER BY id DESC LIMIT 1)",
                (event.t_s, session_id, exercise_id, event.code),
            )

    def record_pain(
        self, session_id: int, exercise_id: str | None, t_s: float, note: str | None = None
    ) -> int:
        """The patient said "this hurts" at ``t_s`` during ``exercise_id``."""
        return self._write(
            "INSERT INTO pains (session_id, exercise_id, t_s, note, recorded_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (session_id, exercise_id, t_s, note, self._now()),
        )

    def record_comparison(
        self,
        session_id: int,
        exercise_id: str,
        *,
        rep_index: int | None,
        side: str | None,
        similarity: float,
        mean_deviation_deg: float | None = None,
        short_of_reference: bool = False,
        reference: str | None = None,
        message: str | None = None,
    ) -> int:
        """One repetition compared with the demonstration ``reference`` (similarity 0–100)."""
        return self._write(
            "INSERT INTO comparisons (session_id, exercise_id, rep_index, side, similarity, "
            "mean_deviation_deg, short_of_reference, reference, message, recorded_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session_id, exercise_id, rep_index, side, float(similarity),
                None if mean_deviation_deg is None else float(mean_deviation_deg),
                int(short_of_reference), reference, message, self._now(),
            ),
        )

    # -- queries ---------------------------------------------------------------------
    def _where(
        self,
        table: str,
        session_id: int | None,
        since: date | datetime | str | None,
        patient: str | None,
        exercise_id: str | None = None,
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if session_id is not None:
            clauses.append(f"{table}.session_id = ?")
            params.append(session_id)
        if since is not None:
            clauses.append("s.started_at >= ?")
            params.append(since if isinstance(since, str) else since.isoformat())
        if patient is not None:
            clauses.append("s.patient = ?")
            params.append(patient)
        if exercise_id is not None:
            clauses.append(f"{table}.exercise_id = ?")
            params.append(exercise_id)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return where, params

    def _select(
        self,
        table: str,
        session_id: int | None,
        since: date | datetime | str | None,
        patient: str | None,
        exercise_id: str | None,
    ) -> list[sqlite3.Row]:
        where, params = self._where(table, session_id, since, patient, exercise_id)
        sql = (
            f"SELECT {table}.* FROM {table} JOIN sessions s ON s.id = {table}.session_id"
            f"{where} ORDER BY {table}.id"
        )
        return list(self.connection.execute(sql, params))

    def sessions(
        self, since: date | datetime | str | None = None, patient: str | None = None
    ) -> list[SessionRow]:
        """Sessions started at or after ``since`` (of ``patient``), oldest first."""
        where, params = self._where("s", None, since, patient)
        rows = self.connection.execute(f"SELECT * FROM sessions s{where} ORDER BY s.id", params)
        return [SessionRow(**dict(r)) for r in rows]

    def exercises(
        self,
        session_id: int | None = None,
        since: date | datetime | str | None = None,
        patient: str | None = None,
        exercise_id: str | None = None,
    ) -> list[ExerciseRow]:
        rows = self._select("exercises", session_id, since, patient, exercise_id)
        return [ExerciseRow(**dict(r)) for r in rows]

    def reps(
        self,
        session_id: int | None = None,
        since: date | datetime | str | None = None,
        patient: str | None = None,
        exercise_id: str | None = None,
    ) -> list[RepRow]:
        out = []
        for r in self._select("reps", session_id, since, patient, exercise_id):
            d = dict(r)
            d["completed"] = bool(d["completed"])
            d["faults"] = tuple(json.loads(d["faults"]))
            d["peak"] = json.loads(d["peak"])
            out.append(RepRow(**d))
        return out

    def holds(
        self,
        session_id: int | None = None,
        since: date | datetime | str | None = None,
        patient: str | None = None,
        exercise_id: str | None = None,
    ) -> list[HoldRow]:
        out = []
        for r in self._select("holds", session_id, since, patient, exercise_id):
            d = dict(r)
            d["reached_target"] = bool(d["reached_target"])
            out.append(HoldRow(**d))
        return out

    def faults(
        self,
        session_id: int | None = None,
        since: date | datetime | str | None = None,
        patient: str | None = None,
        exercise_id: str | None = None,
    ) -> list[FaultRow]:
        return [
            FaultRow(**dict(r))
            for r in self._select("faults", session_id, since, patient, exercise_id)
        ]

    def pains(
        self,
        session_id: int | None = None,
        since: date | datetime | str | None = None,
        patient: str | None = None,
        exercise_id: str | None = None,
    ) -> list[PainRow]:
        return [
            PainRow(**dict(r))
            for r in self._select("pains", session_id, since, patient, exercise_id)
        ]

    def comparisons(
        self,
        session_id: int | None = None,
        since: date | datetime | str | None = None,
        patient: str | None = None,
        exercise_id: str | None = None,
    ) -> list[ComparisonRow]:
        """Repetitions compared with a demonstration (live sessions with a reference)."""
        out = []
        for r in self._select("comparisons", session_id, since, patient, exercise_id):
            d = dict(r)
            d["short_of_reference"] = bool(d["short_of_reference"])
            out.append(ComparisonRow(**d))
        return out

    def weekly_progress(
        self, since: date | datetime | str | None = None, patient: str | None = None
    ) -> list[WeekSummary]:
        """Per ISO week and exercise: sessions, reps, hold times, faults and pain reports."""
        started = {s.id: s.started_at for s in self.sessions(since, patient)}

        def week_of(session_id: int) -> str:
            y, w, _ = datetime.fromisoformat(started[session_id]).isocalendar()
            return f"{y}-W{w:02d}"

        acc: dict[tuple[str, str], dict[str, Any]] = defaultdict(
            lambda: {"sessions": set(), "reps": 0, "completed": 0, "holds": [], "faults": 0,
                     "pains": 0}
        )
        for ex in self.exercises(since=since, patient=patient):
            acc[(week_of(ex.session_id), ex.exercise_id)]["sessions"].add(ex.session_id)
        for rep in self.reps(since=since, patient=patient):
            a = acc[(week_of(rep.session_id), rep.exercise_id)]
            a["sessions"].add(rep.session_id)
            a["reps"] += 1
            a["completed"] += int(rep.completed)
            if rep.hold_s is not None:
                a["holds"].append(rep.hold_s)
        for fault in self.faults(since=since, patient=patient):
            acc[(week_of(fault.session_id), fault.exercise_id)]["faults"] += 1
        for pain in self.pains(since=since, patient=patient):
            acc[(week_of(pain.session_id), pain.exercise_id or "-")]["pains"] += 1
        out = []
        for (week, exercise), a in sorted(acc.items()):
            holds = a["holds"]
            out.append(
                WeekSummary(
                    week=week,
                    exercise_id=exercise,
                    sessions=len(a["sessions"]),
                    reps=a["reps"],
                    completed_reps=a["completed"],
                    mean_hold_s=sum(holds) / len(holds) if holds else None,
                    best_hold_s=max(holds) if holds else None,
                    faults=a["faults"],
                    pains=a["pains"],
                )
            )
        return out
