"""Paper Table 1 on one dataset and one schedule: train, test, ensemble.

``m2hen benchmark`` (and ``make demo``) trains every model of Table 1 with
mmengine's ``Runner`` (in this process: no start-up cost per model), tests
it on val and test at each number of clips (NoC), dumps the scores as
``tools/test.py --dump`` does, then scores single models, the EHCT ensemble
(HgE) and group training (GpT, Eq. 5 with α searched on val and applied once
to test).

A finished model leaves ``<work_dir>/<model>/done.json``; a rerun reuses it,
so an interrupted benchmark resumes where it stopped.
"""
import copy
import os
import os.path as osp
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import mmengine
import numpy as np
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.runner import Runner, load_checkpoint

from mmaction.registry import MODELS

from ..datasets.data_check import missing_data
from ..errors import InputError, MissingDataError
from ..grouping import ensemble
from ..datasets.micro_gesture_dataset import read_classes_file
from ..datasets.part_grouped_dataset import (class_counts,
                                            load_split_annotations)
from ..grouping.parts import build_trainset, split_parts

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# The shipped configs, as installed for mim (a link to configs/ in a
# develop install, a copy in a wheel).
CONFIG_ROOT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), '.mim',
                       'configs')


@dataclass(frozen=True)
class ModelSpec:
    """One model to train and test.

    Args:
        key (str): Folder name under the benchmark's work dir.
        config (str): Config path, relative to ``configs/``.
        trainset (int, optional): Group trainset ``i`` (PartGroupedPoseDataset
            with ``num_parts_used=i``); None trains on all classes.
    """
    key: str
    config: str
    trainset: Optional[int] = None


@dataclass(frozen=True)
class RowSpec:
    """One row of Table 1.

    Args:
        method (str): Row label, e.g. ``'ResNet3D (PoseC3D)'``.
        modality (str): ``'RGB'``, ``'pose'``, ``'RGB+pose'``, ...
        models (tuple[str]): Keys of the models whose scores are summed.
        group_training (bool): Fuse the models' group trainsets by Eq. 5.
    """
    method: str
    modality: str
    models: Tuple[str, ...]
    group_training: bool = False


@dataclass
class BenchmarkSettings:
    """What to run and how long.

    Args:
        name (str): Work dir name (``work_dirs/<name>``).
        ann_file (str): PoseDataset pickle (with ``classes.txt`` beside it).
        video_root (str, optional): Folder of ``<frame_dir>.mp4`` clips;
            defaults to ``videos/`` beside ``ann_file``.
        epochs (int): Training epochs of every model.
        num_clips (tuple[int]): Test NoC values.
        val_num_clips (int): NoC on val, where Eq. 5's alphas are searched.
        alpha_objective (str): What the α search maximises on val:
            ``'mean1'`` (class-average accuracy, what group training is
            for; default) or ``'top1'``.
        rows (tuple[str], optional): Row methods to run; None runs all.
        cfg_options (dict): Extra config overrides for every model.
        work_root (str): Parent of the work dir.
    """
    name: str = 'benchmark'
    ann_file: str = 'data/migsynth/migsynth.pkl'
    video_root: Optional[str] = None
    epochs: int = 12
    num_clips: Tuple[int, ...] = (1, 10)
    val_num_clips: int = 1
    alpha_objective: str = 'mean1'
    rows: Optional[Tuple[str, ...]] = None
    cfg_options: Dict[str, str] = field(default_factory=dict)
    work_root: str = 'work_dirs'

    @property
    def work_dir(self) -> str:
        return osp.join(self.work_root, self.name)


MIGSYNTH_MODELS = {
    spec.key: spec
    for spec in [
        ModelSpec('posec3d_rgb', 'posec3d/posec3d_resnet3d-slowonly-tiny_'
                  '1xb16-u4-12e_migsynth-rgb.py'),
        ModelSpec('posec3d_pose', 'posec3d/posec3d_resnet3d-slowonly-tiny_'
                  '1xb16-u16-12e_migsynth-pose.py'),
        ModelSpec('posec3d_rgbpose', 'posec3d/posec3d_rgbposeconv3d-tiny_'
                  '1xb16-u4u16-12e_migsynth-rgbpose.py'),
        ModelSpec('m3cn_rgb', 'm3cn/m3cn_res2net3d-slowonly-tiny_'
                  '1xb16-u4-12e_migsynth-rgb.py'),
        ModelSpec('m3cn_pose', 'm3cn/m3cn_res2net3d-slowonly-tiny_'
                  '1xb16-u16-12e_migsynth-pose.py'),
        ModelSpec('m3cn_rgbpose', 'm3cn/m3cn_rgbpose-res2net3d-tiny_'
                  '1xb16-u4u16-12e_migsynth-rgbpose.py'),
        ModelSpec('ehct', 'ehct/ehct_hypergraph-transformer-tiny_1xb16-u16-12e_'
                  'migsynth-skeleton.py'),
    ]
}
TABLE1_ROWS = (
    RowSpec('ResNet3D', 'RGB', ('posec3d_rgb', )),
    RowSpec('ResNet3D', 'pose', ('posec3d_pose', )),
    RowSpec('ResNet3D (PoseC3D)', 'RGB+pose', ('posec3d_rgbpose', )),
    RowSpec('Res2Net3D', 'RGB', ('m3cn_rgb', )),
    RowSpec('Res2Net3D', 'pose', ('m3cn_pose', )),
    RowSpec('Res2Net3D (M3CN)', 'RGB+pose', ('m3cn_rgbpose', )),
    RowSpec('EHCT', 'skeleton', ('ehct', )),
    RowSpec('M3CN + EHCT (HgE)', 'RGB+pose+skeleton',
            ('m3cn_rgbpose', 'ehct')),
    RowSpec('+ group training (GpT)', 'RGB+pose+skeleton',
            ('m3cn_rgbpose', 'ehct'), group_training=True),
)


def group_parts(ann_file: str) -> List[List[int]]:
    """Parts A–D (head first) of the pickle's train split."""
    return split_parts(train_class_counts(ann_file))


def trainset_key(model_key: str, index: int, num_parts: int) -> str:
    """Work-dir key of ``model_key`` trained on Trainset_``index``; the
    primary trainset (``index == num_parts``: all classes) is the model
    itself."""
    return model_key if index == num_parts else f'{model_key}_trainset{index}'


def model_cfg_options(spec: ModelSpec, settings: BenchmarkSettings,
                      parts: Sequence[Sequence[int]]) -> Dict:
    """Config overrides that point a config at the benchmark's data and
    schedule (and at a group trainset when ``spec.trainset`` is set)."""
    options = {
        'train_cfg.max_epochs': settings.epochs,
        # Validate once, after the last epoch: the scores that count are
        # dumped on val and test afterwards.
        'train_cfg.val_interval': settings.epochs,
        'default_hooks.checkpoint.max_keep_ckpts': 1,
    }
    for loader in LOADERS:
        if spec.trainset is not None:
            options[f'{loader}.dataset.type'] = 'PartGroupedPoseDataset'
            options[f'{loader}.dataset.num_parts_used'] = spec.trainset
    if spec.trainset is not None:
        trainset = build_trainset([list(p) for p in parts], spec.trainset)
        options['model.cls_head.num_classes'] = trainset.num_classes
    options.update(settings.cfg_options)
    return options


def point_config_at_data(cfg: Config, ann_file: str,
                         video_root: Optional[str] = None) -> None:
    """Make every data loader of ``cfg`` read ``ann_file``, and RGB clips
    from ``video_root`` (default: ``videos/`` beside ``ann_file``) where the
    config reads RGB."""
    video_root = video_root or osp.join(osp.dirname(ann_file), 'videos')
    for loader in LOADERS:
        dataset = cfg[loader].dataset
        dataset.ann_file = ann_file
        if 'data_prefix' in dataset:
            dataset.data_prefix = dict(video=video_root)


def load_config(spec: ModelSpec, options: Dict, settings: BenchmarkSettings,
                stage: str) -> Config:
    """The spec's config with ``options`` merged, reading RGB clips from
    ``settings.video_root`` where it reads RGB, logging to its work dir."""
    cfg = Config.fromfile(osp.join(CONFIG_ROOT, spec.config))
    cfg.merge_from_dict(options)
    point_config_at_data(cfg, settings.ann_file, settings.video_root)
    for scheduler in cfg.param_scheduler:
        if 'T_max' in scheduler:
            scheduler.T_max = settings.epochs
    cfg.work_dir = osp.join(settings.work_dir, spec.key)
    # A unique name keeps each Runner's logger and message hub its own.
    cfg.experiment_name = f'{spec.key}_{stage}_{time.time_ns()}'
    return cfg


def best_checkpoint(work_dir: str) -> str:
    """The ``best_*.pth`` of a run, else its last checkpoint."""
    best = sorted(f for f in os.listdir(work_dir)
                  if f.startswith('best_') and f.endswith('.pth'))
    if best:
        return osp.join(work_dir, best[-1])
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def dump_path(work_dir: str, split: str, num_clips: int) -> str:
    return osp.join(work_dir, f'{split}_noc{num_clips}.pkl')


def test_splits(settings: BenchmarkSettings) -> List[Tuple[str, int]]:
    """(split, NoC) pairs each model is tested on: val (for α search), then
    test at every NoC."""
    return [('val', settings.val_num_clips)] + [
        ('test', k) for k in settings.num_clips
    ]


def test_loader_cfg(cfg: Config, split: str, num_clips: int) -> Dict:
    """The config's test loader on ``split`` with ``num_clips`` clips."""
    loader = copy.deepcopy(cfg.test_dataloader)
    loader.dataset.split = split
    samplers = [t for t in loader.dataset.pipeline
                if t['type'].endswith('SampleFrames')]
    if not samplers:
        raise ValueError('The test pipeline has no *SampleFrames transform '
                         'whose num_clips could be set.')
    for sampler in samplers:
        sampler.num_clips = num_clips
    loader.persistent_workers = False
    return loader


def dump_scores(model, cfg: Config, split: str, num_clips: int,
                out_file: str) -> None:
    """Run ``model`` over ``split`` with ``num_clips`` clips and dump the data
    samples with mmengine's ``DumpResults`` (what ``--dump`` writes)."""
    loader = Runner.build_dataloader(test_loader_cfg(cfg, split, num_clips))
    evaluator = Evaluator([dict(type='DumpResults', out_file_path=out_file)])
    progress = mmengine.ProgressBar(len(loader))
    with torch.no_grad():
        for data in loader:
            evaluator.process(model.test_step(data), data)
            progress.update()
    evaluator.evaluate(len(loader.dataset))
    print(flush=True)


def test_checkpoint(spec: ModelSpec, options: Dict,
                    settings: BenchmarkSettings, checkpoint: str) -> None:
    """Dump the checkpoint's scores on every (split, NoC) of
    :func:`test_splits`, building the model once."""
    cfg = load_config(spec, options, settings, 'test')
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    model.eval()
    for split, num_clips in test_splits(settings):
        print(f'[{spec.key}] testing on {split} with {num_clips} clip(s)',
              flush=True)
        dump_scores(model, cfg, split, num_clips,
                    dump_path(cfg.work_dir, split, num_clips))


def train_and_test(spec: ModelSpec, settings: BenchmarkSettings,
                   parts: Sequence[Sequence[int]]) -> Dict:
    """Train one model and dump its scores; reuse a finished run."""
    work_dir = osp.join(settings.work_dir, spec.key)
    done_path = osp.join(work_dir, 'done.json')
    if osp.isfile(done_path):
        print(f'[{spec.key}] finished earlier, reusing {work_dir}',
              flush=True)
        return mmengine.load(done_path)
    options = model_cfg_options(spec, settings, parts)
    print(f'[{spec.key}] training {spec.config} for {settings.epochs} '
          'epochs', flush=True)
    start = time.time()
    runner = Runner.from_cfg(load_config(spec, options, settings, 'train'))
    runner.train()
    train_seconds = time.time() - start
    num_params = sum(p.numel() for p in runner.model.parameters())
    checkpoint = best_checkpoint(work_dir)
    test_checkpoint(spec, options, settings, checkpoint)
    record = dict(spec=asdict(spec), checkpoint=checkpoint,
                  train_seconds=round(train_seconds, 1),
                  num_params=int(num_params))
    mmengine.dump(record, done_path)
    return record


def model_scores(settings: BenchmarkSettings, key: str, split: str,
                 num_clips: int) -> ensemble.DumpedScores:
    path = dump_path(osp.join(settings.work_dir, key), split, num_clips)
    return ensemble.load_fused_dump(path)


def row_trainsets(row: RowSpec, settings: BenchmarkSettings, split: str,
                  num_clips: int, parts: Sequence[Sequence[int]]
                  ) -> List[ensemble.TrainsetScores]:
    """The row's models summed per trainset (just the primary set unless the
    row uses group training)."""
    indices = range(1, len(parts) + 1) if row.group_training else [len(parts)]
    trainsets = []
    for index in indices:
        dumps = [model_scores(settings, trainset_key(key, index, len(parts)),
                              split, num_clips) for key in row.models]
        label_map = build_trainset([list(p) for p in parts], index).label_map
        trainsets.append(
            ensemble.combine_models(dumps, label_map, f'trainset{index}'))
    return trainsets


def score_row(row: RowSpec, settings: BenchmarkSettings,
              parts: Sequence[Sequence[int]]) -> List[Dict]:
    """Metrics of one row at each NoC (α searched on val for GpT)."""
    alphas = np.ones(1)
    if row.group_training:
        val = row_trainsets(row, settings, 'val', settings.val_num_clips,
                            parts)
        alphas = ensemble.search_alphas(val,
                                        objective=settings.alpha_objective)
    results = []
    for num_clips in settings.num_clips:
        test = row_trainsets(row, settings, 'test', num_clips, parts)
        fused = ensemble.apply(test, alphas, parts=parts)
        results.append(dict(method=row.method, modality=row.modality,
                            num_clips=num_clips, alphas=alphas.tolist(),
                            models=row_model_keys(row, parts),
                            **fused.metrics))
        np.save(scores_file(settings.work_dir, row.method, num_clips),
                fused.scores)
        np.save(labels_file(settings.work_dir, num_clips), fused.labels)
    return results


def scores_file(work_dir: str, method: str, num_clips: int) -> str:
    """Where a row's fused test scores (N, C) are saved."""
    slug = re.sub(r'[^a-z0-9]+', '_', method.lower()).strip('_')
    return osp.join(work_dir, f'scores_{slug}_noc{num_clips}.npy')


def labels_file(work_dir: str, num_clips: int) -> str:
    """Where the test labels (N,) matching the score files are saved."""
    return osp.join(work_dir, f'test_labels_noc{num_clips}.npy')


def row_models(row: RowSpec, num_parts: int) -> List[Tuple[str, int]]:
    """``(model key, trainset index)`` of every model a row's scores come
    from: the primary models first, then their group trainsets."""
    indices = [num_parts]
    if row.group_training:
        indices += range(1, num_parts)
    return [(key, index) for index in indices for key in row.models]


def row_model_keys(row: RowSpec,
                   parts: Sequence[Sequence[int]]) -> List[str]:
    """Work-dir keys of every model a row's scores come from."""
    return [trainset_key(key, index, len(parts))
            for key, index in row_models(row, len(parts))]


def models_of(rows: Sequence[RowSpec], parts: Sequence[Sequence[int]],
              catalog: Dict[str, ModelSpec]) -> List[ModelSpec]:
    """Every model the rows need, group trainsets included, in row order."""
    specs: Dict[str, ModelSpec] = {}
    for row in rows:
        for base, index in row_models(row, len(parts)):
            key = trainset_key(base, index, len(parts))
            specs.setdefault(key, catalog[base] if key == base else
                             ModelSpec(key, catalog[base].config, index))
    return list(specs.values())


def selected_rows(settings: BenchmarkSettings) -> List[RowSpec]:
    if settings.rows is None:
        return list(TABLE1_ROWS)
    known = [row.method for row in TABLE1_ROWS]
    unknown = [name for name in settings.rows if name not in known]
    if unknown:
        raise InputError(f'Unknown Table 1 rows {unknown}; choose from '
                         f'{sorted(set(known))}')
    return [row for row in TABLE1_ROWS if row.method in settings.rows]


def check_settings(settings: BenchmarkSettings) -> None:
    """Raise :class:`InputError` for settings that would fail after
    training: missing data, NoC or epochs below 1."""
    message = missing_data(settings.ann_file, option='--ann-file')
    if message:
        raise MissingDataError(message)
    counts = dict(epochs=[settings.epochs], num_clips=settings.num_clips,
                  val_num_clips=[settings.val_num_clips])
    for name, values in counts.items():
        if not values or min(values) < 1:
            raise InputError(f'--{name.replace("_", "-")} must be >= 1, got '
                             f'{list(values)}.')


def run_benchmark(settings: BenchmarkSettings,
                  catalog: Dict[str, ModelSpec] = MIGSYNTH_MODELS) -> Dict:
    """Train/test every model the selected rows need, score the rows and
    write ``<work_dir>/results.json``.

    Returns:
        dict: ``rows`` (metrics per row and NoC), ``models`` (train time,
        parameters), ``parts`` and ``class_counts``.
    """
    check_settings(settings)
    rows = selected_rows(settings)
    os.makedirs(settings.work_dir, exist_ok=True)
    parts = group_parts(settings.ann_file)
    start = time.time()
    models = {spec.key: train_and_test(spec, settings, parts)
              for spec in models_of(rows, parts, catalog)}
    results = dict(
        settings=asdict(settings), parts=[list(map(int, p)) for p in parts],
        class_counts=train_class_counts(settings.ann_file),
        models=models,
        rows=[r for row in rows for r in score_row(row, settings, parts)],
        wall_seconds=round(time.time() - start, 1))
    for result in results['rows']:
        used = [models[key] for key in result['models']]
        result['num_params'] = sum(record['num_params'] for record in used)
        result['train_seconds'] = round(
            sum(record['train_seconds'] for record in used), 1)
    mmengine.dump(results, osp.join(settings.work_dir, 'results.json'),
                  indent=2)
    return results


def train_class_counts(ann_file: str) -> List[int]:
    """Training samples per class (classes from ``classes.txt`` if present,
    so classes absent from the train split count 0)."""
    labels = [a['label'] for a in load_split_annotations(ann_file, 'train')]
    num_classes = len(read_classes_file(ann_file) or []) or max(labels) + 1
    return class_counts(labels, num_classes).tolist()
