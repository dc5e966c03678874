"""Check a PoseDataset pickle once, up front and completely.

:func:`load_split` is the one way our datasets (and ``mim``/``m2hen``
train/test, before the Runner starts) read an annotation pickle: it reads
it with the restricted unpickler (:func:`m2hen_mmaction.fileio.load_pickle`:
a file that would run code is refused), selects a split and checks every
annotation. Every distinct problem becomes one line naming its sample(s),
the field and the fix (``<file> (split 'train'): sample 'x': total_frames is
0 but keypoint has 48 frames: set total_frames to 48``; a problem shared by
many samples is one line naming the first three and the count); an
:class:`~m2hen_mmaction.errors.InputError` lists the first :data:`MAX_LISTED`
lines (and how many more), so one run shows everything to fix.

Checked: the pickle's structure (``split`` dict, ``annotations`` list, the
split's ids), duplicate ids (two annotations with one ``frame_dir``), split
ids without annotation, and per sample: ``label`` (present, an int, in
``[0, num_classes)``), ``keypoint`` (a numeric (M, T, V, 2) array, V fitting
the layout, not NaN/inf everywhere), ``keypoint_score`` ((M, T, V)),
``total_frames`` (an int equal to T), ``img_shape`` (two positive ints).

Documented fallbacks, each counted in one summary log line:

* NaN/inf joints become missing joints (x = y = score = 0, as OpenPose
  writes them) with ``nan_policy='zero_score'``; ``'error'`` lists them;
* a missing ``keypoint_score`` becomes 1 for detected joints, 0 for (0, 0);
* a missing ``total_frames`` becomes T;
* a class without a training sample is reported (the model cannot learn
  it); group training (``PartGroupedPoseDataset``) refuses it.
"""
from collections import Counter
from dataclasses import dataclass, field
from numbers import Integral
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.logging import print_log

from ..errors import InputError, MissingDataError
from ..fileio import PickleLoadError, load_pickle
from ..skeleton import get_layout
from .data_check import build_command, missing_data

MAX_LISTED = 10
SHOWN_SAMPLES = 3
NAN_POLICIES = ('zero_score', 'error')
ID_KEYS = ('frame_dir', 'filename')


@dataclass(frozen=True)
class AnnotationRules:
    """What the annotations of one dataset must satisfy.

    Args:
        num_classes (int, optional): Labels must lie in ``[0, num_classes)``;
            None only requires labels >= 0.
        layout (str, optional): Joint layout the keypoints must follow.
        nan_policy (str): ``'zero_score'`` or ``'error'`` (module doc).
        training (bool): Report classes without a sample (a training split).
    """
    num_classes: Optional[int] = None
    layout: Optional[str] = None
    nan_policy: str = 'zero_score'
    training: bool = False

    def __post_init__(self) -> None:
        if self.nan_policy not in NAN_POLICIES:
            raise InputError(f'nan_policy must be one of {NAN_POLICIES}, '
                             f'got {self.nan_policy!r}')


@dataclass
class Findings:
    """What checking found: problems (``(sample id or None, what is wrong
    and the fix)``), samples repaired by each fallback, and notes for the
    summary log line."""
    problems: List[Tuple[object, str]] = field(default_factory=list)
    fallbacks: Counter = field(default_factory=Counter)
    notes: List[str] = field(default_factory=list)


def sample_id(annotation: dict) -> object:
    """``frame_dir`` (or ``filename``) of an annotation, None if absent."""
    return next((annotation[key] for key in ID_KEYS if key in annotation),
                None)


def read_annotation_file(ann_file: str) -> object:
    """The content of an annotation pickle, read without running code.

    Raises:
        MissingDataError: The file does not exist (names the command that
            builds it).
        InputError: The file is unreadable or names a forbidden global.
    """
    message = missing_data(ann_file)
    if message:
        raise MissingDataError(message)
    try:
        return load_pickle(ann_file)
    except PickleLoadError as error:
        raise InputError(f'{error} (or rebuild it: '
                         f'`{build_command(ann_file)}`)') from None


def read_annotations(ann_file: str) -> List:
    """Every annotation of a PoseDataset pickle (or a plain list of them),
    read without running code; the structure is checked, the samples are
    not (e.g. for drawing or predicting one sample)."""
    return split_annotations(read_annotation_file(ann_file), ann_file, None,
                             Findings())


def split_annotations(content: object, ann_file: str,
                      split: Optional[str], findings: Findings) -> List:
    """The annotations listed by ``split`` (all if None), in pickle order.

    Structural faults raise at once; duplicate ids and split ids without an
    annotation are added to ``findings``.
    """
    where = f'{ann_file}:'
    if isinstance(content, list) and split is None:
        annotations = content
    elif isinstance(content, dict) and isinstance(content.get('annotations'),
                                                  list):
        annotations = content['annotations']
    else:
        what = ('a dict without an annotations list' if isinstance(
            content, dict) else f'a {type(content).__name__}')
        raise InputError(
            f'{where} holds {what}, not a PoseDataset dict(split=dict(...), '
            f'annotations=[...]); rebuild it: `{build_command(ann_file)}`')
    annotations = valid_annotations(annotations, findings)
    if split is None:
        return annotations
    splits = content.get('split') if isinstance(content, dict) else None
    if not isinstance(splits, dict) or split not in splits:
        has = sorted(splits) if isinstance(splits, dict) else 'no split dict'
        raise InputError(
            f'split "{split}" is not in {ann_file}; it has {has}: set the '
            "dataset's split= to one of them, or add the split")
    members = splits[split]
    if not isinstance(members, (list, tuple, set)):
        raise InputError(f'{where} split {split!r} is a '
                         f'{type(members).__name__}, not a list of sample '
                         'ids; write the split as a list of frame_dir names')
    ids = {sample_id(a) for a in annotations}
    for member in members:
        if member not in ids:
            findings.problems.append(
                (member, f'listed in split {split!r} but has no annotation: '
                 'add its annotation or remove it from the split'))
    wanted = set(members)
    return [a for a in annotations if sample_id(a) in wanted]


def valid_annotations(annotations: Sequence, findings: Findings
                      ) -> List[dict]:
    """The annotations that are dicts with a string id; the others, and
    ids used twice, are added to ``findings``."""
    valid = []
    for annotation in annotations:
        if not isinstance(annotation, dict):
            findings.problems.append(
                (None, f'an annotation is a {type(annotation).__name__}, not '
                 'a dict: write each sample as dict(frame_dir=..., label=..., '
                 'keypoint=...)'))
        elif not isinstance(sample_id(annotation), str):
            findings.problems.append(
                (None, 'an annotation has frame_dir '
                 f'{sample_id(annotation)!r}: give every sample a frame_dir '
                 'string'))
        else:
            valid.append(annotation)
    counts = Counter(sample_id(a) for a in valid)
    for name, count in counts.items():
        if count > 1:
            labels = [a.get('label') for a in valid if sample_id(a) == name]
            findings.problems.append(
                (name, f'has {count} annotations (labels {labels}): keep one '
                 'annotation per frame_dir'))
    return valid


def check_label(annotation: dict, rules: AnnotationRules) -> Optional[str]:
    """The problem with ``annotation['label']``, or None."""
    if 'label' not in annotation:
        return ('label: missing; give every sample an int class index (-1 '
                'or no label cannot be trained or scored)')
    label = annotation['label']
    if isinstance(label, bool) or not isinstance(label, Integral):
        return (f'label: a {type(label).__name__}, not an int class index; '
                'write the class index (its line in classes.txt)')
    high = rules.num_classes
    if label < 0 or (high is not None and label >= high):
        return (f'label {label} is outside [0, {high if high else "inf"}): '
                'fix the annotation or classes.txt / num_classes')
    return None


def check_keypoint(annotation: dict, rules: AnnotationRules
                   ) -> Optional[str]:
    """The problem with ``annotation['keypoint']``, or None."""
    keypoint = annotation.get('keypoint')
    if not isinstance(keypoint, np.ndarray) or \
            keypoint.dtype.kind not in 'fiu':
        kind = type(keypoint).__name__ if not isinstance(
            keypoint, np.ndarray) else f'array of {keypoint.dtype}'
        return (f'keypoint: {"missing" if keypoint is None else kind}; '
                'it must be a float32 array (M, T, V, 2)')
    if keypoint.ndim != 4 or keypoint.shape[-1] != 2 or 0 in keypoint.shape:
        return (f'keypoint must be (M, T, V, 2) with M, T, V >= 1, got '
                f'{keypoint.shape}: convert the skeletons to that shape')
    if rules.layout is not None:
        expected = get_layout(rules.layout).num_joints
        if keypoint.shape[2] != expected:
            return (f'keypoint has {keypoint.shape[2]} joints but layout '
                    f'{rules.layout!r} has {expected}: set layout= to the '
                    "annotations' layout")
    if not np.isfinite(keypoint).any():
        return ('keypoint: NaN/inf in every joint of every frame: '
                're-extract the skeletons or remove the sample')
    return None


def check_score_and_frames(annotation: dict, findings: Findings
                           ) -> Optional[str]:
    """Problems of ``keypoint_score``/``total_frames``/``img_shape`` (the
    keypoint is valid); fills a missing score or ``total_frames``."""
    keypoint = annotation['keypoint']
    score = annotation.get('keypoint_score')
    if score is None:
        present = np.any(keypoint != 0, axis=-1)
        annotation['keypoint_score'] = present.astype(np.float32)
        findings.fallbacks['without keypoint_score (1 where detected)'] += 1
    elif not isinstance(score, np.ndarray) or score.dtype.kind not in 'fiu' \
            or score.shape != keypoint.shape[:3]:
        shape = getattr(score, 'shape', type(score).__name__)
        return (f'keypoint_score is {shape}, it must be a float array '
                f'{keypoint.shape[:3]} (M, T, V of keypoint)')
    frames = keypoint.shape[1]
    total = annotation.get('total_frames')
    if total is None:
        annotation['total_frames'] = frames
        findings.fallbacks['without total_frames (set to T)'] += 1
    elif isinstance(total, bool) or not isinstance(total, Integral) \
            or total != frames:
        return (f'total_frames is {total!r} but keypoint has {frames} '
                f'frames: set total_frames to {frames}')
    shape = annotation.get('img_shape')
    if shape is not None and not (
            isinstance(shape, (tuple, list)) and len(shape) == 2
            and all(isinstance(s, Integral) and s > 0 for s in shape)):
        return (f'img_shape is {shape!r}: it must be (height, width) in '
                'pixels')
    return None


def handle_non_finite(annotation: dict, rules: AnnotationRules,
                      findings: Findings) -> Optional[str]:
    """Zero NaN/inf joints (``zero_score``) or return the problem."""
    keypoint, score = annotation['keypoint'], annotation['keypoint_score']
    bad = ~np.isfinite(keypoint).all(axis=-1) | ~np.isfinite(score)
    if not bad.any():
        return None
    if rules.nan_policy == 'error':
        return (f'{int(bad.sum())} joints have NaN/inf coordinates or '
                "scores: clean them or use nan_policy='zero_score'")
    keypoint[bad] = 0
    score[bad] = 0
    findings.fallbacks['with NaN/inf joints (set to missing, score 0)'] += 1
    return None


def check_annotation(annotation: dict, rules: AnnotationRules,
                     findings: Findings) -> None:
    """Check (and repair where documented) one annotation in place."""
    problem = (check_label(annotation, rules)
               or check_keypoint(annotation, rules)
               or check_score_and_frames(annotation, findings)
               or handle_non_finite(annotation, rules, findings))
    if problem:
        findings.problems.append((sample_id(annotation), problem))


def report_missing_classes(annotations: List[dict], rules: AnnotationRules,
                           findings: Findings) -> None:
    """Count (as a reported fallback) classes without a training sample."""
    if not rules.training or rules.num_classes is None:
        return
    present = {a['label'] for a in annotations}
    missing = [c for c in range(rules.num_classes) if c not in present]
    if missing:
        findings.notes.append(f'classes {missing} have no training sample '
                              '(the model cannot learn them)')


def problem_lines(findings: Findings, where: str) -> List[str]:
    """One line per distinct problem, naming its samples (the first
    :data:`SHOWN_SAMPLES` and how many)."""
    samples: Dict[str, List[object]] = {}
    for name, text in findings.problems:
        samples.setdefault(text, []).append(name)
    lines = []
    for text, names in samples.items():
        names = [name for name in names if name is not None]
        if len(names) > 1:
            shown = ', '.join(map(repr, names[:SHOWN_SAMPLES]))
            more = ', ...' if len(names) > SHOWN_SAMPLES else ''
            subject = f'{len(names)} samples ({shown}{more})'
        else:
            subject = f'sample {names[0]!r}' if names else 'file'
        lines.append(f'{where}: {subject}: {text}')
    return lines


def raise_problems(findings: Findings, where: str) -> None:
    """One :class:`InputError`: a line per distinct problem, the first
    :data:`MAX_LISTED` of them."""
    lines = problem_lines(findings, where)
    if not lines:
        return
    if len(lines) > MAX_LISTED:
        lines = lines[:MAX_LISTED] + [
            f'{where}: ... and {len(lines) - MAX_LISTED} more problems; fix '
            'the ones above and check again']
    raise InputError('\n'.join(lines))


def log_fallbacks(findings: Findings, where: str) -> None:
    """One log line counting the documented fallbacks applied."""
    parts = [f'{count} samples {what}'
             for what, count in findings.fallbacks.items()] + findings.notes
    if parts:
        print_log(f'{where}: documented fallbacks: {"; ".join(parts)}',
                  logger='current')


def load_split(ann_file: str, split: Optional[str],
               rules: AnnotationRules = AnnotationRules()) -> List[dict]:
    """Read, select and check the annotations of one split (module doc).

    Args:
        ann_file (str): The PoseDataset pickle.
        split (str, optional): The split to select; None takes every
            annotation.
        rules (AnnotationRules): What the samples must satisfy.

    Returns:
        list[dict]: The split's annotations, repaired where documented.

    Raises:
        InputError: One line per problem (the first :data:`MAX_LISTED`).
    """
    findings = Findings()
    annotations = split_annotations(read_annotation_file(ann_file), ann_file,
                                    split, findings)
    for annotation in annotations:
        check_annotation(annotation, rules, findings)
    where = f'{ann_file} (split {split!r})' if split else ann_file
    raise_problems(findings, where)
    if not annotations:
        raise InputError(
            f'Split {split!r} of {ann_file} has no samples. Check the pkl\'s '
            "split dict or the dataset's split= argument.")
    report_missing_classes(annotations, rules, findings)
    log_fallbacks(findings, where)
    return annotations
