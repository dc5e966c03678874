"""Experiment files (``configs/experiments/*.py``): what to train and score.

An experiment file is an mmengine config naming the rows of a table, the
model config of each row, test NoC values, the group-training rule and the
Eq. 5 settings (see ``configs/experiments/table1_migsynth.py``).
:func:`load_experiment` reads one, applies command-line overrides and checks
it; :func:`plan_models` lists every model to train, group trainsets
included, in dependency order, each with its resolved config
(:func:`resolve_config`): the model config, the user's options, the data,
the schedule, then what the experiment derives (trainset wrapping and
``num_classes``, which therefore always win over user options).

Everything here raises :class:`InputError` (one line) for bad input, before
anything is trained.
"""
import copy
import functools
import json
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

from mmaction.models.utils import Graph

from ..datasets.data_check import LOADERS, loader_datasets, missing_data
from ..datasets.micro_gesture_dataset import read_classes_file
from ..datasets.part_grouped_dataset import (class_counts,
                                            load_split_annotations)
from ..errors import InputError, MissingDataError
from ..grouping.parts import build_trainset, split_parts
from ..models.backbones.layout_stgcn import layout_graph_cfg

STAGES = ('single', 'merge', 'rgbpose')
# Eq. 5's `fuse` -> how the ensemble brings dumped logits together: as they
# are (the paper's logits) or as softmax probabilities.
NORMALIZE = {'logits': 'none', 'prob': 'softmax'}
# The shipped configs, as installed for mim (a link to configs/ in a
# develop install, a copy in a wheel).
CONFIG_ROOT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), '.mim',
                       'configs')
# Keys that say where or how a run happens, not what it trains.
UNCOMPARED_KEYS = ('experiment_name', 'launcher', 'work_dir')
# Class subsets a claim can target without defining them: every class, and
# the classes outside the head part A of group training.
BUILTIN_SUBSETS = ('all', 'tail')
# A claim: its text, the row claimed better and the rows it is compared with
# (each [method, modality]), and the class subsets it targets.
CLAIM_KEYS = ('text', 'better', 'than', 'subsets')


@dataclass(frozen=True)
class ModelRun:
    """One model of an experiment: a training run, or a merge-init.

    Args:
        key (str): Folder name under the experiment's work dir.
        base (str): The experiment's model key (``key`` without the
            trainset suffix).
        config (str): Config path relative to ``configs/``.
        stage (str): ``'single'``, ``'merge'`` or ``'rgbpose'``.
        trainset (int, optional): Group trainset ``i`` (None: all classes).
        inputs (tuple[str]): Keys this run reads: the RGB and pose runs of a
            merge, the merge of an ``'rgbpose'`` run.
    """
    key: str
    base: str
    config: str
    stage: str
    trainset: Optional[int] = None
    inputs: Tuple[str, ...] = ()


def train_class_counts(ann_file: str) -> List[int]:
    """Training samples per class (classes from ``classes.txt`` if present,
    so classes absent from the train split count 0)."""
    labels = [a['label'] for a in load_split_annotations(ann_file, 'train')]
    num_classes = len(read_classes_file(ann_file) or []) or max(labels) + 1
    return class_counts(labels, num_classes).tolist()


def config_path(relative: str) -> str:
    """Absolute path of a config named relative to ``configs/``."""
    return osp.join(CONFIG_ROOT, relative)


def split_options(exp: Config, options: Dict) -> Tuple[Dict, Dict]:
    """Split ``--cfg-options`` into the experiment's fields and the rest
    (every model's config)."""
    own = {k: v for k, v in options.items() if k.split('.')[0] in exp}
    return own, {k: v for k, v in options.items() if k not in own}


def find_experiment(path: str) -> str:
    """``path`` if it exists, else the shipped file of that name
    (``configs/experiments/<name>``, wherever this package is installed)."""
    if osp.isfile(path):
        return path
    shipped = osp.join(CONFIG_ROOT, 'experiments', osp.basename(path))
    if osp.isfile(shipped):
        return shipped
    raise InputError(f'experiment file {path} does not exist; the shipped '
                     f'ones are in {osp.dirname(shipped)}')


def load_experiment(path: str, options: Optional[Dict] = None,
                    work_root: str = 'work_dirs') -> Config:
    """Read an experiment file, apply ``options`` and check it.

    Args:
        path (str): The experiment file.
        options (dict, optional): ``--cfg-options``: keys naming a field of
            the experiment set it; the others become ``model_options``,
            applied to every model's config.
        work_root (str): Parent of the work dir (``<work_root>/<name>``).

    Returns:
        Config: The experiment, with ``model_options`` and ``cfg_options``
        (all options as given, for the report).
    """
    path = find_experiment(path)
    exp = Config.fromfile(path)
    own, model_options = split_options(exp, dict(options or {}))
    exp.merge_from_dict(own)
    exp.model_options = model_options
    exp.cfg_options = dict(options or {})
    exp.experiment_file = path
    exp.work_dir = osp.join(work_root, exp.name)
    check_experiment(exp)
    return exp


def check_experiment(exp: Config) -> None:
    """Raise :class:`InputError` for rows naming unknown models, models with
    a missing config or an unknown stage, and bad NoC or fusion values."""
    for key, model in exp.models.items():
        if model.get('stage', 'single') not in STAGES:
            raise InputError(f'model {key}: stage {model.get("stage")!r} is '
                             f'not one of {STAGES}')
        if not isinstance(model.get('options', {}), dict):
            raise InputError(f'model {key}: options must be a dict of '
                             f"config keys, got {model.options!r}")
        if not osp.isfile(config_path(model.config)):
            raise InputError(f'model {key}: config {model.config} does not '
                             f'exist under {CONFIG_ROOT}')
        for needed in _model_inputs(exp, key):
            if needed not in exp.models:
                raise InputError(f'model {key} reads model {needed!r}, which '
                                 'the experiment does not define')
        init = exp.models.get(model.get('init'))
        if model.get('stage') == 'rgbpose' and init and (
                init.config != model.config):
            raise InputError(
                f"model {key} fine-tunes {model.config} from {model.init}'s "
                f'merge, built for {init.config}: set models.{model.init}.'
                f'config to the same config')
    for row in exp.rows:
        unknown = [k for k in row.models if k not in exp.models]
        if unknown:
            raise InputError(f'row {row.method!r} names unknown models '
                             f'{unknown}; the experiment defines '
                             f'{sorted(exp.models)}')
    values = dict(num_clips=list(exp.num_clips),
                  val_num_clips=[exp.val_num_clips])
    for field in ('epochs', 'finetune_epochs'):
        if exp.get(field) is not None:
            values[field] = [exp[field]]
    for name, given in values.items():
        if not given or min(given) < 1:
            raise InputError(f'{name} must be >= 1, got {given}')
    if exp.fuse not in NORMALIZE:
        raise InputError(f'fuse must be one of {tuple(NORMALIZE)}, got '
                         f'{exp.fuse!r}')
    check_claims(exp)
    if osp.isfile(exp.ann_file):  # else check_data stops the run later
        class_group_indices(exp)


def check_claims(exp: Config) -> None:
    """Raise :class:`InputError` for a claim naming a row the experiment
    does not have or a class subset that is neither built in nor in
    ``class_groups``."""
    rows = [[row.method, row.modality] for row in exp.rows]
    subsets = list(BUILTIN_SUBSETS) + list(exp.get('class_groups', {}))
    for name in BUILTIN_SUBSETS:
        if name in exp.get('class_groups', {}):
            raise InputError(f'class_groups must not define {name!r}: it is '
                             'a built-in subset')
    for claim in exp.get('claims', []):
        missing = [k for k in CLAIM_KEYS if k not in claim]
        if missing:
            raise InputError(f'claim {dict(claim)} lacks {missing}; a claim '
                             f'has {CLAIM_KEYS}')
        for row in [claim.better, *claim.than]:
            if list(row) not in rows:
                raise InputError(
                    f'claim {claim.text!r} names row {list(row)}, which '
                    f'{exp.experiment_file} does not have; its rows are '
                    f'{rows}')
        unknown = [s for s in claim.subsets if s not in subsets]
        if unknown:
            raise InputError(f'claim {claim.text!r} targets unknown class '
                             f'subsets {unknown}; define them in '
                             f'class_groups or use {subsets}')


def class_group_indices(exp: Config) -> Dict[str, List[int]]:
    """``class_groups`` (name -> class names) as class indices of
    ``classes.txt`` beside the experiment's ``ann_file``.

    Raises:
        InputError: A class name is not in ``classes.txt``, or there is no
            ``classes.txt`` to resolve names against.
    """
    groups = exp.get('class_groups', {})
    if not groups:
        return {}
    names = read_classes_file(exp.ann_file)
    if names is None:
        raise InputError(
            f'class_groups name classes but {osp.dirname(exp.ann_file)} has '
            'no classes.txt to find them in; add it (one class name a line) '
            'or set class_groups={}')
    indices = {}
    for group, members in groups.items():
        unknown = [m for m in members if m not in names]
        if unknown:
            raise InputError(
                f'class_groups.{group} names {unknown}, not classes of '
                f'{osp.join(osp.dirname(exp.ann_file), "classes.txt")}; '
                'use its names')
        indices[group] = sorted(names.index(m) for m in members)
    return indices


def _model_inputs(exp: Config, key: str) -> Tuple[str, ...]:
    model = exp.models[key]
    stage = model.get('stage', 'single')
    if stage == 'merge':
        return tuple(model.inputs)
    if stage == 'rgbpose':
        return (model.init, )
    return ()


def select_rows(exp: Config, methods: Optional[Sequence[str]]) -> None:
    """Keep only the rows whose method is in ``methods`` (None: all)."""
    if not methods:
        return
    known = [row.method for row in exp.rows]
    unknown = [m for m in methods if m not in known]
    if unknown:
        raise InputError(f'Unknown rows {unknown}; {exp.experiment_file} '
                         f'has {sorted(set(known))}')
    exp.rows = [row for row in exp.rows if row.method in methods]


def group_parts(exp: Config) -> List[List[int]]:
    """Parts A-D (head first) of the experiment's train split."""
    return split_parts(train_class_counts(exp.ann_file), exp.part_ratio,
                       exp.num_parts)


def trainset_key(base: str, index: int, num_parts: int) -> str:
    """Work-dir key of ``base`` trained on Trainset_``index``; the primary
    trainset (``index == num_parts``) is the model itself."""
    return base if index == num_parts else f'{base}_trainset{index}'


def row_models(row, num_parts: int) -> List[Tuple[str, int]]:
    """``(model key, trainset index)`` of every model a row's scores come
    from: the primary models first, then their group trainsets."""
    indices = [num_parts]
    if row.get('group_training', False):
        indices += range(1, num_parts)
    return [(key, index) for index in indices for key in row.models]


def _add_run(runs: Dict[str, ModelRun], exp: Config, base: str,
             trainset: Optional[int], num_parts: int) -> None:
    """Add ``base`` (on ``trainset``) and, first, the runs it reads."""
    key = base if trainset is None else trainset_key(base, trainset,
                                                     num_parts)
    if key in runs:
        return
    for needed in _model_inputs(exp, base):
        _add_run(runs, exp, needed, None, num_parts)
    model = exp.models[base]
    runs[key] = ModelRun(key, base, model.config,
                         model.get('stage', 'single'),
                         None if key == base else trainset,
                         _model_inputs(exp, base))


def plan_models(exp: Config, parts: Sequence[Sequence[int]]
                ) -> List[ModelRun]:
    """Every run the experiment's rows need, each after the runs it reads:
    single-modality models, merge-inits, RGB+pose, then group trainsets."""
    if any(row.get('group_training') for row in exp.rows) and len(parts) < 2:
        raise InputError(
            f'group training needs at least two parts, but the train counts '
            f'of {exp.ann_file} give {len(parts)} with part_ratio='
            f'{exp.part_ratio}; lower part_ratio or drop the GpT row')
    runs: Dict[str, ModelRun] = {}
    for row in exp.rows:
        for base, index in row_models(row, len(parts)):
            _add_run(runs, exp, base, index, len(parts))
    return sorted(runs.values(), key=lambda run: run.trainset is not None)


def run_dir(exp: Config, key: str) -> str:
    """Work dir of one run."""
    return osp.join(exp.work_dir, key)


def merge_path(exp: Config, key: str) -> str:
    """The ``.pth`` a merge run writes."""
    return osp.join(run_dir(exp, key), 'merged_init.pth')


def innermost_dataset(loader: Dict) -> Dict:
    """The dataset a loader reads, inside any wrappers (``RepeatDataset``)."""
    dataset = loader['dataset']
    while 'dataset' in dataset:
        dataset = dataset['dataset']
    return dataset


def point_config_at_data(cfg: Config, ann_file: str,
                         video_root: Optional[str] = None) -> None:
    """Make every data loader of ``cfg`` read ``ann_file``, and RGB clips
    from ``video_root`` (default: ``videos/`` beside ``ann_file``) where the
    config reads RGB."""
    video_root = video_root or osp.join(osp.dirname(ann_file), 'videos')
    for loader in LOADERS:
        dataset = innermost_dataset(cfg[loader])
        dataset.ann_file = ann_file
        if 'data_prefix' in dataset:
            dataset.data_prefix = dict(video=video_root)


def _set_schedule(cfg: Config, epochs: int) -> None:
    cfg.train_cfg.max_epochs = epochs
    # No validation during training: the scores that count are dumped on
    # val and test afterwards, from the last checkpoint.
    cfg.train_cfg.val_begin = epochs + 1
    for scheduler in cfg.param_scheduler:
        if 'T_max' in scheduler:
            scheduler.T_max = epochs
        if 'end' in scheduler:
            scheduler.end = min(scheduler.end, epochs)


def _wrap_trainset(cfg: Config, exp: Config, index: int,
                   parts: Sequence[Sequence[int]]) -> None:
    for loader in LOADERS:
        innermost_dataset(cfg[loader]).update(
            type='PartGroupedPoseDataset', num_parts_used=index,
            part_ratio=exp.part_ratio, num_parts=exp.num_parts,
            others_size=exp.others_size, others_seed=exp.others_seed)
    cfg.model.cls_head.num_classes = build_trainset(
        [list(p) for p in parts], index).num_classes


def check_num_classes(cfg: Config, run: ModelRun, num_classes: int,
                      ann_file: str) -> None:
    """Raise :class:`InputError` when the model's classes are not the
    dataset's."""
    head = cfg.get('model', {}).get('cls_head') or {}
    if head.get('num_classes') != num_classes:
        raise InputError(
            f'model {run.key} ({run.config}): model.cls_head.num_classes is '
            f'{head.get("num_classes")} but {ann_file} has {num_classes} '
            f'classes; set --cfg-options model.cls_head.num_classes='
            f'{num_classes} or use a config for this dataset')


@functools.lru_cache(maxsize=8)
def data_num_joints(ann_file: str) -> int:
    """Joints per skeleton of the data (its first training sample)."""
    return load_split_annotations(ann_file, 'train')[0]['keypoint'].shape[-2]


def check_model_takes_data(cfg: Config, run: ModelRun, ann_file: str) -> None:
    """Raise :class:`InputError` when the model cannot take the data: RGB
    clips the data does not have, a skeleton graph without limbs or with
    another number of joints than the data's."""
    for _, dataset in loader_datasets(cfg):
        video = (dataset.get('data_prefix') or {}).get('video')
        if video and not osp.isdir(video):
            raise InputError(
                f'model {run.key} ({run.config}) reads RGB clips from '
                f'{video}, which does not exist: {ann_file} has no videos '
                '(the MiGA 2023 release is pose-only); leave its rows out '
                '(--rows) or set video_root to the clips')
    graph_cfg = cfg.model.get('backbone', {}).get('graph_cfg')
    if graph_cfg is None:
        return
    try:
        num_node = Graph(**layout_graph_cfg(graph_cfg)).num_node
    except InputError as error:
        raise InputError(f'model {run.key} ({run.config}): {error}') \
            from error
    joints = data_num_joints(ann_file)
    if num_node != joints:
        raise InputError(
            f'model {run.key} ({run.config}): its skeleton graph '
            f'(graph_cfg.layout={graph_cfg.get("layout")!r}) has {num_node} '
            f'joints but {ann_file} has {joints}; use a config for this '
            "data's layout or set model.backbone.graph_cfg.layout")


def resolve_config(exp: Config, run: ModelRun,
                   parts: Sequence[Sequence[int]]) -> Config:
    """The config a training run uses, everything applied.

    Order: the model config; the model's ``options`` in the experiment;
    the user's model options (``--cfg-options``); the experiment's
    data, schedule (``finetune_epochs`` for ``'rgbpose'`` runs, else
    ``epochs``) and work dir; the merge-init as ``load_from`` of an
    ``'rgbpose'`` run; for a group trainset, the ``PartGroupedPoseDataset``
    wrapping and the trainset's ``num_classes`` last, so they always win.
    """
    cfg = Config.fromfile(config_path(run.config))
    cfg.merge_from_dict(copy.deepcopy(exp.models[run.base].get('options',
                                                               {})))
    cfg.merge_from_dict(copy.deepcopy(exp.model_options))
    point_config_at_data(cfg, exp.ann_file, exp.video_root)
    check_num_classes(cfg, run, len(train_class_counts(exp.ann_file)),
                      exp.ann_file)
    check_model_takes_data(cfg, run, exp.ann_file)
    epochs = exp.epochs
    if run.stage == 'rgbpose' and exp.get('finetune_epochs') is not None:
        epochs = exp.finetune_epochs
    if epochs is not None:
        _set_schedule(cfg, epochs)
    cfg.default_hooks.checkpoint.max_keep_ckpts = 1
    cfg.work_dir = run_dir(exp, run.key)
    if run.stage == 'rgbpose':
        cfg.load_from = merge_path(exp, run.inputs[0])
    if run.trainset is not None:
        _wrap_trainset(cfg, exp, run.trainset, parts)
    return cfg


def comparable(cfg: Config) -> Dict:
    """A config as plain JSON data, without where/how-it-runs keys: what
    must match for a finished run to be reused."""
    data = {k: v for k, v in cfg.to_dict().items()
            if k not in UNCOMPARED_KEYS}
    return json.loads(json.dumps(data, sort_keys=True, default=str))


def first_difference(old, new, prefix: str = '') -> Optional[str]:
    """``'key: old -> new'`` of the first differing leaf, None if equal."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            found = first_difference(old.get(key), new.get(key),
                                     f'{prefix}{key}.')
            if found:
                return found
        return None
    if isinstance(old, list) and isinstance(new, list) and \
            len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new)):
            found = first_difference(a, b, f'{prefix}{index}.')
            if found:
                return found
        return None
    return None if old == new else f'{prefix[:-1]}: {old!r} -> {new!r}'


def check_data(exp: Config) -> None:
    """Raise :class:`MissingDataError` when the experiment's data is
    missing."""
    message = missing_data(exp.ann_file, option='--ann-file')
    if message:
        raise MissingDataError(message)
