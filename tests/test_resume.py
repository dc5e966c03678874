"""Exact resume and safe checkpoints, through ``m2hen train`` as users run it.

A run killed (SIGKILL) mid-epoch resumes from its last checkpoint and ends
with the same weights and metric as an uninterrupted run; checkpoints are
written atomically; a truncated checkpoint or one of another model is refused
in one line before training.
"""
import contextlib
import os
import os.path as osp
import re
import resource
import shutil
import signal
import subprocess

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import m2hen_mmaction  # noqa: F401  (registers M2HENRunner)
from m2hen_mmaction.compat import safe_load_checkpoint
from mmaction.registry import RUNNERS
from smoke_runs import (BIN, build_small_migsynth, clean_env, run,
                        write_user_config)

TWO_EPOCHS = 'train_cfg = dict(max_epochs=2)\n'
VAL_METRIC = re.compile(r'Epoch\(val\) \[2\]\[\d+/\d+\]\s+(acc/top1: .*?)'
                        r'\s+data_time')


@pytest.fixture(scope='module')
def user_config(tmp_path_factory):
    root = tmp_path_factory.mktemp('resume')
    ann_file = build_small_migsynth(str(root / 'migsynth'))
    return write_user_config(root / 'two_epochs.py', ann_file, TWO_EPOCHS)


@pytest.fixture(scope='module')
def uninterrupted(user_config, tmp_path_factory):
    """Work dir and log of a 2-epoch run that nothing interrupts."""
    work_dir = tmp_path_factory.mktemp('uninterrupted')
    result = run(['m2hen', 'train', user_config, '--work-dir', str(work_dir)],
                 cwd=work_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return work_dir, result.stdout + result.stderr


def _train_until_killed(config: str, work_dir) -> str:
    """Start ``m2hen train`` and SIGKILL it once epoch 2 has begun."""
    process = subprocess.Popen(
        [osp.join(BIN, 'm2hen'), 'train', config, '--work-dir',
         str(work_dir)], cwd=work_dir, env=clean_env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    log = []
    for line in process.stdout:
        log.append(line)
        if 'Epoch(train) [2][1/' in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, ''.join(log)[-3000:]
    return ''.join(log)


def _final_weights(work_dir) -> dict:
    return safe_load_checkpoint(osp.join(work_dir, 'epoch_2.pth'))[
        'state_dict']


def test_killed_run_resumes_to_the_uninterrupted_result(
        user_config, uninterrupted, tmp_path):
    _train_until_killed(user_config, tmp_path)
    saved = sorted(name for name in os.listdir(tmp_path)
                   if name.endswith('.pth'))
    assert 'epoch_1.pth' in saved and 'epoch_2.pth' not in saved
    for name in saved:  # no half-written checkpoint survives the kill
        assert safe_load_checkpoint(str(tmp_path / name))['meta']['epoch']

    resumed = run(['m2hen', 'train', user_config, '--work-dir',
                   str(tmp_path), '--resume'], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    log = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 1' in log and 'Epoch(train) [1]' not in log

    expected, got = _final_weights(uninterrupted[0]), _final_weights(tmp_path)
    assert expected.keys() == got.keys()
    for name, value in expected.items():
        assert torch.equal(value, got[name]), name
    assert VAL_METRIC.findall(log) == VAL_METRIC.findall(uninterrupted[1])
    assert VAL_METRIC.findall(log)


def _resume_copy(uninterrupted, tmp_path):
    """A copy of the uninterrupted run's work dir (its last checkpoint is
    epoch 2) to resume from."""
    work_dir = tmp_path / 'work'
    shutil.copytree(uninterrupted[0], work_dir)
    (work_dir / 'last_checkpoint').write_text(str(work_dir / 'epoch_2.pth'))
    return work_dir


def _one_line_error(result) -> str:
    assert result.returncode != 0
    assert 'Traceback' not in result.stderr, result.stderr[-3000:]
    assert 'Epoch(train)' not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith('error: '), result.stderr[-3000:]
    return lines[-1]


def test_truncated_checkpoint_is_refused_naming_it(user_config,
                                                    uninterrupted, tmp_path):
    work_dir = _resume_copy(uninterrupted, tmp_path)
    checkpoint = work_dir / 'epoch_2.pth'
    checkpoint.write_bytes(checkpoint.read_bytes()[:4096])
    result = run(['m2hen', 'train', user_config, '--work-dir', str(work_dir),
                  '--resume', '--cfg-options', 'train_cfg.max_epochs=3'],
                 cwd=work_dir)
    line = _one_line_error(result)
    assert f'Checkpoint {checkpoint} is truncated' in line


def test_resuming_another_model_is_refused(user_config, uninterrupted,
                                           tmp_path):
    work_dir = _resume_copy(uninterrupted, tmp_path)
    result = run(['m2hen', 'train', user_config, '--work-dir', str(work_dir),
                  '--resume', '--cfg-options', 'train_cfg.max_epochs=3',
                  'model.backbone.base_channels=16'], cwd=work_dir)
    line = _one_line_error(result)
    assert f'Cannot resume from {work_dir / "epoch_2.pth"}' in line
    assert 'the model wants' in line  # a shape mismatch, named


@contextlib.contextmanager
def file_size_limit(limit: int):
    """Writes past ``limit`` bytes fail with EFBIG, as on a full disk."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)


def test_failed_checkpoint_write_keeps_the_previous_one(user_config,
                                                        tmp_path):
    """A write that dies half-way (here: the disk is full) leaves the
    previous ``epoch_1.pth`` whole; mmengine alone would truncate it."""
    init_default_scope('mmaction')
    cfg = Config.fromfile(user_config)
    cfg.work_dir = str(tmp_path)
    runner = RUNNERS.build(cfg)
    weights_only = dict(save_optimizer=False, save_param_scheduler=False)
    runner.save_checkpoint(str(tmp_path), 'epoch_1.pth', **weights_only)
    before = (tmp_path / 'epoch_1.pth').read_bytes()
    with file_size_limit(len(before) // 2):
        with pytest.raises(OSError):
            runner.save_checkpoint(str(tmp_path), 'epoch_1.pth',
                                   **weights_only)
    assert (tmp_path / 'epoch_1.pth').read_bytes() == before
    assert not (tmp_path / 'epoch_1.pth.partial').exists()
