"""RGBPoseRes2Net3d: MMAction2's RGBPoseConv3D test ported, lateral
semantics against RGBPoseConv3D, the M3CN base config and bad input."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from m2hen_mmaction.models.backbones.res2net3d import Bottle2neck3d
from m2hen_mmaction.models.backbones.rgbpose_res2net3d import RGBPoseRes2Net3d
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmaction.testing import generate_backbone_demo_inputs

pytestmark = pytest.mark.usefixtures('mmaction_scope')

M3CN_CONFIG = osp.join(
    osp.dirname(__file__), '..', '..', 'configs', '_base_', 'models',
    'm3cn_rgbpose_res2net3d_r50.py')

SMOKE_CONFIG = osp.join(
    osp.dirname(__file__), '..', '..', 'configs', 'm3cn',
    'm3cn_rgbpose-res2net3d-tiny_1xb16-u4u16-12e_migsynth-rgbpose_smoke.py')
RES2NET_ARGS = ('scale', 'base_width')


def smoke_backbone() -> dict:
    """The M3CN smoke config's backbone arguments, without its type."""
    backbone = Config.fromfile(SMOKE_CONFIG).model.backbone.to_dict()
    backbone.pop('type')
    return backbone


SMALL = smoke_backbone()
POSE_CHANNELS = SMALL['pose_pathway']['in_channels']


def small_inputs(rgb_frames=4, pose_frames=16, rgb_size=64, pose_size=16,
                 pose_channels=POSE_CHANNELS):
    return (torch.rand(1, 3, rgb_frames, rgb_size, rgb_size),
            torch.rand(1, pose_channels, pose_frames, pose_size, pose_size))


def build(type='RGBPoseRes2Net3d', **cfg):
    model = MODELS.build(dict(type=type, **cfg))
    model.init_weights()
    return model


def test_rgbposeres2net3d():
    """MMAction2's test_rgbposeconv3d, run against our class."""
    # ours raises a ValueError naming the argument instead of an assert
    with pytest.raises(ValueError, match='drop_path'):
        RGBPoseRes2Net3d(pose_drop_path=1.1, rgb_drop_path=1.1)

    rgbposec3d = RGBPoseRes2Net3d()
    rgbposec3d.init_weights()
    rgbposec3d.train()

    imgs_shape = (1, 3, 8, 224, 224)
    heatmap_imgs_shape = (1, 17, 32, 56, 56)
    imgs = generate_backbone_demo_inputs(imgs_shape)
    heatmap_imgs = generate_backbone_demo_inputs(heatmap_imgs_shape)

    with torch.no_grad():  # same shapes, less memory and time
        (x_rgb, x_pose) = rgbposec3d(imgs, heatmap_imgs)

    assert x_rgb.shape == torch.Size([1, 2048, 8, 7, 7])
    assert x_pose.shape == torch.Size([1, 512, 32, 7, 7])


def test_same_laterals_and_shapes_as_rgbposeconv3d():
    ours = build(**SMALL)
    theirs = build(type='RGBPoseConv3D',
                   **{k: v for k, v in SMALL.items() if k not in RES2NET_ARGS})
    for pathway in (ours.rgb_path, ours.pose_path):
        blocks = [m for m in pathway.modules() if isinstance(m, Bottle2neck3d)]
        assert len(blocks) == len(pathway.stage_blocks)
    lateral_ours = {
        name: p.shape
        for name, p in ours.named_parameters() if 'lateral' in name
    }
    lateral_theirs = {
        name: p.shape
        for name, p in theirs.named_parameters() if 'lateral' in name
    }
    assert lateral_ours and lateral_ours == lateral_theirs
    ours.eval()
    theirs.eval()
    imgs, heatmaps = small_inputs()
    with torch.no_grad():
        shapes = [x.shape for x in ours(imgs, heatmaps)]
        assert shapes == [x.shape for x in theirs(imgs, heatmaps)]
    rgb_channels, pose_channels = Config.fromfile(
        SMOKE_CONFIG).model.cls_head.in_channels
    assert shapes == [(1, rgb_channels, 4, 2, 2), (1, pose_channels, 16, 2, 2)]


@pytest.mark.parametrize('detach', [False, True])
def test_rgb_detach_stops_gradients_into_pose(detach):
    model = build(rgb_detach=detach, **SMALL)
    model.train()
    x_rgb, _ = model(*small_inputs())
    x_rgb.sum().backward()
    grad = model.pose_path.conv1.conv.weight.grad
    reaches_pose = grad is not None and grad.abs().sum() > 0
    assert reaches_pose != detach


def test_drop_path_removes_the_other_modality():
    imgs, heatmaps = small_inputs()
    other_heatmaps = torch.rand_like(heatmaps)
    for drop, same in ((0., False), (1., True)):
        model = build(rgb_drop_path=drop, **SMALL)
        model.train()
        with torch.no_grad():
            first = model(imgs, heatmaps)[0]
            second = model(imgs, other_heatmaps)[0]
        assert torch.equal(first, second) == same


def test_m3cn_config_trains_and_predicts():
    cfg = Config.fromfile(M3CN_CONFIG)
    backbone = cfg.model.backbone
    assert backbone.type == 'RGBPoseRes2Net3d'
    backbone.rgb_pathway.stage_blocks = (1, 1, 1, 1)  # shrink for the test
    backbone.pose_pathway.stage_blocks = (1, 1, 1)
    model = MODELS.build(cfg.model)
    model.init_weights()
    inputs = dict(imgs=torch.rand(1, 1, 3, 4, 64, 64),
                  heatmap_imgs=torch.rand(1, 1, 137, 16, 16, 16))
    samples = [ActionDataSample().set_gt_labels(3)]
    model.train()
    losses = model(dict(inputs), samples, mode='loss')
    assert {'rgb_loss_cls', 'pose_loss_cls'} <= set(losses)
    sum(losses[k] for k in ('rgb_loss_cls', 'pose_loss_cls')).backward()
    assert model.backbone.rgb_path.layer4[0].conv3.bn.weight.grad.abs().sum(
    ) > 0
    model.eval()
    with torch.no_grad():
        pred = model(dict(inputs), samples, mode='predict')[0]
    assert set(pred.pred_scores.keys()) == {'rgb', 'pose', 'item'}
    assert pred.pred_scores.item.shape == (cfg.model.cls_head.num_classes, )


@pytest.mark.parametrize('inputs,message', [
    (small_inputs(pose_channels=17),
     rf'pose_pathway.in_channels={POSE_CHANNELS}'),
    (small_inputs(pose_frames=15), 'not divisible by speed_ratio=4'),
    (small_inputs(pose_frames=12), 'needs 16'),
    (small_inputs(pose_size=32), 'laterals need them equal'),
    ((torch.rand(1, 3, 64, 64), torch.rand(1, POSE_CHANNELS, 16, 16, 16)),
     '5-D'),
])
def test_bad_clips_fail_clearly(inputs, message):
    model = build(**SMALL)
    with pytest.raises(ValueError, match=message):
        model(*inputs)


def test_bad_arguments_fail_at_build():
    with pytest.raises(ValueError, match='speed_ratio'):
        build(speed_ratio=0, **{k: v for k, v in SMALL.items()
                                if k != 'speed_ratio'})
    with pytest.raises(ValueError, match='base_width=1 leaves empty'):
        build(**dict(SMALL, base_width=1))
