"""Markdown + PNG report of a benchmark run (``m2hen report``).

Reads ``<work_dir>/results.json`` and the fused score files written by
:mod:`m2hen_mmaction.experiments.runner`, and writes ``report.md`` beside them with
the paper's Table 1 layout, the measured checks of the paper's claims, a
confusion matrix and a per-class accuracy vs class frequency plot.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import mmengine
import numpy as np

from .runner import labels_file, scores_file
from ..datasets.micro_gesture_dataset import read_classes_file
from ..errors import InputError
from ..evaluation.bootstrap import paired_bootstrap, worst_case_half_width
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
HGE = '(HgE)'  # the EHCT ensemble row ends with it ('M3CN + EHCT (HgE)')
BASELINE_ROW = 'ResNet3D (PoseC3D)'
CLAIM_METRICS = {'top1': 'top-1', 'mean1': 'class-avg'}
NUM_RESAMPLES = 2000
# The class-average difference the test split should resolve: report.md
# warns when the median interval half-width of the claims exceeds it.
RESOLUTION = 0.05
# The best row on val should have learned every class with at least this
# many training clips (val recall above zero); the report lists the rest.
LEARNED_MIN_TRAIN_CLIPS = 10


def _pct(value: Optional[float]) -> str:
    return '–' if value is None or np.isnan(value) else f'{100 * value:.2f}'


def _rows_at(results: Dict, num_clips: int) -> Dict[str, Dict]:
    """Rows at one NoC, keyed by ``'method|modality'``."""
    return {f"{r['method']}|{r['modality']}": r for r in results['rows']
            if r['num_clips'] == num_clips}


def _find(rows: Dict[str, Dict], method: str) -> Optional[Dict]:
    return next((r for r in rows.values() if r['method'] == method), None)


def _hge_row(rows: Dict[str, Dict]) -> Optional[Dict]:
    """The EHCT ensemble (HgE) row, whichever models it sums."""
    return next((r for r in rows.values() if r['method'].endswith(HGE)),
                None)


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
            f'--cfg-options used: {options}. An RGB+pose network scores '
            "as its recipe fuses its heads, the mean of their softmax "
            'probabilities (as logits: its centred log).')


def paper_table_markdown() -> str:
    lines = ['| Method | Modality | NoC | Top-1 | Top-5 | Class-avg |',
             '|---|---|---|---|---|---|']
    for method, modality, noc, top1, top5, mean1 in PAPER_TABLE1:
        mean = '–' if mean1 is None else f'{mean1:.2f}'
        lines.append(f'| {method} | {modality} | {noc} | {top1:.2f} | '
                     f'{top5:.2f} | {mean} |')
    return '\n'.join(lines)


def _subset_classes(results: Dict, subset: str) -> Optional[List[int]]:
    """Class indices of a claim's subset (None: every class)."""
    if subset == 'all':
        return None
    if subset == 'tail':
        return sorted(c for part in results['parts'][1:] for c in part)
    return results['class_groups'][subset]


def _row_label(row: Sequence[str]) -> str:
    return f'{row[0]}, {row[1]}'


def _claim_lines(results: Dict, work_dir: str, num_clips: int,
                 rows: Dict[str, Dict], claim: Dict) -> List[str]:
    """Table lines of one claim against each row it is compared with, per
    subset and metric; one 'not run' line per comparison whose rows were
    not scored."""
    lines = []
    for than in claim['than']:
        title = f"{claim['text']} — vs {_row_label(than)}"
        absent = [_row_label(r) for r in (claim['better'], than)
                  if '|'.join(r) not in rows]
        if absent:
            lines.append(f"| {title} | {', '.join(claim['subsets'])} | | | "
                         f"| | | not run ({'; '.join(absent)} not scored) |")
            continue
        ours, theirs = (_predictions(work_dir, row, num_clips)
                        for row in (claim['better'], than))
        labels = np.load(labels_file(work_dir, num_clips))
        for subset in claim['subsets']:
            classes = _subset_classes(results, subset)
            if classes is not None and not np.isin(labels, classes).any():
                lines.append(f'| {title} | {subset} (no test clips) | | | | '
                             '| | no test clips |')
                continue
            for metric, name in CLAIM_METRICS.items():
                result = paired_bootstrap(ours, theirs, labels, classes,
                                          metric, NUM_RESAMPLES)
                lines.append(
                    f'| {title} | {subset} ({result.num_classes} classes, '
                    f'{result.num_clips} clips) | {name} | '
                    f'{_pct(result.ours)} | {_pct(result.theirs)} | '
                    f'{100 * result.difference:+.2f} | '
                    f'[{100 * result.low:+.2f}, {100 * result.high:+.2f}] | '
                    f'{result.verdict} |')
    return lines


def _predictions(work_dir: str, row: Sequence[str],
                 num_clips: int) -> np.ndarray:
    path = scores_file(work_dir, row[0], row[1], num_clips)
    if not osp.isfile(path):
        raise InputError(
            f'{path} is missing (written by an older m2hen benchmark); '
            'rerun `m2hen benchmark <experiment> --score-only` to rescore '
            'the rows')
    return np.load(path).argmax(1)


def claims_markdown(results: Dict, work_dir: str
                    ) -> Tuple[str, Optional[str]]:
    """The claims table: each claim on each of its class subsets, top-1
    and class-average at the largest test NoC, with a paired bootstrap
    interval of the difference over test clips.

    Returns:
        tuple: The Markdown, and a one-line warning when the test split
        cannot resolve a :data:`RESOLUTION` class-average difference (None
        otherwise).
    """
    claims = results['settings'].get('claims')
    if claims is None:
        return ('results.json records no claims (written by an older m2hen '
                'benchmark); rerun `m2hen benchmark <experiment> '
                '--score-only`.', None)
    num_clips = max(results['settings']['num_clips'])
    rows = _rows_at(results, num_clips)
    lines = [
        f'Each claim on the classes it targets, at NoC {num_clips}: '
        '*ours* is the row claimed better, *theirs* the row it is compared '
        'with. The interval is the 2.5–97.5 percentile of the difference '
        f'over {NUM_RESAMPLES} paired bootstrap resamples of the test clips, '
        'drawn within each class (every class keeps its test count). '
        'Verdict: *holds* (interval above 0), *does not hold* (below 0), '
        '*within noise* (contains 0).', '',
        '| Claim | Subset | Metric | Ours | Theirs | Difference | 95 % '
        'interval | Verdict |', '|---|---|---|---|---|---|---|---|']
    for claim in claims:
        lines += _claim_lines(results, work_dir, num_clips, rows, claim)
    warning = resolution_warning(np.load(labels_file(work_dir, num_clips)))
    if warning:
        lines += ['', f'**Warning:** {warning}']
    return '\n'.join(lines), warning


def resolution_warning(test_labels: np.ndarray) -> Optional[str]:
    """One line when the test split cannot resolve a :data:`RESOLUTION`
    class-average difference (:func:`worst_case_half_width` of its clips
    per class above it); None otherwise."""
    counts = np.bincount(test_labels)
    counts = counts[counts > 0]  # classes without test clips are not scored
    half_width = worst_case_half_width(counts)
    if half_width <= RESOLUTION:
        return None
    return (f'the test split ({len(test_labels)} clips, {counts.min()} of '
            f'the rarest class) is too small for these intervals: a '
            f'class-average difference has a 95 % half-width up to '
            f'±{100 * half_width:.1f} points, so a {100 * RESOLUTION:.0f}-point '
            'difference may not be told from noise; test on more clips per '
            'class')


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


def learning_check_markdown(results: Dict, names: Sequence[str]) -> str:
    """The row with the best val class-average, its val recall per class
    and the classes with >= ``LEARNED_MIN_TRAIN_CLIPS`` training clips it
    has not learned (chosen and read on val: the test split is untouched).
    """
    rows = [r for r in results['rows'] if 'val' in r]
    if not rows:
        return ('No val scores in results.json: rerun `m2hen benchmark` '
                '(it reuses finished runs) to score every row on val.')
    best = max(rows, key=lambda r: r['val']['mean1'])
    counts, recall = results['class_counts'], best['val']['recall']
    missed = [names[c] for c, count in enumerate(counts)
              if count >= LEARNED_MIN_TRAIN_CLIPS and recall[c] == 0]
    verdict = ('none' if not missed else ', '.join(missed))
    lines = [
        f"Best row on {results['settings']['val_split']} by class-average: "
        f"**{best['method']}, {best['modality']}** (top-1 "
        f"{_pct(best['val']['top1'])}, class-avg "
        f"{_pct(best['val']['mean1'])}). Classes with >= "
        f'{LEARNED_MIN_TRAIN_CLIPS} training clips it has not learned '
        f'(val recall 0): {verdict}.', '',
        '| class | train clips | val recall (%) |', '|---|---:|---:|']
    lines += [f'| {names[c]} | {count} | {_pct(recall[c])} |'
              for c, count in enumerate(counts)]
    return '\n'.join(lines)


def _epochs(settings: Dict) -> str:
    epochs, finetune = settings['epochs'], settings.get('finetune_epochs')
    text = ("Every model trained on its config's own schedule"
            if epochs is None else f'Every model trained {epochs} epochs')
    if finetune is not None:
        text += (f', RGB+pose models fine-tuned {finetune} epochs from '
                 'their merge-init')
    return text


def _is_table2(results: Dict) -> bool:
    return results['settings'].get('report') == 'table2'


def results_markdown(results: Dict) -> str:
    """The measured table of an experiment's report (Table 1 or 2)."""
    if _is_table2(results):
        from .table2_report import table2_markdown
        return table2_markdown(results)
    return table1_markdown(results)


def write_report(work_dir: str, ann_file: Optional[str] = None
                 ) -> Tuple[str, Optional[str]]:
    """Write ``<work_dir>/report.md`` (+ PNGs); return its path and the
    warning of :func:`resolution_warning` (None if none)."""
    results = mmengine.load(osp.join(work_dir, 'results.json'))
    if _is_table2(results):
        from .table2_report import write_table2_report
        return write_table2_report(work_dir, results), None
    ann_file = ann_file or results['settings']['ann_file']
    counts = results['class_counts']
    names = read_classes_file(ann_file) or [str(i) for i in range(len(counts))]
    num_clips = max(results['settings']['num_clips'])
    rows = _rows_at(results, num_clips)
    shown = [_find(rows, BASELINE_ROW), _hge_row(rows), _find(rows, FINAL_ROW)]
    confusions = {
        row['method']: confusion_matrix(
            _predictions(work_dir, (row['method'], row['modality']),
                         num_clips),
            np.load(labels_file(work_dir, num_clips)), len(counts))
        for row in shown if row
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
    claims, warning = claims_markdown(results, work_dir)
    parts = ', '.join(
        f"{chr(65 + i)}: {len(p)} classes" for i, p in enumerate(
            results['parts']))
    text = '\n\n'.join([
        f"# M2HEN benchmark: {settings['name']}",
        f"Data `{ann_file}`; {len(counts)} classes, train counts "
        f'{max(counts)} (head) to {min(counts)} (tail); parts {parts}. '
        f'{_epochs(settings)}; test NoC '
        f"{settings['num_clips']}. Wall time {results['wall_seconds']:.0f} s.",
        settings_markdown(settings),
        '## Table 1 (measured here)', table1_markdown(results),
        '## Rows: runs, configs, model size', rows_markdown(results),
        '## The paper\'s claims on this data', claims,
        '## What the best row learned (val)',
        learning_check_markdown(results, names),
        '## Paper Table 1 (iMiGUE, for reference; not comparable)',
        paper_table_markdown(), '## Where the tail classes gained',
        *figures
    ])
    path = osp.join(work_dir, 'report.md')
    with open(path, 'w') as f:
        f.write(text + '\n')
    return path, warning
