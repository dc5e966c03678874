"""MiGA 2025 conversion speed: our xlsx reader (python-calamine) vs openpyxl.

Builds a MiGA 2025 release of ``--sheets`` videos, each an
``<id>_openpose.xlsx`` of ``--frames`` x 411 numbers (137 joints x (x, y, c),
three decimals, like the release) and a one-row label csv, then times in the
same run:

* reading every sheet into a float32 (T, 137, 3) array with our
  ``read_openpose_xlsx`` and with openpyxl (``read_only=True,
  values_only=True``, what the converter used before), checking that both
  give the same array;
* our whole conversion (``convert_miga2025``: sheets, labels, splits,
  pickle and reports) of the release.

Writing xlsx with openpyxl is slow, so ``--distinct`` workbooks are written
and hard-linked into the video folders (the reading cost is the same).

    python benchmarks/xlsx.py [--quick] [--sheets 1000] [--frames 90]
        [--distinct 10] [--out PATH]

``--quick`` (a few seconds) uses 6 sheets of 10 frames. Besides the JSON,
writes ``<out stem>.md`` and ``.png`` tables (``benchmarks/tables.py``).
"""
import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
import openpyxl

from m2hen_mmaction.data.releases.common import ConvertOptions
from m2hen_mmaction.data.releases.miga2025 import (convert_miga2025,
                                                   read_openpose_xlsx)

sys.path.insert(0, str(Path(__file__).parent))
from tables import write_json, write_table  # noqa: E402

COLUMNS = 137 * 3
QUICK = dict(sheets=6, frames=10, distinct=2)


def write_sheet(path: Path, frames: int, seed: int) -> None:
    """One skeleton workbook: ``frames`` rows of 411 pixel/score numbers."""
    rng = np.random.default_rng(seed)
    values = np.round(rng.uniform(0, 1280, (frames, COLUMNS)), 3)
    values[:, 2::3] = np.round(rng.uniform(0, 1, (frames, 137)), 3)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in values:
        sheet.append(row.tolist())
    workbook.save(path)


def build_release(root: Path, sheets: int, frames: int,
                  distinct: int) -> list:
    """``sheets`` video folders under ``root``; returns the xlsx paths."""
    sources = []
    for index in range(distinct):
        sources.append(root / f'source_{index}.xlsx')
        write_sheet(sources[-1], frames, seed=index)
    paths = []
    for index in range(sheets):
        folder = root / 'release' / f'{index:05d}'
        folder.mkdir(parents=True)
        paths.append(folder / f'{index:05d}_openpose.xlsx')
        link_or_copy(sources[index % distinct], paths[-1])
        (folder / f'{index:05d}_label.csv').write_text(f'1,0,{frames - 1}\n')
    return paths


def link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def read_with_openpyxl(path: Path) -> np.ndarray:
    """A sheet as float32 (T, 137, 3), read by openpyxl."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return np.array(rows, np.float32).reshape(len(rows), 137, 3)


def timed(func, *args) -> tuple:
    """``func(*args)``, its wall-clock and its CPU seconds (this process;
    the CPU time is what a busy shared machine changes least)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def read_all(reader, paths: list) -> list:
    return [reader(path) for path in paths]


def bench(args: argparse.Namespace, root: Path) -> dict:
    paths = build_release(root, args.sheets, args.frames, args.distinct)
    ours, ours_s, ours_cpu_s = timed(read_all, read_openpose_xlsx, paths)
    theirs, openpyxl_s, openpyxl_cpu_s = timed(read_all, read_with_openpyxl,
                                               paths)
    for path, mine, other in zip(paths, ours, theirs):
        if not np.array_equal(mine, other):
            raise AssertionError(f'{path}: our array differs from openpyxl')
    report, convert_s, convert_cpu_s = timed(
        convert_miga2025, root / 'release', root / 'out',
        ConvertOptions(val_subjects=0.0, progress=False))
    sheets = len(paths)
    return dict(
        read=dict(sheets=sheets, ours_s=ours_s, openpyxl_s=openpyxl_s,
                  ours_cpu_s=ours_cpu_s, openpyxl_cpu_s=openpyxl_cpu_s,
                  ours_sheets_per_s=sheets / ours_s,
                  openpyxl_sheets_per_s=sheets / openpyxl_s,
                  speedup=openpyxl_s / ours_s,
                  cpu_speedup=openpyxl_cpu_s / ours_cpu_s),
        convert=dict(sheets=sheets, samples=report.num_converted,
                     ours_s=convert_s, ours_cpu_s=convert_cpu_s,
                     ours_sheets_per_s=sheets / convert_s))


def write_report_table(result: dict, out: Path) -> None:
    """The read and conversion rows as ``<out stem>.md`` and ``.png``."""
    read, convert, args = result['read'], result['convert'], result['args']
    headers = ['What', 'Sheets', 'Ours (sheets/s)', 'openpyxl (sheets/s)',
               'Speed-up (openpyxl / ours)']
    rows = [['read sheet -> float32 array', read['sheets'],
             f"{read['ours_sheets_per_s']:.1f}",
             f"{read['openpyxl_sheets_per_s']:.1f}",
             f"{read['speedup']:.1f}x"],
            ['whole convert_miga2025', convert['sheets'],
             f"{convert['ours_sheets_per_s']:.1f}", '-', '-']]
    notes = [f"Sheets of {args['frames']} x {COLUMNS} numbers "
             f"({args['distinct']} distinct workbooks, hard-linked); "
             f"python-calamine {result['versions']['python_calamine']}, "
             f"openpyxl {result['versions']['openpyxl']}.",
             'Both readers give identical arrays (checked per sheet).',
             'Rates are wall-clock; CPU time of the reads: ours '
             f"{read['ours_cpu_s']:.1f} s, openpyxl "
             f"{read['openpyxl_cpu_s']:.1f} s ({read['cpu_speedup']:.1f}x).",
             'Speed-up > 1: ours is faster.']
    write_table(out, 'MiGA 2025 xlsx: python-calamine vs openpyxl', headers,
                rows, notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help=f'smoke run: defaults {QUICK}')
    parser.add_argument('--sheets', type=int, default=1000, help='videos')
    parser.add_argument('--frames', type=int, default=90,
                        help='rows per sheet')
    parser.add_argument('--distinct', type=int, default=10,
                        help='workbooks actually written')
    parser.add_argument('--out', default='work_dirs/benchmarks/xlsx.json')
    if parser.parse_args().quick:
        parser.set_defaults(**QUICK)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        result = bench(args, Path(root))
    result.update(
        args=vars(args), machine=dict(platform=platform.platform(),
                                      cpus=os.cpu_count()),
        versions=dict(python_calamine=version('python-calamine'),
                      openpyxl=openpyxl.__version__, numpy=np.__version__))
    read, convert = result['read'], result['convert']
    print(f"read {read['sheets']} sheets: ours {read['ours_s']:.2f} s "
          f"({read['ours_sheets_per_s']:.1f} sheets/s), openpyxl "
          f"{read['openpyxl_s']:.2f} s ({read['openpyxl_sheets_per_s']:.1f} "
          f"sheets/s): {read['speedup']:.1f}x (CPU time "
          f"{read['cpu_speedup']:.1f}x)")
    print(f"convert_miga2025: {convert['ours_s']:.2f} s "
          f"({convert['ours_sheets_per_s']:.1f} sheets/s, "
          f"{convert['samples']} samples)")
    write_report_table(result, write_json(result, args.out))


if __name__ == '__main__':
    main()
