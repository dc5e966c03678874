"""Markdown + PNG report of a benchmark run (``m2hen report``).

Reads ``<work_dir>/results.json`` and the fused score files written by
:mod:`m2hen_mmaction.experiments.runner`, and writes ``report.md`` beside them with
the paper's Table 1 layout, the measured checks of the paper's claims, a
confusion matrix and a per-class accuracy vs class frequency plot.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import mmengine
import numpy as np

from .runner import labels_file, scores_file
from ..datasets.micro_gesture_dataset import read_classes_file
from ..evaluation.metrics import (confusion_matrix, per_class_accuracy,
                                 plot_confusion_matrix)

PAPER_TABLE1 = (
    # method, modality, NoC, top-1, top-5, class-average (iMiGUE, paper)
    ('PoseC3D', 'RGB+pose', '-', 67.27, 93.16, None),
    ('Res2Net3D (M3CN)', 'RGB+pose', 10, 68.11, 92.63, 41.44),
    ('+ EHCT ensemble (HgE)', 'RGB+pose+skeleton', 10, 69.47, 93.64, 40.29),
    ('+ group training (GpT)', 'RGB+pose+skeleton', 10, 70.19, 93.69, 47.36),
)
FINAL_ROW = '+ group training (GpT)'
HGE_ROW = 'M3CN + EHCT (HgE)'
BASELINE_ROW = 'ResNet3D (PoseC3D)'
M3CN_ROW = 'Res2Net3D (M3CN)'


def _pct(value: Optional[float]) -> str:
    return '–' if value is None or np.isnan(value) else f'{100 * value:.2f}'


def _rows_at(results: Dict, num_clips: int) -> Dict[str, Dict]:
    """Rows at one NoC, keyed by ``'method|modality'``."""
    return {f"{r['method']}|{r['modality']}": r for r in results['rows']
            if r['num_clips'] == num_clips}


def _find(rows: Dict[str, Dict], method: str) -> Optional[Dict]:
    return next((r for r in rows.values() if r['method'] == method), None)


def table1_markdown(results: Dict) -> str:
    """The measured Table 1: one line per row and NoC."""
    lines = [
        '| Method | Modality | NoC | Top-1 | Top-5 | Class-avg | Params (M) '
        '| Train time (s) |', '|---|---|---|---|---|---|---|---|'
    ]
    for r in results['rows']:
        lines.append(
            f"| {r['method']} | {r['modality']} | {r['num_clips']} | "
            f"{_pct(r['top1'])} | {_pct(r.get('top5'))} | "
            f"{_pct(r['mean1'])} | {r['num_params'] / 1e6:.2f} | "
            f"{_seconds(r['train_seconds'])} |")
    return '\n'.join(lines)


def _seconds(value: Optional[float]) -> str:
    """Train time; '–' for runs trained elsewhere (the --plan commands)."""
    return '–' if value is None else f'{value:.0f}'


def rows_markdown(results: Dict) -> str:
    """Each row's runs, their configs and model size; rows not scored."""
    lines = ['| Method | Modality | Runs | Configs | Params (M) |',
             '|---|---|---|---|---|']
    seen = set()
    for r in results['rows']:
        if (r['method'], r['modality']) in seen:
            continue
        seen.add((r['method'], r['modality']))
        configs = '<br>'.join(f'`{c}`' for c in r['configs'])
        lines.append(f"| {r['method']} | {r['modality']} | "
                     f"{', '.join(r['models'])} | {configs} | "
                     f"{r['num_params'] / 1e6:.2f} |")
    for r in results['missing_rows']:
        lines.append(f"| {r['method']} | {r['modality']} | not scored: "
                     f"runs {', '.join(r['runs'])} have not finished | | |")
    return '\n'.join(lines)


def settings_markdown(settings: Dict) -> str:
    """How the numbers were made: Eq. 5's fusion and every override."""
    fusion = {'logits': 'logits (clip-averaged, pre-softmax) of M3CN_i + '
              'EHCT_i summed, as the paper writes Eq. 5',
              'prob': 'softmax probabilities of each model summed'}
    options = ' '.join(f'`{k}={v}`' for k, v in
                       settings['cfg_options'].items()) or 'none'
    return (f"Experiment `{settings['experiment_file']}`. Eq. 5 fuses "
            f"{fusion[settings['fuse']]}; gate `{settings['gate']}`, α "
            f"searched on {settings['val_split']} (NoC "
            f"{settings['val_num_clips']}) for "
            f"`{settings['alpha_objective']}` over {settings['alpha_grid']}. "
            f'--cfg-options used: {options}.')


def paper_table_markdown() -> str:
    lines = ['| Method | Modality | NoC | Top-1 | Top-5 | Class-avg |',
             '|---|---|---|---|---|---|']
    for method, modality, noc, top1, top5, mean1 in PAPER_TABLE1:
        mean = '–' if mean1 is None else f'{mean1:.2f}'
        lines.append(f'| {method} | {modality} | {noc} | {top1:.2f} | '
                     f'{top5:.2f} | {mean} |')
    return '\n'.join(lines)


def claim_checks(results: Dict) -> List[str]:
    """The paper's claims, each stated as holding or not on this data
    (top-1 / class-average at the largest NoC)."""
    rows = _rows_at(results, max(results['settings']['num_clips']))
    checks = []

    def state(claim: str, ours: Dict, others: Sequence[Dict],
              key: str = 'top1') -> None:
        best = max(other[key] for other in others)
        verdict = 'holds' if ours[key] > best else '**does not hold**'
        checks.append(f"- {claim}: {verdict} ({key} {_pct(ours[key])} vs "
                      f'{_pct(best)}).')

    for family, fused in (('ResNet3D', BASELINE_ROW),
                          ('Res2Net3D', M3CN_ROW)):
        singles = [r for r in rows.values() if r['method'] == family]
        if _find(rows, fused) and singles:
            state(f'{family}: RGB+pose beats each single modality',
                  _find(rows, fused), singles)
    hge, final = _find(rows, HGE_ROW), _find(rows, FINAL_ROW)
    if hge:
        singles = [r for r in rows.values() if len(r['alphas']) == 1
                   and r['method'] not in (HGE_ROW, FINAL_ROW)]
        if singles:
            state('The EHCT ensemble beats the best single model', hge,
                  singles)
    if hge and final:
        state('Group training raises class-average accuracy', final, [hge],
              key='mean1')
    if _find(rows, BASELINE_ROW) and _find(rows, M3CN_ROW):
        state('Res2Net3D beats ResNet3D (RGB+pose)', _find(rows, M3CN_ROW),
              [_find(rows, BASELINE_ROW)])
    return checks


def plot_accuracy_vs_frequency(per_class: Dict[str, np.ndarray],
                               counts: Sequence[int], path: str) -> None:
    """Per-class test accuracy of several rows against training count."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    order = np.argsort(counts)[::-1]
    positions = np.arange(len(order))
    for name, accuracy in per_class.items():
        axes.plot(positions, 100 * accuracy[order], marker='o', label=name)
    axes.set(xticks=positions, xlabel='class (by training count, head first)',
             ylabel='test accuracy (%)', ylim=(-5, 105),
             title='Per-class accuracy vs class frequency')
    axes.set_xticklabels([str(counts[i]) for i in order], fontsize=7)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def _epochs(epochs: Optional[int]) -> str:
    if epochs is None:
        return "Every model trained on its config's own schedule"
    return f'Every model trained {epochs} epochs'


def write_report(work_dir: str, ann_file: Optional[str] = None) -> str:
    """Write ``<work_dir>/report.md`` (+ PNGs); return its path."""
    results = mmengine.load(osp.join(work_dir, 'results.json'))
    if results['settings'].get('report') == 'table2':
        from .table2_report import write_table2_report
        return write_table2_report(work_dir, results)
    ann_file = ann_file or results['settings']['ann_file']
    counts = results['class_counts']
    names = read_classes_file(ann_file) or [str(i) for i in range(len(counts))]
    num_clips = max(results['settings']['num_clips'])
    rows = _rows_at(results, num_clips)
    confusions = {
        method: confusion_matrix(
            np.load(scores_file(work_dir, method, num_clips)).argmax(1),
            np.load(labels_file(work_dir, num_clips)), len(counts))
        for method in (BASELINE_ROW, HGE_ROW, FINAL_ROW)
        if _find(rows, method)
    }
    figures = []
    if confusions:
        final = list(confusions)[-1]
        plot_confusion_matrix(confusions[final],
                              osp.join(work_dir, 'confusion_matrix.png'),
                              names, f'{final}, test, {num_clips} clips')
        plot_accuracy_vs_frequency(
            {m: per_class_accuracy(c) for m, c in confusions.items()},
            counts, osp.join(work_dir, 'per_class_accuracy_vs_frequency.png'))
        figures = [
            '![confusion matrix](confusion_matrix.png)',
            '![per-class accuracy vs frequency]'
            '(per_class_accuracy_vs_frequency.png)'
        ]
    settings = results['settings']
    parts = ', '.join(
        f"{chr(65 + i)}: {len(p)} classes" for i, p in enumerate(
            results['parts']))
    text = '\n\n'.join([
        f"# M2HEN benchmark: {settings['name']}",
        f"Data `{ann_file}`; {len(counts)} classes, train counts "
        f'{max(counts)} (head) to {min(counts)} (tail); parts {parts}. '
        f"{_epochs(settings['epochs'])}; test NoC "
        f"{settings['num_clips']}. Wall time {results['wall_seconds']:.0f} s.",
        settings_markdown(settings),
        '## Table 1 (measured here)', table1_markdown(results),
        '## Rows: runs, configs, model size', rows_markdown(results),
        '## The paper\'s claims on this data', '\n'.join(
            claim_checks(results)),
        '## Paper Table 1 (iMiGUE, for reference; not comparable)',
        paper_table_markdown(), '## Where the tail classes gained',
        *figures
    ])
    path = osp.join(work_dir, 'report.md')
    with open(path, 'w') as f:
        f.write(text + '\n')
    return path
