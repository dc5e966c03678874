"""EHCT head: a main and an auxiliary classifier trained jointly."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmaction.models.heads import BaseHead, GCNHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList

STREAMS = ('main', 'aux')


@MODELS.register_module()
class EHCTHead(BaseHead):
    """Main classifier on the last block + auxiliary one on an earlier block.

    Each classifier is MMAction2's :class:`GCNHead` (average over frames,
    joints and persons, dropout, linear). Training adds both cross-entropy
    losses weighted by ``loss_weights`` (logged as ``loss_cls`` and
    ``aux_loss_cls``); prediction scores ``score_weights[0] * main +
    score_weights[1] * aux`` logits, then averages clips as MMAction2 heads
    do (``average_clips``), so ``AccMetric`` reads one ``pred_scores.item``.

    Takes the backbone's ``(aux, main)`` features, e.g. from
    ``HypergraphTransformer(out_indices=(6, 9))``.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Channels of the main (last) features.
        aux_in_channels (int, optional): Channels of the auxiliary features.
            Defaults to None (same as ``in_channels``).
        loss_cls (dict): Loss config, shared by both classifiers.
            Defaults to ``dict(type='CrossEntropyLoss')``.
        loss_weights (sequence[float]): (main, aux) loss weights.
            Defaults to (1.0, 0.5).
        score_weights (sequence[float]): (main, aux) weights of the logits
            fused for prediction. Defaults to (1.0, 0.5).
        dropout (float): Dropout before each linear layer. Defaults to 0.
        average_clips (str): ``'prob'``, ``'score'`` or None, as in
            :class:`BaseHead`. Defaults to ``'prob'``.
        init_cfg (dict or list[dict]): Initialization config. Defaults to
            ``dict(type='Normal', layer='Linear', std=0.01)``.
        **kwargs: Other :class:`BaseHead` arguments (``topk``,
            ``label_smooth_eps``, ...).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 aux_in_channels: Optional[int] = None,
                 loss_cls: Dict = dict(type='CrossEntropyLoss'),
                 loss_weights: Sequence[float] = (1.0, 0.5),
                 score_weights: Sequence[float] = (1.0, 0.5),
                 dropout: float = 0.,
                 average_clips: str = 'prob',
                 init_cfg: Union[Dict, List[Dict]] = dict(
                     type='Normal', layer='Linear', std=0.01),
                 **kwargs) -> None:
        super().__init__(
            num_classes,
            in_channels,
            loss_cls=loss_cls,
            average_clips=average_clips,
            init_cfg=init_cfg,
            **kwargs)
        self.aux_in_channels = aux_in_channels or in_channels
        self.loss_weights = self._pair('loss_weights', loss_weights)
        self.score_weights = self._pair('score_weights', score_weights)
        # Our init_cfg initializes their linear layers.
        self.main_classifier = GCNHead(
            num_classes, in_channels, dropout=dropout, init_cfg=None)
        self.aux_classifier = GCNHead(
            num_classes, self.aux_in_channels, dropout=dropout, init_cfg=None)

    def forward(self, x: Sequence[torch.Tensor],
                **kwargs) -> Dict[str, torch.Tensor]:
        """Classify the auxiliary and main features.

        Args:
            x (tuple[torch.Tensor]): ``(aux, main)`` features, each
                (N, M, C, T, V).

        Returns:
            dict[str, torch.Tensor]: ``main`` and ``aux`` logits, each
            (N, num_classes).
        """
        if isinstance(x, torch.Tensor) or len(x) != 2:
            raise ValueError(
                'EHCTHead needs two feature maps, (aux, main): give the '
                'backbone two out_indices, e.g. HypergraphTransformer('
                'out_indices=(6, 9)).')
        aux_feat, main_feat = x
        return dict(
            main=self.main_classifier(main_feat),
            aux=self.aux_classifier(aux_feat))

    def loss_by_feat(self, cls_scores: Dict[str, torch.Tensor],
                     data_samples: SampleList) -> Dict:
        """Weighted losses (and top-k accuracies) of both classifiers.

        Args:
            cls_scores (dict[str, torch.Tensor]): ``main``/``aux`` logits.
            data_samples (list[ActionDataSample]): Samples with
                ``gt_labels``.

        Returns:
            dict: ``loss_cls``, ``top1_acc``, ... for the main classifier and
            the same keys prefixed ``aux_`` for the auxiliary one.
        """
        losses = dict()
        for stream, weight in zip(STREAMS, self.loss_weights):
            prefix = '' if stream == 'main' else f'{stream}_'
            stream_losses = super().loss_by_feat(cls_scores[stream],
                                                 data_samples)
            for name, value in stream_losses.items():
                losses[prefix + name] = value * weight if 'loss' in name \
                    else value
        return losses

    def predict_by_feat(self, cls_scores: Dict[str, torch.Tensor],
                        data_samples: SampleList) -> SampleList:
        """Fuse the two classifiers' logits, then average clips.

        Args:
            cls_scores (dict[str, torch.Tensor]): ``main``/``aux`` logits,
                each (N * num_clips, num_classes).
            data_samples (list[ActionDataSample]): The samples.

        Returns:
            list[ActionDataSample]: Samples with ``pred_scores`` and
            ``pred_labels``.
        """
        fused = sum(weight * cls_scores[stream]
                    for stream, weight in zip(STREAMS, self.score_weights))
        return super().predict_by_feat(fused, data_samples)

    @staticmethod
    def _pair(name: str, weights: Sequence[float]) -> Tuple[float, float]:
        if len(weights) != 2:
            raise ValueError(f'{name} must be (main, aux) weights; got '
                             f'{weights!r}.')
        return tuple(float(w) for w in weights)
