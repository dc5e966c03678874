"""Paired bootstrap of a metric difference: answers known by construction."""
import re

import numpy as np
import pytest

from m2hen_mmaction.evaluation.bootstrap import paired_bootstrap


def class_labels(counts):
    """Labels of a test split with ``counts[c]`` clips of class c."""
    return np.repeat(np.arange(len(counts)), counts)


def right_where(labels, correct):
    """Predictions that are right exactly where ``correct`` is True."""
    return np.where(correct, labels, (labels + 1) % (labels.max() + 1))


@pytest.mark.parametrize('metric', ['top1', 'mean1'])
def test_identical_predictions_differ_by_zero_within_noise(metric):
    labels = class_labels([30, 10, 3])
    rng = np.random.default_rng(1)
    preds = right_where(labels, rng.random(len(labels)) < 0.6)
    result = paired_bootstrap(preds, preds, labels, metric=metric)
    assert result.ours == result.theirs
    assert (result.difference, result.low, result.high) == (0, 0, 0)
    assert result.verdict == 'within noise'


def test_better_on_many_clips_holds_and_reversed_does_not():
    labels = class_labels([40, 40, 40])
    every_other = np.arange(len(labels)) % 2 == 0
    ours, theirs = labels, right_where(labels, every_other)
    result = paired_bootstrap(ours, theirs, labels)
    assert result.ours == 1 and result.theirs == 0.5
    assert result.difference == 0.5 and 0 < result.low < 0.5 < result.high
    assert result.verdict == 'holds'
    reversed_ = paired_bootstrap(theirs, ours, labels)
    assert reversed_.difference == -0.5
    assert (reversed_.low, reversed_.high) == pytest.approx(
        (-result.high, -result.low))
    assert reversed_.verdict == 'does not hold'


def test_resampling_within_classes_keeps_every_class():
    """Class 1 (one clip) is right for ours and wrong for theirs; class 0
    is the same for both. Resampled within classes, every resample keeps
    the one clip: the difference never varies."""
    labels = class_labels([90, 1])
    shared = np.random.default_rng(0).random(91) < 0.5
    ours = right_where(labels, shared | (labels == 1))
    theirs = right_where(labels, shared & (labels == 0))
    top1 = paired_bootstrap(ours, theirs, labels, metric='top1')
    assert top1.difference == pytest.approx(1 / 91)
    assert (top1.low, top1.high) == pytest.approx((1 / 91, 1 / 91))
    mean1 = paired_bootstrap(ours, theirs, labels, metric='mean1')
    assert mean1.difference == pytest.approx(0.5)  # (0 + 1) / 2 classes
    assert (mean1.low, mean1.high) == pytest.approx((0.5, 0.5))
    assert mean1.verdict == 'holds'


def test_subset_counts_only_its_classes():
    """Ours beats theirs on class 0 only; class 1 is the same for both."""
    labels = class_labels([50, 50, 50])
    ours = right_where(labels, labels < 2)
    theirs = right_where(labels, labels == 1)
    on_class1 = paired_bootstrap(ours, theirs, labels, classes=[1])
    assert (on_class1.num_clips, on_class1.num_classes) == (50, 1)
    assert (on_class1.low, on_class1.high) == (0, 0)
    assert on_class1.verdict == 'within noise'
    on_classes01 = paired_bootstrap(ours, theirs, labels, classes=[0, 1],
                                    metric='mean1')
    assert on_classes01.difference == 0.5 and on_classes01.verdict == 'holds'
    # class 2 is wrong for both but counts in 'all'
    everywhere = paired_bootstrap(ours, theirs, labels, metric='mean1')
    assert everywhere.difference == pytest.approx(1 / 3)


def stratified_half_width(ours_right, theirs_right, labels, metric):
    """1.96 standard errors of the difference under resampling within
    classes (plug-in variance of the per-clip difference in each class)."""
    counts = np.bincount(labels)
    variances = np.array([
        np.var(ours_right[labels == c].astype(float) -
               theirs_right[labels == c]) for c in range(len(counts))])
    if metric == 'top1':
        variance = np.sum((counts / counts.sum())**2 * variances / counts)
    else:
        variance = np.sum(variances / counts) / len(counts)**2
    return 1.96 * np.sqrt(variance)


@pytest.mark.parametrize('metric', ['top1', 'mean1'])
def test_interval_matches_the_standard_error_and_shrinks_as_one_over_sqrt_n(
        metric):
    rng = np.random.default_rng(3)
    labels = class_labels([60, 40, 30, 20])
    ours_right = rng.random(len(labels)) < 0.7
    theirs_right = rng.random(len(labels)) < 0.5
    widths = []
    for copies in (1, 4):  # the same test split, 4 times as many clips
        repeated = np.sort(np.tile(labels, copies), kind='stable')
        ours_r = np.concatenate([np.tile(ours_right[labels == c], copies)
                                 for c in range(4)])
        theirs_r = np.concatenate([np.tile(theirs_right[labels == c], copies)
                                   for c in range(4)])
        result = paired_bootstrap(right_where(repeated, ours_r),
                                  right_where(repeated, theirs_r), repeated,
                                  metric=metric)
        expected = stratified_half_width(ours_r, theirs_r, repeated, metric)
        assert result.half_width == pytest.approx(expected, rel=0.1)
        widths.append(result.half_width)
    assert widths[0] / widths[1] == pytest.approx(2, rel=0.1)


def test_seeded():
    labels = class_labels([20, 20])
    rng = np.random.default_rng(4)
    ours, theirs = (right_where(labels, rng.random(40) < 0.5)
                    for _ in range(2))
    first, again = (paired_bootstrap(ours, theirs, labels, seed=7)
                    for _ in range(2))
    assert first == again


@pytest.mark.parametrize('kwargs,message', [
    (dict(classes=[5]), 'no test clip has a label in classes [5]'),
    (dict(metric='top5'), "metric must be one of ('top1', 'mean1')"),
])
def test_bad_arguments_say_what_is_wrong(kwargs, message):
    labels = class_labels([3, 3])
    with pytest.raises(ValueError, match=re.escape(message)):
        paired_bootstrap(labels, labels, labels, **kwargs)
    with pytest.raises(ValueError, match='of one shape'):
        paired_bootstrap(labels[:5], labels, labels)


def test_worst_case_half_width_matches_the_bootstrap_at_fifty_percent():
    """Two independent rows right on a random half of the clips: the
    bootstrap's class-average half-width is close to the analytic bound."""
    from m2hen_mmaction.evaluation.bootstrap import worst_case_half_width
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(16), 49)
    rows = [np.where(rng.random(len(labels)) < 0.5, labels, (labels + 1) % 16)
            for _ in range(2)]
    result = paired_bootstrap(rows[0], rows[1], labels, None, 'mean1', 2000)
    bound = worst_case_half_width([49] * 16)
    assert bound <= 0.05 < worst_case_half_width([48] * 16)
    assert abs(result.half_width - bound) <= 0.2 * bound
    with pytest.raises(ValueError, match='every class needs test clips'):
        worst_case_half_width([5, 0])
