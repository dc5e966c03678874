"""Convert the MiGA 2025+ release: xlsx skeletons + label csv per video.

The release holds one folder per long video with ``<id>_openpose.xlsx`` (one
row per frame, no header, 411 columns = 137 joints x (x, y, c) in body25 |
face70 | left hand21 | right hand21 order) and ``<id>_label.csv`` (rows
``label, start_frame, end_frame``). Every csv row becomes one clip-level
sample ``<id>_<row>`` in the ``openpose137`` layout
(:mod:`m2hen_mmaction.data.releases.long_videos`). A ``train``/``val``/``test``
folder on the way gives the split.
"""
from pathlib import Path
from typing import List, Optional, Union

import numpy as np
from python_calamine import CalamineError, CalamineWorkbook

from m2hen_mmaction.data.common import ConversionReport, SampleError
from m2hen_mmaction.data.releases.common import ConvertOptions, release_files
from m2hen_mmaction.data.releases.long_videos import (VideoSource,
                                                      convert_long_videos)
from m2hen_mmaction.data.releases.splits import release_split_of
from m2hen_mmaction.skeleton.layouts import get_layout

EMPTY_CELL = ''  # python-calamine's value of an empty cell
XLSX_SUFFIX = '_openpose.xlsx'


def read_openpose_xlsx(path: Path) -> np.ndarray:
    """Read a MiGA 2025 ``<id>_openpose.xlsx`` skeleton sheet.

    The workbook is read with python-calamine (Rust calamine).

    Args:
        path (Path): The workbook; its first sheet has one row per frame and
            411 columns, no header.

    Returns:
        np.ndarray: float32 (T, 137, 3) ``(x, y, c)``.
    """
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        rows = workbook.get_sheet_by_index(0).to_python(
            skip_empty_area=False)
    except (CalamineError, OSError) as err:
        raise SampleError(
            f'cannot read {path.name} ({type(err).__name__}: {err}); the '
            'file is damaged or truncated: copy it again from the release'
        ) from None
    return _rows_to_joints(rows, path.name)


def _rows_to_joints(rows: List[list], file_name: str) -> np.ndarray:
    layout = get_layout('openpose137')
    width = layout.num_joints * 3
    while rows and all(cell == EMPTY_CELL for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise SampleError(f'{file_name} has no rows')
    for index, row in enumerate(rows):
        cells = [cell for cell in row if cell != EMPTY_CELL]
        if len(cells) != width:
            raise SampleError(
                f'{file_name} row {index + 1} has {len(cells)} values, '
                f'expected {width} ({layout.num_joints} joints x (x, y, c)); '
                'the file is truncated or not an openpose137 sheet')
    try:
        values = np.array([row[:width] for row in rows], np.float32)
    except (TypeError, ValueError) as err:
        raise SampleError(f'{file_name} holds a non-numeric cell ({err})'
                          ) from None
    return values.reshape(len(rows), layout.num_joints, 3)


def convert_miga2025(src_dir: Union[str, Path],
                     out_dir: Union[str, Path],
                     options: Optional[ConvertOptions] = None,
                     video_dir: Union[str, Path, None] = None,
                     frame_base: int = 0) -> ConversionReport:
    """Convert the MiGA 2025+ release (xlsx skeletons + label csv).

    Args:
        src_dir (str | Path): Release root; ``<id>_openpose.xlsx`` files
            are found recursively, each with ``<id>_label.csv`` beside it.
                A ``train``/``val``/``test`` folder on the way gives the split;
            symlinked folders are followed.
        out_dir (str | Path): Output folder.
        options (ConvertOptions | None): Splits, image size, seed,
            ``max_skipped``, progress; None: the defaults.
        video_dir (str | Path | None): Folder of the long RGB videos
            (``<id>.mp4``); if given, clips are cut to ``out_dir/videos``.
        frame_base (int): Index of the first frame in the label csv.

    Returns:
        ConversionReport: Files written, summary and every problem met.

    Raises:
        ConversionError: Nothing converted or more than
            ``options.max_skipped`` skipped; no dataset is written.
    """
    root, xlsx_files = release_files(src_dir, XLSX_SUFFIX, 'MiGA 2025')
    videos = []
    for path in xlsx_files:
        video_id = path.name[:-len(XLSX_SUFFIX)]
        label_file = path.with_name(f'{video_id}_label.csv')
        videos.append(VideoSource(
            video_id, lambda path=path: (read_openpose_xlsx(path)[None], []),
            label_file if label_file.is_file() else None,
            release_split_of(path, root)))
    return convert_long_videos(videos, out_dir, 'MiGA 2025',
                               options or ConvertOptions(), video_dir,
                               frame_base)
