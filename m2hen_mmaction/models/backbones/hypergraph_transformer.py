"""EHCT backbone: a Hyperformer-style hypergraph transformer on skeletons.

Each block runs hypergraph self-attention over the joints of every frame,
then MMAction2's multi-scale temporal convolution (:class:`mstcn`, its
entry convolutions fused: :class:`MultiScaleTCN`), with
residual connections; chosen blocks halve the frame rate. Input and output
follow MMAction2's :class:`STGCN`: (N, M, T, V, C) in, (N, M, C', T', V) out,
so :class:`GCNHead` pooling works unchanged.

Memory and speed: the attention maps hold ``heads x V x V`` values per
frame (18,769 per head for ``openpose137``); the only such map a block
keeps for backward is the softmax weights (the hop and hyperedge terms are
added inside the logits matmul, ``alpha`` scales ``A @ v`` instead of
``A``). Two options
change memory, never results. ``with_cp=True`` recomputes each block's
attention in backward instead of keeping it: training ``openpose137``
(default width, batch 8 x 64 frames, CPU) then peaks at about 3.3 GiB
instead of 5.9 GiB, for about 1.2x the step time (the attention forward
runs twice). ``attn_chunk_size`` attends over that
many frames at a time, bounding the maps alive at once; 32 is also faster
on CPU than one call (buffers of a few MiB are reused instead of freshly
mapped). Figures from ``benchmarks/ehct.py``.
"""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmaction.models.utils import unit_tcn
from mmaction.registry import MODELS
from mmengine.model import BaseModule, ModuleList
from torch.utils.checkpoint import checkpoint

from ...skeleton import LAYOUT_NAMES, JointLayout, get_layout
from .multiscale_tcn import MultiScaleTCN

# Hyperformer's temporal branches: kernel 5 at dilations 1 and 2, max, 1x1.
DEFAULT_TCN_MS_CFG = ((5, 1), (5, 2), ('max', 3), '1x1')
EPS = 1e-4


def build_incidence(layout: JointLayout,
                    hyperedges: Optional[Sequence[Sequence[int]]] = None
                    ) -> np.ndarray:
    """Joint x hyperedge incidence matrix H.

    Args:
        layout (JointLayout): The joint layout (gives V).
        hyperedges (list[list[int]], optional): One joint group per
            hyperedge. ``None`` uses the layout's body parts
            (``layout.incidence()``). Groups may overlap; a joint in no group
            gets a zero hyperedge feature.

    Returns:
        np.ndarray: float32 array of shape (V, E).
    """
    if hyperedges is None:
        return layout.incidence()
    num_joints = layout.num_joints
    incidence = np.zeros((num_joints, len(hyperedges)), np.float32)
    for edge, joints in enumerate(hyperedges):
        joints = list(joints)
        if not joints:
            raise ValueError(f'hyperedges[{edge}] is empty: every hyperedge '
                             'needs at least one joint.')
        outside = [j for j in joints if not 0 <= j < num_joints]
        if outside:
            raise ValueError(
                f'hyperedges[{edge}] has joints {outside} outside '
                f'0..{num_joints - 1} of layout {layout.name!r}.')
        incidence[joints, edge] = 1
    return incidence


def nonfinite_samples(inputs: torch.Tensor) -> List[int]:
    """Indices along dim 0 of the samples holding any NaN or Inf value."""
    finite = torch.isfinite(inputs.detach()).flatten(1).all(dim=1)
    return torch.nonzero(~finite).flatten().tolist()


class HypergraphAttention(BaseModule):
    """Hypergraph self-attention over the joints of each frame (Eq. 3).

    For the LayerNorm-ed joint features S (V, C_in) of one frame, head h
    computes, with d = C_out / heads::

        E_f    = H D_e^-1 H^T S W_e                     (rows e_j)
        logit  = (q_i.k_j + q_i.r_hop(i,j) + (q_i + w).e_j) / sqrt(d)
               = (q_i.(k_j + e_j) + q_i.r_hop(i,j) + w.e_j) / sqrt(d)
        A      = softmax_j(logit)
        out_i  = sum_j (alpha * A_ij + B_ij) v_j

    H is the joint x hyperedge incidence, D_e the hyperedge degrees, W_e a
    learned projection, r a learned embedding per skeleton hop distance, w a
    learned hyperedge bias, B a learned structural matrix per head
    (identity at init) and alpha a learned scale (1 at init; Hyperformer
    starts it at 0, which leaves q, k, r, w without gradient at step 1).

    Args:
        in_channels (int): Channels of the input joint features.
        out_channels (int): Channels of q, k, v, E_f and the output.
        incidence (torch.Tensor): H, float of shape (V, E).
        hop_distance (torch.Tensor): Hop counts, int64 of shape (V, V).
        num_heads (int): Attention heads; must divide ``out_channels``.
        attn_drop (float): Dropout on the attention weights A.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 incidence: torch.Tensor,
                 hop_distance: torch.Tensor,
                 num_heads: int = 4,
                 attn_drop: float = 0.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if out_channels % num_heads:
            raise ValueError(f'num_heads={num_heads} must divide every block '
                             f'width; got a block with {out_channels} '
                             'channels.')
        num_joints = incidence.shape[0]
        self.num_heads = num_heads
        self.head_channels = out_channels // num_heads
        self.scale = self.head_channels**-0.5
        self.norm = nn.LayerNorm(in_channels)
        self.qkv = nn.Linear(in_channels, 3 * out_channels, bias=False)
        self.hyperedge_proj = nn.Linear(in_channels, out_channels, bias=False)
        # Derived from the layout, not learned: kept out of checkpoints.
        self.register_buffer('incidence', incidence, persistent=False)
        self.register_buffer(
            'incidence_mean', incidence / incidence.sum(0), persistent=False)
        self.register_buffer('hop_distance', hop_distance, persistent=False)
        num_hops = int(hop_distance.max()) + 1
        self.hop_embedding = nn.Parameter(torch.zeros(num_hops, out_channels))
        self.hyperedge_bias = nn.Parameter(
            torch.zeros(num_heads, self.head_channels))
        self.structural = nn.Parameter(
            torch.eye(num_joints).repeat(num_heads, 1, 1))
        self.alpha = nn.Parameter(torch.ones(1))
        # nn.Dropout(0) still stores a mask for backward: skip it.
        self.attn_drop = nn.Dropout(attn_drop) if attn_drop else nn.Identity()
        self.proj = nn.Linear(out_channels, out_channels)

    def hyperedge_features(self, s: torch.Tensor) -> torch.Tensor:
        """E_f = H D_e^-1 H^T S W_e: each joint gets its hyperedges' mean.

        Args:
            s (torch.Tensor): Joint features S, shape (F, V, C_in).

        Returns:
            torch.Tensor: Per head, (F, h, V, d) contiguous.
        """
        edge_means = self.incidence_mean.t() @ s  # (F, E, C_in)
        edges = self.hyperedge_proj(edge_means).unflatten(
            -1, (self.num_heads, self.head_channels)).transpose(1, 2)
        return self.incidence @ edges  # (F, h, E, d) -> (F, h, V, d)

    def attention_weights(self, x: torch.Tensor) -> torch.Tensor:
        """The softmax attention A (before dropout and the structural term).

        Args:
            x (torch.Tensor): Joint features, shape (F, V, C_in).

        Returns:
            torch.Tensor: Shape (F, heads, V, V); each row sums to 1.
        """
        query, key, edge_term, _ = self._heads(x)
        frames, joints = x.shape[:2]
        return self._softmax_attention(query, key, edge_term).view(
            frames, self.num_heads, joints, joints)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Attend over the joints of each frame.

        Args:
            x (torch.Tensor): Joint features of F frames, (F, V, C_in).

        Returns:
            torch.Tensor: Shape (F, V, C_out).
        """
        frames, joints = x.shape[:2]
        query, key, edge_term, v = self._heads(x)
        attn = self.attn_drop(self._softmax_attention(query, key, edge_term))
        values = v.flatten(0, 1)  # (F * h, V, d)
        out = self.alpha * (attn @ values).view(v.shape) + \
            self._structural_mix(v)
        return self.proj(out.transpose(1, 2).reshape(frames, joints, -1))

    def _heads(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """The logit terms per head, each contiguous (the batched matmuls
        view them as (F * h, V, .) without hidden copies).

        ``q_i.k_j + (q_i + w).e_j = q_i.(k_j + e_j) + w.e_j``: one matmul of
        width d against the key ``k + E_f``, plus a term ``w.e_j`` that
        depends on the key joint only.

        Returns:
            tuple: query q / sqrt(d) and key k + E_f, both (F, h, V, d);
            ``w.e_j / sqrt(d)`` as (F, h, 1, V); v, (F, h, V, d).
        """
        frames, joints, _ = x.shape
        s = self.norm(x)
        qkv = self.qkv(s).view(frames, joints, 3, self.num_heads,
                               self.head_channels)
        q, k, v = qkv.transpose(1, 3).unbind(2)  # each (F, h, V, d)
        e = self.hyperedge_features(s)  # (F, h, V, d), contiguous
        key = e + k
        query = q.contiguous().mul_(self.scale)
        edge_weight = (self.hyperedge_bias * self.scale).unsqueeze(-1)
        edge_term = (e @ edge_weight).transpose(2, 3)  # (F, h, 1, V)
        return query, key, edge_term, v.contiguous()

    def _structural_mix(self, v: torch.Tensor) -> torch.Tensor:
        """B @ v per head without broadcasting B to (F, h, V, V)."""
        frames, heads, joints, channels = v.shape
        per_head = v.permute(1, 2, 0, 3).reshape(heads, joints, -1)
        mixed = self.structural @ per_head  # (h, V, F * d)
        return mixed.view(heads, joints, frames,
                          channels).permute(2, 0, 1, 3)

    def _softmax_attention(self, query: torch.Tensor, key: torch.Tensor,
                           edge_term: torch.Tensor) -> torch.Tensor:
        """softmax_j of the scaled joint, hop and hyperedge terms, as
        (F * h, V, V): the hop term q_i.r_hop(i,j) is picked from q_i's
        scores against every hop embedding, the other terms are added onto
        it in place (no further V x V buffers)."""
        frames, heads, joints, _ = query.shape
        hop_embedding = self.hop_embedding.view(-1, heads, self.head_channels)
        hop_scores = query @ hop_embedding.permute(1, 2, 0)  # (F, h, V, hops)
        logits = hop_scores.flatten(0, 1).gather(
            -1, self.hop_distance.expand(frames * heads, joints, joints))
        logits.add_(edge_term.flatten(0, 1))
        logits.baddbmm_(query.flatten(0, 1),
                        key.flatten(0, 1).transpose(1, 2))
        return logits.softmax(dim=-1)


class HypergraphTransformerBlock(BaseModule):
    """Hypergraph attention + multi-scale temporal convolution.

    ``y = relu(mstcn(skip(x) + attention(x)) + residual(x))`` where ``skip``
    is the identity (or a linear map when the width changes) and
    ``residual`` the identity (or a strided 1x1 :class:`unit_tcn`).

    Args:
        in_channels (int): Input channels.
        out_channels (int): Output channels.
        incidence (torch.Tensor): Hyperedge incidence H, (V, E).
        hop_distance (torch.Tensor): Hop counts, (V, V).
        num_heads (int): Attention heads. Defaults to 4.
        stride (int): Temporal stride. Defaults to 1.
        attn_drop (float): Dropout on the attention weights. Defaults to 0.
        tcn_ms_cfg (sequence): Branches of :class:`mstcn`.
        tcn_dropout (float): Dropout after the temporal conv. Defaults to 0.
        with_cp (bool): Recompute the attention in backward: about half the
            training memory for about 1.2x the step time (module docstring).
            Defaults to False.
        attn_chunk_size (int, optional): Frames (of N * M * T) per attention
            call; bounds the V x V maps alive at once. Defaults to None (all).
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 incidence: torch.Tensor,
                 hop_distance: torch.Tensor,
                 num_heads: int = 4,
                 stride: int = 1,
                 attn_drop: float = 0.,
                 tcn_ms_cfg: Sequence = DEFAULT_TCN_MS_CFG,
                 tcn_dropout: float = 0.,
                 with_cp: bool = False,
                 attn_chunk_size: Optional[int] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.with_cp = with_cp
        self.attn_chunk_size = attn_chunk_size
        self.attention = HypergraphAttention(in_channels, out_channels,
                                             incidence, hop_distance,
                                             num_heads, attn_drop)
        self.attention_skip = (
            nn.Identity() if in_channels == out_channels else nn.Linear(
                in_channels, out_channels, bias=False))
        # Configs may turn the branch tuples into lists; mstcn wants tuples.
        ms_cfg = [tuple(b) if isinstance(b, list) else b for b in tcn_ms_cfg]
        self.tcn = MultiScaleTCN(out_channels, out_channels, ms_cfg=ms_cfg,
                                 stride=stride, dropout=tcn_dropout)
        self.residual = (
            nn.Identity() if in_channels == out_channels and stride == 1 else
            unit_tcn(in_channels, out_channels, kernel_size=1, stride=stride))
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args: x (torch.Tensor): (B, C_in, T, V). Returns (B, C_out, T', V).
        """
        batch, channels, num_frames, num_joints = x.shape
        frames = x.permute(0, 2, 3, 1).reshape(-1, num_joints, channels)
        frames = self.attention_skip(frames) + self._attend(frames)
        y = frames.view(batch, num_frames, num_joints, -1).permute(0, 3, 1, 2)
        return self.relu(self.tcn(y.contiguous()) + self.residual(x))

    def _attend(self, frames: torch.Tensor) -> torch.Tensor:
        """Attention over chunks of frames; checkpointed if ``with_cp``."""
        chunks = frames.split(self.attn_chunk_size or len(frames))
        if self.with_cp and frames.requires_grad:
            outs = [checkpoint(self.attention, chunk, use_reentrant=False)
                    for chunk in chunks]
        else:
            outs = [self.attention(chunk) for chunk in chunks]
        return torch.cat(outs) if len(outs) > 1 else outs[0]


@MODELS.register_module()
class HypergraphTransformer(BaseModule):
    """EHCT / Hyperformer backbone for 2D skeletons.

    Arguments mirror MMAction2's :class:`STGCN` (``graph_cfg`` becomes
    ``layout``): ``num_stages`` blocks, widths multiplied by ``ch_ratio`` at
    ``inflate_stages`` and frame rate halved at ``down_stages`` (1-based).
    A 1x1 conv embeds the ``in_channels`` (x, y, score) into
    ``base_channels`` first.

    Args:
        layout (str | JointLayout): Joint layout, e.g. ``'openpose137'``,
            ``'openpose22'``, ``'coco17'``; gives V, the hop distances of the
            relative position term and (by default) the hyperedges.
        hyperedges (list[list[int]], optional): Explicit joint groups, one
            per hyperedge. Defaults to None (the layout's body parts).
        in_channels (int): Channels per joint. Defaults to 3 (x, y, score).
        base_channels (int): Width of the first blocks. Defaults to 64.
        data_bn_type (str): ``'VC'``, ``'MVC'`` or ``'none'`` input
            BatchNorm, as in STGCN. Defaults to ``'VC'``.
        ch_ratio (int): Width multiplier at each inflate stage. Defaults to 2.
        num_person (int): Maximum persons M per sample. Defaults to 2.
        num_stages (int): Number of blocks. Defaults to 10.
        inflate_stages (sequence[int]): Blocks that widen. Defaults to (5, 8).
        down_stages (sequence[int]): Blocks with temporal stride 2.
            Defaults to (5, 8).
        num_heads (int): Attention heads per block. Defaults to 4.
        attn_drop (float): Attention dropout. Defaults to 0.
        tcn_ms_cfg (sequence): :class:`mstcn` branches. Defaults to
            Hyperformer's ``((5, 1), (5, 2), ('max', 3), '1x1')``.
        tcn_dropout (float): Temporal dropout. Defaults to 0.
        out_indices (sequence[int]): 0-based blocks whose outputs are
            returned (negative counts from the end). One index returns a
            tensor, several a tuple in block order. Defaults to (-1, ).
        with_cp (bool): Recompute attention in backward: about half the
            training memory, about 1.2x the step time. Defaults to False.
        attn_chunk_size (int, optional): Frames (of N * M * T) per attention
            call. Defaults to None (all at once). Neither option changes the
            result; see the module docstring for memory numbers.
        check_finite (bool): Raise on NaN/Inf input (one host sync per
            call). Defaults to True; :class:`EHCT` turns it off as it checks
            its inputs itself.
        init_cfg (dict, optional): Initialization config.

    Inputs must be finite: a NaN/Inf sample raises ``ValueError`` (replace
    it in the data and give it ``keypoint_score`` 0). All-zero skeletons
    (padded persons, undetected frames) are valid input.

    Example:
        >>> backbone = MODELS.build(dict(type='HypergraphTransformer',
        ...                              layout='coco17'))
        >>> backbone(torch.randn(2, 1, 16, 17, 3)).shape
        torch.Size([2, 1, 256, 4, 17])
    """

    def __init__(self,
                 layout: Union[str, JointLayout] = 'openpose137',
                 hyperedges: Optional[Sequence[Sequence[int]]] = None,
                 in_channels: int = 3,
                 base_channels: int = 64,
                 data_bn_type: str = 'VC',
                 ch_ratio: int = 2,
                 num_person: int = 2,
                 num_stages: int = 10,
                 inflate_stages: Sequence[int] = (5, 8),
                 down_stages: Sequence[int] = (5, 8),
                 num_heads: int = 4,
                 attn_drop: float = 0.,
                 tcn_ms_cfg: Sequence = DEFAULT_TCN_MS_CFG,
                 tcn_dropout: float = 0.,
                 out_indices: Sequence[int] = (-1, ),
                 with_cp: bool = False,
                 attn_chunk_size: Optional[int] = None,
                 check_finite: bool = True,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.check_finite = check_finite
        self.layout = get_layout(layout)
        self.in_channels = in_channels
        self.num_person = num_person
        self.data_bn_type = data_bn_type
        self.data_bn = self._build_data_bn()
        self.embed = nn.Conv2d(in_channels, base_channels, kernel_size=1)
        incidence = torch.from_numpy(build_incidence(self.layout, hyperedges))
        hop_distance = torch.from_numpy(
            self.layout.hop_distance(max_hop=self.layout.num_joints))
        self.blocks = ModuleList()
        channels = base_channels
        for stage in range(1, num_stages + 1):
            out_channels = channels
            if stage in inflate_stages:
                out_channels = int(channels * ch_ratio + EPS)
            self.blocks.append(
                HypergraphTransformerBlock(
                    channels, out_channels, incidence, hop_distance,
                    num_heads=num_heads,
                    stride=2 if stage in down_stages else 1,
                    attn_drop=attn_drop, tcn_ms_cfg=tcn_ms_cfg,
                    tcn_dropout=tcn_dropout, with_cp=with_cp,
                    attn_chunk_size=attn_chunk_size))
            channels = out_channels
        self.out_indices = self._normalize_out_indices(out_indices)

    def forward(self, x: torch.Tensor
                ) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """Extract features.

        Args:
            x (torch.Tensor): Skeletons (N, M, T, V, C).

        Returns:
            torch.Tensor | tuple[torch.Tensor]: Features (N, M, C', T', V)
            of each block in ``out_indices``.
        """
        self.check_inputs(x)
        num_samples, num_persons = x.shape[:2]
        x = self.embed(self._normalize(x))
        outs = []
        for index, block in enumerate(self.blocks):
            x = block(x)
            if index in self.out_indices:
                outs.append(x.reshape((num_samples, num_persons) +
                                      x.shape[1:]))
        return outs[0] if len(outs) == 1 else tuple(outs)

    def check_inputs(self, x: torch.Tensor) -> None:
        """Raise ``ValueError`` saying what to change for unusable input."""
        if x.dim() != 5:
            raise ValueError(
                'HypergraphTransformer expects skeletons shaped (N, M, T, V, '
                f'C) = (samples, persons, frames, joints, channels); got '
                f'{tuple(x.shape)}. Format them with FormatGCNInput.')
        _, persons, _, joints, channels = x.shape
        if joints != self.layout.num_joints:
            raise ValueError(
                f'Input has {joints} joints but layout {self.layout.name!r} '
                f'has {self.layout.num_joints}: set the backbone\'s layout= '
                f'to the layout of your keypoints (one of {LAYOUT_NAMES}).')
        if persons > self.num_person or (self.data_bn_type == 'MVC'
                                         and persons != self.num_person):
            raise ValueError(
                f'Input has {persons} persons but the backbone has '
                f'num_person={self.num_person} (data_bn_type='
                f'{self.data_bn_type!r}): set FormatGCNInput(num_person='
                f'{self.num_person}) in the pipeline or raise num_person.')
        if channels != self.in_channels:
            raise ValueError(
                f'Input has {channels} channels per joint but in_channels='
                f'{self.in_channels}: (x, y, score) needs 3 (keep '
                'keypoint_score, e.g. via GenSkeFeat), or set in_channels.')
        bad = nonfinite_samples(x) if self.check_finite else []
        if bad:
            raise ValueError(
                f'Samples {bad} of the batch hold NaN/Inf keypoints: replace '
                'them in the data (e.g. np.nan_to_num) and set their '
                'keypoint_score to 0 so they count as undetected joints.')

    def _build_data_bn(self) -> nn.Module:
        size = self.in_channels * self.layout.num_joints
        if self.data_bn_type == 'MVC':
            return nn.BatchNorm1d(self.num_person * size)
        if self.data_bn_type == 'VC':
            return nn.BatchNorm1d(size)
        if self.data_bn_type == 'none':
            return nn.Identity()
        raise ValueError(f'data_bn_type={self.data_bn_type!r}; choose '
                         "'VC', 'MVC' or 'none'.")

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        """(N, M, T, V, C) -> data_bn -> (N * M, C, T, V)."""
        num_samples, persons, frames, joints, channels = x.shape
        x = x.permute(0, 1, 3, 4, 2)  # N, M, V, C, T
        bn_groups = num_samples if self.data_bn_type == 'MVC' else (
            num_samples * persons)
        x = self.data_bn(x.reshape(bn_groups, -1, frames))
        x = x.view(num_samples * persons, joints, channels, frames)
        return x.permute(0, 2, 3, 1).contiguous()

    def _normalize_out_indices(self, out_indices: Sequence[int]
                               ) -> Tuple[int, ...]:
        num_blocks = len(self.blocks)
        if not out_indices:
            raise ValueError('out_indices must name at least one block.')
        bad = [i for i in out_indices if not -num_blocks <= i < num_blocks]
        if bad:
            raise ValueError(f'out_indices {bad} are outside the '
                             f'{num_blocks} blocks (0..{num_blocks - 1}).')
        return tuple(sorted({i % num_blocks for i in out_indices}))
