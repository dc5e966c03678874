"""RGBPoseFusionHead: MMAction2's RGBPoseHead test ported, fused
prediction, per-component losses and bad arguments."""
import pytest
import torch
import torch.nn as nn

from m2hen_mmaction.models.heads.rgbpose_fusion_head import RGBPoseFusionHead
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample


def build(**cfg):
    cfg = dict(dict(num_classes=4, in_channels=[32, 16], dropout=0.),
               **cfg)
    head = MODELS.build(dict(type='RGBPoseFusionHead', **cfg))
    head.init_weights()
    return head


def features(batch=2):
    gen = torch.Generator().manual_seed(0)
    return (torch.rand(batch, 32, 2, 3, 3, generator=gen),
            torch.rand(batch, 16, 8, 3, 3, generator=gen))


def samples(*labels):
    return [ActionDataSample().set_gt_labels(label) for label in labels]


def test_rgbpose_fusion_head():
    """MMAction2's test_rgbpose_head, run against our class."""
    rgbpose_head = RGBPoseFusionHead(
        num_classes=4,
        in_channels=[2048, 512],
        dropout=dict(rgb=0.51, pose=0.49))
    rgbpose_head.init_weights()

    assert rgbpose_head.num_classes == 4
    assert rgbpose_head.dropout == dict(rgb=0.51, pose=0.49)
    assert rgbpose_head.in_channels == [2048, 512]
    assert rgbpose_head.init_std == 0.01

    assert isinstance(rgbpose_head.dropout_rgb, nn.Dropout)
    assert isinstance(rgbpose_head.dropout_pose, nn.Dropout)
    assert rgbpose_head.dropout_rgb.p == rgbpose_head.dropout['rgb']
    assert rgbpose_head.dropout_pose.p == rgbpose_head.dropout['pose']

    assert isinstance(rgbpose_head.fc_rgb, nn.Linear)
    assert isinstance(rgbpose_head.fc_pose, nn.Linear)
    assert rgbpose_head.fc_rgb.in_features == rgbpose_head.in_channels[0]
    assert rgbpose_head.fc_rgb.out_features == rgbpose_head.num_classes
    assert rgbpose_head.fc_pose.in_features == rgbpose_head.in_channels[1]
    assert rgbpose_head.fc_pose.out_features == rgbpose_head.num_classes

    assert isinstance(rgbpose_head.avg_pool, nn.AdaptiveAvgPool3d)
    assert rgbpose_head.avg_pool.output_size == (1, 1, 1)

    feat_rgb = torch.rand((2, 2048, 8, 7, 7))
    feat_pose = torch.rand((2, 512, 32, 7, 7))

    cls_scores = rgbpose_head((feat_rgb, feat_pose))
    assert cls_scores['rgb'].shape == torch.Size([2, 4])
    assert cls_scores['pose'].shape == torch.Size([2, 4])

    assert rgbpose_head.fusion_weights == (0.5, 0.5)  # equal by default


def test_predict_keeps_branches_and_fuses_them():
    head = build(average_clips='prob')
    head.eval()
    with torch.no_grad():
        logits = head(features(batch=4))  # 2 samples x 2 clips
        preds = head.predict(features(batch=4), samples(0, 1))
    for index, pred in enumerate(preds):
        expected = {
            name: logits[name][2 * index:2 * index + 2].softmax(-1).mean(0)
            for name in ('rgb', 'pose')
        }
        for name, score in expected.items():
            torch.testing.assert_close(pred.pred_scores.get(name), score)
            assert pred.pred_labels.get(name).item() == score.argmax().item()
        fused = (expected['rgb'] + expected['pose']) / 2
        torch.testing.assert_close(pred.pred_scores.item, fused)
        assert pred.pred_labels.item.item() == fused.argmax().item()


def test_fusion_weights_steer_the_prediction():
    rgb_only = build(fusion_weights=(1., 0.), average_clips='prob')
    pose_heavy = build(fusion_weights=(1., 3.), average_clips='prob')
    pose_heavy.load_state_dict(rgb_only.state_dict())
    with torch.no_grad():
        first = rgb_only.predict(features(), samples(0, 1))
        second = pose_heavy.predict(features(), samples(0, 1))
    for pred in first:
        torch.testing.assert_close(pred.pred_scores.item,
                                   pred.pred_scores.rgb)
    for pred in second:
        torch.testing.assert_close(
            pred.pred_scores.item,
            0.25 * pred.pred_scores.rgb + 0.75 * pred.pred_scores.pose)


@pytest.mark.parametrize('average_clips', ['score', None])
def test_logits_fuse_as_log_of_the_probability_mean(average_clips):
    """With logits the fused item is log(w_rgb p_rgb + w_pose p_pose),
    centred: the recipe's probability fusion, which can rank otherwise than
    the mean of the logits, as logits that sum to 0."""
    head = build(fusion_weights=(1., 3.), average_clips=average_clips)
    rgb = torch.tensor([[6., 0., 0., 0.]])  # confident
    pose = torch.tensor([[0., 1.5, 0., 0.]])  # less so
    fused = head.fuse_scores(dict(rgb=rgb, pose=pose))
    mean_probability = 0.25 * rgb.softmax(-1) + 0.75 * pose.softmax(-1)
    torch.testing.assert_close(fused.softmax(-1), mean_probability)
    torch.testing.assert_close(fused.sum(), torch.tensor(0.))
    assert fused.argmax().item() == 1
    assert (0.25 * rgb + 0.75 * pose).argmax().item() == 0
    rgb_only = build(fusion_weights=(1., 0.), average_clips=average_clips)
    torch.testing.assert_close(
        rgb_only.fuse_scores(dict(rgb=rgb, pose=pose)), rgb - rgb.mean())


def test_loss_per_component():
    head = build(loss_components=['rgb', 'pose'], loss_weights=[1., 2.])
    feats = features()
    losses = head.loss(feats, samples(1, 3))
    assert {'rgb_loss_cls', 'pose_loss_cls', 'rgb_top1_acc',
            'pose_top1_acc'} <= set(losses)
    logits = head(feats)
    labels = torch.tensor([1, 3])
    torch.testing.assert_close(
        losses['pose_loss_cls'],
        2 * nn.functional.cross_entropy(logits['pose'], labels))
    (losses['rgb_loss_cls'] + losses['pose_loss_cls']).backward()
    assert head.fc_rgb.weight.grad.abs().sum() > 0
    assert head.fc_pose.weight.grad.abs().sum() > 0

    pose_only = build(loss_components=['pose'])
    assert not any(k.startswith('rgb') for k in pose_only.loss(
        feats, samples(1, 3)))


@pytest.mark.parametrize('cfg,message', [
    (dict(fusion_weights=(1., )), 'fusion_weights needs one'),
    (dict(fusion_weights=(1., -1.)), 'non-negative'),
    (dict(fusion_weights=(0., 0.)), 'positive sum'),
    (dict(loss_components=['rgb', 'depth']), r"unknown \['depth'\]"),
    (dict(in_channels=[32]), 'in_channels needs'),
])
def test_bad_arguments_fail_at_build(cfg, message):
    with pytest.raises(ValueError, match=message):
        build(**cfg)
