"""Res2Net3D: ResNet3D whose bottleneck 3x3 conv is a hierarchy of small convs.

Res2Net (Gao et al., TPAMI 2021) splits the bottleneck's inner features into
``scale`` groups and convolves them hierarchically, so one block sees several
receptive-field sizes. M2HEN's M3CN uses its 3D-inflated form as the backbone
of both pathways. Everything except the block is MMAction2's ``ResNet3d`` (and
``ResNet3dSlowOnly``), so any of their configs works after changing ``type``.
"""
import math
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import _load_checkpoint

from mmaction.models.backbones.resnet3d import Bottleneck3d, ResNet3d
from mmaction.models.backbones.resnet3d_slowfast import ResNet3dPathway
from mmaction.models.backbones.resnet3d_slowonly import ResNet3dSlowOnly
from mmaction.registry import MODELS

BN_STATE_NAMES = ('weight', 'bias', 'running_mean', 'running_var')


def res2net_group_width(planes: int, base_width: int, scale: int) -> int:
    """Channels of one Res2Net group: ``floor(planes * base_width / 64)``.

    Args:
        planes (int): Bottleneck planes of the stage (its output is
            ``4 * planes``).
        base_width (int): Group width of the first stage for 64 planes.
        scale (int): Number of groups the inner features are split into.

    Returns:
        int: Group width (> 0).

    Raises:
        ValueError: If ``scale < 1`` or the groups would be empty.
    """
    if not isinstance(scale, int) or scale < 1:
        raise ValueError(f'Res2Net scale must be an integer >= 1 (1 means a '
                         f'plain ResNet bottleneck), got scale={scale!r}.')
    width = int(math.floor(planes * base_width / 64.0))
    if width < 1:
        raise ValueError(
            f'base_width={base_width} leaves empty Res2Net groups for a stage '
            f'with planes={planes} (floor({planes}*{base_width}/64) = 0 '
            f'channels per group); use base_width >= '
            f'{math.ceil(64 / planes)} or raise base_channels.')
    return width


def check_input_channels(x: torch.Tensor, in_channels: int, owner: str,
                         arg_name: str) -> None:
    """Raise a clear error unless ``x`` is (N, in_channels, T, H, W).

    Args:
        x (torch.Tensor): Network input.
        in_channels (int): Channels the stem was built for.
        owner (str): Model name used in the message.
        arg_name (str): Config key that sets ``in_channels``.
    """
    if x.dim() != 5:
        raise ValueError(f'{owner} expects a 5-D input (N, C, T, H, W), got '
                         f'shape {tuple(x.shape)}.')
    if x.shape[1] != in_channels:
        raise ValueError(
            f'{owner} was built with {arg_name}={in_channels} but got an '
            f'input with {x.shape[1]} channels (shape {tuple(x.shape)}); set '
            f'{arg_name} to the input channel count: 3 for RGB, the number '
            'of joints (keypoint heatmaps) or limbs (limb heatmaps) of the '
            'joint layout for pose heatmaps.')


class HierarchicalConv3d(BaseModule):
    """Res2Net's hierarchical convs on ``scale`` groups (paper Eq. 2).

    The input (N, width * scale, T, H, W) is split into groups
    ``x_1 .. x_s`` of ``width`` channels; the first passes unchanged and
    ``y_i = K_i(x_i + y_{i-1})`` for the others (``y_2 = K_2(x_2)``), giving
    ``concat(y_1, ..., y_s)``. A stage block (the first of a stage, where
    stride or channels change) convolves every group on its own and
    average-pools the passthrough group with the conv's stride. With
    ``scale=1`` it is a single conv, i.e. ResNet's conv2.

    Args:
        width (int): Channels per group.
        scale (int): Number of groups.
        kernel_size (tuple[int]): Kernel (kt, kh, kw) of every group conv.
        stride (tuple[int]): Stride (st, sh, sw) of every group conv.
        padding (tuple[int]): Padding of every group conv.
        dilation (tuple[int]): Dilation of every group conv.
        is_stage (bool): Whether this is a stage block.
        conv_cfg (dict): Config of the conv layers.
        norm_cfg (dict): Config of the norm layers.
        act_cfg (dict): Config of the activation layers.
    """

    def __init__(self, width: int, scale: int, kernel_size: Tuple[int],
                 stride: Tuple[int], padding: Tuple[int],
                 dilation: Tuple[int], is_stage: bool, conv_cfg: Dict,
                 norm_cfg: Dict, act_cfg: Dict) -> None:
        super().__init__()
        self.width = width
        self.scale = scale
        self.is_stage = is_stage
        self.convs = nn.ModuleList(
            ConvModule(
                width,
                width,
                kernel_size,
                stride=stride,
                padding=padding,
                dilation=dilation,
                bias=False,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for _ in range(max(1, scale - 1)))
        self.pool = None
        if is_stage and scale > 1:
            # Zero-pad explicitly (= count_include_pad): AvgPool3d refuses
            # inputs smaller than its kernel even when padded.
            self.pool = nn.Sequential(
                nn.ConstantPad3d((1, 1, 1, 1, padding[0], padding[0]), 0.),
                nn.AvgPool3d(kernel_size=(kernel_size[0], 3, 3),
                             stride=stride))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the hierarchy.

        Args:
            x (torch.Tensor): (N, width * scale, T, H, W).

        Returns:
            torch.Tensor: (N, width * scale, T', H', W') with the strides
            of the group convs.
        """
        if self.scale == 1:
            return self.convs[0](x)
        passthrough, *groups = torch.split(x, self.width, dim=1)
        outs = [passthrough if self.pool is None else self.pool(passthrough)]
        for index, (conv, group) in enumerate(zip(self.convs, groups)):
            if index > 0 and not self.is_stage:
                group = group + outs[-1]
            outs.append(conv(group))
        return torch.cat(outs, dim=1)


class Bottle2neck3d(Bottleneck3d):
    """Res2Net bottleneck for 3D CNNs.

    ``Bottleneck3d`` with its inner width widened to ``width * scale``
    (``width = floor(planes * base_width / 64)``) and its conv2 replaced by
    :class:`HierarchicalConv3d`. Kernels, strides, inflation (``inflate``,
    ``inflate_style``), ``style``, non-local, ``with_cp`` and the residual are
    ``Bottleneck3d``'s. ``scale=1, base_width=64`` is exactly
    ``Bottleneck3d``.

    Args:
        inplanes (int): Input channels.
        planes (int): Bottleneck planes; the output has ``4 * planes``.
        scale (int): Number of Res2Net groups. Defaults to 4.
        base_width (int): Group width for 64 planes. Defaults to 26.
        *args, **kwargs: Every other argument of ``Bottleneck3d``, in its
            order (spatial_stride, temporal_stride, dilation, downsample,
            style, inflate, inflate_style, non_local, non_local_cfg,
            conv_cfg, norm_cfg, act_cfg, with_cp, init_cfg).
    """

    def __init__(self,
                 inplanes: int,
                 planes: int,
                 *args,
                 scale: int = 4,
                 base_width: int = 26,
                 **kwargs) -> None:
        width = res2net_group_width(planes, base_width, scale)
        # Bottleneck3d works out kernels, strides and paddings from
        # inflate/inflate_style/style; its convs are rebuilt below at the
        # Res2Net inner width with those same settings.
        super().__init__(inplanes, planes, *args, **kwargs)
        self.scale = scale
        self.base_width = base_width
        inner_channels = width * scale
        template = self.conv2.conv
        self.conv1 = self._like(self.conv1, inplanes, inner_channels)
        self.conv2 = HierarchicalConv3d(
            width,
            scale,
            kernel_size=template.kernel_size,
            stride=template.stride,
            padding=template.padding,
            dilation=template.dilation,
            is_stage=(self.downsample is not None or self.spatial_stride > 1
                      or self.temporal_stride > 1),
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.conv3 = self._like(self.conv3, inner_channels,
                                planes * self.expansion)

    def _like(self, module: ConvModule, in_channels: int,
              out_channels: int) -> ConvModule:
        """A ConvModule with ``module``'s kernel/stride/padding/activation."""
        conv = module.conv
        return ConvModule(
            in_channels,
            out_channels,
            conv.kernel_size,
            stride=conv.stride,
            padding=conv.padding,
            dilation=conv.dilation,
            bias=False,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg if module.with_activation else None)


def timm_names(module_name: str) -> Tuple[str, str]:
    """Map a ConvModule of :class:`Res2Net3d` to timm's 2D conv and bn names.

    ``layer1.0.conv2.convs.0`` -> ``layer1.0.convs.0`` / ``layer1.0.bns.0``,
    ``layer1.0.downsample`` -> ``layer1.0.downsample.0`` / ``...1``,
    ``conv1``/``layerX.Y.conv{1,3}`` -> same name / ``bn{1,3}``.
    """
    if module_name.endswith('downsample'):
        return f'{module_name}.0', f'{module_name}.1'
    conv_name = module_name.replace('.conv2.convs.', '.convs.')
    return conv_name, conv_name.replace('conv', 'bn')


def to_paper_group_order(state_dict_2d: Dict[str, torch.Tensor],
                         block_widths: Dict[str, int]) -> OrderedDict:
    """Reorder timm's Res2Net groups to put the passthrough group first.

    timm (like the original code) keeps the untouched group last; Eq. 2 and
    :class:`HierarchicalConv3d` keep it first. Rolling conv1's output
    channels (and bn1) and conv3's input channels by one group width maps
    one onto the other exactly.

    Args:
        state_dict_2d (dict): timm-layout 2D state dict.
        block_widths (dict): Block name (``layerX.Y``) -> group width, for
            blocks with ``scale > 1``.

    Returns:
        OrderedDict: A reordered copy.
    """
    reordered = OrderedDict(state_dict_2d)
    for block, width in block_widths.items():
        rolled = [(f'{block}.conv1.weight', 0), (f'{block}.conv3.weight', 1)]
        rolled += [(f'{block}.bn1.{name}', 0) for name in BN_STATE_NAMES]
        for key, dim in rolled:
            if key in reordered:
                reordered[key] = torch.roll(reordered[key], width, dims=dim)
    return reordered


@MODELS.register_module()
class Res2Net3d(ResNet3d):
    """Res2Net 3D backbone: ``ResNet3d`` built from :class:`Bottle2neck3d`.

    Args:
        depth (int): 50 or 101. Defaults to 50.
        scale (int): Res2Net groups per block. Defaults to 4.
        base_width (int): Group width for 64 planes; 26 with ``scale=4``
            matches ResNet's 2D FLOPs (3D: see benchmarks/backbones.py).
            Defaults to 26.
        **kwargs: Every other argument of ``ResNet3d`` (pretrained,
            pretrained2d, stage_blocks, in_channels, base_channels,
            num_stages, out_indices, spatial/temporal_strides, dilations,
            conv1_kernel, conv1_stride_s/t, pool1_stride_s/t, with_pool1/2,
            style, frozen_stages, inflate, inflate_style, conv/norm/act_cfg,
            norm_eval, with_cp, non_local, non_local_cfg,
            zero_init_residual, init_cfg).

    With ``pretrained2d=True`` and ``pretrained='path.pth'`` the weights of
    a 2D Res2Net in timm's layout (e.g. ``res2net50_26w_4s``) are inflated,
    as ``ResNet3d`` does for ResNet-2D.

    Input (N, in_channels, T, H, W); output per ``out_indices`` as
    ``ResNet3d``, e.g. (N, 2048, T/2, H/32, W/32) for the defaults.
    """

    arch_settings = {
        50: (Bottle2neck3d, (3, 4, 6, 3)),
        101: (Bottle2neck3d, (3, 4, 23, 3)),
    }

    def __init__(self,
                 depth: int = 50,
                 *,
                 scale: int = 4,
                 base_width: int = 26,
                 **kwargs) -> None:
        if depth not in self.arch_settings:
            raise ValueError(f'{type(self).__name__} supports depth 50 or '
                             f'101, got depth={depth!r}.')
        self.scale = scale
        self.base_width = base_width
        super().__init__(
            depth=depth, scale=scale, base_width=base_width, **kwargs)

    def forward(self, x: torch.Tensor):
        """Check the input, then run ``ResNet3d.forward``.

        Args:
            x (torch.Tensor): (N, in_channels, T, H, W).

        Returns:
            torch.Tensor | tuple[torch.Tensor]: Features of ``out_indices``.
        """
        check_input_channels(x, self.in_channels, type(self).__name__,
                             'in_channels')
        return super().forward(x)

    def inflate_weights(self, logger: MMLogger) -> None:
        """Inflate a timm-layout 2D Res2Net checkpoint into this model.

        Conv kernels are repeated over time and divided by the temporal
        kernel size (as ``ResNet3d``); lateral connections are skipped and
        extra lateral input channels are zero (as ``ResNet3dPathway``).

        Args:
            logger (MMLogger): Logger for skipped and unused parameters.

        Raises:
            ValueError: If no parameter of the checkpoint fits this model.
        """
        state_dict_2d = _load_checkpoint(self.pretrained, map_location='cpu')
        state_dict_2d = state_dict_2d.get('state_dict', state_dict_2d)
        state_dict_2d = to_paper_group_order(state_dict_2d,
                                             self._block_widths())
        inflated: List[str] = []
        for name, module in self.named_modules():
            if isinstance(module, ConvModule) and 'lateral' not in name:
                self._inflate_conv_module(module, name, state_dict_2d,
                                          inflated, logger)
        if not inflated:
            raise ValueError(
                f'pretrained2d=True but no parameter of {self.pretrained} '
                'fits the timm Res2Net layout (layer1.0.conv1.weight, '
                'layer1.0.convs.0.weight, ...): give a 2D Res2Net checkpoint '
                'such as timm res2net50_26w_4s, or set pretrained2d=False for '
                'a 3D checkpoint.')
        unused = sorted(set(state_dict_2d) - set(inflated))
        if unused:
            logger.info(f'Parameters of the 2D checkpoint not used: {unused}')

    def _block_widths(self) -> Dict[str, int]:
        """Group width of every multi-scale block, by block name."""
        return {
            name: module.conv2.width
            for name, module in self.named_modules()
            if isinstance(module, Bottle2neck3d) and module.scale > 1
        }

    def _inflate_conv_module(self, module: ConvModule, name: str,
                             state_dict_2d: Dict[str, torch.Tensor],
                             inflated: List[str], logger: MMLogger) -> None:
        """Inflate one ConvModule (conv + bn) from the 2D state dict."""
        conv_name, bn_name = timm_names(name)
        weight_2d = state_dict_2d.get(f'{conv_name}.weight')
        if weight_2d is None:
            logger.warning(f'{conv_name} is not in the 2D checkpoint; '
                           f'{name} keeps its initialisation.')
            return
        if not self._fits(weight_2d.shape, module.conv.weight.shape):
            logger.warning(f'Shape mismatch for {conv_name}: 2D '
                           f'{tuple(weight_2d.shape)} vs 3D '
                           f'{tuple(module.conv.weight.shape)}; skipped.')
            return
        self._inflate_conv_params(module.conv, state_dict_2d, conv_name,
                                  inflated)
        if module.with_norm and f'{bn_name}.weight' in state_dict_2d:
            self._inflate_bn_params(module.bn, state_dict_2d, bn_name,
                                    inflated)

    def _fits(self, shape_2d: torch.Size, shape_3d: torch.Size) -> bool:
        """Whether a 2D kernel can be inflated into a 3D one.

        ``ResNet3dPathway`` zero-pads the input channels added by lateral
        connections; plain ``ResNet3d`` needs them equal.
        """
        pads_inputs = isinstance(self, ResNet3dPathway)
        inputs_fit = shape_2d[1] == shape_3d[1] or (pads_inputs
                                                    and shape_2d[1] <
                                                    shape_3d[1])
        return (shape_2d[0] == shape_3d[0] and inputs_fit
                and tuple(shape_2d[2:]) == tuple(shape_3d[3:]))


@MODELS.register_module()
class Res2Net3dSlowOnly(Res2Net3d, ResNet3dSlowOnly):
    """SlowOnly (PoseC3D's pose backbone) with Res2Net bottlenecks.

    A drop-in for ``ResNet3dSlowOnly``: same arguments and defaults
    (conv1_kernel=(1, 7, 7), inflate=(0, 0, 1, 1), with_pool2=False, ...)
    plus ``scale`` and ``base_width`` of :class:`Res2Net3d`.

    Args:
        scale (int): Res2Net groups per block. Defaults to 4.
        base_width (int): Group width for 64 planes. Defaults to 26.
        **kwargs: Every argument of ``ResNet3dSlowOnly``.
    """

