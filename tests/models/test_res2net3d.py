"""Res2Net3d / Res2Net3dSlowOnly: block structure, ResNet3d equivalence,
MMAction2 config swap, timm 2D->3D inflation and bad input."""
import math
import os.path as osp
from collections import OrderedDict

import mmaction
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config

from m2hen_mmaction.models.backbones.res2net3d import (Bottle2neck3d,
                                                       Res2Net3dSlowOnly)
from m2hen_mmaction.models.backbones.rgbpose_res2net3d import \
    Res2Net3dPathway
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

MMACTION_CONFIGS = osp.join(osp.dirname(mmaction.__file__), '.mim', 'configs')

pytestmark = pytest.mark.usefixtures('mmaction_scope')
POSEC3D_CONFIG = osp.join(MMACTION_CONFIGS, 'skeleton', 'posec3d',
                          'slowonly_r50_8xb16-u48-240e_ntu60-xsub-keypoint.py')
OUR_CONFIG = osp.join(
    osp.dirname(__file__), '..', '..', 'configs', '_base_', 'models',
    'res2net3d_slowonly_r50.py')
SMALL = dict(base_channels=16, stage_blocks=(2, 1, 1, 1), with_pool2=False)


def build(**cfg):
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def num_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def timm_res2net_state_dict(stage_blocks=(3, 4, 6, 3),
                            stem_channels=64,
                            base_width=26,
                            scale=4,
                            seed=0) -> OrderedDict:
    """A random 2D Res2Net state dict in timm's layout.

    Written from timm.models.res2net (``Bottle2neck``, ``ResNet``), which
    cannot be imported here (PyPI torchvision does not load beside this
    torch): stem ``conv1`` 7x7 + ``bn1``; per block ``conv1`` 1x1 to
    ``width * scale`` + ``bn1``, ``convs.k`` 3x3 width->width + ``bns.k``
    for k < scale - 1, ``conv3`` 1x1 to ``4 * planes`` + ``bn3``,
    ``downsample.0/1`` on each stage's first block; ``fc``. The defaults are
    res2net50_26w_4s. BN statistics are random so that loading them matters.
    """
    gen = torch.Generator().manual_seed(seed)
    state = OrderedDict()

    def conv(name, out_channels, in_channels, kernel):
        fan_in = in_channels * kernel * kernel
        state[f'{name}.weight'] = torch.randn(
            out_channels, in_channels, kernel, kernel,
            generator=gen) * math.sqrt(1. / fan_in)

    def bn(name, channels):
        state[f'{name}.weight'] = 0.5 + torch.rand(channels, generator=gen)
        state[f'{name}.bias'] = 0.2 * torch.rand(channels, generator=gen) - .1
        state[f'{name}.running_mean'] = 0.2 * torch.rand(
            channels, generator=gen) - 0.1
        state[f'{name}.running_var'] = 0.5 + torch.rand(
            channels, generator=gen)
        state[f'{name}.num_batches_tracked'] = torch.tensor(0)

    conv('conv1', stem_channels, 3, 7)
    bn('bn1', stem_channels)
    inplanes = stem_channels
    for stage, blocks in enumerate(stage_blocks):
        planes = stem_channels * 2**stage
        width = planes * base_width // 64
        for index in range(blocks):
            prefix = f'layer{stage + 1}.{index}'
            conv(f'{prefix}.conv1', width * scale, inplanes, 1)
            bn(f'{prefix}.bn1', width * scale)
            for k in range(max(1, scale - 1)):
                conv(f'{prefix}.convs.{k}', width, width, 3)
                bn(f'{prefix}.bns.{k}', width)
            conv(f'{prefix}.conv3', planes * 4, width * scale, 1)
            bn(f'{prefix}.bn3', planes * 4)
            if index == 0:
                conv(f'{prefix}.downsample.0', planes * 4, inplanes, 1)
                bn(f'{prefix}.downsample.1', planes * 4)
            inplanes = planes * 4
    state['fc.weight'] = torch.randn(1000, inplanes, generator=gen)
    state['fc.bias'] = torch.zeros(1000)
    return state


def res2net_2d_forward(state, x, stage_blocks, scale,
                       strides=(1, 2, 2, 2)):
    """timm's Res2Net forward (passthrough group LAST) from a state dict."""

    def bn(t, name):
        return F.batch_norm(t, state[f'{name}.running_mean'],
                            state[f'{name}.running_var'],
                            state[f'{name}.weight'], state[f'{name}.bias'],
                            False, 0., 1e-5)

    x = F.relu(bn(F.conv2d(x, state['conv1.weight'], stride=2, padding=3),
                  'bn1'))
    x = F.max_pool2d(x, 3, 2, 1)
    for stage, blocks in enumerate(stage_blocks):
        for index in range(blocks):
            prefix = f'layer{stage + 1}.{index}'
            stride = strides[stage] if index == 0 else 1
            is_first = index == 0
            out = F.relu(bn(F.conv2d(x, state[f'{prefix}.conv1.weight']),
                            f'{prefix}.bn1'))
            width = state[f'{prefix}.convs.0.weight'].shape[0]
            groups = torch.split(out, width, 1)
            outs = []
            for k in range(scale - 1):
                group = groups[k]
                if k > 0 and not is_first:
                    group = group + outs[-1]
                group = F.conv2d(group, state[f'{prefix}.convs.{k}.weight'],
                                 stride=stride, padding=1)
                outs.append(F.relu(bn(group, f'{prefix}.bns.{k}')))
            last = groups[-1]
            outs.append(F.avg_pool2d(last, 3, stride, 1) if is_first else last)
            out = F.conv2d(torch.cat(outs, 1), state[f'{prefix}.conv3.weight'])
            out = bn(out, f'{prefix}.bn3')
            shortcut = x
            if is_first:
                shortcut = F.conv2d(x, state[f'{prefix}.downsample.0.weight'],
                                    stride=stride)
                shortcut = bn(shortcut, f'{prefix}.downsample.1')
            x = F.relu(out + shortcut)
    return x


def test_blocks_follow_res2net_widths():
    model = build(type='Res2Net3d', depth=50, base_channels=64,
                  stage_blocks=(2, 1, 1, 1), scale=4, base_width=26)
    for stage, layer_name in enumerate(model.res_layers):
        planes = 64 * 2**stage
        width = math.floor(planes * 26 / 64)
        for index, block in enumerate(getattr(model, layer_name)):
            assert isinstance(block, Bottle2neck3d)
            assert block.conv2.width == width
            assert len(block.conv2.convs) == 3
            assert block.conv1.conv.out_channels == 4 * width
            assert block.conv3.conv.in_channels == 4 * width
            assert block.conv3.conv.out_channels == 4 * planes
            # only the first block of a stage pools its passthrough group
            assert (block.conv2.pool is not None) == (index == 0)
            # zero_init_residual reaches Res2Net blocks too
            assert torch.all(block.conv3.bn.weight == 0)


def test_hierarchy_follows_paper_eq2():
    model = build(type='Res2Net3d', depth=50, scale=4, base_width=26, **SMALL)
    model.eval()
    width = model.layer1[1].conv2.width
    with torch.no_grad():
        # non-stage block: y1 = x1, y2 = K(x2), y_i = K(x_i + y_{i-1})
        hierarchy = model.layer1[1].conv2
        x = torch.randn(1, 4 * width, 2, 6, 6)
        x1, x2, x3, x4 = torch.split(x, width, 1)
        y = torch.split(hierarchy(x), width, 1)
        torch.testing.assert_close(y[0], x1)
        torch.testing.assert_close(y[1], hierarchy.convs[0](x2))
        torch.testing.assert_close(y[2], hierarchy.convs[1](x3 + y[1]))
        torch.testing.assert_close(y[3], hierarchy.convs[2](x4 + y[2]))
        # stage block (layer2.0, stride 2): groups apart, passthrough pooled
        stage = model.layer2[0].conv2
        width = stage.width
        x = torch.randn(1, 4 * width, 2, 6, 6)
        x1, x2, x3, x4 = torch.split(x, width, 1)
        y = torch.split(stage(x), width, 1)
        pooled = F.avg_pool3d(x1, (1, 3, 3), (1, 2, 2), (0, 1, 1))
        torch.testing.assert_close(y[0], pooled)
        torch.testing.assert_close(y[1], stage.convs[0](x2))
        torch.testing.assert_close(y[2], stage.convs[1](x3))
        torch.testing.assert_close(y[3], stage.convs[2](x4))


@pytest.mark.parametrize('inflate_style', ['3x1x1', '3x3x3'])
def test_scale1_is_a_resnet3d_bottleneck(inflate_style):
    settings = dict(depth=50, inflate=(0, 1, 0, 1),
                    inflate_style=inflate_style, **SMALL)
    ours = build(type='Res2Net3d', scale=1, base_width=64, **settings)
    resnet = build(type='ResNet3d', **settings)
    assert num_params(ours) == num_params(resnet)
    for block_ours, block_resnet in zip(ours.layer2, resnet.layer2):
        assert block_ours.conv1.conv.weight.shape == \
            block_resnet.conv1.conv.weight.shape
        assert block_ours.conv2.convs[0].conv.weight.shape == \
            block_resnet.conv2.conv.weight.shape
    x = torch.randn(1, 3, 4, 32, 32)
    assert ours(x).shape == resnet(x).shape == (1, 512, 4, 1, 1)


def test_frozen_stages_and_checkpointing():
    model = build(type='Res2Net3d', frozen_stages=1, with_cp=True,
                  zero_init_residual=False,
                  conv1_kernel=(1, 7, 7), inflate=(0, 0, 1, 1), **SMALL)
    model.train()
    assert not any(p.requires_grad for p in model.layer1.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert not model.layer1.training
    x = torch.randn(1, 3, 4, 32, 32)
    model(x).sum().backward()
    grad = model.layer2[0].conv2.convs[1].conv.weight.grad
    assert grad is not None and grad.abs().sum() > 0


def test_swaps_into_mmaction_posec3d_config():
    cfg = Config.fromfile(POSEC3D_CONFIG)
    cfg.model.backbone.type = 'Res2Net3dSlowOnly'
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert isinstance(model.backbone, Res2Net3dSlowOnly)
    inputs = torch.rand(1, 1, 17, 8, 32, 32)
    samples = [ActionDataSample().set_gt_labels(5)]
    model.train()
    losses = model(inputs, samples, mode='loss')
    losses['loss_cls'].backward()
    grads = [p.grad for p in model.backbone.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    # the Res2Net blocks are in the graph (inner convs start behind the
    # zero-initialised conv3.bn)
    assert model.backbone.layer3[0].conv3.bn.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        pred = model(inputs, samples, mode='predict')[0]
        feat = model.backbone(inputs[:, 0])
    assert pred.pred_scores.item.shape == (60, )
    cfg.model.backbone.type = 'ResNet3dSlowOnly'
    resnet = MODELS.build(cfg.model.backbone)
    resnet.eval()
    with torch.no_grad():
        assert feat.shape == resnet(inputs[:, 0]).shape


def test_base_model_config_builds_and_overrides_classes(tmp_path):
    child = tmp_path / 'child.py'
    child.write_text(f"_base_ = [{osp.abspath(OUR_CONFIG)!r}]\n"
                     'model = dict(cls_head=dict(num_classes=7))\n')
    cfg = Config.fromfile(str(child))
    cfg.model.backbone.stage_blocks = (1, 1, 1)  # shrink for the test
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    inputs = torch.rand(1, 1, 137, 8, 32, 32)  # openpose137 heatmaps
    with torch.no_grad():
        pred = model(inputs, [ActionDataSample()], mode='predict')[0]
    assert pred.pred_scores.item.shape == (7, )


@pytest.mark.parametrize('inflate_style,inflate,conv1_kernel,frames', [
    ('3x1x1', (0, 1, 0, 1), (1, 7, 7), 5),
    ('3x3x3', (1, 1, 1, 1), (3, 7, 7), 17),
])
def test_inflated_model_reproduces_2d_res2net(tmp_path, inflate_style,
                                              inflate, conv1_kernel, frames):
    """On a still clip, the inflated 3D net equals the 2D net frame-wise.

    ``frames`` puts the middle frame outside the temporal receptive field
    of the zero padding, so the match must be exact there.
    """
    state = timm_res2net_state_dict(stage_blocks=(2, 1, 1, 1),
                                    stem_channels=16)
    path = tmp_path / 'res2net2d.pth'
    torch.save(state, path)
    model = build(type='Res2Net3d', pretrained=str(path), pretrained2d=True,
                  inflate=inflate, inflate_style=inflate_style,
                  conv1_kernel=conv1_kernel, **SMALL)
    model.eval()
    image = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = res2net_2d_forward(state, image, (2, 1, 1, 1), scale=4)
        clip = image.unsqueeze(2).expand(-1, -1, frames, -1, -1).contiguous()
        got = model(clip)[:, :, frames // 2]
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


def res2net3d_name(timm_key: str) -> str:
    """Where Res2Net3d keeps the tensor of a timm Res2Net key."""
    module, _, tensor = timm_key.rpartition('.')
    if module in ('conv1', 'bn1'):  # stem
        return f"conv1.{'conv' if module == 'conv1' else 'bn'}.{tensor}"
    layer, index, leaf, *rest = module.split('.')
    block = f'{layer}.{index}'
    if leaf in ('convs', 'bns'):
        kind = 'conv' if leaf == 'convs' else 'bn'
        return f'{block}.conv2.convs.{rest[0]}.{kind}.{tensor}'
    if leaf == 'downsample':
        kind = 'conv' if rest[0] == '0' else 'bn'
        return f'{block}.downsample.{kind}.{tensor}'
    kind = 'conv' if leaf.startswith('conv') else 'bn'
    return f'{block}.conv{leaf[-1]}.{kind}.{tensor}'


def test_inflates_every_res2net50_26w_4s_weight(tmp_path):
    state = timm_res2net_state_dict()
    num_weights = sum(v.numel() for k, v in state.items()
                      if 'running' not in k and 'num_batches' not in k)
    assert len(state) == 512 and num_weights == 25_699_120  # timm's model
    path = tmp_path / 'res2net50_26w_4s.pth'
    torch.save(state, path)
    model = build(type='Res2Net3d', depth=50, pretrained=str(path),
                  pretrained2d=True)
    tensors = dict(model.named_parameters())
    tensors.update(model.named_buffers())
    group_width = {'layer1': 26, 'layer2': 52, 'layer3': 104, 'layer4': 208}
    for key, value in state.items():
        if key.startswith('fc.'):
            continue
        loaded = tensors[res2net3d_name(key)]
        if loaded.dim() == 5:
            loaded = loaded.sum(dim=2)  # inflation spreads it over time
        parts = key.split('.')
        layer, module = parts[0], parts[-2]
        if layer in group_width and value.dim() > 0 and module in (
                'conv1', 'bn1', 'conv3'):
            # timm keeps the passthrough group last, Eq. 2 first
            dim = 1 if module == 'conv3' else 0
            value = torch.roll(value, group_width[layer], dims=dim)
        torch.testing.assert_close(loaded, value, msg=key)


def test_bad_arguments_fail_at_build():
    with pytest.raises(ValueError, match='scale must be an integer >= 1'):
        MODELS.build(dict(type='Res2Net3d', scale=0))
    with pytest.raises(ValueError, match='base_width=2 leaves empty'):
        MODELS.build(dict(type='Res2Net3dSlowOnly', base_channels=16,
                          base_width=2))
    with pytest.raises(ValueError, match='depth 50 or 101'):
        MODELS.build(dict(type='Res2Net3d', depth=18))


def test_wrong_input_channels_fail_clearly():
    model = build(type='Res2Net3dSlowOnly', in_channels=17, base_channels=8,
                  num_stages=3, out_indices=(2, ), stage_blocks=(1, 1, 1),
                  conv1_stride_s=1, pool1_stride_s=1, inflate=(0, 1, 1),
                  spatial_strides=(2, 2, 2), temporal_strides=(1, 1, 2),
                  dilations=(1, 1, 1))
    with pytest.raises(ValueError, match=r'in_channels=17 .* 137 channels'):
        model(torch.rand(1, 137, 8, 16, 16))
    assert model(torch.rand(1, 17, 8, 16, 16)).shape == (1, 128, 4, 2, 2)


def test_foreign_2d_checkpoint_fails_clearly(tmp_path):
    path = tmp_path / 'not_res2net.pth'
    torch.save({'backbone.stem.weight': torch.zeros(3)}, path)
    with pytest.raises(ValueError, match='timm Res2Net layout'):
        build(type='Res2Net3d', pretrained=str(path), pretrained2d=True,
              **SMALL)


def test_pathway_inflation_zero_pads_lateral_inputs(tmp_path):
    state = timm_res2net_state_dict(stage_blocks=(1, 1, 1, 1),
                                    stem_channels=16)
    path = tmp_path / 'res2net2d.pth'
    torch.save(state, path)
    pathway = Res2Net3dPathway(
        pretrained=str(path), pretrained2d=True, base_channels=16,
        stage_blocks=(1, 1, 1, 1), lateral=True, lateral_infl=1,
        lateral_activate=(0, 0, 1, 1), speed_ratio=4, channel_ratio=4,
        conv1_kernel=(1, 7, 7), inflate=(0, 0, 1, 1), with_pool2=False)
    pathway.init_weights()
    kernel = pathway.layer3[0].downsample.conv.weight  # 1x1x1, +laterals
    expected = state['layer3.0.downsample.0.weight']
    assert kernel.shape[1] > expected.shape[1]
    torch.testing.assert_close(kernel[:, :expected.shape[1], 0], expected)
    assert torch.all(kernel[:, expected.shape[1]:] == 0)
