"""MMAction2's ``RGBPoseHead`` with the batch-size fix of ``compat.py``."""
from mmaction.models.heads.rgbpose_head import RGBPoseHead
from mmaction.registry import MODELS

from ...compat import BatchSafeRGBPoseLoss


@MODELS.register_module()
class PatchedRGBPoseHead(BatchSafeRGBPoseLoss, RGBPoseHead):
    """``RGBPoseHead`` (same arguments, outputs and checkpoints) whose loss
    also works when a batch has as many samples as there are classes.

    Our PoseC3D RGB+pose configs use it so MMAction2's own ``RGBPoseHead``
    stays unpatched; see :class:`~m2hen_mmaction.compat.BatchSafeRGBPoseLoss`.
    """
