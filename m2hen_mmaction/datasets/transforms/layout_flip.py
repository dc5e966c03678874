"""``LayoutFlip``: MMAction2's ``Flip`` with keypoint pairs from a layout."""
from typing import Optional

from mmaction.datasets.transforms import Flip
from mmaction.registry import TRANSFORMS
from ...skeleton import get_layout


@TRANSFORMS.register_module()
class LayoutFlip(Flip):
    """``Flip`` whose ``left_kp``/``right_kp`` are a joint layout's flip pairs.

    Arguments are those of :class:`mmaction.datasets.transforms.Flip`, with
    ``layout`` in place of the two index lists (137-joint lists written out
    in every config are error-prone, and slow down mmengine's config dump).

    Args:
        layout (str): Joint layout, e.g. ``'openpose137'``.
        flip_ratio (float): Probability of flipping. Defaults to 0.5.
        direction (str): ``'horizontal'`` or ``'vertical'``.
        flip_label_map (dict, optional): Label changes under flipping.
        lazy (bool): Lazy operation, as in ``Flip``.
    """

    def __init__(self,
                 layout: str,
                 flip_ratio: float = 0.5,
                 direction: str = 'horizontal',
                 flip_label_map: Optional[dict] = None,
                 lazy: bool = False) -> None:
        joint_layout = get_layout(layout)
        super().__init__(
            flip_ratio=flip_ratio,
            direction=direction,
            flip_label_map=flip_label_map,
            left_kp=list(joint_layout.left_joints),
            right_kp=list(joint_layout.right_joints),
            lazy=lazy)
        self.layout = joint_layout.name

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout!r}, '
                f'flip_ratio={self.flip_ratio}, direction={self.direction})')
