"""Every shipped config loads, builds its model and its pipelines through the
MMAction2 registries, and each M3CN config is its PoseC3D twin with only
`type=` swapped."""
import glob
import os.path as osp

import mmengine
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose

from mmaction.registry import DATASETS, MODELS

from m2hen_mmaction.skeleton import get_layout

from conftest import REPO

pytestmark = pytest.mark.usefixtures('mmaction_scope')

CONFIGS = sorted(
    osp.relpath(path, osp.join(REPO, 'configs'))
    for path in glob.glob(osp.join(REPO, 'configs', '*', '*.py'))
    if '/_base_/' not in path and '/experiments/' not in path)
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def test_every_family_ships_configs():
    families = {path.split('/')[0] for path in CONFIGS}
    assert families == {'posec3d', 'm3cn', 'ehct', 'stgcn', 'hyperformer',
                        'tsn', 'trn', 'tsm'}
    assert sum('_smoke' in path for path in CONFIGS) >= 5


@pytest.mark.parametrize('relative', CONFIGS)
def test_config_builds_model_and_pipelines(relative):
    cfg = Config.fromfile(osp.join(REPO, 'configs', relative))
    assert cfg.custom_imports.imports == ['m2hen_mmaction']
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    num_classes = 32 if 'imigue' in relative else 16
    assert cfg.model.cls_head.num_classes == num_classes
    for loader in LOADERS:
        dataset = cfg[loader].dataset
        while 'dataset' in dataset:  # RepeatDataset, ClassBalancedDataset
            dataset = dataset.dataset
        assert dataset.type == 'MicroGesturePoseDataset'
        assert dataset.layout in ('openpose137', 'openpose22')
        Compose(dataset.pipeline)
        if any(t['type'] == 'GeneratePoseHeatmap' for t in dataset.pipeline):
            # The pipeline draws one heatmap per joint of the dataset's
            # layout: the pose network must take that many channels.
            backbone = cfg.model.backbone
            pose = backbone.get('pose_pathway', backbone)
            assert pose.in_channels == get_layout(dataset.layout).num_joints
    samplers = [t for t in cfg.test_dataloader.dataset.pipeline
                if t['type'].endswith('SampleFrames')]
    if samplers[0].get('clip_len') == 1:  # TSN/TRN/TSM: >= 8 segments
        assert samplers[0]['num_clips'] >= 8
    else:
        assert [t['num_clips'] for t in samplers] == [10]  # 10-clip test


@pytest.mark.parametrize('relative', [c for c in CONFIGS if c.startswith('m3cn')])
def test_m3cn_configs_swap_only_types(relative):
    """M3CN = the PoseC3D config with Res2Net3D types (+ scale/base_width and
    the fusion head); everything else identical."""
    ours = Config.fromfile(osp.join(REPO, 'configs', relative))
    twin = ours._cfg_dict.to_dict()
    base = Config.fromfile(osp.join(
        REPO, 'configs', relative.replace('m3cn/m3cn_res2net3d-r50',
                                          'posec3d/posec3d_rgbposeconv3d-r50')
        .replace('m3cn/m3cn_rgbpose-res2net3d-r50',
                 'posec3d/posec3d_rgbposeconv3d-r50')
        .replace('m3cn/m3cn_res2net3d-slowonly', 'posec3d/posec3d_resnet3d-'
                 'slowonly')))._cfg_dict.to_dict()
    for cfg in (twin, base):
        backbone = cfg['model']['backbone']
        for key in ('type', 'scale', 'base_width'):
            backbone.pop(key, None)
        cfg['model']['cls_head'].pop('type')
        cfg['model']['cls_head'].pop('fusion_weights', None)
    assert twin['model'] == base['model']
    for loader in LOADERS:
        assert twin[loader] == base[loader]


def _openpose22_pickle(folder) -> str:
    rng = np.random.default_rng(0)
    annotations = [dict(
        frame_dir=f's1_{i}', label=i, img_shape=(120, 160),
        original_shape=(120, 160), total_frames=40,
        keypoint=rng.uniform(20, 100, (1, 40, 22, 2)).astype(np.float32),
        keypoint_score=np.ones((1, 40, 22), np.float32)) for i in range(2)]
    path = osp.join(folder, 'imigue_openpose22.pkl')
    mmengine.dump(dict(split=dict(train=['s1_0'], val=['s1_1']),
                       annotations=annotations), path)
    return path


@pytest.mark.parametrize('relative', [
    'posec3d/posec3d_resnet3d-slowonly-r50_8xb16-u32-180e_imigue22-pose.py',
    'm3cn/m3cn_res2net3d-slowonly-r50_8xb16-u32-180e_imigue22-pose.py'])
def test_imigue22_pose_configs_draw_and_take_22_heatmaps(relative, tmp_path):
    """The 137-joint recipe with the datasets' layout swapped: the shared
    pipeline (flip included) follows it, the network takes its output."""
    cfg = Config.fromfile(osp.join(REPO, 'configs', relative))
    ann_file = _openpose22_pickle(str(tmp_path))
    shapes = {}
    for loader, stage in (('train_dataloader', 'train'),
                          ('val_dataloader', 'val')):
        dataset = cfg[loader].dataset
        dataset.get('dataset', dataset).ann_file = ann_file
        sample = DATASETS.build(dataset)[0]
        shapes[stage] = tuple(sample['inputs'].shape)
    assert shapes == dict(train=(1, 22, 32, 56, 56), val=(1, 22, 32, 64, 64))
    model = MODELS.build(cfg.model).eval()
    with torch.no_grad():
        scores = model.test_step(dict(inputs=[sample['inputs']],
                                      data_samples=[sample['data_samples']]))
    assert scores[0].pred_scores.item.shape == (32, )
