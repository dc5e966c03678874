"""EHCT vs. MMAction2's ST-GCN: params, GFLOPs, clips/s and peak memory.

For each joint layout, our EHCT (``configs/_base_/models/ehct_<layout>.py``)
runs against MMAction2's ``RecognizerGCN`` + ``STGCN`` + ``GCNHead`` on the
same input: MMAction2's own ``coco`` graph for ``coco17``, and the same STGCN
on a ``Graph`` built from our layout's limbs (``Graph(layout=dict(...))``)
for ``openpose22`` / ``openpose137``, which MMAction2 does not ship.

Every model runs in a fresh subprocess, so its peak resident memory
(``resource.getrusage(...).ru_maxrss``: Python + torch + model + steps) is
its own: first ``eval`` (``test_step`` under ``no_grad``), whose peak is read
then, and then ``train`` (``train_step``: forward, backward, SGD update),
whose peak is the process's peak (training needs more than eval). GFLOPs:
``mmengine.analysis`` on the backbone for one clip, counted last (one
multiply-add = one FLOP, every matmul as output size x inner size;
softmax, gather and element-wise ops uncounted).

On ``--device cuda`` both models run on the GPU: speeds per wall second
(synchronised), memory as ``torch.cuda.max_memory_allocated`` per mode.

Usage::

    python benchmarks/ehct.py            # openpose22 + 137, batch 8 x 64
    python benchmarks/ehct.py --device cuda --layouts openpose137 \
        --warmup 2 --iters 5            # the GPU figure (gpu_check.sh)
    python benchmarks/ehct.py --quick    # batch 2 x 16 frames (smoke run)
    python benchmarks/ehct.py --layouts coco17 openpose22 openpose137 \
        --iters 3 --warmup 1 --threads 2
    python benchmarks/ehct.py --layouts openpose137 \
        --ehct-options backbone.with_cp=True   # the memory-saving setting

Besides the JSON, writes ``<out stem>.md`` and ``.png`` tables
(``benchmarks/tables.py``).
"""
import argparse
import json
import math
import os
import os.path as osp
import platform
import resource
import subprocess
import sys
import time

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from devices import check_device  # noqa: E402
from tables import write_json, write_table  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG_DIR = osp.join(REPO, 'configs', '_base_', 'models')
LAYOUTS = ('coco17', 'openpose22', 'openpose137')
DEFAULT_LAYOUTS = ('openpose22', 'openpose137')  # coco17: --layouts
FAMILIES = ('stgcn', 'ehct')  # baseline first
NUM_CLASSES = 32
MEMORY_TARGET_MIB = 4096  # EHCT openpose137, train, batch 8 x 64 frames
NOT_MET = ('NOT met (the memory-saving setting: --ehct-options '
           'backbone.with_cp=True)')
# Per device: the speed and memory keys of a mode's result, their labels.
SPEED = dict(cpu=('clips_per_cpu_s', 'clips per CPU s'),
             cuda=('clips_per_s', 'clips/s'))
MEMORY = dict(cpu=('peak_rss_mib', 'peak RSS (MiB)'),
              cuda=('peak_cuda_mib', 'peak CUDA memory (MiB)'))


def table_measures(device: str) -> tuple:
    """Table rows: label, the value in a model's result, the key in
    ``ratios``."""
    speed, speed_label = SPEED[device]
    memory, memory_label = MEMORY[device]
    return (
        ('params (M)', lambda r: r['params_m'], 'params'),
        ('GFLOPs per clip', lambda r: r['gflops_per_clip'], 'gflops'),
        (f'train {speed_label}', lambda r: r['train'][speed], 'train_speed'),
        (f'eval {speed_label}', lambda r: r['eval'][speed], 'eval_speed'),
        (f'train {memory_label}', lambda r: r['train'][memory],
         'train_peak_memory'),
    )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='batch 2 x 16 frames: a smoke run')
    parser.add_argument('--batch', type=int, help='clips per step (8)')
    parser.add_argument('--frames', type=int, help='frames per clip (64)')
    parser.add_argument('--persons', type=int, default=1)
    parser.add_argument('--iters', type=int, default=1,
                        help='timed steps per mode')
    parser.add_argument('--warmup', type=int, default=0,
                        help='untimed steps before timing')
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu',
                        help='where both models run (cuda: the GPU figure)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads per run')
    parser.add_argument('--layouts', nargs='+', choices=LAYOUTS,
                        default=list(DEFAULT_LAYOUTS),
                        help='joint layouts (default: openpose22 openpose137;'
                        ' coco17 uses MMAction2\'s own coco graph)')
    parser.add_argument('--out', default=osp.join(REPO, 'work_dirs',
                                                  'benchmarks', 'ehct.json'))
    parser.add_argument('--ehct-options', nargs='+', default=[],
                        metavar='KEY=VALUE',
                        help='override EHCT model config keys, e.g. '
                        'backbone.with_cp=True (values as Python literals)')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    check_device(parser, args.device)
    default_batch, default_frames = (2, 16) if args.quick else (8, 64)
    args.batch = args.batch or default_batch
    args.frames = args.frames or default_frames
    return args


# ----------------------------------------------------------------- worker --
def stgcn_config(layout_name: str) -> dict:
    """MMAction2's ST-GCN recognizer; our layout's limbs as its graph."""
    from m2hen_mmaction.skeleton import graph_layout
    layout = 'coco' if layout_name == 'coco17' else graph_layout(layout_name)
    graph = dict(layout=layout, mode='stgcn_spatial')
    return dict(
        type='RecognizerGCN',
        backbone=dict(type='STGCN', graph_cfg=graph),
        cls_head=dict(type='GCNHead', num_classes=NUM_CLASSES,
                      in_channels=256))


def ehct_config(layout_name: str, options=()) -> dict:
    """Our base model config; ``options`` as in ``--ehct-options``."""
    import ast

    from mmengine import Config
    cfg = Config.fromfile(osp.join(CONFIG_DIR, f'ehct_{layout_name}.py'))
    cfg.model.cls_head.num_classes = NUM_CLASSES
    cfg.merge_from_dict({
        f'model.{key}': ast.literal_eval(value)
        for key, value in (option.split('=', 1) for option in options)
    })
    return cfg.model


def make_batch(args, num_joints: int) -> dict:
    import torch
    from mmaction.structures import ActionDataSample
    generator = torch.Generator().manual_seed(0)
    inputs = [
        torch.randn(1, args.persons, args.frames, num_joints, 3,
                    generator=generator) for _ in range(args.batch)
    ]
    data_samples = [
        ActionDataSample().set_gt_labels(i % NUM_CLASSES)
        for i in range(args.batch)
    ]
    return dict(inputs=inputs, data_samples=data_samples)


def run_steps(step, count: int, device: str = 'cpu') -> tuple:
    """Wall and process-CPU seconds of ``count`` calls of ``step`` (on CUDA,
    until the device has finished them)."""
    import torch
    sync = torch.cuda.synchronize if device == 'cuda' else (lambda: None)
    sync()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        step()
    sync()
    return time.perf_counter() - wall, time.process_time() - cpu


def count_gflops(model, args, num_joints: int) -> float:
    """mmengine's FLOP count of the backbone for one clip, with every
    matmul counted as (output elements) x (inner size): mmengine's own
    handlers skip ``baddbmm`` and drop the batch of a 2D @ 3D ``matmul``."""
    import torch
    from mmengine.analysis import FlopAnalyzer
    clip = torch.randn(1, args.persons, args.frames, num_joints, 3,
                       device=next(model.parameters()).device)
    analyzer = FlopAnalyzer(model.backbone, inputs=(clip, ))
    analyzer.set_op_handle('aten::matmul', matmul_macs(0),
                           'aten::bmm', matmul_macs(0),
                           'aten::baddbmm', matmul_macs(1),
                           'aten::baddbmm_', matmul_macs(1))
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return analyzer.total() / 1e9


def matmul_macs(left: int):
    """A FlopAnalyzer handle: multiply-adds of a (batched, broadcast)
    matmul whose left factor is input ``left``."""
    from mmengine.analysis.jit_handles import get_shape

    def handle(inputs, outputs) -> int:
        out_shape = get_shape(outputs[0])
        inner = get_shape(inputs[left])[-1]
        return math.prod(out_shape) * inner

    return handle


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(args) -> dict:
    """Build one model; time eval then train; report speed and memory."""
    import torch
    import m2hen_mmaction  # noqa: F401  (registers EHCT)
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from mmengine.optim import OptimWrapper

    from m2hen_mmaction.skeleton import get_layout
    register_all_modules()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    family, layout_name = args.worker.split('_')
    num_joints = get_layout(layout_name).num_joints
    cfg = stgcn_config(layout_name) if family == 'stgcn' else ehct_config(
        layout_name, args.ehct_options)
    model = MODELS.build(cfg).to(args.device)
    batch = make_batch(args, num_joints)
    result = dict(params_m=sum(p.numel() for p in model.parameters()) / 1e6,
                  rss_before_steps_mib=peak_rss_mib())

    model.eval()
    with torch.no_grad():
        eval_step = lambda: model.test_step(batch)  # noqa: E731
        result['eval'] = timed_mode(args, eval_step)
    model.train()
    optim_wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9))
    train_step = lambda: model.train_step(batch, optim_wrapper)  # noqa: E731
    result['train'] = timed_mode(args, train_step)
    model.eval()
    result['gflops_per_clip'] = count_gflops(model, args, num_joints)
    return result


def timed_mode(args, step) -> dict:
    """Warm up, then time ``args.iters`` steps: clips per wall second and
    per CPU second (steadier on a busy host: other processes slow the wall
    clock, not this process's CPU time), the process's peak RSS and, on
    CUDA, this mode's peak device memory."""
    import torch
    run_steps(step, args.warmup, args.device)
    if args.device == 'cuda':
        torch.cuda.reset_peak_memory_stats()
    wall, cpu = run_steps(step, args.iters, args.device)
    clips = args.batch * args.iters
    result = dict(clips_per_s=clips / wall, clips_per_cpu_s=clips / cpu,
                  seconds_per_step=wall / args.iters,
                  peak_rss_mib=peak_rss_mib())
    if args.device == 'cuda':
        result['peak_cuda_mib'] = torch.cuda.max_memory_allocated() / 2**20
    return result


# ----------------------------------------------------------------- parent --
def run_worker(args, name: str) -> dict:
    command = [
        sys.executable, osp.abspath(__file__), '--worker', name,
        '--batch', str(args.batch), '--frames', str(args.frames),
        '--persons', str(args.persons), '--iters', str(args.iters),
        '--warmup', str(args.warmup), '--threads', str(args.threads),
        '--device', args.device
    ]
    if args.ehct_options:
        command += ['--ehct-options', *args.ehct_options]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    done = subprocess.run(command, capture_output=True, text=True, env=env,
                          cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f'{name} failed:\n{done.stderr[-3000:]}')
    return json.loads(done.stdout.strip().splitlines()[-1])


def benchmark(args) -> dict:
    results = {}
    for layout_name in args.layouts:
        for family in FAMILIES:
            name = f'{family}_{layout_name}'
            results[name] = run_worker(args, name)
            print(f'  {name}: done', flush=True)
    return results


def ratios(results: dict, device: str) -> dict:
    """EHCT / ST-GCN on the same layout (speed ratios < 1: EHCT slower).

    Speeds per CPU second on CPU (see :func:`timed_mode`), per wall second
    on CUDA; memory is the train peak of :data:`MEMORY`.
    """
    out = {}
    for name, ours in results.items():
        if not name.startswith('ehct_'):
            continue
        base = results[name.replace('ehct_', 'stgcn_')]
        out[f'{name}_vs_stgcn'] = {
            key: value(ours) / value(base)
            for _, value, key in table_measures(device)
        }
    return out


def print_table(report: dict) -> None:
    settings = report['settings']
    device = settings['device']
    memory, memory_label = MEMORY[device]
    print(f"\nbatch {settings['batch']} x {settings['frames']} frames, "
          f"{settings['persons']} person(s), {device}, {settings['threads']} "
          f"thread(s), {settings['iters']} timed step(s)"
          + (f"; EHCT options {' '.join(settings['ehct_options'])}"
             if settings['ehct_options'] else ''))
    print(f'clips/s per wall second (per CPU second); {memory_label}')
    print(f"{'model':<18}{'params M':>9}{'GFLOPs':>8}{'train clips/s':>16}"
          f"{'eval clips/s':>16}{'train MiB':>10}{'eval MiB':>9}")
    for name, r in report['results'].items():
        speeds = [
            f"{r[mode]['clips_per_s']:.2f} ({r[mode]['clips_per_cpu_s']:.2f})"
            for mode in ('train', 'eval')
        ]
        print(f"{name:<18}{r['params_m']:>9.2f}{r['gflops_per_clip']:>8.2f}"
              f"{speeds[0]:>16}{speeds[1]:>16}"
              f"{r['train'][memory]:>10.0f}{r['eval'][memory]:>9.0f}")
    print(f'\nEHCT / ST-GCN (same layout; speeds per '
          f"{'CPU' if device == 'cpu' else 'wall'} second):")
    for name, r in report['ratios'].items():
        print(f"  {name}: train speed x{r['train_speed']:.2f}, eval speed "
              f"x{r['eval_speed']:.2f}, GFLOPs x{r['gflops']:.2f}, params "
              f"x{r['params']:.2f}, train peak memory "
              f"x{r['train_peak_memory']:.2f}")
    target = report.get('memory_target')
    if target:
        print(f"\nEHCT openpose137 train peak {target['peak_rss_mib']:.0f} "
              f"MiB, target < {MEMORY_TARGET_MIB} MiB at batch 8 x 64: "
              f"{'met' if target['met'] else NOT_MET}")


def memory_target(args, results: dict):
    ours = results.get('ehct_openpose137')
    if not ours or (args.batch, args.frames, args.device) != (8, 64, 'cpu'):
        return None
    peak = ours['train']['peak_rss_mib']
    return dict(peak_rss_mib=peak, target_mib=MEMORY_TARGET_MIB,
                met=peak < MEMORY_TARGET_MIB)


def write_report_table(report: dict, out: str) -> None:
    """The printed per-layout numbers and ratios as ``<out stem>.md`` and
    ``.png``."""
    headers = ['Layout', 'Measure', 'EHCT (ours)', 'ST-GCN (MMAction2)',
               'Ratio (EHCT / ST-GCN)']
    settings = report['settings']
    rows = []
    for name, ours in report['results'].items():
        if not name.startswith('ehct_'):
            continue
        base = report['results'][name.replace('ehct_', 'stgcn_')]
        ratio = report['ratios'][f'{name}_vs_stgcn']
        rows += [[
            name[len('ehct_'):], label, f'{value(ours):.2f}',
            f'{value(base):.2f}', f'{ratio[key]:.2f}'
        ] for label, value, key in table_measures(settings['device'])]
    notes = [
        f"Batch {settings['batch']} x {settings['frames']} frames, "
        f"{settings['persons']} person(s), {settings['device']}, "
        f"{settings['threads']} thread(s), "
        f"{settings['iters']} timed step(s) after {settings['warmup']} "
        'warm-up; one subprocess per model. EHCT: '
        + (' '.join(settings['ehct_options']) or 'the base config as shipped')
        + '.',
        ('Speeds per CPU second (steadier on a shared host; wall-clock '
         'clips/s in the JSON).' if settings['device'] == 'cpu' else
         'Speeds per wall second, the GPU synchronised; memory: '
         'torch.cuda.max_memory_allocated.')
        + ' Speed ratio < 1: EHCT slower; other ratios < 1: EHCT smaller.'
    ]
    target = report.get('memory_target')
    if target:
        notes.append(
            f"EHCT openpose137 train peak {target['peak_rss_mib']:.0f} MiB, "
            f'target < {MEMORY_TARGET_MIB} MiB at batch 8 x 64: '
            f"{'met' if target['met'] else NOT_MET}.")
    write_table(out, 'EHCT vs MMAction2 ST-GCN', headers, rows, notes)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return
    import torch
    print(f'Benchmarking {len(args.layouts) * len(FAMILIES)} models, '
          'eval + train each, one subprocess per model ...', flush=True)
    results = benchmark(args)
    report = dict(
        machine=dict(platform=platform.platform(), cpus=os.cpu_count(),
                     processor=platform.processor(), torch=torch.__version__),
        settings=dict(batch=args.batch, frames=args.frames,
                      persons=args.persons, iters=args.iters,
                      warmup=args.warmup, threads=args.threads,
                      device=args.device, ehct_options=args.ehct_options),
        results=results,
        ratios=ratios(results, args.device),
        memory_target=memory_target(args, results))
    print_table(report)
    write_report_table(report, write_json(report, args.out))


if __name__ == '__main__':
    main()
