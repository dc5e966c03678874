"""Benchmark tables (benchmarks/tables.py) and a quick heatmaps run."""
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from matplotlib.image import imread
from PIL import Image

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCHMARKS = osp.join(REPO, 'benchmarks')
sys.path.insert(0, BENCHMARKS)
from tables import write_table  # noqa: E402

SPEEDUP = 'Speed-up (MMAction2 / ours)'


def markdown_rows(text: str) -> list:
    """Cells of every pipe-table line (header first, separator dropped)."""
    rows = [[cell.strip() for cell in line.strip().strip('|').split(' | ')]
            for line in text.splitlines() if line.startswith('|')]
    return [row for row in rows if set(row) != {'---'}]


def assert_valid_png(path) -> None:
    with Image.open(path) as image:
        assert image.format == 'PNG'
        assert image.width > 200 and image.height > 60
    pixels = imread(path)
    assert pixels.ndim == 3
    assert pixels.std() > 0.05  # lines and text, not a blank canvas


def test_write_table_writes_markdown_and_png(tmp_path):
    json_path = tmp_path / 'nested' / 'speed.json'
    markdown, png = write_table(
        json_path, 'Tiny speed table', ['case', 'ours (ms)', 'ratio'],
        [['a', 1.5, '2.0x'], ['b|c', '3.0', '0.5x']],
        notes=['ratio > 1: ours faster'])

    assert (markdown, png) == (tmp_path / 'nested' / 'speed.md',
                               tmp_path / 'nested' / 'speed.png')
    lines = markdown.read_text().splitlines()
    assert lines[0] == '# Tiny speed table'
    machine = lines[2]
    assert f'{os.cpu_count()} CPU cores' in machine
    assert f'torch {torch.__version__}' in machine
    assert ('CUDA' if torch.cuda.is_available() else 'CPU only') in machine
    assert lines[4:8] == [
        '| case | ours (ms) | ratio |', '| --- | --- | --- |',
        '| a | 1.5 | 2.0x |', r'| b\|c | 3.0 | 0.5x |'
    ]
    assert lines[-1] == '- ratio > 1: ours faster'
    assert_valid_png(png)


def test_write_table_rejects_rows_of_the_wrong_length(tmp_path):
    with pytest.raises(ValueError, match=r'row 1 has 2 cells .* 3 headers'):
        write_table(tmp_path / 'bad.json', 'Bad', ['a', 'b', 'c'],
                    [['1', '2', '3'], ['1', '2']])
    assert not (tmp_path / 'bad.md').exists()


def test_heatmaps_quick_run_writes_json_markdown_and_png(tmp_path):
    out = tmp_path / 'heatmaps.json'
    done = subprocess.run(
        [sys.executable, osp.join(BENCHMARKS, 'heatmaps.py'), '--quick',
         '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert done.returncode == 0, done.stderr[-3000:]

    cases = json.loads(out.read_text())['cases']
    header, *rows = markdown_rows(out.with_suffix('.md').read_text())
    assert SPEEDUP in header
    assert len(rows) == len(cases) == 8
    for row, case in zip(rows, cases):
        cells = dict(zip(header, row))
        assert (cells['Layout'], cells['Mode']) == (case['layout'],
                                                   case['mode'])
        assert cells[SPEEDUP] == f"{case['speedup']:.1f}x"
    assert_valid_png(out.with_suffix('.png'))


def test_train_throughput_quick_run_splits_data_time_and_compute(tmp_path):
    out = tmp_path / 'train_throughput.json'
    done = subprocess.run(
        [sys.executable, osp.join(BENCHMARKS, 'train_throughput.py'),
         '--quick', '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert done.returncode == 0, done.stderr[-3000:]

    results = json.loads(out.read_text())['results']
    assert [r['variant'] for r in results] == ['mmaction2', 'ours',
                                               'on_device']
    header, *rows = markdown_rows(out.with_suffix('.md').read_text())
    for row, record in zip(rows, results):
        assert 0 < record['data_time'] < record['time']
        assert record['compute'] == pytest.approx(
            record['time'] - record['data_time'])
        cells = dict(zip(header, row))
        assert cells['data ms/iter'] == f"{1000 * record['data_time']:.1f}"
    assert [dict(zip(header, row))['speed vs MMAction2'] for row in rows][0] \
        == '1.00x'
    assert_valid_png(out.with_suffix('.png'))



def test_ehct_quick_run_records_the_options(tmp_path):
    """`benchmarks/ehct.py --quick --ehct-options ...`: both models timed,
    the option recorded in the JSON and the Markdown notes."""
    out = tmp_path / 'ehct.json'
    done = subprocess.run(
        [sys.executable, osp.join(BENCHMARKS, 'ehct.py'), '--quick',
         '--layouts', 'coco17', '--ehct-options', 'backbone.with_cp=True',
         '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report['settings']['ehct_options'] == ['backbone.with_cp=True']
    assert report['settings']['device'] == 'cpu'
    assert set(report['results']) == {'stgcn_coco17', 'ehct_coco17'}
    assert all(r['train']['clips_per_cpu_s'] > 0
               for r in report['results'].values())
    assert 'backbone.with_cp=True' in out.with_suffix('.md').read_text()


@pytest.mark.skipif(torch.cuda.is_available(), reason='CUDA is present')
@pytest.mark.parametrize('script', ['ehct.py', 'backbones.py'])
def test_cuda_benchmark_without_a_gpu_says_so_before_building_models(
        script, tmp_path):
    out = tmp_path / 'result.json'
    done = subprocess.run(
        [sys.executable, osp.join(BENCHMARKS, script), '--device', 'cuda',
         '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].endswith(
        'error: --device cuda: no CUDA device is visible to torch (run on a '
        'GPU machine, or drop --device).')
    assert done.stdout == '' and not out.exists()


def test_ehct_gflops_count_every_matmul(mmaction_scope):
    """The benchmark's GFLOPs equal torch's own FLOP counter (2 per
    multiply-add; it counts the 2D @ 3D hyperedge matmuls with their batch,
    which mmengine drops) + the attention logits (an in-place ``baddbmm_``
    neither counter knows: T x V x V x C per block) + the norms mmengine
    also counts."""
    import argparse

    from mmaction.registry import MODELS
    from mmengine.analysis import FlopAnalyzer
    from torch.utils.flop_counter import FlopCounterMode

    import ehct as bench
    model = MODELS.build(bench.ehct_config('coco17'))
    counted = bench.count_gflops(
        model, argparse.Namespace(persons=1, frames=16), 17)
    clip = torch.randn(1, 1, 16, 17, 3)
    norms = FlopAnalyzer(model.backbone, inputs=(clip, )).by_operator()
    torch_counter = FlopCounterMode(display=False)
    with torch_counter, torch.no_grad():
        model.backbone(clip)
    frames = (16, ) * 5 + (8, ) * 3 + (4, ) * 2  # blocks 5, 8 stride after
    widths = (64, ) * 4 + (128, ) * 3 + (256, ) * 3  # attention widths
    logits = sum(t * 17 * 17 * c for t, c in zip(frames, widths))
    expected = (torch_counter.get_total_flops() / 2 + logits +
                norms['batch_norm'] + norms['layer_norm']) / 1e9
    assert counted == pytest.approx(expected, rel=1e-9)
