"""PoseHeatmapPreprocessor: heatmaps drawn in the model equal the pipeline."""
import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

import m2hen_mmaction  # noqa: F401  (registers our components)
from mmaction.registry import MODELS
from m2hen_mmaction.skeleton import get_layout

pytestmark = pytest.mark.usefixtures('mmaction_scope')

TOLERANCE = 1e-5
COCO = get_layout('coco17')

# A PoseC3D-style config: `heatmap_on_device` alone picks CPU or device.
CONFIG = """
heatmap_on_device = {on_device}
left_kp = {left_kp}
right_kp = {right_kp}
heatmap = dict(type='GeneratePoseHeatmap', sigma=0.6, with_kp=True,
               with_limb=False, layout='coco17', on_device=heatmap_on_device)
train_pipeline = [
    dict(type='UniformSampleFrames', clip_len=4),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
    dict(type='Resize', scale=(16, 16), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5, left_kp=left_kp, right_kp=right_kp),
    heatmap,
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='UniformSampleFrames', clip_len=4, num_clips=2, test_mode=True),
    dict(type='PoseDecode'),
    dict(type='PoseCompact', hw_ratio=None, allow_imgpad=True),
    dict(type='Resize', scale=(-1, 20)),
    dict(type='Flip', flip_ratio=1, left_kp=left_kp, right_kp=right_kp),
    dict(heatmap, double=True),
    dict(type='FormatShape', input_format='NCTHW_Heatmap'),
    dict(type='PackActionInputs')
]
model = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3dSlowOnly', depth=18, pretrained=None,
                  in_channels=17, base_channels=4, num_stages=2,
                  out_indices=(1, ), stage_blocks=(1, 1), conv1_stride_s=1,
                  pool1_stride_s=1, inflate=(0, 1), spatial_strides=(2, 2),
                  temporal_strides=(1, 1), dilations=(1, 1)),
    cls_head=dict(type='I3DHead', in_channels=8, num_classes=3,
                  average_clips='prob'),
    data_preprocessor=dict(type='PoseHeatmapPreprocessor', heatmap=heatmap,
                           format_shape='NCTHW'))
"""


def load_config(tmp_path, on_device):
    path = tmp_path / f'posec3d_on_device_{on_device}.py'
    path.write_text(CONFIG.format(on_device=on_device,
                                  left_kp=list(COCO.left_joints),
                                  right_kp=list(COCO.right_joints)))
    return Config.fromfile(str(path))


def pose_sample(num_persons, img_shape, seed, num_frames=10):
    """A PoseDataset annotation with moving COCO-17 skeletons."""
    rng = np.random.default_rng(seed)
    height, width = img_shape
    centre = rng.uniform(0.3, 0.7, (num_persons, 1, 1, 2)) * (width, height)
    spread = rng.uniform(5, 15, (num_persons, num_frames, 17, 2))
    keypoint = centre + spread * rng.uniform(-1, 1, spread.shape)
    score = rng.uniform(0.1, 1, (num_persons, num_frames, 17))
    return dict(keypoint=keypoint.astype(np.float32),
                keypoint_score=score.astype(np.float32), img_shape=img_shape,
                original_shape=img_shape, total_frames=num_frames,
                frame_dir=f'video_{seed}', label=seed % 3, start_index=0,
                modality='Pose')


SAMPLES = [pose_sample(1, (60, 80), 0), pose_sample(2, (70, 50), 1),
           pose_sample(1, (64, 64), 2)]


def run_pipeline(pipeline_cfg, samples=SAMPLES):
    pipeline = Compose(pipeline_cfg)
    return pseudo_collate([pipeline(copy.deepcopy(s)) for s in samples])


def test_config_flag_switches_to_identical_on_device_heatmaps(tmp_path):
    outputs = {}
    for on_device in (False, True):
        cfg = load_config(tmp_path, on_device)
        preprocessor = MODELS.build(cfg.model.data_preprocessor)
        assert preprocessor.draws == on_device
        data = run_pipeline(cfg.test_pipeline)
        if on_device:  # the pipeline packed keypoint records, not heatmaps
            assert data['inputs'][1].shape == (4, 2, 4, 17, 6)
        outputs[on_device] = preprocessor(data)['inputs']
    cpu, device = outputs[False], outputs[True]
    # 2 clips x (original + flipped) crops; canvases padded to the largest.
    assert device.shape == cpu.shape
    assert cpu.shape[:4] == (3, 4, 17, 4)
    assert len({tuple(x.shape) for x in data['inputs']}) > 1
    assert cpu.abs().sum() > 0
    assert (device - cpu).abs().max() <= TOLERANCE


def test_recognizer_trains_and_predicts_on_device_heatmaps(tmp_path):
    cfg = load_config(tmp_path, True)
    model = MODELS.build(cfg.model)
    data = model.data_preprocessor(run_pipeline(cfg.train_pipeline), True)
    assert data['inputs'].shape == (3, 1, 17, 4, 16, 16)
    losses = model(**data, mode='loss')
    losses['loss_cls'].backward()
    assert torch.isfinite(losses['loss_cls'])
    assert model.backbone.conv1.conv.weight.grad.abs().sum() > 0
    data = model.data_preprocessor(run_pipeline(cfg.test_pipeline))
    with torch.no_grad():
        predictions = model(**data, mode='predict')
    assert len(predictions) == 3
    assert predictions[0].pred_scores.item.shape == (3, )


def rgbpose_sample(seed, on_device):
    """What MMUniformSampleFrames + MMDecode + Resize leave for RGB+pose."""
    sample = pose_sample(2, (64, 48), seed, num_frames=4)
    rng = np.random.default_rng(seed)
    sample.update(imgs=list(rng.integers(0, 255, (2, 64, 48, 3), np.uint8)),
                  num_clips=1, clip_len=dict(RGB=2, Pose=4))
    pipeline = Compose([
        dict(type='GeneratePoseHeatmap', layout='coco17', sigma=0.7,
             scaling=0.25, on_device=on_device),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs', collect_keys=('imgs', 'heatmap_imgs'))
    ])
    return pipeline(sample)


RGB = dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
           std=[58.395, 57.12, 57.375], format_shape='NCTHW')


@pytest.mark.parametrize('style', ['sub_preprocessor', 'multimodal'])
def test_rgbpose_matches_multimodal_preprocessor(style):
    heatmap = dict(layout='coco17', sigma=0.7, scaling=0.25, on_device=True)
    cpu = MODELS.build(dict(
        type='MultiModalDataPreprocessor',
        preprocessors=dict(imgs=RGB, heatmap_imgs=dict(
            type='ActionDataPreprocessor'))))
    if style == 'sub_preprocessor':
        device = MODELS.build(dict(
            type='MultiModalDataPreprocessor',
            preprocessors=dict(imgs=RGB, heatmap_imgs=dict(
                type='PoseHeatmapPreprocessor', heatmap=heatmap))))
    else:
        device = MODELS.build(dict(
            type='PoseHeatmapPreprocessor', heatmap=heatmap,
            preprocessors=dict(imgs=RGB, heatmap_imgs=dict(
                type='ActionDataPreprocessor'))))
    expected = cpu(pseudo_collate(
        [rgbpose_sample(seed, False) for seed in range(2)]))['inputs']
    got = device(pseudo_collate(
        [rgbpose_sample(seed, True) for seed in range(2)]))['inputs']
    assert got['heatmap_imgs'].shape == (2, 1, 17, 4, 16, 12)
    assert expected['heatmap_imgs'].abs().sum() > 0
    assert (got['heatmap_imgs'] -
            expected['heatmap_imgs']).abs().max() <= TOLERANCE
    assert torch.equal(got['imgs'], expected['imgs'])


def test_heatmaps_given_when_records_expected_is_a_clear_error(tmp_path):
    data = run_pipeline(load_config(tmp_path, False).test_pipeline)
    preprocessor = MODELS.build(dict(
        type='PoseHeatmapPreprocessor', heatmap=dict(on_device=True)))
    with pytest.raises(ValueError, match='expects keypoint records'):
        preprocessor(data)


def test_records_of_different_length_are_a_clear_error(tmp_path):
    data = run_pipeline(load_config(tmp_path, True).test_pipeline)
    data['inputs'][0] = data['inputs'][0][:, :, :3]
    preprocessor = MODELS.build(dict(
        type='PoseHeatmapPreprocessor', heatmap=dict(on_device=True)))
    with pytest.raises(ValueError, match='same clips, T and V'):
        preprocessor(data)


def test_bad_arguments():
    with pytest.raises(ValueError, match='inside `preprocessors`'):
        MODELS.build(dict(type='PoseHeatmapPreprocessor', mean=[0], std=[1],
                          preprocessors=dict(imgs=RGB)))
    with pytest.raises(TypeError, match='must configure GeneratePoseHeatmap'):
        MODELS.build(dict(type='PoseHeatmapPreprocessor',
                          heatmap=dict(type='GeneratePoseTarget')))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_heatmaps_match_cpu_transform(tmp_path):
    expected = MODELS.build(load_config(
        tmp_path, False).model.data_preprocessor)(
            run_pipeline(load_config(tmp_path, False).test_pipeline))['inputs']
    cfg = load_config(tmp_path, True)
    preprocessor = MODELS.build(cfg.model.data_preprocessor).cuda()
    got = preprocessor(run_pipeline(cfg.test_pipeline))['inputs']
    assert got.is_cuda
    assert (got.cpu() - expected).abs().max() <= TOLERANCE
