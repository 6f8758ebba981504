"""Pelvic tilt without pelvis landmarks, and the bridge (hips lifted) check.

MediaPipe has no landmark on the pelvis itself. When a person lying with
bent knees and planted feet tilts the pelvis, the hip joint centre rolls a
little around the sacrum's contact with the floor: with a hollow back
(anterior tilt) it moves toward the feet and the thighs turn up; with a flat
back (posterior tilt) the reverse. MediaPipe's hip landmarks follow that, so
the *thigh elevation* (hip to knee against the floor line) changes by about
0.12° per degree of pelvic tilt. The near-side thigh is used (the far-side
one is guessed by MediaPipe and can even move the wrong way).

Validated on the rendered pelvic tilt clips (pelvis +15° hollow to -12°
flat; poses from ``extract_poses``): near thigh elevation vs true tilt
r = 0.99 on both clips (slope 0.17 and 0.14° per degree: the rendered body
reads 1.2-1.4x the true tilt). Other cues tried (after zero-phase smoothing;
r on ``pelvic_tilt`` / on the first repetition of ``pelvic_tilt_fault_hips``):
the hip's offset from the shoulder-knee line 0.98 / 0.87, the shoulder-hip-knee
angle 0.99 / 0.91, the hip-to-knee distance along the floor 0.98 / 0.99, the
hip height 0.80 / 0.69. Averaging any of them with the thigh did not beat the
thigh alone on the rendered clips (residual 1.8° either way) and gained at most
0.2° on synthetic noise (0.3 px: 1.0° residual after smoothing), so the thigh is
used alone.

Limits: the signal is small (a 27° tilt turns the thigh ~3°), so landmark
jitter of 1° reads as ~8° of tilt: smooth before thresholding. Anything
else that turns the thigh (sliding the feet, moving the knees) also reads as
tilt; beyond :data:`TILT_LIMIT_DEG` the thigh did not turn because of the
pelvis (a knee pulled in, a leg lowered, a fade to black in a video), so the frame is
not measured (NaN) rather than read at the limit. With straight legs (knee bent less than
:data:`LYING_MIN_KNEE_FLEXION_DEG`, e.g. while lying down) nothing is measured (NaN).

A bridge (hips lifted) is judged by :func:`hip_lift`: the hip-mid's height
above the line through the shoulder-mid and the ankle-mid, in torso lengths.
Shoulders and feet stay on the floor in every lying exercise here, so that line
is a floor reference that needs no resting height: a clip that starts
mid-bridge, or a floor line fitted with the hips up, still shows the bridge
(the rest value subtracted is capped at :data:`HIP_LINE_REST_MAX`). Resting
hips read 0.01-0.06 on every lying clip, bridges 0.30-0.41. While the hips are
lifted more than :data:`BRIDGE_HIP_LIFT`, ``pelvic_tilt`` reads the posterior
limit (-:data:`TILT_LIMIT_DEG`): a bridge rolls the pelvis back and lifts it,
which is not the exercise; an attempt that lifts the hips counts as a
repetition and the ``hips_lifted`` check (on ``hip_lift``) says why it is wrong.

Other start positions (the leaflet allows hands and knees, sitting and
standing) use other landmarks, chosen by the context's start posture:

* **hands and knees** (cat-camel): the trunk chord (hip to shoulder) cannot
  show the back's curve, but both of its ends turn against the limbs: going
  into the cat (flat back, posterior tilt) the hip angle (shoulder-hip-knee)
  and the shoulder angle (hip-shoulder-elbow) both close, into the cow
  (hollow, anterior tilt) both open. ``pelvic_tilt`` = minus the mean change of
  the hip and shoulder flexion from the start position, divided by
  :data:`QUADRUPED_DEG_PER_TILT_DEG`. Each angle is taken on the *supporting*
  limb: the near side, unless the near thigh (upper arm) has turned
  :data:`SUPPORT_MARGIN_DEG` more from its start direction than the far one (a
  kickback or a bird dog moves one leg; the pelvis tilt moves neither thigh
  much). Frames where the supporting thigh turned more than
  :data:`QUADRUPED_MAX_TURN_DEG` from the start position are not on hands and
  knees any more (sitting back): NaN. On the real cat-cow clip (side
  view, 2 cycles) the mean angle moves 7° between cat and cow (r = 0.91 with the
  cat/cow phases read by eye); the scale assumes a ~20° pelvic range, which is
  not measured. Rocking the whole body forward (shoulders past the hands) also
  opens both angles and reads as a hollow back; so does a kickback's weight
  shift onto the hands (≈ +10° on the real kickback clip).
* **sitting / standing**: hollowing pushes the buttocks back and the chest
  forward, flattening does the reverse, so the trunk-thigh angle (hip
  flexion, near side) grows with an anterior tilt. ``pelvic_tilt`` = its change
  from the start position over :data:`UPRIGHT_DEG_PER_TILT_DEG`. Leaning the
  trunk or bending the knees moves the same angle: a forward lean reads as a
  hollow back (a hip hinge tilts the pelvis forward on the thighs; a tailbone tucked
  under a forward slump reads hollow too, as on the real ``Standing_Pelvic_Tilt`` photo
  pair: +32°). :func:`trunk_lean_from_start` (the spec's ``trunk_leaning`` check) flags
  the upper body moving. Thigh inclination, the hip's offset from the ankle or from the
  shoulder-ankle line and the segmentation mask's back outline were tried on that pair
  and do not separate the tuck from bent knees or a hinge (docs/measurements.md). Not
  validated on real video.

In every start position, frames whose trunk chord turned more than
:data:`MAX_TRUNK_TURN_DEG` from the start position are another posture (kneeling
up from hands and knees, sitting up, lying down): NaN, never a tilt.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from posecheck.measure import geometry as g
from posecheck.measure.body import BodyFrames
from posecheck.measure.geometry import index

BRIDGE_HIP_LIFT = 0.12
"""``hip_lift`` above this (torso lengths) = a bridge: pelvic_tilt reads the posterior limit."""

HIP_LINE_REST_MAX = 0.10
"""At most this much (torso lengths) of the start position's hip height above the
shoulder-ankle line is taken as resting; more means the start position was a bridge."""

TILT_LIMIT_DEG = 40.0
"""Lying estimates beyond ±this are not measured (NaN): the pelvis tilts ~15° each way; a
larger thigh turn comes from something else (a knee pulled in, sliding feet, a bad pose).
A bridge reads -this (see :data:`BRIDGE_HIP_LIFT`)."""

LYING_MIN_KNEE_FLEXION_DEG = 40.0
"""Lying: the thigh model needs bent knees and planted feet; straighter legs are not measured."""

THIGH_DEG_PER_TILT_DEG = 0.12
"""Thigh elevation change per degree of pelvic tilt (synthetic body 0.12, rendered 0.14-0.17)."""

QUADRUPED_DEG_PER_TILT_DEG = 0.35
"""Hands and knees: mean hip/shoulder angle change per degree of pelvic tilt (the real
cat-cow clip's 7° read as a 20° pelvic range)."""

QUADRUPED_MAX_TURN_DEG = 35.0
"""Hands and knees: the supporting thigh turned more than this from the start position =
not on hands and knees (sitting back on the heels): not measured."""

MAX_TRUNK_TURN_DEG = 35.0
"""Any start position: the trunk turned more than this from the start position = another
posture (sitting up, kneeling up, lying down): not measured."""

SUPPORT_MARGIN_DEG = 15.0
"""Hands and knees: the far limb is used only when the near one turned this much more."""

UPRIGHT_DEG_PER_TILT_DEG: dict[str, float] = {"sitting": 0.45, "standing": 0.75}
"""Sitting/standing: trunk-thigh angle change per degree of pelvic tilt, from a body model
(not measured on people): the chest moves ~4 mm forward per degree over a ~0.5 m trunk;
standing, the hips also move ~1 mm back per degree over the thigh."""

POSITION_MODELS = ("lying", "quadruped", "upright")


def position_model(posture: str) -> str:
    """Which pelvic tilt model a start posture uses: ``lying``, ``quadruped`` or ``upright``."""
    if posture == "quadruped":
        return "quadruped"
    if posture in ("sitting", "standing"):
        return "upright"
    return "lying"


def _near_sides(b: BodyFrames) -> list[str]:
    return [b.ctx.near_side] if b.ctx.near_side else ["left", "right"]


def _rest_px(b: BodyFrames) -> np.ndarray | None:
    """``(1, 33, 2)`` start-position pixel points of the context, or None."""
    rest = b.ctx.rest_pose_px
    return None if rest is None else np.asarray(rest, dtype=np.float64)[None]


def _torso(b: BodyFrames, pts: np.ndarray) -> np.ndarray:
    if b.ctx.torso_length_px:
        return np.full(len(pts), float(b.ctx.torso_length_px))
    return g.norm(g.mid(pts, "shoulder") - g.mid(pts, "hip"))


# --- lying -------------------------------------------------------------------------------


def thigh_elevation_near(b: BodyFrames, px: np.ndarray | None = None) -> np.ndarray:
    """Elevation (deg) of the near thigh (hip -> knee; both thighs' mid-line when the near
    side is unknown) off the floor, measured from the floor direction toward the feet."""
    pts = b.px if px is None else px
    sides = _near_sides(b)
    hip = np.mean([pts[:, index(f"{s}_hip")] for s in sides], axis=0)
    knee = np.mean([pts[:, index(f"{s}_knee")] for s in sides], axis=0)
    toward_feet = -b.toward_head[: len(pts)]
    return b.elevation_from(toward_feet, knee - hip)


def hip_line_height(b: BodyFrames, px: np.ndarray | None = None) -> np.ndarray:
    """``(T,)`` hip-mid height above the shoulder-mid to ankle-mid line, torso lengths.

    Positive on the side of the line away from the floor. Per frame: needs no floor
    line and no resting height (a lying body's shoulders and feet rest on the floor).
    """
    pts = b.px if px is None else px
    shoulder = g.mid(pts, "shoulder")
    line = g.mid(pts, "ankle") - shoulder
    normal = np.stack([-line[:, 1], line[:, 0]], axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        normal = normal / g.norm(normal)[:, None]
        normal = normal * np.where(normal @ b.up < 0, -1.0, 1.0)[:, None]
        return ((g.mid(pts, "hip") - shoulder) * normal).sum(axis=-1) / _torso(b, pts)


def hip_lift(b: BodyFrames) -> np.ndarray:
    """``(T,)`` how far the hips are lifted off the floor (a bridge), torso lengths.

    Lying, side or oblique view: :func:`hip_line_height` minus the start position's value
    (capped at :data:`HIP_LINE_REST_MAX`, so a start position taken mid-bridge cannot hide
    the bridge). Camera at the feet: the hip-mid's height above the context's floor line
    minus its resting height. Hands and knees, sitting, standing: NaN (no bridge there).
    """
    model = position_model(b.ctx.posture)
    if model != "lying":
        return np.full(len(b), np.nan)
    if b.ctx.view == "feet":
        return b.lift("left_hip", "right_hip")
    height = hip_line_height(b)
    rest = _rest_px(b)
    base = float(hip_line_height(b, rest)[0]) if rest is not None else 0.0
    if not np.isfinite(base):
        base = 0.0
    return height - min(max(base, 0.0), HIP_LINE_REST_MAX)


def _knees_bent(b: BodyFrames) -> np.ndarray:
    """``(T,)`` True where the near knee (either, when unknown) is bent as in hook lying."""
    flexion = np.stack(
        [g.flexion_deg(b.ps(s, "hip"), b.ps(s, "knee"), b.ps(s, "ankle")) for s in _near_sides(b)]
    )
    with np.errstate(invalid="ignore"):
        return np.asarray(np.fmax.reduce(flexion, axis=0) > LYING_MIN_KNEE_FLEXION_DEG)


def _lying_tilt(b: BodyFrames) -> np.ndarray:
    tilt = _relative(b, thigh_elevation_near) / THIGH_DEG_PER_TILT_DEG
    with np.errstate(invalid="ignore"):
        # beyond the limit the thigh did not turn because of the pelvis: not measured
        tilt = np.where(np.abs(tilt) > TILT_LIMIT_DEG, np.nan, tilt)
        bridge = hip_lift(b) > BRIDGE_HIP_LIFT
    tilt = np.where(bridge, -TILT_LIMIT_DEG, tilt)
    return np.where(_knees_bent(b), tilt, np.nan)


# --- hands and knees -------------------------------------------------------------------------


def _front_signed(b: BodyFrames, reference: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """Signed angle from ``reference`` to ``vec``, positive toward the front of the body."""
    front = b.front[: len(reference)]
    sign = np.sign(reference[:, 0] * front[:, 1] - reference[:, 1] * front[:, 0])
    return np.where(sign == 0, 1.0, sign) * g.signed_angle_deg(reference, vec)


def _flexions(b: BodyFrames, pts: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Hip and shoulder flexion (deg) of one side, conventions of ``hip_flexion`` and
    ``shoulder_flexion``."""
    hip = pts[:, index(f"{side}_hip")]
    shoulder = pts[:, index(f"{side}_shoulder")]
    trunk = hip - shoulder
    return (
        _front_signed(b, trunk, pts[:, index(f"{side}_knee")] - hip),
        _front_signed(b, trunk, pts[:, index(f"{side}_elbow")] - shoulder),
    )


def _near_flexions(b: BodyFrames, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Near-side (mean of both sides when unknown) hip and shoulder flexion in degrees."""
    pairs = [_flexions(b, pts, s) for s in _near_sides(b)]
    return np.mean([p[0] for p in pairs], axis=0), np.mean([p[1] for p in pairs], axis=0)


def quadruped_arch(b: BodyFrames, px: np.ndarray | None = None) -> np.ndarray:
    """Hands and knees: mean near-side hip and shoulder flexion (deg); smaller = hollower."""
    hip, shoulder = _near_flexions(b, b.px if px is None else px)
    return 0.5 * (hip + shoulder)


def _turn(pts: np.ndarray, rest: np.ndarray, a: str, c: str) -> np.ndarray:
    """``(T,)`` unsigned angle (deg) between segment a->c now and in the rest pose."""
    now = pts[:, index(c)] - pts[:, index(a)]
    then = rest[:, index(c)] - rest[:, index(a)]
    return np.abs(g.signed_angle_deg(now, np.broadcast_to(then, now.shape)))


def _supporting(
    near: np.ndarray, far: np.ndarray, near_turn: np.ndarray, far_turn: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per frame the near value, or the far one where the near limb turned much more."""
    with np.errstate(invalid="ignore"):
        use_far = near_turn > far_turn + SUPPORT_MARGIN_DEG
    return np.where(use_far, far, near), np.where(use_far, far_turn, near_turn)


def quadruped_tilt(b: BodyFrames) -> np.ndarray:
    """Hands and knees: tilt (deg, + = hollow) from the supporting limbs' hip and shoulder
    flexion change since the start position; NaN off hands and knees (see module doc)."""
    rest = _rest_px(b)
    if rest is None:
        return -_relative(b, quadruped_arch) / QUADRUPED_DEG_PER_TILT_DEG
    pts = b.px
    near = b.ctx.near_side or "left"
    far = g.other(near)
    changes = {}
    for side in (near, far):
        hip_now, shoulder_now = _flexions(b, pts, side)
        hip_rest, shoulder_rest = _flexions(b, rest, side)
        changes[side] = (
            hip_now - hip_rest[0],
            shoulder_now - shoulder_rest[0],
            _turn(pts, rest, f"{side}_hip", f"{side}_knee"),
            _turn(pts, rest, f"{side}_shoulder", f"{side}_elbow"),
        )
    hip, thigh_turn = _supporting(
        changes[near][0], changes[far][0], changes[near][2], changes[far][2]
    )
    shoulder, _ = _supporting(changes[near][1], changes[far][1], changes[near][3], changes[far][3])
    tilt = -0.5 * (hip + shoulder) / QUADRUPED_DEG_PER_TILT_DEG
    with np.errstate(invalid="ignore"):
        return np.where(thigh_turn > QUADRUPED_MAX_TURN_DEG, np.nan, tilt)


# --- sitting / standing ------------------------------------------------------------------------


def upright_hip_angle(b: BodyFrames, px: np.ndarray | None = None) -> np.ndarray:
    """Sitting/standing: near-side trunk-thigh angle (hip flexion, deg); larger = hollower."""
    return _near_flexions(b, b.px if px is None else px)[0]


def _relative(
    b: BodyFrames, fn: Callable[[BodyFrames, np.ndarray | None], np.ndarray]
) -> np.ndarray:
    """``fn`` per frame minus its value in the context's rest pose (or the frames' median)."""
    values = fn(b, None)
    rest = _rest_px(b)
    ref: np.ndarray | float
    if rest is not None:
        # the rest pose seen with each frame's own directions (head side): per frame
        ref = fn(b, np.broadcast_to(rest, (len(values), *rest.shape[1:])))
    else:
        ref = float(np.nanmedian(values)) if np.isfinite(values).any() else np.nan
    return values - ref


def trunk_turn(b: BodyFrames) -> np.ndarray:
    """``(T,)`` angle (deg) the trunk chord (hip-mid to shoulder-mid) turned from the start
    position (0 without a rest pose)."""
    rest = _rest_px(b)
    if rest is None:
        return np.zeros(len(b))
    now = b.shoulder - b.hip
    then = g.mid(rest, "shoulder") - g.mid(rest, "hip")
    return np.abs(g.signed_angle_deg(now, np.broadcast_to(then, now.shape)))


def trunk_lean_from_start(b: BodyFrames) -> np.ndarray:
    """``(T,)`` signed angle (deg) the trunk chord (hip-mid to shoulder-mid) turned since the
    start position, positive toward the front of the body (from ``ctx.facing``).

    Lying on the back: the shoulders rising (a curl); sitting/standing: leaning forward;
    hands and knees: the chest dropping toward the floor. Negative the other way (leaning
    back; a bridge, whose hips rise, reads negative). The reference is the context's rest
    pose, else the frames' median direction.
    """
    now = b.shoulder - b.hip
    rest = _rest_px(b)
    if rest is not None:
        then = g.mid(rest, "shoulder") - g.mid(rest, "hip")
    else:
        with np.errstate(invalid="ignore"):
            unit = now / g.norm(now)[:, None]
        if not np.isfinite(unit).all(axis=-1).any():
            return np.full(len(b), np.nan)
        then = np.nanmedian(unit, axis=0)[None]
    return b.front_signed(np.broadcast_to(then, now.shape), now)


def pelvic_tilt_index(b: BodyFrames) -> np.ndarray:
    """``(T,)`` estimated pelvic tilt in degrees relative to the start position (+ = hollow).

    The model follows the context's start posture (:func:`position_model`).
    The reference is the context's rest pose; without one, the median of the
    given frames (so a single live frame without a rest pose reads 0). Lying:
    NaN beyond ±:data:`TILT_LIMIT_DEG`, and the posterior limit while the hips
    are lifted into a bridge (``hip_lift`` > :data:`BRIDGE_HIP_LIFT`). Hands and
    knees: NaN off hands and knees.
    """
    model = position_model(b.ctx.posture)
    if model == "quadruped":
        tilt = quadruped_tilt(b)
    elif model == "upright":
        ratio = UPRIGHT_DEG_PER_TILT_DEG.get(b.ctx.posture, UPRIGHT_DEG_PER_TILT_DEG["sitting"])
        tilt = _relative(b, upright_hip_angle) / ratio
    else:
        tilt = _lying_tilt(b)
    with np.errstate(invalid="ignore"):
        return np.where(trunk_turn(b) > MAX_TRUNK_TURN_DEG, np.nan, tilt)
