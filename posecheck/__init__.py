"""posecheck: a webcam exercise-form checker for low back pain home exercises.

Data flow (one sub-package per stage)::

    sources  -> frames (webcam, video file, image folder)
    pose     -> poses (MediaPipe Tasks PoseLandmarker, person selection, I/O)
    smoothing-> smoothed poses (One Euro live, zero-phase for recordings)
    measure  -> named measurements (angles, distances, floor line, view)
    engine   -> exercise state, holds, reps, faults as typed events
    feedback -> overlay, speech, beeps (live) / reports (analysis)
"""

__version__ = "0.1.0"
