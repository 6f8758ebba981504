"""A small kinematic body model and a pinhole camera producing MediaPipe landmarks.

World frame: metres, ``Z`` up, the floor is ``Z = 0``. A lying body has its
head toward ``+X`` (the camera decides how that appears in the image).
Posture sets the body axes: ``a`` (from the hips toward the head), ``f``
(where the front of the body points) and ``l = a x f`` (the person's left).
Sagittal rotations are about ``l``: a positive angle turns ``a`` toward ``f``.

Joint angles follow the measurement conventions (0 = straight, flexion
positive): hip flexion is the thigh relative to the pelvis axis ``-a``
toward the front, knee flexion bends the shin backward, shoulder flexion
lifts the arm from along the body (0) through the front (90) to overhead
(180).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecheck.pose.types import LANDMARK_NAMES, NUM_LANDMARKS

# Segment lengths (m) of an average adult, as MediaPipe places its landmarks.
TORSO = 0.50
HIP_HALF_WIDTH = 0.12
SHOULDER_HALF_WIDTH = 0.18
UPPER_ARM = 0.30
FOREARM = 0.26
HAND = 0.17
THIGH = 0.43
SHIN = 0.43
NECK_TO_EAR = 0.22
JOINT_HEIGHT_LYING = 0.10  # hip/shoulder joint centres above the floor when lying

IDX = {n: i for i, n in enumerate(LANDMARK_NAMES)}


def _rot(axis: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotation matrix about a unit ``axis`` (right-handed)."""
    a = np.radians(angle_deg)
    x, y, z = axis / np.linalg.norm(axis)
    c, s, C = np.cos(a), np.sin(a), 1 - np.cos(a)
    return np.array(
        [
            [c + x * x * C, x * y * C - z * s, x * z * C + y * s],
            [y * x * C + z * s, c + y * y * C, y * z * C - x * s],
            [z * x * C - y * s, z * y * C + x * s, c + z * z * C],
        ]
    )


POSTURE_AXES = {
    # a (toward head), f (front)
    "lying_back": (np.array([1.0, 0, 0]), np.array([0, 0, 1.0])),
    "prone": (np.array([1.0, 0, 0]), np.array([0, 0, -1.0])),
    "sitting": (np.array([0, 0, 1.0]), np.array([1.0, 0, 0])),
    "standing": (np.array([0, 0, 1.0]), np.array([1.0, 0, 0])),
    "quadruped": (np.array([1.0, 0, 0]), np.array([0, 0, -1.0])),
}

DEFAULT_PARAMS: dict[str, float] = {
    "trunk_flex": 0.0,  # trunk turned to the front (curl-up, sitting lean); < 0 = extension
    "neck_flex": 0.0,  # head toward the front relative to the trunk
    "pelvic_tilt": 0.0,  # + anterior (hollow back), - posterior (flat)
    "hip_lift": 0.0,  # m, bridge
    "hip_flex_L": 45.0,
    "hip_flex_R": 45.0,
    "knee_flex_L": 90.0,
    "knee_flex_R": 90.0,
    "planted_L": 1.0,
    "planted_R": 1.0,  # > 0.5: foot kept where the angles put it at neutral pelvis
    "plantar_L": 0.0,
    "plantar_R": 0.0,  # foot angle: 0 = foot flat on the floor (lying), else vs shin
    "shoulder_flex_L": 0.0,
    "shoulder_flex_R": 0.0,
    "elbow_flex_L": 0.0,
    "elbow_flex_R": 0.0,
    "reach_L": 0.0,
    "reach_R": 0.0,  # 0..1: hand pulled to the reach target knee
    "reach_knee_L": 0.0,
    "reach_knee_R": 0.0,  # which knee the hand goes to: 0 = same side, 1 = other
    "shoulder_lift_L": 0.0,
    "shoulder_lift_R": 0.0,  # m, shoulder raised toward the front
    "leg_rotation": 0.0,  # deg, both bent legs rotated about the body axis, + = to the left
    "knees_apart": 0.0,  # deg, each leg rotated outward about the body axis
}


# Hands and knees: how the landmarks follow the pelvic tilt (per degree, + = hollow/cow).
# On the real cat-cow clip (side view) the hips move toward the head by 0.04 torso lengths
# from cat to cow, the shoulders by 0.10 and up by 0.03; here the same proportions, scaled
# so that the hip and shoulder angles change 0.35° per degree of tilt (7° between a cat at
# -10° and a cow at +10°, as on that clip).
QUADRUPED_HIP_SHIFT = 0.00143
QUADRUPED_SHOULDER_SHIFT = (0.00327, 0.00106)
QUADRUPED_KNEE_HEIGHT = 0.05
QUADRUPED_WRIST_HEIGHT = 0.04
QUADRUPED_ARM_REACH = 0.54  # shoulder to wrist at rest

# Standing: hollowing pushes the hips back (m per degree, the feet stay put).
STANDING_HIP_SHIFT = 0.0012


@dataclass(frozen=True)
class Skeleton:
    """3D landmark positions (33, 3) of one frame in the world frame."""

    points: np.ndarray


def _two_link(
    start: np.ndarray, target: np.ndarray, l1: float, l2: float, bend: np.ndarray
) -> np.ndarray:
    """Middle joint of a two-link chain from ``start`` to ``target`` bending toward ``bend``."""
    d_vec = target - start
    d = float(np.linalg.norm(d_vec))
    u = d_vec / d if d > 0 else bend
    if d >= l1 + l2 - 1e-9:
        return start + u * l1
    cos_a = (l1 * l1 + d * d - l2 * l2) / (2 * l1 * d)
    sin_a = np.sqrt(max(0.0, 1 - cos_a * cos_a))
    perp = bend - np.dot(bend, u) * u
    n = np.linalg.norm(perp)
    perp = perp / n if n > 0 else perp
    return start + l1 * (cos_a * u + sin_a * perp)


def build_skeleton(posture: str, p: dict[str, float]) -> Skeleton:
    """3D landmarks for ``posture`` (lying_back, prone, sitting, standing, quadruped) and
    parameters."""
    if posture == "quadruped":
        return _build_quadruped(p)
    a, f = POSTURE_AXES[posture]
    lft = np.cross(a, f)
    lying = posture in ("lying_back", "prone")
    pts = np.zeros((NUM_LANDMARKS, 3))

    # --- pelvis and trunk --------------------------------------------------------------
    if lying:
        rest_hip = np.array([0.0, 0.0, JOINT_HEIGHT_LYING])
    else:
        rest_hip = np.array([0.0, 0.0, 0.48 if posture == "sitting" else 0.92])
    hip_mid = rest_hip.copy()
    if posture == "lying_back":
        # The pelvis rocks on the sacrum: the hip joints sit anterior-inferior of the contact.
        # (Lever shortened so that the thigh turns ~0.12 deg per degree of tilt, as measured on
        # the rendered clip's MediaPipe landmarks.)
        offset = -0.03 * a + 0.045 * f
        sacrum = rest_hip - offset
        hip_mid = sacrum + _rot(lft, p["pelvic_tilt"]) @ offset
        hip_mid = hip_mid + np.array([0.0, 0.0, p["hip_lift"]])
    waist_rest = rest_hip + 0.12 * a
    trunk_dir = _rot(lft, p["trunk_flex"]) @ a
    shoulder_mid = waist_rest + trunk_dir * (TORSO - 0.12)
    if not lying:
        # Sitting/standing pelvic tilt shifts the upper body forward/back (lumbar curve).
        shoulder_mid = shoulder_mid + f * 0.004 * p["pelvic_tilt"]
    if posture == "standing":
        # ... and standing it also pushes the hips back (hollow) or forward (flat).
        hip_mid = hip_mid - f * STANDING_HIP_SHIFT * p["pelvic_tilt"]
    if posture == "lying_back" and p["hip_lift"] > 0:
        trunk_dir = (shoulder_mid - hip_mid) / np.linalg.norm(shoulder_mid - hip_mid)
    front = _rot(lft, p["trunk_flex"]) @ f

    roll = 0.3 * p["leg_rotation"]
    hips = {}
    for side, sgn in (("L", 1.0), ("R", -1.0)):
        hips[side] = hip_mid + _rot(a, roll) @ (sgn * HIP_HALF_WIDTH * lft)
    pts[IDX["left_hip"]], pts[IDX["right_hip"]] = hips["L"], hips["R"]

    shoulders = {}
    for side, sgn in (("L", 1.0), ("R", -1.0)):
        shoulders[side] = (
            shoulder_mid + sgn * SHOULDER_HALF_WIDTH * lft + front * p[f"shoulder_lift_{side}"]
        )
    pts[IDX["left_shoulder"]], pts[IDX["right_shoulder"]] = shoulders["L"], shoulders["R"]

    _head(pts, shoulders, trunk_dir, front, lft, p["neck_flex"])

    # --- legs ----------------------------------------------------------------------------
    pelvis_axis = -a
    knees: dict[str, np.ndarray] = {}
    for side, name, sgn in (("L", "left", 1.0), ("R", "right", -1.0)):
        hip = hips[side]
        thigh = _rot(lft, -p[f"hip_flex_{side}"]) @ pelvis_axis
        shin = _rot(lft, p[f"knee_flex_{side}"]) @ thigh
        if p[f"planted_{side}"] > 0.5:
            rest_hip_side = rest_hip + sgn * HIP_HALF_WIDTH * lft
            ankle_target = rest_hip_side + THIGH * thigh + SHIN * shin
            knee = _two_link(hip, ankle_target, THIGH, SHIN, bend=f)
            shin = (ankle_target - knee) / np.linalg.norm(ankle_target - knee)
        else:
            knee = hip + THIGH * thigh
        ankle = knee + SHIN * shin
        if lying and p[f"plantar_{side}"] == 0.0 and posture == "lying_back":
            foot = -a.copy()  # flat on the floor toward the feet end
            down = -f
        else:
            foot = _rot(lft, -90.0 + p[f"plantar_{side}"]) @ shin
            down = shin
        heel = ankle + 0.07 * down - 0.05 * foot
        toe = ankle + 0.07 * down + 0.15 * foot
        # Leg rotation (knees to a side) about the body axis through the floor under the hips,
        # and knees apart (each leg outward about its own hip).
        out_sign = sgn
        leg_pts = [knee, ankle, heel, toe]
        pivot_apart = hip
        leg_pts = [
            pivot_apart + _rot(a, out_sign * p["knees_apart"]) @ (q - pivot_apart) for q in leg_pts
        ]
        pivot = np.array([hip_mid[0], hip_mid[1], 0.0]) if lying else hip_mid
        leg_pts = [pivot + _rot(a, p["leg_rotation"]) @ (q - pivot) for q in leg_pts]
        knee, ankle, heel, toe = leg_pts
        knees[side] = knee
        pts[IDX[f"{name}_knee"]] = knee
        pts[IDX[f"{name}_ankle"]] = ankle
        pts[IDX[f"{name}_heel"]] = heel
        pts[IDX[f"{name}_foot_index"]] = toe

    # --- arms ----------------------------------------------------------------------------
    for side, name, sgn in (("L", "left", 1.0), ("R", "right", -1.0)):
        shoulder = shoulders[side]
        arm = _rot(lft, -p[f"shoulder_flex_{side}"]) @ (-trunk_dir)
        fore = _rot(lft, -p[f"elbow_flex_{side}"]) @ arm
        elbow = shoulder + UPPER_ARM * arm
        wrist = elbow + FOREARM * fore
        reach = p[f"reach_{side}"]
        if reach > 0:
            other = "R" if side == "L" else "L"
            knee = knees[other] if p[f"reach_knee_{side}"] > 0.5 else knees[side]
            # Hands hold the front of the shin just below the knee (fingers toward the knee).
            target = knee + sgn * 0.03 * lft
            to_target = target - shoulder
            dist = np.linalg.norm(to_target)
            wrist_target = shoulder + to_target * max(0.0, (dist - 0.10) / dist)
            wrist_goal = (1 - reach) * wrist + reach * wrist_target
            elbow = _two_link(
                shoulder, wrist_goal, UPPER_ARM, FOREARM, bend=-front + sgn * 0.5 * lft
            )
            fore = (wrist_goal - elbow) / np.linalg.norm(wrist_goal - elbow)
            wrist = elbow + FOREARM * fore
        hand = fore
        pts[IDX[f"{name}_elbow"]] = elbow
        pts[IDX[f"{name}_wrist"]] = wrist
        pts[IDX[f"{name}_index"]] = wrist + HAND * hand
        pts[IDX[f"{name}_pinky"]] = wrist + 0.14 * hand + sgn * 0.03 * lft
        pts[IDX[f"{name}_thumb"]] = wrist + 0.07 * hand - sgn * 0.03 * lft + 0.02 * front
    return Skeleton(pts)


def _head(
    pts: np.ndarray,
    shoulders: dict[str, np.ndarray],
    trunk_dir: np.ndarray,
    front: np.ndarray,
    lft: np.ndarray,
    neck_flex: float,
) -> None:
    """Ears, eyes, nose and mouth: the head on the neck, ``neck_flex`` toward the front."""
    head_rot = _rot(lft, neck_flex)
    head_dir = head_rot @ trunk_dir
    head_front = head_rot @ front
    ear_mid = 0.5 * (shoulders["L"] + shoulders["R"]) + NECK_TO_EAR * head_dir
    pts[IDX["left_ear"]] = ear_mid + 0.075 * lft
    pts[IDX["right_ear"]] = ear_mid - 0.075 * lft
    pts[IDX["nose"]] = ear_mid + 0.10 * head_front + 0.03 * head_dir
    for side, sgn in (("left", 1.0), ("right", -1.0)):
        eye = ear_mid + 0.08 * head_front + 0.05 * head_dir
        pts[IDX[f"{side}_eye_inner"]] = eye + sgn * 0.018 * lft
        pts[IDX[f"{side}_eye"]] = eye + sgn * 0.033 * lft
        pts[IDX[f"{side}_eye_outer"]] = eye + sgn * 0.048 * lft
        pts[IDX[f"mouth_{side}"]] = (
            ear_mid + 0.085 * head_front - 0.035 * head_dir + sgn * 0.025 * lft
        )


def _build_quadruped(p: dict[str, float]) -> Skeleton:
    """Hands and knees: knees and hands fixed on the floor, thighs and arms about vertical.

    The pelvic tilt (cat-camel) moves the hips and shoulders as measured on a real
    clip (:data:`QUADRUPED_HIP_SHIFT`, :data:`QUADRUPED_SHOULDER_SHIFT`); ``neck_flex``
    turns the head toward the floor (positive) or up.
    """
    a, f = POSTURE_AXES["quadruped"]
    lft = np.cross(a, f)
    up = np.array([0.0, 0.0, 1.0])
    pts = np.zeros((NUM_LANDMARKS, 3))
    tilt = p["pelvic_tilt"]
    rest_hip = np.array([0.0, 0.0, QUADRUPED_KNEE_HEIGHT + THIGH])
    shoulder_height = QUADRUPED_WRIST_HEIGHT + QUADRUPED_ARM_REACH
    rise = shoulder_height - rest_hip[2]
    rest_shoulder = rest_hip + np.sqrt(TORSO**2 - rise**2) * a + rise * up
    hip_mid = rest_hip + QUADRUPED_HIP_SHIFT * tilt * a + up * p["hip_lift"]
    dx, dz = QUADRUPED_SHOULDER_SHIFT
    shoulder_mid = rest_shoulder + dx * tilt * a + dz * tilt * up
    trunk_dir = (shoulder_mid - hip_mid) / np.linalg.norm(shoulder_mid - hip_mid)
    front = np.cross(lft, trunk_dir)  # toward the floor, perpendicular to the trunk
    shoulders: dict[str, np.ndarray] = {}
    for side, name, sgn in (("L", "left", 1.0), ("R", "right", -1.0)):
        hip = hip_mid + sgn * HIP_HALF_WIDTH * lft
        knee = np.array([rest_hip[0], 0.0, QUADRUPED_KNEE_HEIGHT]) + sgn * HIP_HALF_WIDTH * lft
        ankle = knee - SHIN * a + np.array([0.0, 0.0, 0.03])
        pts[IDX[f"{name}_hip"]] = hip
        pts[IDX[f"{name}_knee"]] = knee
        pts[IDX[f"{name}_ankle"]] = ankle
        pts[IDX[f"{name}_heel"]] = ankle - 0.05 * a + 0.05 * up
        pts[IDX[f"{name}_foot_index"]] = ankle - 0.15 * a - 0.06 * up
        shoulder = shoulder_mid + sgn * SHOULDER_HALF_WIDTH * lft
        shoulders[side] = shoulder
        pts[IDX[f"{name}_shoulder"]] = shoulder
        wrist = np.array([rest_shoulder[0], 0.0, QUADRUPED_WRIST_HEIGHT]) + (
            sgn * SHOULDER_HALF_WIDTH * lft
        )
        # Straight arms (the hands carry the weight): the elbow on the shoulder-wrist line.
        elbow = shoulder + (wrist - shoulder) * UPPER_ARM / (UPPER_ARM + FOREARM)
        pts[IDX[f"{name}_elbow"]] = elbow
        pts[IDX[f"{name}_wrist"]] = wrist
        pts[IDX[f"{name}_index"]] = wrist + HAND * a - 0.03 * up
        pts[IDX[f"{name}_pinky"]] = wrist + 0.14 * a + sgn * 0.03 * lft - 0.03 * up
        pts[IDX[f"{name}_thumb"]] = wrist + 0.07 * a - sgn * 0.03 * lft
    _head(pts, shoulders, trunk_dir, front, lft, p["neck_flex"])
    return Skeleton(pts)


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: position, unit forward/right/up axes, focal length (px), image size."""

    position: np.ndarray
    forward: np.ndarray
    right: np.ndarray
    up: np.ndarray
    focal_px: float
    image_size: tuple[int, int]

    @classmethod
    def look_at(
        cls,
        position: np.ndarray,
        target: np.ndarray,
        image_size: tuple[int, int] = (640, 480),
        hfov_deg: float = 65.0,
        roll_deg: float = 0.0,
    ) -> Camera:
        fwd = (target - position) / np.linalg.norm(target - position)
        right = np.cross(fwd, np.array([0.0, 0.0, 1.0]))
        right /= np.linalg.norm(right)
        up = np.cross(right, fwd)
        if roll_deg:
            r = _rot(fwd, roll_deg)
            right, up = r @ right, r @ up
        focal = 0.5 * image_size[0] / np.tan(np.radians(hfov_deg) / 2)
        return cls(position, fwd, right, up, float(focal), image_size)

    def project(self, pts: np.ndarray, hip_mid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Normalised x, y, z (MediaPipe style) ``(N, 3)`` and depth ``(N,)`` of world points."""
        rel = pts - self.position
        depth = rel @ self.forward
        w, h = self.image_size
        x = 0.5 * w + self.focal_px * (rel @ self.right) / depth
        y = 0.5 * h - self.focal_px * (rel @ self.up) / depth
        hip_depth = float((hip_mid - self.position) @ self.forward)
        z = (depth - hip_depth) * self.focal_px / (hip_depth * w)
        return np.stack([x / w, y / h, z], axis=1), depth

    def world_axes(self, pts: np.ndarray, hip_mid: np.ndarray) -> np.ndarray:
        """MediaPipe-style world landmarks: metres, hip-centred, x right, y down, z away."""
        rel = pts - hip_mid
        return np.stack([rel @ self.right, -(rel @ self.up), rel @ self.forward], axis=1)
