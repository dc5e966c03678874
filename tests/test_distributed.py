"""Distributed and mixed-precision training as users launch it.

``mim train <package> <cfg> --launcher pytorch --gpus 2`` runs two CPU
processes over gloo (CUDA hidden, so GPU machines test the CPU path too):
both ranks end with identical weights, the sampler shards the training data
and the metric sees each validation sample exactly once (the validation set
has an odd size, so the sampler pads one rank). A launcher, backend or
``--amp`` the machine cannot run is refused in one line before training.
"""
import math
import pickle
import re

import pytest
import torch

from smoke_runs import (SMOKE_CONFIGS, build_small_migsynth, clean_env,
                        failure_report, run, write_user_config)

VAL_SIZE = 15  # odd: the distributed sampler pads rank 1 with a duplicate
TRAIN_ITER = re.compile(r'Epoch\(train\) \[1\]\[\d+/(\d+)\]')


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    return build_small_migsynth(str(tmp_path_factory.mktemp('dist')))


def _split_labels(ann_file: str, split: str) -> list:
    with open(ann_file, 'rb') as f:
        annotations = pickle.load(f)
    names = set(annotations['split'][split])
    return [ann['label'] for ann in annotations['annotations']
            if ann['frame_dir'] in names]


# Multi-process runs share one xdist worker: two at once on 2 cores starve
# gloo (a rank aborted once under `make test`).
@pytest.mark.xdist_group('multiprocess')
@pytest.mark.parametrize('package', ['m2hen_mmaction', 'mmaction'])
def test_two_cpu_processes_train_in_step(package, data, tmp_path):
    dump = tmp_path / 'val_results.pkl'
    config = write_user_config(
        tmp_path / 'dist.py', data,
        f"val_dataloader['dataset']['indices'] = {VAL_SIZE}\n"
        "val_evaluator = [dict(type='MicroGestureMetric'), "
        f"dict(type='DumpResults', out_file_path={str(dump)!r})]\n")
    env = dict(clean_env(), CUDA_VISIBLE_DEVICES='')
    result = run(['mim', 'train', package, config, '--launcher', 'pytorch',
                  '--gpus', '2', '--work-dir', str(tmp_path / 'work')],
                 cwd=tmp_path, env=env)
    log = result.stdout + result.stderr
    assert result.returncode == 0, failure_report(log)
    assert 'All 2 ranks hold identical weights and buffers.' in log

    per_rank = math.ceil(len(_split_labels(data, 'train')) / 2)
    assert set(TRAIN_ITER.findall(log)) == {str(math.ceil(per_rank / 4))}

    with open(dump, 'rb') as f:
        results = pickle.load(f)
    counted = [int(sample['gt_labels']['item']) for sample in results]
    assert counted == _split_labels(data, 'val')[:VAL_SIZE]
    assert 'acc/top1' in log


def _refused(result) -> str:
    """The one ``error:`` line of a command refused before training."""
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert 'Traceback' not in output and 'Epoch(train)' not in output, \
        output[-3000:]
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith('error: '), output[-3000:]
    return line


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only refusals')
@pytest.mark.parametrize('options, message', [
    (['--launcher', 'pytorch', '--cfg-options',
      'env_cfg.dist_cfg.backend=nccl'], "backend='nccl' needs CUDA GPUs"),
    (['--launcher', 'slurm'], 'on CPU only --launcher pytorch'),
    (['--amp'], '--amp (AmpOptimWrapper) needs a CUDA GPU'),
])
def test_what_this_machine_cannot_run_is_refused(options, message, data,
                                                 tmp_path):
    config = write_user_config(tmp_path / 'cfg.py', data)
    result = run(['m2hen', 'train', config, '--work-dir',
                  str(tmp_path / 'work'), *options], cwd=tmp_path)
    line = _refused(result)
    assert message in line and config in line


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
@pytest.mark.parametrize('base', sorted(SMOKE_CONFIGS.values()))
def test_amp_trains_on_gpu(base, data, tmp_path):
    """``--amp`` for the PoseC3D baseline, M3CN and EHCT smoke configs."""
    config = write_user_config(tmp_path / 'cfg.py', data, base=base)
    result = run(['m2hen', 'train', config, '--work-dir',
                  str(tmp_path / 'work'), '--amp'], cwd=tmp_path)
    log = result.stdout + result.stderr
    assert result.returncode == 0, failure_report(log)
    assert 'AmpOptimWrapper' in log and 'acc/top1' in log
