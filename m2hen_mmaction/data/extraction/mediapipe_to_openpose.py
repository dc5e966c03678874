"""Map MediaPipe Holistic landmarks to the ``openpose137`` joint layout.

Pure numpy, no MediaPipe import: the index maps below are data, so they can be
tested on hand-built landmark arrays. All "left"/"right" names are the
person's own sides, as in both OpenPose and MediaPipe.

* Body: MediaPipe's 33 BlazePose landmarks -> OpenPose BODY_25
  (:data:`BODY25_FROM_POSE`). The neck is the shoulder midpoint and the mid
  hip the hip midpoint (confidence = the smaller of the two visibilities);
  the small toes, which MediaPipe lacks, get ``c = 0``.
* Hands: MediaPipe's 21 hand landmarks already follow OpenPose's hand order
  (wrist, then thumb, index, middle, ring, pinky from root to tip).
* Face: the 468-point face mesh -> OpenPose's 70-point face, i.e. the 68
  iBUG points (:data:`FACE68_FROM_MESH`: mesh points on the face oval,
  brow, eye, nose and lip contours at the iBUG positions; the jaw points
  are spaced evenly along the oval's arc) plus the two
  pupils: the iris centres 468 (right) and 473 (left) of the refined mesh
  (``refine_face_landmarks=True``, 478 points); a 468-point mesh gives each
  pupil as the mean of that eye's six iBUG contour points.

Confidence ``c`` follows OpenPose, which never reports a joint outside the
image and gives a missing joint ``(0, 0, 0)``:

* Body joints take MediaPipe's per-landmark pose ``visibility``.
* Face and hand landmarks come without per-point scores (their
  ``visibility`` and ``presence`` fields are 0). Holistic finds the face and
  the hands from the pose, so each takes the *part's presence*: the mean
  visibility of the pose landmarks that locate it (:data:`PRESENCE_FROM_POSE`:
  nose, eyes, ears and mouth for the face; wrist, pinky, index and thumb for
  a hand). A face turned away or a hand in the dark scores low, as in
  OpenPose. Should a face or hand come without a pose, nothing vouches for it
  and it gets ``c = 0``.
* A landmark outside the image (normalised x or y outside [0, 1]; BlazePose
  extrapolates cut-off joints with high visibility) gets ``c = 0``.
* Every joint with ``c = 0`` (outside, not detected, or a joint MediaPipe
  lacks) has its coordinates zeroed too, like a joint OpenPose did not find.
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from m2hen_mmaction.skeleton.layouts import (FACE_OFFSET, LEFT_HAND_OFFSET,
                                             RIGHT_HAND_OFFSET, get_layout)

PoseSource = Union[int, Tuple[int, int], None]

NUM_POSE_LANDMARKS = 33
NUM_HAND_LANDMARKS = 21
NUM_MESH_LANDMARKS = 468
NUM_REFINED_MESH_LANDMARKS = 478

# BODY_25 joint -> MediaPipe pose landmark; a pair is the midpoint of two
# landmarks, None a joint MediaPipe does not have.
BODY25_FROM_POSE: Tuple[PoseSource, ...] = (
    0,  # nose
    (11, 12),  # neck = midpoint of the shoulders
    12, 14, 16,  # right shoulder, elbow, wrist
    11, 13, 15,  # left shoulder, elbow, wrist
    (23, 24),  # mid hip = midpoint of the hips
    24, 26, 28,  # right hip, knee, ankle
    23, 25, 27,  # left hip, knee, ankle
    5, 2,  # right eye, left eye
    8, 7,  # right ear, left ear
    31, None, 29,  # left big toe (foot index), small toe, heel
    32, None, 30,  # right big toe (foot index), small toe, heel
)

# iBUG 68-point face (OpenPose face 0-67) -> MediaPipe face-mesh index.
FACE68_FROM_MESH: Tuple[int, ...] = (
    # 0-16 jaw line, from the right ear over the chin (8) to the left ear
    127, 234, 132, 58, 172, 150, 149, 148, 152, 377, 378, 379, 397, 288, 361,
    454, 356,
    # 17-21 right brow (outer -> inner), 22-26 left brow (inner -> outer)
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,
    # 27-30 nose ridge (top -> tip), 31-35 nose base (right -> left)
    6, 197, 195, 1, 98, 97, 2, 326, 327,
    # 36-41 right eye, 42-47 left eye (clockwise in the image from the
    # right eye's outer corner / the left eye's inner corner)
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
    # 48-59 outer lips from the right corner, 60-67 inner lips
    61, 40, 37, 0, 267, 270, 291, 321, 405, 17, 181, 91,
    78, 81, 13, 311, 308, 402, 14, 178,
)
# Refined-mesh iris centres -> OpenPose face 68 (right pupil), 69 (left).
PUPILS_FROM_IRIS: Tuple[int, int] = (468, 473)
# iBUG contour points of each eye, averaged into a pupil without irises.
EYE_CONTOURS: Tuple[Tuple[int, ...], Tuple[int, ...]] = (
    tuple(range(36, 42)), tuple(range(42, 48)))

# Pose landmarks whose mean visibility is a part's presence: face (nose,
# eyes, ears, mouth corners), left hand and right hand (wrist, pinky, index,
# thumb), keyed by the part's first openpose137 joint.
PRESENCE_FROM_POSE = {FACE_OFFSET: tuple(range(11)),
                      LEFT_HAND_OFFSET: (15, 17, 19, 21),
                      RIGHT_HAND_OFFSET: (16, 18, 20, 22)}

NUM_JOINTS = get_layout('openpose137').num_joints


def pose_to_body25(pose: np.ndarray) -> np.ndarray:
    """Map MediaPipe pose landmarks to OpenPose BODY_25.

    Args:
        pose (np.ndarray): (33, 3) rows ``(x, y, visibility)`` in any unit.

    Returns:
        np.ndarray: (25, 3) rows ``(x, y, c)``; joints MediaPipe lacks are 0.
    """
    _check_shape(pose, (NUM_POSE_LANDMARKS, 3), 'pose landmarks')
    body = np.zeros((len(BODY25_FROM_POSE), 3), np.float32)
    for joint, source in enumerate(BODY25_FROM_POSE):
        if source is None:
            continue
        if isinstance(source, tuple):
            first, second = pose[source[0]], pose[source[1]]
            body[joint, :2] = (first[:2] + second[:2]) / 2
            body[joint, 2] = min(first[2], second[2])
        else:
            body[joint] = pose[source]
    return body


def mesh_to_face70(mesh: np.ndarray, presence: float) -> np.ndarray:
    """Map a MediaPipe face mesh to OpenPose's 70-point face.

    Args:
        mesh (np.ndarray): (468, 2) or refined (478, 2) mesh points ``(x, y)``.
        presence (float): The face's confidence, given to every point.

    Returns:
        np.ndarray: (70, 3) rows ``(x, y, presence)``: 68 iBUG points + 2
        pupils.
    """
    if mesh.ndim != 2 or mesh.shape[0] not in (
            NUM_MESH_LANDMARKS, NUM_REFINED_MESH_LANDMARKS):
        raise ValueError(
            f'face mesh must have {NUM_MESH_LANDMARKS} or '
            f'{NUM_REFINED_MESH_LANDMARKS} landmarks (refine_face_landmarks='
            f'True), got an array of shape {mesh.shape}.')
    points = mesh[list(FACE68_FROM_MESH), :2]
    if mesh.shape[0] == NUM_REFINED_MESH_LANDMARKS:
        pupils = mesh[list(PUPILS_FROM_IRIS), :2]
    else:
        pupils = np.stack([points[list(eye)].mean(0) for eye in EYE_CONTOURS])
    face = np.full((70, 3), presence, np.float32)
    face[:, :2] = np.concatenate([points, pupils])
    return face


def hand_to_openpose(hand: np.ndarray, presence: float) -> np.ndarray:
    """Map 21 MediaPipe hand landmarks to OpenPose's hand (same order).

    Args:
        hand (np.ndarray): (21, 2) landmark rows ``(x, y)``.
        presence (float): The hand's confidence, given to every joint.

    Returns:
        np.ndarray: (21, 3) rows ``(x, y, presence)``.
    """
    _check_shape(hand[:, :2], (NUM_HAND_LANDMARKS, 2), 'hand landmarks')
    joints = np.full((NUM_HAND_LANDMARKS, 3), presence, np.float32)
    joints[:, :2] = hand[:, :2]
    return joints


def part_presence(pose: Optional[np.ndarray], offset: int) -> float:
    """Confidence of the face or a hand from the pose that located it.

    Args:
        pose (np.ndarray | None): (33, 3) ``(x, y, visibility)`` or None.
        offset (int): The part's first openpose137 joint (a key of
            :data:`PRESENCE_FROM_POSE`).

    Returns:
        float: Mean visibility of the part's pose landmarks; 0 without pose.
    """
    if pose is None:
        return 0.0
    return float(pose[list(PRESENCE_FROM_POSE[offset]), 2].mean())


def holistic_to_openpose137(pose: Optional[np.ndarray],
                            face: Optional[np.ndarray],
                            left_hand: Optional[np.ndarray],
                            right_hand: Optional[np.ndarray],
                            image_size: Sequence[int]) -> np.ndarray:
    """Assemble one frame's Holistic landmarks into ``openpose137`` pixels.

    Args:
        pose (np.ndarray | None): (33, 3) normalised ``(x, y, visibility)``.
        face (np.ndarray | None): (468 or 478, 2) normalised ``(x, y)``.
        left_hand (np.ndarray | None): (21, 2) normalised, the person's left.
        right_hand (np.ndarray | None): (21, 2) normalised.
        image_size (Sequence[int]): ``(height, width)`` of the frame.

    Returns:
        np.ndarray: float32 (137, 3) rows ``(x, y, c)`` in pixels with
        OpenPose's semantics (module docstring): joints outside the image
        or not detected are ``(0, 0, 0)``.
    """
    joints = np.zeros((NUM_JOINTS, 3), np.float32)
    if pose is not None:
        pose = np.asarray(pose, np.float32)
        joints[:25] = pose_to_body25(pose)
    parts = ((face, FACE_OFFSET, mesh_to_face70),
             (left_hand, LEFT_HAND_OFFSET, hand_to_openpose),
             (right_hand, RIGHT_HAND_OFFSET, hand_to_openpose))
    for landmarks, offset, to_openpose in parts:
        if landmarks is not None:
            part = to_openpose(np.asarray(landmarks, np.float32),
                               part_presence(pose, offset))
            joints[offset:offset + len(part)] = part
    outside = ((joints[:, :2] < 0) | (joints[:, :2] > 1)).any(1)
    joints[outside, 2] = 0
    joints[joints[:, 2] <= 0] = 0
    height, width = image_size
    joints[:, 0] *= width
    joints[:, 1] *= height
    return joints


def _check_shape(array: np.ndarray, shape: Tuple[int, int], what: str):
    if array.shape != shape:
        raise ValueError(f'{what} must have shape {shape}, got {array.shape}.')
