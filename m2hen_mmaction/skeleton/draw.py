"""Draw skeletons of any joint layout on an image.

Limbs come from the layout; joints and limbs are coloured by region (body,
face, left hand, right hand; the region follows from each joint's part label)
so the parts of a 137-joint skeleton stay apart. A joint whose score is not
above ``min_score`` (OpenPose writes a missing joint as ``(0, 0, 0)``), or
whose coordinates are not finite, is not drawn, nor is any limb touching it.
"""
from typing import Dict, Tuple, Union

import cv2
import numpy as np

from .layouts import FACE_REGIONS, FINGERS, JointLayout, get_layout

Color = Tuple[int, int, int]
# BGR colours of the regions, chosen to stand out on video and on the canvas.
REGION_COLORS: Dict[str, Color] = {
    'body': (0, 170, 255),  # amber
    'face': (255, 255, 0),  # cyan
    'left_hand': (0, 220, 0),  # green
    'right_hand': (255, 0, 255),  # magenta
}
SHIFT = 4  # sub-pixel bits of cv2 drawing coordinates
LINE = cv2.LINE_AA


def region_of(part: str) -> str:
    """The colour region of a part label: body, face, left/right hand."""
    if part in FACE_REGIONS:
        return 'face'
    side, _, rest = part.partition('_')
    if side in ('left', 'right') and (rest == 'palm' or rest in FINGERS):
        return f'{side}_hand'
    return 'body'


def line_width(image_shape: Tuple[int, ...]) -> int:
    """Body limb width in pixels for an image of ``image_shape``."""
    return max(1, round(min(image_shape[:2]) / 160))


def draw_skeletons(image: np.ndarray, keypoint: np.ndarray,
                   keypoint_score: np.ndarray,
                   layout: Union[str, JointLayout],
                   min_score: float = 0.0) -> np.ndarray:
    """Draw every person's skeleton on ``image`` in place.

    Args:
        image (np.ndarray): uint8 BGR image (H, W, 3), drawn on.
        keypoint (np.ndarray): (M, V, 2) joint ``(x, y)`` in the image's
            pixels.
        keypoint_score (np.ndarray): (M, V) joint scores.
        layout (str | JointLayout): Joint layout with V joints.
        min_score (float): Joints scoring ``<= min_score`` are missing.

    Returns:
        np.ndarray: ``image``.
    """
    layout = get_layout(layout)
    colors = [REGION_COLORS[region_of(p)] for p in layout.parts]
    body = [region_of(p) == 'body' for p in layout.parts]
    width = line_width(image.shape)
    thin = max(1, width // 2)  # face and hand lines and joints
    for points, scores in zip(keypoint, keypoint_score):
        present = (scores > min_score) & np.isfinite(points).all(1)
        fixed = np.round(np.where(present[:, None], points, 0) *
                         (1 << SHIFT)).astype(np.int64)
        for a, b in layout.limbs:
            if present[a] and present[b]:
                cv2.line(image, tuple(fixed[a]), tuple(fixed[b]), colors[b],
                         width if body[a] and body[b] else thin, LINE, SHIFT)
        for joint in np.flatnonzero(present):
            radius = width + 1 if body[joint] else thin
            cv2.circle(image, tuple(fixed[joint]), radius << SHIFT,
                       colors[joint], -1, LINE, SHIFT)
    return image
