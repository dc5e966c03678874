"""Group training (paper §2.3): parts A-D, trainsets with OTHERS, label maps.

Pure functions on class counts and label arrays; no file I/O.

* :func:`split_parts` cuts the classes, sorted by training-sample count,
  into parts; part A holds the head classes, the last part the tail.
* :func:`build_trainset` describes Trainset_i: the ``i`` tail-most parts plus
  one ``OTHERS`` class standing for all unused (head) classes. With
  ``i == len(parts)`` it is the primary set: every class, no ``OTHERS``, and
  trainset-local labels equal primary labels.
* :func:`select_others_samples` draws OTHERS' training samples: an even,
  seeded selection across the unused classes.
* :func:`default_others_size` is the OTHERS size used when none is given.

Label convention: trainset-local classes are the kept primary classes in
ascending primary order, then ``OTHERS`` (last local index). A trainset's
``label_map[local] = primary`` with :data:`OTHERS_LABEL` (-1) for ``OTHERS``.
"""
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import numpy as np

OTHERS_NAME = 'OTHERS'
OTHERS_LABEL = -1  # primary label of OTHERS in a label map
PART_NAMES = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
# Relative slack for ``count >= ratio * largest`` so that e.g. 7 >= 0.7 * 10
# holds although 0.7 * 10 == 7.000000000000001 in floating point.
_RATIO_TOLERANCE = 1e-9


def _check_counts(class_counts: Sequence[int]) -> np.ndarray:
    counts = np.asarray(class_counts)
    if counts.ndim != 1 or counts.size == 0:
        raise ValueError('class_counts must be a non-empty 1-D sequence of '
                         f'per-class sample counts, got shape {counts.shape}')
    if not np.issubdtype(counts.dtype, np.integer):
        if not np.all(np.mod(counts, 1) == 0):
            raise ValueError('class_counts must hold whole numbers, got '
                             f'{counts.tolist()}')
        counts = counts.astype(np.int64)
    empty = np.flatnonzero(counts <= 0)
    if empty.size:
        raise ValueError(
            f'classes {empty.tolist()} have no training samples (counts '
            f'{counts[empty].tolist()}); a class without samples cannot be '
            'learnt or assigned to a part: remove it from the classes file '
            'and relabel, or add training samples')
    return counts


def split_parts(class_counts: Sequence[int],
                ratio: float = 0.2,
                num_parts: int = 4) -> List[List[int]]:
    """Split classes into parts by training-sample count (head part first).

    Classes are sorted by count, descending (ties: lower class index first).
    A part starts at its largest class and takes the following classes while
    ``count >= ratio * largest``; the last part takes all the rest. When the
    classes run out early, fewer than ``num_parts`` parts are returned (never
    an empty part).

    Args:
        class_counts (Sequence[int]): Training samples per class, shape (C,).
            Every count must be positive.
        ratio (float): Smallest count a part admits, relative to its largest
            class, in (0, 1]. Defaults to 0.2.
        num_parts (int): Maximum number of parts. Defaults to 4 (A-D).

    Returns:
        list[list[int]]: Parts, head part (A) first; each a sorted list of
        class indices. Every class is in exactly one part.
    """
    counts = _check_counts(class_counts)
    if not 0 < ratio <= 1:
        raise ValueError(f'ratio must be in (0, 1], got {ratio}')
    valid_num_parts = isinstance(num_parts, (int, np.integer)) and \
        1 <= num_parts <= len(PART_NAMES)
    if not valid_num_parts:
        raise ValueError(f'num_parts must be an int in 1..{len(PART_NAMES)}'
                         f', got {num_parts}')
    order = sorted(range(counts.size), key=lambda c: (-counts[c], c))
    parts: List[List[int]] = []
    start = 0
    while start < len(order) and len(parts) < num_parts - 1:
        threshold = ratio * counts[order[start]] * (1 - _RATIO_TOLERANCE)
        end = start + 1
        while end < len(order) and counts[order[end]] >= threshold:
            end += 1
        parts.append(sorted(order[start:end]))
        start = end
    if start < len(order):
        parts.append(sorted(order[start:]))
    return parts


def part_names(num_parts: int) -> List[str]:
    """Names of ``num_parts`` parts: ``['A', 'B', ...]``, head first."""
    return list(PART_NAMES[:num_parts])


@dataclass(frozen=True)
class Trainset:
    """Trainset_i of group training: kept classes + optional ``OTHERS``.

    Args:
        num_parts_used (int): ``i``, how many tail-most parts it keeps.
        kept_classes (tuple[int]): Primary indices of the kept classes,
            ascending; local label ``j`` is ``kept_classes[j]``.
        others_classes (tuple[int]): Primary indices folded into ``OTHERS``
            (the unused head classes); empty for the primary set.
        num_primary_classes (int): Number of primary classes C.
    """
    num_parts_used: int
    kept_classes: Tuple[int, ...]
    others_classes: Tuple[int, ...]
    num_primary_classes: int

    @property
    def has_others(self) -> bool:
        """Whether the trainset has the extra ``OTHERS`` class."""
        return bool(self.others_classes)

    @property
    def num_classes(self) -> int:
        """Number of trainset-local classes (``OTHERS`` included)."""
        return len(self.kept_classes) + int(self.has_others)

    @property
    def others_index(self) -> Optional[int]:
        """Local label of ``OTHERS`` (the last one), None without it."""
        return len(self.kept_classes) if self.has_others else None

    @property
    def label_map(self) -> np.ndarray:
        """Local → primary labels, shape (num_classes,); OTHERS → -1."""
        others = [OTHERS_LABEL] if self.has_others else []
        return np.array(list(self.kept_classes) + others, dtype=np.int64)

    @property
    def primary_to_local(self) -> np.ndarray:
        """Primary → local labels, shape (C,); unused classes → OTHERS."""
        mapping = np.full(self.num_primary_classes, -1, dtype=np.int64)
        mapping[list(self.kept_classes)] = np.arange(len(self.kept_classes))
        if self.has_others:
            mapping[list(self.others_classes)] = self.others_index
        return mapping

    def class_names(self, primary_names: Sequence[str]) -> List[str]:
        """Local class names: the kept classes' names, then ``'OTHERS'``."""
        names = [primary_names[c] for c in self.kept_classes]
        return names + [OTHERS_NAME] if self.has_others else names


def build_trainset(parts: Sequence[Sequence[int]],
                   num_parts_used: int) -> Trainset:
    """Describe Trainset_i: the ``i`` tail-most parts (+ ``OTHERS``).

    Args:
        parts (Sequence[Sequence[int]]): Output of :func:`split_parts`.
        num_parts_used (int): ``i`` in 1..len(parts); ``len(parts)`` gives
            the primary set (all classes, no ``OTHERS``).

    Returns:
        Trainset: Kept classes, ``OTHERS`` classes and label maps.
    """
    if not 1 <= num_parts_used <= len(parts):
        raise ValueError(
            f'num_parts_used must be in 1..{len(parts)} (the number of parts '
            f'the class counts give), got {num_parts_used}')
    first_kept = len(parts) - num_parts_used
    kept = sorted(c for part in parts[first_kept:] for c in part)
    others = sorted(c for part in parts[:first_kept] for c in part)
    return Trainset(num_parts_used, tuple(kept), tuple(others),
                    len(kept) + len(others))


def trainset_label_maps(class_counts: Sequence[int],
                        ratio: float = 0.2,
                        num_parts: int = 4) -> List[np.ndarray]:
    """Label maps (local → primary) of Trainset_1..Trainset_len(parts).

    Args:
        class_counts (Sequence[int]): Training samples per primary class.
        ratio (float): See :func:`split_parts`.
        num_parts (int): See :func:`split_parts`.

    Returns:
        list[np.ndarray]: Entry ``i - 1`` is Trainset_i's label map.
    """
    parts = split_parts(class_counts, ratio, num_parts)
    return [
        build_trainset(parts, used).label_map
        for used in range(1, len(parts) + 1)
    ]


def default_others_size(class_counts: Sequence[int],
                        trainset: Trainset) -> int:
    """OTHERS size used by default: the count of the largest kept class.

    OTHERS then never outnumbers a kept class, so adding it does not make
    the trainset more imbalanced than its own parts already are, while it
    is as large as possible: OTHERS must absorb the head classes, which
    dominate the primary test set, for the gated Map of Eq. 5 to keep tail
    models silent on head samples.

    Args:
        class_counts (Sequence[int]): Training samples per primary class.
        trainset (Trainset): The trainset OTHERS belongs to.

    Returns:
        int: Number of OTHERS samples (0 for the primary set).
    """
    if not trainset.has_others:
        return 0
    counts = np.asarray(class_counts)
    return int(counts[list(trainset.kept_classes)].max())


def _even_quotas(available: np.ndarray, size: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Split ``size`` over classes as evenly as their ``available`` allow.

    Classes with too few samples give their share to the others; who gets
    the remainder of an uneven split is decided by ``rng``.
    """
    quotas = np.zeros_like(available)
    remaining = size
    order = rng.permutation(available.size)
    while remaining > 0:
        open_classes = [c for c in order if quotas[c] < available[c]]
        share, extra = divmod(remaining, len(open_classes))
        for rank, c in enumerate(open_classes):
            take = min(available[c] - quotas[c], share + int(rank < extra))
            quotas[c] += take
            remaining -= take
    return quotas


def select_others_samples(labels: Sequence[int],
                          others_classes: Sequence[int],
                          size: int,
                          seed: int = 0) -> np.ndarray:
    """Pick OTHERS' samples: even over ``others_classes``, seeded.

    Each unused class contributes ``size / len(others_classes)`` samples
    (a class with fewer gives all it has, the others make up for it),
    drawn without replacement. ``size`` above the samples available is
    capped at what is available.

    Args:
        labels (Sequence[int]): Primary label of every sample, shape (N,).
        others_classes (Sequence[int]): Primary classes OTHERS stands for.
        size (int): Number of OTHERS samples wanted, >= 0.
        seed (int): Seed of the selection. Defaults to 0.

    Returns:
        np.ndarray: Sorted indices into ``labels`` of the selected samples.
    """
    if size < 0:
        raise ValueError(f'others size must be >= 0, got {size}')
    labels = np.asarray(labels)
    members = [np.flatnonzero(labels == c) for c in others_classes]
    if not members:
        return np.zeros(0, dtype=np.int64)
    available = np.array([m.size for m in members], dtype=np.int64)
    rng = np.random.default_rng(seed)
    quotas = _even_quotas(available, min(size, int(available.sum())), rng)
    chosen = [
        rng.choice(m, q, replace=False) for m, q in zip(members, quotas)
    ]
    return np.sort(np.concatenate(chosen)).astype(np.int64)
