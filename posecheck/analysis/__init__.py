"""Analysis of recordings: ``posecheck analyze`` (reports, HTML, CSV, annotated video, batch).

Modules (one job each):

- :mod:`~posecheck.analysis.pipeline` — one input → :class:`AnalysisResult`, and the
  batch task that writes its files;
- :mod:`~posecheck.analysis.recognition` — which exercise (or ``none``) from poses alone;
- :mod:`~posecheck.analysis.report` — the JSON report (``posecheck.report/1``) and its schema;
- :mod:`~posecheck.analysis.html` — the self-contained HTML page;
- :mod:`~posecheck.analysis.csv_export` — per-frame measurements and phase;
- :mod:`~posecheck.analysis.render` — annotated video and key frames (live overlay code);
- :mod:`~posecheck.analysis.batch` / :mod:`~posecheck.analysis.progress` — parallel
  processes with per-file failures, progress bars and the summary table.
"""

from posecheck.analysis.report import SCHEMA_ID, build_report, report_schema, validate_report
from posecheck.analysis.result import (
    AnalysisResult,
    FaultRecord,
    ModelRef,
    Recognition,
    Traces,
)

__all__ = [
    "SCHEMA_ID",
    "AnalysisResult",
    "FaultRecord",
    "ModelRef",
    "Recognition",
    "Traces",
    "build_report",
    "report_schema",
    "validate_report",
]
