"""Parts of the self-contained HTML pages (the analysis report and the therapist report).

Both pages are one file each that opens offline: inline CSS, plots as inline
SVG drawn by matplotlib's Agg backend, no scripts and nothing loaded from
elsewhere. This module holds what they share: escaping, the page frame and its
base style, summary cards, table rows, the Agg figure and its SVG text, and
the user-facing words both pages use (Dutch and English).
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

from posecheck.i18n import Text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BASE_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px auto;
max-width:1000px;color:#1d1d1f;background:#fff;line-height:1.4}
h1{font-size:1.6em;margin-bottom:4px}
h2{font-size:1.2em;margin-top:28px;border-bottom:2px solid #e5e5ea}
.meta,.muted{color:#555;font-size:.9em}.big{font-size:1.3em;font-weight:600}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.card{background:#f2f4f8;border-radius:8px;padding:10px 14px;min-width:140px}
.card .label{font-size:.8em;color:#555}.card .value{font-size:1.4em;font-weight:600}
table{border-collapse:collapse;width:100%;font-size:.92em;margin:8px 0}
th,td{border-bottom:1px solid #e5e5ea;padding:5px 8px;text-align:left}
th{background:#f7f7fa}.ok{color:#1b7f3b}.bad{color:#c0262d}
.plot svg{width:100%;height:auto}
"""
"""The style every page starts from (pages add their own rules after it)."""

COMMON_UI: dict[str, Text] = {
    "exercise": Text(nl="Oefening", en="Exercise"),
    "reps": Text(nl="Herhalingen", en="Repetitions"),
    "patient": Text(nl="Patiënt", en="Patient"),
    "faults": Text(nl="Fouten in de uitvoering", en="Form faults"),
    "fault": Text(nl="Fout", en="Fault"),
    "no_faults": Text(nl="Geen fouten gezien.", en="No faults seen."),
    "as_long": Text(nl="zo lang mogelijk", en="as long as possible"),
    "left": Text(nl="links", en="left"),
    "right": Text(nl="rechts", en="right"),
}
"""Words both reports use; each page's own table extends this one."""


def esc(value: object) -> str:
    """``value`` as HTML text (quotes escaped too, safe inside attributes)."""
    return html.escape(str(value), quote=True)


def page_start(title: str, lang: str, css: str = "") -> list[str]:
    """The opening of a page up to and including ``<body>``: :data:`BASE_CSS` + ``css``."""
    return [
        "<!DOCTYPE html>",
        f'<html lang="{esc(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f"<style>{BASE_CSS}{css}</style></head><body>",
    ]


PAGE_END = "</body></html>"


def card(label: str, value: str, sub: str = "") -> str:
    """A summary card: a small label, a big value and a line under it (all plain text)."""
    return (f'<div class="card"><div class="label">{esc(label)}</div>'
            f'<div class="value">{esc(value)}</div><div class="meta">{esc(sub)}</div></div>')


def header_row(labels: Iterable[str]) -> str:
    """``<tr>`` of ``<th>`` cells (plain text, escaped)."""
    return "<tr>" + "".join(f"<th>{esc(label)}</th>" for label in labels) + "</tr>"


def agg_figure(width: float, height: float, dpi: int = 96) -> Figure:
    """A matplotlib figure on the Agg backend (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=dpi)


def figure_svg(fig: Figure, *, tight_box: bool = False) -> str:
    """The figure as inline ``<svg>`` text (the XML prologue dropped)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight" if tight_box else None)
    svg = buffer.getvalue()
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
