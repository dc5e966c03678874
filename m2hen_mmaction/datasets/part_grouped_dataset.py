"""``PartGroupedPoseDataset``: a ``PoseDataset`` restricted to Trainset_i.

Parts always come from the class counts of the pickle's *training* split
(``part_split``), whichever split the dataset itself holds, so train, val
and test of one trainset share the same classes and label map:

* training split (``split == part_split`` and not ``test_mode``): samples
  of the kept (tail-most) classes, plus an even, seeded selection of
  ``others_size`` samples of the unused head classes labelled ``OTHERS``;
  the other head samples are dropped.
* any other split, or ``test_mode``: every sample, in pickle order, with
  head classes labelled ``OTHERS``. The tail models are evaluated on the
  primary test set (the ensemble of Eq. 5 maps their scores back), so
  their val/test sets keep all samples and stay aligned sample by sample
  with the primary model's.

Labels in the data list are trainset-local (``primary_label`` keeps the
original). With ``num_parts_used == len(parts)`` (the primary set) labels
are unchanged and no ``OTHERS`` class exists.
"""
from typing import Callable, Dict, List, Optional, Sequence, Union

import numpy as np
from mmaction.registry import DATASETS

from .annotations import load_split
from .micro_gesture_dataset import MicroGesturePoseDataset, read_classes_file
from ..grouping.parts import (Trainset, build_trainset, default_others_size,
                            part_names, select_others_samples, split_parts)


def load_split_annotations(ann_file: str, split: str) -> List[dict]:
    """Annotations of one split of a PoseDataset pickle, read without
    running code and checked (:func:`~.annotations.load_split`).

    Args:
        ann_file (str): Pickle with ``split`` and ``annotations``.
        split (str): Split name, e.g. ``'train'``.

    Returns:
        list[dict]: The split's annotations, in pickle order.
    """
    return load_split(ann_file, split)


def class_counts(labels: Sequence[int], num_classes: int) -> np.ndarray:
    """Samples per class, shape (num_classes,)."""
    return np.bincount(np.asarray(labels, dtype=np.int64),
                       minlength=num_classes)


@DATASETS.register_module()
class PartGroupedPoseDataset(MicroGesturePoseDataset):
    """PoseDataset of one group-training trainset (paper §2.3).

    Same arguments as :class:`mmaction.datasets.PoseDataset` (and the input
    checks of :class:`MicroGesturePoseDataset`: ``layout``, ``nan_policy``,
    ``check_videos``), plus the ones below. Primary class names come from
    ``metainfo['classes']`` (a list or
    a classes file), else ``classes.txt`` beside ``ann_file``, else
    ``class_{k}`` up to the largest training label. After loading,
    ``metainfo`` holds:

    * ``classes``: trainset-local class names, ``'OTHERS'`` last if any;
    * ``label_map``: local → primary label, -1 for ``OTHERS``;
    * ``primary_classes``, ``class_counts`` (training samples per primary
      class), ``primary_parts`` (primary class indices per part, A first);
    * ``parts``/``part_names``: the kept parts in local labels (what
      ``MicroGestureMetric`` reports per part);
    * ``num_parts_used``, ``others_classes`` (primary classes in OTHERS).

    Args:
        ann_file (str): PoseDataset pickle with ``split`` and
            ``annotations``.
        pipeline (list[dict | callable]): Data transforms.
        split (str): Split this dataset holds, e.g. ``'train'``/``'val'``.
        num_parts_used (int): ``i`` of Trainset_i: how many tail-most parts
            it keeps. Defaults to 4 (the primary set with default parts).
        part_ratio (float): ``ratio`` of :func:`split_parts`. Defaults to
            0.2.
        num_parts (int): Maximum number of parts. Defaults to 4.
        part_split (str): Split whose class counts define the parts.
            Defaults to ``'train'``.
        others_size (int, optional): OTHERS training samples. Defaults to
            None: the count of the largest kept class
            (:func:`default_others_size`).
        others_seed (int): Seed of the OTHERS selection. Defaults to 0.
        class_balanced (bool): On the training split, repeat each sample of
            local class c ``round(max_count / count_c)`` times so classes
            (OTHERS included) are about equally frequent per epoch; a
            comparison baseline for group training. Defaults to False.
        **kwargs: Other :class:`MicroGesturePoseDataset` arguments.

    Attributes:
        trainset (Trainset): Kept classes, OTHERS classes and label maps
            (set when the data list is loaded).
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: List[Union[Dict, Callable]],
                 split: Optional[str] = None,
                 num_parts_used: int = 4,
                 part_ratio: float = 0.2,
                 num_parts: int = 4,
                 part_split: str = 'train',
                 others_size: Optional[int] = None,
                 others_seed: int = 0,
                 class_balanced: bool = False,
                 **kwargs) -> None:
        if split is None:
            raise ValueError('PartGroupedPoseDataset needs `split` (e.g. '
                             "'train', 'val'); parts come from the pickle's "
                             f'"{part_split}" split')
        self.num_parts_used = num_parts_used
        self.part_ratio = part_ratio
        self.num_parts = num_parts
        self.part_split = part_split
        self.others_size = others_size
        self.others_seed = others_seed
        self.class_balanced = class_balanced
        super().__init__(ann_file, pipeline=pipeline, split=split, **kwargs)

    @property
    def is_training_split(self) -> bool:
        """Whether this dataset holds the trainset's training samples."""
        return self.split == self.part_split and not self.test_mode

    def load_data_list(self) -> List[Dict]:
        """Load this split, relabelled to the trainset's local labels."""
        data_list = super().load_data_list()
        train_annos = data_list if self.split == self.part_split else \
            load_split_annotations(self.ann_file, self.part_split)
        primary_names = self._primary_class_names(train_annos)
        self._check_labels(train_annos, len(primary_names), self.part_split)
        counts = class_counts([a['label'] for a in train_annos],
                              len(primary_names))
        self._check_counts(counts, primary_names)
        parts = split_parts(counts, self.part_ratio, self.num_parts)
        self.trainset = build_trainset(parts, self.num_parts_used)
        if self.is_training_split:
            data_list = self._training_samples(data_list, counts)
        data_list = self._relabel(data_list)
        if self.is_training_split and self.class_balanced:
            data_list = self._balance(data_list)
        self._metainfo.update(
            self._trainset_metainfo(parts, counts, primary_names))
        return data_list

    def get_cat_ids(self, idx: int) -> List[int]:
        """Local label of sample ``idx`` (for mmengine's
        ``ClassBalancedDataset``)."""
        return [int(self.get_data_info(idx)['label'])]

    def _primary_class_names(self, train_annos: List[dict]) -> List[str]:
        names = self._metainfo.get('classes')
        if names is None:
            names = read_classes_file(self.ann_file)
        if isinstance(names, str):
            raise FileNotFoundError(
                f'metainfo classes "{names}" is neither a list of class '
                'names nor an existing classes file')
        if names is None:
            largest = max(int(a['label']) for a in train_annos)
            names = [f'class_{k}' for k in range(largest + 1)]
        return list(names)

    def _check_labels(self, annos: List[dict], num_classes: int,
                      split: str) -> None:
        for anno in annos:
            label = anno['label']
            if not 0 <= label < num_classes:
                sample = anno.get('frame_dir', anno.get('filename'))
                raise ValueError(
                    f'sample "{sample}" of split "{split}" in '
                    f'{self.ann_file} has label {label}, but there are '
                    f'{num_classes} classes (metainfo classes / classes.txt)'
                    '; fix the label or add the class')

    def _check_counts(self, counts: np.ndarray,
                      primary_names: List[str]) -> None:
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            names = [primary_names[c] for c in empty]
            raise ValueError(
                f'classes {empty.tolist()} ({names}) have no samples in '
                f'split "{self.part_split}" of {self.ann_file}; group '
                'training needs every class in the training split: remove '
                'them from the classes file and relabel, or add samples')

    def _training_samples(self, data_list: List[dict],
                          counts: np.ndarray) -> List[dict]:
        labels = np.array([item['label'] for item in data_list])
        kept = np.flatnonzero(np.isin(labels, self.trainset.kept_classes))
        size = self.others_size
        if size is None:
            size = default_others_size(counts, self.trainset)
        others = select_others_samples(labels, self.trainset.others_classes,
                                       size, self.others_seed)
        return [data_list[i] for i in np.union1d(kept, others)]

    def _relabel(self, data_list: List[dict]) -> List[dict]:
        to_local = self.trainset.primary_to_local
        for item in data_list:
            item['primary_label'] = int(item['label'])
            item['label'] = int(to_local[item['label']])
        return data_list

    @staticmethod
    def _balance(data_list: List[dict]) -> List[dict]:
        labels = np.array([item['label'] for item in data_list])
        counts = np.bincount(labels)
        repeats = np.rint(counts.max() / np.maximum(counts, 1)).astype(int)
        return [
            item for item in data_list for _ in range(repeats[item['label']])
        ]

    def _trainset_metainfo(self, parts: List[List[int]], counts: np.ndarray,
                           primary_names: List[str]) -> Dict:
        trainset: Trainset = self.trainset
        first_kept = len(parts) - self.num_parts_used
        to_local = trainset.primary_to_local
        return dict(
            classes=trainset.class_names(primary_names),
            label_map=trainset.label_map.tolist(),
            primary_classes=primary_names,
            class_counts=counts.tolist(),
            primary_parts=parts,
            parts=[sorted(int(to_local[c]) for c in part)
                   for part in parts[first_kept:]],
            part_names=part_names(len(parts))[first_kept:],
            num_parts_used=self.num_parts_used,
            others_classes=list(trainset.others_classes))
