"""RGBPoseHead that also predicts with the fused RGB+pose score (M3CN)."""
import math
from typing import Dict, List, Sequence, Tuple, Union

import torch
from mmengine.structures import LabelData

from mmaction.registry import MODELS
from mmaction.utils import SampleList

from .patched_rgbpose_head import PatchedRGBPoseHead


@MODELS.register_module()
class RGBPoseFusionHead(PatchedRGBPoseHead):
    """``RGBPoseHead`` whose prediction is the weighted RGB+pose score.

    Training is ``PatchedRGBPoseHead``'s: one linear classifier per branch
    and one loss per entry of ``loss_components``. At prediction every branch's
    clip-averaged score (``average_clips``) is kept and the weighted mean of
    their class probabilities (as logits with ``average_clips='score'``:
    :meth:`fuse_scores`) becomes the sample's main score, so tools reading
    ``pred_scores.item`` (``AccMetric`` reports it as ``item_*``, besides
    ``rgb_*``/``pose_*``) evaluate the fused M3CN output.

    Args:
        num_classes (int): Number of classes.
        in_channels (Sequence[int]): Channels of the RGB and pose features.
        loss_cls (dict): Loss config. Defaults to
            ``dict(type='CrossEntropyLoss')``.
        loss_components (list[str]): Branches trained with a loss, from
            ``['rgb', 'pose']``. Defaults to ``['rgb', 'pose']``.
        loss_weights (float or tuple[float]): Loss weight per component.
            Defaults to 1.
        dropout (float or dict): Dropout rate, or one per branch
            (``dict(rgb=.., pose=..)``). Defaults to 0.5.
        init_std (float): Std of the classifiers' init. Defaults to 0.01.
        fusion_weights (Sequence[float]): Weights of the RGB and pose
            probabilities in the fused score, normalised to sum to 1.
            Defaults to ``(1., 1.)`` (equal weights).
        **kwargs: ``BaseHead`` arguments (``average_clips``, ``topk``, ...).

    Shapes: features (N, C_rgb, T, H, W) and (N, C_pose, T', H', W');
    ``forward`` returns ``dict(rgb=(N, num_classes), pose=(N,
    num_classes))``; ``predict`` sets ``pred_scores`` with ``rgb``,
    ``pose`` and the fused ``item`` (num_classes,) and ``pred_labels`` with
    their arg-max (1,).
    """

    branches = ('rgb', 'pose')

    def __init__(self,
                 num_classes: int,
                 in_channels: Sequence[int],
                 loss_cls: Dict = dict(type='CrossEntropyLoss'),
                 loss_components: List[str] = ['rgb', 'pose'],
                 loss_weights: Union[float, Tuple[float]] = 1.,
                 dropout: Union[float, Dict] = 0.5,
                 init_std: float = 0.01,
                 fusion_weights: Sequence[float] = (1., 1.),
                 **kwargs) -> None:
        unknown = set(loss_components) - set(self.branches)
        if unknown:
            raise ValueError(f'loss_components may name {self.branches}, '
                             f'got unknown {sorted(unknown)}.')
        if len(in_channels) != len(self.branches):
            raise ValueError(f'in_channels needs the channels of the RGB and '
                             f'pose features, got {in_channels}.')
        if (len(fusion_weights) != len(self.branches)
                or min(fusion_weights) < 0 or sum(fusion_weights) <= 0):
            raise ValueError(
                'fusion_weights needs one non-negative weight per branch '
                f'{self.branches} with a positive sum, got {fusion_weights}.')
        super().__init__(
            num_classes,
            in_channels,
            loss_cls=loss_cls,
            loss_components=loss_components,
            loss_weights=loss_weights,
            dropout=dropout,
            init_std=init_std,
            **kwargs)
        total = float(sum(fusion_weights))
        self.fusion_weights = tuple(w / total for w in fusion_weights)

    def fuse_scores(self, scores: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Weighted mean of the branches' class probabilities.

        That is MMAction2's RGB+pose fusion (``RGBPoseHead`` scores with
        ``average_clips='prob'``, summed by ``AccMetric``). Logits
        (``average_clips='score'`` or None) are fused the same way and
        returned as its centred log (log-probabilities minus their mean over
        the classes): logits whose softmax is that mean and which, like a
        linear classifier's, sum to 0, so readers of logits rank as the
        recipe does and Eq. 5's zero for classes outside a trainset is the
        average class, not the most likely one.

        Args:
            scores (dict[str, torch.Tensor]): (N, num_classes) per branch.

        Returns:
            torch.Tensor: Fused scores (N, num_classes).
        """
        weighted = [(scores[name], weight) for name, weight in zip(
            self.branches, self.fusion_weights) if weight > 0]
        if self.average_clips == 'prob':
            return sum(weight * score for score, weight in weighted)
        log_mean = torch.stack([
            score.log_softmax(dim=-1) + math.log(weight)
            for score, weight in weighted
        ]).logsumexp(dim=0)
        return log_mean - log_mean.mean(dim=-1, keepdim=True)

    def predict_by_feat(self, cls_scores: Dict[str, torch.Tensor],
                        data_samples: SampleList) -> SampleList:
        """Attach per-branch and fused scores and labels to the samples.

        Args:
            cls_scores (dict[str, torch.Tensor]): Branch logits
                (N * num_clips, num_classes).
            data_samples (list[ActionDataSample]): N samples.

        Returns:
            list[ActionDataSample]: The samples with ``pred_scores`` and
            ``pred_labels`` (fields ``rgb``, ``pose`` and fused ``item``).
        """
        scores = {
            name: self.predict_by_scores(cls_scores[name], data_samples)[0]
            for name in self.branches
        }
        scores['item'] = self.fuse_scores(scores)
        for index, data_sample in enumerate(data_samples):
            sample_scores = {name: s[index] for name, s in scores.items()}
            data_sample.pred_scores = LabelData(**sample_scores)
            data_sample.pred_labels = LabelData(
                **{
                    name: score.argmax(dim=-1, keepdim=True).detach()
                    for name, score in sample_scores.items()
                })
        return data_samples
