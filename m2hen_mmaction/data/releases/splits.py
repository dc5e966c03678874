"""Cross-subject splits of converted releases.

A subject's samples are all in one split. A release split is taken from a
folder (a ``train``/``val``/``test`` path component, :func:`release_split_of`)
or a file name (:func:`split_in_name`); otherwise ``test_subjects`` go to
test, the rest to train, and when the release has no validation split,
``val_subjects`` (ids, or a fraction drawn with ``seed``) of the training
subjects are held out as val (:func:`assign_splits`). A subject is a video
id or a sample-name group unless a subjects map (:func:`load_subjects`) maps
those ids to real subject ids.
"""
import csv
import re
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, \
    Union

import numpy as np

from m2hen_mmaction.data.common import SPLITS, SampleError
from m2hen_mmaction.errors import InputError, MissingDataError

SPLIT_ALIASES = {'train': 'train', 'training': 'train', 'val': 'val',
                 'valid': 'val', 'validation': 'val', 'test': 'test',
                 'testing': 'test'}
SubjectSpec = Union[Mapping[str, str], str, Path, None]
HeldOut = Union[float, Sequence[str]]


def load_subjects(subjects: SubjectSpec) -> Dict[str, str]:
    """Read a ``group id -> subject id`` map (mapping or two-column csv)."""
    if subjects is None:
        return {}
    if isinstance(subjects, Mapping):
        return {str(k): str(v) for k, v in subjects.items()}
    path = Path(subjects)
    if not path.is_file():
        raise MissingDataError(
            f'subjects file {path} does not exist; give a csv with rows '
            '"video_id,subject_id" or leave subjects=None')
    with open(path, newline='') as f:
        rows = [row for row in csv.reader(f) if len(row) >= 2]
    return {row[0].strip(): row[1].strip() for row in rows}


def release_split_of(path: Path, root: Path) -> Optional[str]:
    """The split named by a path component under ``root`` (train/val/test)."""
    for part in path.relative_to(root).parts[:-1]:
        if part.lower() in SPLIT_ALIASES:
            return SPLIT_ALIASES[part.lower()]
    return None


def split_in_name(file_name: str) -> str:
    """The split a file name names (``train_data.npy`` -> ``'train'``)."""
    words = re.findall(r'[a-z]+', file_name.lower())
    for word in words:
        if word in SPLIT_ALIASES:
            return SPLIT_ALIASES[word]
    raise SampleError(f'cannot tell which split {file_name} belongs to; its '
                      'name must contain train, val or test (e.g. '
                      'train_data.npy)')


def check_held_out(val_subjects: HeldOut, test_subjects: Sequence[str],
                   known: set) -> None:
    """Fail early when explicit val/test subjects are not among ``known``."""
    check_known('test_subjects', test_subjects, known, 'subjects here')
    if not isinstance(val_subjects, (int, float)):
        check_known('val_subjects', val_subjects, known, 'subjects here')


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
    check_known('test_subjects', test_subjects, subjects,
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


def check_known(argument: str, ids: Iterable[str], known: set,
                what: str) -> None:
    """Raise if some of ``ids`` (the value of ``argument``) are unknown."""
    unknown = sorted(set(ids) - known)
    if unknown:
        raise InputError(f'{argument} {unknown} are not {what}; they are '
                         f'(first 20): {sorted(known)[:20]}')


def _pick_val_subjects(val_subjects: HeldOut, train_subjects: List[str],
                       seed: int) -> set:
    if isinstance(val_subjects, (int, float)):
        if not 0 <= val_subjects < 1:
            raise InputError(f'val_subjects={val_subjects}: a fraction must '
                             'be in [0, 1)')
        count = int(round(val_subjects * len(train_subjects)))
        if val_subjects > 0 and len(train_subjects) > 1:
            count = min(max(count, 1), len(train_subjects) - 1)
        order = np.random.default_rng(seed).permutation(len(train_subjects))
        return {train_subjects[i] for i in order[:count]}
    check_known('val_subjects', val_subjects, set(train_subjects),
                'training subjects')
    if set(val_subjects) == set(train_subjects):
        raise InputError('val_subjects holds every training subject; leave '
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
