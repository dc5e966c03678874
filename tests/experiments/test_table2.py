"""Paper Table 2 as users run it: `m2hen benchmark table2_migsynth.py` at
smoke size (ST-GCN, TSN, TRN, TSM, Hyperformer), its report, reuse of
finished runs; models that cannot take the data refused in one line before
anything trains."""
import json
import os
import shutil

import mmengine
import pytest
import torch

from m2hen_mmaction.cli import main
from m2hen_mmaction.experiments.experiment import CONFIG_ROOT, load_experiment

from conftest import run_console_script

EXPERIMENT = os.path.join(CONFIG_ROOT, 'experiments', 'table2_migsynth.py')
STGCN = 'stgcn/stgcn_tiny_1xb16-joint-u16-12e_migsynth-skeleton_smoke.py'
SMOKE = [
    f'models.stgcn.config={STGCN}',
    'models.hyperformer.config=hyperformer/hyperformer_hypergraph-'
    'transformer-tiny_1xb16-u16-12e_migsynth-skeleton_smoke.py',
] + [f'models.{algo}.config={algo}/{algo}_r18-tiny_1xb16-1x1x8-12e_'
     'migsynth-rgb_smoke.py' for algo in ('tsn', 'trn', 'tsm')]
ROWS = {'ST-GCN': 'skeleton', 'TSN': 'RGB', 'TRN': 'RGB', 'TSM': 'RGB',
        'Hyperformer': 'skeleton'}
HEADER = ('| Method | Modality | Top-1 | Top-5 | Class-avg | Params (M) | '
          'GFLOPs | Train time (s) |')


def benchmark(ann_file, cwd, *args, expect=0):
    return run_console_script(
        'm2hen', 'benchmark', EXPERIMENT, '--ann-file', ann_file, '--name',
        'table2', '--epochs', '1', '--num-clips', '1', *args, cwd=cwd,
        expect=expect)


def report_rows(report: str) -> dict:
    """Method -> cells of each line of the report's Table 2."""
    table = report.split(HEADER)[1].split('\n\n')[0]
    rows = [line.strip('|').split(' | ') for line in
            table.strip().splitlines()[1:]]
    return {cells[0].strip(): [c.strip() for c in cells[1:]]
            for cells in rows}


@pytest.mark.slow
def test_table2_benchmark_reports_every_row_and_reuses_runs(small_migsynth,
                                                            tmp_path):
    benchmark(small_migsynth, tmp_path, '--rows', *ROWS,
              '--cfg-options', *SMOKE)
    work_dir = tmp_path / 'work_dirs' / 'table2'
    results = json.load(open(work_dir / 'results.json'))
    assert [r['method'] for r in results['rows']] == list(ROWS)
    num_test = len(mmengine.load(small_migsynth)['split']['test'])
    for key in ('stgcn', 'tsn', 'trn', 'tsm', 'hyperformer'):
        record = results['models'][key]
        assert record['gflops'] > 0 and record['num_params'] > 0
        assert record['train_seconds'] > 0
        dump = mmengine.load(work_dir / key / 'test_noc1.pkl')
        assert len(dump) == num_test
    # Hyperformer is EHCT's backbone without the auxiliary classifier.
    hyperformer = results['models']['hyperformer']['config']['model']
    assert hyperformer['type'] == 'RecognizerGCN'
    assert hyperformer['cls_head']['type'] == 'GCNHead'

    report = (work_dir / 'report.md').read_text()
    rows = report_rows(report)
    for method, modality in ROWS.items():
        cells = rows[method]
        result = next(r for r in results['rows'] if r['method'] == method)
        assert cells[0] == modality
        assert cells[1] == f"{100 * result['top1']:.2f}"
        assert cells[3] == f"{100 * result['mean1']:.2f}"
        assert cells[4] == f"{result['num_params'] / 1e6:.2f}"
        assert cells[5] == f"{result['gflops']:.3f}"
    assert rows['MS-G3D'][1].startswith("not run: not in MMAction2 1.1.0's "
                                        'wheel')
    assert "The paper's Table 2 numbers (iMiGUE) are not listed" in report

    # Scoring again reuses every run; rows not trained are listed.
    done = work_dir / 'stgcn' / 'done.json'
    before = done.read_text()
    benchmark(small_migsynth, tmp_path, '--score-only', '--cfg-options',
              *SMOKE)
    assert done.read_text() == before
    rows = report_rows((work_dir / 'report.md').read_text())
    assert set(ROWS) < set(rows)
    assert rows['M2HEN'][1].startswith('not scored: runs m3cn_rgbpose')


def test_shipped_table2_experiments_name_shipped_configs():
    for name in ('table2_migsynth.py', 'table2_imigue.py',
                 'table2_imigue22.py'):
        exp = load_experiment(name)
        assert exp.report == 'table2' and exp.count_flops
        assert 'MS-G3D' in [r['method'] for r in exp.not_run]
        assert {'ST-GCN', 'Hyperformer', 'EHCT'} <= {r.method
                                                     for r in exp.rows}


def pose_only_copy(small_migsynth, folder):
    """The small MiG-Synth pickle without its videos (like MiGA 2023)."""
    os.makedirs(folder)
    source = os.path.dirname(small_migsynth)
    for name in ('migsynth.pkl', 'classes.txt'):
        shutil.copy(os.path.join(source, name), folder)
    return os.path.join(folder, 'migsynth.pkl')


def limbless_config(folder):
    """The ST-GCN smoke config with a graph of no limbs (MMAction2 Graph's
    dict form)."""
    path = os.path.join(folder, 'stgcn_limbless.py')
    with open(path, 'w') as f:
        f.write(f"_base_ = ['{os.path.join(CONFIG_ROOT, STGCN)}']\n"
                'model = dict(backbone=dict(graph_cfg=dict(_delete_=True, '
                "mode='stgcn_spatial', layout=dict(num_node=137, inward=[], "
                'center=1))))\n')
    return path


BAD_INPUT = {
    'RGB rows on pose-only data': (
        ['--rows', 'ST-GCN', 'TSN'], 'pose_only',
        'model tsn (tsn/tsn_r18-tiny_1xb16-1x1x8-12e_migsynth-rgb.py) reads '
        'RGB clips from'),
    'graph of another layout': (
        ['--rows', 'ST-GCN', '--cfg-options',
         'model.backbone.graph_cfg.layout=coco17'], None,
        "(graph_cfg.layout='coco17') has 17 joints but"),
    'graph without limbs': (
        ['--rows', 'ST-GCN', '--cfg-options', 'models.stgcn.config={cfg}'],
        None, 'graph_cfg.layout has no limbs'),
}


@pytest.mark.parametrize('case', BAD_INPUT)
def test_model_that_cannot_take_the_data_is_one_line_before_training(
        case, small_migsynth, tmp_path, monkeypatch, capsys):
    """In this process (`main`, as test_runner's bad-input table)."""
    args, data, message = BAD_INPUT[case]
    ann_file = pose_only_copy(small_migsynth, str(tmp_path / 'data')) \
        if data == 'pose_only' else small_migsynth
    args = [a.replace('{cfg}', limbless_config(str(tmp_path)))
            for a in args]
    monkeypatch.chdir(tmp_path)
    assert main(['benchmark', EXPERIMENT, '--ann-file', ann_file,
                 *args]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines()
             if line.strip()]
    assert len(lines) == 1 and message in lines[0], lines
    assert not (tmp_path / 'work_dirs').exists() or not any(
        name.endswith('.pth') for _, _, files in os.walk(tmp_path)
        for name in files)


def test_plan_lists_every_table2_run(small_migsynth, tmp_path, monkeypatch,
                                     capsys):
    """`--plan` for a cluster (in this process: it trains nothing)."""
    monkeypatch.chdir(tmp_path)
    assert main(['benchmark', EXPERIMENT, '--ann-file', small_migsynth,
                 '--plan', '--launcher', 'pytorch', '--gpus', '8']) == 0
    script = capsys.readouterr().out
    trained = [line.split()[3] for line in script.splitlines()
               if line.startswith('mim train')]
    keys = {os.path.basename(path)[:-3] for path in trained}
    assert {'stgcn', 'tsn', 'trn', 'tsm', 'hyperformer', 'ehct',
            'm3cn_rgbpose', 'posec3d_rgb'} <= keys
    assert 'ehct_trainset1' in keys  # M2HEN's group trainsets
    # NoC sets the clips of 3D/skeleton samplers; TSN's 8 segments stay.
    tsn_tests = [line for line in script.splitlines()
                 if line.startswith('mim test') and '/tsn.py' in line]
    assert tsn_tests and not any('num_clips' in t for t in tsn_tests)
    assert all('--launcher pytorch --gpus 8' in t for t in tsn_tests)


def test_gflops_count_one_val_clip_input_to_scores(small_migsynth,
                                                   mmaction_scope):
    """TSN's count is its backbone on the clip's 8 segments plus its head,
    as mmengine counts each part on its own."""
    from mmengine.analysis import get_model_complexity_info
    from mmengine.config import Config

    from m2hen_mmaction.experiments.complexity import model_gflops
    from m2hen_mmaction.experiments.experiment import point_config_at_data
    from mmaction.registry import MODELS

    cfg = Config.fromfile(os.path.join(
        CONFIG_ROOT, 'tsn/tsn_r18-tiny_1xb16-1x1x8-12e_migsynth-rgb_smoke.py'))
    point_config_at_data(cfg, small_migsynth)
    model = MODELS.build(cfg.model).eval()
    frames = get_model_complexity_info(
        model.backbone, inputs=(torch.zeros(8, 3, 32, 32), ),
        show_table=False, show_arch=False)['flops']
    head = cfg.model.cls_head.in_channels * cfg.model.cls_head.num_classes
    assert model_gflops(cfg) == pytest.approx((frames + head) / 1e9,
                                              rel=1e-3)
