"""MiG-Synth kinematics: a seated upper body as OpenPose-137 keypoints.

A clip is described by a :class:`Motion` (per-frame pose parameters in body
units) that :func:`pose_pixels` turns into noise-free pixel keypoints, and
:func:`detect` turns into what an OpenPose-like detector would report.

Body units (U): 1 U is the rest shoulder width; positions are relative to the
rest neck, x to the image right, y down. Index 0 of every ``side`` axis is the
person's right (the image left, x < 0), index 1 the person's left.
"""
from dataclasses import dataclass

import numpy as np

from m2hen_mmaction.skeleton.layouts import (FACE_OFFSET, LEFT_HAND_OFFSET,
                                             RIGHT_HAND_OFFSET, get_layout)

FPS = 25
NUM_JOINTS = get_layout('openpose137').num_joints
SIDE_SIGN = np.array([-1.0, 1.0])  # image-x sign of each body side
HAND_OFFSETS = (RIGHT_HAND_OFFSET, LEFT_HAND_OFFSET)
NECK, MID_HIP = 1, 8
SHOULDERS, ELBOWS, WRISTS, HIPS, EYES, EARS = ((2, 5), (3, 6), (4, 7),
                                                (9, 12), (15, 16), (17, 18))
NOSE = 0
LEGS = (10, 11, 13, 14) + tuple(range(19, 25))  # under the table: never seen

SHOULDER_HALF_WIDTH, SHOULDER_DROP = 0.5, 0.06
HIP_DEPTH, HIP_HALF_WIDTH = 1.25, 0.22
UPPER_ARM, FOREARM = 0.62, 0.58
HAND_LENGTH = 0.42
HEAD_CENTER = np.array([0.0, -0.47])
HEAD_HALF_WIDTH = 0.2  # 1 head unit in U


def _face_template() -> np.ndarray:
    """The 70 face points (iBUG 68 + pupils) in head units, (70, 3) xyz.

    The head centre is the origin, 1 unit is half the face width, z points
    to the camera.
    """
    phi = np.pi * np.arange(17) / 16
    contour = np.stack([-0.95 * np.cos(phi), -0.15 + 1.05 * np.sin(phi),
                        0.2 * np.sin(phi)], 1)
    arch = -0.48 - 0.08 * np.sin(np.pi * np.arange(5) / 4)
    brow_r = np.stack([np.linspace(-0.78, -0.18, 5), arch, np.full(5, .55)], 1)
    brow_l = brow_r[::-1] * [-1, 1, 1]
    ridge = np.stack([np.zeros(4), np.linspace(-0.32, 0.08, 4),
                      np.linspace(0.65, 1.0, 4)], 1)
    nostrils = np.stack([np.linspace(-0.2, 0.2, 5),
                         0.2 + np.array([0, .03, .05, .03, 0]),
                         np.full(5, 0.8)], 1)
    eye_r = np.array([[-.6, -.28], [-.48, -.35], [-.34, -.35], [-.24, -.28],
                      [-.34, -.22], [-.48, -.22]])
    eye_l = np.array([[.24, -.28], [.34, -.35], [.48, -.35], [.6, -.28],
                      [.48, -.22], [.34, -.22]])
    mouth_outer = np.array([[-.38, .52], [-.25, .44], [-.1, .41], [0, .43],
                            [.1, .41], [.25, .44], [.38, .52], [.25, .6],
                            [.12, .64], [0, .65], [-.12, .64], [-.25, .6]])
    mouth_inner = np.array([[-.3, .52], [-.1, .49], [0, .5], [.1, .49],
                            [.3, .52], [.1, .54], [0, .55], [-.1, .54]])
    pupils = np.array([[-.42, -.28], [.42, -.28]])
    flat = np.concatenate([eye_r, eye_l, mouth_outer, mouth_inner, pupils])
    depth = np.concatenate([np.full(12, 0.6), np.full(20, 0.75),
                            np.full(2, 0.62)])
    return np.concatenate([contour, brow_r, brow_l, ridge, nostrils,
                           np.column_stack([flat, depth])]).astype(np.float64)


FACE_TEMPLATE = _face_template()
EAR_POINTS = np.array([[-1.0, -0.15, -0.25], [1.0, -0.15, -0.25]])
# Head-unit points that gestures reach for (right side; mirror x for left).
HEAD_ANCHORS = {
    'cheek': np.array([-0.6, 0.25, 0.5]),
    'temple': np.array([-0.8, -0.45, 0.3]),
    'jaw': np.array([-0.7, 0.55, 0.3]),
    'chin': np.array([0.0, 0.95, 0.3]),
    'mouth': np.array([0.0, 0.53, 0.8]),
    'ear': np.array([-1.0, -0.1, -0.2]),
    'crown': np.array([-0.45, -1.05, 0.1]),
}

# Face deformations: (face point, dx, dy) per unit of each control.
_LOWER_LIP, _LOWER_INNER = (56, 57, 58), (65, 66, 67)
MOUTH_OPEN_SHIFT = ([(j, 0, 0.3) for j in _LOWER_LIP + _LOWER_INNER] +
                    [(55, 0, 0.2), (59, 0, 0.2)] +
                    [(j, 0, 0.2) for j in (7, 8, 9)] +
                    [(6, 0, 0.1), (10, 0, 0.1)])
LIP_BITE_SHIFT = ([(j, 0, -0.17) for j in _LOWER_LIP] +
                  [(55, 0, -0.08), (59, 0, -0.08), (48, 0.06, 0),
                   (54, -0.06, 0), (60, 0.04, 0), (64, -0.04, 0)] +
                  [(j, 0, -0.04) for j in _LOWER_INNER] +
                  [(j, 0, 0.03) for j in (50, 51, 52)] +
                  [(j, 0, -0.04) for j in (7, 8, 9)])
EYE_CLOSE_SHIFT = [(j, 0, 0.12) for j in (37, 38, 43, 44)]


def _shift_matrix(shifts) -> np.ndarray:
    matrix = np.zeros((len(FACE_TEMPLATE), 3))
    for joint, dx, dy in shifts:
        matrix[joint, :2] = dx, dy
    return matrix


FACE_SHIFTS = np.stack([_shift_matrix(MOUTH_OPEN_SHIFT),
                        _shift_matrix(LIP_BITE_SHIFT),
                        _shift_matrix(EYE_CLOSE_SHIFT)])  # (3, 70, 3)

# Hand model in hand lengths: x toward the thumb, y along the hand, z out of
# the palm. Rows: thumb, index, middle, ring, pinky.
FINGER_ROOTS = np.array([[0.10, 0.12], [0.10, 0.52], [0.02, 0.55],
                         [-0.06, 0.52], [-0.13, 0.47]])
PHALANGES = np.array([[0.22, 0.16, 0.13], [0.22, 0.13, 0.10],
                      [0.24, 0.15, 0.10], [0.22, 0.14, 0.10],
                      [0.17, 0.11, 0.09]])
FINGER_ANGLES = np.radians([50.0, 10.0, 0.0, -9.0, -18.0])
FLEXION = np.radians([[20, 35, 35], [80, 100, 60], [80, 100, 60],
                      [80, 100, 60], [80, 100, 60]]).cumsum(1)


@dataclass
class Motion:
    """Per-frame pose parameters of one clip (T frames, body units).

    Attributes:
        body_shift (np.ndarray): (T, 2) displacement of the neck and head.
        shoulder_raise (np.ndarray): (T,) lift of both shoulders.
        shoulder_spread (np.ndarray): (T,) extra shoulder half-width.
        head_shift (np.ndarray): (T, 2) head displacement from the neck.
        head_rot (np.ndarray): (T, 3) yaw (to image right), pitch (up) and
            roll (clockwise), radians.
        face (np.ndarray): (T, 3) mouth opening, lip bite, eye closure, 0-1.
        wrist (np.ndarray): (2, T, 2) wrist targets per side.
        hand_roll (np.ndarray): (2, T) angle of each hand axis from 'up',
            positive toward the body midline, radians.
        hand_yaw (np.ndarray): (2, T) turn about the hand axis; 0 shows the
            palm, pi the back of the hand.
        curl (np.ndarray): (2, T, 5) flexion per finger (thumb..pinky), 0-1.
        spread (np.ndarray): (2, T) finger spread, 0-1.
        hand_visibility (np.ndarray): (2, T) 1 for a visible hand, lower for
            a hand tucked away (the detector drops more of its joints).
    """
    body_shift: np.ndarray
    shoulder_raise: np.ndarray
    shoulder_spread: np.ndarray
    head_shift: np.ndarray
    head_rot: np.ndarray
    face: np.ndarray
    wrist: np.ndarray
    hand_roll: np.ndarray
    hand_yaw: np.ndarray
    curl: np.ndarray
    spread: np.ndarray
    hand_visibility: np.ndarray

    @property
    def num_frames(self) -> int:
        return len(self.body_shift)


@dataclass(frozen=True)
class BodyTraits:
    """What makes one subject's skeleton stream differ from another's.

    Attributes:
        unit_px (float): Shoulder width in pixels (body size).
        neck_px (tuple[float, float]): Rest neck position (x, y) in pixels.
        speed (float): Tempo factor of every motion.
        jitter (float): Detector jitter, std in body units.
        drop_rates (tuple[float, float, float]): Per-joint drop probability
            of body, face and hand joints.
        hand_drop_rate (float): Probability that a whole hand is missed in
            a frame.
        score_bias (float): Offset added to every confidence score.
        dominant_side (int): 0 right-handed, 1 left-handed.
        style (tuple[float, float]): Personal offset of every gesture's
            hand targets, body units.
    """
    unit_px: float
    neck_px: tuple
    speed: float
    jitter: float
    drop_rates: tuple
    hand_drop_rate: float
    score_bias: float
    dominant_side: int
    style: tuple


@dataclass(frozen=True)
class Pose:
    """Noise-free geometry of one clip in pixels (what the camera sees).

    Attributes:
        keypoints (np.ndarray): (T, 137, 2) joint positions.
        head_center (np.ndarray): (T, 2) centre of the head ellipse.
        head_roll (np.ndarray): (T,) head roll, radians.
        head_size (float): Half the face width in pixels.
        unit_px (float): One body unit in pixels.
    """
    keypoints: np.ndarray
    head_center: np.ndarray
    head_roll: np.ndarray
    head_size: float
    unit_px: float


def rotation_matrices(angles: np.ndarray) -> np.ndarray:
    """Head rotations from (T, 3) yaw/pitch/roll to (T, 3, 3) matrices."""
    yaw, pitch, roll = (angles[:, i] for i in range(3))
    zero, one = np.zeros_like(yaw), np.ones_like(yaw)
    c, s = np.cos, np.sin
    r_yaw = np.stack([c(yaw), zero, s(yaw), zero, one, zero,
                      -s(yaw), zero, c(yaw)], 1).reshape(-1, 3, 3)
    r_pitch = np.stack([one, zero, zero, zero, c(pitch), -s(pitch),
                        zero, s(pitch), c(pitch)], 1).reshape(-1, 3, 3)
    r_roll = np.stack([c(roll), -s(roll), zero, s(roll), c(roll), zero,
                       zero, zero, one], 1).reshape(-1, 3, 3)
    return r_roll @ r_pitch @ r_yaw


def head_points(motion: Motion, points: np.ndarray) -> np.ndarray:
    """Project head-unit points (P, 3) or (T, P, 3) to body units (T, P, 2)."""
    rotated = np.einsum('tij,t...j->t...i', rotation_matrices(motion.head_rot),
                        np.broadcast_to(points, (motion.num_frames, ) +
                                        points.shape[-2:]))
    center = HEAD_CENTER + motion.body_shift + motion.head_shift
    return center[:, None] + HEAD_HALF_WIDTH * rotated[..., :2]


def head_anchor(motion: Motion, point: np.ndarray, side: int) -> np.ndarray:
    """Body-unit track (T, 2) of a head point given for the right side.

    Args:
        motion (Motion): The clip's head motion.
        point (np.ndarray): (3,) head-unit point, e.g. ``HEAD_ANCHORS[k]``;
            mirrored for ``side`` 1.
        side (int): 0 right, 1 left.
    """
    mirrored = point * [-SIDE_SIGN[side], 1, 1]
    return head_points(motion, mirrored[None])[:, 0]


def face_points(motion: Motion) -> np.ndarray:
    """The 70 face points and two ears in body units, (T, 72, 2)."""
    deformed = FACE_TEMPLATE + np.einsum('tc,cpj->tpj', motion.face,
                                         FACE_SHIFTS)
    ears = np.broadcast_to(EAR_POINTS, (motion.num_frames, 2, 3))
    return head_points(motion, np.concatenate([deformed, ears], 1))


def hand_axes(roll_inward: np.ndarray, side: int):
    """Image directions of a hand's axis and thumb side, each (T, 2)."""
    roll = -SIDE_SIGN[side] * roll_inward
    along = np.stack([np.sin(roll), -np.cos(roll)], -1)
    across = np.stack([np.cos(roll), np.sin(roll)], -1) * SIDE_SIGN[side]
    return along, across


def hand_points(motion: Motion, side: int, wrist: np.ndarray) -> np.ndarray:
    """The 21 hand joints of ``side`` in body units, (T, 21, 2)."""
    curl, spread = motion.curl[side], motion.spread[side][:, None]
    angles = FINGER_ANGLES * (0.5 + spread)
    angles[:, 0] = FINGER_ANGLES[0] - np.radians(45) * curl[:, 0]
    flex = curl[..., None] * FLEXION  # (T, 5, 3)
    direction = np.stack([np.sin(angles)[..., None] * np.cos(flex),
                          np.cos(angles)[..., None] * np.cos(flex),
                          np.sin(flex)], -1)  # (T, 5, 3, 3)
    roots = np.concatenate([FINGER_ROOTS, np.zeros((5, 1))], 1)
    joints = np.concatenate([
        np.broadcast_to(roots[:, None], direction.shape[:2] + (1, 3)),
        roots[:, None] + np.cumsum(PHALANGES[..., None] * direction, 2)], 2)
    joints = np.concatenate([np.zeros((len(curl), 1, 3)),
                             joints.reshape(len(curl), 20, 3)], 1)
    yaw = motion.hand_yaw[side][:, None]
    thumb_ward = joints[..., 0] * np.cos(yaw) + joints[..., 2] * np.sin(yaw)
    along, across = hand_axes(motion.hand_roll[side], side)
    return wrist[:, None] + HAND_LENGTH * (
        thumb_ward[..., None] * across[:, None] +
        joints[..., 1:2] * along[:, None])


def solve_arm(shoulder: np.ndarray, wrist: np.ndarray, side: int):
    """Two-link inverse kinematics with the elbow outward and down.

    A hand brought close to the shoulder (e.g. to the face) swings the arm
    toward the camera, so both segments are foreshortened in the image.

    Args:
        shoulder (np.ndarray): (T, 2) shoulder positions.
        wrist (np.ndarray): (T, 2) wrist targets; clamped to the arm's reach.
        side (int): 0 right arm, 1 left arm.

    Returns:
        tuple[np.ndarray, np.ndarray]: elbow and reached wrist, (T, 2) each.
    """
    delta = wrist - shoulder
    dist = np.linalg.norm(delta, axis=-1, keepdims=True)
    unit = delta / np.maximum(dist, 1e-6)
    foreshortening = np.clip(dist / (0.8 * (UPPER_ARM + FOREARM)), 0.6, 1)
    upper, fore = UPPER_ARM * foreshortening, FOREARM * foreshortening
    reach = np.clip(dist, abs(upper - fore) + 1e-3, (upper + fore) * 0.999)
    cos_a = (upper**2 + reach**2 - fore**2) / (2 * upper * reach)
    angle = np.arccos(np.clip(cos_a, -1, 1))
    normal = np.stack([-unit[:, 1], unit[:, 0]], -1)
    bends = [shoulder + upper * (np.cos(angle) * unit + sign *
                                 np.sin(angle) * normal) for sign in (1, -1)]
    preference = np.array([SIDE_SIGN[side], 1.0])
    first = ((bends[0] - bends[1]) @ preference)[:, None] > 0
    return np.where(first, bends[0], bends[1]), shoulder + unit * reach


def body_points(motion: Motion) -> np.ndarray:
    """All 137 joints in body units, (T, 137, 2); legs are left at 0."""
    num = motion.num_frames
    points = np.zeros((num, NUM_JOINTS, 2))
    neck = motion.body_shift + np.stack(
        [np.zeros(num), -0.5 * motion.shoulder_raise], 1)
    mid_hip = np.array([0, HIP_DEPTH]) + 0.2 * motion.body_shift
    points[:, NECK], points[:, MID_HIP] = neck, mid_hip
    face = face_points(motion)
    points[:, FACE_OFFSET:FACE_OFFSET + 70] = face[:, :70]
    points[:, NOSE] = face[:, 30]
    points[:, list(EYES)] = face[:, 68:70]
    points[:, list(EARS)] = face[:, 70:72]
    for side in (0, 1):
        sign = SIDE_SIGN[side]
        shoulder = neck + np.stack(
            [sign * (SHOULDER_HALF_WIDTH + motion.shoulder_spread),
             SHOULDER_DROP - motion.shoulder_raise], 1)
        elbow, wrist = solve_arm(shoulder, motion.wrist[side], side)
        points[:, SHOULDERS[side]] = shoulder
        points[:, ELBOWS[side]] = elbow
        points[:, WRISTS[side]] = wrist
        points[:, HIPS[side]] = mid_hip + [sign * HIP_HALF_WIDTH, 0]
        offset = HAND_OFFSETS[side]
        points[:, offset:offset + 21] = hand_points(motion, side, wrist)
    return points


def pose_pixels(motion: Motion, traits: BodyTraits) -> Pose:
    """Noise-free pixel geometry of a clip for ``traits``' body."""
    unit, origin = traits.unit_px, np.asarray(traits.neck_px)
    center = HEAD_CENTER + motion.body_shift + motion.head_shift
    return Pose(keypoints=origin + unit * body_points(motion),
                head_center=origin + unit * center,
                head_roll=motion.head_rot[:, 2].copy(),
                head_size=unit * HEAD_HALF_WIDTH, unit_px=unit)


def _joint_groups() -> np.ndarray:
    """0 body, 1 face, 2 hand for each of the 137 joints."""
    groups = np.zeros(NUM_JOINTS, np.int64)
    groups[FACE_OFFSET:LEFT_HAND_OFFSET] = 1
    groups[LEFT_HAND_OFFSET:] = 2
    return groups


JOINT_GROUPS = _joint_groups()
GROUP_JITTER = np.array([1.0, 0.6, 1.4])
GROUP_SCORE = np.array([0.8, 0.72, 0.55])


def _occluded_face(keypoints: np.ndarray, radius: float) -> np.ndarray:
    """(T, 70) mask of face joints within ``radius`` of a hand joint."""
    face = keypoints[:, FACE_OFFSET:FACE_OFFSET + 70]
    hands = np.concatenate([keypoints[:, o:o + 21] for o in HAND_OFFSETS], 1)
    squared = ((face**2).sum(-1)[:, :, None] + (hands**2).sum(-1)[:, None] -
               2 * face @ hands.transpose(0, 2, 1))
    return squared.min(-1) < radius**2


def detect(pose: Pose, motion: Motion, traits: BodyTraits,
           rng: np.random.Generator, img_shape: tuple):
    """Simulate an OpenPose detector on a clip.

    Joints get Gaussian jitter and confidence scores; some are missed
    (x = y = score = 0): legs under the table, random per-joint misses,
    whole hands in some frames, tucked hands, face points behind a hand,
    closed eyes' pupils and anything outside the frame.

    Args:
        pose (Pose): Noise-free geometry.
        motion (Motion): The clip's motion (hand visibility, eye closure).
        traits (BodyTraits): The subject's detector noise.
        rng (np.random.Generator): Source of noise.
        img_shape (tuple[int, int]): Frame (height, width).

    Returns:
        tuple[np.ndarray, np.ndarray]: keypoint (T, 137, 2) and
        keypoint_score (T, 137), float32.
    """
    num = motion.num_frames
    sigma = traits.jitter * traits.unit_px * GROUP_JITTER[JOINT_GROUPS]
    noise = rng.normal(size=(num, NUM_JOINTS, 2)) * sigma[:, None]
    keypoints = pose.keypoints + noise
    error = np.linalg.norm(noise, axis=-1) / (traits.unit_px * 0.1)
    score = (GROUP_SCORE[JOINT_GROUPS] + traits.score_bias +
             rng.normal(scale=0.05, size=(num, NUM_JOINTS)) - 0.1 * error)
    dropped = rng.random((num, NUM_JOINTS)) < np.asarray(
        traits.drop_rates)[JOINT_GROUPS]
    for side, offset in enumerate(HAND_OFFSETS):
        missed = (rng.random(num) < traits.hand_drop_rate) | (
            rng.random(num) > motion.hand_visibility[side])
        dropped[:, offset:offset + 21] |= missed[:, None]
    face = slice(FACE_OFFSET, FACE_OFFSET + 70)
    dropped[:, face] |= _occluded_face(pose.keypoints, 0.09 * pose.unit_px) & (
        rng.random((num, 70)) < 0.7)
    dropped[:, FACE_OFFSET + 68:FACE_OFFSET + 70] |= (
        motion.face[:, 2:3] > 0.6)
    dropped[:, list(LEGS)] = True
    height, width = img_shape
    outside = ((keypoints < 0) | (keypoints > [width - 1, height - 1])).any(-1)
    dropped |= outside
    keypoints[dropped] = 0
    score = np.where(dropped, 0, np.clip(score, 0.05, 0.99))
    return keypoints.astype(np.float32), score.astype(np.float32)
