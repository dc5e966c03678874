"""MMAction2's ST-GCN on our joint layouts."""
from typing import Dict

import torch
from mmaction.models.backbones import STGCN
from mmaction.registry import MODELS

from ...errors import InputError
from ...skeleton import LAYOUT_NAMES, JointLayout, graph_layout


def layout_graph_cfg(graph_cfg: Dict) -> Dict:
    """``graph_cfg`` with a layout of ours replaced by MMAction2 ``Graph``'s
    dict form (:func:`~m2hen_mmaction.skeleton.graph_layout`); MMAction2's
    own layouts (``'openpose'``, ``'nturgb+d'``, ``'coco'``, a dict) pass.

    Raises:
        InputError: The layout has no limbs (a dict form with an empty
            ``inward`` too) or joints its limbs do not connect.
    """
    graph_cfg = dict(graph_cfg)
    layout = graph_cfg.get('layout')
    if isinstance(layout, JointLayout) or layout in LAYOUT_NAMES:
        graph_cfg['layout'] = graph_layout(layout)
    elif isinstance(layout, dict) and not layout.get('inward'):
        raise InputError(
            f"graph_cfg.layout has no limbs (inward={layout.get('inward')}): "
            'ST-GCN builds its graph from them; name a layout with limbs '
            f'({", ".join(LAYOUT_NAMES)}) or list its (child, parent) edges')
    return graph_cfg


@MODELS.register_module()
class LayoutSTGCN(STGCN):
    """:class:`STGCN` whose ``graph_cfg.layout`` may name our joint layouts.

    Arguments are :class:`STGCN`'s; ``graph_cfg=dict(layout='openpose137',
    mode='stgcn_spatial')`` builds MMAction2's graph from the layout's limbs
    (``'openpose137'``, ``'openpose22'``, ``'coco17'``, centred on the neck,
    else joint 0). MMAction2's own layout names work as in :class:`STGCN`.
    Input (N, M, T, V, C), output (N, M, C', T', V) as :class:`STGCN`; an
    input whose V is not the graph's is refused with the layout to set.

    Example:
        >>> backbone = MODELS.build(dict(
        ...     type='LayoutSTGCN',
        ...     graph_cfg=dict(layout='openpose22', mode='stgcn_spatial')))
        >>> backbone(torch.randn(2, 1, 16, 22, 3)).shape
        torch.Size([2, 1, 256, 4, 22])
    """

    def __init__(self, graph_cfg: Dict, **kwargs) -> None:
        self.layout_name = graph_cfg.get('layout')
        super().__init__(graph_cfg=layout_graph_cfg(graph_cfg), **kwargs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Check the joint count, then run :meth:`STGCN.forward`.

        Args:
            x (torch.Tensor): Skeletons (N, M, T, V, C).

        Returns:
            torch.Tensor: Features (N, M, C', T', V).
        """
        if x.dim() != 5 or x.shape[3] != self.graph.num_node:
            raise ValueError(
                f'LayoutSTGCN expects skeletons (N, M, T, V, C) with V = '
                f'{self.graph.num_node} (graph_cfg.layout='
                f'{self.layout_name!r}); got {tuple(x.shape)}. Set graph_cfg '
                'to the layout of your keypoints (one of '
                f'{LAYOUT_NAMES}).')
        return super().forward(x)
