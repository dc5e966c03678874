"""``PoseHeatmapPreprocessor``: pose heatmaps drawn on the model's device.

The pipeline stops at keypoints (``GeneratePoseHeatmap(on_device=True)``
packs a small keypoint record instead of a (T, V, H, W) volume); this data
preprocessor draws the whole batch at once with torch on the model's device,
with the same code and result as the CPU transform, then normalises and
stacks like MMAction2's ``ActionDataPreprocessor`` (pose-only models) or
``MultiModalDataPreprocessor`` (RGB+pose models).
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmaction.models.data_preprocessors import (ActionDataPreprocessor,
                                                MultiModalDataPreprocessor)
from mmaction.registry import MODELS, TRANSFORMS

from ...skeleton.heatmaps import RECORD_FIELDS, render_records
from ...datasets.transforms.pose_heatmap import GeneratePoseHeatmap

POSE_KEY = 'heatmap_imgs'  # MMAction2's name of the pose modality


def _check_records(records: Sequence[torch.Tensor]) -> None:
    shapes = [tuple(record.shape) for record in records]
    expected = f'(clips, M, T, V, {len(RECORD_FIELDS)})'
    if any(len(shape) != 5 or shape[-1] != len(RECORD_FIELDS)
           for shape in shapes):
        raise ValueError(
            f'PoseHeatmapPreprocessor expects keypoint records {expected} '
            'from GeneratePoseHeatmap(on_device=True), got inputs of shapes '
            f'{shapes}. Use the same `on_device` flag in the pipeline and '
            'in heatmap= of the preprocessor.')
    if len({(s[0], s[2], s[3]) for s in shapes}) != 1:
        raise ValueError('All keypoint records of a batch need the same '
                         f'clips, T and V {expected}, got {shapes}.')


def _zeros(shape: tuple, like: torch.Tensor) -> torch.Tensor:
    """float32 zeros on ``like``'s device.

    On CPU they come from numpy's ``calloc``: the OS zeroes the pages when
    first touched, and pages no heatmap touches are never written.
    """
    if like.device.type == 'cpu':
        return torch.from_numpy(np.zeros(shape, np.float32))
    return like.new_zeros(shape)


def _build_heatmap(cfg: Dict) -> GeneratePoseHeatmap:
    cfg = dict(cfg)
    cfg.setdefault('type', 'GeneratePoseHeatmap')
    transform = TRANSFORMS.build(cfg)
    if not isinstance(transform, GeneratePoseHeatmap):
        raise TypeError('heatmap= must configure GeneratePoseHeatmap (the '
                        f'dict of the pipeline), got type {cfg["type"]!r}.')
    return transform


@MODELS.register_module()
class PoseHeatmapPreprocessor(ActionDataPreprocessor):
    """Draws pose heatmaps on the model's device, then normalises.

    Without ``preprocessors`` it is an ``ActionDataPreprocessor`` for
    pose-only models; with them, a ``MultiModalDataPreprocessor`` whose
    ``heatmap_imgs`` modality is drawn first (RGB+pose models). It can also
    serve as the ``heatmap_imgs`` entry of a ``MultiModalDataPreprocessor``.

    Inputs (per sample, from ``FormatShape`` + ``PackActionInputs``): the
    float32 keypoint record (clips, M, T, V, 6) when drawing, else heatmaps.
    Output: heatmaps (N, clips, C, T, H, W), equal to what the pipeline's
    ``GeneratePoseHeatmap(on_device=False)`` + ``FormatShape`` would give;
    persons are padded with zero scores and canvases of different sizes with
    zeros (as ``stack_batch`` pads).

    Args:
        heatmap (dict, optional): The ``GeneratePoseHeatmap`` config the
            pipeline uses (share one dict in the config; ``type`` may be
            left out). When its ``on_device`` is True the inputs are keypoint
            records and are drawn here; otherwise (or None) inputs are
            heatmaps already and this class behaves exactly like its
            MMAction2 base.
        preprocessors (dict, optional): Per-modality preprocessor configs as
            in ``MultiModalDataPreprocessor`` (RGB+pose). Defaults to None.
        **kwargs: ``ActionDataPreprocessor`` arguments (``mean``, ``std``,
            ``to_rgb``, ``to_float32``, ``blending``, ``format_shape``) when
            ``preprocessors`` is None.
    """

    def __init__(self,
                 heatmap: Optional[Dict] = None,
                 preprocessors: Optional[Dict] = None,
                 **kwargs) -> None:
        if preprocessors is not None and kwargs:
            raise ValueError(
                f'Pass ActionDataPreprocessor arguments {sorted(kwargs)} '
                'inside `preprocessors` when `preprocessors` is given.')
        super().__init__(**kwargs)
        self.heatmap = _build_heatmap(heatmap) if heatmap else None
        self.draws = bool(self.heatmap and self.heatmap.on_device)
        self.modalities = (
            MultiModalDataPreprocessor(preprocessors)
            if preprocessors is not None else None)

    def draw(self, records: Sequence[torch.Tensor]) -> List[torch.Tensor]:
        """Draw a batch of keypoint records where they are.

        Args:
            records (Sequence[Tensor]): float32 (clips, M_i, T, V, 6) each.

        Returns:
            list[Tensor]: float32 (clips, C, T, H, W) heatmaps per sample,
            views of one (N, clips, C, T, H, W) tensor.
        """
        _check_records(records)
        clips, _, frames, joints, fields = records[0].shape
        persons = max(record.shape[1] for record in records)
        batch = records[0].new_zeros(
            (len(records), clips, persons, frames, joints, fields))
        for sample, record in zip(batch, records):
            sample[:, :record.shape[1]] = record
        # (N, clips, T, M, V, 6) -> one row of persons per drawn frame.
        batch = batch.permute(0, 1, 3, 2, 4, 5).reshape(
            -1, persons, joints, fields)
        height = int(batch[:, 0, 0, 4].max())
        width = int(batch[:, 0, 0, 5].max())
        channels = self.heatmap.spec.num_channels(joints)
        plane = height * width
        heatmaps = _zeros(
            (len(records), clips, channels, frames, height, width), batch)
        clip_index = torch.arange(len(records) * clips, device=batch.device)
        frame_index = torch.arange(frames, device=batch.device)
        frame_offset = (clip_index[:, None] * channels * frames +
                        frame_index[None]).reshape(-1) * plane
        render_records(batch, heatmaps.view(-1), frame_offset,
                       frames * plane, width, self.heatmap.spec)
        return list(heatmaps)

    def preprocess(self,
                   inputs: List[torch.Tensor],
                   data_samples,
                   training: bool = False) -> tuple:
        """Draw (when on device), then stack and normalise as the base."""
        if self.draws:
            inputs = self.draw(inputs)
        return super().preprocess(inputs, data_samples, training)

    def forward(self, data: Dict, training: bool = False) -> Dict:
        """Move to device, draw the pose modality, normalise every modality.

        Args:
            data (dict): ``inputs`` and ``data_samples`` from the dataloader.
            training (bool): Enables batch augmentation. Defaults to False.

        Returns:
            dict: ``inputs`` as the model takes them, ``data_samples``.
        """
        if self.modalities is None:
            return super().forward(data, training)
        data = self.cast_data(data)
        if self.draws:
            data['inputs'][POSE_KEY] = self.draw(data['inputs'][POSE_KEY])
        return self.modalities(data, training)
