"""``MicroGesturePoseDataset``: MMAction2's ``PoseDataset`` that checks its
annotations before training starts and names the sample when one is bad."""
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.logging import print_log

from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS
from ..errors import MissingDataError
from ..skeleton import check_num_joints
from .data_check import missing_data

NAN_POLICIES = ('zero_score', 'error')


def read_classes_file(ann_file: str) -> Optional[List[str]]:
    """Class names from ``classes.txt`` beside ``ann_file`` (None if absent).

    Each line is a class name, optionally prefixed by its index
    (``'3 touch face'``); lines starting with ``#`` are comments.
    """
    path = osp.join(osp.dirname(ann_file), 'classes.txt')
    if not osp.isfile(path):
        return None
    names = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            head, _, rest = line.partition(' ')
            names.append(rest.strip() if head.isdigit() and rest else line)
    return names


@DATASETS.register_module()
class MicroGesturePoseDataset(PoseDataset):
    """PoseDataset with input checks and class names from ``classes.txt``.

    Arguments are those of :class:`mmaction.datasets.PoseDataset`, plus:

    Args:
        layout (str, optional): Joint layout the keypoints must follow (e.g.
            ``'openpose137'``). None skips the joint-count check.
        num_classes (int, optional): As in ``BaseActionDataset``; labels must
            lie in ``[0, num_classes)``. Defaults to the number of names in
            ``classes.txt`` beside ``ann_file`` when that file exists.
        nan_policy (str): ``'zero_score'`` (default) turns NaN/inf joints into
            missing joints (x = y = 0, score 0, as OpenPose writes them);
            ``'error'`` raises instead.
        check_videos (bool): With ``data_prefix=dict(video=...)``, check that
            every sample's ``<frame_dir>.mp4`` exists. Defaults to True.

    Annotations without ``keypoint_score`` get score 1 for every joint whose
    coordinates are not (0, 0) and 0 otherwise (logged once).
    """

    def __init__(self, ann_file: str, *args, layout: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 nan_policy: str = 'zero_score', check_videos: bool = True,
                 **kwargs) -> None:
        if nan_policy not in NAN_POLICIES:
            raise ValueError(f'nan_policy must be one of {NAN_POLICIES}, '
                             f'got {nan_policy!r}')
        message = missing_data(osp.join(kwargs.get('data_root') or '',
                                        ann_file))
        if message:
            raise MissingDataError(message)
        self.layout = layout
        self.nan_policy = nan_policy
        self.check_videos = check_videos
        self.class_names = read_classes_file(ann_file)
        if num_classes is None and self.class_names is not None:
            num_classes = len(self.class_names)
        metainfo = dict(kwargs.pop('metainfo', None) or {})
        if self.class_names is not None:
            metainfo.setdefault('classes', tuple(self.class_names))
        super().__init__(ann_file, *args, metainfo=metainfo,
                         num_classes=num_classes, **kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = super().load_data_list()
        if not data_list:
            raise ValueError(
                f'Split {self.split!r} of {self.ann_file} has no samples. '
                "Check the pkl's split dict or the dataset's split= argument.")
        filled_scores = 0
        for sample in data_list:
            filled_scores += self._check_sample(sample)
        if filled_scores:
            print_log(
                f'{filled_scores} samples of {self.ann_file} have no '
                'keypoint_score; using 1 for present joints, 0 for (0, 0).',
                logger='current')
        return data_list

    def _check_sample(self, sample: dict) -> bool:
        """Validate (and repair where documented) one sample in place.

        Returns:
            bool: True if a missing ``keypoint_score`` was filled in.
        """
        name = sample.get('frame_dir', sample.get('filename', '?'))
        label = int(sample['label'])
        if self.num_classes is not None and not 0 <= label < self.num_classes:
            raise ValueError(
                f'Sample {name!r}: label {label} is outside [0, '
                f'{self.num_classes}). Fix the annotation or classes.txt / '
                'num_classes.')
        keypoint = sample['keypoint']
        if keypoint.ndim != 4 or keypoint.shape[-1] != 2:
            raise ValueError(
                f'Sample {name!r}: keypoint must be (M, T, V, 2), got '
                f'{keypoint.shape}.')
        if self.layout is not None:
            check_num_joints(keypoint.shape[2], self.layout, sample=name)
        filled = 'keypoint_score' not in sample
        if filled:
            present = np.any(keypoint != 0, axis=-1)
            sample['keypoint_score'] = present.astype(np.float32)
        self._handle_non_finite(sample, name)
        if self.check_videos and 'video' in self.data_prefix:
            video = sample.get('filename', sample['frame_dir'] + '.mp4')
            if not osp.isfile(video):
                raise FileNotFoundError(
                    f'Sample {name!r}: video {video} is missing. Build or '
                    'copy the videos there, fix data_prefix.video, or use a '
                    'pose-only config.')
        return filled

    def _handle_non_finite(self, sample: dict, name: str) -> None:
        keypoint, score = sample['keypoint'], sample['keypoint_score']
        bad = ~np.isfinite(keypoint).all(axis=-1) | ~np.isfinite(score)
        if not bad.any():
            return
        if self.nan_policy == 'error':
            raise ValueError(
                f'Sample {name!r}: {int(bad.sum())} joints have NaN/inf '
                "coordinates or scores. Clean them or use nan_policy="
                "'zero_score'.")
        keypoint[bad] = 0
        score[bad] = 0

    def prepare_data(self, idx: int):
        """Run the pipeline; errors name the sample that caused them."""
        try:
            return super().prepare_data(idx)
        except Exception as error:
            sample = self.get_data_info(idx)
            name = sample.get('frame_dir', sample.get('filename', idx))
            raise RuntimeError(
                f'Sample {name!r} failed in the data pipeline: '
                f'{type(error).__name__}: {error}. If it is a video, check '
                'that the file decodes (e.g. ffprobe) or re-create it.'
            ) from error
