"""Checks that need a CUDA device (marked ``gpu``; skipped without one).
`benchmarks/gpu_check.sh` runs them with the GPU benchmarks. Also GPU:
tests/test_distributed.py::test_amp_trains_on_gpu and
tests/models/test_pose_heatmap_preprocessor.py (CUDA heatmaps equal CPU)."""
import pytest
import torch
from mmengine.config import Config

from conftest import config_path
from smoke_runs import SMOKE_CONFIGS, build_small_migsynth, failure_report, \
    run, write_user_config

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
]
EHCT_BASE = 'ehct/ehct_hypergraph-transformer_1xb64-u64-140e_imigue-joint.py'


def test_distributed_launch_on_one_gpu_uses_nccl(tmp_path):
    """`mim train m2hen_mmaction --launcher pytorch --gpus 1`: DDP over NCCL
    (the backend picked by device) trains and validates."""
    data = build_small_migsynth(str(tmp_path / 'migsynth'))
    config = write_user_config(tmp_path / 'cfg.py', data,
                               base=next(iter(SMOKE_CONFIGS.values())))
    result = run(['mim', 'train', 'm2hen_mmaction', config, '--launcher',
                  'pytorch', '--gpus', '1', '--work-dir',
                  str(tmp_path / 'work')], cwd=tmp_path, timeout=600)
    log = result.stdout + result.stderr
    assert result.returncode == 0, failure_report(log)
    assert "'backend': 'nccl'" in log or 'nccl' in log.lower()
    assert 'acc/top1' in log


def test_ehct_trains_at_137_joints_and_64_frames(mmaction_scope):
    """One training step of the iMiGUE EHCT (10 blocks, width 64) on a
    batch of 8 clips x 64 frames x 137 joints, with its memory peak."""
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample
    cfg = Config.fromfile(config_path(EHCT_BASE))
    model = MODELS.build(cfg.model).cuda().train()
    inputs = torch.randn(8, 1, 1, 64, 137, 3, device='cuda')
    samples = [ActionDataSample().set_gt_labels(k % 32) for k in range(8)]
    torch.cuda.reset_peak_memory_stats()
    losses = model(inputs, samples, mode='loss')
    sum(losses.values()).backward()
    peak_gib = torch.cuda.max_memory_allocated() / 2**30
    print(f'EHCT 8 x 64 frames x 137 joints: peak {peak_gib:.2f} GiB')
    assert all(torch.isfinite(v) for v in losses.values())
