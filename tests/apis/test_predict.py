"""`m2hen predict` on a MiG-Synth video with pose-only, RGB+pose and EHCT
configs (skeletons from the dataset's pickle: MediaPipe is optional)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from m2hen_mmaction.cli import main
from m2hen_mmaction.apis.predict import load_skeletons, predict
from mmaction.registry import MODELS

from conftest import config_path

SMOKE = {
    'pose': 'posec3d/posec3d_resnet3d-slowonly-tiny_1xb16-u16-12e_migsynth-'
            'pose_smoke.py',
    'rgbpose': 'm3cn/m3cn_rgbpose-res2net3d-tiny_1xb16-u4u16-12e_migsynth-'
               'rgbpose_smoke.py',
    'ehct': 'ehct/ehct_hypergraph-transformer-tiny_1xb16-u16-12e_migsynth-'
            'skeleton_smoke.py',
}


def _checkpoint(relative, tmp_path):
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(Config.fromfile(config_path(relative)).model)
    path = str(tmp_path / 'weights.pth')
    torch.save({'state_dict': model.state_dict(),
                'meta': {'dataset_meta': {'classes': [f'c{k}' for k in
                                                      range(16)]}}}, path)
    return path


@pytest.mark.parametrize('family', sorted(SMOKE))
def test_predict_top5(family, small_migsynth, tmp_path):
    sample = load_skeletons(small_migsynth)
    video = osp.join(osp.dirname(small_migsynth), 'videos',
                     sample['frame_dir'] + '.mp4')
    top5 = predict(video, config_path(SMOKE[family]),
                   _checkpoint(SMOKE[family], tmp_path), sample)
    assert len(top5) == 5
    scores = [score for _, score in top5]
    assert scores == sorted(scores, reverse=True)
    assert 0 < sum(scores) <= 1 + 1e-5
    assert all(name.startswith('c') for name, _ in top5)


def test_predict_command_and_errors(small_migsynth, tmp_path, capsys):
    sample = load_skeletons(small_migsynth)
    video = osp.join(osp.dirname(small_migsynth), 'videos',
                     sample['frame_dir'] + '.mp4')
    weights = _checkpoint(SMOKE['pose'], tmp_path)
    assert main(['predict', video, '--config', config_path(SMOKE['pose']),
                 '--checkpoint', weights, '--skeletons', small_migsynth,
                 '--sample', sample['frame_dir'], '--topk', '3']) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith('1. c')
    with pytest.raises(FileNotFoundError, match='missing.mp4'):
        predict(str(tmp_path / 'missing.mp4'), config_path(SMOKE['pose']),
                weights, sample)
    with pytest.raises(KeyError, match="No sample 'nope'"):
        load_skeletons(small_migsynth, 'nope')
