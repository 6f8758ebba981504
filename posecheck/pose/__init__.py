"""Poses: the backend-neutral pose type, the MediaPipe estimator and landmark files."""

from posecheck.pose.types import LANDMARK_NAMES, Landmark, Pose, PoseSequence

__all__ = ["LANDMARK_NAMES", "Landmark", "Pose", "PoseSequence"]
