"""Convert iMiGUE releases into MMAction2 ``PoseDataset`` annotations.

Sources (the data is licensed and never shipped; bring your own copy):

* MiGA 2025+ (:func:`convert_miga2025`): one folder per long video holding
  ``<id>_openpose.xlsx`` (one row per frame, no header, 411 columns =
  137 joints x (x, y, c) in body25 | face70 | left hand21 | right hand21
  order) and ``<id>_label.csv`` (rows ``label, start_frame, end_frame``;
  raw label 99 -> class 31, raw k -> k - 1). Every csv row becomes one
  clip-level sample ``<id>_<row>`` in the ``openpose137`` layout.
* MiGA 2023 (:func:`convert_miga2023`): ``<split>_data.npy`` arrays
  (N, 3, T, 22, M) with ``<split>_label.pkl`` = (names, labels), already
  clip-level, in the ``openpose22`` layout.
* Raw OpenPose JSON folders: :func:`m2hen_mmaction.data.releases.openpose_json.
  convert_openpose_json`, which shares this module's long-video pipeline.

With ``video_dir`` the long RGB videos (``<id>.mp4`` or another common
extension, searched recursively) are cut into ``videos/<frame_dir>.mp4``
(:func:`cut_segments`); samples whose clip cannot be cut are left out of the
annotations so that RGB+pose training finds every clip it is given.

Splits are cross-subject: a subject's samples are all in one split. A
release split is taken from the folder (2025: a ``train``/``val``/``test``
path component) or file name (2023: ``train_``, ``val_``, ``test_``);
otherwise ``test_subjects`` go to test, the rest to train, and when the
release has no validation split, ``val_subjects`` (ids, or a fraction drawn
with ``seed``) of the training subjects are held out as val. A subject is a
video id (2025) or a sample-name prefix (2023) unless ``subjects`` maps those
ids to real subject ids.

Bad input never stops a conversion: each unreadable file, bad csv row,
out-of-range label, segment past the end, person-less clip or undecodable
video becomes a :class:`Problem` in the returned :class:`ConversionReport`
(also written to ``conversion_report.txt``); the rest is converted.

Outputs in ``out_dir``: the annotation pickle, ``classes.txt`` (one name per
line, line i = label i), ``summary.json`` (counts per class and split, parts
A-D of group training), ``conversion_report.txt`` and ``videos/``.
"""
import csv
import json
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import (Callable, Dict, Iterable, List, Mapping, Optional,
                    Sequence, Tuple, Union)

import numpy as np
from python_calamine import CalamineError, CalamineWorkbook
from tqdm import tqdm

from m2hen_mmaction.fileio import PickleLoadError, load_pickle
from m2hen_mmaction.skeleton.layouts import get_layout

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
SPLITS = ('train', 'val', 'test')
SPLIT_ALIASES = {'train': 'train', 'training': 'train', 'val': 'val',
                 'valid': 'val', 'validation': 'val', 'test': 'test',
                 'testing': 'test'}
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v')
OPENPOSE137_FILE = 'imigue_openpose137.pkl'
OPENPOSE22_FILE = 'imigue_openpose22.pkl'
VIDEOS_SUBDIR = 'videos'
CLIP_WRITE_CHUNK = 64  # frames decoded at a time while cutting clips

EMPTY_CELL = ''  # python-calamine's value of an empty cell
SubjectSpec = Union[Mapping[str, str], str, Path, None]
HeldOut = Union[float, Sequence[str]]


class SampleError(ValueError):
    """A problem with one input sample; the message says what to do."""


@dataclass(frozen=True)
class Problem:
    """One sample (or file) that could not be converted as it is.

    Args:
        sample (str): Sample id, video id or file name.
        message (str): What is wrong and what to do about it.
    """
    sample: str
    message: str

    def __str__(self) -> str:
        return f'{self.sample}: {self.message}'


@dataclass
class ConversionReport:
    """What a conversion produced and every problem it met.

    Args:
        source (str): Name of the input format.
        out_dir (Path): Output folder.
        files (dict[str, Path]): Written files: ``annotations``,
            ``classes``, ``summary``, ``report`` and ``videos`` (if any).
        summary (dict): See :func:`summarize`.
        errors (list[Problem]): Samples or files that were skipped.
        warnings (list[Problem]): Samples converted with a caveat (e.g.
            frames without a person, kept with ``c = 0``).
        notes (list[str]): Decisions the converter made (splits, scaling).
    """
    source: str
    out_dir: Path
    files: Dict[str, Path] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    errors: List[Problem] = field(default_factory=list)
    warnings: List[Problem] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)

    @property
    def num_converted(self) -> int:
        return sum(self.summary.get('totals', {}).values())

    def format(self, max_items: Optional[int] = 20) -> str:
        """Human-readable report; ``max_items=None`` lists every problem."""
        lines = [f'{self.source}: converted {self.num_converted} samples '
                 f'into {self.out_dir}']
        lines += [f'  note: {note}' for note in self.notes]
        if self.summary.get('classes'):
            lines.append(format_summary(self.summary))
        for title, problems in (('skipped (errors)', self.errors),
                                ('warnings', self.warnings)):
            lines.append(f'{len(problems)} {title}')
            shown = problems if max_items is None else problems[:max_items]
            lines += [f'  {problem}' for problem in shown]
            if len(shown) < len(problems):
                lines.append(f'  ... {len(problems) - len(shown)} more in '
                             f'{self.files.get("report", "the report file")}')
        return '\n'.join(lines)


@dataclass(frozen=True)
class Segment:
    """One labelled clip of a long video: 0-based, ``end`` inclusive."""
    label: int
    start: int
    end: int


@dataclass(frozen=True)
class VideoSource:
    """A long video's skeleton and labels, read on demand.

    Args:
        video_id (str): Video id, the prefix of its samples' ``frame_dir``.
        load_skeleton (Callable): Returns ``(skeleton, notes)``: float32
            (M, T, V, 3) ``(x, y, c)`` and a list of warning strings. Raises
            :class:`SampleError` on unreadable input.
        label_file (Path | None): The ``<id>_label.csv``; None if missing.
        release_split (str | None): Split given by the release, if any.
    """
    video_id: str
    load_skeleton: Callable[[], Tuple[np.ndarray, List[str]]]
    label_file: Optional[Path]
    release_split: Optional[str] = None


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


def _parse_int(text: str, what: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise SampleError(f'{what} {text!r} is not a number') from None
    if not value.is_integer():
        raise SampleError(f'{what} {text!r} is not a whole number')
    return int(value)


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


def clip_annotation(frame_dir: str, label: int, clip: np.ndarray,
                    img_shape: Tuple[int, int]) -> dict:
    """Build one PoseDataset annotation from a skeleton clip.

    Args:
        frame_dir (str): Sample id.
        label (int): Class index.
        clip (np.ndarray): (M, T, V, 3) ``(x, y, c)``.
        img_shape (tuple[int, int]): ``(height, width)`` of the video.

    Returns:
        dict: ``frame_dir, label, img_shape, original_shape, total_frames,
        keypoint`` float32 (M, T, V, 2), ``keypoint_score`` float32 (M, T, V).
    """
    if not (clip[..., 2] > 0).any():
        raise SampleError(
            f'no person in any of its {clip.shape[1]} frames (every joint '
            'confidence is 0): nothing to learn from; check the source')
    return dict(frame_dir=frame_dir, label=int(label),
                img_shape=tuple(img_shape), original_shape=tuple(img_shape),
                total_frames=int(clip.shape[1]),
                keypoint=np.ascontiguousarray(clip[..., :2], np.float32),
                keypoint_score=np.ascontiguousarray(clip[..., 2], np.float32))


def count_empty_frames(annotation: dict) -> int:
    """Frames of an annotation in which no joint of anyone was detected."""
    return int((~(annotation['keypoint_score'] > 0).any(axis=(0, 2))).sum())


def load_subjects(subjects: SubjectSpec) -> Dict[str, str]:
    """Read a ``group id -> subject id`` map (mapping or two-column csv)."""
    if subjects is None:
        return {}
    if isinstance(subjects, Mapping):
        return {str(k): str(v) for k, v in subjects.items()}
    path = Path(subjects)
    if not path.is_file():
        raise FileNotFoundError(
            f'subjects file {path} does not exist; give a csv with rows '
            '"video_id,subject_id" or leave subjects=None')
    with open(path, newline='') as f:
        rows = [row for row in csv.reader(f) if len(row) >= 2]
    return {row[0].strip(): row[1].strip() for row in rows}


def assign_splits(groups: Mapping[str, str],
                  release_splits: Mapping[str, Optional[str]],
                  val_subjects: HeldOut = 0.2,
                  test_subjects: Sequence[str] = (),
                  seed: int = 0) -> Tuple[Dict[str, List[str]], List[str]]:
    """Split samples by subject.

    Args:
        groups (Mapping[str, str]): Sample id -> subject id.
        release_splits (Mapping[str, str | None]): Sample id -> split the
            release puts it in (None: not given).
        val_subjects (float | Sequence[str]): Subjects held out as val when
            the release has no val split: a fraction of the training
            subjects (drawn with ``seed``; at least one) or explicit ids.
        test_subjects (Sequence[str]): Subjects put into test when the
            release gives no split for them.
        seed (int): Seed of the val draw.

    Returns:
        tuple: ``dict(train=[...], val=[...], test=[...])`` of sorted sample
        ids, and notes on what was decided.
    """
    subjects = set(groups.values())
    _check_known('test_subjects', test_subjects, subjects,
                 'subjects of the converted data')
    split_of = {
        sample: release_splits.get(sample) or (
            'test' if subject in set(test_subjects) else 'train')
        for sample, subject in groups.items()}
    notes = []
    if 'val' in split_of.values():
        notes.append('val split taken from the release; val_subjects unused')
    else:
        train_subjects = sorted({groups[s] for s, name in split_of.items()
                                 if name == 'train'})
        held_out = _pick_val_subjects(val_subjects, train_subjects, seed)
        split_of.update({s: 'val' for s in split_of
                         if split_of[s] == 'train' and groups[s] in held_out})
        notes.append(f'val split: {len(held_out)} of {len(train_subjects)} '
                     f'training subjects held out: {sorted(held_out)}')
        if not held_out:
            notes.append('WARNING: the val split is empty')
    split = {name: sorted(s for s in split_of if split_of[s] == name)
             for name in SPLITS}
    return split, notes + _leak_notes(groups, split)


def _check_known(argument: str, ids: Iterable[str], known: set,
                 what: str) -> None:
    unknown = sorted(set(ids) - known)
    if unknown:
        raise ValueError(f'{argument} {unknown} are not {what}; they are '
                         f'(first 20): {sorted(known)[:20]}')


def _pick_val_subjects(val_subjects: HeldOut, train_subjects: List[str],
                       seed: int) -> set:
    if isinstance(val_subjects, (int, float)):
        if not 0 <= val_subjects < 1:
            raise ValueError(f'val_subjects={val_subjects}: a fraction must '
                             'be in [0, 1)')
        count = int(round(val_subjects * len(train_subjects)))
        if val_subjects > 0 and len(train_subjects) > 1:
            count = min(max(count, 1), len(train_subjects) - 1)
        order = np.random.default_rng(seed).permutation(len(train_subjects))
        return {train_subjects[i] for i in order[:count]}
    _check_known('val_subjects', val_subjects, set(train_subjects),
                 'training subjects')
    if set(val_subjects) == set(train_subjects):
        raise ValueError('val_subjects holds every training subject; leave '
                         'some for training')
    return set(val_subjects)


def _leak_notes(groups: Mapping[str, str],
                split: Dict[str, List[str]]) -> List[str]:
    subjects_of = {name: {groups[s] for s in ids}
                   for name, ids in split.items()}
    notes = []
    for i, first in enumerate(SPLITS):
        for second in SPLITS[i + 1:]:
            shared = subjects_of[first] & subjects_of[second]
            if shared:
                notes.append(f'WARNING: subjects {sorted(shared)[:10]} are '
                             f'in both {first} and {second} (release split)')
    return notes


def summarize(annotations: Sequence[dict], split: Mapping[str, List[str]],
              classes: Sequence[str] = IMIGUE_CLASSES) -> dict:
    """Counts per class and split, and the group-training parts A-D.

    Parts come from ``m2hen_mmaction.grouping.parts.split_parts`` on
    the training counts, when that module is available and every class has
    training samples; otherwise ``parts`` is None and ``parts_note`` says why.

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
        from m2hen_mmaction.grouping.parts import split_parts
    except ImportError as err:
        return None, f'parts not computed: {err}'
    try:
        return split_parts(train_counts), 'split_parts(ratio=0.2)'
    except ValueError as err:
        return None, f'parts not computed: {err}'


def format_summary(summary: dict) -> str:
    """A text table: class, count per split, part letter."""
    part_of = {}
    for letter, part in zip('ABCDEFGH', summary.get('parts') or []):
        part_of.update({c: letter for c in part})
    lines = [f'{"id":>3} {"class":<24}' +
             ''.join(f'{name:>7}' for name in SPLITS) + '  part']
    for index, name in enumerate(summary['classes']):
        counts = ''.join(f'{summary["counts"][s][index]:>7}' for s in SPLITS)
        lines.append(f'{index:>3} {name:<24}{counts}  '
                     f'{part_of.get(index, "-")}')
    totals = ''.join(f'{summary["totals"][s]:>7}' for s in SPLITS)
    lines.append(f'{"":>3} {"total":<24}{totals}')
    if summary.get('parts') is None:
        lines.append(summary.get('parts_note', ''))
    return '\n'.join(lines)


def write_outputs(report: ConversionReport, annotations: List[dict],
                  split: Dict[str, List[str]], ann_name: str,
                  classes: Sequence[str] = IMIGUE_CLASSES) -> None:
    """Write pickle, classes.txt, summary.json and the report into out_dir."""
    out_dir = Path(report.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report.summary = summarize(annotations, split, classes)
    report.files.update(annotations=out_dir / ann_name,
                        classes=out_dir / 'classes.txt',
                        summary=out_dir / 'summary.json',
                        report=out_dir / 'conversion_report.txt')
    with open(report.files['annotations'], 'wb') as f:
        pickle.dump(dict(split=split, annotations=annotations), f)
    report.files['classes'].write_text('\n'.join(classes) + '\n')
    report.files['summary'].write_text(json.dumps(
        dict(report.summary, errors=[str(p) for p in report.errors],
             notes=report.notes), indent=1))
    report.files['report'].write_text(report.format(max_items=None) + '\n')


@dataclass
class CutResult:
    """Outcome of :func:`cut_segments`.

    Args:
        written (list[str]): ``frame_dir`` of every clip written.
        errors (list[Problem]): Clips that could not be cut.
        frame_shape (tuple[int, int] | None): ``(height, width)`` of the
            source video, None if it could not be opened.
    """
    written: List[str] = field(default_factory=list)
    errors: List[Problem] = field(default_factory=list)
    frame_shape: Optional[Tuple[int, int]] = None


def cut_segments(video_path: Union[str, Path],
                 clips: Sequence[Tuple[str, int, int]],
                 out_dir: Union[str, Path]) -> CutResult:
    """Cut labelled segments out of a long video (decord read, cv2 write).

    Args:
        video_path (str | Path): The long video.
        clips (Sequence[tuple[str, int, int]]): ``(frame_dir, start, end)``,
            0-based frame indices, ``end`` inclusive.
        out_dir (str | Path): Clips go to ``<out_dir>/<frame_dir>.mp4``
            at the source frame rate and size.

    Returns:
        CutResult: Clips written, per-clip errors, the video's frame shape.
    """
    import cv2
    import decord
    result = CutResult()
    try:
        reader = decord.VideoReader(str(video_path), num_threads=1)
        fps, num_frames = reader.get_avg_fps(), len(reader)
        result.frame_shape = tuple(reader[0].shape[:2])
    except (RuntimeError, IndexError, decord.DECORDError) as err:
        message = (f'cannot decode video {video_path} ({first_line(err)}); '
                   're-download or re-encode it (e.g. with ffmpeg)')
        result.errors = [Problem(clip[0], message) for clip in clips]
        return result
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    height, width = result.frame_shape
    for frame_dir, start, end in clips:
        if end >= num_frames:
            result.errors.append(Problem(frame_dir, (
                f'segment {start}-{end} ends past the last frame '
                f'({num_frames - 1}) of {Path(video_path).name}; check the '
                'label file and frame_base')))
            continue
        out_file = Path(out_dir) / f'{frame_dir}.mp4'
        writer = cv2.VideoWriter(str(out_file),
                                 cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                 (width, height))
        try:
            for first in range(start, end + 1, CLIP_WRITE_CHUNK):
                last = min(first + CLIP_WRITE_CHUNK, end + 1)
                frames = reader.get_batch(list(range(first, last))).asnumpy()
                for frame in frames:
                    writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        except (RuntimeError, decord.DECORDError) as err:
            writer.release()
            out_file.unlink(missing_ok=True)
            result.errors.append(Problem(frame_dir, (
                f'decoding frames {start}-{end} of {video_path} failed '
                f'({first_line(err)}); re-encode the video')))
            continue
        writer.release()
        result.written.append(frame_dir)
    return result


def first_line(err: Exception) -> str:
    """The first line of an exception's message (decord's run long)."""
    return str(err).strip().splitlines()[0] if str(err).strip() else (
        type(err).__name__)


def find_videos(video_dir: Union[str, Path]) -> Dict[str, Path]:
    """Map video id (file stem) -> path for every video under video_dir."""
    root = Path(video_dir)
    if not root.is_dir():
        raise FileNotFoundError(f'video_dir {root} is not a folder; point it '
                                'at the folder holding the long videos')
    return {path.stem: path for path in sorted(root.rglob('*'))
            if path.suffix.lower() in VIDEO_EXTENSIONS}


def release_split_of(path: Path, root: Path) -> Optional[str]:
    """The split named by a path component under ``root`` (train/val/test)."""
    for part in path.relative_to(root).parts[:-1]:
        if part.lower() in SPLIT_ALIASES:
            return SPLIT_ALIASES[part.lower()]
    return None


def convert_long_videos(videos: Sequence[VideoSource],
                        out_dir: Union[str, Path],
                        source: str,
                        video_dir: Union[str, Path, None] = None,
                        val_subjects: HeldOut = 0.2,
                        test_subjects: Sequence[str] = (),
                        subjects: SubjectSpec = None,
                        img_shape: Tuple[int, int] = IMIGUE_IMG_SHAPE,
                        frame_base: int = 0,
                        seed: int = 0,
                        progress: bool = True) -> ConversionReport:
    """Turn long videos with segment labels into clip-level annotations.

    The pipeline behind :func:`convert_miga2025` and
    ``convert_openpose_json``: read each video's skeleton and label csv, cut
    one ``openpose137`` sample per csv row (``frame_dir = <id>_<row:03d>``),
    optionally cut the RGB clips, split by subject and write the outputs.
    Arguments are those of :func:`convert_miga2025`.
    """
    report = ConversionReport(source, Path(out_dir))
    rgb_videos = find_videos(video_dir) if video_dir is not None else None
    subject_of = load_subjects(subjects)
    known = {subject_of.get(v.video_id, v.video_id) for v in videos}
    _check_known('test_subjects', test_subjects, known, 'subjects here')
    if not isinstance(val_subjects, (int, float)):
        _check_known('val_subjects', val_subjects, known, 'subjects here')
    annotations, origin = [], {}
    for video in tqdm(videos, desc=f'{source}: skeletons', unit='video',
                      disable=not progress):
        for ann, segment in _video_annotations(video, img_shape, frame_base,
                                               report):
            annotations.append(ann)
            origin[ann['frame_dir']] = (video, segment)
    if rgb_videos is not None:
        annotations = _attach_rgb(annotations, origin, rgb_videos, img_shape,
                                  report, progress)
    video_of = {ann['frame_dir']: origin[ann['frame_dir']][0]
                for ann in annotations}
    groups = {sample: subject_of.get(video.video_id, video.video_id)
              for sample, video in video_of.items()}
    release = {sample: video.release_split
               for sample, video in video_of.items()}
    split, notes = assign_splits(groups, release, val_subjects,
                                 test_subjects, seed)
    report.notes += notes
    write_outputs(report, annotations, split, OPENPOSE137_FILE)
    if progress:
        print(report.format())
    return report


def _video_annotations(video: VideoSource, img_shape, frame_base: int,
                       report: ConversionReport):
    """Yield ``(annotation, segment)`` for each good segment of a video."""
    if video.label_file is None:
        report.errors.append(Problem(video.video_id, (
            f'no {video.video_id}_label.csv found for it; add the label '
            'file or remove the video')))
        return
    try:
        skeleton, notes = video.load_skeleton()
        segments, row_problems = read_label_csv(video.label_file, frame_base)
    except SampleError as err:
        report.errors.append(Problem(video.video_id, str(err)))
        return
    report.warnings += [Problem(video.video_id, note) for note in notes]
    report.errors += row_problems
    num_frames = skeleton.shape[1]
    for row, segment in segments:
        frame_dir = f'{video.video_id}_{row:03d}'
        try:
            if segment.end >= num_frames:
                raise SampleError(
                    f'segment {segment.start}-{segment.end} ends past the '
                    f'skeleton\'s last frame ({num_frames - 1}); check the '
                    'label file and frame_base')
            ann = clip_annotation(
                frame_dir, segment.label,
                skeleton[:, segment.start:segment.end + 1], img_shape)
        except SampleError as err:
            report.errors.append(Problem(frame_dir, str(err)))
            continue
        empty = count_empty_frames(ann)
        if empty:
            report.warnings.append(Problem(frame_dir, (
                f'{empty} of {ann["total_frames"]} frames have no person '
                '(kept with c = 0)')))
        yield ann, segment


def _attach_rgb(annotations: List[dict], origin: dict,
                videos: Dict[str, Path], img_shape, report: ConversionReport,
                progress: bool) -> List[dict]:
    """Cut every annotation's RGB clip; keep only annotations that have one."""
    clips_of: Dict[str, List[Tuple[str, int, int]]] = {}
    for ann in annotations:
        video, segment = origin[ann['frame_dir']]
        clips_of.setdefault(video.video_id, []).append(
            (ann['frame_dir'], segment.start, segment.end))
    out_dir = Path(report.out_dir) / VIDEOS_SUBDIR
    written = set()
    for video_id, clips in tqdm(clips_of.items(), desc='cutting RGB clips',
                                unit='video', disable=not progress):
        if video_id not in videos:
            report.errors += [Problem(clip[0], (
                f'no video {video_id}.* ({", ".join(VIDEO_EXTENSIONS)}) in '
                'video_dir; add it or convert without video_dir'))
                for clip in clips]
            continue
        result = cut_segments(videos[video_id], clips, out_dir)
        written.update(result.written)
        report.errors += result.errors
        if result.frame_shape and result.frame_shape != tuple(img_shape):
            report.warnings.append(Problem(video_id, (
                f'video frames are {result.frame_shape} but img_shape is '
                f'{tuple(img_shape)}; pass the right img_shape')))
    report.files['videos'] = out_dir
    return [ann for ann in annotations if ann['frame_dir'] in written]


def convert_miga2025(src_dir: Union[str, Path],
                     out_dir: Union[str, Path],
                     video_dir: Union[str, Path, None] = None,
                     val_subjects: HeldOut = 0.2,
                     test_subjects: Sequence[str] = (),
                     subjects: SubjectSpec = None,
                     img_shape: Tuple[int, int] = IMIGUE_IMG_SHAPE,
                     frame_base: int = 0,
                     seed: int = 0,
                     progress: bool = True) -> ConversionReport:
    """Convert the MiGA 2025+ release (xlsx skeletons + label csv).

    Args:
        src_dir (str | Path): Release root; ``<id>_openpose.xlsx`` files
            are found recursively, each with ``<id>_label.csv`` beside it.
            A ``train``/``val``/``test`` folder on the way gives the split.
        out_dir (str | Path): Output folder.
        video_dir (str | Path | None): Folder of the long RGB videos
            (``<id>.mp4``); if given, clips are cut to ``out_dir/videos``.
        val_subjects (float | Sequence[str]): See :func:`assign_splits`.
        test_subjects (Sequence[str]): See :func:`assign_splits`.
        subjects (Mapping | str | Path | None): Video id -> subject id, or a
            csv of such rows; default: each video is its own subject.
        img_shape (tuple[int, int]): ``(height, width)`` of the videos.
        frame_base (int): Index of the first frame in the label csv.
        seed (int): Seed of the val-subject draw.
        progress (bool): Show progress bars and print the report.

    Returns:
        ConversionReport: Files written, summary and every problem met.
    """
    root = _existing_dir(src_dir)
    xlsx_files = {p.name[:-len('_openpose.xlsx')]: p
                  for p in sorted(root.rglob('*_openpose.xlsx'))}
    if not xlsx_files:
        raise FileNotFoundError(
            f'no *_openpose.xlsx under {root}; point src_dir at the MiGA '
            '2025 release (one folder per video)')
    videos = []
    for video_id, path in xlsx_files.items():
        label_file = path.with_name(f'{video_id}_label.csv')
        videos.append(VideoSource(
            video_id, lambda path=path: (read_openpose_xlsx(path)[None], []),
            label_file if label_file.is_file() else None,
            release_split_of(path, root)))
    return convert_long_videos(videos, out_dir, 'MiGA 2025', video_dir,
                               val_subjects, test_subjects, subjects,
                               img_shape, frame_base, seed, progress)


def _existing_dir(path: Union[str, Path]) -> Path:
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f'{root} is not a folder; point src_dir at '
                                'the unpacked release')
    return root


def read_miga2023_file(data_file: Path, label_file: Path
                       ) -> Tuple[np.ndarray, List[str], List[int]]:
    """Read one MiGA 2023 split: ``*_data.npy`` and ``*_label.pkl``.

    Returns:
        tuple: data float32 (N, 3, T, V, M), sample names, labels.
    """
    try:
        data = np.load(data_file).astype(np.float32)
    except (OSError, ValueError, EOFError) as err:
        raise SampleError(f'cannot read {data_file.name} ({err}); copy it '
                          'again from the release') from None
    num_joints = get_layout('openpose22').num_joints
    if data.ndim != 5 or data.shape[1] != 3 or data.shape[3] != num_joints:
        raise SampleError(f'{data_file.name} has shape {data.shape}, '
                          f'expected (N, 3, T, {num_joints}, M)')
    try:
        names, labels = load_pickle(label_file, encoding='latin1')[:2]
    except PickleLoadError as err:
        raise SampleError(str(err)) from None
    except (OSError, ValueError, TypeError, KeyError) as err:
        raise SampleError(f'cannot read {label_file.name} ({err}); it must '
                          'hold (names, labels)') from None
    if not len(names) == len(labels) == len(data):
        raise SampleError(
            f'{data_file.name} has {len(data)} samples but {label_file.name}'
            f' has {len(names)} names and {len(labels)} labels')
    return data, [str(n) for n in names], [int(v) for v in labels]


def to_pixels(data: np.ndarray, img_shape: Tuple[int, int],
              normalized: Optional[bool]) -> Tuple[np.ndarray, str]:
    """Bring (N, 3, T, V, M) coordinates to pixels.

    Args:
        data (np.ndarray): Rows ``(x, y, c)`` on axis 1.
        img_shape (tuple[int, int]): ``(height, width)``.
        normalized (bool | None): Whether x, y are in [0, 1] (or centred
            in [-0.5, 0.5]); None guesses it: all detected coordinates
            within [-1, 1] count as normalised.

    Returns:
        tuple: converted copy of ``data`` and a note on what was done.
    """
    detected = data[:, 2] > 0
    xy = data[:, :2].transpose(1, 0, 2, 3, 4)[:, detected]
    if normalized is None:
        normalized = xy.size > 0 and float(np.abs(xy).max()) <= 1.0
    if not normalized:
        return data, 'coordinates taken as pixels'
    data = data.copy()
    centred = xy.size > 0 and float(xy.min()) < 0
    for axis, size in ((0, img_shape[1]), (1, img_shape[0])):
        data[:, axis] = (data[:, axis] + 0.5 * centred) * size
    data[:, :2] *= detected[:, None]
    kind = 'centred ' if centred else ''
    return data, (f'coordinates are {kind}normalised: scaled to pixels of '
                  f'{tuple(img_shape)} (pass normalized= to override)')


def convert_miga2023(src_dir: Union[str, Path],
                     out_dir: Union[str, Path],
                     val_subjects: HeldOut = 0.2,
                     test_subjects: Sequence[str] = (),
                     subjects: SubjectSpec = None,
                     group_regex: str = r'^(.*)_\d+$',
                     img_shape: Tuple[int, int] = IMIGUE_IMG_SHAPE,
                     normalized: Optional[bool] = None,
                     seed: int = 0,
                     progress: bool = True) -> ConversionReport:
    """Convert the MiGA 2023 release (``*_data.npy`` + ``*_label.pkl``).

    Labels are taken as 0-based class indices (0-31). Trailing all-zero
    (padding) frames are trimmed. The split of a file pair comes from its
    name (``train``, ``val`` or ``test`` in the prefix).

    Args:
        src_dir (str | Path): Folder searched recursively for
            ``<prefix>_data.npy`` with ``<prefix>_label.pkl`` beside it.
        out_dir (str | Path): Output folder.
        val_subjects (float | Sequence[str]): See :func:`assign_splits`.
        test_subjects (Sequence[str]): See :func:`assign_splits`.
        subjects (Mapping | str | Path | None): Group id -> subject id.
        group_regex (str): Regex whose first group, matched on a sample
            name, is the sample's video/subject group; names it does not
            match form their own group (the report warns when every sample
            is its own group: the val split is then not cross-subject).
        img_shape (tuple[int, int]): ``(height, width)`` of the videos.
        normalized (bool | None): See :func:`to_pixels`.
        seed (int): Seed of the val-subject draw.
        progress (bool): Show progress bars and print the report.

    Returns:
        ConversionReport: Files written, summary and every problem met.
    """
    root = _existing_dir(src_dir)
    data_files = sorted(root.rglob('*_data.npy'))
    if not data_files:
        raise FileNotFoundError(f'no *_data.npy under {root}; point src_dir '
                                'at the MiGA 2023 release')
    report = ConversionReport('MiGA 2023', Path(out_dir))
    annotations, release = [], {}
    for data_file in tqdm(data_files, desc='MiGA 2023', unit='file',
                          disable=not progress):
        try:
            file_split = _split_in_name(data_file.name)
            label_file = data_file.with_name(
                data_file.name[:-len('_data.npy')] + '_label.pkl')
            data, names, labels = read_miga2023_file(data_file, label_file)
        except SampleError as err:
            report.errors.append(Problem(data_file.name, str(err)))
            continue
        data, note = to_pixels(data, img_shape, normalized)
        report.notes.append(f'{data_file.name}: {note}')
        for ann in _miga2023_annotations(data, names, labels, img_shape,
                                         release, report):
            annotations.append(ann)
            release[ann['frame_dir']] = file_split
    subject_of = load_subjects(subjects)
    groups = {}
    for ann in annotations:
        match = re.match(group_regex, ann['frame_dir'])
        group = match.group(1) if match else ann['frame_dir']
        groups[ann['frame_dir']] = subject_of.get(group, group)
    if len(set(groups.values())) == len(groups) > 1:
        report.notes.append(
            f'WARNING: group_regex {group_regex!r} gives every sample its own '
            'group, so the val split is per sample, not cross-subject; pass '
            'group_regex= or subjects=')
    split, notes = assign_splits(groups, release, val_subjects,
                                 test_subjects, seed)
    report.notes += notes
    write_outputs(report, annotations, split, OPENPOSE22_FILE)
    if progress:
        print(report.format())
    return report


def _split_in_name(file_name: str) -> str:
    words = re.findall(r'[a-z]+', file_name.lower())
    for word in words:
        if word in SPLIT_ALIASES:
            return SPLIT_ALIASES[word]
    raise SampleError(f'cannot tell which split {file_name} belongs to; its '
                      'name must contain train, val or test (e.g. '
                      'train_data.npy)')


def _miga2023_annotations(data: np.ndarray, names: List[str],
                          labels: List[int], img_shape,
                          seen_names: Mapping, report: ConversionReport):
    """Yield an ``openpose22`` annotation per good sample of one file."""
    for sample, name, label in zip(data, names, labels):
        try:
            if name in seen_names:
                raise SampleError('sample name appears twice in the release')
            if not 0 <= label < len(IMIGUE_CLASSES):
                raise SampleError(
                    f'label {label} is out of range 0-'
                    f'{len(IMIGUE_CLASSES) - 1}; fix the label file')
            clip = sample.transpose(3, 1, 2, 0)  # (M, T, V, 3)
            used = np.flatnonzero(np.abs(clip).sum(axis=(0, 2, 3)) > 0)
            clip = clip[:, :used[-1] + 1] if used.size else clip
            yield clip_annotation(name, label, clip, img_shape)
        except SampleError as err:
            report.errors.append(Problem(name, str(err)))
