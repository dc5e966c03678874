"""What every skeleton converter shares: sample errors, the report, clips.

The release converters (:mod:`m2hen_mmaction.data.releases`) and MediaPipe
extraction (:mod:`m2hen_mmaction.data.extraction`) turn their input into
MMAction2 PoseDataset annotations (:func:`clip_annotation`). Bad input never
stops a conversion: each unusable file or sample becomes a :class:`Problem`
in the :class:`ConversionReport`. A conversion that converted nothing, or
skipped more than ``max_skipped`` of its items, fails with a
:class:`ConversionError` before any dataset is written
(:func:`check_skipped`).
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple, Union

import numpy as np

from m2hen_mmaction.errors import InputError

SPLITS = ('train', 'val', 'test')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v')
REPORT_FILE = 'conversion_report.txt'
PathLike = Union[str, Path]


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
        summary (dict): Sample counts: ``totals`` ({split: count}); the
            release converters add per-class counts and parts.
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


class ConversionError(InputError):
    """A conversion that must not leave a dataset behind.

    An :class:`InputError`: callers that do not print the report (e.g.
    ``m2hen predict`` extracting one video) show it as one line.

    Args:
        message (str): One line: what happened and what to do.
        report (ConversionReport): Every problem met; its report file is
            written, nothing else.
    """

    def __init__(self, message: str, report: ConversionReport):
        super().__init__(message)
        self.report = report


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


def check_max_skipped(max_skipped: float) -> None:
    """Reject a ``max_skipped`` outside [0, 1] before any work is done."""
    if not 0 <= max_skipped <= 1:
        raise InputError(f'max_skipped={max_skipped} must be a fraction in '
                         '[0, 1] (e.g. 0.5: fail when over half is skipped)')


def check_skipped(report: ConversionReport, num_converted: int,
                  max_skipped: float) -> None:
    """Fail a conversion that converted nothing or skipped too much.

    An item is a sample or, when a whole file is unreadable, that file.
    On failure only the report file is written.

    Args:
        report (ConversionReport): Its ``errors`` are the skipped items.
        num_converted (int): Samples that would be written.
        max_skipped (float): Largest allowed skipped / (converted +
            skipped).

    Raises:
        ConversionError: Nothing converted, or too much skipped.
    """
    skipped = len(report.errors)
    total = skipped + num_converted
    if num_converted and skipped <= max_skipped * total:
        return
    write_report(report)
    what = ('converted nothing' if not num_converted else
            f'skipped {skipped} of {total} items ({skipped / total:.0%}), '
            f'more than max_skipped={max_skipped:g}')
    first = f'; first: {report.errors[0]}' if report.errors else ''
    raise ConversionError(
        f'{report.source}: {what}; no dataset written (problems listed in '
        f'{report.files["report"]}{first}); fix the input or, to keep '
        'what converts, raise max_skipped', report)


def write_report(report: ConversionReport) -> None:
    """Write every problem into ``<out_dir>/conversion_report.txt``."""
    out_dir = Path(report.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report.files['report'] = out_dir / REPORT_FILE
    report.files['report'].write_text(report.format(max_items=None) + '\n')


def find_files(root: PathLike, match: Callable[[str], bool]) -> List[Path]:
    """Files under ``root`` whose name ``match`` accepts, sorted.

    Symlinked folders are followed (each real folder is read once, so a
    link loop ends), as release and video trees are often assembled from
    links.
    """
    found, seen = [], set()
    for folder, subfolders, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            subfolders.clear()
            continue
        seen.add(real)
        subfolders.sort()
        found += [Path(folder) / name for name in names if match(name)]
    return sorted(found)


def is_video(name: str) -> bool:
    """Whether a file name has one of :data:`VIDEO_EXTENSIONS`."""
    return Path(name).suffix.lower() in VIDEO_EXTENSIONS


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


def first_line(err: Exception) -> str:
    """The first line of an exception's message (decord's run long)."""
    return str(err).strip().splitlines()[0] if str(err).strip() else (
        type(err).__name__)
