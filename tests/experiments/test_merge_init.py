"""`m2hen merge-init` builds PoseC3D's RGB+pose init from an RGB-only and a
pose-only checkpoint (MMAction2's merge_pretrain.ipynb) for RGBPoseConv3D and
RGBPoseRes2Net3d; inputs that cannot make it stop with one line."""
import os
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from m2hen_mmaction.cli import main
from m2hen_mmaction.compat import safe_load_checkpoint
from m2hen_mmaction.experiments.merge_init import (build_target,
                                                   merge_checkpoints)
from mmaction.registry import MODELS

from conftest import config_path

pytestmark = pytest.mark.usefixtures('mmaction_scope')

SMOKE = {
    'posec3d': dict(
        rgb='posec3d/posec3d_resnet3d-slowonly-tiny_1xb16-u4-12e_migsynth-'
        'rgb_smoke.py',
        pose='posec3d/posec3d_resnet3d-slowonly-tiny_1xb16-u16-12e_migsynth-'
        'pose_smoke.py',
        rgbpose='posec3d/posec3d_rgbposeconv3d-tiny_1xb16-u4u16-12e_migsynth-'
        'rgbpose_smoke.py'),
    'm3cn': dict(
        rgb='m3cn/m3cn_res2net3d-slowonly-tiny_1xb16-u4-12e_migsynth-'
        'rgb_smoke.py',
        pose='m3cn/m3cn_res2net3d-slowonly-tiny_1xb16-u16-12e_migsynth-'
        'pose_smoke.py',
        rgbpose='m3cn/m3cn_rgbpose-res2net3d-tiny_1xb16-u4u16-12e_migsynth-'
        'rgbpose_smoke.py'),
}
# What merge_pretrain.ipynb pads: the first conv and downsample of RGB
# layer3/4 and pose layer2/3, which take the lateral features too.
PADDED = {
    f'backbone.{path}.layer{stage}.0.{conv}.conv.weight'
    for path, stages in (('rgb_path', (3, 4)), ('pose_path', (2, 3)))
    for stage in stages for conv in ('conv1', 'downsample')
}


def _model(relative: str, **backbone) -> torch.nn.Module:
    cfg = Config.fromfile(config_path(relative))
    cfg.model.backbone.update(backbone)
    return MODELS.build(cfg.model)


def _checkpoint(relative: str, path: str, seed: int, **backbone) -> dict:
    """Save a model whose every tensor holds distinct values (BN statistics
    and counters included), as a trained checkpoint would."""
    torch.manual_seed(seed)
    state = _model(relative, **backbone).state_dict()
    with torch.no_grad():
        for index, value in enumerate(state.values()):
            if value.is_floating_point():
                value.uniform_(-1, 1)
            else:
                value.fill_(seed * 1000 + index)
    torch.save({'state_dict': state}, path)
    return state


def _source_of(key: str):
    """(modality, key) the notebook maps ``key`` from."""
    for modality in ('rgb', 'pose'):
        for ours, theirs in ((f'backbone.{modality}_path.', 'backbone.'),
                             (f'cls_head.fc_{modality}.', 'cls_head.fc_cls.')):
            if key.startswith(ours):
                return modality, theirs + key[len(ours):]
    raise AssertionError(f'{key} has no source')


def _clean_env() -> dict:
    keep = ('PATH', 'HOME', 'LANG', 'TMPDIR')
    return dict({k: os.environ[k] for k in keep if k in os.environ},
                OMP_NUM_THREADS='1')


def _console_script(args, cwd) -> str:
    """Run the installed ``m2hen`` with a clean environment."""
    m2hen = osp.join(osp.dirname(sys.executable), 'm2hen')
    done = subprocess.run([m2hen, *args], cwd=cwd, env=_clean_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _in_process(args, cwd, capsys) -> str:
    assert main(args) == 0
    return capsys.readouterr().out


# One family through the console script (a fresh interpreter: no state of
# this session helps it), the other through main() to keep the suite fast.
@pytest.mark.parametrize('family, console', [('m3cn', True),
                                             ('posec3d', False)])
def test_merge_init_command_fills_both_pathways(family, console, tmp_path,
                                                capsys):
    configs = SMOKE[family]
    paths = {m: str(tmp_path / f'{m}.pth') for m in ('rgb', 'pose')}
    sources = {m: _checkpoint(configs[m], paths[m], seed)
               for seed, m in enumerate(('rgb', 'pose'), 1)}
    out = str(tmp_path / 'init' / 'merged.pth')
    args = ['merge-init', paths['rgb'], paths['pose'], out, '--config',
            config_path(configs['rgbpose'])]
    stdout = (_console_script(args, tmp_path) if console else
              _in_process(args, tmp_path, capsys))
    assert f'Wrote {out}' in stdout

    merged = safe_load_checkpoint(out)['state_dict']  # the safe loader
    model = _model(configs['rgbpose'])
    missing, unexpected = model.load_state_dict(merged, strict=False)
    assert unexpected == []
    # Only the laterals keep the model's init, as in the notebook.
    left = set(model.state_dict()) - set(merged)
    assert left and all(re.search(r'\.layer\d_lateral\.', key)
                        for key in left)
    assert set(missing) <= left
    padded = set()
    for key, value in merged.items():
        modality, name = _source_of(key)
        source = sources[modality].pop(name)
        if value.shape != source.shape:
            padded.add(key)
            width = source.shape[1]
            assert torch.equal(value[:, :width], source)
            assert not value[:, width:].any()
        else:
            assert torch.equal(value, source), key
    assert padded == PADDED
    assert sources == {'rgb': {}, 'pose': {}}  # every source tensor used


def _merge_error(capsys, *args: str) -> str:
    """The one line ``m2hen merge-init`` prints for bad input (exit 2)."""
    assert main(['merge-init', *args]) == 2
    printed = capsys.readouterr()
    assert printed.out == ''
    lines = printed.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('m2hen merge-init: error:')
    return lines[0]


def test_bad_inputs_stop_with_one_line(tmp_path, capsys):
    configs = SMOKE['m3cn']
    rgbpose = config_path(configs['rgbpose'])
    rgb, pose = str(tmp_path / 'rgb.pth'), str(tmp_path / 'pose.pth')
    _checkpoint(configs['rgb'], rgb, 1)
    _checkpoint(configs['pose'], pose, 2)
    out = str(tmp_path / 'out.pth')

    assert 'swapped' in _merge_error(capsys, pose, rgb, out, '--config',
                                     rgbpose)
    wide = str(tmp_path / 'wide_pose.pth')
    _checkpoint(configs['pose'], wide, 3, base_channels=8)
    message = _merge_error(capsys, rgb, wide, out, '--config', rgbpose)
    assert wide in message and 'needs' in message
    whole = str(tmp_path / 'rgbpose.pth')
    _checkpoint(configs['rgbpose'], whole, 4)
    assert 'is an RGB+pose checkpoint' in _merge_error(
        capsys, whole, pose, out, '--config', rgbpose)
    assert 'can not be found' in _merge_error(
        capsys, rgb, str(tmp_path / 'missing.pth'), out, '--config', rgbpose)
    assert 'not a two-pathway' in _merge_error(
        capsys, rgb, pose, out, '--config', config_path(configs['pose']))
    assert not osp.exists(out)


IMIGUE = {
    'posec3d': ('posec3d/posec3d_resnet3d-slowonly-r50_8xb12-u8-180e_imigue-'
                'rgb.py', 'posec3d/posec3d_resnet3d-slowonly-r50_8xb16-u32-'
                '180e_imigue-pose.py', 'posec3d/posec3d_rgbposeconv3d-r50_'
                '8xb6-u8u32-20e_imigue-rgbpose.py'),
    'm3cn': ('m3cn/m3cn_res2net3d-slowonly-r50_8xb12-u8-180e_imigue-rgb.py',
             'm3cn/m3cn_res2net3d-slowonly-r50_8xb16-u32-180e_imigue-pose.py',
             'm3cn/m3cn_res2net3d-r50_8xb6-u8u32-20e_imigue-rgbpose.py'),
}


@pytest.mark.parametrize('family', sorted(IMIGUE))
def test_imigue_stages_fit_their_rgbpose_network(family):
    """The iMiGUE RGB-only and pose-only networks are the two pathways of
    the RGB+pose config (checked on the meta device: shapes only)."""
    rgb, pose, rgbpose = (config_path(c) for c in IMIGUE[family])
    with torch.device('meta'):
        weights = {m: _model(c).state_dict() for m, c in (('rgb', rgb),
                                                           ('pose', pose))}
    model = build_target(rgbpose)
    merged = merge_checkpoints(model, weights, {'rgb': rgb, 'pose': pose},
                               rgbpose)
    assert set(merged.zero_padded) == PADDED
    assert len(merged.left_at_init) == 14  # 4 lateral convs, 2 with BN
    assert len(merged.state_dict) + 14 == len(model.state_dict())


def _val_dataset(relative: str, data_root: str):
    from m2hen_mmaction.experiments.experiment import point_config_at_data
    from mmaction.registry import DATASETS
    cfg = Config.fromfile(config_path(relative))
    point_config_at_data(cfg, data_root)
    return DATASETS.build(cfg.val_dataloader.dataset)


@pytest.mark.parametrize('init', ['posec3d_init', 'm3cn_init'])
def test_demo_merge_sees_what_its_halves_saw(init, small_migsynth):
    """Each pathway of the demo's RGB+pose networks gets exactly the input
    its single-modality init was trained on (val pipelines), so the merged
    network starts at its two halves (a heatmap sigma of 0.7 against the
    pose-only models' 0.6 cost the merged pose head 4 points on val)."""
    experiment = Config.fromfile(
        config_path('experiments/table1_migsynth.py'))
    merge = experiment.models[init]
    merged = _val_dataset(merge.config, small_migsynth)
    halves = {key: _val_dataset(experiment.models[half].config,
                                small_migsynth)
              for key, half in zip(('imgs', 'heatmap_imgs'), merge.inputs)}
    for index in range(2):
        inputs = merged[index]['inputs']
        for key, half in halves.items():
            single = half[index]['inputs']
            assert single.shape == inputs[key].shape, (key, index)
            assert torch.equal(single, inputs[key]), (key, index)
