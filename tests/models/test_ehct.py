"""EHCT recognizer + EHCTHead: configs, losses, multi-clip prediction,
MMAction2 pipelines and AccMetric, bad input."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import METRICS, MODELS, TRANSFORMS
from mmaction.structures import ActionDataSample
from mmcv.transforms import Compose
from mmengine import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import OptimWrapper
from mmengine.registry import init_default_scope

import m2hen_mmaction  # noqa: F401  (registers our models)
from m2hen_mmaction.datasets.transforms.joint_to_bone_layout import \
    bone_parents
from m2hen_mmaction.skeleton import get_layout


@pytest.fixture(autouse=True, scope='module')
def mmaction_scope():
    """Builds resolve in MMAction2's registries (no session-wide scope)."""
    init_default_scope('mmaction')


CONFIGS = osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_',
                   'models')
NUM_CLASSES = 6

pytestmark = pytest.mark.usefixtures('mmaction_scope')


def small_model_cfg(layout='coco17', **head):
    """EHCT with a 3-block backbone; aux on block 2 (16 channels)."""
    head_cfg = dict(type='EHCTHead', num_classes=NUM_CLASSES, in_channels=16,
                    aux_in_channels=16)
    head_cfg.update(head)
    return dict(
        type='EHCT',
        backbone=dict(type='HypergraphTransformer', layout=layout,
                      base_channels=8, num_stages=3, inflate_stages=(2, ),
                      down_stages=(3, ), num_heads=2, num_person=1,
                      out_indices=(1, 2)),
        cls_head=head_cfg)


def build_small(**head):
    torch.manual_seed(0)
    return MODELS.build(small_model_cfg(**head))


def samples(labels, **metainfo):
    return [ActionDataSample(metainfo=metainfo).set_gt_labels(label)
            for label in labels]


def inputs(batch=2, clips=1, joints=17, frames=8, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, clips, 1, frames, joints, 3,
                       generator=generator)


@pytest.mark.parametrize('name, joints, persons', [
    ('ehct_openpose137.py', 137, 1),
    ('ehct_openpose22.py', 22, 1),
    ('ehct_coco17.py', 17, 2),
])
def test_base_configs_build_and_train(name, joints, persons):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    assert cfg.model.cls_head.num_classes == 32  # iMiGUE by default
    model = MODELS.build(cfg.model)
    assert model.backbone.layout.num_joints == joints
    x = torch.randn(2, 1, persons, 8, joints, 3)
    losses = model(x, samples([0, 3]), mode='loss')
    total = losses['loss_cls'] + losses['aux_loss_cls']
    total.backward()
    assert torch.isfinite(total)
    assert model.cls_head.aux_classifier.fc.weight.grad.abs().sum() > 0


def test_loss_weights_scale_each_classifier_cross_entropy():
    model = build_small(loss_weights=(1.0, 0.25))
    x, labels = inputs(), torch.tensor([1, 4])
    logits = model(x, mode='tensor', stage='head')
    losses = model(x, samples(labels.tolist()), mode='loss')
    torch.testing.assert_close(losses['loss_cls'],
                               F.cross_entropy(logits['main'], labels))
    torch.testing.assert_close(losses['aux_loss_cls'],
                               0.25 * F.cross_entropy(logits['aux'], labels))
    assert {'top1_acc', 'top5_acc', 'aux_top1_acc'} <= set(losses)


def test_aux_classifier_reads_the_intermediate_block():
    model = build_small()
    aux_feat, main_feat = model(inputs(), mode='tensor')
    assert aux_feat.shape == (2, 1, 16, 8, 17)  # block 2: before the stride
    assert main_feat.shape == (2, 1, 16, 4, 17)


@pytest.mark.parametrize('average_clips', ['prob', 'score'])
def test_predict_fuses_weighted_logits_and_averages_clips(average_clips):
    model = build_small(score_weights=(1.0, 0.5),
                        average_clips=average_clips).eval()
    x = inputs(batch=2, clips=3)
    with torch.no_grad():
        logits = model(x, mode='tensor', stage='head')
        predictions = model(x, samples([0, 1]), mode='predict')
    fused = (logits['main'] + 0.5 * logits['aux']).view(2, 3, NUM_CLASSES)
    expected = fused.softmax(-1) if average_clips == 'prob' else fused
    for prediction, scores in zip(predictions, expected.mean(1)):
        torch.testing.assert_close(prediction.pred_scores.item, scores)
        assert prediction.pred_labels.item.item() == scores.argmax().item()


def load_pipeline(name, clip_len=8, num_person=1):
    cfg = Config.fromfile(osp.join(CONFIGS, 'ehct_pipelines.py'))
    pipeline = copy.deepcopy(cfg[name])
    for step in pipeline:
        if step['type'] == 'UniformSampleFrames':
            step['clip_len'] = clip_len
        if step['type'] == 'FormatGCNInput':
            step['num_person'] = num_person
    return Compose([TRANSFORMS.build(step) for step in pipeline])


def openpose_annotation(frames=8, seed=0):
    rng = np.random.default_rng(seed)
    keypoint = rng.uniform(0, 1, (1, frames, 137, 2)) * [640, 480]
    score = rng.uniform(0, 1, (1, frames, 137))
    return dict(frame_dir='subject01_clip03', label=2, img_shape=(480, 640),
                original_shape=(480, 640), total_frames=frames, start_index=0,
                modality='Pose', keypoint=keypoint.astype(np.float32),
                keypoint_score=score.astype(np.float32))


def test_joint_pipeline_packs_x_y_score_for_the_model():
    annotation = openpose_annotation()
    packed = load_pipeline('ehct_joint_val_pipeline')(
        copy.deepcopy(annotation))
    skeleton = packed['inputs'].numpy()
    assert skeleton.shape == (1, 1, 8, 137, 3)  # clips, M, T, V, C
    expected_xy = annotation['keypoint'] / [320, 240] - 1
    np.testing.assert_allclose(skeleton[0, ..., :2], expected_xy, atol=1e-6)
    np.testing.assert_allclose(skeleton[0, ..., 2],
                               annotation['keypoint_score'])
    assert packed['data_samples'].metainfo['frame_dir'] == 'subject01_clip03'


def test_bone_pipeline_uses_the_layout_limbs():
    annotation = openpose_annotation()
    joint = load_pipeline('ehct_joint_val_pipeline')(
        copy.deepcopy(annotation))['inputs'][0].numpy()
    bone = load_pipeline('ehct_bone_val_pipeline')(
        copy.deepcopy(annotation))['inputs'][0].numpy()
    parents = bone_parents(get_layout('openpose137'))
    np.testing.assert_allclose(bone[..., :2],
                               joint[..., :2] - joint[..., parents, :2],
                               atol=1e-6)
    np.testing.assert_allclose(
        bone[..., 2], (joint[..., 2] + joint[..., parents, 2]) / 2)


def test_pipeline_to_model_to_acc_metric():
    model = MODELS.build(small_model_cfg(layout='openpose137'))
    train = load_pipeline('ehct_bone_train_pipeline')
    test = load_pipeline('ehct_joint_test_pipeline')
    annotations = [openpose_annotation(frames=20, seed=s) for s in range(2)]
    batch = pseudo_collate([train(copy.deepcopy(a)) for a in annotations])
    optim_wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    losses = model.train_step(batch, optim_wrapper=optim_wrapper)
    assert torch.isfinite(losses['loss'])
    batch = pseudo_collate([test(copy.deepcopy(a)) for a in annotations])
    assert batch['inputs'][0].shape == (10, 1, 8, 137, 3)  # 10 test clips
    with torch.no_grad():  # as mmengine's TestLoop
        predictions = model.test_step(batch)
    metric = METRICS.build(dict(type='AccMetric'))
    metric.process(batch, [p.to_dict() for p in predictions])
    results = metric.evaluate(size=2)
    assert 0 <= results['acc/top1'] <= 1
    assert predictions[0].pred_scores.item.shape == (NUM_CLASSES, )


def test_nan_input_error_names_the_sample():
    x = inputs(batch=2)
    x[1, 0, 0, 3, 2, 0] = float('nan')
    data_samples = [
        ActionDataSample(metainfo=dict(frame_dir=name)).set_gt_labels(0)
        for name in ('clip_a', 'clip_b')
    ]
    with pytest.raises(ValueError, match="Samples 'clip_b' hold NaN"):
        build_small()(x, data_samples, mode='loss')
    with pytest.raises(ValueError, match='Samples #1 of the batch hold NaN'):
        build_small()(x, mode='tensor')


def test_finite_scan_runs_once_per_step_in_the_recognizer():
    """EHCT scans its 6-D input once (one host sync); its backbone skips
    the same scan, which still guards the backbone built on its own."""
    model = build_small()
    assert model.backbone.check_finite is False
    x = inputs(batch=2)
    x[0, 0, 0, 1, 4, 2] = float('inf')
    with pytest.raises(ValueError, match='Samples #0 of the batch hold NaN'):
        model(x, mode='tensor')
    backbone = MODELS.build(small_model_cfg()['backbone'])
    assert backbone.check_finite
    with pytest.raises(ValueError, match=r'Samples \[0\] of the batch'):
        backbone(x[:, 0])


def test_five_dim_input_asks_for_gcn_formatting():
    with pytest.raises(ValueError, match='FormatGCNInput'):
        build_small()(inputs()[:, 0], mode='tensor')


def test_head_without_two_feature_maps_is_rejected_at_build():
    cfg = small_model_cfg()
    cfg['backbone']['out_indices'] = (-1, )
    with pytest.raises(ValueError, match='two blocks'):
        MODELS.build(cfg)


def test_head_given_one_tensor_says_how_to_configure_the_backbone():
    head = MODELS.build(dict(type='EHCTHead', num_classes=3, in_channels=4))
    with pytest.raises(ValueError, match='out_indices'):
        head(torch.randn(1, 1, 4, 2, 17))


def test_head_weights_must_be_pairs():
    with pytest.raises(ValueError, match='loss_weights must be'):
        MODELS.build(dict(type='EHCTHead', num_classes=3, in_channels=4,
                          loss_weights=(1.0, 0.5, 0.5)))
