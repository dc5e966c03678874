"""`m2hen benchmark <experiment>` as users run it: train, dump, Eq. 5 on
logits, report, reuse; --plan and its commands; bad input in one line."""
import json
import os
import os.path as osp
import re
import subprocess

import mmengine
import numpy as np
import pytest
from mmengine.config import Config

from m2hen_mmaction.cli import main
from m2hen_mmaction.errors import InputError
from m2hen_mmaction.experiments import runner
from m2hen_mmaction.experiments.experiment import (CONFIG_ROOT, ModelRun,
                                                   config_path,
                                                   load_experiment,
                                                   resolve_config,
                                                   trainset_key)
from m2hen_mmaction.grouping.parts import build_trainset

from conftest import BIN, run_console_script
from smoke_runs import clean_env, failure_report, run

EXPERIMENT = osp.join(CONFIG_ROOT, 'experiments', 'table1_migsynth.py')
M3CN_SMOKE = ('m3cn/m3cn_rgbpose-res2net3d-tiny_1xb16-u4u16-12e_migsynth-'
              'rgbpose_smoke.py')
SMOKE = [  # M3CN's RGB-only and pose-only halves, their merge, the fine-tune
    'models.m3cn_rgb.config=m3cn/m3cn_res2net3d-slowonly-tiny_1xb16-u4-12e_'
    'migsynth-rgb_smoke.py',
    'models.m3cn_pose.config=m3cn/m3cn_res2net3d-slowonly-tiny_1xb16-u16-12e_'
    'migsynth-pose_smoke.py',
    f'models.m3cn_init.config={M3CN_SMOKE}',
    f'models.m3cn_rgbpose.config={M3CN_SMOKE}',
    'models.ehct.config=ehct/ehct_hypergraph-transformer-tiny_1xb16-u16-12e_'
    'migsynth-skeleton_smoke.py',
]
HGE, GPT = 'M3CN + EHCT (HgE)', '+ group training (GpT)'


def benchmark(small_migsynth, cwd, *args, expect=0):
    return run_console_script(
        'm2hen', 'benchmark', EXPERIMENT, '--ann-file', small_migsynth,
        '--name', 'tiny', *args, cwd=cwd, expect=expect)


def one_line_error(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.slow
def test_benchmark_trains_fuses_logits_reports_and_reuses(small_migsynth,
                                                          tmp_path):
    # A user num_classes lands before the trainsets' own: theirs must win.
    options = ['--cfg-options', *SMOKE, 'model.cls_head.num_classes=16']
    benchmark(small_migsynth, tmp_path, '--rows', HGE, GPT, '--epochs', '1',
              '--num-clips', '1', *options)
    work_dir = tmp_path / 'work_dirs' / 'tiny'
    results = json.load(open(work_dir / 'results.json'))
    parts = results['parts']
    for key, record in results['models'].items():
        index = int(key[-1]) if 'trainset' in key else len(parts)
        assert record['config']['model']['cls_head']['num_classes'] == \
            build_trainset(parts, index).num_classes
    # M3CN's two halves and their merge, then M3CN_i and EHCT_i.
    assert len(results['models']) == 3 + 2 * len(parts)
    assert [r['method'] for r in results['rows']] == [HGE, GPT]
    group = results['rows'][1]
    assert len(group['alphas']) == len(parts)
    # HgE is the sum of the two models' clip-averaged logits (Eq. 5's sum).
    dumps = [mmengine.load(work_dir / key / 'test_noc1.pkl')
             for key in ('m3cn_rgbpose', 'ehct')]
    logits = [np.stack([s['pred_scores']['item'].numpy() for s in d])
              for d in dumps]
    assert not np.allclose(logits[1].sum(1), 1)  # logits, not probabilities
    hge = np.load(runner.scores_file(str(work_dir), HGE, 'RGB+pose+skeleton',
                                     1))
    np.testing.assert_allclose(hge, logits[0] + logits[1], rtol=1e-5)
    assert len(hge) == len(mmengine.load(small_migsynth)['split']['test'])

    report = (work_dir / 'report.md').read_text()
    assert 'fuses logits' in report and '`model.cls_head.num_classes=16`' \
        in report
    assert 'm3cn/m3cn_rgbpose-res2net3d-tiny_1xb16-u4u16-12e_migsynth-' \
        'rgbpose_smoke.py' in report

    # `m2hen ensemble` on the same dumps reproduces the GpT row.
    def trainset_dumps(split, index):
        keys = [trainset_key(k, index, len(parts))
                for k in ('m3cn_rgbpose', 'ehct')]
        return f'{index}=' + ','.join(
            str(work_dir / key / f'{split}_noc1.pkl') for key in keys)

    argv = ['ensemble', '--ann-file', small_migsynth, '--out', 'e.json']
    for index in range(1, len(parts) + 1):
        argv += ['--val', trainset_dumps('val', index),
                 '--test', trainset_dumps('test', index)]
    run_console_script('m2hen', *argv, cwd=tmp_path)
    cli = json.load(open(tmp_path / 'e.json'))
    assert cli['alphas'] == group['alphas']
    assert cli['metrics']['mean1'] == pytest.approx(group['mean1'])
    stdout, _ = run_console_script('m2hen', 'split', small_migsynth,
                                   cwd=tmp_path)
    for name, part in zip('ABCD', parts):
        assert f'Part {name}: classes {part} ' in stdout

    # The same command again reuses every run; other epochs are refused
    # before training, naming the setting.
    done = work_dir / 'ehct' / 'done.json'
    before = done.read_text()
    benchmark(small_migsynth, tmp_path, '--rows', HGE, GPT, '--epochs', '1',
              '--num-clips', '1', *options)
    assert done.read_text() == before
    # A new NoC tests the reused checkpoints; nothing trains again.
    benchmark(small_migsynth, tmp_path, '--rows', HGE, GPT, '--epochs', '1',
              '--num-clips', '1', '2', *options)
    assert done.read_text() == before
    tested = [key for key, record in results['models'].items()
              if record['stage'] != 'merge']
    assert len(tested) == 2 + 2 * len(parts)
    for key in tested:
        assert (work_dir / key / 'test_noc2.pkl').is_file(), key
    rows = json.load(open(work_dir / 'results.json'))['rows']
    assert sorted((r['method'], r['num_clips']) for r in rows) == sorted(
        (method, k) for method in (HGE, GPT) for k in (1, 2))
    _, stderr = benchmark(small_migsynth, tmp_path, '--rows', HGE, GPT,
                          '--epochs', '2', '--num-clips', '1', *options,
                          expect=2)
    line = one_line_error(stderr)
    assert 'max_epochs: 1 -> 2' in line and 'another --name' in line


@pytest.mark.slow
def test_plan_commands_run_then_benchmark_scores_what_finished(
        small_migsynth, tmp_path):
    args = ['--rows', 'EHCT', GPT, '--epochs', '1', '--num-clips', '1',
            '--cfg-options', *SMOKE]
    stdout, _ = benchmark(small_migsynth, tmp_path, *args, '--plan',
                          '--launcher', 'slurm', '--partition', 'gpu',
                          '--gpus', '8')
    script = tmp_path / 'work_dirs' / 'tiny' / 'plan.sh'
    assert script.read_text() == stdout
    commands = [line for line in stdout.splitlines()
                if line.startswith(('mim', 'm2hen'))]
    keys = [c.split()[3].split('/')[-1][:-3] for c in commands]
    # Primary models first, then trainsets; each trained, then tested on
    # val and test.
    assert keys.index('ehct_trainset1') > keys.index('m3cn_rgbpose')
    assert [c.split()[1] for c in commands[:3]] == ['train', 'test', 'test']
    assert all(c.count('--launcher slurm --gpus 8 --partition gpu') == 1
               for c in commands if c.startswith('mim'))
    merges = [c for c in commands if c.startswith('m2hen merge-init')]
    assert len(merges) == 1 and keys.index('m3cn_rgbpose') > commands.index(
        merges[0]) > keys.index('m3cn_pose')
    trainset = mmengine.Config.fromfile(
        tmp_path / 'work_dirs' / 'tiny' / 'configs' / 'ehct_trainset1.py')
    assert trainset.train_dataloader.dataset.type == 'PartGroupedPoseDataset'

    # Run the EHCT block of a plan on this machine, as a user would.
    stdout, _ = benchmark(small_migsynth, tmp_path, *args, '--plan')
    (ehct_block, ) = [block for block in stdout.split('\n\n')
                      if block.startswith('# ehct: single')]
    (tmp_path / 'ehct.sh').write_text(stdout.split('\n\n')[0] + '\n' +
                                      ehct_block + '\n')
    subprocess.run(['bash', 'ehct.sh'], cwd=tmp_path, check=True,
                   capture_output=True, timeout=600,
                   env=dict(os.environ, PATH=BIN + os.pathsep +
                            os.environ['PATH'], OMP_NUM_THREADS='1'))
    benchmark(small_migsynth, tmp_path, *args, '--score-only')
    results = json.load(open(tmp_path / 'work_dirs' / 'tiny' /
                             'results.json'))
    assert [r['method'] for r in results['rows']] == ['EHCT']
    assert results['models']['ehct']['train_seconds'] is None
    (missing, ) = results['missing_rows']
    assert missing['method'] == GPT and 'm3cn_rgbpose' in missing['runs']
    report = (tmp_path / 'work_dirs' / 'tiny' / 'report.md').read_text()
    assert f'| {GPT} | RGB+pose+skeleton | not scored: runs ' in report


BAD_INPUT = {
    'missing config': (['--cfg-options', 'models.ehct.config=ehct/none.py'],
                       'model ehct: config ehct/none.py does not exist'),
    'one part': (['--cfg-options', 'part_ratio=0.01'],
                 'group training needs at least two parts'),
    'unknown row': (['--rows', 'Transformer'], "Unknown rows ['Transformer']"),
    'unknown model': (['--cfg-options', 'rows.0.models=[nope]'],
                      "names unknown models ['nope']"),
    'launcher with score-only': (['--launcher', 'pytorch', '--score-only'],
                                 '--score-only trains nothing'),
    'slurm without srun': (['--launcher', 'slurm', '--partition', 'gpu'],
                           'srun, which is not on PATH here'),
    'unknown class in a group': (
        ['--cfg-options', 'class_groups.rgb_cue=[hairplay]'],
        "class_groups.rgb_cue names ['hairplay'], not classes of"),
    'claim on an unknown subset': (
        ['--cfg-options', 'claims.0.subsets=[all,rgb]'],
        "targets unknown class subsets ['rgb']; define them in class_groups"),
    'claim on an unknown row': (
        ['--cfg-options', 'claims.0.better=[PoseC3D,RGB+pose]'],
        "names row ['PoseC3D', 'RGB+pose'], which"),
    'merge for another config': (
        ['--cfg-options', f'models.m3cn_rgbpose.config={M3CN_SMOKE}'],
        "model m3cn_rgbpose fine-tunes m3cn/m3cn_rgbpose-res2net3d-tiny_1xb16-"
        "u4u16-12e_migsynth-rgbpose_smoke.py from m3cn_init's merge"),
    'slurm without partition': (['--plan', '--launcher', 'slurm'],
                                '--launcher slurm needs --partition'),
}


@pytest.mark.parametrize('name', ['table1_migsynth.py', 'table1_imigue.py',
                                  'table1_imigue22.py'])
def test_shipped_experiments_name_shipped_configs(name):
    exp = load_experiment(name)
    assert exp.fuse == 'logits' and exp.rows
    stages = {model.get('stage', 'single') for model in exp.models.values()}
    assert stages <= {'single', 'merge', 'rgbpose'}
    if name == 'table1_imigue.py':  # RGB+pose from the merge-init
        assert stages == {'single', 'merge', 'rgbpose'}


def assert_nothing_trained(folder):
    assert not any(name.endswith('.pth')
                   for _, _, files in os.walk(folder) for name in files)


def test_classes_not_the_datasets_are_one_line_before_training(
        small_migsynth, tmp_path):
    _, stderr = benchmark(small_migsynth, tmp_path, '--cfg-options',
                          'model.cls_head.num_classes=32', expect=2)
    line = one_line_error(stderr)
    assert line.startswith('m2hen benchmark: error: model posec3d_rgb')
    assert 'model.cls_head.num_classes is 32 but' in line
    assert 'has 16 classes' in line
    assert_nothing_trained(tmp_path)


@pytest.mark.parametrize('case', BAD_INPUT)
def test_bad_experiment_input_is_one_line_before_training(
        case, small_migsynth, tmp_path, monkeypatch, capsys):
    """The same path in this process (a subprocess per case costs more
    than the check)."""
    args, message = BAD_INPUT[case]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('PATH', BIN)  # no srun
    assert main(['benchmark', EXPERIMENT, '--ann-file', small_migsynth,
                 *args]) == 2
    assert message in one_line_error(capsys.readouterr().err)
    assert_nothing_trained(tmp_path)


@pytest.mark.slow
@pytest.mark.xdist_group('multiprocess')  # see tests/test_distributed.py
def test_a_launcher_runs_the_plan_here_then_scores(small_migsynth, tmp_path):
    """README's `m2hen benchmark <experiment> --launcher pytorch --gpus N`:
    the plan's commands run here (2 gloo processes each), then the rows are
    scored as in-process; finished runs are skipped; a failing command
    stops the benchmark with one line naming it."""
    env = dict(clean_env(), CUDA_VISIBLE_DEVICES='')

    def launch(name, *options):
        return run(['m2hen', 'benchmark', 'table1_migsynth.py', '--ann-file',
                    small_migsynth, '--name', name, '--rows', 'EHCT',
                    '--epochs', '1', '--num-clips', '1', '--launcher',
                    'pytorch', '--gpus', '2', '--cfg-options', SMOKE[1],
                    *options], cwd=tmp_path, env=env, timeout=600)

    result = launch('dist')
    log = result.stdout + result.stderr
    assert result.returncode == 0, failure_report(log)
    assert '[ehct] command 1/3: mim train m2hen_mmaction' in log
    assert 'All 2 ranks hold identical weights and buffers.' in log
    assert '[ehct] command 3/3: mim test m2hen_mmaction' in log
    work_dir = tmp_path / 'work_dirs' / 'dist'
    results = json.load(open(work_dir / 'results.json'))
    assert [r['method'] for r in results['rows']] == ['EHCT']
    assert results['models']['ehct']['train_seconds'] > 0
    assert '| EHCT | skeleton | 1 |' in (work_dir / 'report.md').read_text()
    # The distributed test dumps every test sample exactly once.
    test_ids = mmengine.load(small_migsynth)['split']['test']
    dump = mmengine.load(work_dir / 'ehct' / 'test_noc1.pkl')
    assert sorted(s['frame_dir'] for s in dump) == sorted(test_ids)
    scores = np.load(runner.scores_file(str(work_dir), 'EHCT', 'skeleton',
                                         1))
    assert scores.shape == (len(test_ids), 16)

    again = launch('dist')
    assert again.returncode == 0 and '0 of 1 runs to do' in again.stdout
    assert 'mim train' not in again.stdout

    failed = launch('nccl', 'env_cfg.dist_cfg.backend=nccl')
    line = failed.stderr.strip().splitlines()[-1]
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert line.startswith('m2hen benchmark: error: command 1/3 (run ehct) '
                           'exited with status')
    assert line.endswith('--launcher pytorch --gpus 2') and 'mim train' in line
    assert not (tmp_path / 'work_dirs' / 'nccl' / 'results.json').exists()


def _batch_size(exp, key):
    model = exp.models[key]
    run = ModelRun(key, key, model.config, model.get('stage', 'single'))
    return resolve_config(exp, run, parts=[]).train_dataloader.batch_size


def test_model_options_apply_to_their_model_and_cli_options_win(
        small_migsynth):
    """An experiment model's `options` change only its config; a model key
    of --cfg-options changes every model's, over `options`."""
    options = {'ann_file': small_migsynth,
               'models.posec3d_pose.options': dict(
                   train_dataloader=dict(batch_size=4))}
    exp = load_experiment(EXPERIMENT, options)
    rgb_config_batch = Config.fromfile(config_path(
        exp.models.posec3d_rgb.config)).train_dataloader.batch_size
    assert rgb_config_batch != 4
    assert (_batch_size(exp, 'posec3d_pose'),
            _batch_size(exp, 'posec3d_rgb')) == (4, rgb_config_batch)
    exp = load_experiment(EXPERIMENT, {**options,
                                       'train_dataloader.batch_size': 2})
    assert (_batch_size(exp, 'posec3d_pose'),
            _batch_size(exp, 'posec3d_rgb')) == (2, 2)
    with pytest.raises(InputError, match='model ehct: options must be a '
                       'dict of config keys'):
        load_experiment(EXPERIMENT, {'ann_file': small_migsynth,
                                     'models.ehct.options': [8]})


# The runs each run reads (their keys' prefixes); trainsets read the merge.
READS = {'m3cn_init': ['m3cn_rgb', 'm3cn_pose'],
         'm3cn_rgbpose': ['m3cn_init']}
EVENT = re.compile(r'^\[(\w+)\] (started|finished)')


@pytest.mark.slow
def test_jobs_train_runs_at_once_in_dependency_order(small_migsynth,
                                                     tmp_path):
    """`m2hen benchmark --jobs 2`: two runs train at once, each after the
    runs it reads, each writing run.log; the scores are those of the same
    runs trained one after another."""
    args = ['--rows', HGE, GPT, '--epochs', '1', '--num-clips', '1',
            '--cfg-options', *SMOKE]
    stdout, _ = benchmark(small_migsynth, tmp_path, *args, '--jobs', '2')
    events = [EVENT.match(line).groups() for line in stdout.splitlines()
              if EVENT.match(line)]
    order = {event: index for index, event in enumerate(events)}
    assert [state for _, state in events[:2]] == ['started', 'started']
    work_dir = tmp_path / 'work_dirs' / 'tiny'
    models = json.load(open(work_dir / 'results.json'))['models']
    assert {key for key, _ in events} == set(models)
    for key in models:
        assert order[(key, 'finished')] > order[(key, 'started')]
        prefix = max((p for p in READS if key.startswith(p)), key=len,
                     default=None)
        for read in READS.get(prefix, []):
            assert order[(key, 'started')] > order[(read, 'finished')]
        log = (work_dir / key / 'run.log').read_text()
        assert ('merging' if key == 'm3cn_init' else 'Epoch(train)') in log

    benchmark(small_migsynth, tmp_path, *args, '--name', 'one_at_a_time')
    scores = [np.load(runner.scores_file(str(tmp_path / 'work_dirs' / name),
                                         GPT, 'RGB+pose+skeleton', 1))
              for name in ('tiny', 'one_at_a_time')]
    np.testing.assert_allclose(scores[0], scores[1], rtol=1e-4, atol=1e-5)


def test_a_run_failing_in_a_worker_is_one_line_naming_its_log(
        small_migsynth, tmp_path):
    _, stderr = benchmark(
        small_migsynth, tmp_path, '--rows', 'EHCT', '--epochs', '1',
        '--num-clips', '1', '--jobs', '2', '--cfg-options', *SMOKE,
        'models.ehct.options.train_dataloader.batch_size=0', expect=1)
    line = stderr.strip().splitlines()[-1]
    log = osp.join('work_dirs', 'tiny', 'ehct', 'run.log')
    assert line.startswith('m2hen benchmark: error: run ehct failed: ') and \
        line.endswith(f'its output is in {log}'), stderr[-2000:]
    assert 'batch_size' in line and 'Traceback' in (tmp_path / log).read_text()


@pytest.mark.parametrize('options, message', [
    (['--jobs', '0'], '--jobs must be >= 1, got 0'),
    (['--jobs', '2', '--plan'], '--jobs trains runs here'),
    (['--jobs', '2', '--launcher', 'pytorch'], '--jobs trains runs here'),
])
def test_bad_jobs_are_one_line(small_migsynth, tmp_path, options, message):
    _, stderr = benchmark(small_migsynth, tmp_path, *options, expect=2)
    assert message in one_line_error(stderr)
