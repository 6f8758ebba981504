"""One self-contained HTML page per analysed input (opens offline, no external files).

The page holds: a summary (exercise, repetitions, holds against their target,
faults with times; with ``--patient`` whose targets were used and, when the
profile names a reference, each repetition's similarity to the therapist's
demonstration with how far each key posture was off), plots of the key
measurements over time as inline SVG (matplotlib, Agg) with repetition and
hold bands, the target band and fault marks, and key frames (start position,
the peak of each repetition) as inline base64 JPEG images. Dutch or English.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from posecheck.analysis.result import Traces
from posecheck.engine.texts import POSITION_NAMES
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

MAX_PLOTS = 4
NOT_PLOTTED = ("held_s",)
UI: dict[str, Text] = {
    **COMMON_UI,
    "title": Text(nl="Analyse van de oefening", en="Exercise analysis"),
    "none": Text(nl="geen herkende oefening", en="no recognised exercise"),
    "confidence": Text(nl="zekerheid", en="confidence"),
    "view": Text(nl="Camerastandpunt", en="Camera view"),
    "duration": Text(nl="Duur", en="Duration"),
    "pose_found": Text(nl="Persoon gevonden", en="Person found"),
    "frames": Text(nl="beelden", en="frames"),
    "no_reps": Text(nl="Geen herhalingen gevonden.", en="No repetitions found."),
    "side": Text(nl="Kant", en="Side"),
    "time": Text(nl="Tijd", en="Time"),
    "hold": Text(nl="Vastgehouden", en="Held"),
    "target": Text(nl="doel", en="target"),
    "completed": Text(nl="Voltooid", en="Completed"),
    "yes": Text(nl="ja", en="yes"),
    "no": Text(nl="nee", en="no"),
    "plots": Text(nl="Metingen in de tijd", en="Measurements over time"),
    "no_plots": Text(nl="Geen metingen om te tonen.", en="No measurements to show."),
    "key_frames": Text(nl="Sleutelbeelden", en="Key frames"),
    "legend": Text(
        nl="Blauw vlak: herhaling · groen vlak: vasthouden · rode streep: fout · "
        "grijze band: doelbereik",
        en="Blue band: repetition · green band: hold · red bar: fault · grey band: target range",
    ),
    "seconds": Text(nl="tijd (s)", en="time (s)"),
    "source": Text(nl="Bron", en="Source"),
    "model": Text(nl="Model", en="Model"),
    "both": Text(nl="—", en="—"),
    "recognition": Text(nl="Herkenning", en="Recognition"),
    "position": Text(nl="Startpositie", en="Start position"),
    "near_side": Text(nl="kant naar de camera", en="side facing the camera"),
    "profile_targets": Text(nl="doelen uit het profiel", en="targets from the profile"),
    "standard_targets": Text(nl="standaarddoelen van de oefening",
                             en="the exercise's standard targets"),
    "comparison": Text(nl="Vergelijking met de voorgedane oefening",
                       en="Comparison with the demonstration"),
    "similarity": Text(nl="Gelijkenis", en="Similarity"),
    "reference": Text(nl="Voorbeeld", en="Reference"),
    "ref_rep": Text(nl="voorbeeldherhaling", en="demonstrated rep"),
    "message": Text(nl="Beoordeling", en="Verdict"),
    "deviations": Text(nl="Afwijkingen (patiënt − voorbeeld)",
                       en="Deviations (patient − reference)"),
    "whole": Text(nl="hele opname", en="whole recording"),
    "scale": Text(nl="100 = gelijk aan het voorbeeld; elke 0,5° gemiddelde afwijking kost "
                  "een punt; vanaf 70 telt een herhaling als zoals voorgedaan.",
                  en="100 = identical to the demonstration; each 0.5° of mean deviation "
                  "costs a point; from 70 a repetition counts as like the demonstration."),
    "phase_start": Text(nl="start", en="start"),
    "phase_end": Text(nl="eindpositie", en="end position"),
    "phase_hold": Text(nl="vasthouden", en="hold"),
}


@dataclass(frozen=True)
class KeyFrame:
    """A still image for the report: JPEG bytes, its time and a caption."""

    t_s: float
    caption: str
    jpeg: bytes


def _t(key: str, lang: str) -> str:
    return UI[key].get(lang)


def _fmt_s(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"


def _side(side: str | None, lang: str) -> str:
    return _t(side, lang) if side in ("left", "right") else _t("both", lang)


def _pretty(name: str) -> str:
    return name.replace("_", " ")


def _unit_of(name: str, report: dict[str, Any]) -> str:
    primary = report.get("primary_measurement") or {}
    if primary.get("name") == name and primary.get("unit"):
        return str(primary["unit"])
    try:
        from posecheck.measure import MEASUREMENTS
    except ImportError:
        return ""
    definition = MEASUREMENTS.get(name)
    return str(getattr(definition, "unit", "")) if definition is not None else ""


def plot_names(report: dict[str, Any], traces: Traces, limit: int = MAX_PLOTS) -> list[str]:
    """The measurements worth plotting: the primary one first, then the best-filled others."""
    primary = (report.get("primary_measurement") or {}).get("name")
    filled = {
        name: float(np.mean(np.isfinite(values))) if len(values) else 0.0
        for name, values in traces.measurements.items()
    }
    names = [n for n, f in sorted(filled.items(), key=lambda kv: -kv[1])
             if f > 0.05 and n not in NOT_PLOTTED and not n.startswith("speed:")]
    if primary in names:
        names.remove(primary)
        names.insert(0, primary)
    chosen: list[str] = []
    for name in names:  # leave out copies (e.g. the primary under its column name)
        values = np.asarray(traces.measurements[name], dtype=float)
        if not any(np.allclose(values, np.asarray(traces.measurements[c], dtype=float),
                               equal_nan=True) for c in chosen):
            chosen.append(name)
    return chosen[:limit]


def _plot_svg(
    name: str, report: dict[str, Any], traces: Traces, lang: str
) -> str:
    t = np.asarray(traces.times_s, dtype=float)
    y = np.asarray(traces.measurements[name], dtype=float)
    fig = agg_figure(9.0, 2.6)
    ax = fig.add_subplot(1, 1, 1)
    for rep in report.get("reps", []):
        ax.axvspan(rep["start_s"], rep["end_s"], color="#4c78a8", alpha=0.12, lw=0)
    for hold in report.get("holds", []):
        ax.axvspan(hold["start_s"], hold["end_s"], color="#2ca02c", alpha=0.25, lw=0)
    primary = report.get("primary_measurement") or {}
    if primary.get("name") == name and primary.get("target"):
        lo, hi = primary["target"]
        ax.axhspan(lo, hi, color="#7f7f7f", alpha=0.18, lw=0)
    ax.plot(t, y, color="#1f3b73", lw=1.4)
    finite = y[np.isfinite(y)]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        pad = max(1e-6, (hi - lo) * 0.08)
        bar_y = lo - pad
        codes = sorted({fault["code"] for fault in report.get("faults", [])})
        for fault in report.get("faults", []):
            y_bar = bar_y - pad * 0.6 * codes.index(fault["code"])  # one row per fault code
            ax.plot([fault["start_s"], max(fault["end_s"], fault["start_s"] + 0.1)],
                    [y_bar, y_bar], color="#d62728", lw=4, solid_capstyle="butt")
        for row, code in enumerate(codes):
            first = min(f["start_s"] for f in report["faults"] if f["code"] == code)
            ax.text(first, bar_y - pad * 0.6 * row, " " + code, color="#d62728", fontsize=7,
                    va="bottom")
    if len(t):
        ax.set_xlim(float(t[0]), float(t[-1]) if t[-1] > t[0] else float(t[0]) + 1.0)
    unit = _unit_of(name, report)
    ax.set_ylabel(f"{_pretty(name)}" + (f" ({unit})" if unit else ""), fontsize=8)
    ax.set_xlabel(_t("seconds", lang), fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return figure_svg(fig)


CSS = """
figure.plot{margin:10px 0}
.frames{display:flex;flex-wrap:wrap;gap:12px}
.frames figure{margin:0;width:300px}.frames img{width:300px;border-radius:6px;border:1px solid #ddd}
figcaption{font-size:.85em;color:#333}.legend{font-size:.85em;color:#555}
"""


def render_html(
    report: dict[str, Any],
    traces: Traces,
    key_frames: Sequence[KeyFrame] = (),
    *,
    lang: str = "nl",
) -> str:
    """The complete HTML page of one report (a single string, everything inline)."""
    name_text = report.get("exercise_name")
    exercise = report["exercise"]
    if exercise == "none":
        exercise_label = _t("none", lang)
    elif isinstance(name_text, dict):
        exercise_label = name_text.get(lang) or exercise
    else:
        exercise_label = _pretty(exercise)
    reps = report.get("reps", [])
    faults = report.get("faults", [])
    parts: list[str] = [
        *page_start(f"{_t('title', lang)} — {exercise_label}", lang, CSS),
        f"<h1>{esc(_t('title', lang))}</h1>",
        f'<div class="meta">{esc(_t("source", lang))}: {esc(report["source"])} · '
        f'{esc(_t("model", lang))}: {esc(report["model"]["variant"])} · '
        f'posecheck {esc(report["posecheck_version"])}</div>',
        '<section id="summary"><div class="cards">',
        card(_t("exercise", lang), exercise_label,
              f"{_t('confidence', lang)} {report['exercise_confidence']:.0%}"),
        card(_t("reps", lang), str(sum(1 for r in reps if r["completed"])) + f" / {len(reps)}",
              _reps_per_side(reps, lang)),
        card(_t("faults", lang), str(len(faults)), ""),
        card(_t("duration", lang), f"{report['duration_s']:.1f} s",
              f"{report['frames']} {_t('frames', lang)}, {report['fps']:.3g} fps"),
        card(_t("pose_found", lang),
              f"{(report['pose_frames'] / report['frames']) if report['frames'] else 0:.0%}",
              f"{_t('view', lang)}: {report['view']}"),
        "</div>",
    ]
    position = report.get("position")
    if position:
        near = report.get("near_side")
        extra = f" · {_t('near_side', lang)}: {_side(near, lang)}" if near else ""
        label = POSITION_NAMES[position].get(lang) if position in POSITION_NAMES else position
        parts.append(f'<p class="meta">{esc(_t("position", lang))}: {esc(label)}'
                     f"{esc(extra)}</p>")
    parts.append("</section>")
    parts += _patient_section(report, lang)
    parts += _reps_table(reps, lang)
    parts += _comparison_section(report, lang)
    parts += _faults_table(faults, lang)
    parts.append(f'<section id="plots"><h2>{esc(_t("plots", lang))}</h2>')
    names = plot_names(report, traces)
    if names:
        parts.append(f'<p class="legend">{esc(_t("legend", lang))}</p>')
        for name in names:
            parts.append(f'<figure class="plot" id="plot-{esc(name)}" data-measurement='
                         f'"{esc(name)}">{_plot_svg(name, report, traces, lang)}'
                         f"<figcaption>{esc(_pretty(name))}</figcaption></figure>")
    else:
        parts.append(f"<p>{esc(_t('no_plots', lang))}</p>")
    parts.append("</section>")
    if key_frames:
        parts.append(f'<section id="key-frames"><h2>{esc(_t("key_frames", lang))}</h2>'
                     '<div class="frames">')
        for frame in key_frames:
            data = base64.b64encode(frame.jpeg).decode("ascii")
            parts.append(f'<figure class="key-frame"><img alt="{esc(frame.caption)}" '
                         f'src="data:image/jpeg;base64,{data}">'
                         f"<figcaption>{esc(frame.caption)} ({frame.t_s:.1f} s)"
                         "</figcaption></figure>")
        parts.append("</div></section>")
    parts += _recognition_table(report, lang)
    parts.append(PAGE_END)
    return "\n".join(parts)


def _reps_per_side(reps: list[dict[str, Any]], lang: str) -> str:
    counts: dict[str, int] = {}
    for rep in reps:
        if rep["completed"] and rep["side"] in ("left", "right"):
            counts[rep["side"]] = counts.get(rep["side"], 0) + 1
    return " · ".join(f"{_t(side, lang)} {n}" for side, n in sorted(counts.items()))


def _hold_cell(rep: dict[str, Any], lang: str) -> tuple[str, str]:
    hold = rep.get("hold_s")
    target = rep.get("target_hold_s")
    if hold is None:
        return "–", ""
    if target is None:
        return f"{hold:.1f} s ({_t('as_long', lang)})", ""
    css = "ok" if hold + 0.05 >= target else "bad"
    return f"{hold:.1f} s / {_t('target', lang)} {target:.0f} s", css


def _reps_table(reps: list[dict[str, Any]], lang: str) -> list[str]:
    out = [f'<section id="reps"><h2>{esc(_t("reps", lang))}</h2>']
    if not reps:
        out.append(f"<p>{esc(_t('no_reps', lang))}</p></section>")
        return out
    out.append("<table>" + header_row(
        ["#", *(_t(key, lang) for key in ("side", "time", "hold", "completed", "faults"))]))
    for rep in reps:
        hold, css = _hold_cell(rep, lang)
        done = _t("yes", lang) if rep["completed"] else _t("no", lang)
        out.append(
            f"<tr><td>{rep['index']}</td><td>{esc(_side(rep['side'], lang))}</td>"
            f"<td>{rep['start_s']:.1f}–{rep['end_s']:.1f} s</td>"
            f'<td class="{css}">{esc(hold)}</td>'
            f'<td class="{"ok" if rep["completed"] else "bad"}">{esc(done)}</td>'
            f"<td>{esc(', '.join(rep['faults']) or '–')}</td></tr>"
        )
    out.append("</table></section>")
    return out


def _faults_table(faults: list[dict[str, Any]], lang: str) -> list[str]:
    out = [f'<section id="faults"><h2>{esc(_t("faults", lang))}</h2>']
    if not faults:
        out.append(f'<p class="ok">{esc(_t("no_faults", lang))}</p></section>')
        return out
    out.append("<table>" + header_row([_t("time", lang), _t("fault", lang), ""]))
    for fault in faults:
        message = fault["message"].get(lang) or fault["message"].get("en", "")
        out.append(f"<tr><td>{fault['start_s']:.1f}–{fault['end_s']:.1f} s</td>"
                   f'<td class="bad">{esc(message)}</td><td class="meta">'
                   f"{esc(fault['code'])}</td></tr>")
    out.append("</table></section>")
    return out


def _recognition_table(report: dict[str, Any], lang: str) -> list[str]:
    scores = (report.get("recognition") or {}).get("scores") or {}
    if not scores:
        return []
    cells = " · ".join(
        f"{esc(_pretty(name))} {score:.2f}"
        for name, score in sorted(scores.items(), key=lambda kv: -kv[1])
        if isinstance(score, (int, float)) and math.isfinite(score)
    )
    return [f'<section id="recognition"><h2>{esc(_t("recognition", lang))}</h2>'
            f'<p class="meta">{cells}</p></section>']


def _patient_section(report: dict[str, Any], lang: str) -> list[str]:
    """Whose targets were demanded, and the programme note (``--patient`` only)."""
    patient = report.get("patient")
    if not isinstance(patient, dict):
        return []
    targets = _t("profile_targets", lang) if patient.get("overrides") else _t(
        "standard_targets", lang)
    out = [f'<section id="patient"><p class="meta">{esc(_t("patient", lang))}: '
           f'<b>{esc(patient.get("id", ""))}</b> · {esc(targets)}</p>']
    note = patient.get("note")
    if isinstance(note, dict):
        out.append(f'<p class="bad" id="program-note">{esc(note.get(lang) or note.get("en"))}'
                   "</p>")
    out.append("</section>")
    return out


def _deviation_text(dev: dict[str, Any], lang: str) -> str:
    """``end position: hip flexion.left 118° / 121° (-3°)`` (patient / reference (difference))."""
    unit = dev.get("unit", "")
    sign, digits = ("°", 0) if unit == "deg" else (f" {unit}", 2)

    def num(value: float, plus: str = "") -> str:
        return f"{round(float(value), digits) + 0.0:{plus}.{digits}f}"  # + 0.0: no "-0"

    phase = UI.get(f"phase_{dev['phase']}")
    label = phase.get(lang) if phase is not None else dev["phase"]
    return (f"{label}: {_pretty(dev['measurement'])} {num(dev['patient'])}{sign} / "
            f"{num(dev['reference'])}{sign} ({num(dev['deviation'], '+')}{sign})")


def _comparison_section(report: dict[str, Any], lang: str) -> list[str]:
    """Similarity per repetition and the deviations in the key postures."""
    comparison = report.get("comparison")
    if not isinstance(comparison, dict):
        return []
    overall = comparison.get("similarity")
    out = [
        f'<section id="comparison"><h2>{esc(_t("comparison", lang))}</h2>',
        f'<p class="meta">{esc(_t("reference", lang))}: {esc(comparison.get("reference", ""))}'
        + (f' · {esc(_t("similarity", lang))}: <span class="big">{overall:.0f}/100</span>'
           if isinstance(overall, (int, float)) else "")
        + "</p>",
        f'<p class="legend">{esc(_t("scale", lang))}</p>',
        "<table>" + header_row(
            ["#", *(_t(k, lang) for k in ("side", "similarity", "message", "deviations"))]),
    ]
    for rep in comparison.get("reps", []):
        index = _t("whole", lang) if rep.get("whole_recording") else rep.get("rep_index")
        score = float(rep.get("similarity", 0.0))
        css = "ok" if score >= 70 and not rep.get("short_of_reference") else "bad"
        message = rep.get("message") or {}
        deviations = "<br>".join(esc(_deviation_text(d, lang)) for d in rep.get("deviations", []))
        ref_rep = rep.get("reference_rep_index")
        out.append(
            f'<tr class="comparison-rep"><td>{esc(index)}</td>'
            f"<td>{esc(_side(rep.get('side'), lang))}</td>"
            f'<td class="{css}">{score:.0f}/100'
            + (f'<div class="meta">{esc(_t("ref_rep", lang))} {esc(ref_rep)}</div>'
               if ref_rep is not None else "")
            + f'</td><td class="{css}">{esc(message.get(lang) or message.get("en", ""))}</td>'
            f"<td>{deviations or '–'}</td></tr>"
        )
    out.append("</table></section>")
    return out
