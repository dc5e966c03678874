"""EHCT recognizer: MMAction2's RecognizerGCN for multi-output backbones."""
from typing import List

import torch
from mmaction.models.recognizers import RecognizerGCN
from mmaction.registry import MODELS
from mmaction.utils import ForwardResults, OptSampleList

from ..backbones.hypergraph_transformer import nonfinite_samples
from ..heads.ehct_head import EHCTHead

# Metainfo keys that name a sample, best first (add 'frame_dir' to
# PackActionInputs' meta_keys to get the annotation's name in errors).
SAMPLE_NAME_KEYS = ('frame_dir', 'video_id', 'filename')


@MODELS.register_module()
class EHCT(RecognizerGCN):
    """Skeleton recognizer feeding an intermediate block to an aux head.

    Arguments are :class:`RecognizerGCN`'s. The backbone returns its
    ``out_indices`` features as a tuple, e.g. ``(block 7, block 10)`` of
    :class:`HypergraphTransformer`, and :class:`EHCTHead` classifies the
    first with its auxiliary and the last with its main classifier. Inputs
    are ``(N, num_clips, M, T, V, C)`` from MMAction2's skeleton pipeline
    (``FormatGCNInput`` + ``PackActionInputs``); clips are scored
    separately and averaged by the head.

    On top of :class:`RecognizerGCN` it checks, when built, that the
    backbone gives :class:`EHCTHead` the two feature maps it needs, and, on
    every forward, that inputs are 6-D and finite, naming the bad samples:
    one finite scan (one host sync) per step, so it turns off the
    backbone's own (``check_finite``).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if hasattr(self.backbone, 'check_finite'):
            self.backbone.check_finite = False
        out_indices = getattr(self.backbone, 'out_indices', None)
        if isinstance(getattr(self, 'cls_head', None), EHCTHead) and (
                out_indices is None or len(out_indices) != 2):
            raise ValueError(
                'EHCTHead needs the backbone to return (aux, main) features: '
                'set backbone out_indices to two blocks, e.g. (6, 9) for '
                f'the 10-block HypergraphTransformer (got {out_indices}).')

    def forward(self,
                inputs: torch.Tensor,
                data_samples: OptSampleList = None,
                mode: str = 'tensor',
                **kwargs) -> ForwardResults:
        """Check the inputs, then run :meth:`RecognizerGCN.forward`.

        Args:
            inputs (torch.Tensor): Skeletons (N, num_clips, M, T, V, C).
            data_samples (list[ActionDataSample], optional): The samples.
            mode (str): ``'tensor'``, ``'predict'`` or ``'loss'``.
        """
        self._check_inputs(inputs, data_samples)
        return super().forward(inputs, data_samples, mode, **kwargs)

    def _check_inputs(self, inputs: torch.Tensor,
                      data_samples: OptSampleList) -> None:
        if inputs.dim() != 6:
            raise ValueError(
                'EHCT expects skeletons shaped (N, num_clips, M, T, V, C), as '
                'FormatGCNInput + PackActionInputs produce; got '
                f'{tuple(inputs.shape)}.')
        bad = nonfinite_samples(inputs)
        if bad:
            names = ', '.join(self._sample_names(bad, data_samples))
            raise ValueError(
                f'Samples {names} hold NaN/Inf keypoints: replace them in the '
                'annotations (e.g. np.nan_to_num) and set their '
                'keypoint_score to 0 so they count as undetected joints.')

    @staticmethod
    def _sample_names(indices: List[int],
                      data_samples: OptSampleList) -> List[str]:
        names = []
        for index in indices:
            metainfo = data_samples[index].metainfo if data_samples else {}
            key = next((k for k in SAMPLE_NAME_KEYS if k in metainfo), None)
            names.append(f'{metainfo[key]!r}' if key else f'#{index} of the '
                         'batch')
        return names
