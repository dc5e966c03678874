"""``MicroGestureMetric``: the paper's accuracies (Eq. 6-8) + per part.

Pure helpers (also used by :mod:`m2hen_mmaction.grouping.ensemble`):

* :func:`sample_scores` / :func:`sample_label` read one MMAction2 data
  sample (a dict as metrics and ``--dump`` pickles see it).
* :func:`accuracy_report` gives top-k, class-average and per-part
  accuracies of a score matrix.
* :func:`confusion_matrix` / :func:`per_class_accuracy` /
  :func:`class_recalls`.
"""
import json
import os.path as osp
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import mmengine
import numpy as np
import torch
from mmaction.evaluation import top_k_accuracy
from mmaction.evaluation.metrics import AccMetric
from mmaction.registry import METRICS
from mmengine.logging import MessageHub, MMLogger


SUPPORTED_METRICS = ('top_k_accuracy', 'mean_class_accuracy')


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def clip_average(score: np.ndarray) -> np.ndarray:
    """Average per-clip scores: (num_clips, C) → (C,); (C,) is kept."""
    if score.ndim == 2:
        return score.mean(axis=0)
    if score.ndim != 1:
        raise ValueError('a sample score must have shape (C,) or '
                         f'(num_clips, C), got {score.shape}')
    return score


def sample_scores(sample: Mapping) -> Dict[str, np.ndarray]:
    """Class scores of one data sample, by score name.

    MMAction2 1.1.0 stores ``pred_scores`` as a dict of named scores
    (``'item'``; ``'rgb'``/``'pose'``/... for multi-stream heads); newer
    versions store one ``pred_score`` tensor, returned as ``'item'``.
    Per-clip scores (``average_clips=None``) are averaged over clips.

    Args:
        sample (Mapping): A data sample as a dict (``to_dict()`` output).

    Returns:
        dict[str, np.ndarray]: Score vectors of shape (C,).
    """
    if 'pred_scores' in sample:
        named = dict(sample['pred_scores'])
    elif 'pred_score' in sample:
        named = {'item': sample['pred_score']}
    else:
        raise KeyError('data sample has no "pred_scores"/"pred_score"; keys: '
                       f'{sorted(sample)}. Use the output of a recognizer '
                       "in 'predict' mode (or an mmaction test --dump file)")
    return {
        name: clip_average(_to_numpy(score).astype(np.float64))
        for name, score in named.items()
    }


def sample_label(sample: Mapping) -> int:
    """Single ground-truth label of one data sample (dict form)."""
    if 'gt_labels' in sample:
        label = sample['gt_labels']['item']
    elif 'gt_label' in sample:
        label = sample['gt_label']
    else:
        raise KeyError(f'data sample has no "gt_labels"; keys: '
                       f'{sorted(sample)}')
    label = _to_numpy(label).reshape(-1)
    if label.size != 1:
        raise ValueError('micro-gesture recognition is single-label, got a '
                         f'label of {label.size} entries: {label.tolist()}')
    return int(label[0])


def _check_scores_labels(scores: np.ndarray,
                         labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    scores, labels = np.asarray(scores), np.asarray(labels)
    if scores.ndim != 2 or labels.ndim != 1 or len(scores) != len(labels):
        raise ValueError('expected scores (N, C) and labels (N,), got '
                         f'{scores.shape} and {labels.shape}')
    bad = np.flatnonzero((labels < 0) | (labels >= scores.shape[1]))
    if bad.size:
        raise ValueError(
            f'sample {bad[0]} has label {labels[bad[0]]} outside the '
            f'{scores.shape[1]} scored classes; the model and the dataset '
            'disagree on the number of classes')
    return scores, labels.astype(np.int64)


def confusion_matrix(pred_labels: np.ndarray, gt_labels: np.ndarray,
                     num_classes: int) -> np.ndarray:
    """Counts of (ground truth, prediction) pairs.

    Returns:
        np.ndarray: Shape (C, C), int64; row = ground truth, column =
        prediction.
    """
    pairs = np.asarray(gt_labels) * num_classes + np.asarray(pred_labels)
    return np.bincount(
        pairs, minlength=num_classes**2).reshape(num_classes, num_classes)


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    """Recall of each class, shape (C,); NaN for classes without samples."""
    counts = confusion.sum(axis=1)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(counts > 0, np.diag(confusion) / counts, np.nan)


def class_recalls(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Recall of each class by top-1 prediction, shape (C,) for scores of
    shape (N, C); NaN for classes without samples."""
    return per_class_accuracy(confusion_matrix(
        scores.argmax(axis=1), labels, scores.shape[1]))


def _class_average(recalls: np.ndarray) -> float:
    present = recalls[~np.isnan(recalls)]
    return float(present.mean()) if present.size else float('nan')


def accuracy_report(scores: np.ndarray,
                    labels: np.ndarray,
                    topk: Sequence[int] = (1, 5),
                    parts: Optional[Sequence[Sequence[int]]] = None,
                    part_names: Optional[Sequence[str]] = None) -> Dict:
    """Top-k, class-average and per-part accuracy (paper Eq. 6-8).

    ``top{k}`` = correctly classified / all samples; ``mean1`` (the
    class-average accuracy) = mean, over the classes present in ``labels``,
    of their recall. Classes absent from the ground truth do not count
    (MMAction2's ``mean_class_accuracy`` counts a class that is only
    predicted as 0). ``part_{X}_top1`` / ``part_{X}_mean1`` are the same on
    the samples whose label is in part X; a part without samples is left
    out.

    Args:
        scores (np.ndarray): Class scores, shape (N, C).
        labels (np.ndarray): Ground-truth labels, shape (N,).
        topk (Sequence[int]): k values of the top-k accuracies.
        parts (Sequence[Sequence[int]], optional): Class indices per part.
        part_names (Sequence[str], optional): Names of the parts, one per
            part (e.g. ``A``, ``B``, ... from
            :func:`m2hen_mmaction.grouping.parts.part_names`); required with
            ``parts``.

    Returns:
        dict: Metric name → float.
    """
    scores, labels = _check_scores_labels(scores, labels)
    report = OrderedDict()
    for k, acc in zip(topk, top_k_accuracy(scores, labels, topk)):
        report[f'top{k}'] = float(acc)
    recalls = class_recalls(scores, labels)
    report['mean1'] = _class_average(recalls)
    parts = parts or []
    if len(part_names or []) != len(parts):
        raise ValueError(f'{len(parts)} parts need as many part_names, got '
                         f'{part_names}')
    for name, part in zip(part_names or [], parts):
        in_part = np.isin(labels, part)
        if in_part.any():
            hits = scores[in_part].argmax(axis=1) == labels[in_part]
            report[f'part_{name}_top1'] = float(hits.mean())
            report[f'part_{name}_mean1'] = _class_average(recalls[part])
    return report


def plot_confusion_matrix(confusion: np.ndarray, path: str,
                          class_names: Sequence[str], title: str) -> None:
    """Save the row-normalised confusion matrix as a PNG (Agg, no pyplot)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    num_classes = confusion.shape[0]
    rows = confusion.sum(axis=1, keepdims=True)
    normalised = confusion / np.maximum(rows, 1)
    size = min(4 + 0.3 * num_classes, 24)
    figure = Figure(figsize=(size, size))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    image = axes.imshow(normalised, cmap='viridis', vmin=0, vmax=1)
    figure.colorbar(image, ax=axes, fraction=0.046, label='row fraction')
    axes.set(
        xticks=np.arange(num_classes),
        yticks=np.arange(num_classes),
        xlabel='predicted',
        ylabel='ground truth',
        title=title)
    axes.set_xticklabels(class_names, rotation=90, fontsize=7)
    axes.set_yticklabels(class_names, fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


@METRICS.register_module()
class MicroGestureMetric(AccMetric):
    """Accuracy metric of the paper: top-1/5, class-average, per part.

    Same arguments as :class:`mmaction.evaluation.AccMetric` (``metric_list``
    restricted to ``'top_k_accuracy'`` and ``'mean_class_accuracy'``) plus
    where to save the confusion matrix. Keys (default prefix ``acc``):
    ``top1``, ``top5``, ``mean1`` (class-average over the classes present in
    the ground truth, paper Eq. 8) and, when ``dataset_meta['parts']`` lists
    class indices per part (``PartGroupedPoseDataset`` provides it, names in
    ``dataset_meta['part_names']``), ``part_{A..D}_top1``/``_mean1``.
    Multi-stream scores (``rgb``, ``pose``, ...) get ``{name}_`` prefixes
    as in ``AccMetric``.

    Files (when a directory is known): ``{stem}_confusion_matrix.npy``
    (counts, row = ground truth), ``{stem}_confusion_matrix.png``
    (row-normalised) and ``{stem}_per_class.json`` (count, correct and
    accuracy per class); ``stem`` is ``val_epoch{e}`` (e as in the log's
    ``Epoch(val) [e]``), ``test`` or ``eval`` from the message hub, plus
    ``_{score name}`` for multi-stream scores.

    Args:
        metric_list (str | tuple[str]): Metrics to compute.
            Defaults to ``('top_k_accuracy', 'mean_class_accuracy')``.
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        metric_options (dict, optional): ``top_k_accuracy=dict(topk=...)``.
            Defaults to ``dict(top_k_accuracy=dict(topk=(1, 5)))``.
        prefix (str, optional): Key prefix. Defaults to None (``acc``).
        out_dir (str, optional): Where to save the files. Defaults to None:
            the runner's log dir (the directory of the current
            ``MMLogger``'s log file); nothing is saved when neither exists.
        save_confusion_matrix (bool): Save the ``.npy`` and ``.png``.
            Defaults to True.
        save_per_class (bool): Save the per-class JSON. Defaults to True.
    """

    def __init__(self,
                 metric_list=SUPPORTED_METRICS,
                 collect_device: str = 'cpu',
                 metric_options: Optional[Dict] = dict(
                     top_k_accuracy=dict(topk=(1, 5))),
                 prefix: Optional[str] = None,
                 out_dir: Optional[str] = None,
                 save_confusion_matrix: bool = True,
                 save_per_class: bool = True) -> None:
        super().__init__(
            metric_list=metric_list,
            collect_device=collect_device,
            metric_options=metric_options,
            prefix=prefix)
        unsupported = set(self.metrics) - set(SUPPORTED_METRICS)
        if unsupported:
            raise ValueError(f'MicroGestureMetric supports metric_list items '
                             f'{SUPPORTED_METRICS}, got {sorted(unsupported)}'
                             '; use AccMetric for multi-label mAP')
        self.out_dir = out_dir
        self.save_confusion_matrix = save_confusion_matrix
        self.save_per_class = save_per_class

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each sample's clip-averaged scores and its label.

        Args:
            data_batch (Any): The batch given to the model (unused).
            data_samples (Sequence[dict]): Model outputs in dict form with
                ``pred_scores`` and ``gt_labels``.
        """
        for sample in data_samples:
            self.results.append(
                dict(pred=sample_scores(sample), label=sample_label(sample)))

    def _topk(self) -> Tuple[int, ...]:
        if 'top_k_accuracy' not in self.metrics:
            return ()
        topk = (self.metric_options or {}).get('top_k_accuracy',
                                               {}).get('topk', (1, 5))
        return (topk, ) if isinstance(topk, int) else tuple(topk)

    def calculate(self, preds: List[np.ndarray], labels: List[int]) -> Dict:
        """Metrics of one score stream.

        Args:
            preds (list[np.ndarray]): Scores of shape (C,) per sample.
            labels (list[int]): Ground-truth label per sample.

        Returns:
            dict: Metric name → value.
        """
        meta = self.dataset_meta or {}
        report = accuracy_report(
            np.stack(preds), np.asarray(labels), self._topk(),
            meta.get('parts'), meta.get('part_names'))
        if 'mean_class_accuracy' not in self.metrics:
            report = OrderedDict(
                (k, v) for k, v in report.items() if 'mean1' not in k)
        return report

    def compute_metrics(self, results: List[dict]) -> Dict:
        """Metrics of every score stream; saves the files when a dir is
        known.

        Args:
            results (list[dict]): Output of :meth:`process`, all ranks.

        Returns:
            dict: Metric name → value.
        """
        if not results:
            raise ValueError('no samples were evaluated: the val/test '
                             'dataloader is empty')
        metrics = super().compute_metrics(results)
        out_dir = self._resolve_out_dir()
        if out_dir is not None:
            self._save_files(results, out_dir)
        return metrics

    def _resolve_out_dir(self) -> Optional[str]:
        if self.out_dir is not None:
            return self.out_dir
        log_file = MMLogger.get_current_instance().log_file
        return osp.dirname(log_file) if log_file else None

    @staticmethod
    def _file_stem() -> str:
        hub = MessageHub.get_current_instance()
        stage = hub.get_info('loop_stage')
        if stage == 'val':
            # the hub holds the 0-based epoch that just finished training
            epoch = hub.get_info('epoch')
            return 'val' if epoch is None else f'val_epoch{epoch + 1}'
        return stage if stage == 'test' else 'eval'

    def _class_names(self, num_classes: int) -> List[str]:
        names = (self.dataset_meta or {}).get('classes')
        if names is not None and len(names) == num_classes:
            return [str(name) for name in names]
        return [str(index) for index in range(num_classes)]

    def _save_files(self, results: List[dict], out_dir: str) -> None:
        mmengine.mkdir_or_exist(out_dir)
        labels = np.array([r['label'] for r in results])
        stream_names = list(results[0]['pred'])
        run_stem = self._file_stem()
        for stream in stream_names:
            scores = np.stack([r['pred'][stream] for r in results])
            stem = f'{run_stem}_{stream}' if len(stream_names) > 1 \
                else run_stem
            confusion = confusion_matrix(
                scores.argmax(axis=1), labels, scores.shape[1])
            names = self._class_names(scores.shape[1])
            base = osp.join(out_dir, stem)
            if self.save_confusion_matrix:
                np.save(f'{base}_confusion_matrix.npy', confusion)
                top1 = np.trace(confusion) / confusion.sum()
                class_average = _class_average(per_class_accuracy(confusion))
                plot_confusion_matrix(
                    confusion, f'{base}_confusion_matrix.png', names,
                    f'{stem}: top1 {top1:.3f}, class-average '
                    f'{class_average:.3f}')
            if self.save_per_class:
                self._save_per_class(confusion, names,
                                     f'{base}_per_class.json')

    @staticmethod
    def _save_per_class(confusion: np.ndarray, names: List[str],
                        path: str) -> None:
        recalls = per_class_accuracy(confusion)
        rows = [
            dict(
                index=index,
                name=name,
                count=int(confusion[index].sum()),
                correct=int(confusion[index, index]),
                accuracy=None if np.isnan(recall) else float(recall))
            for index, (name, recall) in enumerate(zip(names, recalls))
        ]
        with open(path, 'w') as file:
            json.dump(dict(classes=rows), file, indent=1)
