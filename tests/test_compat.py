"""compat.py: version checks and the fixes for the pinned stack.

For each fix, one test runs the upstream code *without* it (a fresh
interpreter that never imports m2hen_mmaction, or MMAction2's class that we no
longer patch) and asserts it still fails: the day it passes, upstream is
fixed and the fix can go. The other tests check that each fix works and is
applied where README says (globally or only in our classes).
"""
import json
import os
import pickle
import socket
import subprocess
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import CheckpointLoader

import m2hen_mmaction  # noqa: F401  (registers our modules, global fixes)
from m2hen_mmaction import compat
from mmaction.models.heads import RGBPoseHead
from mmaction.registry import MODELS, TRANSFORMS
from mmaction.structures import ActionDataSample

CAN_GO = 'upstream no longer fails: compat.{} can go (and its README line)'


@pytest.fixture(autouse=True)
def mmaction_scope():
    init_default_scope('mmaction')


def fresh_python(code: str, *flags: str,
                 **env_vars: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter of this venv with a clean env
    (plus ``env_vars``)."""
    env = {'PATH': os.environ['PATH'], 'HOME': os.environ.get('HOME', '/'),
           'OMP_NUM_THREADS': '1', **env_vars}
    return subprocess.run([sys.executable, *flags, '-c', code], env=env,
                          text=True, capture_output=True, timeout=120)


def test_version_problems_name_each_bad_package():
    good = {'mmaction': '1.1.0', 'mmcv': '2.0.1', 'mmengine': '0.10.7'}
    assert compat.version_problems(good) == []
    bad = dict(good, mmaction='1.2.0', mmengine=None)
    problems = compat.version_problems(bad)
    assert problems == ['mmaction==1.2.0 (need >=1.1.0,<1.2.0)',
                        'mmengine is not installed']


def test_a_missing_dependency_of_the_stack_is_named():
    """As after a ``pip install --no-deps`` that left out mmengine's yapf:
    the error names yapf instead of calling mmengine not installed."""
    result = fresh_python("import sys; sys.modules['yapf'] = None\n"
                          'import m2hen_mmaction')
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith('ImportError: m2hen_mmaction supports')
    assert 'mmengine needs yapf, which is not installed' in last_line
    assert 'mmengine is not installed' not in last_line


def test_installed_stack_is_supported():
    assert compat.version_problems(compat.installed_versions()) == []


# --- each upstream failure, reproduced without our fix -------------------

def test_upstream_mmcv_lite_still_warns_about_missing_ops():
    result = fresh_python('import mmaction.models', '-W', 'always')
    assert result.returncode == 0, result.stderr[-2000:]
    assert compat.MMCV_OPS_WARNING in result.stderr, CAN_GO.format(
        'quiet_mmcv_ops_warning')


def test_upstream_pose_compact_still_needs_numpy_inf():
    result = fresh_python(
        'import numpy as np\n'
        'from mmaction.datasets.transforms import PoseCompact\n'
        'kp = np.random.default_rng(0).uniform(20, 60, (1, 4, 17, 2))\n'
        'PoseCompact(hw_ratio=1.)(dict(keypoint=kp, img_shape=(100, 120)))')
    assert result.returncode != 0, CAN_GO.format('restore_numpy_inf')
    assert '`np.Inf` was removed' in result.stderr, result.stderr[-2000:]


HUE_PROBE = (
    'import cv2, numpy as np\n'
    'from mmaction.datasets.transforms import ColorJitter\n'
    'img = np.zeros((1, 1, 3), np.uint8)\n'
    'img[0, 0] = cv2.cvtColor(np.array([[[170, 255, 255]]], np.uint8),\n'
    '                         cv2.COLOR_HSV2RGB)[0, 0]\n'
    'out = ColorJitter.adjust_hue(img.astype(np.float32), FACTOR)\n'
    'hsv = cv2.cvtColor(out.astype(np.uint8), cv2.COLOR_RGB2HSV)\n'
    'print(int(hsv[0, 0, 0]))\n')


def test_upstream_color_jitter_still_overflows_a_negative_hue_shift():
    result = fresh_python('FACTOR = -0.05\n' + HUE_PROBE)
    assert result.returncode != 0, CAN_GO.format('shift_hue_in_int')
    assert 'OverflowError' in result.stderr, result.stderr[-2000:]


def test_upstream_color_jitter_still_wraps_a_positive_hue_shift_at_256():
    result = fresh_python('FACTOR = 0.4\n' + HUE_PROBE)
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout) == (170 + 102) % 256 % 180, CAN_GO.format(
        'shift_hue_in_int')


def _batch_of_num_classes(num_classes=4):
    feats = (torch.randn(num_classes, 8, 2, 3, 3),
             torch.randn(num_classes, 4, 4, 3, 3))
    samples = [ActionDataSample().set_gt_labels(k) for k in range(num_classes)]
    return feats, samples


def test_upstream_rgbpose_head_still_fails_when_batch_equals_num_classes():
    assert RGBPoseHead.loss_by_feat.__module__ == (
        'mmaction.models.heads.rgbpose_head'), 'MMAction2 must stay unpatched'
    head = RGBPoseHead(num_classes=4, in_channels=[8, 4])
    feats, samples = _batch_of_num_classes(4)
    try:
        head.loss(feats, samples)
    except AttributeError as error:
        assert "'dict' object has no attribute 'size'" in str(error)
    else:
        pytest.fail(CAN_GO.format('BatchSafeRGBPoseLoss'))


def test_upstream_history_buffer_still_pickles_getattr():
    result = fresh_python(
        'import pickle\n'
        'from mmengine.logging import HistoryBuffer\n'
        "print(b'getattr' in pickle.dumps(HistoryBuffer(), protocol=2))")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == 'True', CAN_GO.format(
        'make_history_buffer_getattr_free')


def test_upstream_checkpoint_loader_still_refuses_mmengine_checkpoints(
        tmp_path):
    path = tmp_path / 'meta.pth'
    torch.save({'state_dict': {'w': torch.ones(1)},
                'meta': {'time': np.float64(1.5)}}, path)
    result = fresh_python(
        'from mmengine.runner.checkpoint import _load_checkpoint\n'
        f'_load_checkpoint({str(path)!r})')
    assert result.returncode != 0, CAN_GO.format(
        'register_safe_checkpoint_loader')
    assert 'Weights only load failed' in result.stderr, result.stderr[-2000:]


def _one_process_group_env() -> dict:
    """torchrun's variables for a world of one on a free local port."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    return dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
                MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))


@pytest.mark.skipif(torch.cuda.is_available(), reason='a CPU-only failure')
def test_upstream_init_dist_still_needs_cuda():
    result = fresh_python(
        'from mmengine.dist import init_dist\n'
        "init_dist('pytorch', backend='gloo')", **_one_process_group_env())
    assert result.returncode != 0, CAN_GO.format('init_dist_without_cuda')
    assert 'cuda' in result.stderr.lower(), result.stderr[-2000:]


def test_upstream_ddp_still_refuses_device_ids_for_cpu_models():
    result = fresh_python(
        'import torch\n'
        'from mmengine.model import MMDistributedDataParallel\n'
        "torch.distributed.init_process_group('gloo')\n"
        'MMDistributedDataParallel(module=torch.nn.Linear(2, 2), '
        'device_ids=[0])', **_one_process_group_env())
    assert result.returncode != 0, CAN_GO.format(
        'ddp_without_device_ids_on_cpu')
    assert 'device_ids' in result.stderr, result.stderr[-2000:]


# --- where each fix applies ----------------------------------------------

def test_import_applies_only_the_global_fixes():
    """A fresh ``import m2hen_mmaction``, as custom_imports does it."""
    result = fresh_python(
        'import json, warnings, numpy as np\n'
        'import m2hen_mmaction\n'
        'from m2hen_mmaction import compat\n'
        'from mmaction.models.heads import RGBPoseHead\n'
        'from mmaction.datasets.transforms import ColorJitter\n'
        'from mmengine.dist import utils\n'
        'from mmengine.runner.checkpoint import CheckpointLoader\n'
        "loader = CheckpointLoader._get_checkpoint_loader('x.pth')\n"
        'print(json.dumps(dict(\n'
        "    inf=np.Inf == np.inf,\n"
        '    hue=ColorJitter.adjust_hue is compat._shifted_hue,\n'
        '    cpu_dist=utils._init_dist_pytorch is '
        'compat._init_dist_pytorch_on_cpu,\n'
        '    loader=loader is compat.safe_load_checkpoint,\n'
        '    head=RGBPoseHead.loss_by_feat.__module__,\n'
        '    filters=[str(f[1]) for f in warnings.filters if f[1]])))',
        '-W', 'always')
    assert result.returncode == 0, result.stderr[-2000:]
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state['inf'] and state['hue'] and state['loader']
    assert state['cpu_dist'] == (not torch.cuda.is_available())
    assert state['head'] == 'mmaction.models.heads.rgbpose_head'
    assert not any('MultiScaleDeformable' in f for f in state['filters'])
    assert compat.MMCV_OPS_WARNING not in result.stderr


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


@pytest.mark.parametrize('factor', [-0.05, 0.4])
def test_mmaction_color_jitter_shifts_hue_modulo_180(factor):
    """Hue 170 (OpenCV's 0-179 scale) shifted by int(255 * factor), mod 180,
    through MMAction2's own transform as a pipeline builds it."""
    hsv = np.array([[[170, 255, 255]]], np.uint8)
    img = np.repeat(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB), 4, axis=1)
    jitter = TRANSFORMS.build(dict(type='ColorJitter', brightness=0,
                                   contrast=0, saturation=0,
                                   hue=(factor, factor)))
    out = jitter(dict(imgs=[img]))['imgs'][0]
    hue = cv2.cvtColor(out, cv2.COLOR_RGB2HSV)[..., 0]
    assert (hue == (170 + int(255 * factor)) % 180).all()


def test_mmaction_mm_compact_runs_under_numpy2():
    sample = _pose_sample()
    sample['imgs'] = [np.zeros((100, 120, 3), np.uint8)] * 8
    compact = TRANSFORMS.build(dict(type='MMCompact', hw_ratio=1.,
                                    allow_imgpad=True))
    out = compact(sample)
    assert out['imgs'][0].shape[0] == out['imgs'][0].shape[1]


@pytest.mark.parametrize('head_type', ['PatchedRGBPoseHead',
                                       'RGBPoseFusionHead'])
def test_our_rgbpose_heads_train_when_batch_equals_num_classes(head_type):
    head = MODELS.build(dict(type=head_type, num_classes=4,
                             in_channels=[8, 4]))
    assert isinstance(head, RGBPoseHead)
    losses = head.loss(*_batch_of_num_classes(4))
    assert {'rgb_loss_cls', 'pose_loss_cls'} <= set(losses)
    assert torch.isfinite(losses['rgb_loss_cls'] + losses['pose_loss_cls'])


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
    with pytest.raises(compat.CheckpointRefused, match='not weights.*builtins.exec'):
        compat.safe_load_checkpoint(str(tmp_path / 'evil.pth'))
    assert not (tmp_path / 'PWNED').exists()


def test_truncated_checkpoint_is_refused_naming_the_file(tmp_path):
    path = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {'w': torch.zeros(1000)}}, path)
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(compat.CheckpointRefused) as error:
        compat.safe_load_checkpoint(str(path))
    message = str(error.value)
    assert f'Checkpoint {path} is truncated' in message
    assert '\n' not in message


def test_mmengine_local_loader_is_the_safe_one(tmp_path):
    path = tmp_path / 'w.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}}, path)
    loader = CheckpointLoader._get_checkpoint_loader(str(path))
    assert loader is compat.safe_load_checkpoint
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'missing.pth'))
