"""The therapist report: a patient's session history against the profile's targets.

``posecheck report --patient FILE [--since DATE] --html OUT [--csv OUT]``
reads the session history (:class:`posecheck.history.db.HistoryDB`) of the
profile's patient (``id``, else ``name``) and writes one self-contained HTML
page (inline SVG plots, no external files) with:

- **adherence**: sessions per ISO week (weeks without a session show as 0),
  against ``sessions_per_week`` when the profile sets it;
- per exercise, **hold times** of every repetition over time against the hold
  target that was demanded then, and **range of motion** (the primary
  measurement's peak per repetition) against the profile's ROM target (or the
  spec's end-position threshold);
- per exercise, **similarity to the demonstration** of every repetition
  compared live with the profile's reference (0–100, see
  :mod:`posecheck.therapist.compare`);
- **fault frequencies** per exercise (count, and per 10 repetitions);
- **pain reports** (when, during which exercise, note).

The CSV export has one row per repetition (see :data:`CSV_COLUMNS`).
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from posecheck.i18n import Text
from posecheck.reporting.html_parts import (
    COMMON_UI,
    PAGE_END,
    agg_figure,
    card,
    esc,
    figure_svg,
    header_row,
    page_start,
)
from posecheck.therapist.profile import PatientProfile

if TYPE_CHECKING:
    from posecheck.history.db import HistoryDB, SessionRow
    from posecheck.specs.model import ExerciseSpec

CSV_COLUMNS = (
    "session_id", "session_started_at", "week", "exercise", "rep_index", "side", "completed",
    "hold_s", "target_hold_s", "rom_measurement", "rom_peak", "rom_target", "faults",
    "similarity",
)

UI: dict[str, Text] = {
    **COMMON_UI,
    "title": Text(nl="Verslag voor de fysiotherapeut", en="Therapist report"),
    "period": Text(nl="Periode", en="Period"),
    "generated": Text(nl="Gemaakt op", en="Generated"),
    "sessions": Text(nl="Sessies", en="Sessions"),
    "active": Text(nl="met voltooide herhalingen", en="with completed repetitions"),
    "weeks": Text(nl="Weken", en="Weeks"),
    "per_week": Text(nl="sessies per week", en="sessions per week"),
    "adherence": Text(nl="Therapietrouw: sessies per week", en="Adherence: sessions per week"),
    "goal": Text(nl="doel", en="goal"),
    "week": Text(nl="Week", en="Week"),
    "completed": Text(nl="voltooid", en="completed"),
    "hold": Text(nl="Vasthouden (s)", en="Hold (s)"),
    "hold_title": Text(nl="Vasthoudtijd per herhaling", en="Hold time per repetition"),
    "hold_target": Text(nl="doel", en="target"),
    "rom_title": Text(nl="Bewegingsuitslag per herhaling", en="Range of motion per repetition"),
    "rom_target": Text(nl="doel", en="target"),
    "mean_hold": Text(nl="gem. vasthouden", en="mean hold"),
    "best_hold": Text(nl="langste", en="longest"),
    "reached": Text(nl="doel gehaald", en="target reached"),
    "count": Text(nl="Aantal", en="Count"),
    "per10": Text(nl="per 10 herhalingen", en="per 10 repetitions"),
    "pain": Text(nl="Pijnmeldingen", en="Pain reports"),
    "no_pain": Text(nl="Geen pijn gemeld.", en="No pain reported."),
    "when": Text(nl="Wanneer", en="When"),
    "note": Text(nl="Opmerking", en="Note"),
    "at": Text(nl="na", en="after"),
    "no_sessions": Text(
        nl="Geen sessies gevonden in deze periode.", en="No sessions found in this period."
    ),
    "no_reps": Text(nl="Nog geen herhalingen.", en="No repetitions yet."),
    "date": Text(nl="datum", en="date"),
    "targets": Text(nl="Doelen", en="Targets"),
    "not_enabled": Text(nl="niet in het programma", en="not in the programme"),
    "origin": Text(nl="bron", en="origin"),
    "similarity_title": Text(nl="Gelijkenis met de voorgedane oefening per herhaling",
                             en="Similarity to the demonstration per repetition"),
    "similarity": Text(nl="gelijkenis (0–100)", en="similarity (0–100)"),
    "mean_similarity": Text(nl="gem. gelijkenis", en="mean similarity"),
    "like_shown": Text(nl="zoals voorgedaan", en="like the demonstration"),
}
GOOD_SIMILARITY = 70.0
"""From this score a repetition counts as "like the demonstration" (as in the live cue)."""


FROM_SPEC = Text(nl="standaard van de oefening", en="the exercise's standard")


def _t(key: str, lang: str) -> str:
    return UI[key].get(lang)


@dataclass(frozen=True)
class RepPoint:
    """One repetition in the history."""

    session_id: int
    started_at: datetime
    side: str | None
    completed: bool
    hold_s: float | None
    target_hold_s: float | None
    peak: float | None
    faults: tuple[str, ...]
    rep_index: int


@dataclass(frozen=True)
class SimilarityPoint:
    """One repetition compared live with the therapist's demonstration."""

    session_id: int
    started_at: datetime
    side: str | None
    rep_index: int | None
    similarity: float
    short_of_reference: bool


@dataclass(frozen=True)
class WeekAdherence:
    week: str
    """ISO week, e.g. ``2025-W03``."""
    monday: date
    sessions: int
    active_sessions: int


@dataclass(frozen=True)
class PainPoint:
    at: datetime
    exercise_id: str | None
    t_s: float
    note: str | None


@dataclass
class ExerciseHistory:
    """One exercise's repetitions, targets and faults over the period."""

    exercise_id: str
    name: Text
    enabled: bool
    hold_target_s: float | None
    hold_max: bool
    rom_measurement: str | None
    rom_target: float | None
    rom_origin: Text | None
    rom_unit: str
    increasing: bool
    reps: list[RepPoint] = field(default_factory=list)
    fault_counts: Counter[str] = field(default_factory=Counter)
    fault_messages: dict[str, Text] = field(default_factory=dict)
    similarities: list[SimilarityPoint] = field(default_factory=list)

    @property
    def completed_reps(self) -> int:
        return sum(r.completed for r in self.reps)

    @property
    def holds(self) -> list[float]:
        return [r.hold_s for r in self.reps if r.hold_s is not None]


@dataclass
class TherapistReport:
    """Everything the report shows (see the module docstring)."""

    profile: PatientProfile
    since: date | None
    until: date
    generated: datetime
    sessions: list[SessionRow]
    weeks: list[WeekAdherence]
    exercises: dict[str, ExerciseHistory]
    pains: list[PainPoint]

    @property
    def sessions_per_week(self) -> float:
        return (sum(w.sessions for w in self.weeks) / len(self.weeks)) if self.weeks else 0.0


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _weeks(sessions: list[SessionRow], active: set[int], since: date | None,
           until: date) -> list[WeekAdherence]:
    starts = {s.id: datetime.fromisoformat(s.started_at).date() for s in sessions}
    if not starts and since is None:
        return []
    first = since or min(starts.values())
    last = max([until, *starts.values()])
    monday = first - timedelta(days=first.weekday())
    out = []
    while monday <= last:
        sunday = monday + timedelta(days=6)
        ids = [sid for sid, d in starts.items() if monday <= d <= sunday]
        out.append(
            WeekAdherence(
                week=_iso_week(monday),
                monday=monday,
                sessions=len(ids),
                active_sessions=sum(1 for sid in ids if sid in active),
            )
        )
        monday += timedelta(days=7)
    return out


def _primary_peak(peak: dict[str, float], measurement: str | None) -> float | None:
    if measurement is None:
        return None
    if measurement in peak:
        return float(peak[measurement])
    for key, value in peak.items():
        if key.startswith(measurement):
            return float(value)
    return None


def build_report(
    db: HistoryDB,
    profile: PatientProfile,
    *,
    since: date | None = None,
    until: date | None = None,
    specs: dict[str, ExerciseSpec] | None = None,
) -> TherapistReport:
    """Collect the profile's patient's history (sessions started on/after ``since``)."""
    from posecheck.specs import load_all_specs

    if specs is None:
        specs = load_all_specs()
    patient = profile.patient_key
    sessions = db.sessions(since=since, patient=patient)
    started = {s.id: datetime.fromisoformat(s.started_at) for s in sessions}
    reps = [r for r in db.reps(since=since, patient=patient) if r.session_id in started]
    faults = [f for f in db.faults(since=since, patient=patient) if f.session_id in started]
    pains = [p for p in db.pains(since=since, patient=patient) if p.session_id in started]
    compared = [c for c in db.comparisons(since=since, patient=patient)
                if c.session_id in started]

    exercise_ids = list(profile.exercises)
    for r in reps:
        if r.exercise_id not in exercise_ids:
            exercise_ids.append(r.exercise_id)
    exercises: dict[str, ExerciseHistory] = {}
    for ex_id in exercise_ids:
        base = specs.get(ex_id)
        plan = profile.plan(ex_id)
        spec = profile.spec_for(ex_id, base) if base is not None else None
        rom_target: float | None = None
        origin: Text | None = None
        if plan is not None and plan.rom_target is not None:
            rom_target, origin = plan.rom_target.value, plan.rom_target.origin
        elif spec is not None:
            rom_target, origin = spec.primary.end_zone.enter, FROM_SPEC
        measurement = spec.primary.measurement if spec else None
        exercises[ex_id] = ExerciseHistory(
            exercise_id=ex_id,
            name=spec.name if spec else Text(nl=ex_id, en=ex_id),
            enabled=plan.enabled if plan else False,
            hold_target_s=spec.hold_target_s if spec else None,
            hold_max=bool(spec and spec.hold is not None and spec.hold.target_s is None),
            rom_measurement=measurement,
            rom_target=rom_target,
            rom_origin=origin,
            rom_unit=_unit(measurement),
            increasing=spec.primary.increasing if spec else True,
            fault_messages={
                code: msg for code in (spec.fault_codes if spec else ())
                if (msg := spec.message_for(code)) is not None  # type: ignore[union-attr]
            },
        )
    for r in reps:
        exercises[r.exercise_id].reps.append(
            RepPoint(
                session_id=r.session_id,
                started_at=started[r.session_id],
                side=r.side,
                completed=r.completed,
                hold_s=r.hold_s,
                target_hold_s=r.target_hold_s,
                peak=_primary_peak(r.peak, exercises[r.exercise_id].rom_measurement),
                faults=r.faults,
                rep_index=r.rep_index,
            )
        )
    for c in compared:
        history = exercises.get(c.exercise_id)
        if history is not None:
            history.similarities.append(
                SimilarityPoint(c.session_id, started[c.session_id], c.side, c.rep_index,
                                c.similarity, c.short_of_reference)
            )
    for f in faults:
        history = exercises.get(f.exercise_id)
        if history is not None:
            history.fault_counts[f.code] += 1
            if f.code not in history.fault_messages:
                history.fault_messages[f.code] = Text(nl=f.message, en=f.message)
    active = {r.session_id for r in reps if r.completed}
    today = (until or date.today())
    return TherapistReport(
        profile=profile,
        since=since,
        until=today,
        generated=datetime.now().replace(microsecond=0),
        sessions=sessions,
        weeks=_weeks(sessions, active, since, today),
        exercises=exercises,
        pains=[
            PainPoint(started[p.session_id], p.exercise_id, p.t_s, p.note) for p in pains
        ],
    )


def _unit(measurement: str | None) -> str:
    if measurement is None:
        return ""
    from posecheck.therapist.reference import measurement_unit

    return measurement_unit(measurement)


# --- CSV -----------------------------------------------------------------------------


def write_report_csv(report: TherapistReport, path: str | Path) -> Path:
    """One row per repetition (columns :data:`CSV_COLUMNS`)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for ex in report.exercises.values():
            similarity = {(c.session_id, c.rep_index, c.side): c.similarity
                          for c in ex.similarities}
            for rep in ex.reps:
                writer.writerow([
                    rep.session_id,
                    rep.started_at.isoformat(timespec="seconds"),
                    _iso_week(rep.started_at.date()),
                    ex.exercise_id,
                    rep.rep_index,
                    rep.side or "",
                    int(rep.completed),
                    _num(rep.hold_s),
                    _num(rep.target_hold_s),
                    ex.rom_measurement or "",
                    _num(rep.peak),
                    _num(ex.rom_target),
                    " ".join(rep.faults),
                    _num(similarity.get((rep.session_id, rep.rep_index, rep.side))),
                ])
    return out


def _num(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value:.2f}"


# --- HTML ----------------------------------------------------------------------------


CSS = "h3{font-size:1.05em;margin-top:18px}"
"""The therapist page's rules on top of the shared base style."""


def _adherence_svg(report: TherapistReport, lang: str) -> str:
    fig = agg_figure(8.0, 2.8, dpi=100)
    ax = fig.add_subplot()
    labels = [w.week[2:] for w in report.weeks]
    xs = range(len(labels))
    ax.bar(xs, [w.sessions for w in report.weeks], color="#7fa7d9", label=_t("sessions", lang))
    ax.bar(xs, [w.active_sessions for w in report.weeks], color="#2c6fbb", width=0.5,
           label=_t("active", lang))
    goal = report.profile.sessions_per_week
    if goal:
        ax.axhline(goal, color="#d9822b", linestyle="--", label=f"{_t('goal', lang)} {goal}")
    ax.set_xticks(list(xs), labels, rotation=45, fontsize=8)
    ax.set_ylabel(_t("per_week", lang))
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(axis="y", alpha=0.3)
    return figure_svg(fig, tight_box=True)


_SIDE_COLORS = {"left": "#2c6fbb", "right": "#c0392b", None: "#555555"}
_SIDE_SHIFT: dict[str | None, timedelta] = {
    "left": timedelta(hours=-4), "right": timedelta(hours=4),
}


def _time_svg(ex: ExerciseHistory, kind: str, lang: str) -> str | None:
    """Per-rep values over time (hold, range of motion or similarity) with the target."""
    points: list[tuple[datetime, float | None, str | None, float | None]]
    if kind == "similarity":
        points = [(c.started_at, c.similarity, c.side, None) for c in ex.similarities]
    else:
        points = [
            (r.started_at, r.hold_s if kind == "hold" else r.peak, r.side, r.target_hold_s)
            for r in ex.reps
        ]
    points = [p for p in points if p[1] is not None]
    if not points:
        return None
    from matplotlib.dates import date2num
    fig = agg_figure(8.0, 2.6, dpi=100)
    ax = fig.add_subplot()
    for side in ("left", "right", None):
        sel = [p for p in points if p[2] == side]
        if sel:
            label = _t(side, lang) if side else ex.name.get(lang)
            shift = _SIDE_SHIFT.get(side, timedelta(0))  # left and right side by side
            ax.plot(date2num([p[0] + shift for p in sel]), [p[1] or 0.0 for p in sel], "o",
                    color=_SIDE_COLORS[side], label=label, markersize=5, alpha=0.85)
    if kind == "hold":
        targets = [(p[0], p[3]) for p in sorted(points, key=lambda p: p[0]) if p[3] is not None]
        if targets:
            ax.step(date2num([t[0] for t in targets]), [t[1] for t in targets], where="post",
                    color="#d9822b", linestyle="--", label=_t("hold_target", lang))
        ax.set_ylabel(_t("hold", lang))
        ax.set_ylim(bottom=0)
    elif kind == "similarity":
        ax.axhline(GOOD_SIMILARITY, color="#d9822b", linestyle="--",
                   label=f"{_t('like_shown', lang)} ≥ {GOOD_SIMILARITY:.0f}")
        ax.set_ylabel(_t("similarity", lang))
        ax.set_ylim(0, 102)
    else:
        if ex.rom_target is not None:
            ax.axhline(ex.rom_target, color="#d9822b", linestyle="--",
                       label=f"{_t('rom_target', lang)} {ex.rom_target:.0f}{_unit_sign(ex)}")
        unit = "°" if ex.rom_unit == "deg" else ex.rom_unit
        ax.set_ylabel(f"{ex.rom_measurement} ({unit})")
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    ax.xaxis_date()  # the x values are matplotlib dates (date2num)
    fig.autofmt_xdate()
    return figure_svg(fig, tight_box=True)


def _unit_sign(ex: ExerciseHistory) -> str:
    return "°" if ex.rom_unit == "deg" else f" {ex.rom_unit}"


def render_report_html(report: TherapistReport, lang: str | None = None) -> str:
    """The report as one self-contained HTML page (Dutch or English)."""
    lang = lang or report.profile.language
    p = report.profile
    period_from = report.since.isoformat() if report.since else (
        report.weeks[0].monday.isoformat() if report.weeks else "—"
    )
    parts = [
        *page_start(f"{_t('title', lang)} — {p.name}", lang, CSS),
        f"<h1>{esc(_t('title', lang))}</h1>",
        f"<p>{esc(_t('patient', lang))}: <b>{esc(p.name)}</b>"
        + (f" ({esc(p.patient_id)})" if p.patient_id else "")
        + f" · {esc(_t('period', lang))}: {esc(period_from)} – "
        f"{esc(report.until.isoformat())} · {esc(_t('generated', lang))}: "
        f"{esc(report.generated.isoformat(sep=' '))}</p>",
    ]
    active = sum(w.active_sessions for w in report.weeks)
    parts.append('<div class="cards">')
    parts.append(card(_t("sessions", lang), str(len(report.sessions)),
                       f"{active} {_t('active', lang)}"))
    parts.append(card(_t("weeks", lang), str(len(report.weeks)),
                       f"{report.sessions_per_week:.1f} {_t('per_week', lang)}"
                       + (f" ({_t('goal', lang)} {p.sessions_per_week})"
                          if p.sessions_per_week else "")))
    parts.append(card(_t("pain", lang), str(len(report.pains)), ""))
    parts.append("</div>")

    parts.append(f"<h2>{esc(_t('adherence', lang))}</h2>")
    if report.weeks:
        parts.append(f'<div class="plot">{_adherence_svg(report, lang)}</div>')
        parts.append(_weeks_table(report, lang))
    else:
        parts.append(f"<p class='muted'>{esc(_t('no_sessions', lang))}</p>")

    for ex in report.exercises.values():
        parts.extend(_exercise_section(ex, lang))

    parts.append(f"<h2>{esc(_t('pain', lang))}</h2>")
    if report.pains:
        parts.append("<table>" + header_row(_t(k, lang) for k in ("when", "exercise", "note")))
        for pain in report.pains:
            pain_ex = report.exercises.get(pain.exercise_id or "")
            name = pain_ex.name.get(lang) if pain_ex else (pain.exercise_id or "—")
            parts.append(
                f"<tr><td>{esc(pain.at.strftime('%Y-%m-%d %H:%M'))} "
                f"({esc(_t('at', lang))} {pain.t_s:.0f} s)</td><td>{esc(name)}</td>"
                f"<td>{esc(pain.note or '')}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append(f"<p class='muted'>{esc(_t('no_pain', lang))}</p>")
    parts.append(PAGE_END)
    return "\n".join(parts)


def _weeks_table(report: TherapistReport, lang: str) -> str:
    rows = "".join(
        f"<tr><td>{esc(w.week)}</td><td>{esc(w.monday.isoformat())}</td>"
        f"<td>{w.sessions}</td><td>{w.active_sessions}</td></tr>"
        for w in report.weeks
    )
    header = header_row(_t(k, lang) for k in ("week", "date", "sessions", "active"))
    return f"<table>{header}{rows}</table>"


def _exercise_section(ex: ExerciseHistory, lang: str) -> list[str]:
    title = ex.name.get(lang) + ("" if ex.enabled else f" ({_t('not_enabled', lang)})")
    parts = [f"<h2>{esc(title)}</h2>"]
    targets = []
    if ex.hold_max:
        targets.append(f"{_t('hold', lang)}: {_t('as_long', lang)}")
    elif ex.hold_target_s is not None:
        targets.append(f"{_t('hold', lang)}: {ex.hold_target_s:.0f} s")
    if ex.rom_target is not None:
        targets.append(
            f"{ex.rom_measurement}: {ex.rom_target:.0f}{_unit_sign(ex)}"
            + (f" ({_t('origin', lang)}: {ex.rom_origin.get(lang)})" if ex.rom_origin else "")
        )
    if targets:
        parts.append(f"<p>{esc(_t('targets', lang))}: " + esc(" · ".join(targets)) + "</p>")
    if not ex.reps:
        parts.append(f"<p class='muted'>{esc(_t('no_reps', lang))}</p>")
        return parts
    holds = ex.holds
    reached = sum(
        1 for r in ex.reps
        if r.hold_s is not None and r.target_hold_s is not None and r.hold_s >= r.target_hold_s
    )
    summary = f"{_t('reps', lang)}: {len(ex.reps)} ({ex.completed_reps} {_t('completed', lang)})"
    if holds:
        summary += (
            f" · {_t('mean_hold', lang)} {sum(holds) / len(holds):.1f} s · "
            f"{_t('best_hold', lang)} {max(holds):.1f} s"
        )
        if any(r.target_hold_s is not None for r in ex.reps):
            summary += f" · {_t('reached', lang)}: {reached}/{len(holds)}"
    parts.append(f"<p>{esc(summary)}</p>")
    hold_svg = _time_svg(ex, "hold", lang)
    if hold_svg:
        parts.append(f"<h3>{esc(_t('hold_title', lang))}</h3><div class='plot'>{hold_svg}</div>")
    rom_svg = _time_svg(ex, "rom", lang)
    if rom_svg:
        parts.append(f"<h3>{esc(_t('rom_title', lang))}</h3><div class='plot'>{rom_svg}</div>")
    similarity_svg = _time_svg(ex, "similarity", lang)
    if similarity_svg:
        scores = [c.similarity for c in ex.similarities]
        good = sum(1 for c in ex.similarities
                   if c.similarity >= GOOD_SIMILARITY and not c.short_of_reference)
        parts.append(
            f"<h3>{esc(_t('similarity_title', lang))}</h3>"
            f"<p id='similarity-{esc(ex.exercise_id)}'>{esc(_t('mean_similarity', lang))} "
            f"{sum(scores) / len(scores):.0f}/100 · {esc(_t('like_shown', lang))}: "
            f"{good}/{len(scores)}</p><div class='plot'>{similarity_svg}</div>"
        )
    parts.append(f"<h3>{esc(_t('faults', lang))}</h3>")
    if ex.fault_counts:
        parts.append("<table>" + header_row(_t(k, lang) for k in ("fault", "count", "per10")))
        for code, count in ex.fault_counts.most_common():
            msg = ex.fault_messages.get(code)
            label = f"{msg.get(lang)} ({code})" if msg else code
            per10 = 10.0 * count / max(len(ex.reps), 1)
            parts.append(
                f"<tr><td>{esc(label)}</td><td>{count}</td><td>{per10:.1f}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append(f"<p class='muted'>{esc(_t('no_faults', lang))}</p>")
    return parts
