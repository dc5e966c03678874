"""The shipped iMiGUE configs switch between CPU heatmaps and heatmaps drawn
by the model's data preprocessor with one flag, `heatmap_on_device`, and the
model sees the same input either way."""
import os.path as osp
import shutil

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from mmaction.registry import DATASETS, MODELS

from conftest import REPO

pytestmark = pytest.mark.usefixtures('mmaction_scope')

CASES = {
    'pose': ('posec3d/posec3d_resnet3d-slowonly-r50_8xb16-u32-180e_imigue-pose'
             '.py', 'imigue_pose.py'),
    'rgbpose': ('m3cn/m3cn_res2net3d-r50_8xb6-u8u32-20e_imigue-rgbpose.py',
                'imigue_rgbpose.py'),
}


def _model_inputs(configs, relative, ann_file, on_device):
    dataset_base = osp.join(configs, '_base_', 'datasets',
                            CASES[relative][1])
    text = open(dataset_base).read()
    flag = 'heatmap_on_device = False'
    assert flag in text
    with open(dataset_base, 'w') as f:
        f.write(text.replace(flag, f'heatmap_on_device = {on_device}'))
    cfg = Config.fromfile(osp.join(configs, CASES[relative][0]))
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.ann_file = ann_file
    if 'data_prefix' in dataset_cfg:
        dataset_cfg.data_prefix = dict(
            video=osp.join(osp.dirname(ann_file), 'videos'))
    for transform in dataset_cfg.pipeline:
        if transform['type'].endswith('SampleFrames'):
            transform['num_clips'] = 2
    dataset = DATASETS.build(dataset_cfg)
    batch = pseudo_collate([dataset[0], dataset[1]])
    preprocessor = MODELS.build(cfg.model).data_preprocessor
    return preprocessor(batch, training=False)['inputs']


@pytest.mark.parametrize('relative', sorted(CASES))
def test_one_flag_moves_heatmaps_to_the_model(relative, small_migsynth,
                                              tmp_path):
    configs = str(tmp_path / 'configs')
    shutil.copytree(osp.join(REPO, 'configs'), configs)
    on_cpu = _model_inputs(configs, relative, small_migsynth, False)
    on_device = _model_inputs(configs, relative, small_migsynth, True)
    if relative == 'pose':
        on_cpu, on_device = dict(x=on_cpu), dict(x=on_device)
    assert on_cpu.keys() == on_device.keys()
    for key in on_cpu:
        assert on_cpu[key].shape == on_device[key].shape
        torch.testing.assert_close(on_cpu[key], on_device[key], atol=1e-5,
                                   rtol=0)
    heatmaps = on_cpu['x' if relative == 'pose' else 'heatmap_imgs']
    assert heatmaps.shape[-4] == 137 and heatmaps.amax() > 0.5
