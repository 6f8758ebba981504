"""Overlay: skeleton colour by status, gauge with target band, big hold countdown, cue, banners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecheck.engine import EngineState
from posecheck.feedback.overlay import (
    AMBER,
    GREEN,
    GREY,
    RED,
    OverlayStatus,
    gauge_range,
    render_overlay,
    status_color,
)
from posecheck.pose.types import PoseSequence
from posecheck.specs import load_spec

CLIP = "rendered/k2c_left_right.mp4"


@pytest.fixture(scope="module")
def spec():
    return load_spec("knee_to_chest")


def _state(**changes: object) -> EngineState:
    base = EngineState(
        phase="hold", side="left", held_s=12.2, target_s=30.0, reps_done={"left": 0, "right": 0},
        active_faults=(), primary_name="hip_flexion", primary_value=118.0,
        primary_target=(100.0, 140.0), position="hook_lying", view="side", rest_remaining_s=0.0,
        near_side="left", repetitions=1,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def frame_and_pose(media_dir: Path, clip_poses: Callable[[str], PoseSequence]):
    capture = cv2.VideoCapture(str(media_dir / CLIP))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 90)
    ok, image = capture.read()
    capture.release()
    assert ok
    return image, clip_poses(CLIP).pose_at(90)


def _fraction(image: np.ndarray, color: tuple[int, int, int], box: tuple[int, int, int, int],
              tol: int = 40) -> float:
    x0, y0, x1, y1 = box
    roi = image[y0:y1, x0:x1].astype(int)
    close = (np.abs(roi - np.array(color)) < tol).all(axis=2)
    return float(close.mean())


def test_status_colour(spec) -> None:
    assert status_color(_state(phase="setup"), spec) == GREY
    assert status_color(_state(), spec) == GREEN
    warning = next(c.code for c in spec.checks if c.severity == "warning")
    assert status_color(_state(active_faults=(warning,)), spec) == AMBER
    stops = [c.code for c in spec.checks if c.severity == "stop"]
    if stops:
        assert status_color(_state(active_faults=(stops[0],)), spec) == RED


def test_hold_countdown_gauge_and_cue_are_drawn(spec, frame_and_pose) -> None:
    image, pose = frame_and_pose
    out = render_overlay(image, pose, _state(), spec, lang="nl", cue="Vasthouden, dertig tellen.")
    h, w = out.shape[:2]
    assert out.shape == image.shape and not np.array_equal(out, image)
    assert np.array_equal(image, frame_and_pose[0])  # input untouched
    # big green digits (18 s left) in the top-right panel
    assert _fraction(out, GREEN, (w - 180, 50, w, 200)) > 0.08
    # the gauge's green target band on the left edge
    assert _fraction(out, GREEN, (10, 100, 36, 300)) > 0.2
    # the cue box (yellow text) above the instruction lines
    assert _fraction(out, (0, 230, 255), (0, h - 140, w, h - 40), tol=60) > 0.005


def test_fault_banner_and_skeleton_turn_amber(spec, frame_and_pose) -> None:
    image, pose = frame_and_pose
    warning = next(c.code for c in spec.checks if c.severity == "warning")
    ok = render_overlay(image, pose, _state(), spec, lang="en")
    bad = render_overlay(image, pose, _state(active_faults=(warning,)), spec, lang="en")
    band = (0, 42, 640, 70)
    assert _fraction(bad, AMBER, band, tol=70) > 0.3 > _fraction(ok, AMBER, band, tol=70)
    body = (150, 140, 480, 260)
    assert _fraction(bad, AMBER, body, tol=50) > _fraction(ok, AMBER, body, tol=50)


def test_paused_dims_the_picture(spec, frame_and_pose) -> None:
    image, pose = frame_and_pose
    normal = render_overlay(image, pose, _state(phase="start"), spec)
    paused = render_overlay(image, pose, _state(phase="start"), spec,
                            status=OverlayStatus(paused=True, muted=True))
    assert paused[100:170, 60:200].mean() < normal[100:170, 60:200].mean() * 0.8


def test_rest_countdown_and_open_hold(spec, frame_and_pose) -> None:
    image, pose = frame_and_pose
    w = image.shape[1]
    rest = render_overlay(image, pose, _state(phase="rest", rest_remaining_s=42.0), spec)
    assert _fraction(rest, (255, 255, 255), (w - 180, 50, w, 200), tol=30) > 0.05
    none = render_overlay(image, None, None, None)  # before an exercise: no crash
    assert none.shape == image.shape


def test_gauge_range_covers_zones_and_band(spec) -> None:
    lo, hi = gauge_range(spec, _state())
    assert lo < min(spec.primary.start_zone.enter, 100.0) and hi > 140.0


def test_live_drawing_in_place_and_without_antialiasing_shows_the_same(
    spec, frame_and_pose
) -> None:
    """The live loop's cheap path (no frame copy, plain skeleton lines) looks the same."""
    image, pose = frame_and_pose
    cue = "Vasthouden, dertig tellen."
    reference = render_overlay(image, pose, _state(), spec, lang="nl", cue=cue)
    frame = image.copy()
    live = render_overlay(frame, pose, _state(), spec, lang="nl", cue=cue, inplace=True,
                          antialias=False)
    assert live is frame  # drawn into the camera frame itself
    differs = (cv2.absdiff(live, reference).max(axis=2) > 40).mean()
    assert 0 < differs < 0.01  # only the skeleton's line edges differ


def test_text_is_blended_over_the_picture(spec, frame_and_pose) -> None:
    image, _ = frame_and_pose
    white = np.full_like(image, 255)
    out = render_overlay(white, None, None, spec, lang="nl", status=OverlayStatus(show_keys=False))
    title = out[5:35, 10:200]
    assert (title < 60).all(axis=2).mean() > 0.05  # the black text outline ...
    assert (title > 200).all(axis=2).mean() > 0.05  # ... around white letters


@pytest.mark.parametrize("cue", ["", " ", "\n"])
def test_blank_cue_text_does_not_fail(spec, frame_and_pose, cue: str) -> None:
    image, pose = frame_and_pose
    out = render_overlay(image, pose, _state(), spec, lang="nl", cue=cue)
    assert out.shape == image.shape
