"""M3CN's two-pathway backbone: RGBPoseConv3D with Res2Net3D pathways."""
import copy
import inspect
import math
from typing import Dict, List, Optional, Tuple, Union

import torch
from mmengine.model import BaseModule

from mmaction.models.backbones.resnet3d_slowfast import ResNet3dPathway
from mmaction.models.backbones.rgbposeconv3d import RGBPoseConv3D
from mmaction.registry import MODELS
from .res2net3d import Res2Net3d, check_input_channels

RGBPOSECONV3D_DEFAULTS = {
    name: parameter.default
    for name, parameter in inspect.signature(
        RGBPoseConv3D.__init__).parameters.items()
}


class Res2Net3dPathway(Res2Net3d, ResNet3dPathway):
    """``ResNet3dPathway`` (SlowFast-style laterals) with Res2Net blocks.

    Args:
        scale (int): Res2Net groups per block. Defaults to 4.
        base_width (int): Group width for 64 planes. Defaults to 26.
        **kwargs: Every argument of ``ResNet3dPathway`` (lateral,
            lateral_inv, lateral_norm, speed_ratio, channel_ratio,
            fusion_kernel, lateral_infl, lateral_activate and ResNet3d's).
    """


def spatial_size(pathway: ResNet3dPathway, size: int, num_stages: int) -> int:
    """Height (or width) of a pathway's features after its first stages.

    Args:
        pathway (ResNet3dPathway): The pathway.
        size (int): Input height (or width).
        num_stages (int): Residual stages passed after the stem.

    Returns:
        int: The size, as the padded convs/pools give it (ceil division).
    """
    strides = [pathway.conv1_stride_s, pathway.pool1_stride_s]
    strides += list(pathway.spatial_strides[:num_stages])
    for stride in strides:
        size = math.ceil(size / stride)
    return size


# (RGB stages, pose stages) before each lateral fusion of RGBPoseConv3D:
# RGB layer2/3 meet pose layer1/2.
LATERAL_POINTS = ((2, 1), (3, 2))


@MODELS.register_module()
class RGBPoseRes2Net3d(RGBPoseConv3D):
    """RGBPoseConv3D whose two pathways are Res2Net3D (M3CN backbone).

    The RGB pathway sees few frames with wide features, the pose pathway
    ``speed_ratio`` times more heatmap frames with narrow features; RGB
    layer2/3 and pose layer1/2 exchange lateral connections exactly as in
    MMAction2's ``RGBPoseConv3D``, whose ``forward`` and ``init_weights``
    this class uses unchanged.

    Args:
        pretrained (str, optional): 3D checkpoint of the whole backbone.
            Defaults to None.
        speed_ratio (int): Pose frames per RGB frame. Defaults to 4.
        channel_ratio (int): RGB/pose channel ratio used by the laterals.
            Defaults to 4.
        rgb_detach (bool): Stop gradients of the RGB branch's lateral input
            (from pose). Defaults to False.
        pose_detach (bool): Stop gradients of the pose branch's lateral
            input (from RGB). Defaults to False.
        rgb_drop_path (float): Probability of zeroing the pose->RGB lateral
            features during training. Defaults to 0.
        pose_drop_path (float): Probability of zeroing the RGB->pose lateral
            features during training. Defaults to 0.
        rgb_pathway (dict, optional): ``ResNet3dPathway`` arguments of the
            RGB pathway; None gives ``RGBPoseConv3D``'s default.
        pose_pathway (dict, optional): Same for the pose pathway.
        scale (int): Res2Net groups per block of both pathways (a pathway
            dict may set its own). Defaults to 4.
        base_width (int): Res2Net group width for 64 planes, both pathways
            (a pathway dict may set its own). Defaults to 26.
        init_cfg (dict or list[dict], optional): Initialization config.

    Inputs ``imgs`` (N, 3, T, H, W) and ``heatmap_imgs``
    (N, K, speed_ratio * T, H', W'); outputs as ``RGBPoseConv3D``, e.g.
    (N, 2048, 8, 7, 7) and (N, 512, 32, 7, 7) for 8x224x224 RGB and
    32x56x56 heatmaps with the defaults.
    """

    def __init__(self,
                 pretrained: Optional[str] = None,
                 speed_ratio: int = 4,
                 channel_ratio: int = 4,
                 rgb_detach: bool = False,
                 pose_detach: bool = False,
                 rgb_drop_path: float = 0,
                 pose_drop_path: float = 0,
                 rgb_pathway: Optional[Dict] = None,
                 pose_pathway: Optional[Dict] = None,
                 scale: int = 4,
                 base_width: int = 26,
                 init_cfg: Optional[Union[Dict, List[Dict]]] = None) -> None:
        # RGBPoseConv3D.__init__ hard-codes ResNet3dPathway, so only
        # BaseModule's is run; the attributes below are the ones its forward
        # and init_weights use.
        BaseModule.__init__(self, init_cfg=init_cfg)
        for name, value in (('rgb_drop_path', rgb_drop_path),
                            ('pose_drop_path', pose_drop_path)):
            if not 0 <= value <= 1:
                raise ValueError(f'{name} is a probability in [0, 1], got '
                                 f'{value}.')
        for name, value in (('speed_ratio', speed_ratio), ('channel_ratio',
                                                          channel_ratio)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be a positive integer, got '
                                 f'{value!r}.')
        self.pretrained = pretrained
        self.speed_ratio = speed_ratio
        self.channel_ratio = channel_ratio
        self.rgb_detach = rgb_detach
        self.pose_detach = pose_detach
        self.rgb_drop_path = rgb_drop_path
        self.pose_drop_path = pose_drop_path
        res2net_args = dict(scale=scale, base_width=base_width)
        self.rgb_path = self._build_pathway(rgb_pathway, 'rgb_pathway',
                                            res2net_args)
        self.pose_path = self._build_pathway(pose_pathway, 'pose_pathway',
                                             res2net_args)

    def _build_pathway(self, cfg: Optional[Dict], arg_name: str,
                       res2net_args: Dict) -> Res2Net3dPathway:
        """Build one pathway, filling laterals' ratios as RGBPoseConv3D."""
        if cfg is None:
            cfg = RGBPOSECONV3D_DEFAULTS[arg_name]
        cfg = dict(res2net_args, **copy.deepcopy(dict(cfg)))
        if cfg.get('lateral', False):
            cfg.update(
                speed_ratio=self.speed_ratio,
                channel_ratio=self.channel_ratio)
        return Res2Net3dPathway(**cfg)

    def forward(self, imgs: torch.Tensor,
                heatmap_imgs: torch.Tensor) -> Tuple[torch.Tensor]:
        """Check the two clips, then run ``RGBPoseConv3D.forward``.

        Args:
            imgs (torch.Tensor): RGB clip (N, C_rgb, T, H, W).
            heatmap_imgs (torch.Tensor): Heatmaps (N, K, T', H', W') with
                ``T' = speed_ratio * T`` when laterals are on.

        Returns:
            tuple[torch.Tensor]: RGB and pose features.
        """
        check_input_channels(imgs, self.rgb_path.in_channels,
                             type(self).__name__, 'rgb_pathway.in_channels')
        check_input_channels(heatmap_imgs, self.pose_path.in_channels,
                             type(self).__name__, 'pose_pathway.in_channels')
        if self.rgb_path.lateral or self.pose_path.lateral:
            self._check_lateral_shapes(imgs, heatmap_imgs)
        return super().forward(imgs, heatmap_imgs)

    def _check_lateral_shapes(self, imgs: torch.Tensor,
                              heatmap_imgs: torch.Tensor) -> None:
        """Clips must line up in batch, time and space for the laterals."""
        if imgs.shape[0] != heatmap_imgs.shape[0]:
            raise ValueError(
                f'RGB clips (batch {imgs.shape[0]}) and heatmap clips (batch '
                f'{heatmap_imgs.shape[0]}) must come in the same number.')
        rgb_frames, pose_frames = imgs.shape[2], heatmap_imgs.shape[2]
        if pose_frames % self.speed_ratio:
            raise ValueError(
                f'The heatmap clip has {pose_frames} frames, not divisible '
                f'by speed_ratio={self.speed_ratio}: sample '
                f'clip_len=dict(RGB=T, Pose={self.speed_ratio}*T).')
        if pose_frames != self.speed_ratio * rgb_frames:
            raise ValueError(
                f'The heatmap clip has {pose_frames} frames but the RGB clip '
                f'{rgb_frames}; with speed_ratio={self.speed_ratio} it needs '
                f'{self.speed_ratio * rgb_frames} (clip_len=dict(RGB=T, '
                f'Pose={self.speed_ratio}*T)).')
        for rgb_stages, pose_stages in LATERAL_POINTS:
            if not (hasattr(self.rgb_path, f'layer{rgb_stages}_lateral')
                    or hasattr(self.pose_path,
                               f'layer{pose_stages}_lateral')):
                continue
            rgb_size = [
                spatial_size(self.rgb_path, size, rgb_stages)
                for size in imgs.shape[3:]
            ]
            pose_size = [
                spatial_size(self.pose_path, size, pose_stages)
                for size in heatmap_imgs.shape[3:]
            ]
            if rgb_size != pose_size:
                raise ValueError(
                    f'RGB frames of {tuple(imgs.shape[3:])} and heatmaps of '
                    f'{tuple(heatmap_imgs.shape[3:])} give {rgb_size} and '
                    f'{pose_size} at RGB layer{rgb_stages} / pose '
                    f'layer{pose_stages}, where the laterals need them '
                    'equal (e.g. 224x224 RGB with 56x56 heatmaps).')
