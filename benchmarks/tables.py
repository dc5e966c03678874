"""Benchmark tables as Markdown + PNG, written beside a benchmark's JSON.

Every script in ``benchmarks/`` ends with :func:`write_table`: for
``work_dirs/benchmarks/<name>.json`` it writes ``<name>.md`` (title,
machine line, table, notes) and ``<name>.png`` (the same table rendered
with matplotlib's Agg canvas, no pyplot state).

    from tables import write_table  # benchmarks/ is on sys.path
    write_table(out, 'Title', ['case', 'ours', 'ratio'], [['a', 1, '2x']])
"""
import json
import os
from pathlib import Path
from typing import Sequence, Tuple

import torch

Rows = Sequence[Sequence[object]]


def machine_line() -> str:
    """CPU count, torch version and the accelerator (if any) of this host."""
    device = (f'CUDA {torch.cuda.get_device_name()}'
              if torch.cuda.is_available() else 'CPU only (no CUDA)')
    return (f'Machine: {os.cpu_count()} CPU cores, torch {torch.__version__}, '
            f'device: {device}')


def _check_rows(headers: Sequence[str], rows: Rows) -> None:
    for index, row in enumerate(rows):
        if len(row) != len(headers):
            raise ValueError(
                f'row {index} has {len(row)} cells but there are '
                f'{len(headers)} headers {list(headers)}: give one cell per '
                'header')


def _markdown_cell(value: object) -> str:
    return str(value).replace('|', r'\|')


def markdown_table(title: str, headers: Sequence[str], rows: Rows,
                   notes: Sequence[str] = ()) -> str:
    """``# title``, the machine line, a pipe table and one bullet per note."""
    lines = [f'# {title}', '', machine_line(), '']
    for cells in (headers, ['---'] * len(headers), *rows):
        lines.append(
            '| ' + ' | '.join(_markdown_cell(c) for c in cells) + ' |')
    if notes:
        lines += [''] + [f'- {note}' for note in notes]
    return '\n'.join(lines) + '\n'


def _column_widths(headers: Sequence[str], rows: Rows) -> list:
    """Characters per column (longest cell + padding)."""
    return [
        max(len(str(cell)) for cell in column) + 3
        for column in zip(headers, *rows)
    ]


def render_png(path: Path, title: str, headers: Sequence[str], rows: Rows,
               notes: Sequence[str] = ()) -> None:
    """Draw the table (header row shaded) with its title, machine line and
    notes into a PNG at ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    text_lines = [machine_line(), *notes]
    widths = _column_widths(headers, rows)
    table_height, text_height = 0.3 * (len(rows) + 1), 0.2 * len(text_lines)
    figure = Figure(figsize=(max(0.085 * sum(widths), 6),
                             0.5 + table_height + text_height))
    FigureCanvasAgg(figure)
    table_axes, text_axes = figure.subplots(
        2, 1, height_ratios=[table_height, text_height],
        gridspec_kw=dict(hspace=0.05, left=0.01, right=0.99))
    for axes in (table_axes, text_axes):
        axes.axis('off')
    table_axes.set_title(title, fontsize=12, fontweight='bold')
    table = table_axes.table(
        cellText=[[str(cell) for cell in row] for row in rows],
        colLabels=list(headers), colWidths=[w / sum(widths) for w in widths],
        cellLoc='center', bbox=[0, 0, 1, 1])
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    for column in range(len(headers)):
        table[0, column].set_facecolor('#dde4ee')
    text_axes.text(0, 1, '\n'.join(text_lines), fontsize=8, va='top',
                   ha='left', linespacing=1.5)
    figure.savefig(path, dpi=120, bbox_inches='tight')


def shape_text(shape: Sequence[int]) -> str:
    """A tensor shape as a table cell: ``(2, 3, 8)`` -> ``'2x3x8'``."""
    return 'x'.join(map(str, shape))


def write_json(report: dict, out) -> Path:
    """Write a benchmark's ``report`` as JSON to ``out`` (folders created)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f'wrote {out}')
    return out


def write_table(json_path, title: str, headers: Sequence[str], rows: Rows,
                notes: Sequence[str] = ()) -> Tuple[Path, Path]:
    """Write ``<stem>.md`` and ``<stem>.png`` beside ``json_path`` and print
    their paths.

    Args:
        json_path (str | Path): The benchmark's JSON report; the table files
            take its folder and stem.
        title (str): Table title (Markdown ``#`` heading, PNG title).
        headers (Sequence[str]): Column names.
        rows (Sequence[Sequence]): One sequence of cells per row, one cell
            per header; cells are written with ``str()``, so format numbers
            before passing them.
        notes (Sequence[str]): Lines shown under the table (settings, what a
            ratio means). Defaults to ().

    Returns:
        tuple[Path, Path]: Paths of the Markdown and PNG files.
    """
    _check_rows(headers, rows)
    json_path = Path(json_path)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    markdown = json_path.with_suffix('.md')
    png = json_path.with_suffix('.png')
    markdown.write_text(markdown_table(title, headers, rows, notes))
    render_png(png, title, headers, rows, notes)
    print(f'wrote {markdown} and {png}')
    return markdown, png
