"""What the iMiGUE release converters share: classes, options, outputs.

Every converter takes the release folder, the output folder and one
:class:`ConvertOptions`, and writes into the output folder
(:func:`split_and_write`): the annotation pickle, ``classes.txt`` (one name
per line, line i = label i), ``summary.json`` (counts per class and split,
parts A-D of group training) and ``conversion_report.txt``. Long-video
formats also read label csv files (:func:`read_label_csv`).
"""
import csv
import json
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from m2hen_mmaction.data.common import (SPLITS, ConversionReport, Problem,
                                        SampleError, check_max_skipped,
                                        check_skipped, find_files,
                                        write_report)
from m2hen_mmaction.data.releases.splits import (HeldOut, SubjectSpec,
                                                 assign_splits)
from m2hen_mmaction.errors import InputError, MissingDataError
from m2hen_mmaction.grouping.parts import split_parts

IMIGUE_CLASSES = (
    'turtle neck', 'deep breath', 'touch hat', 'touch face',
    'touch forehead', 'cover face', 'rub eyes', 'touch other face part',
    'touch ears', 'bite nails', 'touch chin', 'touch neck', 'play hair',
    'adjust tie', 'touch chest', 'scratch back', 'fold arm', 'tidy sleeve',
    'put arm back', 'move torso', 'sit straight', 'scratch arm', 'rub hand',
    'cross finger', 'minaret hand', 'play things', 'withdraw arms',
    'head up', 'bite lip', 'arm akimbo', 'shake shoulder', 'illustrative')
RAW_LABEL_OF_LAST_CLASS = 99  # MiGA 2025 raw label of class 31
IMIGUE_IMG_SHAPE = (720, 1280)  # (height, width) of the iMiGUE videos
OPENPOSE137_FILE = 'imigue_openpose137.pkl'
OPENPOSE22_FILE = 'imigue_openpose22.pkl'


@dataclass(frozen=True)
class ConvertOptions:
    """The settings every release converter takes.

    Args:
        val_subjects (float | Sequence[str]): Subjects held out as val when
            the release has no val split: a fraction of the training
            subjects or ids (see
            :func:`~m2hen_mmaction.data.releases.splits.assign_splits`).
            Defaults to 0.2.
        test_subjects (Sequence[str]): Subjects put into test when the
            release gives no split for them. Defaults to ().
        subjects (Mapping | str | Path | None): Video (or sample group) id
            -> subject id, or a csv of such rows; default: each video or
            group is its own subject.
        img_shape (tuple[int, int]): ``(height, width)`` of the videos.
            Defaults to iMiGUE's (720, 1280).
        seed (int): Seed of the val-subject draw. Defaults to 0.
        max_skipped (float): The conversion fails, writing no dataset, when
            it skips more than this fraction of its items (samples, or
            whole unreadable files) or converts nothing. Defaults to 0.5.
        progress (bool): Show progress bars. Defaults to True.
    """
    val_subjects: HeldOut = 0.2
    test_subjects: Sequence[str] = ()
    subjects: SubjectSpec = None
    img_shape: Tuple[int, int] = IMIGUE_IMG_SHAPE
    seed: int = 0
    max_skipped: float = 0.5
    progress: bool = True

    def __post_init__(self):
        check_max_skipped(self.max_skipped)
        if len(self.img_shape) != 2 or min(self.img_shape) <= 0:
            raise InputError(f'img_shape={tuple(self.img_shape)} must be '
                             '(height, width) of the videos in pixels, e.g. '
                             f'{IMIGUE_IMG_SHAPE}')


def release_files(src_dir: Union[str, Path], suffix: str,
                  release: str) -> Tuple[Path, List[Path]]:
    """The release root and every ``*<suffix>`` file under it.

    Symlinked folders are followed.

    Raises:
        FileNotFoundError: ``src_dir`` is not a folder or holds no such file.
    """
    root = Path(src_dir)
    if not root.is_dir():
        raise MissingDataError(f'{root} is not a folder; point src_dir at '
                                'the unpacked release')
    files = find_files(root, lambda name: name.endswith(suffix))
    if not files:
        raise MissingDataError(f'no *{suffix} under {root}; point src_dir '
                                f'at the {release} release')
    return root, files


def map_raw_label(raw: int) -> int:
    """Map a MiGA 2025 raw label (1-31 or 99) to a class index (0-31)."""
    if raw == RAW_LABEL_OF_LAST_CLASS:
        return len(IMIGUE_CLASSES) - 1
    if 1 <= raw < len(IMIGUE_CLASSES):
        return raw - 1
    raise SampleError(
        f'label {raw} is out of range: iMiGUE raw labels are 1-'
        f'{len(IMIGUE_CLASSES) - 1} or {RAW_LABEL_OF_LAST_CLASS}; fix the '
        'label file')


@dataclass(frozen=True)
class Segment:
    """One labelled clip of a long video: 0-based, ``end`` inclusive."""
    label: int
    start: int
    end: int


def read_label_csv(path: Path, frame_base: int = 0
                   ) -> Tuple[List[Tuple[int, Segment]], List[Problem]]:
    """Read ``label, start_frame, end_frame`` rows of a label csv.

    A first row with no number in it is taken as a header and skipped.

    Args:
        path (Path): The csv file.
        frame_base (int): Index of the first frame in the csv (0 or 1).

    Returns:
        tuple: ``[(row, Segment)]`` for good rows (``row`` counts data rows
        from 0) and a :class:`Problem` per bad row, naming file and row.
    """
    try:
        with open(path, newline='') as f:
            rows = [row for row in csv.reader(f)
                    if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise SampleError(f'cannot read label file {path}: {err}') from None
    if rows and not any(re.search(r'\d', cell) for cell in rows[0]):
        rows = rows[1:]
    segments, problems = [], []
    for index, row in enumerate(rows):
        try:
            segments.append((index, _parse_segment(row, frame_base)))
        except SampleError as err:
            problems.append(Problem(f'{path.name} row {index + 1}', str(err)))
    return segments, problems


def _parse_int(text: str, what: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise SampleError(f'{what} {text!r} is not a number') from None
    if not value.is_integer():
        raise SampleError(f'{what} {text!r} is not a whole number')
    return int(value)


def _parse_segment(row: Sequence[str], frame_base: int) -> Segment:
    if len(row) < 3:
        raise SampleError(f'has {len(row)} fields {row}, expected label, '
                          'start_frame, end_frame (truncated file?)')
    label = map_raw_label(_parse_int(row[0], 'label'))
    start = _parse_int(row[1], 'start_frame') - frame_base
    end = _parse_int(row[2], 'end_frame') - frame_base
    if start < 0 or end < start:
        raise SampleError(
            f'frames {row[1]}-{row[2]} are not a valid range (frame_base='
            f'{frame_base}): start must be >= {frame_base} and <= end')
    return Segment(label, start, end)


def summarize(annotations: Sequence[dict], split: Mapping[str, List[str]],
              classes: Sequence[str] = IMIGUE_CLASSES) -> dict:
    """Counts per class and split, and the group-training parts A-D.

    Parts come from ``m2hen_mmaction.grouping.parts.split_parts`` on
    the training counts, when every class has training samples; otherwise
    ``parts`` is None and ``parts_note`` says why.

    Returns:
        dict: ``classes``, ``counts`` ({split: [count per class]}),
        ``totals`` ({split: count}), ``parts`` and ``parts_note``.
    """
    label_of = {ann['frame_dir']: ann['label'] for ann in annotations}
    counts = {name: np.bincount([label_of[s] for s in split.get(name, [])],
                                minlength=len(classes)).tolist()
              for name in SPLITS}
    parts, note = _parts_of(counts['train'])
    return dict(classes=list(classes), counts=counts,
                totals={name: len(split.get(name, [])) for name in SPLITS},
                parts=parts, parts_note=note)


def _parts_of(train_counts: List[int]) -> Tuple[Optional[list], str]:
    try:
        return split_parts(train_counts), 'split_parts(ratio=0.2)'
    except ValueError as err:
        return None, f'parts not computed: {err}'


def split_and_write(report: ConversionReport, annotations: List[dict],
                    groups: Mapping[str, str],
                    release_splits: Mapping[str, Optional[str]],
                    ann_name: str, options: ConvertOptions
                    ) -> ConversionReport:
    """Split samples by subject and write the outputs into out_dir.

    Args:
        report (ConversionReport): Gets the split notes and written files.
        annotations (list[dict]): The converted samples.
        groups (Mapping[str, str]): Sample id -> subject id.
        release_splits (Mapping[str, str | None]): Sample id -> split the
            release gives, if any.
        ann_name (str): File name of the annotation pickle.
        options (ConvertOptions): Held-out subjects, seed, ``max_skipped``.

    Returns:
        ConversionReport: ``report``.

    Raises:
        ConversionError: Nothing converted, or more than ``max_skipped``
            skipped (see :func:`~m2hen_mmaction.data.common.check_skipped`);
            only the report is written.
    """
    split, notes = assign_splits(groups, release_splits,
                                 options.val_subjects, options.test_subjects,
                                 options.seed)
    report.notes += notes
    write_outputs(report, annotations, split, ann_name, options.max_skipped)
    return report


def write_outputs(report: ConversionReport, annotations: List[dict],
                  split: Mapping[str, List[str]], ann_name: str,
                  max_skipped: float,
                  classes: Sequence[str] = IMIGUE_CLASSES) -> None:
    """Write pickle, classes.txt, summary.json and the report into out_dir,
    unless :func:`~m2hen_mmaction.data.common.check_skipped` fails."""
    check_skipped(report, len(annotations), max_skipped)
    out_dir = Path(report.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report.summary = summarize(annotations, split, classes)
    report.files.update(annotations=out_dir / ann_name,
                        classes=out_dir / 'classes.txt',
                        summary=out_dir / 'summary.json')
    with open(report.files['annotations'], 'wb') as f:
        pickle.dump(dict(split=split, annotations=annotations), f)
    report.files['classes'].write_text('\n'.join(classes) + '\n')
    report.files['summary'].write_text(json.dumps(
        dict(report.summary, errors=[str(p) for p in report.errors],
             notes=report.notes), indent=1))
    write_report(report)
