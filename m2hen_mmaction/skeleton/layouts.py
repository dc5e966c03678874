"""Joint layouts: names, left/right flip pairs, limbs and body-part labels.

Models and transforms take ``layout='openpose137'`` instead of hard-coded
joint counts. ``get_layout(name)`` returns one immutable :class:`JointLayout`.

* ``openpose137``: OpenPose BODY_25 (0-24) + face 70 (25-94) + left hand 21
  (95-115) + right hand 21 (116-136), the order of the raw iMiGUE release.
* ``openpose22``: the 22-joint skeleton of the MiGA 2023 release. Its joint
  order is not documented publicly; we take it as BODY_25 joints 0-21 (the
  body without the right foot's toes and heel) so that it is a prefix of
  ``openpose137``. Verify against the release you hold.
* ``coco17``: MMAction2's default (NTU/GYM pickles).
"""
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Sequence, Tuple

import numpy as np

Pair = Tuple[int, int]

BODY25_NAMES = (
    'nose', 'neck', 'right_shoulder', 'right_elbow', 'right_wrist',
    'left_shoulder', 'left_elbow', 'left_wrist', 'mid_hip', 'right_hip',
    'right_knee', 'right_ankle', 'left_hip', 'left_knee', 'left_ankle',
    'right_eye', 'left_eye', 'right_ear', 'left_ear', 'left_big_toe',
    'left_small_toe', 'left_heel', 'right_big_toe', 'right_small_toe',
    'right_heel')
BODY25_LIMBS = ((1, 8), (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7),
                (8, 9), (9, 10), (10, 11), (8, 12), (12, 13), (13, 14),
                (1, 0), (0, 15), (15, 17), (0, 16), (16, 18), (14, 19),
                (19, 20), (14, 21), (11, 22), (22, 23), (11, 24))
BODY25_FLIP = ((2, 5), (3, 6), (4, 7), (9, 12), (10, 13), (11, 14), (15, 16),
               (17, 18), (19, 22), (20, 23), (21, 24))
BODY25_PARTS = {
    'head': (0, 15, 16, 17, 18),
    'torso': (1, 8, 9, 12),
    'right_arm': (2, 3, 4),
    'left_arm': (5, 6, 7),
    'right_leg': (10, 11, 22, 23, 24),
    'left_leg': (13, 14, 19, 20, 21),
}

# 68-point face (iBUG order, as OpenPose) + two pupils (68 right, 69 left).
FACE_REGIONS = {
    'face_contour': tuple(range(0, 17)),
    'brows': tuple(range(17, 27)),
    'nose_ridge': tuple(range(27, 36)),
    'eyes': tuple(range(36, 48)) + (68, 69),
    'mouth': tuple(range(48, 68)),
}
FACE_CHAINS = (tuple(range(0, 17)), tuple(range(17, 22)),
               tuple(range(22, 27)), tuple(range(27, 31)),
               tuple(range(31, 36)))
FACE_LOOPS = (tuple(range(36, 42)), tuple(range(42, 48)),
              tuple(range(48, 60)), tuple(range(60, 68)))
# Links that join the face's chains and loops into one connected graph.
FACE_BRIDGES = ((0, 17), (16, 26), (21, 27), (22, 27), (30, 33), (27, 39),
                (27, 42), (33, 51), (48, 60), (54, 64), (68, 37), (69, 44))
FACE_FLIP = tuple((i, 16 - i) for i in range(8)) + (
    (17, 26), (18, 25), (19, 24), (20, 23), (21, 22), (31, 35), (32, 34),
    (36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46), (48, 54),
    (49, 53), (50, 52), (59, 55), (58, 56), (60, 64), (61, 63), (67, 65),
    (68, 69))

# 21-point hand: 0 wrist, then 4 joints per finger from thumb to pinky.
FINGERS = ('thumb', 'index', 'middle', 'ring', 'pinky')


def _hand_names(side: str) -> Tuple[str, ...]:
    names = [f'{side}_hand_wrist']
    for finger in FINGERS:
        names += [f'{side}_{finger}_{k}' for k in range(1, 5)]
    return tuple(names)


def _hand_limbs() -> Tuple[Pair, ...]:
    limbs = []
    for f in range(5):
        base = 1 + 4 * f
        limbs += [(0, base), (base, base + 1), (base + 1, base + 2),
                  (base + 2, base + 3)]
    return tuple(limbs)


def _hand_parts(side: str) -> Dict[str, Tuple[int, ...]]:
    """Palm (wrist + finger roots) and the three distal joints per finger."""
    parts = {f'{side}_palm': (0, 1, 5, 9, 13, 17)}
    for f, finger in enumerate(FINGERS):
        base = 1 + 4 * f
        parts[f'{side}_{finger}'] = (base + 1, base + 2, base + 3)
    return parts


def _face_names() -> Tuple[str, ...]:
    return tuple(f'face_{i}' for i in range(68)) + ('right_pupil',
                                                     'left_pupil')


def _face_limbs() -> Tuple[Pair, ...]:
    limbs = []
    for chain in FACE_CHAINS:
        limbs += list(zip(chain[:-1], chain[1:]))
    for loop in FACE_LOOPS:
        limbs += list(zip(loop, loop[1:] + loop[:1]))
    return tuple(limbs) + FACE_BRIDGES


@dataclass(frozen=True)
class JointLayout:
    """An immutable joint layout.

    Args:
        name (str): Layout name, e.g. ``'openpose137'``.
        joint_names (tuple[str]): One name per joint, length V.
        flip_pairs (tuple[tuple[int, int]]): Left/right joint pairs.
        limbs (tuple[tuple[int, int]]): Joint pairs joined by a bone; they
            connect every joint into one tree-like graph.
        parts (tuple[str]): Body-part label of each joint, length V. These
            are the hyperedges of EHCT.
    """
    name: str
    joint_names: Tuple[str, ...]
    flip_pairs: Tuple[Pair, ...]
    limbs: Tuple[Pair, ...]
    parts: Tuple[str, ...]

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def part_names(self) -> Tuple[str, ...]:
        """Distinct part labels in order of first appearance."""
        return tuple(dict.fromkeys(self.parts))

    @property
    def left_joints(self) -> Tuple[int, ...]:
        """The first joint of each flip pair (MMAction2's ``left_kp``)."""
        return tuple(a for a, _ in self.flip_pairs)

    @property
    def right_joints(self) -> Tuple[int, ...]:
        return tuple(b for _, b in self.flip_pairs)

    def flip_index(self) -> np.ndarray:
        """Permutation that swaps left and right joints, shape (V,)."""
        index = np.arange(self.num_joints)
        for a, b in self.flip_pairs:
            index[a], index[b] = b, a
        return index

    def incidence(self) -> np.ndarray:
        """Joint x part incidence matrix H, float32 of shape (V, E)."""
        names = self.part_names
        matrix = np.zeros((self.num_joints, len(names)), np.float32)
        for joint, part in enumerate(self.parts):
            matrix[joint, names.index(part)] = 1
        return matrix

    def hop_distance(self, max_hop: int = 1000) -> np.ndarray:
        """Shortest-path hop counts over ``limbs``, int64 (V, V).

        Pairs farther than ``max_hop`` (or disconnected) get ``max_hop + 1``.
        """
        num = self.num_joints
        adjacency = np.eye(num, dtype=bool)
        for a, b in self.limbs:
            adjacency[a, b] = adjacency[b, a] = True
        hops = np.full((num, num), max_hop + 1, np.int64)
        reach = np.eye(num, dtype=bool)
        hops[reach] = 0
        for hop in range(1, max_hop + 1):
            new_reach = (reach.astype(np.int32) @ adjacency) > 0
            hops[new_reach & ~reach] = hop
            if (new_reach == reach).all():
                break
            reach = new_reach
        return hops


def _build(name: str, joint_names: Sequence[str], flip_pairs, limbs,
           parts: Dict[str, Sequence[int]]) -> JointLayout:
    labels = [''] * len(joint_names)
    for part, joints in parts.items():
        for joint in joints:
            labels[joint] = part
    return JointLayout(name, tuple(joint_names), tuple(flip_pairs),
                       tuple(limbs), tuple(labels))


def _offset(pairs, offset: int) -> Tuple[Pair, ...]:
    return tuple((a + offset, b + offset) for a, b in pairs)


def _offset_parts(parts: Dict[str, Sequence[int]], offset: int):
    return {k: tuple(j + offset for j in v) for k, v in parts.items()}


FACE_OFFSET, LEFT_HAND_OFFSET, RIGHT_HAND_OFFSET = 25, 95, 116


def _openpose137() -> JointLayout:
    names = (BODY25_NAMES + _face_names() + _hand_names('left') +
             _hand_names('right'))
    hand_flip = tuple((LEFT_HAND_OFFSET + j, RIGHT_HAND_OFFSET + j)
                      for j in range(21))
    # Bridges join face and hands to the body graph: nose -> nose tip,
    # body wrists -> hand wrists.
    bridges = ((0, FACE_OFFSET + 30), (7, LEFT_HAND_OFFSET),
               (4, RIGHT_HAND_OFFSET))
    limbs = (BODY25_LIMBS + _offset(_face_limbs(), FACE_OFFSET) +
             _offset(_hand_limbs(), LEFT_HAND_OFFSET) +
             _offset(_hand_limbs(), RIGHT_HAND_OFFSET) + bridges)
    parts = dict(BODY25_PARTS)
    parts.update(_offset_parts(FACE_REGIONS, FACE_OFFSET))
    parts.update(_offset_parts(_hand_parts('left'), LEFT_HAND_OFFSET))
    parts.update(_offset_parts(_hand_parts('right'), RIGHT_HAND_OFFSET))
    flip = BODY25_FLIP + _offset(FACE_FLIP, FACE_OFFSET) + hand_flip
    return _build('openpose137', names, flip, limbs, parts)


def _openpose22() -> JointLayout:
    keep = 22
    limbs = tuple(p for p in BODY25_LIMBS if max(p) < keep)
    flip = tuple(p for p in BODY25_FLIP if max(p) < keep)
    parts = {k: tuple(j for j in v if j < keep)
             for k, v in BODY25_PARTS.items()}
    return _build('openpose22', BODY25_NAMES[:keep], flip, limbs, parts)


def _coco17() -> JointLayout:
    names = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
             'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
             'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
             'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
    # MMAction2's GeneratePoseTarget default skeleton.
    limbs = ((0, 1), (0, 2), (1, 3), (2, 4), (0, 5), (5, 7), (7, 9), (0, 6),
             (6, 8), (8, 10), (5, 11), (11, 13), (13, 15), (6, 12), (12, 14),
             (14, 16), (11, 12))
    flip = ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14),
            (15, 16))
    parts = {'head': (0, 1, 2, 3, 4), 'torso': (5, 6, 11, 12),
             'left_arm': (7, 9), 'right_arm': (8, 10),
             'left_leg': (13, 15), 'right_leg': (14, 16)}
    return _build('coco17', names, flip, limbs, parts)


_FACTORIES = {'openpose137': _openpose137, 'openpose22': _openpose22,
              'coco17': _coco17}
LAYOUT_NAMES = tuple(_FACTORIES)


@lru_cache(maxsize=None)
def get_layout(name: str) -> JointLayout:
    """Return the layout called ``name`` (one of :data:`LAYOUT_NAMES`)."""
    if isinstance(name, JointLayout):
        return name
    if name not in _FACTORIES:
        raise KeyError(f'Unknown joint layout {name!r}; choose one of '
                       f'{LAYOUT_NAMES}.')
    return _FACTORIES[name]()


def check_num_joints(num_joints: int, layout: str, sample: str = '') -> None:
    """Raise a clear error when an array's joint count does not fit layout."""
    expected = get_layout(layout).num_joints
    if num_joints != expected:
        where = f'Sample {sample!r}: ' if sample else ''
        raise ValueError(
            f'{where}keypoints have {num_joints} joints but layout '
            f'{layout!r} has {expected}. Set layout= to the layout your '
            f'annotations use (one of {LAYOUT_NAMES}).')
