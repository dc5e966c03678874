"""Samples/s of the PoseC3D training pipeline with each heatmap renderer.

The full PoseC3D training pipeline (UniformSampleFrames, PoseDecode,
PoseCompact, Resize, RandomResizedCrop, Resize 56x56, Flip, heatmaps,
FormatShape, PackActionInputs) on synthetic 137-joint OpenPose samples, in
one process on one core, with the same random draws for every variant
(best of ``--passes`` passes):

* ``mmaction2``: MMAction2's ``GeneratePoseTarget``;
* ``ours``: ``GeneratePoseHeatmap`` (CPU, vectorised);
* ``on_device``: ``GeneratePoseHeatmap(on_device=True)`` packs keypoints and
  ``PoseHeatmapPreprocessor`` draws the batch (torch on CPU here; the
  pipeline alone is what a dataloader worker pays when it runs on a GPU).

Each variant reports pipeline-only samples/s and samples/s including its
data preprocessor (collate + stack to the model's input batch).

    python benchmarks/dataloader.py [--samples 16] [--batch 8] [--out PATH]

Besides the JSON, writes ``<out stem>.md`` and ``.png`` tables
(``benchmarks/tables.py``).
"""
import argparse
import copy
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from mmengine.dataset import Compose, pseudo_collate

sys.path.insert(0, str(Path(__file__).parent))
from heatmaps import synthetic_sample  # noqa: E402
from tables import shape_text, write_json, write_table  # noqa: E402

import m2hen_mmaction  # noqa: E402,F401
from mmaction.registry import MODELS  # noqa: E402
from mmaction.utils import register_all_modules  # noqa: E402
from m2hen_mmaction.datasets.transforms.pose_heatmap import \
    pose_target_args  # noqa: E402

LAYOUT = 'openpose137'


def heatmap_configs(with_limb: bool) -> dict:
    """Pipeline heatmap step and data preprocessor of each variant."""
    mode = dict(sigma=0.6, use_score=True, with_kp=not with_limb,
                with_limb=with_limb)
    ours = dict(type='GeneratePoseHeatmap', layout=LAYOUT, **mode)
    plain = dict(type='ActionDataPreprocessor', format_shape='NCTHW')
    return dict(
        mmaction2=(dict(type='GeneratePoseTarget', **mode,
                        **pose_target_args(LAYOUT)), plain),
        ours=(ours, plain),
        on_device=(dict(ours, on_device=True),
                   dict(type='PoseHeatmapPreprocessor',
                        heatmap=dict(ours, on_device=True),
                        format_shape='NCTHW')))


def training_pipeline(heatmap: dict) -> Compose:
    layout_args = pose_target_args(LAYOUT)
    return Compose([
        dict(type='UniformSampleFrames', clip_len=48),
        dict(type='PoseDecode'),
        dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
        dict(type='Resize', scale=(-1, 64)),
        dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
        dict(type='Resize', scale=(56, 56), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5, left_kp=layout_args['left_kp'],
             right_kp=layout_args['right_kp']),
        heatmap,
        dict(type='FormatShape', input_format='NCTHW_Heatmap'),
        dict(type='PackActionInputs')
    ])


def one_pass(pipeline, preprocessor, samples, args, sync) -> tuple:
    """(pipeline seconds, preprocessor seconds, last batch) over samples."""
    np.random.seed(args.seed)  # the same crops, flips and frames per variant
    pipeline_s = preprocess_s = 0.
    for first in range(0, len(samples), args.batch):
        start = time.perf_counter()
        packed = [pipeline(copy.deepcopy(sample))
                  for sample in samples[first:first + args.batch]]
        middle = time.perf_counter()
        inputs = preprocessor(pseudo_collate(packed), training=True)['inputs']
        sync()
        pipeline_s += middle - start
        preprocess_s += time.perf_counter() - middle
    return pipeline_s, preprocess_s, inputs


def run_variant(heatmap: dict, preprocessor_cfg: dict, samples, args,
                device: str) -> dict:
    """Best of ``args.passes`` passes (least disturbed by other load)."""
    pipeline = training_pipeline(heatmap)
    preprocessor = MODELS.build(preprocessor_cfg).to(device)
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    pipeline_s, preprocess_s, inputs = min(
        (one_pass(pipeline, preprocessor, samples, args, sync)
         for _ in range(args.passes)),
        key=lambda times: times[0] + times[1])
    return dict(
        device=device, input_shape=list(inputs.shape),
        pipeline_samples_per_s=len(samples) / pipeline_s,
        with_preprocessor_samples_per_s=len(samples) /
        (pipeline_s + preprocess_s),
        preprocessor_s_per_sample=preprocess_s / len(samples))


def write_report_table(report: dict, out: Path) -> None:
    """The printed per-variant rows as ``<out stem>.md`` and ``.png``."""
    headers = ['Variant', 'Device', 'Pipeline (samples/s)',
               'With preprocessor (samples/s)', 'Preprocessor (ms/sample)',
               'Speed-up vs MMAction2', 'Batch shape']
    rows = [[
        name, row['device'], f"{row['pipeline_samples_per_s']:.1f}",
        f"{row['with_preprocessor_samples_per_s']:.1f}",
        f"{row['preprocessor_s_per_sample'] * 1e3:.1f}",
        f"{row['speedup_vs_mmaction2']:.1f}x",
        shape_text(row['input_shape'])
    ] for name, row in report['variants'].items()]
    args = report['args']
    notes = [
        f"PoseC3D training pipeline on {args['samples']} synthetic "
        f"{LAYOUT} samples ({args['frames']}-frame videos, 48-frame clips, "
        f"{'limb' if args['limb'] else 'joint'} heatmaps), batch "
        f"{args['batch']}, 1 thread, best of {args['passes']} passes.",
        'mmaction2: GeneratePoseTarget; ours: GeneratePoseHeatmap; '
        'on_device: keypoints packed, PoseHeatmapPreprocessor draws.',
        'Speed-up: samples/s with preprocessor over MMAction2\'s '
        '(> 1: faster).'
    ]
    write_table(out, 'Training pipeline throughput per heatmap renderer',
                headers, rows, notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--samples', type=int, default=16)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--passes', type=int, default=2,
                        help='passes per variant; the fastest is reported')
    parser.add_argument('--frames', type=int, default=120,
                        help='length of each synthetic video')
    parser.add_argument('--limb', action='store_true',
                        help='limb heatmaps instead of joint heatmaps')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out',
                        default='work_dirs/benchmarks/dataloader.json')
    args = parser.parse_args()
    torch.set_num_threads(1)
    register_all_modules(init_default_scope=True)
    samples = [
        dict(synthetic_sample(LAYOUT, 1 + seed % 2, args.frames, 256, seed),
             modality='Pose') for seed in range(args.samples)
    ]
    report = dict(machine=dict(platform=platform.platform(),
                               processor=platform.processor(), threads=1),
                  args=vars(args), variants={})
    runs = [(name, cfgs, 'cpu')
            for name, cfgs in heatmap_configs(args.limb).items()]
    if torch.cuda.is_available():
        runs.append(('on_device_cuda', heatmap_configs(args.limb)['on_device'],
                     'cuda'))
    for name, (heatmap, preprocessor_cfg), device in runs:
        row = run_variant(heatmap, preprocessor_cfg, samples, args, device)
        report['variants'][name] = row
        print(f"{name:>15} ({device}): pipeline "
              f"{row['pipeline_samples_per_s']:6.1f} samples/s | with "
              f"preprocessor {row['with_preprocessor_samples_per_s']:6.1f} "
              f"samples/s ({row['preprocessor_s_per_sample']*1e3:.1f} ms/"
              f"sample) | batch {row['input_shape']}")
    baseline = report['variants']['mmaction2']
    for name, row in report['variants'].items():
        row['speedup_vs_mmaction2'] = (
            row['with_preprocessor_samples_per_s'] /
            baseline['with_preprocessor_samples_per_s'])
        print(f'{name:>15}: {row["speedup_vs_mmaction2"]:.1f}x MMAction2 '
              '(pipeline + preprocessor)')
    write_report_table(report, write_json(report, args.out))


if __name__ == '__main__':
    main()
