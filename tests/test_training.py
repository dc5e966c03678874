"""End to end through mmengine's Runner and `mim`: train, resume, load_from,
test, on a small MiG-Synth build with the CPU smoke configs."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.runner import Runner

from m2hen_mmaction.compat import safe_load_checkpoint

POSE_SMOKE = 'posec3d/posec3d_resnet3d-slowonly-tiny_1xb16-u16-12e_migsynth-pose_smoke.py'
ITER_LOOP = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
ITER_CHECKPOINT = dict(by_epoch=False, interval=2, save_best=None)


def _iter_cfg(load_cfg, max_iters, **options):
    cfg = load_cfg(POSE_SMOKE, **options)
    cfg.train_cfg = dict(ITER_LOOP, max_iters=max_iters)
    cfg.default_hooks.checkpoint.update(ITER_CHECKPOINT)
    cfg.log_processor = dict(by_epoch=False)
    return cfg


def test_train_resume_and_load_from_through_the_runner(load_cfg):
    runner = Runner.from_cfg(_iter_cfg(load_cfg, 2))
    runner.train()
    work_dir = runner.work_dir
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    saved = safe_load_checkpoint(checkpoint)  # weights_only=True succeeds
    assert saved['meta']['iter'] == 2
    history = saved['message_hub']['log_scalars']['train/loss']
    assert len(history.data[0]) == 2

    resumed = Runner.from_cfg(_iter_cfg(load_cfg, 4, resume=True))
    resumed.train()
    assert resumed.iter == 4
    # The loss history of iterations 1-2 came back with the checkpoint.
    assert len(resumed.message_hub.get_scalar('train/loss').data[0]) == 4
    assert osp.isfile(osp.join(work_dir, 'iter_4.pth'))

    fresh = Runner.from_cfg(_iter_cfg(load_cfg, 2, load_from=checkpoint))
    fresh.load_or_resume()
    assert fresh.iter == 0
    expected = saved['state_dict']
    for name, value in fresh.model.state_dict().items():
        torch.testing.assert_close(value, expected[name])


def _mim(*args, cwd):
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    result = subprocess.run([mim, *args], cwd=cwd, env=env, text=True,
                            capture_output=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


@pytest.mark.slow
def test_mim_train_resume_test_and_load_from(small_migsynth, tmp_path):
    """`mim train/test m2hen_mmaction` and `mim train mmaction <our cfg>`."""
    from conftest import config_path
    config = config_path(POSE_SMOKE)
    work_dir = str(tmp_path / 'mim')
    data = [f'{loader}.dataset.ann_file={small_migsynth}' for loader in
            ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    _mim('train', 'm2hen_mmaction', config, '--work-dir', work_dir,
         '--cfg-options', *data, cwd=tmp_path)
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
    log = _mim('train', 'm2hen_mmaction', config, '--work-dir', work_dir,
               '--resume', '--cfg-options', *data, 'train_cfg.max_epochs=2',
               cwd=tmp_path)
    assert 'resumed epoch: 1' in log
    assert osp.isfile(osp.join(work_dir, 'epoch_2.pth'))
    log = _mim('test', 'm2hen_mmaction', config, '--checkpoint',
               osp.join(work_dir, 'epoch_2.pth'), '--work-dir', work_dir,
               '--cfg-options', *data, cwd=tmp_path)
    assert 'acc/top1' in log and 'acc/mean1' in log
    other = str(tmp_path / 'mmaction')
    log = _mim('train', 'mmaction', config, '--work-dir', other,
               '--cfg-options', *data,
               f'load_from={osp.join(work_dir, "epoch_2.pth")}', cwd=tmp_path)
    assert 'Load checkpoint from' in log
    assert osp.isfile(osp.join(other, 'epoch_1.pth'))


def test_class_balanced_pose_config_repeats_rare_clips_and_trains(
        load_cfg, mmaction_scope):
    """The demo's pose-only config (mmengine's ClassBalancedDataset around
    our dataset) trains an epoch at smoke width; the epoch holds the rare
    classes' clips several times."""
    smoke = load_cfg(POSE_SMOKE)
    cfg = load_cfg('posec3d/posec3d_resnet3d-slowonly-tiny_1xb8-'
                   'classbalanced-u16-12e_migsynth-pose.py',
                   model=smoke.model.to_dict(), train_cfg=dict(max_epochs=1),
                   param_scheduler=smoke.param_scheduler)
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.val_dataloader.update(num_workers=0, persistent_workers=False)
    runner = Runner.from_cfg(cfg)
    balanced = runner.train_dataloader.dataset
    labels = [balanced.get_cat_ids(i)[0] for i in range(len(balanced))]
    plain = [balanced.dataset.get_cat_ids(i)[0]
             for i in range(len(balanced.dataset))]
    rarest = min(set(plain), key=plain.count)
    assert labels.count(rarest) >= 2 * plain.count(rarest)
    assert sorted(set(labels)) == sorted(set(plain))
    runner.train()
    assert runner.iter == -(-len(balanced) // 8)
    assert osp.isfile(osp.join(runner.work_dir, 'epoch_1.pth'))
