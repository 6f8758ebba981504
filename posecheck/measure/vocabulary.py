"""The measurement vocabulary: named, documented functions of poses.

Every measurement maps ``(T, 33, 5)`` normalised landmarks and a
:class:`MeasureContext` to a ``(T,)`` float array (NaN where it cannot be
measured). Conventions (Pose2Sim/Sports2D style):

* joint angles: 0° = straight (segments in line), flexion positive, wrapped
  to (-180°, 180°]; signed angles are unwrapped over time so they never jump
  at ±180°;
* segment angles: against the floor line of the context (camera tilt
  removed), 0° = lying along the floor, positive = raised off the floor;
* distances and heights: in torso lengths (shoulder-mid to hip-mid, the
  context's start-position median), heights measured perpendicular to the
  floor line; ``*_lift`` measurements subtract the resting height of the
  start position so they read ~0 at rest;
* sides are the person's own. Sided measurements accept ``side`` =
  ``"left"``, ``"right"``, ``"near"``, ``"far"`` (relative to the camera in a
  side view), ``"max"``, ``"min"``, ``"both"`` (= min: what both sides reach)
  or ``"mean"``; ``None`` means the measurement's default (usually the near
  side, which MediaPipe sees best).

See ``docs/measurements.md`` for what each measurement can and cannot see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from posecheck.measure import geometry as g
from posecheck.measure.body import BodyFrames
from posecheck.measure.context import MeasureContext
from posecheck.measure.pelvis import hip_lift as pelvic_hip_lift
from posecheck.measure.pelvis import pelvic_tilt_index
from posecheck.measure.pelvis import trunk_lean_from_start as pelvic_trunk_lean_from_start

DIRECTION_CUE_SCALE = 0.03
ON_TOP_WEIGHT = 2.0
"""knee_rotation (side view): weight of "which knee is on top" against MediaPipe depth.
Measured on the rendered rotation clips with the frame upright and turned (rotation
``auto``): depth alone picks the right direction in 78-99 % of moved frames, knee order
alone in 78-100 %, this weighting in 90-100 %."""
"""Side-view knee rotation: direction cue (torso lengths) at which the sign is ~76 % certain."""

SIDE_SELECTORS = ("left", "right", "near", "far", "max", "min", "both", "mean")


@dataclass(frozen=True)
class MeasurementDef:
    """One named measurement.

    Attributes:
        name: vocabulary key.
        unit: ``"deg"``, ``"torso"`` (torso lengths) or ``"ratio"``.
        description: what it measures, its convention, what it can and cannot see.
        sided: True when it exists per body side (``side`` selects).
        fn: ``fn(body, side) -> (T,)``; ``side`` is ``"left"``/``"right"`` for sided ones.
        default_side: selector used when ``compute`` gets ``side=None``.
        signed_angle: True for angles that may cross ±180° (unwrapped over time).
    """

    name: str
    unit: str
    description: str
    sided: bool
    fn: Callable[[BodyFrames, str], np.ndarray]
    default_side: str = "near"
    signed_angle: bool = False


MEASUREMENTS: dict[str, MeasurementDef] = {}


def _register(
    name: str,
    unit: str,
    description: str,
    *,
    sided: bool = True,
    default_side: str = "near",
    signed_angle: bool = False,
) -> Callable[[Callable[[BodyFrames, str], np.ndarray]], Callable[[BodyFrames, str], np.ndarray]]:
    def deco(
        fn: Callable[[BodyFrames, str], np.ndarray],
    ) -> Callable[[BodyFrames, str], np.ndarray]:
        MEASUREMENTS[name] = MeasurementDef(
            name, unit, " ".join(description.split()), sided, fn, default_side, signed_angle
        )
        return fn

    return deco


# --- joint angles ------------------------------------------------------------------


@_register(
    "hip_flexion",
    "deg",
    """Trunk-thigh angle at the hip: 0° = shoulder, hip and knee in a straight line,
    positive = thigh toward the front of the body (knee toward the chest), negative =
    extension (leg lifted behind, prone). Sign from the context's facing. Side view:
    near side within ~5°, far side 10-35° off. Cannot see hip abduction/rotation.""",
    signed_angle=True,
)
def hip_flexion(b: BodyFrames, side: str) -> np.ndarray:
    hip = b.ps(side, "hip")
    straight = hip - b.ps(side, "shoulder")
    return b.front_signed(straight, b.ps(side, "knee") - hip)


@_register(
    "knee_flexion",
    "deg",
    """Knee flexion: 0° = straight leg (hip-knee-ankle in line), 90° = right angle,
    up to ~160° fully bent. Unsigned (0..180). Blind to bending seen end-on (camera
    along the shin).""",
)
def knee_flexion(b: BodyFrames, side: str) -> np.ndarray:
    return g.flexion_deg(b.ps(side, "hip"), b.ps(side, "knee"), b.ps(side, "ankle"))


@_register(
    "elbow_flexion",
    "deg",
    """Elbow flexion: 0° = straight arm (shoulder-elbow-wrist in line), unsigned. Arms
    bent toward/away from the camera look straighter than they are.""",
)
def elbow_flexion(b: BodyFrames, side: str) -> np.ndarray:
    return g.flexion_deg(b.ps(side, "shoulder"), b.ps(side, "elbow"), b.ps(side, "wrist"))


@_register(
    "shoulder_flexion",
    "deg",
    """Arm-trunk angle: 0° = upper arm along the trunk toward the hips, 90° = arm
    pointing to the front of the body, 180° = overhead in line with the trunk; negative
    = arm behind the trunk.""",
    signed_angle=True,
)
def shoulder_flexion(b: BodyFrames, side: str) -> np.ndarray:
    shoulder = b.ps(side, "shoulder")
    return b.front_signed(b.ps(side, "hip") - shoulder, b.ps(side, "elbow") - shoulder)


@_register(
    "neck_flexion",
    "deg",
    """Head forward relative to the trunk: angle from the trunk line (hip-mid to
    shoulder-mid, continued) to the shoulder-to-ear line; 0° = head in line with the
    trunk, positive = chin toward the chest (neck pulled forward), negative = head
    tipped back. The ear sits slightly off the trunk line, so compare with the start
    position rather than with 0.""",
    sided=False,
    signed_angle=True,
)
def neck_flexion(b: BodyFrames, side: str) -> np.ndarray:
    trunk = b.shoulder - b.hip
    ear = b.mid("ear")
    return b.front_signed(trunk, ear - b.shoulder)


# --- segment angles -------------------------------------------------------------------


@_register(
    "trunk_curl",
    "deg",
    """Trunk angle off the floor (lying): hip-mid to shoulder-mid against the floor
    line toward the head; 0° = flat, positive = shoulders raised (curl-up, head and
    shoulders lifted). Needs a side or oblique view.""",
    sided=False,
    signed_angle=True,
)
def trunk_curl(b: BodyFrames, side: str) -> np.ndarray:
    return b.elevation_from(b.toward_head, b.shoulder - b.hip)


@_register(
    "trunk_lean",
    "deg",
    """Trunk angle from vertical (sitting/standing): 0° = upright, positive = leaning
    forward (toward where the person faces), negative = leaning back. Side view; a
    front view sees only sideways lean.""",
    sided=False,
    signed_angle=True,
)
def trunk_lean(b: BodyFrames, side: str) -> np.ndarray:
    up = np.broadcast_to(b.up, (len(b), 2))
    return b.front_signed(up, b.shoulder - b.hip)


@_register(
    "trunk_lean_from_start",
    "deg",
    """Trunk (hip-mid to shoulder-mid) turned since the start position, positive toward
    the front of the body: any posture's "upper body moved" (lying on the back: shoulders
    raised, like trunk_curl from the start; sitting/standing: leaning forward, like
    trunk_lean from the start; hands and knees: chest toward the floor); negative = the
    other way (leaning back; a bridge reads negative). Needs the start position (else
    the frames' median direction). Side or oblique view. A pelvic tilt itself moves the
    chord a little: sitting/standing ~0.45° per degree (the chest forward in a hollow).""",
    sided=False,
    signed_angle=True,
)
def trunk_lean_from_start(b: BodyFrames, side: str) -> np.ndarray:
    return pelvic_trunk_lean_from_start(b)


@_register(
    "thigh_elevation",
    "deg",
    """Thigh (hip to knee) angle off the floor, measured from the floor direction
    toward the feet: 0° = leg flat on the floor, 90° = thigh vertical, >90° = knee over
    the chest. Side view.""",
    signed_angle=True,
)
def thigh_elevation(b: BodyFrames, side: str) -> np.ndarray:
    hip = b.ps(side, "hip")
    return b.elevation_from(-b.toward_head, b.ps(side, "knee") - hip)


@_register(
    "shin_elevation",
    "deg",
    """Shin (ankle to knee) angle off the floor, measured from the floor direction
    toward the head: 0° = shin flat (straight leg on the floor), ~50-60° in hook lying,
    90° = shin vertical. Side view.""",
    signed_angle=True,
)
def shin_elevation(b: BodyFrames, side: str) -> np.ndarray:
    return b.elevation_from(b.toward_head, b.ps(side, "knee") - b.ps(side, "ankle"))


@_register(
    "arm_elevation",
    "deg",
    """Shoulder-to-wrist line against the floor, either direction: 0° = along the
    floor, positive = wrist above the shoulder level, -90..90.""",
)
def arm_elevation(b: BodyFrames, side: str) -> np.ndarray:
    vec = b.ps(side, "wrist") - b.ps(side, "shoulder")
    along = np.abs((vec * b.floor_dir).sum(axis=-1))
    return np.degrees(np.arctan2(b.above(vec), along))


# --- distances --------------------------------------------------------------------------


@_register(
    "knee_to_chest_distance",
    "torso",
    """Distance from the knee to the chest point (a third of the way from the
    shoulder-mid to the hip-mid), in torso lengths: ~1.0 in hook lying, ~0.4-0.6 with the
    knee pulled to the chest. 2D: a knee moved toward the camera is not seen closer.""",
)
def knee_to_chest_distance(b: BodyFrames, side: str) -> np.ndarray:
    return g.norm(b.ps(side, "knee") - b.chest) / b.torso


@_register(
    "fingers_to_knee_distance",
    "torso",
    """Distance from the index fingertip to the knee of the same side, in torso lengths;
    0 = fingers at the knee. Default side: the closer hand (min). Hand landmarks are the
    noisiest of the body.""",
    default_side="min",
)
def fingers_to_knee_distance(b: BodyFrames, side: str) -> np.ndarray:
    return g.norm(b.ps(side, "index") - b.ps(side, "knee")) / b.torso


@_register(
    "knees_apart",
    "ratio",
    """Knee separation over hip separation: ~1 with knees hip-width apart, <1 knees
    together, >1.4 knees falling apart. Feet/front view: measured in the image (reliable).
    Side view: from MediaPipe's depth z only (weak; treat as a hint).""",
    sided=False,
)
def knees_apart(b: BodyFrames, side: str) -> np.ndarray:
    if b.ctx.view in ("feet", "front"):
        knees = g.norm(b.ps("left", "knee") - b.ps("right", "knee"))
        hips = g.norm(b.ps("left", "hip") - b.ps("right", "hip"))
    else:
        w = b.ctx.image_size[0]
        z = np.asarray(b.lm[:, :, 2], dtype=np.float64) * w
        xy_k = b.ps("left", "knee") - b.ps("right", "knee")
        xy_h = b.ps("left", "hip") - b.ps("right", "hip")
        dz_k = z[:, g.index("left_knee")] - z[:, g.index("right_knee")]
        dz_h = z[:, g.index("left_hip")] - z[:, g.index("right_hip")]
        knees = np.sqrt((xy_k**2).sum(axis=-1) + dz_k**2)
        hips = np.sqrt((xy_h**2).sum(axis=-1) + dz_h**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return knees / np.where(hips > 0, hips, np.nan)


# --- heights above the floor ---------------------------------------------------------


@_register(
    "foot_lift",
    "torso",
    """Foot height above the floor line minus its resting height (lowest of heel, ankle
    and toes), torso lengths; 0 = foot on the floor. Side view; with the camera at the
    feet a lifted foot mostly moves down the image and is underestimated.""",
)
def foot_lift(b: BodyFrames, side: str) -> np.ndarray:
    heel, ankle, toe = (b.lift(f"{side}_{p}") for p in ("heel", "ankle", "foot_index"))
    return np.fmin(np.fmin(heel, ankle), toe)


@_register(
    "head_lift",
    "torso",
    """Head (nose and ears) height above the floor minus its resting height, torso
    lengths; 0 = head resting on the floor.""",
    sided=False,
)
def head_lift(b: BodyFrames, side: str) -> np.ndarray:
    return b.lift("nose", "left_ear", "right_ear")


@_register(
    "shoulder_lift",
    "torso",
    """Shoulder height above the floor minus its resting height, torso lengths. Side
    view: the near shoulder is reliable; a lifted far shoulder shows as a small rise of
    its (occluded, guessed) landmark. Default side: max (either shoulder lifting).""",
    default_side="max",
)
def shoulder_lift(b: BodyFrames, side: str) -> np.ndarray:
    return b.lift(f"{side}_shoulder")


@_register(
    "hip_lift",
    "torso",
    """Hips lifted off the floor (a bridge), torso lengths; lying only (NaN on hands and
    knees, sitting, standing). Side/oblique view: the hip-mid's height above the line
    through the shoulder-mid and the ankle-mid, minus the start position's (at most 0.1),
    so a recording that starts mid-bridge still shows it; resting hips read ~0, a bridge
    0.3-0.4. Camera at the feet: hip-mid height above the floor line minus its resting
    height.""",
    sided=False,
)
def hip_lift(b: BodyFrames, side: str) -> np.ndarray:
    return pelvic_hip_lift(b)


@_register(
    "knee_height",
    "torso",
    """Knee height above the floor line (not baseline-corrected), torso lengths; drops
    when the knees rotate to a side or the leg straightens.""",
    default_side="mean",
)
def knee_height(b: BodyFrames, side: str) -> np.ndarray:
    return b.height(f"{side}_knee")


def _prone_limb_lift(limb: str, joint: str) -> None:
    """Register ``<limb>_lift``: the ``joint``'s height above the floor minus its resting
    height, per side; by default both sides (the lower one)."""

    def lift(b: BodyFrames, side: str) -> np.ndarray:
        return b.lift(f"{side}_{joint}")

    lift.__name__ = f"{limb}_lift"
    _register(
        f"{limb}_lift",
        "torso",
        f"""{joint.capitalize()} height above the floor minus its resting height (prone {limb}
        lift), torso lengths. Default: both {limb}s (min).""",
        default_side="both",
    )(lift)


_prone_limb_lift("arm", "wrist")
_prone_limb_lift("leg", "ankle")


@_register(
    "both_lifted",
    "torso",
    """min(arm_lift, leg_lift), both over both sides: > 0 only when arms and legs are
    off the floor together.""",
    sided=False,
)
def both_lifted(b: BodyFrames, side: str) -> np.ndarray:
    arms, legs = (MEASUREMENTS[f"{limb}_lift"].fn for limb in ("arm", "leg"))
    return np.fmin(
        np.fmin(arms(b, "left"), arms(b, "right")), np.fmin(legs(b, "left"), legs(b, "right"))
    )


@_register(
    "upper_body_lift",
    "torso",
    """Prone back extension: how far the upper body leaves the floor, torso lengths above
    its resting height. If the start position has the arms stretched overhead (near
    arm-trunk angle at least UPPER_BODY_ARMS_OVERHEAD_DEG), the wrists are what leaves
    the floor: the higher wrist's lift (arm_lift, side max). With the arms along the
    body the hands stay down and the chest rises: the shoulder-mid's lift. The choice is
    made once, from the start position (context), so the value never switches source
    mid-lift; without a known start position, the wrists. Says nothing of the legs
    (leg_lift).""",
    sided=False,
)
def upper_body_lift(b: BodyFrames, side: str) -> np.ndarray:
    if _rest_arms_overhead(b):
        arms = MEASUREMENTS["arm_lift"].fn
        return np.fmax(arms(b, "left"), arms(b, "right"))
    return b.lift("left_shoulder", "right_shoulder")


UPPER_BODY_ARMS_OVERHEAD_DEG = 90.0
"""upper_body_lift follows the wrists when the start position's near arm-trunk angle is at
least this (arms stretched overhead), the shoulders otherwise (arms along the body)."""


def _rest_arms_overhead(b: BodyFrames) -> bool:
    rest = b.ctx.rest_pose_px
    if rest is None:
        return True
    side = b.ctx.near_side or "left"
    shoulder, hip, elbow = (
        np.asarray(rest[g.sided(side, part)]) for part in ("shoulder", "hip", "elbow")
    )
    angle = float(g.unsigned_angle_deg(hip - shoulder, elbow - shoulder))
    return not angle < UPPER_BODY_ARMS_OVERHEAD_DEG


# --- compound ----------------------------------------------------------------------------


def _near_sign(b: BodyFrames) -> float:
    return -1.0 if b.ctx.near_side == "right" else 1.0


@_register(
    "knee_rotation",
    "deg",
    """Rotation of the bent knees to a side (lower back rotation), signed: + = knees
    toward the patient's left. Feet view: the knee-mid around the ankle-mid in the image
    (direct). Side view: size from how far the knees drop toward the floor (acos of knee
    height over resting height; needs the start position in the context), direction
    from which knee is on top and MediaPipe depth (toward or away from the camera,
    mapped to left/right with the context's near side). Side view resolves the
    direction only once the knees have moved ~15°. Only measured with bent knees
    (hook lying): NaN while the legs are straight (a side view would read low,
    straight legs as rotated).""",
    sided=False,
    signed_angle=True,
)
def knee_rotation(b: BodyFrames, side: str) -> np.ndarray:
    return np.where(_knees_bent(b), _knee_rotation(b), np.nan)


KNEE_ROTATION_MIN_FLEXION_DEG = 40.0
"""Side view: knee_rotation needs at least one knee bent this much (hook lying)."""
KNEE_ROTATION_MIN_KNEE_RISE = 0.25
"""Feet view: the knees must stand this far (torso lengths) above the ankles in the image."""


def _knees_bent(b: BodyFrames) -> np.ndarray:
    """``(T,)`` True where the legs are bent as in hook lying, so the knees can rotate.

    With straight legs (settling in, legs stretched out) the knees lie low and a
    side view would read the low knees as rotated: those frames are not measured.
    Side/oblique view: the more bent knee (image angle) flexed at least
    :data:`KNEE_ROTATION_MIN_FLEXION_DEG` (rotated 45° a hook-lying knee still reads
    ~75°). Feet view: the knee-mid above the ankle-mid in the image.
    """
    if b.ctx.view == "feet":
        rise = (b.mid("knee") - b.mid("ankle")) @ b.up / b.torso
        return np.asarray(rise > KNEE_ROTATION_MIN_KNEE_RISE)
    flexion = np.stack(
        [
            g.flexion_deg(b.ps(s, "hip"), b.ps(s, "knee"), b.ps(s, "ankle"))
            for s in ("left", "right")
        ]
    )
    with np.errstate(invalid="ignore"):
        return np.asarray(np.fmax(flexion[0], flexion[1]) > KNEE_ROTATION_MIN_FLEXION_DEG)


def _knee_rotation(b: BodyFrames) -> np.ndarray:
    if b.ctx.view == "feet":
        knee = b.mid("knee")
        ankle = b.mid("ankle")
        left = g.unit(b.ps("left", "hip") - b.ps("right", "hip"))
        up = np.broadcast_to(b.up, (len(b), 2))
        sign = np.sign(up[:, 0] * left[:, 1] - up[:, 1] * left[:, 0])
        return sign * g.signed_angle_deg(up, knee - ankle)
    h = 0.5 * (b.height("left_knee") + b.height("right_knee"))
    base = b.ctx.baseline_heights
    h0 = (
        0.5 * (base[g.index("left_knee")] + base[g.index("right_knee")])
        if base is not None
        else float(np.nanmax(h))
        if np.isfinite(h).any()
        else np.nan
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        magnitude = np.degrees(np.arccos(np.clip(h / h0, -1.0, 1.0)))
    near = b.ctx.near_side or "left"
    far = g.other(near)
    # Knees falling toward the camera put the far knee on top (near knee lower) and bring
    # the knees nearer (lower MediaPipe z than the hips); both relative to the start position.
    on_top = b.lift(f"{near}_knee") - b.lift(f"{far}_knee")
    z = np.asarray(b.lm[:, :, 2], dtype=np.float64)
    knees_z = z[:, g.index(f"{near}_knee")] + z[:, g.index(f"{far}_knee")]
    hips_z = z[:, g.index("left_hip")] + z[:, g.index("right_hip")]
    depth = 0.5 * (knees_z - hips_z)
    rest_z = b.ctx.rest_depth
    if rest_z is not None:
        depth = depth - 0.5 * (
            rest_z[g.index(f"{near}_knee")]
            + rest_z[g.index(f"{far}_knee")]
            - rest_z[g.index("left_hip")]
            - rest_z[g.index("right_hip")]
        )
    w = b.ctx.image_size[0]
    toward_camera = -ON_TOP_WEIGHT * on_top - 0.5 * depth * w / b.torso
    # A soft sign: near rest the direction cues are ~0 and noisy, so the value fades to 0
    # instead of flipping between +-(noise-sized angles).
    direction = np.tanh(toward_camera / DIRECTION_CUE_SCALE)
    # Toward the camera = toward the near side; + means the patient's left.
    return direction * magnitude * _near_sign(b)


@_register(
    "pelvic_tilt",
    "deg",
    """Pelvis tilt estimate: + = hollow back (anterior tilt), - = flat back (posterior
    tilt), 0 = the start position; the model follows the context's start posture.
    MediaPipe has no pelvis landmarks (see ``posecheck.measure.pelvis``). Lying: the
    near thigh's angle, NaN beyond ±40° (not a pelvic tilt); a bridge (hip_lift > 0.12)
    reads -40 (check hip_lift). Hands and knees (cat-camel):
    the supporting (near unless it kicks) hip and shoulder angles, which close in the
    cat and open in the cow; NaN off hands and knees; rocking forward also reads as
    hollow. Sitting/standing: the trunk-thigh angle; a forward lean or bent knees also
    read as hollow (check trunk_lean_from_start). NaN with straight legs (lying) and
    when the trunk turned > 35° from the start position. Side view.""",
    sided=False,
)
def pelvic_tilt(b: BodyFrames, side: str) -> np.ndarray:
    return pelvic_tilt_index(b)


# --- compute ---------------------------------------------------------------------------


def _resolve(defn: MeasurementDef, b: BodyFrames, side: str | None) -> np.ndarray:
    if not defn.sided:
        return defn.fn(b, "left")
    sel = side or defn.default_side
    if sel not in SIDE_SELECTORS:
        raise ValueError(f"unknown side selector {sel!r}; use one of {SIDE_SELECTORS}")
    if sel in ("near", "far"):
        near = b.ctx.near_side
        sel = "mean" if near is None else near if sel == "near" else g.other(near)
    if sel in ("left", "right"):
        return defn.fn(b, sel)
    both = np.stack([defn.fn(b, "left"), defn.fn(b, "right")])
    with np.errstate(invalid="ignore"):
        if sel == "max":
            return np.fmax(both[0], both[1])
        if sel in ("min", "both"):
            return np.fmin(both[0], both[1])
        count = np.isfinite(both).sum(axis=0)
        total = np.nansum(both, axis=0)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def compute(
    name: str, landmarks: np.ndarray, ctx: MeasureContext, side: str | None = None
) -> np.ndarray:
    """Measurement ``name`` over frames: ``(T, 33, 5)`` (or ``(33, 5)``) -> ``(T,)`` float64.

    NaN where a frame has no pose. Signed angles are unwrapped over time (no
    jumps at ±180°). Raises KeyError for an unknown name.
    """
    _definition(name)
    return _compute(name, BodyFrames(landmarks, ctx), side)


def compute_many(
    requests: Sequence[tuple[str, str | None]],
    landmarks: np.ndarray,
    ctx: MeasureContext,
    *,
    per_frame: bool = False,
) -> list[np.ndarray]:
    """Several measurements ``(name, side)`` over the same frames, as :func:`compute` gives
    each, sharing the per-frame geometry (pixel points, heights): much faster for many.

    ``per_frame=True``: every frame exactly as :func:`compute` gives it for that frame
    alone (no unwrapping over time, no reference taken from the other frames), for
    measuring a recording in blocks on behalf of a frame-by-frame consumer.
    """
    for name, _ in requests:
        _definition(name)
    frames = g.frames(landmarks)
    if per_frame and len(frames) > 1 and not _frames_independent(ctx):
        singles = [compute_many(requests, frames[i : i + 1], ctx) for i in range(len(frames))]
        return [np.concatenate(column) for column in zip(*singles, strict=True)]
    body = BodyFrames(frames, ctx)
    done: dict[tuple[str, str | None], np.ndarray] = {}
    out: list[np.ndarray] = []
    for name, side in requests:
        key = (name, side if MEASUREMENTS[name].sided else None)  # unsided: side is ignored
        if key in done:
            out.append(done[key].copy())
        else:
            done[key] = _compute(name, body, side, unwrap=not per_frame)
            out.append(done[key])
    return out


def _frames_independent(ctx: MeasureContext) -> bool:
    """True when no measurement takes a reference from the frames themselves: the context
    knows the resting heights (``knee_rotation``) and the rest pose (``pelvic_tilt``)."""
    return ctx.baseline_heights is not None and ctx.rest_pose_px is not None


def _definition(name: str) -> MeasurementDef:
    if name not in MEASUREMENTS:
        raise KeyError(f"unknown measurement {name!r}; known: {', '.join(sorted(MEASUREMENTS))}")
    return MEASUREMENTS[name]


def _compute(name: str, body: BodyFrames, side: str | None, unwrap: bool = True) -> np.ndarray:
    defn = MEASUREMENTS[name]
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.asarray(_resolve(defn, body, side), dtype=np.float64)
    if unwrap and defn.signed_angle and defn.unit == "deg":
        values = g.unwrap_deg(values)
    return values
