"""compat.py: version checks, NumPy 2 fix for MMAction2, safe checkpoints."""
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from m2hen_mmaction import compat
from mmaction.registry import TRANSFORMS


def test_version_problems_name_each_bad_package():
    good = {'mmaction': '1.1.0', 'mmcv': '2.0.1', 'mmengine': '0.10.7'}
    assert compat.version_problems(good) == []
    bad = dict(good, mmaction='1.2.0', mmengine=None)
    problems = compat.version_problems(bad)
    assert problems == ['mmaction==1.2.0 (need >=1.1.0,<1.2.0)',
                        'mmengine is not installed']


def test_installed_stack_is_supported():
    assert compat.version_problems(compat.installed_versions()) == []


def _pose_sample(num_joints=17):
    rng = np.random.default_rng(0)
    keypoint = rng.uniform(20, 60, (1, 8, num_joints, 2)).astype(np.float32)
    keypoint[0, 0, 0] = 0  # OpenPose's "missing joint"
    return dict(keypoint=keypoint, img_shape=(100, 120), total_frames=8,
                keypoint_score=np.ones((1, 8, num_joints), np.float32))


def test_mmaction_pose_compact_runs_under_numpy2():
    assert np.__version__.startswith('2.')
    compact = TRANSFORMS.build(dict(type='PoseCompact', hw_ratio=1.,
                                    allow_imgpad=True))
    out = compact(_pose_sample())
    h, w = out['img_shape']
    assert h == w and h < 100
    kp = out['keypoint'][0, 1:]
    assert kp.min() >= 0 and kp.max() <= h


def test_mmaction_mm_compact_runs_under_numpy2():
    sample = _pose_sample()
    sample['imgs'] = [np.zeros((100, 120, 3), np.uint8)] * 8
    compact = TRANSFORMS.build(dict(type='MMCompact', hw_ratio=1.,
                                    allow_imgpad=True))
    out = compact(sample)
    assert out['imgs'][0].shape[0] == out['imgs'][0].shape[1]


class _GetattrRecord:
    """Pickles as ``getattr(HistoryBuffer, 'min')``, as mmengine did."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, 'min')


class _Payload:
    """Pickles as a call that would leave a trace if it ever ran."""

    def __reduce__(self):
        return (exec, ("open('PWNED', 'w').write('x')", ))


def test_history_buffer_pickles_without_getattr():
    buffer = HistoryBuffer()
    buffer.update(2.0)
    data = pickle.dumps(buffer, protocol=2)
    assert b'getattr' not in data
    restored = pickle.loads(data)
    assert restored.mean() == 2.0 and restored.statistics('max') == 2.0


def test_old_getattr_records_load_as_inert_markers(tmp_path):
    registry_before = dict(HistoryBuffer._statistics_methods)
    path = tmp_path / 'old.pth'
    torch.save({'state_dict': {'w': torch.ones(2)},
                'statistics_methods': {'min': _GetattrRecord()},
                'eta': np.float64(1.5), 'hist': np.arange(3.)}, path)
    ckpt = compat.safe_load_checkpoint(str(path))
    assert isinstance(ckpt['statistics_methods']['min'],
                      compat.UnresolvedAttribute)
    assert ckpt['eta'] == 1.5 and ckpt['hist'].tolist() == [0., 1., 2.]
    assert HistoryBuffer._statistics_methods == registry_before


def test_unsafe_checkpoint_is_refused_without_running_it(tmp_path,
                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.save({'state_dict': {}, 'evil': _Payload()}, tmp_path / 'evil.pth')
    with pytest.raises(RuntimeError, match='not weights.*builtins.exec'):
        compat.safe_load_checkpoint(str(tmp_path / 'evil.pth'))
    assert not (tmp_path / 'PWNED').exists()


def test_mmengine_local_loader_is_the_safe_one(tmp_path):
    path = tmp_path / 'w.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}}, path)
    loader = CheckpointLoader._get_checkpoint_loader(str(path))
    assert loader is compat.safe_load_checkpoint
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'missing.pth'))


def test_rgbpose_head_loss_when_batch_equals_num_classes():
    """MMAction2 1.1.0 crashed here ('dict' object has no attribute 'size')."""
    from mmaction.registry import MODELS
    from mmaction.structures import ActionDataSample
    num_classes = 4
    head = MODELS.build(dict(type='RGBPoseHead', num_classes=num_classes,
                             in_channels=[8, 4]))
    feats = (torch.randn(num_classes, 8, 2, 3, 3),
             torch.randn(num_classes, 4, 4, 3, 3))
    samples = [ActionDataSample().set_gt_labels(k) for k in range(num_classes)]
    losses = head.loss(feats, samples)
    assert {'rgb_loss_cls', 'pose_loss_cls'} <= set(losses)
    assert torch.isfinite(losses['rgb_loss_cls'] + losses['pose_loss_cls'])
