"""FLOPs of a trained run's model, by mmengine's complexity analysis.

:func:`model_gflops` builds the config's model and one validation sample
(one clip, or one view of a 2D model's segments, as the val pipeline makes
it), and counts the scores' FLOPs from input to class scores (backbone and
head) with :func:`mmengine.analysis.get_model_complexity_info`, which counts
one multiply-add as one FLOP (fvcore's convention, as MMAction2's
``tools/analysis_tools/get_flops.py`` reports them).
"""
import logging
import warnings
from typing import Dict, Union

import torch
from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger

from mmaction.registry import DATASETS, MODELS


class ClassScores(torch.nn.Module):
    """A recognizer as ``inputs -> class scores`` (what a test step runs
    per clip), for the tracer.

    Args:
        recognizer (torch.nn.Module): An MMAction2 recognizer.
    """

    def __init__(self, recognizer: torch.nn.Module) -> None:
        super().__init__()
        self.recognizer = recognizer

    def forward(self, inputs: Union[torch.Tensor, Dict[str, torch.Tensor]]
                ) -> tuple:
        scores, _ = self.recognizer.extract_feat(inputs, stage='head')
        # RGB+pose heads return a dict of score streams.
        if isinstance(scores, dict):
            return tuple(scores.values())
        return scores if isinstance(scores, tuple) else (scores, )


def model_gflops(cfg: Config) -> float:
    """GFLOPs (multiply-adds) of the model on one validation sample.

    Args:
        cfg (Config): A resolved run config (its val data must exist).

    Returns:
        float: FLOPs / 1e9 from input to class scores, batch of one.
    """
    model = MODELS.build(cfg.model).eval()
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    logger = MMLogger.get_current_instance()
    level = logger.level
    # The analysis logs every operator it does not count (BatchNorm,
    # element-wise ops) and every module the head path leaves uncalled.
    logger.setLevel(logging.ERROR)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter('ignore', torch.jit.TracerWarning)
            data = model.data_preprocessor(
                pseudo_collate([dataset[0]]), False)
            analysis = get_model_complexity_info(
                ClassScores(model), inputs=(data['inputs'], ),
                show_table=False, show_arch=False)
    finally:
        logger.setLevel(level)
    return round(analysis['flops'] / 1e9, 4)
