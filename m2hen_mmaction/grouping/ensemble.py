"""Eq. 5 ensemble of the group-trained models, with the α search.

``logits = Σ_i α_i · Map_i(scores_M3CN_i + scores_EHCT_i)``

Inputs are MMAction2 ``tools/test.py --dump`` pickles: a list, in dataset
order, of data-sample dicts with ``pred_scores`` (``{'item': (C,)}``;
named streams for multi-stream heads), ``gt_labels`` (``{'item': (1,)}``)
and the pipeline's meta keys (``frame_dir`` when ``PackActionInputs``
keeps it). Every model of every trainset must be tested on the same split
through its own ``PartGroupedPoseDataset`` (same ``split``, its own
``num_parts_used``): then all dumps list the same samples in the same
order, with labels in their trainset's local space, which this module
checks.

Scores: MMAction2 dumps the head's ``average_clip`` output — softmax
probabilities with ``average_clips='prob'`` (the PoseC3D/M3CN/EHCT
configs), mean logits with ``'score'``. With ``normalize='softmax'``
(default) every dump is brought to probabilities (rows that already are
probability vectors are kept, others get a softmax) before the M3CN and
EHCT scores of a trainset are added, so models trained with different
losses or class counts weigh alike. ``normalize='none'`` uses the dumped
values as they are (the paper's raw logits when dumped with
``average_clips='score'``).

``Map_i`` puts trainset i's local scores into the primary classes through
its label map (local → primary, -1 for OTHERS; OTHERS' score is dropped).
``gate='gated'`` (default) adds a tail model's scores only for samples
whose argmax is not OTHERS (the tail model claims the sample);
``gate='always'`` always adds them.

α search (:func:`search_alphas`) runs on validation scores only; apply the
result once to the test scores with :func:`apply`. Dumps are read with
:func:`m2hen_mmaction.fileio.load_pickle`: plain data and tensors only, a
dump that names any other global is refused and runs nothing. Bad dumps
(missing, unreadable, of other samples or classes) raise
:class:`~m2hen_mmaction.errors.InputError` with a one-line message.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .parts import OTHERS_LABEL, part_names
from ..errors import InputError, MissingDataError
from ..evaluation.metrics import accuracy_report, sample_label, sample_scores
from ..fileio import PickleLoadError, load_pickle

GATES = ('gated', 'always')
NORMALIZATIONS = ('softmax', 'none')
SAMPLE_ID_KEYS = ('frame_dir', 'filename', 'video_id')
DEFAULT_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
_PROBABILITY_TOLERANCE = 1e-3


@dataclass(frozen=True)
class DumpedScores:
    """Scores of one model on one split.

    Args:
        scores (np.ndarray): Class scores, shape (N, C).
        labels (np.ndarray): Ground-truth labels, shape (N,).
        sample_ids (tuple[str], optional): Sample ids (``frame_dir``) when
            the dump has them.
        source (str): Where the scores come from, for error messages.
    """
    scores: np.ndarray
    labels: np.ndarray
    sample_ids: Optional[Tuple[str, ...]]
    source: str


@dataclass(frozen=True)
class TrainsetScores:
    """Summed scores of one trainset's models (M3CN_i + EHCT_i).

    Args:
        label_map (np.ndarray): Local → primary labels, shape (C_i,);
            OTHERS → -1.
        scores (np.ndarray): Summed (normalised) scores, shape (N, C_i).
        labels (np.ndarray): Local ground-truth labels, shape (N,).
        sample_ids (tuple[str], optional): Sample ids, when known.
        name (str): Name for error messages, e.g. ``'trainset1'``.
    """
    label_map: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    sample_ids: Optional[Tuple[str, ...]]
    name: str

    @property
    def is_primary(self) -> bool:
        """Whether this is the primary set (identity map, no OTHERS)."""
        return np.array_equal(self.label_map, np.arange(len(self.label_map)))


@dataclass(frozen=True)
class EnsembleResult:
    """Fused primary scores and their accuracies.

    Args:
        scores (np.ndarray): Fused scores, shape (N, C).
        labels (np.ndarray): Primary ground truth, shape (N,).
        metrics (dict): :func:`accuracy_report` of ``scores``.
    """
    scores: np.ndarray
    labels: np.ndarray
    metrics: Dict[str, float]


def _choose_score_name(names: Sequence[str], wanted: Optional[str],
                       source: str) -> str:
    if wanted is not None:
        if wanted not in names:
            raise KeyError(f'{source} has no score "{wanted}"; it has '
                           f'{list(names)}')
        return wanted
    if 'item' in names:
        return 'item'
    if len(names) == 1:
        return names[0]
    raise InputError(f'{source} holds several scores {list(names)}; choose '
                     'one with score_name=')


def _sample_ids(samples: List[dict]) -> Optional[Tuple[str, ...]]:
    for key in SAMPLE_ID_KEYS:
        if all(key in sample for sample in samples):
            return tuple(str(sample[key]) for sample in samples)
    return None


def read_dump_samples(path: str) -> List[dict]:
    """The data samples of an MMAction2 ``--dump`` pickle, read safely.

    Raises:
        InputError: The file is missing, unreadable, names a global that is
            not plain data, or is not a non-empty list of sample dicts.
    """
    if not osp.isfile(path):
        raise MissingDataError(
            f'Score dump {path} does not exist; write it with `mim test '
            'm2hen_mmaction <config> <checkpoint> --dump <file>.pkl`.')
    try:
        samples = load_pickle(path)
    except PickleLoadError as error:
        raise InputError(str(error)) from None
    if not (isinstance(samples, list) and samples
            and all(isinstance(sample, dict) for sample in samples)):
        raise InputError(f'{path} is not an MMAction2 --dump file (a '
                         'non-empty list of data samples); write it with '
                         '`mim test ... --dump <file>.pkl`')
    return samples


def _streams_and_labels(path: str, samples: List[dict]
                        ) -> Tuple[List[Dict[str, np.ndarray]], List[int]]:
    """Score streams and labels of each sample; InputError naming ``path``
    if the samples are not a dump's."""
    try:
        return ([sample_scores(sample) for sample in samples],
                [sample_label(sample) for sample in samples])
    except (KeyError, ValueError, TypeError) as error:
        raise InputError(f'{path} is not an MMAction2 --dump file: '
                         f'{str(error).strip(chr(39))}') from None


def load_dump(path: str, score_name: Optional[str] = None,
              samples: Optional[List[dict]] = None) -> DumpedScores:
    """Read an MMAction2 ``--dump`` pickle.

    Args:
        path (str): The ``.pkl`` written by ``tools/test.py --dump``.
        score_name (str, optional): Which score stream to read; defaults to
            ``'item'`` (or the only one).
        samples (list[dict], optional): The file's samples if already read
            with :func:`read_dump_samples`.

    Returns:
        DumpedScores: Scores (N, C), labels (N,) and ids.
    """
    if samples is None:
        samples = read_dump_samples(path)
    streams, labels = _streams_and_labels(path, samples)
    name = _choose_score_name(list(streams[0]), score_name, path)
    widths = {stream[name].shape[0] for stream in streams}
    if len(widths) != 1:
        raise InputError(f'{path}: samples have different numbers of class '
                         f'scores {sorted(widths)}; dump one model\'s '
                         'test run per file')
    return DumpedScores(
        scores=np.stack([stream[name] for stream in streams]),
        labels=np.array(labels, dtype=np.int64),
        sample_ids=_sample_ids(samples),
        source=path)


def load_fused_dump(path: str) -> DumpedScores:
    """Read a dump's main score: ``'item'`` where the head wrote one, else
    the RGB+pose fusion of its streams (e.g. MMAction2's ``RGBPoseHead``
    writes only ``rgb`` and ``pose``): the mean of their class
    probabilities, as ``RGBPoseFusionHead`` and MMAction2's recipe fuse
    them, returned as its centred log (``RGBPoseFusionHead.fuse_scores``):
    logits whose softmax is that mean and which sum to 0.

    Args:
        path (str): The ``.pkl`` written by ``tools/test.py --dump``.
    """
    samples = read_dump_samples(path)
    names = list(_streams_and_labels(path, samples[:1])[0][0])
    if 'item' in names or len(names) == 1:
        return load_dump(path, samples=samples)
    dumps = [load_dump(path, name, samples) for name in names]
    log_probs = np.stack([log_probabilities(d.scores) for d in dumps])
    log_mean = np.logaddexp.reduce(log_probs, axis=0)
    fused = log_mean - log_mean.mean(axis=1, keepdims=True)
    first = dumps[0]
    return DumpedScores(fused, first.labels, first.sample_ids, path)


def log_probabilities(scores: np.ndarray) -> np.ndarray:
    """Log of :func:`to_probabilities` (softmax), computed stably; rows
    that already are probabilities are only logged (0 becomes the float64
    minimum, not -inf)."""
    scores = scores.astype(np.float64)
    if _are_probabilities(scores):
        return np.log(np.maximum(scores, np.finfo(np.float64).tiny))
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _are_probabilities(scores: np.ndarray) -> bool:
    return bool(np.all(scores >= 0) and np.allclose(
        scores.sum(axis=1), 1, atol=_PROBABILITY_TOLERANCE))


def to_probabilities(scores: np.ndarray, normalize: str) -> np.ndarray:
    """Bring scores (N, C) to probabilities (see module doc)."""
    if normalize not in NORMALIZATIONS:
        raise InputError(f'normalize must be one of {NORMALIZATIONS}, got '
                         f'{normalize!r}')
    if normalize == 'none':
        return scores
    if _are_probabilities(scores):
        return scores
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _same_ids(ids_a: Optional[Sequence[str]],
              ids_b: Optional[Sequence[str]]) -> Optional[int]:
    """First position whose ids differ (ids may differ by a path prefix)."""
    if ids_a is None or ids_b is None:
        return None
    for index, (a, b) in enumerate(zip(ids_a, ids_b)):
        short, long = sorted((a, b), key=len)
        if not (long == short or long.endswith('/' + short)):
            return index
    return None


def _check_same_samples(name: str, reference: str, ref_ids, ids,
                        ref_count: int, count: int) -> None:
    if count != ref_count:
        raise InputError(f'{name} has {count} samples but {reference} has '
                         f'{ref_count}; test every model on the same split')
    mismatch = _same_ids(ref_ids, ids)
    if mismatch is not None:
        raise InputError(
            f'sample {mismatch} is "{ids[mismatch]}" in {name} but '
            f'"{ref_ids[mismatch]}" in {reference}; dumps must list the '
            'same samples in the same order')


def combine_models(dumps: Sequence[DumpedScores],
                   label_map: Sequence[int],
                   name: str = 'trainset',
                   normalize: str = 'softmax') -> TrainsetScores:
    """Sum the (normalised) scores of one trainset's models.

    Args:
        dumps (Sequence[DumpedScores]): The trainset's models (M3CN, EHCT).
        label_map (Sequence[int]): Local → primary labels, -1 = OTHERS.
        name (str): Trainset name for error messages.
        normalize (str): ``'softmax'`` or ``'none'`` (see module doc).

    Returns:
        TrainsetScores: Summed scores and the shared labels/ids.
    """
    if not dumps:
        raise InputError(f'{name} has no model scores; give at least one '
                         'dump per trainset')
    label_map = np.asarray(label_map, dtype=np.int64)
    first = dumps[0]
    for dump in dumps:
        if dump.scores.shape[1] != len(label_map):
            raise InputError(
                f'{dump.source} scores {dump.scores.shape[1]} classes but '
                f'the label map of {name} has {len(label_map)}; is it the '
                'right trainset?')
        outside = np.flatnonzero((dump.labels < 0)
                                 | (dump.labels >= len(label_map)))
        if outside.size:
            raise InputError(
                f'sample {outside[0]} of {dump.source} has label '
                f'{dump.labels[outside[0]]}, outside the {len(label_map)} '
                f'classes of {name}; test each model on its own trainset')
        _check_same_samples(dump.source, first.source, first.sample_ids,
                            dump.sample_ids, len(first.labels),
                            len(dump.labels))
        if not np.array_equal(dump.labels, first.labels):
            index = int(np.flatnonzero(dump.labels != first.labels)[0])
            raise InputError(
                f'sample {index} has label {dump.labels[index]} in '
                f'{dump.source} but {first.labels[index]} in {first.source}'
                '; dumps must list the same samples in the same order')
    scores = sum(to_probabilities(d.scores, normalize) for d in dumps)
    return TrainsetScores(label_map, scores, first.labels, first.sample_ids,
                          name)


def load_trainset(dump_paths: Sequence[str],
                  label_map: Sequence[int],
                  name: str = 'trainset',
                  normalize: str = 'softmax') -> TrainsetScores:
    """Each dump's main score (:func:`load_fused_dump`: RGB+pose dumps
    of MMAction2's ``RGBPoseHead`` fused), then :func:`combine_models`."""
    dumps = [load_fused_dump(path) for path in dump_paths]
    return combine_models(dumps, label_map, name, normalize)


def map_to_primary(scores: np.ndarray, label_map: np.ndarray,
                   num_primary: int, gate: str = 'gated') -> np.ndarray:
    """``Map_i`` of Eq. 5: local scores (N, C_i) → primary scores (N, C).

    Args:
        scores (np.ndarray): Local scores, shape (N, C_i).
        label_map (np.ndarray): Local → primary labels, -1 = OTHERS.
        num_primary (int): Number of primary classes C.
        gate (str): ``'gated'``: zero for samples whose argmax is OTHERS;
            ``'always'``: never zero.

    Returns:
        np.ndarray: Shape (N, C); classes outside the trainset get 0.
    """
    if gate not in GATES:
        raise InputError(f'gate must be one of {GATES}, got {gate!r}')
    is_others = label_map == OTHERS_LABEL
    local = np.flatnonzero(~is_others)
    contribution = scores[:, local]
    if gate == 'gated':
        claims = ~is_others[scores.argmax(axis=1)]
        contribution = contribution * claims[:, None]
    mapped = np.zeros((len(scores), num_primary), dtype=np.float64)
    mapped[:, label_map[local]] = contribution
    return mapped


def _primary_trainset(trainsets: Sequence[TrainsetScores]) -> int:
    if not trainsets:
        raise InputError('no trainsets given')
    primary = [i for i, ts in enumerate(trainsets) if ts.is_primary]
    if len(primary) != 1:
        raise InputError(
            f'exactly one primary trainset (all classes, no OTHERS) is '
            f'needed, found {len(primary)} among '
            f'{[ts.name for ts in trainsets]}; pass every trainset 1..N')
    return primary[0]


def _check_label_map(trainset: TrainsetScores, num_primary: int) -> None:
    kept = trainset.label_map[trainset.label_map != OTHERS_LABEL]
    if (kept.min(initial=0) < 0 or kept.max(initial=0) >= num_primary
            or len(np.unique(kept)) != len(kept)):
        raise InputError(
            f'label map of {trainset.name} must hold distinct primary '
            f'labels in 0..{num_primary - 1} or {OTHERS_LABEL} (OTHERS), '
            f'got {trainset.label_map.tolist()}')


def _expected_local_labels(trainset: TrainsetScores,
                           primary_labels: np.ndarray,
                           num_primary: int) -> np.ndarray:
    """Primary labels mapped to the trainset's local labels (-1: none)."""
    others = np.flatnonzero(trainset.label_map == OTHERS_LABEL)
    to_local = np.full(num_primary, others[0] if others.size else -1)
    kept = np.flatnonzero(trainset.label_map != OTHERS_LABEL)
    to_local[trainset.label_map[kept]] = kept
    return to_local[primary_labels]


def aligned_primary_labels(trainsets: Sequence[TrainsetScores]) -> np.ndarray:
    """Primary labels after checking that all trainsets hold the same
    samples.

    Every trainset must have the primary set's sample count and ids, and
    its local labels must be the primary labels mapped by its label map.

    Args:
        trainsets (Sequence[TrainsetScores]): Trainsets 1..N (any order).

    Returns:
        np.ndarray: Primary ground truth, shape (N,).
    """
    primary = trainsets[_primary_trainset(trainsets)]
    num_primary = len(primary.label_map)
    for trainset in trainsets:
        _check_label_map(trainset, num_primary)
        _check_same_samples(trainset.name, primary.name, primary.sample_ids,
                            trainset.sample_ids, len(primary.labels),
                            len(trainset.labels))
        expected = _expected_local_labels(trainset, primary.labels,
                                          num_primary)
        wrong = np.flatnonzero(expected != trainset.labels)
        if wrong.size:
            index = int(wrong[0])
            raise InputError(
                f'sample {index}: {trainset.name} has local label '
                f'{trainset.labels[index]} but primary label '
                f'{primary.labels[index]} maps to {expected[index]}; the '
                'dumps are not of the same samples in the same order, or '
                'the label map is not that trainset\'s')
    return primary.labels


def fuse(trainsets: Sequence[TrainsetScores],
         alphas: Sequence[float],
         gate: str = 'gated') -> np.ndarray:
    """Eq. 5: ``Σ_i α_i · Map_i(scores_i)``.

    Args:
        trainsets (Sequence[TrainsetScores]): Trainsets 1..N.
        alphas (Sequence[float]): One weight per trainset, same order.
        gate (str): See :func:`map_to_primary`.

    Returns:
        np.ndarray: Fused primary scores, shape (N, C).
    """
    if len(alphas) != len(trainsets):
        raise InputError(f'{len(alphas)} alphas for {len(trainsets)} '
                         'trainsets; give one alpha per trainset')
    num_primary = len(trainsets[_primary_trainset(trainsets)].label_map)
    return sum(alpha * map_to_primary(ts.scores, ts.label_map, num_primary,
                                      gate)
               for alpha, ts in zip(alphas, trainsets))


def apply(trainsets: Sequence[TrainsetScores],
          alphas: Sequence[float],
          gate: str = 'gated',
          parts: Optional[Sequence[Sequence[int]]] = None,
          topk: Sequence[int] = (1, 5)) -> EnsembleResult:
    """Fuse with fixed ``alphas`` (from :func:`search_alphas` on val) and
    report accuracies.

    Args:
        trainsets (Sequence[TrainsetScores]): Trainsets 1..N on one split.
        alphas (Sequence[float]): One weight per trainset.
        gate (str): See :func:`map_to_primary`.
        parts (Sequence[Sequence[int]], optional): Primary classes per part
            for per-part accuracies.
        topk (Sequence[int]): k values. Defaults to (1, 5).

    Returns:
        EnsembleResult: Fused scores, primary labels and metrics.
    """
    labels = aligned_primary_labels(trainsets)
    scores = fuse(trainsets, alphas, gate)
    return EnsembleResult(scores, labels,
                          accuracy_report(scores, labels, topk, parts,
                                          part_names(len(parts or []))))


def search_alphas(val_trainsets: Sequence[TrainsetScores],
                  grid: Sequence[float] = DEFAULT_GRID,
                  gate: str = 'gated',
                  objective: str = 'top1',
                  rounds: int = 3) -> np.ndarray:
    """Coordinate search of the α of Eq. 5 on validation scores.

    The primary trainset's α stays 1 (only ratios matter to the argmax).
    Starting from all ones, each round visits the other trainsets in turn
    and sets its α to the grid value with the best ``objective``, the
    others fixed; a value replaces the current one only if strictly
    better. Stops after ``rounds`` rounds or a round without change.

    Args:
        val_trainsets (Sequence[TrainsetScores]): Trainsets 1..N on val.
        grid (Sequence[float]): Candidate α values. Defaults to
            :data:`DEFAULT_GRID`.
        gate (str): See :func:`map_to_primary`.
        objective (str): Key of :func:`accuracy_report` to maximise, e.g.
            ``'top1'`` (default, the paper's headline) or ``'mean1'``.
        rounds (int): Maximum rounds. Defaults to 3.

    Returns:
        np.ndarray: α per trainset, shape (N,), in the given order.
    """
    labels = aligned_primary_labels(val_trainsets)
    primary = _primary_trainset(val_trainsets)
    num_primary = len(val_trainsets[primary].label_map)
    mapped = [
        map_to_primary(ts.scores, ts.label_map, num_primary, gate)
        for ts in val_trainsets
    ]
    objectives = list(accuracy_report(mapped[primary], labels))
    if objective not in objectives:
        raise InputError(f'unknown objective {objective!r}; use one of '
                         f'{objectives}')

    def score(alphas: np.ndarray) -> float:
        fused = sum(a * m for a, m in zip(alphas, mapped))
        return accuracy_report(fused, labels)[objective]

    alphas = np.ones(len(val_trainsets))
    best = score(alphas)
    for _ in range(rounds):
        changed = False
        for index in range(len(val_trainsets)):
            if index == primary:
                continue
            for value in grid:
                trial = alphas.copy()
                trial[index] = value
                trial_score = score(trial)
                if trial_score > best:
                    alphas, best, changed = trial, trial_score, True
        if not changed:
            break
    return alphas
