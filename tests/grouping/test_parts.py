import numpy as np
import pytest

from m2hen_mmaction.grouping.parts import (
    OTHERS_LABEL, build_trainset, default_others_size, part_names,
    select_others_samples, split_parts, trainset_label_maps)

# iMiGUE-like long tail, shuffled over class indices. By count:
# A: 1000 (thr 200) takes 600, 250;  B: 199 (thr 39.8) takes 120, 45, 40;
# C: 30 (thr 6) takes 9;              D: the rest 5, 3, 2.
COUNT_OF_CLASS = {
    7: 1000, 2: 600, 10: 250, 0: 199, 5: 120, 11: 45, 3: 40, 8: 30, 1: 9,
    4: 5, 9: 3, 6: 2
}
COUNTS = [COUNT_OF_CLASS[c] for c in range(12)]
PARTS = [[2, 7, 10], [0, 3, 5, 11], [1, 8], [4, 6, 9]]


def test_split_parts_long_tail():
    assert split_parts(COUNTS, ratio=0.2, num_parts=4) == PARTS


def test_split_parts_invariants_on_random_long_tails():
    rng = np.random.default_rng(0)
    for _ in range(50):
        counts = np.maximum(1, (2000 / rng.pareto(1.0, 32).clip(1)))
        counts = counts.astype(int)
        ratio = rng.uniform(0.05, 0.9)
        parts = split_parts(counts, ratio, 4)
        assert sorted(c for p in parts for c in p) == list(range(32))
        assert 1 <= len(parts) <= 4
        for part, following in zip(parts[:-1], parts[1:]):
            largest = counts[part].max()
            assert counts[part].min() >= ratio * largest * (1 - 1e-9)
            assert counts[following].max() < ratio * largest
            assert counts[part].min() >= counts[following].max()


def test_split_parts_ratio_boundary_is_inclusive():
    # 0.7 * 10 == 7.000000000000001 in floating point: 7 must still fit.
    assert split_parts([10, 7, 1], ratio=0.7) == [[0, 1], [2]]


def test_split_parts_ties_keep_together_and_order_by_index():
    assert split_parts([5, 5, 5, 5]) == [[0, 1, 2, 3]]
    assert split_parts([3, 10, 3, 1], ratio=0.3) == [[0, 1, 2], [3]]


def test_split_parts_fewer_parts_than_asked():
    assert split_parts([100, 10, 1]) == [[0], [1], [2]]
    assert split_parts([100, 10, 1], num_parts=2) == [[0], [1, 2]]
    assert split_parts([7]) == [[0]]
    assert split_parts([100, 50, 3], num_parts=1) == [[0, 1, 2]]


@pytest.mark.parametrize('counts, match', [
    ([5, 0, 3], r'classes \[1\] have no training samples'),
    ([], 'non-empty'),
    ([[1, 2]], 'non-empty 1-D'),
    ([1.5, 2], 'whole numbers'),
])
def test_split_parts_rejects_bad_counts(counts, match):
    with pytest.raises(ValueError, match=match):
        split_parts(counts)


@pytest.mark.parametrize('kwargs, match', [
    (dict(ratio=0), 'ratio'),
    (dict(ratio=1.5), 'ratio'),
    (dict(num_parts=0), 'num_parts'),
    (dict(num_parts=27), 'num_parts'),
])
def test_split_parts_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        split_parts([3, 2, 1], **kwargs)


def test_tail_trainset_has_others_and_label_maps():
    trainset = build_trainset(PARTS, num_parts_used=2)  # C + D
    assert trainset.kept_classes == (1, 4, 6, 8, 9)
    assert trainset.others_classes == (0, 2, 3, 5, 7, 10, 11)
    assert trainset.num_classes == 6 and trainset.others_index == 5
    assert trainset.label_map.tolist() == [1, 4, 6, 8, 9, OTHERS_LABEL]
    to_local = trainset.primary_to_local
    for local, primary in enumerate(trainset.kept_classes):
        assert to_local[primary] == local
    assert set(to_local[list(trainset.others_classes)]) == {5}
    names = [f'c{k}' for k in range(12)]
    assert trainset.class_names(names) == [
        'c1', 'c4', 'c6', 'c8', 'c9', 'OTHERS'
    ]


def test_primary_trainset_is_identity_without_others():
    trainset = build_trainset(PARTS, num_parts_used=4)
    assert not trainset.has_others and trainset.others_index is None
    assert trainset.label_map.tolist() == list(range(12))
    assert trainset.primary_to_local.tolist() == list(range(12))
    assert default_others_size(COUNTS, trainset) == 0


@pytest.mark.parametrize('used', [0, 5])
def test_build_trainset_rejects_out_of_range(used):
    with pytest.raises(ValueError, match=r'num_parts_used must be in 1\.\.4'):
        build_trainset(PARTS, used)


def test_trainset_label_maps_one_per_part():
    maps = trainset_label_maps(COUNTS, 0.2, 4)
    assert len(maps) == 4
    assert maps[0].tolist() == [4, 6, 9, OTHERS_LABEL]
    assert maps[3].tolist() == list(range(12))
    assert part_names(4) == ['A', 'B', 'C', 'D']


def test_default_others_size_is_largest_kept_class():
    assert default_others_size(COUNTS, build_trainset(PARTS, 1)) == 5
    assert default_others_size(COUNTS, build_trainset(PARTS, 3)) == 199


def test_select_others_even_over_classes():
    labels = np.repeat([0, 1, 2, 3], 10)
    chosen = select_others_samples(labels, [0, 1, 2], size=6, seed=1)
    assert np.bincount(labels[chosen], minlength=4).tolist() == [2, 2, 2, 0]
    assert len(np.unique(chosen)) == 6
    assert np.all(np.diff(chosen) > 0)


def test_select_others_small_class_gives_all_it_has():
    labels = np.array([0] * 10 + [1] * 10 + [2] * 2)
    chosen = select_others_samples(labels, [0, 1, 2], size=9, seed=0)
    per_class = np.bincount(labels[chosen], minlength=3)
    assert per_class[2] == 2 and sorted(per_class[:2].tolist()) == [3, 4]


def test_select_others_is_seeded_and_capped():
    labels = np.repeat([0, 1], 50)
    first = select_others_samples(labels, [0, 1], size=10, seed=3)
    assert np.array_equal(first,
                          select_others_samples(labels, [0, 1], 10, seed=3))
    assert not np.array_equal(
        first, select_others_samples(labels, [0, 1], 10, seed=4))
    assert len(select_others_samples(labels, [0, 1], 500)) == 100
    assert len(select_others_samples(labels, [0, 1], 0)) == 0
    assert len(select_others_samples(labels, [], 5)) == 0
    with pytest.raises(ValueError, match='>= 0'):
        select_others_samples(labels, [0], -1)
