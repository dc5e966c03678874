"""Bone features for any joint layout (MMAction2's JointToBone, by layout)."""
from collections import deque
from typing import Dict, Union

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...skeleton import JointLayout, get_layout


def bone_parents(layout: JointLayout, root: int = 0) -> np.ndarray:
    """Parent of each joint in a breadth-first tree over ``layout.limbs``.

    Args:
        layout (JointLayout): The joint layout.
        root (int): The tree's root joint; its parent is itself.

    Returns:
        np.ndarray: int64 array of shape (V,). Joints the limbs do not reach
        are their own parent (zero bone), like the root.
    """
    neighbours = [[] for _ in range(layout.num_joints)]
    for a, b in layout.limbs:
        neighbours[a].append(b)
        neighbours[b].append(a)
    parents = np.arange(layout.num_joints)
    reached = {root}
    queue = deque([root])
    while queue:
        joint = queue.popleft()
        for neighbour in sorted(neighbours[joint]):
            if neighbour not in reached:
                reached.add(neighbour)
                parents[neighbour] = joint
                queue.append(neighbour)
    return parents


@TRANSFORMS.register_module()
class JointToBoneLayout(BaseTransform):
    """Convert joints to bones for a :mod:`~m2hen_mmaction.skeleton` layout.

    MMAction2's :class:`JointToBone` (and ``GenSkeFeat(feats=['b'])``) only
    knows ``dataset='nturgb+d' | 'openpose' | 'coco'`` (25/18/17 joints).
    This transform takes ``layout=`` instead: joint ``j``'s bone is
    ``keypoint[j] - keypoint[parent(j)]`` with parents from
    :func:`bone_parents` (nose-rooted for the OpenPose and COCO layouts);
    the root's bone is zero. With a score channel (C = 3, e.g. after
    ``GenSkeFeat(dataset='openpose', feats=['j'])``) the bone's score is
    the mean of its two joints' scores, as in :class:`JointToBone`.

    Required Keys:

        - keypoint (np.ndarray): (M, T, V, C), C = 2 or 3.

    Modified Keys:

        - ``target`` (defaults to keypoint)

    Args:
        layout (str | JointLayout): Joint layout. Defaults to
            ``'openpose137'``.
        root (int): Root joint of the bone tree. Defaults to 0.
        target (str): Key the bones are written to. Defaults to
            ``'keypoint'``.
    """

    def __init__(self,
                 layout: Union[str, JointLayout] = 'openpose137',
                 root: int = 0,
                 target: str = 'keypoint') -> None:
        self.layout = get_layout(layout)
        self.root = root
        self.target = target
        self.parents = bone_parents(self.layout, root)

    def transform(self, results: Dict) -> Dict:
        """Write the bones of ``results['keypoint']`` to ``target``."""
        keypoint = results['keypoint']
        *_, joints, channels = keypoint.shape
        if joints != self.layout.num_joints or channels not in (2, 3):
            raise ValueError(
                f'Sample {results.get("frame_dir", "")!r}: keypoint has shape '
                f'{keypoint.shape}, but JointToBoneLayout(layout='
                f'{self.layout.name!r}) needs (M, T, {self.layout.num_joints}'
                ', 2 or 3): set layout= to the layout of the annotations.')
        parent = keypoint[..., self.parents, :]
        bone = (keypoint - parent).astype(np.float32)
        if keypoint.shape[-1] == 3:
            bone[..., 2] = (keypoint[..., 2] + parent[..., 2]) / 2
        results[self.target] = bone
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout.name!r}, '
                f'root={self.root}, target={self.target!r})')
