"""report.md's claims table: each claim of the experiment file measured by a
paired bootstrap, on scores whose verdicts are known by construction.

The subprocess test runs what a user runs after training on a cluster:
`m2hen benchmark --plan` (resolved configs), the runs' outputs (here
written by the test: a checkpoint and MMAction2 ``--dump`` files whose
predictions are right or wrong by design), `m2hen benchmark --score-only`
and `m2hen report`.
"""
import os

import mmengine
import numpy as np
import torch

from m2hen_mmaction.experiments.experiment import CONFIG_ROOT
from m2hen_mmaction.experiments.report import (claims_markdown,
                                               learning_check_markdown)
from m2hen_mmaction.experiments.runner import labels_file, scores_file

from conftest import run_console_script, write_score_dump

EXPERIMENT = os.path.join(CONFIG_ROOT, 'experiments', 'table1_migsynth.py')
# Every row but EHCT and GpT; GpT's claim is then "not run".
ROWS = ['ResNet3D', 'ResNet3D (PoseC3D)', 'Res2Net3D', 'Res2Net3D (M3CN)',
        'M3CN + EHCT (HgE)']
# Each model is right on every clip, or on every clip but the 1st, 3rd, ...
# of each class (so every class, even one with a single clip, has a clip
# it gets wrong). HgE sums m3cn_rgbpose's and ehct's logits: ehct's weigh
# more, so HgE is right everywhere.
RIGHT, HALF = 'right', 'half'
MODELS = dict(posec3d_rgb=(HALF, 1), posec3d_pose=(RIGHT, 1),
              posec3d_rgbpose=(RIGHT, 1), m3cn_rgb=(RIGHT, 1),
              m3cn_pose=(RIGHT, 1), m3cn_rgbpose=(HALF, 1), ehct=(RIGHT, 3))
# Claim -> its subsets, the compared row -> verdict. RIGHT vs HALF: the
# difference is >= 0 on every clip and > 0 on every class's first clip,
# which every class-stratified resample keeps: the interval lies above 0.
EXPECTED = {
    'RGB+pose beats each single modality (ResNet3D)': (
        ['all', 'rgb_cue'],
        {'ResNet3D, RGB': 'holds', 'ResNet3D, pose': 'within noise'}),
    'RGB+pose beats each single modality (Res2Net3D)': (
        ['all', 'rgb_cue'],
        {'Res2Net3D, RGB': 'does not hold',
         'Res2Net3D, pose': 'does not hold'}),
    'Res2Net3D beats ResNet3D (RGB+pose)': (
        ['all', 'finger_face_cue'],
        {'ResNet3D (PoseC3D), RGB+pose': 'does not hold'}),
    'The EHCT ensemble (HgE) beats M3CN': (
        ['all', 'finger_face_cue'],
        {'Res2Net3D (M3CN), RGB+pose': 'holds'}),
    'Group training raises class-average accuracy': (
        ['all', 'tail'],
        {'M3CN + EHCT (HgE), RGB+pose+skeleton': 'not run'}),
}


def designed_scores(labels, design, weight):
    """Logits (N, C) right where ``design`` says, else on the next class."""
    num_classes = 16
    position = np.zeros(len(labels), int)  # index of the clip in its class
    for label in np.unique(labels):
        position[labels == label] = np.arange(np.sum(labels == label))
    right = np.ones(len(labels), bool) if design == RIGHT else position % 2
    predicted = np.where(right, labels, (labels + 1) % num_classes)
    return weight * np.eye(num_classes)[predicted]


def write_run_outputs(work_dir, ann_file):
    """What each run would leave: a checkpoint and its val/test dumps."""
    data = mmengine.load(ann_file)
    label_of = {a['frame_dir']: a['label'] for a in data['annotations']}
    for key, (design, weight) in MODELS.items():
        os.makedirs(work_dir / key)
        torch.save({'state_dict': {'weight': torch.zeros(2)}},
                   work_dir / key / 'best_acc_top1_epoch_1.pth')
        for split in ('val', 'test'):
            ids = data['split'][split]
            labels = np.array([label_of[i] for i in ids])
            write_score_dump(work_dir / key / f'{split}_noc1.pkl',
                             designed_scores(labels, design, weight), labels,
                             ids)


def claim_table(report):
    """(claim, compared row, subset name, metric, verdict) per table line."""
    section = report.split("## The paper's claims on this data")[1]
    section = section.split('\n## ')[0]
    lines = [[cell.strip() for cell in line.split('|')[1:-1]]
             for line in section.splitlines() if ' — vs ' in line]
    return [(*cells[0].split(' — vs '), cells[1].split(' (')[0], cells[2],
             cells[7]) for cells in lines]


def test_claims_table_from_score_only_run(small_migsynth, tmp_path):
    args = ['benchmark', EXPERIMENT, '--ann-file', small_migsynth, '--name',
            'claims', '--rows', *ROWS, '--num-clips', '1']
    run_console_script('m2hen', *args, '--plan', cwd=tmp_path)
    work_dir = tmp_path / 'work_dirs' / 'claims'
    write_run_outputs(work_dir, small_migsynth)
    _, stderr = run_console_script('m2hen', *args, '--score-only',
                                   cwd=tmp_path)
    assert 'm2hen benchmark: warning: the test split' in stderr
    os.remove(work_dir / 'report.md')
    _, stderr = run_console_script('m2hen', 'report', work_dir, cwd=tmp_path)
    report = (work_dir / 'report.md').read_text()

    table = claim_table(report)
    expected = []
    for claim, (subsets, compared) in EXPECTED.items():
        for row, verdict in compared.items():
            if verdict == 'not run':
                expected.append((claim, row, ', '.join(subsets), '',
                                 'not run (+ group training (GpT), '
                                 'RGB+pose+skeleton not scored)'))
                continue
            expected += [(claim, row, subset, metric, verdict)
                         for subset in subsets
                         for metric in ('top-1', 'class-avg')]
    assert table == expected
    # The test split (1 clip per class) cannot resolve 5 points.
    warning = 'the test split (16 clips, 1 of the rarest class) is too small'
    assert f'**Warning:** {warning}' in report
    assert f'm2hen report: warning: {warning}' in stderr
    assert 'rgb_cue (4 classes, 4 clips)' in report
    assert 'An RGB+pose network scores as its recipe fuses its heads, the ' \
        'mean of their softmax probabilities' in report
    # posec3d_rgb is wrong on each class's first val clip; ResNet3D pose,
    # the first row right on every clip, is the best row on val.
    learned = report.split('## What the best row learned (val)')[1]
    assert 'Best row on val by class-average: **ResNet3D, pose** (top-1 ' \
        '100.00, class-avg 100.00)' in learned
    assert 'it has not learned (val recall 0): none.' in learned


def constructed_run(tmp_path, clips_per_class, claims):
    """A work dir with two rows' test scores: 'ours' right on 3/4 of each
    class's clips, 'theirs' on 1/4, 16 classes; results.json's fields that
    the claims table reads."""
    labels = np.repeat(np.arange(16), clips_per_class)
    position = np.tile(np.arange(clips_per_class), 16)
    for method, right in (('ours', position % 4 != 0),
                          ('theirs', position % 4 == 0)):
        scores = np.eye(16)[np.where(right, labels, (labels + 1) % 16)]
        np.save(scores_file(str(tmp_path), method, 'pose', 1), scores)
    np.save(labels_file(str(tmp_path), 1), labels)
    rows = [dict(method=m, modality='pose', num_clips=1)
            for m in ('ours', 'theirs')]
    return dict(settings=dict(num_clips=[1], claims=claims), rows=rows,
                parts=[list(range(4)), list(range(4, 16))],
                class_groups=dict(none_tested=[]))


CLAIM = dict(text='ours beats theirs', better=['ours', 'pose'],
             than=[['theirs', 'pose'], ['absent', 'RGB']],
             subsets=['all', 'tail', 'none_tested'])


def test_claims_table_warns_only_when_the_split_is_too_small(tmp_path):
    """A 50-point difference: resolved at 4 clips per class, by a split
    too small for 5 points in the worst case; at 200 per class, no
    warning."""
    small, warning = claims_markdown(constructed_run(tmp_path, 4, [CLAIM]),
                                     str(tmp_path))
    assert 'is too small' in warning and f'**Warning:** {warning}' in small
    assert '| ours beats theirs — vs theirs, pose | tail (12 classes, 48 ' \
        'clips) | class-avg | 75.00 | 25.00 | +50.00 | [' in small
    assert '| ours beats theirs — vs absent, RGB | all, tail, none_tested ' \
        '| | | | | | not run (absent, RGB not scored) |' in small
    assert '| none_tested (no test clips) | | | | | | no test clips |' \
        in small
    large, warning = claims_markdown(constructed_run(tmp_path, 200, [CLAIM]),
                                     str(tmp_path))
    assert warning is None and 'Warning' not in large
    assert large.count('| holds |') == 4  # 2 subsets x 2 metrics


def test_learning_check_names_unlearned_classes_with_enough_clips():
    """The best row by val class-average is checked; a class it misses is
    listed only with >= 10 training clips."""
    def row(method, recall):
        return dict(method=method, modality='pose', num_clips=1,
                    val=dict(top1=0.5, mean1=float(np.mean(recall)),
                             recall=recall))
    results = dict(settings=dict(val_split='val'), class_counts=[40, 10, 9],
                   rows=[row('worse', [1.0, 0.0, 0.0]),
                         row('best', [0.0, 1.0, 0.5]),
                         dict(method='no val scores', modality='pose',
                              num_clips=1)])
    text = learning_check_markdown(results, ['head', 'mid', 'tail'])
    assert text.startswith('Best row on val by class-average: **best, pose**')
    assert 'it has not learned (val recall 0): head.' in text
    assert '| mid | 10 | 100.00 |' in text and '| tail | 9 | 50.00 |' in text

    results['rows'][1]['val']['recall'] = [1.0, 1.0, 0.0]
    assert 'it has not learned (val recall 0): none.' in \
        learning_check_markdown(results, ['head', 'mid', 'tail'])
