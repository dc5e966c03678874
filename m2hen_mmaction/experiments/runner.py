"""Run an experiment file in this process: train, test dumps, score rows.

``m2hen benchmark <experiment>`` (and ``make demo``) trains every run of
:func:`~.experiment.plan_models` that has not finished, with mmengine's
``Runner`` in this process (no start-up cost per model), builds merge-inits,
tests each model on val and test at each number of clips (NoC) and dumps
the clip-averaged logits (``average_clips='score'``) as
``tools/test.py --dump`` does; then scores single models, the EHCT ensemble
(HgE) and group training (GpT, Eq. 5 with α searched on val and applied once
to test).

A run's resolved config is written to ``<work_dir>/configs/<run>.py`` before
it starts; once trained and tested, its folder gets ``done.json`` (the resolved config,
checkpoint, train time, parameters; GFLOPs where the experiment sets
``count_flops``). Runs made by the commands of
``--plan`` (``mim train``/``mim test``) are recognised by their resolved
config, checkpoint and dumps. A finished run is reused only if its
config equals the one now asked for; otherwise :class:`InputError` says
which setting differs, before anything is trained.
"""
import os
import os.path as osp
import re
import time
from typing import Dict, List, Optional, Sequence, Tuple

import mmengine
import numpy as np
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from mmengine.runner import Runner, load_checkpoint

from mmaction.registry import MODELS
from mmaction.utils import register_all_modules

from ..compat import safe_load_checkpoint
from ..errors import InputError
from ..evaluation.metrics import class_recalls
from ..grouping import ensemble
from ..grouping.parts import build_trainset
from .complexity import model_gflops
from .experiment import (NORMALIZE, ModelRun, check_data,
                         class_group_indices, comparable,
                         first_difference, group_parts, innermost_dataset,
                         merge_path,
                         plan_models, resolve_config, row_models, run_dir,
                         train_class_counts, trainset_key)
from .parallel import train_in_parallel

DONE = 'done.json'


def dump_path(work_dir: str, split: str, num_clips: int) -> str:
    """Where a run's scores on ``split`` at ``num_clips`` are dumped."""
    return osp.join(work_dir, f'{split}_noc{num_clips}.pkl')


def test_splits(exp: Config) -> List[Tuple[str, int]]:
    """(split, NoC) pairs each model is tested on: val (for the α search),
    then test at every NoC."""
    return [(exp.val_split, exp.val_num_clips)] + [
        ('test', k) for k in exp.num_clips]


def _dataset_key(loader: Dict, prefix: str) -> str:
    """Dotted path of the loader's innermost dataset."""
    dataset = loader['dataset']
    prefix += '.dataset'
    while 'dataset' in dataset:
        dataset, prefix = dataset['dataset'], prefix + '.dataset'
    return prefix


def test_options(cfg: Config, split: str, num_clips: int) -> Dict:
    """``--cfg-options`` that test ``cfg`` on ``split`` with ``num_clips``
    clips and dump clip-averaged logits."""
    prefix = _dataset_key(cfg.test_dataloader, 'test_dataloader')
    pipeline = innermost_dataset(cfg.test_dataloader).pipeline
    samplers = [i for i, t in enumerate(pipeline)
                if t['type'].endswith('SampleFrames')]
    if any(is_segment_sampler(pipeline[i]) for i in samplers):
        # TSN/TRN/TSM: num_clips are the segments the model is built for;
        # they are tested on their recipe's views at every NoC.
        samplers = []
    elif not samplers:
        raise InputError(f'{cfg.filename}: the test pipeline has no '
                         '*SampleFrames transform whose num_clips could be '
                         'set')
    options = {f'{prefix}.split': split,
               'model.cls_head.average_clips': 'score'}
    options.update({f'{prefix}.pipeline.{i}.num_clips': num_clips
                    for i in samplers})
    return options


def is_segment_sampler(transform: Dict) -> bool:
    """A 2D model's ``SampleFrames(clip_len=1)``: its ``num_clips`` are
    segments (TSN, TRN, TSM), not clips."""
    return transform['type'] == 'SampleFrames' and \
        transform.get('clip_len') == 1


def best_checkpoint(work_dir: str) -> Optional[str]:
    """The ``best_*.pth`` of a run, else its last checkpoint, else None."""
    if not osp.isdir(work_dir):
        return None
    best = sorted(f for f in os.listdir(work_dir)
                  if f.startswith('best_') and f.endswith('.pth'))
    if best:
        return osp.join(work_dir, best[-1])
    last = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(last):
        return None
    with open(last) as f:
        path = f.read().strip()
    return path if osp.isfile(path) else None


def run_output(exp: Config, run: ModelRun) -> Optional[str]:
    """What a finished run leaves: the merged init, else its checkpoint."""
    if run.stage == 'merge':
        path = merge_path(exp, run.key)
        return path if osp.isfile(path) else None
    return best_checkpoint(run_dir(exp, run.key))


def _dumps_complete(exp: Config, run: ModelRun) -> bool:
    if run.stage == 'merge':
        return True
    return all(osp.isfile(dump_path(run_dir(exp, run.key), split, k))
               for split, k in test_splits(exp))


def finished_record(exp: Config, run: ModelRun, cfg: Config
                    ) -> Optional[Dict]:
    """The run's ``done.json`` record if it finished with ``cfg``; None if
    it has not finished.

    Raises:
        InputError: It finished with another config.
    """
    folder = run_dir(exp, run.key)
    done = osp.join(folder, DONE)
    if osp.isfile(done):
        record = mmengine.load(done)
        old = record['config']
    elif osp.isfile(config_file(exp, run.key)) and run_output(exp, run) \
            and _dumps_complete(exp, run):
        # Trained and tested by the --plan commands (their script stops at
        # the first failure, so dumps mean training finished).
        record = None
        old = comparable(Config.fromfile(config_file(exp, run.key)))
    else:
        return None
    difference = first_difference(old, comparable(cfg))
    if difference:
        raise InputError(
            f'{folder} finished with another config ({difference}); use '
            f'another --name or delete {folder} to train it again')
    if record is None:
        record = write_done(exp, run, cfg, train_seconds=None)
    return record


def write_done(exp: Config, run: ModelRun, cfg: Config,
               train_seconds: Optional[float]) -> Dict:
    """Mark a run finished: ``done.json`` with its resolved config."""
    output = run_output(exp, run)
    weights = safe_load_checkpoint(output, map_location='cpu')
    weights = weights.get('state_dict', weights)
    record = dict(key=run.key, config_file=run.config, stage=run.stage,
                  trainset=run.trainset, checkpoint=output,
                  train_seconds=train_seconds,
                  num_params=int(sum(w.numel() for w in weights.values())),
                  gflops=model_gflops(cfg) if exp.get('count_flops')
                  and run.stage != 'merge' else None,
                  config=comparable(cfg))
    mmengine.dump(record, osp.join(run_dir(exp, run.key), DONE), indent=2)
    return record


def config_file(exp: Config, key: str) -> str:
    """Where a run's resolved config is written (outside the run's folder,
    where mmengine's Runner dumps the config it ran, ``load_from``
    included)."""
    return osp.join(exp.work_dir, 'configs', f'{key}.py')


def write_config(exp: Config, key: str, cfg: Config) -> str:
    """Write a run's resolved config where its commands read it."""
    path = config_file(exp, key)
    os.makedirs(osp.dirname(path), exist_ok=True)
    cfg.dump(path)
    return path


def dump_scores(model, cfg: Config, out_file: str) -> None:
    """Run ``model`` over ``cfg``'s test loader and dump the data samples
    with mmengine's ``DumpResults`` (what ``--dump`` writes), atomically."""
    loader_cfg = cfg.test_dataloader
    loader_cfg.persistent_workers = False
    loader = Runner.build_dataloader(loader_cfg)
    partial = out_file + '.partial.pkl'
    evaluator = Evaluator([dict(type='DumpResults', out_file_path=partial)])
    progress = mmengine.ProgressBar(len(loader))
    with torch.no_grad():
        for data in loader:
            evaluator.process(model.test_step(data), data)
            progress.update()
    evaluator.evaluate(len(loader.dataset))
    os.replace(partial, out_file)
    print(flush=True)


def test_run(exp: Config, run: ModelRun, cfg: Config,
             checkpoint: str) -> None:
    """Dump the checkpoint's scores on every (split, NoC) not dumped yet,
    building the model once."""
    model = None
    for split, num_clips in test_splits(exp):
        out_file = dump_path(cfg.work_dir, split, num_clips)
        if osp.isfile(out_file):
            continue
        test_cfg = Config(cfg.to_dict())
        test_cfg.merge_from_dict(test_options(cfg, split, num_clips))
        if model is None:
            model = MODELS.build(test_cfg.model)
            load_checkpoint(model, checkpoint, map_location='cpu',
                            logger='silent')
            model.eval()
        print(f'[{run.key}] testing on {split} with {num_clips} clip(s)',
              flush=True)
        dump_scores(model, test_cfg, out_file)


def merge_run(exp: Config, run: ModelRun, config_file: str) -> None:
    """Build a merge-init from the RGB and pose runs' checkpoints."""
    from .merge_init import merge_init
    rgb, pose = (best_checkpoint(run_dir(exp, key)) for key in run.inputs)
    print(f'[{run.key}] merging {rgb} and {pose}', flush=True)
    merge_init(rgb, pose, merge_path(exp, run.key), config_file)


def train_run(exp: Config, run: ModelRun, cfg: Config) -> Dict:
    """Train (or merge) one run in this process, test it, mark it done."""
    resolved = write_config(exp, run.key, cfg)
    start = time.time()
    if run.stage == 'merge':
        merge_run(exp, run, resolved)
        return write_done(exp, run, cfg, round(time.time() - start, 1))
    print(f'[{run.key}] training {run.config}', flush=True)
    # A unique name keeps each Runner's logger and message hub its own.
    train_cfg = Config(cfg.to_dict())
    train_cfg.experiment_name = f'{run.key}_{time.time_ns()}'
    Runner.from_cfg(train_cfg).train()
    train_seconds = round(time.time() - start, 1)
    test_run(exp, run, cfg, best_checkpoint(cfg.work_dir))
    return write_done(exp, run, cfg, train_seconds)


def prepare(exp: Config) -> Tuple[List[List[int]], List[Tuple[ModelRun,
                                                              Config]],
                                   Dict[str, Optional[Dict]]]:
    """Check everything before anything runs: the data, the parts, every
    run's resolved config, finished runs' configs.

    Returns:
        tuple: The parts, ``(run, resolved config)`` in dependency order,
        and each run's ``done.json`` record (None if not finished).
    """
    check_data(exp)
    parts = group_parts(exp)
    pairs = [(run, resolve_config(exp, run, parts))
             for run in plan_models(exp, parts)]
    records = {run.key: finished_record(exp, run, cfg) for run, cfg in pairs}
    return parts, pairs, records


def model_scores(exp: Config, key: str, split: str,
                 num_clips: int) -> ensemble.DumpedScores:
    """One run's dumped scores: logits (for RGB+pose networks the centred
    log of their heads' mean probability,
    :func:`~m2hen_mmaction.grouping.ensemble.load_fused_dump`)."""
    path = dump_path(run_dir(exp, key), split, num_clips)
    return ensemble.load_fused_dump(path)


def row_trainsets(exp: Config, row, split: str, num_clips: int,
                  parts: Sequence[Sequence[int]]
                  ) -> List[ensemble.TrainsetScores]:
    """The row's models summed per trainset (just the primary set unless the
    row uses group training)."""
    indices = range(1, len(parts) + 1) if row.get('group_training') else \
        [len(parts)]
    trainsets = []
    for index in indices:
        dumps = [model_scores(exp, trainset_key(key, index, len(parts)),
                              split, num_clips) for key in row.models]
        label_map = build_trainset([list(p) for p in parts], index).label_map
        trainsets.append(ensemble.combine_models(
            dumps, label_map, f'trainset{index}', NORMALIZE[exp.fuse]))
    return trainsets


def row_keys(row, parts: Sequence[Sequence[int]]) -> List[str]:
    """Work-dir keys of every run a row's scores come from."""
    return [trainset_key(key, index, len(parts))
            for key, index in row_models(row, len(parts))]


def val_metrics(fused: ensemble.EnsembleResult) -> Dict:
    """Top-1, class-average and each class's recall (None where val has
    no clip of the class) of a row fused on val."""
    recall = class_recalls(fused.scores, fused.labels)
    return dict(top1=fused.metrics['top1'], mean1=fused.metrics['mean1'],
                recall=[None if np.isnan(r) else float(r) for r in recall])


def score_row(exp: Config, row, parts: Sequence[Sequence[int]]
              ) -> List[Dict]:
    """Metrics of one row at each NoC (α searched on val for GpT), with the
    row's val metrics (:func:`val_metrics`, at ``val_num_clips``)."""
    val = row_trainsets(exp, row, exp.val_split, exp.val_num_clips, parts)
    alphas = np.ones(1)
    if row.get('group_training'):
        alphas = ensemble.search_alphas(val, grid=exp.alpha_grid,
                                        gate=exp.gate,
                                        objective=exp.alpha_objective)
    on_val = val_metrics(ensemble.apply(val, alphas, gate=exp.gate))
    results = []
    for num_clips in exp.num_clips:
        test = row_trainsets(exp, row, 'test', num_clips, parts)
        fused = ensemble.apply(test, alphas, gate=exp.gate, parts=parts)
        results.append(dict(method=row.method, modality=row.modality,
                            num_clips=num_clips, alphas=alphas.tolist(),
                            models=row_keys(row, parts), val=on_val,
                            **fused.metrics))
        np.save(scores_file(exp.work_dir, row.method, row.modality,
                            num_clips), fused.scores)
        np.save(labels_file(exp.work_dir, num_clips), fused.labels)
    return results


def checked_score_row(exp: Config, row, parts: Sequence[Sequence[int]]
                      ) -> List[Dict]:
    """:func:`score_row`; dumps that do not fit together (other samples,
    class counts) are an :class:`InputError` naming the row."""
    try:
        return score_row(exp, row, parts)
    except ValueError as error:
        raise InputError(f'row {row.method!r}: {error}') from error


def scores_file(work_dir: str, method: str, modality: str,
                num_clips: int) -> str:
    """Where a row's fused test scores (N, C) are saved."""
    slug = re.sub(r'[^a-z0-9]+', '_', f'{method} {modality}'.lower()).strip(
        '_')
    return osp.join(work_dir, f'scores_{slug}_noc{num_clips}.npy')


def labels_file(work_dir: str, num_clips: int) -> str:
    """Where the test labels (N,) matching the score files are saved."""
    return osp.join(work_dir, f'test_labels_noc{num_clips}.npy')


def _with_totals(result: Dict, models: Dict[str, Dict]) -> Dict:
    used = [models[key] for key in result['models']]
    seconds = [record['train_seconds'] for record in used]
    result['num_params'] = sum(record['num_params'] for record in used)
    gflops = [record.get('gflops') for record in used]
    result['gflops'] = None if None in gflops else round(sum(gflops), 4)
    result['train_seconds'] = None if None in seconds else round(
        sum(seconds), 1)
    result['configs'] = sorted({record['config_file'] for record in used})
    return result


def run_experiment(exp: Config, train: bool = True, jobs: int = 1) -> Dict:
    """Train/test what is missing (unless ``train`` is False), score every
    row whose runs finished and write ``<work_dir>/results.json``.

    Args:
        exp (Config): The experiment (:func:`~.experiment.load_experiment`).
        train (bool): Train and test the runs that have not finished.
        jobs (int): Runs trained at once, each in a worker process
            (:func:`~.parallel.train_in_parallel`); 1 trains them one after
            another in this process.

    Returns:
        dict: ``rows`` (metrics per row and NoC), ``missing_rows`` (rows
        whose runs have not finished, with those runs), ``models``,
        ``parts``, ``class_counts`` and the experiment's settings.
    """
    with DefaultScope.overwrite_default_scope('mmaction'):
        register_all_modules(init_default_scope=False)
        return _run(exp, train, jobs)


def _run(exp: Config, train: bool, jobs: int) -> Dict:
    parts, pairs, records = prepare(exp)
    os.makedirs(exp.work_dir, exist_ok=True)
    start = time.time()
    for run, cfg in pairs:
        if records[run.key]:
            print(f'[{run.key}] finished, reusing '
                  f'{run_dir(exp, run.key)}', flush=True)
            if train and run.stage != 'merge':  # e.g. a new --num-clips
                test_run(exp, run, cfg, records[run.key]['checkpoint'])
    todo = [(run, cfg) for run, cfg in pairs if not records[run.key]]
    if train and jobs > 1:
        records.update(train_in_parallel(
            exp, todo, {key for key, r in records.items() if r}, jobs))
    elif train:
        records.update({run.key: train_run(exp, run, cfg)
                        for run, cfg in todo})
    models = {run.key: records[run.key] for run, _ in pairs
              if records[run.key]}
    scored, missing = [], []
    for row in exp.rows:
        absent = [k for k in row_keys(row, parts) if k not in models]
        if absent:
            missing.append(dict(method=row.method, modality=row.modality,
                                runs=absent))
        else:
            scored += [_with_totals(r, models)
                       for r in checked_score_row(exp, row, parts)]
    results = dict(
        settings=settings_of(exp), parts=[list(map(int, p)) for p in parts],
        class_groups=class_group_indices(exp),
        class_counts=train_class_counts(exp.ann_file), models=models,
        rows=scored, missing_rows=missing,
        wall_seconds=round(time.time() - start, 1))
    mmengine.dump(results, osp.join(exp.work_dir, 'results.json'), indent=2)
    return results


def settings_of(exp: Config) -> Dict:
    """The experiment's settings as the report states them."""
    keys = ('name', 'experiment_file', 'ann_file', 'epochs', 'finetune_epochs',
            'num_clips', 'val_num_clips', 'val_split', 'part_ratio', 'num_parts',
            'others_size', 'fuse', 'gate', 'alpha_grid', 'alpha_objective',
            'cfg_options', 'claims', 'report', 'not_run')
    return {key: exp.get(key) for key in keys}
