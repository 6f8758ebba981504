"""Measurement vocabulary, floor line, posture and view recognition.

Public API::

    from posecheck.measure import (MEASUREMENTS, MeasureContext, MeasurementDef, compute,
                                   estimate_context, classify_posture, classify_view, velocity)
"""

from posecheck.measure.context import MeasureContext, estimate_context
from posecheck.measure.floor import FloorLine, fit_floor_line
from posecheck.measure.geometry import unwrap_deg, velocity, wrap_deg
from posecheck.measure.posture import POSTURES, VIEWS, classify_posture, classify_view
from posecheck.measure.vocabulary import MEASUREMENTS, SIDE_SELECTORS, MeasurementDef, compute

__all__ = [
    "MEASUREMENTS",
    "POSTURES",
    "SIDE_SELECTORS",
    "VIEWS",
    "FloorLine",
    "MeasureContext",
    "MeasurementDef",
    "classify_posture",
    "classify_view",
    "compute",
    "estimate_context",
    "fit_floor_line",
    "unwrap_deg",
    "velocity",
    "wrap_deg",
]
