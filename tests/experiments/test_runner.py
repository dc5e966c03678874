"""`m2hen benchmark` end to end on tiny models: train, dump, Eq. 5, report."""
import os.path as osp

import mmengine
import numpy as np
import pytest

from m2hen_mmaction.experiments import runner as benchmark
from m2hen_mmaction.experiments.report import claim_checks, write_report

from conftest import run_console_script

SMOKE_MODELS = {
    'm3cn_rgbpose': benchmark.ModelSpec(
        'm3cn_rgbpose', 'm3cn/m3cn_rgbpose-res2net3d-tiny_1xb16-u4u16-12e_'
        'migsynth-rgbpose_smoke.py'),
    'ehct': benchmark.ModelSpec(
        'ehct', 'ehct/ehct_hypergraph-transformer-tiny_1xb16-u16-12e_migsynth-'
        'skeleton_smoke.py'),
}
ROWS = ('Res2Net3D (M3CN)', 'EHCT', 'M3CN + EHCT (HgE)',
        '+ group training (GpT)')


@pytest.mark.slow
def test_benchmark_trains_ensembles_reports_and_resumes(small_migsynth,
                                                        tmp_path):
    settings = benchmark.BenchmarkSettings(
        name='tiny', ann_file=small_migsynth, epochs=1, num_clips=(1, 2),
        rows=ROWS, work_root=str(tmp_path))
    results = benchmark.run_benchmark(settings, SMOKE_MODELS)
    parts = results['parts']
    expected_models = {
        benchmark.trainset_key(key, i, len(parts))
        for key in ('m3cn_rgbpose', 'ehct') for i in range(1, len(parts) + 1)}
    assert len(expected_models) == 2 * len(parts)
    assert set(results['models']) == expected_models
    assert len(results['rows']) == len(ROWS) * 2
    for row in results['rows']:
        assert 0 <= row['top1'] <= row['top5'] <= 1
        assert row['num_params'] > 0
    group = [r for r in results['rows'] if r['method'] == ROWS[-1]]
    assert len(group[0]['alphas']) == len(parts)
    # HgE is the sum of the two models' probabilities: check it by hand.
    work_dir = settings.work_dir
    m3cn = benchmark.model_scores(settings, 'm3cn_rgbpose', 'test', 2)
    ehct = benchmark.model_scores(settings, 'ehct', 'test', 2)
    hge = np.load(benchmark.scores_file(work_dir, ROWS[2], 2))
    np.testing.assert_allclose(hge, m3cn.scores + ehct.scores, rtol=1e-5)

    report = write_report(work_dir)
    text = open(report).read()
    assert '| + group training (GpT) |' in text
    assert osp.getsize(osp.join(work_dir, 'confusion_matrix.png')) > 1000
    assert osp.getsize(osp.join(work_dir,
                                'per_class_accuracy_vs_frequency.png')) > 1000
    assert any('EHCT ensemble' in line for line in claim_checks(results))

    # `m2hen ensemble` on the same dumps reproduces the GpT row (NoC 1).
    def dumps(split, index):
        return f'{index}=' + ','.join(
            benchmark.dump_path(osp.join(
                work_dir, benchmark.trainset_key(key, index, len(parts))),
                split, 1) for key in ('m3cn_rgbpose', 'ehct'))

    out = str(tmp_path / 'ensemble.json')
    argv = ['ensemble', '--ann-file', small_migsynth, '--out', out]
    for index in range(1, len(parts) + 1):
        argv += ['--val', dumps('val', index), '--test', dumps('test', index)]
    stdout, _ = run_console_script('m2hen', *argv, cwd=tmp_path)
    cli = mmengine.load(out)
    assert f"top1: {100 * cli['metrics']['top1']:.2f}" in stdout
    assert cli['alphas'] == group[0]['alphas']
    assert cli['metrics']['top1'] == pytest.approx(group[0]['top1'])
    assert cli['metrics']['mean1'] == pytest.approx(group[0]['mean1'])
    stdout, _ = run_console_script('m2hen', 'split', small_migsynth,
                                   cwd=tmp_path)
    for name, part in zip('ABCD', parts):
        assert f'Part {name}: classes {part} ' in stdout

    # A rerun reuses every finished model instead of training it again.
    done = osp.join(work_dir, 'ehct', 'done.json')
    before = mmengine.load(done)
    again = benchmark.run_benchmark(settings, SMOKE_MODELS)
    assert mmengine.load(done) == before
    assert again['rows'] == results['rows']


def test_unknown_rows_are_rejected(small_migsynth, tmp_path):
    settings = benchmark.BenchmarkSettings(
        ann_file=small_migsynth, rows=('ResNet3D', 'Transformer'),
        work_root=str(tmp_path))
    with pytest.raises(ValueError, match=r"Unknown Table 1 rows \['Transf"):
        benchmark.run_benchmark(settings)
