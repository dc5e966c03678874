"""MMAction2's multi-scale temporal convolution with one entry convolution."""
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.models.utils import mstcn


class MultiScaleTCN(mstcn):
    """:class:`mstcn` whose branches' entry 1x1 convolutions run as one.

    Every branch of :class:`mstcn` starts with a 1x1 convolution of the same
    input (the ``'1x1'`` branch is only that, strided). They are applied as
    one convolution of the concatenated weights, then each branch continues
    on its slice of channels (the ``'1x1'`` branch takes every
    ``stride``-th frame, which equals its strided 1x1 convolution). Same
    arguments, parameters, state_dict keys and results as :class:`mstcn`;
    one input pass and one matmul per step instead of one per branch.

    Args: as :class:`mstcn` (``in_channels``, ``out_channels``,
    ``mid_channels``, ``dropout``, ``ms_cfg``, ``stride``, ``init_cfg``).
    """

    def inner_forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args: x (torch.Tensor): (N, C_in, T, V). Returns (N, C, T', V)."""
        entries = self._entry_convs()
        entry_out = F.conv2d(x, torch.cat([conv.weight for conv in entries]),
                             torch.cat([conv.bias for conv in entries]))
        splits = entry_out.split([conv.out_channels for conv in entries], 1)
        branch_outs = []
        for branch, conv, part in zip(self.branches, entries, splits):
            if branch is conv:  # the '1x1' branch
                branch_outs.append(part[:, :, ::conv.stride[0]])
            else:
                branch_outs.append(branch[1:](part))
        return self.transform(torch.cat(branch_outs, dim=1))

    def _entry_convs(self) -> List[nn.Conv2d]:
        return [
            branch if isinstance(branch, nn.Conv2d) else branch[0]
            for branch in self.branches
        ]
