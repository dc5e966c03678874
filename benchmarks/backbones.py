"""Res2Net3D vs ResNet3D backbones: parameters, GFLOPs and CPU time per clip.

Two pairs, built from MMAction2's settings and timed in the same run,
interleaved (ours, MMAction2's, ours, ...):

* ``slowonly``: ``Res2Net3dSlowOnly`` vs ``ResNet3dSlowOnly`` (PoseC3D pose
  backbone), heatmaps K x 32 x 56 x 56;
* ``rgbpose``: ``RGBPoseRes2Net3d`` vs ``RGBPoseConv3D`` (M3CN vs PoseC3D's
  RGB+pose), RGB 3 x 8 x 224 x 224 with heatmaps K x 32 x 56 x 56.

Batch 1 by default (time per clip). GFLOPs follow mmengine's FlopAnalyzer
(one multiply-add = one FLOP). Times are medians of forward (eval, no
grad) and forward+backward (train) in wall and process-CPU seconds; the CPU
time is steadier on a shared machine. Ratios are ours / MMAction2's.

    python benchmarks/backbones.py [--quick] [--pose-channels 17|137]
        [--pairs slowonly rgbpose] [--inflate-style 3x1x1|3x3x3]
        [--batch 1] [--threads 1] [--warmup 1] [--repeats 1]
        [--out work_dirs/benchmarks/backbones.json]

``--quick`` uses CI-sized clips (pose 8 x 32 x 32; RGB 4 x 64 x 64 with
pose 16 x 16 x 16). ``--inflate-style 3x3x3`` puts the temporal kernels on
the 3x3 convs (Res2Net: the hierarchical convs) of both models. Besides the
JSON, writes ``<out stem>.md`` and ``.png`` tables (``benchmarks/tables.py``).
"""
import argparse
import copy
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import torch
from mmengine.analysis import FlopAnalyzer, parameter_count
from mmengine.config import Config

import m2hen_mmaction  # noqa: F401  (registers our models)
from m2hen_mmaction.models.backbones.rgbpose_res2net3d import \
    RGBPOSECONV3D_DEFAULTS
from mmaction.registry import MODELS

sys.path.insert(0, str(Path(__file__).parent))
from devices import check_device  # noqa: E402
from tables import shape_text, write_json, write_table  # noqa: E402

POSEC3D_MODEL = (Path(__file__).parents[1] / 'configs' / '_base_' / 'models' /
                 'posec3d_slowonly_r50_pose.py')


def posec3d_slowonly_settings() -> Dict:
    """PoseC3D's pose backbone settings (our shipped model base), without the
    type and the input channels each pair sets itself."""
    backbone = Config.fromfile(str(POSEC3D_MODEL)).model.backbone.to_dict()
    for key in ('type', 'pretrained', 'in_channels'):
        backbone.pop(key)
    return backbone


# clip shapes (C omitted) per pair: paper sizes and --quick sizes
SHAPES = {
    'slowonly': dict(paper=[(32, 56, 56)], quick=[(8, 32, 32)]),
    'rgbpose': dict(
        paper=[(8, 224, 224), (32, 56, 56)],
        quick=[(4, 64, 64), (16, 16, 16)]),
}
PAIRS = {
    'slowonly': ('Res2Net3dSlowOnly', 'ResNet3dSlowOnly'),
    'rgbpose': ('RGBPoseRes2Net3d', 'RGBPoseConv3D'),
}


def backbone_configs(pair: str, pose_channels: int,
                     inflate_style: str) -> List[Dict]:
    """Configs of (ours, MMAction2's) for a pair, same settings."""
    if pair == 'slowonly':
        settings = dict(
            posec3d_slowonly_settings(),
            in_channels=pose_channels,
            inflate_style=inflate_style)
    else:
        settings = {
            name: copy.deepcopy(RGBPOSECONV3D_DEFAULTS[name])
            for name in ('rgb_pathway', 'pose_pathway')
        }
        settings['pose_pathway']['in_channels'] = pose_channels
        for pathway in settings.values():
            pathway['inflate_style'] = inflate_style
    return [dict(type=name, **settings) for name in PAIRS[pair]]


def clip_inputs(pair: str, size: str, batch: int,
                pose_channels: int) -> Tuple[torch.Tensor, ...]:
    """Random clips (N, C, T, H, W) for the pair's forward."""
    shapes = SHAPES[pair][size]
    channels = [pose_channels] if pair == 'slowonly' else [3, pose_channels]
    return tuple(
        torch.rand(batch, c, *shape) for c, shape in zip(channels, shapes))


def forward(model: torch.nn.Module, inputs: Tuple[torch.Tensor,
                                                  ...]) -> None:
    model.eval()
    with torch.no_grad():
        model(*inputs)


def forward_backward(model: torch.nn.Module,
                     inputs: Tuple[torch.Tensor, ...]) -> None:
    model.train()
    model.zero_grad(set_to_none=True)
    outputs = model(*inputs)
    outputs = outputs if isinstance(outputs, tuple) else (outputs, )
    sum(out.sum() for out in outputs).backward()


def interleaved_times(step: Callable, models: List[torch.nn.Module],
                      inputs, warmup: int, repeats: int) -> List[Dict]:
    """Median wall/CPU seconds of ``step(model, inputs)`` per model."""
    wall = [[] for _ in models]
    cpu = [[] for _ in models]
    for run in range(warmup + repeats):
        for index, model in enumerate(models):
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            step(model, inputs)
            if inputs[0].is_cuda:
                torch.cuda.synchronize()
            if run >= warmup:
                wall[index].append(time.perf_counter() - start_wall)
                cpu[index].append(time.process_time() - start_cpu)
    return [
        dict(wall_s=statistics.median(w), cpu_s=statistics.median(c))
        for w, c in zip(wall, cpu)
    ]


def complexity(model: torch.nn.Module, inputs) -> Dict:
    """Parameters (millions) and GFLOPs of one forward."""
    model.eval()
    flops = FlopAnalyzer(model, inputs).unsupported_ops_warnings(
        False).uncalled_modules_warnings(False).total()
    return dict(params_m=parameter_count(model)[''] / 1e6, gflops=flops / 1e9)


def benchmark_pair(pair: str, args) -> Dict:
    """Build both backbones, measure them, return numbers and ratios."""
    size = 'quick' if args.quick else 'paper'
    inputs = tuple(x.to(args.device) for x in clip_inputs(
        pair, size, args.batch, args.pose_channels))
    models = []
    for cfg in backbone_configs(pair, args.pose_channels,
                                args.inflate_style):
        model = MODELS.build(cfg)
        model.init_weights()
        models.append(model.to(args.device))
    stats = [complexity(model, inputs) for model in models]
    for name, step in (('forward', forward), ('forward_backward',
                                               forward_backward)):
        times = interleaved_times(step, models, inputs, args.warmup,
                                  args.repeats)
        for stat, measured in zip(stats, times):
            stat.update({
                f'{name}_{k}_per_clip': v / args.batch
                for k, v in measured.items()
            })
    ours, baseline = stats
    return dict(
        pair=pair,
        models=list(PAIRS[pair]),
        input_shapes=[list(x.shape) for x in inputs],
        ours=ours,
        baseline=baseline,
        ratio={k: ours[k] / baseline[k]
               for k in ours})


def print_pair(result: Dict) -> None:
    ours_name, base_name = result['models']
    print(f"\n{ours_name} vs {base_name}, inputs {result['input_shapes']}")
    print(f"{'':34}{'ours':>10}{'mmaction2':>11}{'ratio':>8}")
    for key in result['ours']:
        print(f"{key:34}{result['ours'][key]:10.3f}"
              f"{result['baseline'][key]:11.3f}{result['ratio'][key]:8.2f}")


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (Linux), else platform's guess."""
    cpuinfo = Path('/proc/cpuinfo')
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    return platform.processor()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='CI-sized clips and one repeat')
    parser.add_argument('--pairs', nargs='+', choices=list(PAIRS),
                        default=list(PAIRS))
    parser.add_argument('--pose-channels', type=int, default=17,
                        help='heatmap channels (17 COCO, 137 openpose137)')
    parser.add_argument('--inflate-style', choices=['3x1x1', '3x3x3'],
                        default='3x1x1',
                        help="ResNet3d's inflate_style for both models: "
                        "temporal kernel on conv1 (MMAction2's default) or "
                        'on the 3x3 (Res2Net: hierarchical) convs')
    parser.add_argument('--batch', type=int, default=1)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads (1 = time per core)')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=1)
    parser.add_argument('--device', default='cpu',
                        help="where the models run, e.g. 'cuda'")
    parser.add_argument('--out', default='work_dirs/benchmarks/backbones.json')
    args = parser.parse_args()
    check_device(parser, args.device)
    return args


def write_report_table(report: Dict, out: Path) -> None:
    """The printed per-pair rows as ``<out stem>.md`` and ``.png``."""
    headers = ['Ours vs MMAction2', 'Measure', 'Ours', 'MMAction2',
               'Ratio (ours / MMAction2)']
    rows = [[
        ' vs '.join(result['models']), key, f"{result['ours'][key]:.3f}",
        f"{result['baseline'][key]:.3f}", f"{result['ratio'][key]:.2f}"
    ] for result in report['results'] for key in result['ours']]
    settings = report['settings']
    notes = [
        f"{settings['pose_channels']} pose channels, inflate_style "
        f"{settings['inflate_style']}, batch {settings['batch']}, "
        f"{settings['threads']} thread(s), median of {settings['repeats']} "
        f"run(s) after {settings['warmup']} warm-up, interleaved.",
        'params_m: millions; gflops: one multiply-add = one FLOP; *_s_per_clip'
        ': seconds per clip, forward in eval (no grad), forward_backward in '
        'train; wall and process-CPU time.',
        'Ratio < 1: ours smaller / faster.'
    ] + [
        f"{' vs '.join(result['models'])} inputs (N, C, T, H, W): " +
        ' and '.join(shape_text(shape) for shape in result['input_shapes'])
        for result in report['results']
    ]
    write_table(out, 'Res2Net3D vs ResNet3D backbones', headers, rows, notes)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    results = []
    for pair in args.pairs:
        results.append(benchmark_pair(pair, args))
        print_pair(results[-1])
    report = dict(
        machine=dict(
            platform=platform.platform(),
            cpu=cpu_model(),
            cpu_count=os.cpu_count(),
            torch=torch.__version__,
            threads=args.threads),
        settings=vars(args),
        results=results)
    write_report_table(report, write_json(report, args.out))


if __name__ == '__main__':
    main()
