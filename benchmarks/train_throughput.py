"""Training iteration time, split into data time and compute, per heatmap
renderer: PoseC3D pose-only and RGB+pose at 17 and 137 joints.

Each case trains the shipped MiG-Synth PoseC3D config (``-tiny``) for a few
iterations through mmengine's Runner on a small MiG-Synth build and reads
the Runner's own ``data_time`` and ``time`` (IterTimerHook) per iteration:

* ``mmaction2``: MMAction2's ``GeneratePoseTarget`` in the pipeline;
* ``ours``: ``GeneratePoseHeatmap`` in the pipeline (vectorised);
* ``on_device``: ``GeneratePoseHeatmap(on_device=True)`` packs keypoints and
  ``PoseHeatmapPreprocessor`` draws the batch on the model's device.

The data loader runs in the main process (``num_workers=0``), so
``data_time`` is what the pipeline costs per batch, i.e. what workers must
hide; ``compute`` = ``time - data_time`` (forward, backward, step, and the
on-device heatmaps). 17 joints are MiG-Synth's COCO-named body joints
(picked by name from ``openpose137``). CUDA is used when present.

    python benchmarks/train_throughput.py [--iters 6] [--batch 8] [--quick]

Writes ``work_dirs/benchmarks/train_throughput.json`` (or ``--out``) and
``.md`` + ``.png`` tables beside it (``benchmarks/tables.py``).
"""
import argparse
import copy
import os.path as osp
import sys
import tempfile
import time
from pathlib import Path

import mmengine
import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import Runner

sys.path.insert(0, str(Path(__file__).parent))
from tables import write_json, write_table  # noqa: E402

import m2hen_mmaction  # noqa: E402,F401
from m2hen_mmaction.data.migsynth.generate import build_migsynth  # noqa: E402
from m2hen_mmaction.datasets.transforms.pose_heatmap import \
    pose_target_args  # noqa: E402
from m2hen_mmaction.skeleton import get_layout  # noqa: E402

CONFIGS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                   'configs', 'posec3d')
MODALITIES = {
    'pose': 'posec3d_resnet3d-slowonly-tiny_1xb16-u16-12e_migsynth-pose.py',
    'rgbpose': 'posec3d_rgbposeconv3d-tiny_1xb16-u4u16-12e_migsynth-'
               'rgbpose.py',
}
LAYOUTS = ('coco17', 'openpose137')
VARIANTS = ('mmaction2', 'ours', 'on_device')
WARMUP_ITERS = 2


def joint_subset(ann_file: str, layout: str, out_dir: str) -> str:
    """``ann_file`` with only ``layout``'s joints (picked by name from
    openpose137), written to ``out_dir`` beside a link to its videos."""
    if layout == 'openpose137':
        return ann_file
    names = get_layout('openpose137').joint_names
    keep = [names.index(name) for name in get_layout(layout).joint_names]
    data = mmengine.load(ann_file)
    for sample in data['annotations']:
        sample['keypoint'] = sample['keypoint'][:, :, keep]
        sample['keypoint_score'] = sample['keypoint_score'][:, :, keep]
    path = osp.join(out_dir, f'migsynth_{layout}.pkl')
    mmengine.dump(data, path)
    videos = osp.join(out_dir, 'videos')
    if not osp.exists(videos):
        mmengine.symlink(osp.join(osp.dirname(ann_file), 'videos'), videos)
    return path


def heatmap_step(variant: str, base: dict, layout: str) -> dict:
    """The pipeline's heatmap transform for ``variant``."""
    args = {k: v for k, v in base.items() if k not in ('type', 'layout')}
    if variant == 'mmaction2':
        return dict(type='GeneratePoseTarget', **args,
                    **pose_target_args(layout))
    return dict(base, layout=layout, on_device=variant == 'on_device')


def case_config(modality: str, layout: str, variant: str, ann_file: str,
                iters: int, batch: int, work_dir: str) -> Config:
    """The shipped config, reading ``ann_file``, trained ``iters``
    iterations with ``variant``'s heatmaps and no validation."""
    cfg = Config.fromfile(osp.join(CONFIGS, MODALITIES[modality]))
    pipeline = cfg.train_dataloader.dataset.pipeline
    index = next(i for i, t in enumerate(pipeline)
                 if t['type'] == 'GeneratePoseHeatmap')
    step = heatmap_step(variant, pipeline[index], layout)
    pipeline[index] = step
    num_joints = get_layout(layout).num_joints
    if modality == 'pose':
        cfg.model.backbone.in_channels = num_joints
    else:
        cfg.model.backbone.pose_pathway.in_channels = num_joints
    if variant == 'on_device':
        on_device = dict(type='PoseHeatmapPreprocessor', heatmap=step)
        if modality == 'pose':
            cfg.model.data_preprocessor = dict(on_device,
                                               format_shape='NCTHW')
        else:
            cfg.model.data_preprocessor.preprocessors.heatmap_imgs = dict(
                on_device, **{k: v for k, v in cfg.model.data_preprocessor.
                              preprocessors.heatmap_imgs.items()
                              if k != 'type'})
    dataset = cfg.train_dataloader.dataset
    dataset.update(ann_file=ann_file, layout=layout)
    if 'data_prefix' in dataset:
        dataset.data_prefix = dict(video=osp.join(osp.dirname(ann_file),
                                                  'videos'))
    cfg.train_dataloader.update(batch_size=batch, num_workers=0,
                                persistent_workers=False)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(by_epoch=False)
    cfg.work_dir = work_dir
    cfg.experiment_name = f'{modality}_{layout}_{variant}_{time.time_ns()}'
    return cfg


def measure(cfg: Config) -> dict:
    """Mean data time and iteration time (s) after the warm-up iterations."""
    runner = Runner.from_cfg(cfg)
    runner.train()
    hub = runner.message_hub
    data_time = np.array(hub.get_scalar('train/data_time').data[0])
    iter_time = np.array(hub.get_scalar('train/time').data[0])
    data_time, iter_time = data_time[WARMUP_ITERS:], iter_time[WARMUP_ITERS:]
    return dict(data_time=float(data_time.mean()),
                time=float(iter_time.mean()),
                compute=float((iter_time - data_time).mean()),
                iters=int(iter_time.size))


def run(args: argparse.Namespace, root: str) -> list:
    ann_file = build_migsynth(osp.join(root, 'migsynth'), seed=0,
                              train_clips=args.clips, val_per_class=1,
                              test_per_class=1, num_frames=48,
                              num_subjects=9, progress=False)
    results = []
    for layout in args.layouts:
        data = joint_subset(ann_file, layout, osp.join(root, 'migsynth'))
        for modality in args.modalities:
            for variant in VARIANTS:
                cfg = case_config(modality, layout, variant, data,
                                  args.iters + WARMUP_ITERS, args.batch,
                                  osp.join(root, 'work'))
                record = dict(modality=modality, layout=layout,
                              variant=variant, **measure(cfg))
                print(record, flush=True)
                results.append(record)
    return results


def table_rows(results: list, batch: int) -> list:
    rows = []
    for record in results:
        baseline = next(r for r in results if r['variant'] == 'mmaction2'
                        and r['modality'] == record['modality']
                        and r['layout'] == record['layout'])
        rows.append([
            record['modality'], record['layout'], record['variant'],
            f"{1000 * record['data_time']:.1f}",
            f"{1000 * record['compute']:.1f}",
            f"{100 * record['data_time'] / record['time']:.0f} %",
            f"{batch / record['time']:.1f}",
            f"{baseline['time'] / record['time']:.2f}x"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=6,
                        help='measured iterations (after 2 warm-up ones)')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--clips', type=int, default=64,
                        help='MiG-Synth training clips built for the run')
    parser.add_argument('--quick', action='store_true',
                        help='pose-only at 17 joints, batch 2, 1 iteration '
                        '(checks the script, measures nothing)')
    parser.add_argument('--out', default='work_dirs/benchmarks/'
                        'train_throughput.json')
    args = parser.parse_args()
    args.layouts, args.modalities = LAYOUTS, tuple(MODALITIES)
    if args.quick:
        args.layouts, args.modalities = ('coco17', ), ('pose', )
        args.iters, args.batch, args.clips = 1, 2, 16
    with tempfile.TemporaryDirectory() as root:
        results = run(args, root)
    out = write_json(dict(batch=args.batch, iters=args.iters,
                          device='cuda' if torch.cuda.is_available() else
                          'cpu', results=results), args.out)
    write_table(
        out, 'Training iteration: data time vs compute, per heatmap renderer',
        ['modality', 'joints', 'heatmaps', 'data ms/iter', 'compute ms/iter',
         'data share', 'clips/s', 'speed vs MMAction2'],
        table_rows(results, args.batch),
        [f'batch {args.batch}, {args.iters} iterations after '
         f'{WARMUP_ITERS} warm-up; data loader in the main process '
         '(num_workers=0): data time is the pipeline cost workers must hide',
         'MiG-Synth -tiny PoseC3D configs; 17 joints = the COCO-named '
         'joints of openpose137'])


if __name__ == '__main__':
    main()
