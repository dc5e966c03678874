"""Paired bootstrap of an accuracy difference between two rows of a table.

:func:`paired_bootstrap` compares two sets of predictions on the same test
clips: the difference of a metric (``'top1'`` or ``'mean1'``, the
class-average accuracy), restricted to a class subset, with its percentile
interval over resamples of the test clips and a verdict:

* ``'holds'``: the whole interval lies above 0 (ours is better);
* ``'does not hold'``: the whole interval lies below 0;
* ``'within noise'``: the interval contains 0.

Resampling is **stratified by class**: each resample draws, for every class,
as many clips of that class (with replacement) as the test split has, so
every class with test clips stays present in every resample with the same
count. The class-average accuracy is therefore defined on every resample,
and top-1 on a subset is the count-weighted mean of the same per-class
recalls. Both rows are scored on the same resampled clips (paired), so what
the two rows get right together cancels out.
"""
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

METRICS = ('top1', 'mean1')
HOLDS, DOES_NOT_HOLD, WITHIN_NOISE = 'holds', 'does not hold', 'within noise'


@dataclass(frozen=True)
class PairedDifference:
    """A metric of two rows on the same clips and its bootstrap interval.

    Args:
        ours (float): The metric of the row claimed better.
        theirs (float): The metric of the row it is compared with.
        low (float): Lower end of the interval of ``ours - theirs``.
        high (float): Upper end of that interval.
        num_clips (int): Test clips in the class subset.
        num_classes (int): Classes of the subset with test clips.
    """
    ours: float
    theirs: float
    low: float
    high: float
    num_clips: int
    num_classes: int

    @property
    def difference(self) -> float:
        return self.ours - self.theirs

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    @property
    def verdict(self) -> str:
        if self.low > 0:
            return HOLDS
        if self.high < 0:
            return DOES_NOT_HOLD
        return WITHIN_NOISE


def _metric(correct: np.ndarray, counts: np.ndarray, metric: str
            ) -> np.ndarray:
    """``metric`` from per-class correct counts (..., K) of K classes with
    ``counts`` (K,) clips each."""
    if metric == 'top1':
        return correct.sum(-1) / counts.sum()
    return (correct / counts).mean(-1)


def paired_bootstrap(ours: np.ndarray,
                     theirs: np.ndarray,
                     labels: np.ndarray,
                     classes: Optional[Sequence[int]] = None,
                     metric: str = 'top1',
                     num_resamples: int = 2000,
                     level: float = 0.95,
                     seed: int = 0) -> PairedDifference:
    """Difference of ``metric`` between two rows with its bootstrap interval.

    Only clips whose true label is in ``classes`` count; the class-average
    is over the classes of ``classes`` that have test clips (as
    :func:`~.metrics.accuracy_report` skips classes without samples).

    Args:
        ours (np.ndarray): Predicted labels of the row claimed better,
            shape (N,).
        theirs (np.ndarray): Predicted labels of the row compared with,
            shape (N,), on the same clips.
        labels (np.ndarray): True labels, shape (N,).
        classes (Sequence[int], optional): The class subset. Defaults to
            None: every class.
        metric (str): ``'top1'`` or ``'mean1'`` (class-average).
        num_resamples (int): Bootstrap resamples B.
        level (float): Coverage of the percentile interval.
        seed (int): Seed of the resampling.

    Returns:
        PairedDifference: Both metrics on the subset and the interval of
        their difference.

    Raises:
        ValueError: Shapes differ, ``metric`` is unknown or no test clip
            has a label in ``classes``.
    """
    ours, theirs, labels = (np.asarray(a) for a in (ours, theirs, labels))
    if not ours.shape == theirs.shape == labels.shape or labels.ndim != 1:
        raise ValueError('expected predictions and labels of one shape (N,),'
                         f' got {ours.shape}, {theirs.shape}, {labels.shape}')
    if metric not in METRICS:
        raise ValueError(f'metric must be one of {METRICS}, got {metric!r}')
    keep = np.ones(len(labels), bool) if classes is None else np.isin(
        labels, list(classes))
    if not keep.any():
        raise ValueError(f'no test clip has a label in classes {classes}')
    # Clips sorted by class: each class is one contiguous block.
    order = np.argsort(labels[keep], kind='stable')
    labels = labels[keep][order]
    hits = np.stack([pred[keep][order] == labels
                     for pred in (ours, theirs)])  # (2, n) bool
    present, starts, counts = np.unique(labels, return_index=True,
                                        return_counts=True)
    block = np.repeat(np.arange(len(present)), counts)  # class of each slot
    point = [_metric(np.add.reduceat(h, starts, dtype=np.int64), counts,
                     metric) for h in hits]

    rng = np.random.default_rng(seed)
    # Slot j of a resample draws a clip of its own class block.
    draws = starts[block] + (rng.random((num_resamples, len(labels))) *
                             counts[block]).astype(np.int64)
    resampled = hits[:, draws]  # (2, B, n)
    correct = np.add.reduceat(resampled, starts, axis=2,
                              dtype=np.int64)  # (2, B, K)
    differences = _metric(correct[0], counts, metric) - _metric(
        correct[1], counts, metric)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(differences, [tail, 100 - tail])
    return PairedDifference(float(point[0]), float(point[1]), float(low),
                            float(high), int(len(labels)), int(len(present)))


def worst_case_half_width(clips_per_class: Sequence[int],
                          level_z: float = 1.96) -> float:
    """Largest 95 % half-width of a class-average difference of two rows.

    With ``n_c`` test clips of class ``c`` and ``C`` classes, two independent
    rows at 50 % accuracy (the worst case) give the difference of their
    class-average accuracies the variance ``sum_c 0.5 / n_c / C**2``; paired
    rows that agree on some clips give less. A test split resolves a
    difference ``d`` when this bound is at most ``d`` (for 16 classes of
    ``n`` clips: ``n >= 49`` for 5 points).

    Args:
        clips_per_class (Sequence[int]): Test clips of each class (> 0).
        level_z (float): Normal quantile of the level. Defaults to 1.96.

    Returns:
        float: The half-width, as a fraction.
    """
    counts = np.asarray(clips_per_class, dtype=np.float64)
    if counts.size == 0 or counts.min() <= 0:
        raise ValueError('every class needs test clips, got counts '
                         f'{counts.tolist()}')
    return float(level_z * np.sqrt((0.5 / counts).sum()) / counts.size)
