"""Markdown report of a Table 2 experiment (``report = 'table2'``): the
methods of the paper's Table 2 trained and tested on the same data, one
line each, with model size, GFLOPs and train time.

The paper's own Table 2 numbers (iMiGUE) are not shown: we found no public
copy of the paper's Table 2 to transcribe them from (the CEUR text of
M2HEN, MiGA 2024, was not reachable here), and we do not type numbers we
cannot cite. Its Table 1 numbers are in the Table 1 report.
"""
import os.path as osp
from typing import Dict, List

from .report import _epochs, _pct, _seconds, settings_markdown

PAPER_NUMBERS = (
    "The paper's Table 2 numbers (iMiGUE) are not listed: no public copy of "
    "its Table 2 could be found to transcribe them from. Numbers above are "
    'measured here, on this data only.')
SEGMENT_NOTE = (
    'TSN, TRN and TSM are tested on the views of their recipes (MiG-Synth '
    'configs: one centre crop of 8 segments) at every NoC: their sampler '
    'splits each clip into the segments the model is built for.')


def _gflops(value) -> str:
    return '–' if value is None else f'{value:.3f}'


def table2_markdown(results: Dict) -> str:
    """One line per row at the largest NoC; rows not scored and methods
    not run say why."""
    num_clips = max(results['settings']['num_clips'])
    lines = ['| Method | Modality | Top-1 | Top-5 | Class-avg | Params (M) | '
             'GFLOPs | Train time (s) |', '|---|---|---|---|---|---|---|---|']
    for r in results['rows']:
        if r['num_clips'] != num_clips:
            continue
        lines.append(
            f"| {r['method']} | {r['modality']} | {_pct(r['top1'])} | "
            f"{_pct(r.get('top5'))} | {_pct(r['mean1'])} | "
            f"{r['num_params'] / 1e6:.2f} | {_gflops(r.get('gflops'))} | "
            f"{_seconds(r['train_seconds'])} |")
    for r in results['missing_rows']:
        lines.append(f"| {r['method']} | {r['modality']} | not scored: runs "
                     f"{', '.join(r['runs'])} have not finished | | | | | |")
    for r in results['settings'].get('not_run') or []:
        lines.append(f"| {r['method']} | {r['modality']} | not run: "
                     f"{r['reason']} | | | | | |")
    return '\n'.join(lines)


def configs_markdown(results: Dict) -> List[str]:
    """``- Method: `config`, ...`` for each scored row."""
    seen, lines = set(), []
    for r in results['rows']:
        if r['method'] not in seen:
            seen.add(r['method'])
            configs = ', '.join(f'`{c}`' for c in r['configs'])
            lines.append(f"- {r['method']} ({', '.join(r['models'])}): "
                         f'{configs}')
    return lines


def write_table2_report(work_dir: str, results: Dict) -> str:
    """Write ``<work_dir>/report.md`` for a Table 2 experiment."""
    settings = results['settings']
    counts = results['class_counts']
    text = '\n\n'.join([
        f"# Table 2 benchmark: {settings['name']}",
        f"Data `{settings['ann_file']}`; {len(counts)} classes, train "
        f'counts {max(counts)} (head) to {min(counts)} (tail). '
        f'{_epochs(settings)}; test NoC '
        f"{max(settings['num_clips'])}. Wall time "
        f"{results['wall_seconds']:.0f} s.",
        settings_markdown(settings),
        '## Table 2 (measured here)', table2_markdown(results),
        'Accuracies in %; class-avg is the mean of per-class accuracies. '
        'Params and GFLOPs sum every model a row runs (M2HEN: M3CN_i + '
        'EHCT_i over all trainsets); GFLOPs are multiply-adds of one '
        "validation clip from input to class scores (mmengine's "
        '`get_model_complexity_info`); train time sums the runs trained '
        'in this process (– for runs trained by the --plan commands). '
        + SEGMENT_NOTE,
        '## Configs', '\n'.join(configs_markdown(results)),
        "## The paper's Table 2", PAPER_NUMBERS,
    ])
    path = osp.join(work_dir, 'report.md')
    with open(path, 'w') as f:
        f.write(text + '\n')
    return path
