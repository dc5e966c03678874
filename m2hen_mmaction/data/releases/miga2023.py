"""Convert the MiGA 2023 release: ``<split>_data.npy`` + ``<split>_label.pkl``.

Arrays are (N, 3, T, 22, M) with ``<split>_label.pkl`` = (names, labels),
already clip-level, in the ``openpose22`` layout. The label pickle is read
with :func:`m2hen_mmaction.fileio.load_pickle`, which refuses pickles that
would run code. The split of a file pair comes from its name; a subject is a
sample-name group (``group_regex``) unless a subjects map says otherwise.
"""
import re
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional, Tuple, Union

import numpy as np
from tqdm import tqdm

from m2hen_mmaction.data.common import (ConversionReport, Problem,
                                        SampleError, clip_annotation)
from m2hen_mmaction.data.releases.common import (IMIGUE_CLASSES,
                                                 OPENPOSE22_FILE,
                                                 ConvertOptions, release_files,
                                                 split_and_write)
from m2hen_mmaction.data.releases.splits import load_subjects, split_in_name
from m2hen_mmaction.fileio import PickleLoadError, load_pickle
from m2hen_mmaction.skeleton.layouts import get_layout

GROUP_REGEX = r'^(.*)_\d+$'


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
                     options: Optional[ConvertOptions] = None,
                     group_regex: str = GROUP_REGEX,
                     normalized: Optional[bool] = None) -> ConversionReport:
    """Convert the MiGA 2023 release (``*_data.npy`` + ``*_label.pkl``).

    Labels are taken as 0-based class indices (0-31). Trailing all-zero
    (padding) frames are trimmed. The split of a file pair comes from its
    name (``train``, ``val`` or ``test`` in the prefix).

    Args:
        src_dir (str | Path): Folder searched recursively for
            ``<prefix>_data.npy`` with ``<prefix>_label.pkl`` beside it.
        out_dir (str | Path): Output folder.
        options (ConvertOptions | None): Splits (``subjects`` maps groups
            to subjects), image size, seed, ``max_skipped``, progress;
            None: the defaults.
        group_regex (str): Regex whose first group, matched on a sample
            name, is the sample's video/subject group; names it does not
            match form their own group (the report warns when every sample
            is its own group: the val split is then not cross-subject).
        normalized (bool | None): See :func:`to_pixels`.

    Returns:
        ConversionReport: Files written, summary and every problem met.

    Raises:
        ConversionError: Nothing converted or more than
            ``options.max_skipped`` skipped; no dataset is written.
    """
    options = options or ConvertOptions()
    _, data_files = release_files(src_dir, '_data.npy', 'MiGA 2023')
    report = ConversionReport('MiGA 2023', Path(out_dir))
    annotations, release = [], {}
    for data_file in tqdm(data_files, desc='MiGA 2023', unit='file',
                          disable=not options.progress):
        for ann in _file_annotations(data_file, options.img_shape,
                                     normalized, release, report):
            annotations.append(ann)
            release[ann['frame_dir']] = split_in_name(data_file.name)
    groups = _groups(annotations, group_regex,
                     load_subjects(options.subjects), report)
    return split_and_write(report, annotations, groups, release,
                           OPENPOSE22_FILE, options)


def _file_annotations(data_file: Path, img_shape: Tuple[int, int],
                      normalized: Optional[bool], seen_names: Mapping,
                      report: ConversionReport) -> Iterator[dict]:
    """Yield the good samples of one ``*_data.npy`` file as annotations."""
    try:
        split_in_name(data_file.name)
        label_file = data_file.with_name(
            data_file.name[:-len('_data.npy')] + '_label.pkl')
        data, names, labels = read_miga2023_file(data_file, label_file)
    except SampleError as err:
        report.errors.append(Problem(data_file.name, str(err)))
        return
    data, note = to_pixels(data, img_shape, normalized)
    report.notes.append(f'{data_file.name}: {note}')
    yield from _miga2023_annotations(data, names, labels, img_shape,
                                     seen_names, report)


def _groups(annotations: List[dict], group_regex: str,
            subject_of: Mapping[str, str],
            report: ConversionReport) -> Dict[str, str]:
    """Sample id -> subject: the regex group, mapped by ``subject_of``."""
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
    return groups


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
