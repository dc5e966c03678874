"""Our joint layouts as MMAction2 skeleton graphs.

MMAction2's :class:`~mmaction.models.utils.Graph` knows three layouts by
name (``'openpose'`` 18 joints, ``'nturgb+d'``, ``'coco'``) and takes any
other as a dict ``dict(num_node=V, inward=[(child, parent), ...],
center=c)``. :func:`graph_layout` writes that dict for a layout of ours, so
``STGCN``-style models build their graph from the layout's limbs.
"""
from typing import Dict, List, Tuple, Union

import numpy as np

from ..errors import InputError
from .layouts import JointLayout, get_layout

# The joint an ST-GCN spatial partition is centred on: the neck where the
# layout has one (as MMAction2's 'openpose' graph), else joint 0 (as its
# 'coco' graph: the nose).
CENTER_JOINT = 'neck'


def graph_center(layout: JointLayout) -> int:
    """Index of the graph's centre joint (neck, else joint 0)."""
    names = layout.joint_names
    return names.index(CENTER_JOINT) if CENTER_JOINT in names else 0


def graph_layout(layout: Union[str, JointLayout]) -> Dict:
    """MMAction2 ``Graph``'s dict form of a joint layout.

    Each limb becomes one ``inward`` edge ``(child, parent)`` pointing
    towards the centre joint (as MMAction2's own layouts list them), so the
    ``'spatial'`` mode's inward/outward matrices mean what they do there.

    Args:
        layout (str | JointLayout): ``'openpose137'``, ``'openpose22'``,
            ``'coco17'`` or a :class:`JointLayout`.

    Returns:
        dict: ``num_node``, ``inward`` (list of ``(child, parent)``) and
        ``center``.

    Raises:
        InputError: The layout has no limbs, or joints no limb connects to
            the centre (their hop distance would be infinite).
    """
    layout = get_layout(layout)
    if not layout.limbs:
        raise InputError(
            f'layout {layout.name!r} has no limbs: a graph convolution '
            '(ST-GCN) builds its graph from them; give the layout limbs or '
            'use a model without a skeleton graph (HypergraphTransformer, '
            'PoseC3D)')
    center = graph_center(layout)
    hops = layout.hop_distance(max_hop=layout.num_joints)[center]
    unreachable = np.flatnonzero(hops > layout.num_joints).tolist()
    if unreachable:
        raise InputError(
            f'layout {layout.name!r}: joints {unreachable} are not connected '
            f'to joint {center} ({layout.joint_names[center]}) by its limbs; '
            'an ST-GCN graph needs every joint connected')
    return dict(num_node=layout.num_joints,
                inward=_inward(layout.limbs, hops), center=center)


def _inward(limbs, hops: np.ndarray) -> List[Tuple[int, int]]:
    """Limbs as ``(farther joint, nearer joint)`` from the centre."""
    return [(a, b) if hops[a] >= hops[b] else (b, a) for a, b in limbs]
