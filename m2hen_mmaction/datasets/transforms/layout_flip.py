"""``LayoutFlip``: MMAction2's ``Flip`` with keypoint pairs from a layout."""
from typing import Dict, Optional

from mmaction.datasets.transforms import Flip
from mmaction.registry import TRANSFORMS
from ...skeleton import get_layout


@TRANSFORMS.register_module()
class LayoutFlip(Flip):
    """``Flip`` whose ``left_kp``/``right_kp`` are a joint layout's flip pairs.

    Arguments are those of :class:`mmaction.datasets.transforms.Flip`, with
    ``layout`` in place of the two index lists (137-joint lists written out
    in every config are error-prone, and slow down mmengine's config dump).

    Required Keys: as ``Flip``; ``layout`` when the transform has none
    (``MicroGesturePoseDataset(layout=...)`` adds it to every sample).

    Args:
        layout (str, optional): Joint layout, e.g. ``'openpose137'``. None:
            the sample's ``layout``, so that a config names it once, in its
            datasets. Defaults to None.
        flip_ratio (float): Probability of flipping. Defaults to 0.5.
        direction (str): ``'horizontal'`` or ``'vertical'``.
        flip_label_map (dict, optional): Label changes under flipping.
        lazy (bool): Lazy operation, as in ``Flip``.
    """

    def __init__(self,
                 layout: Optional[str] = None,
                 flip_ratio: float = 0.5,
                 direction: str = 'horizontal',
                 flip_label_map: Optional[dict] = None,
                 lazy: bool = False) -> None:
        super().__init__(
            flip_ratio=flip_ratio,
            direction=direction,
            flip_label_map=flip_label_map,
            lazy=lazy)
        self.layout = None if layout is None else get_layout(layout).name

    def transform(self, results: Dict) -> Dict:
        """Flip as ``Flip`` does, swapping the layout's left/right joints.

        Args:
            results (dict): The sample.

        Returns:
            dict: ``results``, flipped with probability ``flip_ratio``.
        """
        layout = self.layout or results.get('layout')
        if layout is None and 'keypoint' in results:
            raise ValueError(
                f'sample {results.get("frame_dir", "")!r}: LayoutFlip has no '
                'layout to flip the keypoints with; set layout= on the '
                'dataset (MicroGesturePoseDataset) or on LayoutFlip.')
        if layout is not None:
            joint_layout = get_layout(layout)
            self.left_kp = list(joint_layout.left_joints)
            self.right_kp = list(joint_layout.right_joints)
        return super().transform(results)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(layout={self.layout!r}, '
                f'flip_ratio={self.flip_ratio}, direction={self.direction})')
