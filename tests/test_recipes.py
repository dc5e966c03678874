"""Each iMiGUE config follows the recipe it cites, field by field.

PoseC3D, M3CN, ST-GCN, TSN, TRN and TSM configs are compared with the
MMAction2 1.1.0 config they cite, opened by path from the installed package:
every training field (model, optimizer, schedule, loops, loaders and their
pipelines, ``load_from``) is flattened with the registered classes' defaults filled in, and each
difference must be explained by an entry of the allow-lists below (a key
pattern, pinned values where it is a type swap, and the reason). Every entry
must explain at least one difference, so the lists cannot go stale. EHCT's
and Hyperformer's configs are compared with Hyperformer's recipe,
transcribed below.
"""
import copy
import functools
import glob
import inspect
import os.path as osp
import re
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

import mmaction
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmaction.registry import (DATA_SAMPLERS, DATASETS, LOOPS, METRICS,
                               MODELS, OPTIMIZERS, PARAM_SCHEDULERS,
                               TRANSFORMS)
from mmaction.structures import ActionDataSample

from conftest import config_path

pytestmark = pytest.mark.usefixtures('mmaction_scope')

MMACTION_CONFIGS = osp.join(osp.dirname(mmaction.__file__), '.mim',
                            'configs')
RGBPOSE_RECIPES = 'skeleton/posec3d/rgbpose_conv3d/'
MMACTION_RGBPOSE = osp.join(MMACTION_CONFIGS, RGBPOSE_RECIPES)
TRAINING_FIELDS = ('model', 'optim_wrapper', 'param_scheduler', 'train_cfg',
                   'val_cfg', 'test_cfg', 'auto_scale_lr', 'load_from',
                   'train_dataloader', 'val_dataloader', 'test_dataloader')
REGISTRIES = (MODELS, TRANSFORMS, DATASETS, PARAM_SCHEDULERS, OPTIMIZERS,
              LOOPS, DATA_SAMPLERS)
MISSING = '<not set>'


class Allowed(NamedTuple):
    """A difference a config may have from its source.

    Args:
        key (str): Regular expression for the flattened key(s).
        reason (str): Why the difference is there.
        values (tuple, optional): (source value, our value), when only this
            substitution is allowed (type swaps).
    """
    key: str
    reason: str
    values: Optional[Tuple[Any, Any]] = None

    def explains(self, key: str, source: Any, ours: Any) -> bool:
        if not re.fullmatch(self.key, key):
            return False
        return self.values is None or self.values == (source, ours)


LOADER = r'(train|val|test)_dataloader\.dataset(\.dataset)?'
PIPELINE = LOADER + r'\.pipeline\.\d+'

# Every iMiGUE config against an NTU-60 recipe: the data, not the training.
DATA = [
    Allowed(r'model\.cls_head\.num_classes',
            'iMiGUE has 32 classes (NTU-60: 60)'),
    Allowed(LOADER + r'\.type', 'PoseDataset with checks on labels, joint '
            'counts and videos that name the sample',
            ('PoseDataset', 'MicroGesturePoseDataset')),
    Allowed(LOADER + r'\.(layout|nan_policy|check_videos)',
            "MicroGesturePoseDataset's own arguments (joint layout, NaN "
            'joints, missing videos)'),
    Allowed(LOADER + r'\.ann_file', "iMiGUE's pickle (m2hen prepare-imigue)"),
    Allowed(LOADER + r'\.data_prefix\.video', "iMiGUE's clips"),
    Allowed(LOADER + r'\.split', "iMiGUE's cross-subject train/val/test "
            '(NTU-60 has no test split: its configs test on xsub_val)'),
]
# Pose heatmaps of 137 (MiGA 2023: 22) OpenPose joints instead of COCO-17's.
POSE = [
    Allowed(r'model\.backbone(\.pose_pathway)?\.in_channels',
            'one heatmap per joint: 137 OpenPose joints, 22 in MiGA 2023 '
            '(COCO-17: 17)'),
    Allowed(PIPELINE + r'\.type', 'the same heatmaps (to 1e-5, tested in '
            'tests/datasets/test_pose_heatmap.py), faster, and drawn on the '
            'device when heatmap_on_device=True',
            ('GeneratePoseTarget', 'GeneratePoseHeatmap')),
    Allowed(PIPELINE + r'\.type', 'Flip with the left/right joints of the '
            "layout instead of COCO-17's left_kp/right_kp",
            ('Flip', 'LayoutFlip')),
    Allowed(PIPELINE + r'\.(layout|on_device)',
            "the joint layout (None: the dataset's, which each sample "
            'carries) and where heatmaps are drawn'),
    Allowed(PIPELINE + r'\.(skeletons|left_kp|right_kp|left_limb|right_limb)'
            r'(\.\d+)*', "COCO-17's joint pairs; OpenPose's come from the "
            "dataset's layout"),
]
POSE_ONLY_PREPROCESSOR = [
    Allowed(r'model\.data_preprocessor(\..+)?',
            'PoseHeatmapPreprocessor draws the heatmaps on the device when '
            'heatmap_on_device=True; with False it only stacks the batch, as '
            "MMAction2's default ActionDataPreprocessor does"),
]
RGBPOSE = [
    Allowed(r'model\.data_preprocessor\.preprocessors\.heatmap_imgs\.type',
            'draws the heatmaps on the device when heatmap_on_device=True',
            ('ActionDataPreprocessor', 'PoseHeatmapPreprocessor')),
    Allowed(r'model\.data_preprocessor\.preprocessors\.heatmap_imgs\.'
            r'(heatmap\..+|preprocessors)',
            "PoseHeatmapPreprocessor's arguments: the pipeline's heatmap"),
    Allowed(r'load_from', 'the merge-init of our own RGB-only and pose-only '
            "iMiGUE checkpoints (the source's: its NTU-60 one, by URL)"),
]
PATCHED_HEAD = [
    Allowed(r'model\.cls_head\.type', "RGBPoseHead with compat.py's fix of its "
            'crash on a batch with as many samples as classes',
            ('RGBPoseHead', 'PatchedRGBPoseHead')),
]
RES2NET = [
    Allowed(r'model\.backbone\.type', "M3CN's Res2Net3D bottlenecks",
            ('ResNet3dSlowOnly', 'Res2Net3dSlowOnly')),
    Allowed(r'model\.backbone\.type', "M3CN's Res2Net3D pathways",
            ('RGBPoseConv3D', 'RGBPoseRes2Net3d')),
    Allowed(r'model\.backbone\.(scale|base_width)', 'Res2Net 26w x 4s'),
]
FUSION = [
    Allowed(r'model\.cls_head\.type', "M3CN's head: RGBPoseHead plus the "
            'equal-weight fused score', ('RGBPoseHead', 'RGBPoseFusionHead')),
    Allowed(r'model\.cls_head\.fusion_weights(\.\d+)?',
            'equal weights (1:1, as MMAction2 reports RGBPoseConv3D)'),
]

# ST-GCN on our layouts instead of NTU's COCO-17 keypoints.
STGCN = [
    Allowed(r'model\.backbone\.type', "STGCN whose graph_cfg.layout may name "
            "our layouts (MMAction2's Graph from the layout's limbs)",
            ('STGCN', 'LayoutSTGCN')),
    Allowed(r'model\.backbone\.graph_cfg\.layout', "the data's joint layout "
            "(openpose137 / openpose22; NTU-60 2D: MMAction2's coco)"),
    Allowed(PIPELINE + r'\.dataset', "GenSkeFeat's skeleton name only matters "
            "for bone features; for joints it merges keypoint_score in "
            "('coco' and 'openpose' give the same joints)",
            ('coco', 'openpose')),
    Allowed(PIPELINE + r'\.num_person', 'iMiGUE clips show one subject '
            '(NTU-60: up to two)', (2, 1)),
]
# TSN, TRN, TSM: Kinetics/Something-Something video lists -> our pickle.
VIDEO_DATA = [
    Allowed(r'model\.cls_head\.num_classes',
            'iMiGUE has 32 classes (Kinetics-400: 400, sthv2: 174)'),
    Allowed(LOADER + r'\.type', 'the same clips read from our annotation '
            'pickle (videos at data_prefix.video/<frame_dir>.mp4), with its '
            'checks', ('VideoDataset', 'MicroGesturePoseDataset')),
    Allowed(LOADER + r'\.delimiter', "VideoDataset's text-list delimiter; our "
            'annotations are a pickle'),
    Allowed(PIPELINE + r'\.flip_label_map(\.\d+)?', "Something-Something's "
            "left/right class swaps on flip; iMiGUE's classes have none"),
]

POSEC3D = 'posec3d/posec3d_'
M3CN = 'm3cn/m3cn_'
STGCN_NTU60 = ('skeleton/stgcn/stgcn_8xb16-joint-u100-80e_ntu60-xsub-'
               'keypoint-2d.py')
# Our config -> (the MMAction2 config it cites, relative to its configs/;
# the differences allowed).
RECIPES = {
    POSEC3D + 'resnet3d-slowonly-r50_8xb12-u8-180e_imigue-rgb.py':
    (RGBPOSE_RECIPES + 'rgb_only.py', DATA),
    M3CN + 'res2net3d-slowonly-r50_8xb12-u8-180e_imigue-rgb.py':
    (RGBPOSE_RECIPES + 'rgb_only.py', DATA + RES2NET),
    POSEC3D + 'resnet3d-slowonly-r50_8xb16-u32-180e_imigue-pose.py':
    (RGBPOSE_RECIPES + 'pose_only.py',
     DATA + POSE + POSE_ONLY_PREPROCESSOR),
    M3CN + 'res2net3d-slowonly-r50_8xb16-u32-180e_imigue-pose.py':
    (RGBPOSE_RECIPES + 'pose_only.py',
     DATA + POSE + POSE_ONLY_PREPROCESSOR + RES2NET),
    POSEC3D + 'resnet3d-slowonly-r50_8xb16-u32-180e_imigue22-pose.py':
    (RGBPOSE_RECIPES + 'pose_only.py', DATA + POSE + POSE_ONLY_PREPROCESSOR),
    M3CN + 'res2net3d-slowonly-r50_8xb16-u32-180e_imigue22-pose.py':
    (RGBPOSE_RECIPES + 'pose_only.py',
     DATA + POSE + POSE_ONLY_PREPROCESSOR + RES2NET),
    POSEC3D + 'rgbposeconv3d-r50_8xb6-u8u32-20e_imigue-rgbpose.py':
    (RGBPOSE_RECIPES + 'rgbpose_conv3d.py',
     DATA + POSE + RGBPOSE + PATCHED_HEAD),
    M3CN + 'res2net3d-r50_8xb6-u8u32-20e_imigue-rgbpose.py':
    (RGBPOSE_RECIPES + 'rgbpose_conv3d.py',
     DATA + POSE + RGBPOSE + RES2NET + FUSION),
    'stgcn/stgcn_8xb16-joint-u100-80e_imigue-skeleton.py':
    (STGCN_NTU60, DATA + STGCN),
    'stgcn/stgcn_8xb16-joint-u100-80e_imigue22-skeleton.py':
    (STGCN_NTU60, DATA + STGCN),
    'tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x8-100e_imigue-rgb.py':
    ('recognition/tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x8-100e_'
     'kinetics400-rgb.py', DATA + VIDEO_DATA),
    'trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_imigue-rgb.py':
    ('recognition/trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_'
     'sthv2-rgb.py', DATA + VIDEO_DATA),
    'tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_imigue-rgb.py':
    ('recognition/tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_'
     'kinetics400-rgb.py', DATA + VIDEO_DATA),
}


def _registered(type_name: Any) -> Optional[type]:
    if not isinstance(type_name, str):
        return None
    for registry in REGISTRIES:
        found = registry.get(type_name)
        if found is not None:
            return found
    return None


def _init_defaults(cls: type) -> Dict[str, Any]:
    """Default arguments of ``cls``, following ``**kwargs`` up the MRO."""
    defaults = {}
    for klass in cls.__mro__:
        if '__init__' not in vars(klass):
            continue
        params = inspect.signature(klass.__init__).parameters.values()
        for param in params:
            if param.default is not param.empty:
                defaults.setdefault(param.name, param.default)
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return defaults


def _effective(value: Any) -> Any:
    """``value`` with the defaults of every registered ``type`` filled in."""
    if isinstance(value, dict):
        value = {key: _effective(item) for key, item in value.items()}
        cls = _registered(value.get('type'))
        for name, default in (_init_defaults(cls) if cls else {}).items():
            value.setdefault(name, _effective(default))
        return value
    if isinstance(value, (list, tuple)):
        return [_effective(item) for item in value]
    return value


def _flatten(value: Any, prefix: str = '') -> Dict[str, Any]:
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return {prefix: value}
    flat = {}
    for key, item in items:
        flat.update(_flatten(item, f'{prefix}.{key}' if prefix else str(key)))
    return flat


def training_fields(path: str) -> Dict[str, Any]:
    """The training fields of a config file, flattened, defaults filled."""
    cfg = Config.fromfile(path)._cfg_dict.to_dict()
    return _flatten(
        {field: _effective(cfg.get(field)) for field in TRAINING_FIELDS})


def differences(ours: str, source: str) -> Dict[str, Tuple[Any, Any]]:
    """Flattened key -> (source value, our value) where the two differ."""
    theirs, mine = training_fields(source), training_fields(ours)
    return {
        key: (theirs.get(key, MISSING), mine.get(key, MISSING))
        for key in sorted(theirs.keys() | mine.keys())
        if theirs.get(key, MISSING) != mine.get(key, MISSING)
    }


@functools.lru_cache(maxsize=None)
def _explain(relative: str) -> Tuple[List[str], set]:
    """Unexplained differences of a config and the entries it used."""
    source, allowed = RECIPES[relative]
    unexplained, used = [], set()
    found = differences(config_path(relative),
                        osp.join(MMACTION_CONFIGS, source))
    for key, (theirs, mine) in found.items():
        reasons = [entry for entry in allowed
                   if entry.explains(key, theirs, mine)]
        used.update(reasons)
        if not reasons:
            unexplained.append(f'{key}: {source} {theirs!r}, ours {mine!r}')
    return unexplained, used


@pytest.mark.parametrize('relative', sorted(RECIPES))
def test_imigue_config_follows_its_mmaction2_source(relative):
    source = RECIPES[relative][0]
    with open(config_path(relative)) as f:
        header = ' '.join(line.lstrip('# ').rstrip('\n') for line in f
                          if line.startswith('#'))
    # The source's file name (split across comment lines by a '-' or '/').
    assert osp.basename(source) in header.replace('- ', '-').replace(
        '/ ', '/'), 'the header must name its source'
    unexplained, _ = _explain(relative)
    assert not unexplained, '\n'.join(unexplained)


def test_every_allowed_difference_is_needed():
    used = set()
    for relative in RECIPES:
        used |= _explain(relative)[1]
    listed = {entry for _, allowed in RECIPES.values() for entry in allowed}
    assert listed - used == set()


def test_the_comparison_sees_training_fields():
    """rgb_only.py against pose_only.py: lr, batch and input differ."""
    found = differences(osp.join(MMACTION_RGBPOSE, 'rgb_only.py'),
                        osp.join(MMACTION_RGBPOSE, 'pose_only.py'))
    assert found['optim_wrapper.optimizer.lr'] == (0.2, 0.15)
    assert found['train_dataloader.batch_size'] == (16, 12)
    assert found['model.backbone.in_channels'] == (17, 3)
    assert 'train_dataloader.dataset.times' not in found  # both 10


# Hyperformer's recipe, transcribed from github.com/ZhouYuxuanYX/Hyperformer
# @948c42c: config/nturgbd-cross-subject/joint.yaml (bone.yaml: the same
# training fields) and main.py (SGD with momentum 0.9, no gradient clipping,
# lr set once per epoch by adjust_learning_rate, evaluation after every
# epoch on one 64-frame clip: the feeder's 95 % centre crop).
HYPERFORMER = dict(
    optimizer=dict(type='SGD', lr=0.025, momentum=0.9, nesterov=True,
                   weight_decay=0.0004),
    batch_size=64, num_epoch=140, warm_up_epoch=5, step=(110, 120),
    lr_decay_rate=0.1, window_size=64)
# Where our EHCT configs differ, and why (checked below):
# - 10 test clips (Hyperformer: 1): Table 1 tests every model at the
#   PoseC3D recipes' 10 clips, so Eq. 5 sums scores of one test protocol;
#   `m2hen benchmark --num-clips 1` gives Hyperformer's.
# - test batch 1 (Hyperformer: 64): 10 clips x 64 frames per sample; the
#   scores do not depend on it.
# - frames: MMAction2's UniformSampleFrames (as its ST-GCN configs) instead
#   of Hyperformer's random 50-100 % crop resized to 64 frames + random 3-D
#   rotation (written for NTU's 3-D joints; iMiGUE's are 2-D).
EHCT_CONFIGS = [
    'ehct/ehct_hypergraph-transformer_1xb64-u64-140e_imigue-joint.py',
    'ehct/ehct_hypergraph-transformer_1xb64-u64-140e_imigue-bone.py',
    'ehct/ehct_hypergraph-transformer_1xb64-u64-140e_imigue22-joint.py',
    # Hyperformer: the EHCT configs without EHCT's auxiliary classifier.
    'hyperformer/hyperformer_hypergraph-transformer_1xb64-u64-140e_imigue-'
    'joint.py',
    'hyperformer/hyperformer_hypergraph-transformer_1xb64-u64-140e_imigue22-'
    'joint.py',
]


def hyperformer_lr(epoch: int) -> float:
    """Hyperformer's ``adjust_learning_rate`` for one epoch."""
    recipe = HYPERFORMER
    if epoch < recipe['warm_up_epoch']:
        return recipe['optimizer']['lr'] * (epoch + 1) / recipe[
            'warm_up_epoch']
    decays = int(np.sum(epoch >= np.array(recipe['step'])))
    return recipe['optimizer']['lr'] * recipe['lr_decay_rate']**decays


def lr_per_iteration(cfg: Config, iters_per_epoch: int) -> List[float]:
    """The lr of every training iteration under the config's schedulers,
    stepped as mmengine's ParamSchedulerHook steps them."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=cfg.optim_wrapper.optimizer.lr)
    schedulers = []
    for scheduler_cfg in copy.deepcopy(cfg.param_scheduler):
        cls = PARAM_SCHEDULERS.get(scheduler_cfg.pop('type'))
        if scheduler_cfg.pop('convert_to_iter_based', False):
            schedulers.append(cls.build_iter_from_epoch(
                optimizer, epoch_length=iters_per_epoch, **scheduler_cfg))
        else:
            schedulers.append(cls(optimizer, **scheduler_cfg))
    lrs = []
    for _ in range(cfg.train_cfg.max_epochs):
        for _ in range(iters_per_epoch):
            lrs.append(optimizer.param_groups[0]['lr'])
            optimizer.step()
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
        for scheduler in schedulers:
            if scheduler.by_epoch:
                scheduler.step()
    return lrs


def _samplers(loader: Dict) -> List[Dict]:
    return [t for t in loader.dataset.pipeline
            if t['type'].endswith('SampleFrames')]


@pytest.mark.parametrize('relative', EHCT_CONFIGS)
def test_imigue_ehct_follows_hyperformer(relative):
    with open(config_path(relative)) as f:
        assert 'Hyperformer' in f.read(), 'the header must name its source'
    cfg = Config.fromfile(config_path(relative))
    assert cfg.optim_wrapper.to_dict() == dict(
        optimizer=HYPERFORMER['optimizer'])
    assert cfg.train_dataloader.batch_size == HYPERFORMER['batch_size']
    assert cfg.train_dataloader.dataset.type != 'RepeatDataset'
    assert cfg.train_cfg.max_epochs == HYPERFORMER['num_epoch']
    assert cfg.train_cfg.val_interval == 1
    expected = [hyperformer_lr(epoch)
                for epoch in range(HYPERFORMER['num_epoch'])
                for _ in range(2)]
    np.testing.assert_allclose(lr_per_iteration(cfg, 2), expected)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert [t['clip_len'] for t in _samplers(cfg[loader])] == [
            HYPERFORMER['window_size']]
    assert [t['num_clips'] for t in _samplers(cfg.test_dataloader)] == [10]


RGBPOSE_CONFIGS = sorted(
    osp.relpath(path, osp.dirname(config_path('x')))
    for path in glob.glob(config_path('*/*rgbpose*.py')))
# The fused score of each RGB+pose head, as MicroGestureMetric names it.
FUSED_METRIC = {
    'PatchedRGBPoseHead': 'acc/RGBPose_1:1_top1',
    'RGBPoseFusionHead': 'acc/item_top1',
}


@pytest.mark.parametrize('relative', RGBPOSE_CONFIGS)
def test_rgbpose_configs_keep_the_best_fused_checkpoint(relative):
    cfg = Config.fromfile(config_path(relative))
    head_cfg = cfg.model.cls_head
    head = MODELS.build(head_cfg)
    rgb_channels, pose_channels = head_cfg.in_channels
    features = (torch.rand(2, rgb_channels, 1, 2, 2),
                torch.rand(2, pose_channels, 2, 2, 2))
    samples = [ActionDataSample().set_gt_labels(label) for label in (0, 1)]
    metric = METRICS.build(cfg.val_evaluator[0])
    metric.process(None, [s.to_dict() for s in head.predict(features,
                                                            samples)])
    save_best = cfg.default_hooks.checkpoint.save_best
    assert save_best == FUSED_METRIC[head_cfg.type]
    assert save_best in metric.evaluate(len(samples))
