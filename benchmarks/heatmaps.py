"""Pose heatmap speed: GeneratePoseHeatmap vs MMAction2's GeneratePoseTarget.

Times, in the same run and per sample (48 frames, 56x56 heatmaps):
MMAction2's ``GeneratePoseTarget``, our vectorised ``GeneratePoseHeatmap``,
the memory floor (zero-filling a fresh (48, C, 56, 56) float32 array) and
the on-device renderer of ``PoseHeatmapPreprocessor`` on a batch of clips
(torch on CPU here; on CUDA too when present, plus a 64-clip batch), for
17 and 137 joints, 1 and 2 persons, joint and limb heatmaps. Inputs are
synthetic skeletons (:func:`synthetic_sample`): plausible bodies with limbs a
few pixels long and small faces and hands, not random points, because the
cost of drawing a limb grows with its length.

    python benchmarks/heatmaps.py [--quick] [--repeats 3] [--batch 16]
        [--out PATH]

``--quick`` (a smoke run of a few seconds) uses 8 frames, a 4-clip batch
and one repeat. Besides the JSON, writes ``<out stem>.md`` and ``.png``
tables (``benchmarks/tables.py``).
"""
import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch
from mmaction.datasets.transforms import GeneratePoseTarget

from m2hen_mmaction.datasets.transforms.pose_heatmap import (
    GeneratePoseHeatmap, pose_target_args)
from m2hen_mmaction.models.data_preprocessors import PoseHeatmapPreprocessor
from m2hen_mmaction.skeleton import get_layout

sys.path.insert(0, str(Path(__file__).parent))
from tables import write_json, write_table  # noqa: E402

# BODY_25 joints of a standing person in a unit box (x right, y down).
BODY25_TEMPLATE = np.array(
    [[.50, .10], [.50, .20], [.40, .20], [.34, .33], [.30, .45], [.60, .20],
     [.66, .33], [.70, .45], [.50, .50], [.44, .50], [.44, .70], [.44, .90],
     [.56, .50], [.56, .70], [.56, .90], [.48, .08], [.52, .08], [.46, .09],
     [.54, .09], [.58, .94], [.60, .93], [.55, .91], [.42, .94], [.40, .93],
     [.45, .91]], np.float32)
COCO17_FROM_BODY25 = (0, 16, 15, 18, 17, 5, 2, 6, 3, 7, 4, 12, 9, 13, 10, 14,
                      11)


def _face(nose: np.ndarray, size: float) -> np.ndarray:
    """70 face points around the nose: contour, brows, nose, eyes, mouth."""
    angle = np.linspace(np.pi, 2 * np.pi, 17)
    contour = np.stack([np.cos(angle), -np.sin(angle) * 1.2], 1)[::-1]
    brows = np.stack([np.linspace(-.8, .8, 10), np.full(10, -.6)], 1)
    nose_line = np.stack([np.zeros(9), np.linspace(-.4, .2, 9)], 1)
    ring = np.linspace(0, 2 * np.pi, 6, endpoint=False)
    eyes = np.concatenate([
        np.stack([side * .4 + .15 * np.cos(ring), -.3 + .08 * np.sin(ring)],
                 1) for side in (-1, 1)
    ])
    lips = np.linspace(0, 2 * np.pi, 20, endpoint=False)
    mouth = np.stack([.35 * np.cos(lips), .5 + .12 * np.sin(lips)], 1)
    pupils = np.array([[-.4, -.3], [.4, -.3]])
    points = np.concatenate([contour, brows, nose_line, eyes, mouth, pupils])
    return nose + size * points


def _hand(wrist: np.ndarray, direction: float, size: float) -> np.ndarray:
    """21 hand points: wrist, then 4 joints per finger in a fan."""
    points = [wrist]
    for finger in range(5):
        angle = direction + (finger - 2) * 0.3
        step = size * np.array([np.cos(angle), np.sin(angle)])
        points += [wrist + step * (k + 1) / 4 for k in range(4)]
    return np.array(points)


def template(layout: str, canvas: int) -> np.ndarray:
    """One person's joints (V, 2) filling a ``canvas``-pixel square."""
    body = BODY25_TEMPLATE * canvas
    if layout == 'coco17':
        return body[list(COCO17_FROM_BODY25)]
    if layout == 'openpose22':
        return body[:22]
    face = _face(body[0], 0.06 * canvas)
    left = _hand(body[7], np.pi / 2 - 0.3, 0.08 * canvas)
    right = _hand(body[4], np.pi / 2 + 0.3, 0.08 * canvas)
    return np.concatenate([body, face, left, right]).astype(np.float32)


def synthetic_sample(layout: str = 'openpose137',
                     num_persons: int = 1,
                     num_frames: int = 48,
                     canvas: int = 56,
                     seed: int = 0) -> dict:
    """A PoseDataset-style sample with moving, jittered skeletons.

    Args:
        layout (str): Joint layout name. Defaults to 'openpose137'.
        num_persons (int): M. Defaults to 1.
        num_frames (int): T. Defaults to 48.
        canvas (int): Image size in pixels (square). Defaults to 56.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: keypoint float32 (M, T, V, 2), keypoint_score float32
        (M, T, V) with ~5% zeros, img_shape, original_shape, total_frames,
        frame_dir, label.
    """
    rng = np.random.default_rng(seed)
    base = template(layout, canvas)
    num_joints = get_layout(layout).num_joints
    assert base.shape[0] == num_joints
    time = np.arange(num_frames, dtype=np.float32)[None, :, None, None]
    offset = rng.uniform(-0.1, 0.1, (num_persons, 1, 1, 2)) * canvas
    sway = 0.03 * canvas * np.sin(time / 6 + rng.uniform(
        0, 6, (num_persons, 1, 1, 1)))
    jitter = rng.normal(0, 0.3, (num_persons, num_frames, num_joints, 2))
    keypoint = (base + offset + sway + jitter).astype(np.float32)
    score = rng.uniform(0.3, 1, (num_persons, num_frames, num_joints))
    score[rng.random(score.shape) < 0.05] = 0
    return dict(
        keypoint=keypoint,
        keypoint_score=score.astype(np.float32),
        img_shape=(canvas, canvas),
        original_shape=(canvas, canvas),
        total_frames=num_frames,
        frame_dir=f'synthetic_{layout}_{seed}',
        label=0)


CASES = [(layout, persons, mode) for layout in ('coco17', 'openpose137')
         for persons in (1, 2) for mode in ('kp', 'limb')]
MODES = dict(kp=dict(with_kp=True, with_limb=False),
             limb=dict(with_kp=False, with_limb=True))


def best_time(fn, repeats: int, sync=lambda: None) -> float:
    """Best wall time of ``fn()`` over ``repeats`` runs after a warm-up.

    The minimum, as ``timeit`` reports, is the least disturbed by other
    processes on a shared machine.
    """
    fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return min(times)


def zero_fill(shape) -> None:
    np.empty(shape, np.float32).fill(0)


def device_renderer(heatmap_cfg: dict, samples, device: str):
    """(preprocessor, records on ``device``) for a batch of samples."""
    preprocessor = PoseHeatmapPreprocessor(
        heatmap=dict(heatmap_cfg, on_device=True)).to(device)
    transform = GeneratePoseHeatmap(**heatmap_cfg, on_device=True)
    records = [
        # (T, M, V, 6) -> (clips=1, M, T, V, 6), as FormatShape leaves it.
        torch.from_numpy(transform(dict(s))['imgs']).permute(
            1, 0, 2, 3)[None].contiguous().to(device) for s in samples
    ]
    return preprocessor, records


def cuda_sync() -> None:
    torch.cuda.synchronize()


def bench_case(layout, persons, mode, args) -> dict:
    heatmap_cfg = dict(layout=layout, **MODES[mode])
    sample = synthetic_sample(layout, persons, args.frames, args.size)
    theirs = GeneratePoseTarget(**MODES[mode], **pose_target_args(layout))
    ours = GeneratePoseHeatmap(**heatmap_cfg)
    expected = theirs(dict(sample))['imgs']
    max_diff = float(np.abs(ours(dict(sample))['imgs'] - expected).max())
    batch = [synthetic_sample(layout, persons, args.frames, args.size, seed)
             for seed in range(args.batch)]
    preprocessor, records = device_renderer(heatmap_cfg, batch, 'cpu')
    row = dict(
        layout=layout, joints=sample['keypoint'].shape[2], persons=persons,
        mode=mode, frames=args.frames, size=args.size,
        channels=expected.shape[1], max_abs_diff=max_diff,
        mmaction2_s=best_time(lambda: theirs(dict(sample)), args.repeats),
        ours_s=best_time(lambda: ours(dict(sample)), args.repeats),
        floor_s=best_time(lambda: zero_fill(expected.shape), args.repeats),
        device_cpu_per_clip_s=best_time(
            lambda: preprocessor.draw(records), args.repeats) / args.batch)
    row.update(
        speedup=row['mmaction2_s'] / row['ours_s'],
        ours_over_floor=row['ours_s'] / row['floor_s'],
        device_cpu_vs_transform=row['ours_s'] / row['device_cpu_per_clip_s'])
    return row


def bench_cuda(args) -> dict:
    """One 64-clip batch, 137 joints, on the GPU."""
    results = {}
    for mode in ('kp', 'limb'):
        batch = [synthetic_sample('openpose137', 1 + seed % 2, args.frames,
                                  args.size, seed)
                 for seed in range(args.cuda_batch)]
        preprocessor, records = device_renderer(
            dict(layout='openpose137', **MODES[mode]), batch, 'cuda')
        seconds = best_time(lambda: preprocessor.draw(records),
                              args.repeats, cuda_sync)
        results[mode] = dict(batch=args.cuda_batch, batch_s=seconds,
                             per_clip_s=seconds / args.cuda_batch,
                             device=torch.cuda.get_device_name())
    return results


def print_row(row: dict) -> None:
    print(f"{row['layout']:>11} M={row['persons']} {row['mode']:>4} "
          f"C={row['channels']:>3} | MMAction2 {row['mmaction2_s']*1e3:8.1f} "
          f"ms | ours {row['ours_s']*1e3:7.1f} ms ({row['speedup']:5.1f}x) | "
          f"floor {row['floor_s']*1e3:6.1f} ms (ours/floor "
          f"{row['ours_over_floor']:4.2f}) | device(cpu) "
          f"{row['device_cpu_per_clip_s']*1e3:6.1f} ms/clip "
          f"({row['device_cpu_vs_transform']:4.2f}x transform) | "
          f"diff {row['max_abs_diff']:.1e}")


def write_report_table(report: dict, out: Path) -> None:
    """The printed per-case rows as ``<out stem>.md`` and ``.png``."""
    headers = ['Layout', 'M', 'Mode', 'C', 'MMAction2 (ms)', 'Ours (ms)',
               'Speed-up (MMAction2 / ours)', 'Floor (ms)', 'Ours / floor',
               'Device, CPU (ms/clip)', 'Max abs diff']
    rows = [[
        row['layout'], row['persons'], row['mode'], row['channels'],
        f"{row['mmaction2_s'] * 1e3:.1f}", f"{row['ours_s'] * 1e3:.1f}",
        f"{row['speedup']:.1f}x", f"{row['floor_s'] * 1e3:.1f}",
        f"{row['ours_over_floor']:.2f}",
        f"{row['device_cpu_per_clip_s'] * 1e3:.1f}",
        f"{row['max_abs_diff']:.1e}"
    ] for row in report['cases']]
    args = report['args']
    notes = [
        f"Per sample: {args['frames']} frames, {args['size']}x"
        f"{args['size']} heatmaps; best of {args['repeats']} runs, "
        f"{args['threads']} torch thread(s).",
        'MMAction2: GeneratePoseTarget; ours: GeneratePoseHeatmap; floor: '
        'zero-filling the output array; device: PoseHeatmapPreprocessor '
        f"drawing a {args['batch']}-clip batch with torch on the CPU.",
        'Speed-up > 1: ours is faster.'
    ] + [
        f"CUDA {row['device']}: {row['batch']} clips x 137 joints {mode}: "
        f"{row['batch_s'] * 1e3:.1f} ms/batch, "
        f"{row['per_clip_s'] * 1e3:.3f} ms/clip."
        for mode, row in report.get('cuda', {}).items()
    ]
    write_table(out, 'Pose heatmaps: GeneratePoseHeatmap vs MMAction2',
                headers, rows, notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: 8 frames, batch 4, 1 repeat')
    parser.add_argument('--repeats', type=int, help='timed runs (3)')
    parser.add_argument('--frames', type=int, help='frames per clip (48)')
    parser.add_argument('--size', type=int, default=56)
    parser.add_argument('--batch', type=int,
                        help='clips per batch for the on-device renderer (16)')
    parser.add_argument('--cuda-batch', type=int, default=64)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads (a dataloader worker has 1)')
    parser.add_argument('--out', default='work_dirs/benchmarks/heatmaps.json')
    args = parser.parse_args()
    defaults = dict(repeats=1, frames=8, batch=4) if args.quick else dict(
        repeats=3, frames=48, batch=16)
    for name, default in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    torch.set_num_threads(args.threads)
    report = dict(
        machine=dict(platform=platform.platform(),
                     processor=platform.processor(),
                     cpu_threads=args.threads,
                     numpy=np.__version__, torch=torch.__version__),
        args=vars(args), cases=[])
    for layout, persons, mode in CASES:
        row = bench_case(layout, persons, mode, args)
        print_row(row)
        report['cases'].append(row)
    if torch.cuda.is_available():
        report['cuda'] = bench_cuda(args)
        for mode, row in report['cuda'].items():
            print(f"CUDA {row['device']}: {row['batch']} clips x 137 joints "
                  f"{mode}: {row['batch_s']*1e3:.1f} ms/batch, "
                  f"{row['per_clip_s']*1e3:.3f} ms/clip")
    write_report_table(report, write_json(report, args.out))


if __name__ == '__main__':
    main()
