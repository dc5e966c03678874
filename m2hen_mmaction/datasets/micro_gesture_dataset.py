"""``MicroGesturePoseDataset``: MMAction2's ``PoseDataset`` that reads its
pickle without running code and checks every annotation before training
starts (:mod:`m2hen_mmaction.datasets.annotations`), naming each bad
sample."""
import os.path as osp
from typing import List, Optional

from mmaction.datasets import PoseDataset
from mmaction.registry import DATASETS
from ..errors import MissingDataError
from .annotations import AnnotationRules, load_split

# MMAction2's video openers and decoders (DecordInit, MMDecode, PyAVDecode,
# ...): a sample failing in one of them most likely has a broken video.
VIDEO_READERS = ('Init', 'Decode')


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
            ``'openpose137'``). Each sample carries it as ``layout`` (as
            MMAction2's datasets add ``modality``), so ``LayoutFlip`` and
            ``GeneratePoseHeatmap`` without their own ``layout=`` use it:
            a config names the layout once, in its datasets. None skips the
            joint-count check and adds nothing.
        num_classes (int, optional): As in ``BaseActionDataset``; labels must
            lie in ``[0, num_classes)``. Defaults to the number of names in
            ``classes.txt`` beside ``ann_file`` when that file exists.
        nan_policy (str): ``'zero_score'`` (default) turns NaN/inf joints into
            missing joints (x = y = 0, score 0, as OpenPose writes them);
            ``'error'`` raises instead.
        check_videos (bool): With ``data_prefix=dict(video=...)``, check that
            every sample's ``<frame_dir>.mp4`` exists. Defaults to True.

    Annotations are checked and repaired by
    :func:`~m2hen_mmaction.datasets.annotations.load_split` (its doc lists
    the checks and the logged fallbacks, e.g. a missing ``keypoint_score``
    becomes 1 for every joint not at (0, 0)).
    """

    def __init__(self, ann_file: str, *args, layout: Optional[str] = None,
                 num_classes: Optional[int] = None,
                 nan_policy: str = 'zero_score', check_videos: bool = True,
                 **kwargs) -> None:
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

    def get_cat_ids(self, idx: int) -> List[int]:
        """The sample's label as a list, for mmengine's
        ``ClassBalancedDataset`` (repeat-factor sampling of rare classes)."""
        return [int(self.get_data_info(idx)['label'])]

    def load_data_list(self) -> List[dict]:
        """The split's annotations, read safely and checked by
        :func:`~m2hen_mmaction.datasets.annotations.load_split`; with
        ``data_prefix=dict(video=...)`` ids become video paths (as in
        ``PoseDataset``) and each video must exist."""
        rules = AnnotationRules(self.num_classes, self.layout,
                                self.nan_policy, training=not self.test_mode)
        data_list = load_split(self.ann_file, self.split, rules)
        video_dir = self.data_prefix.get('video')
        if video_dir is None:
            return data_list
        for item in data_list:
            for key in ('filename', 'frame_dir'):
                if key in item:
                    item[key] = osp.join(video_dir, item[key])
            # Where MMAction2's video readers (DecordInit, as TSN/TSM read
            # clips; MMDecode falls back to the same path) find the clip.
            item.setdefault('filename', item['frame_dir'] + '.mp4')
            if self.check_videos:
                self._check_video(item)
        return data_list

    def get_data_info(self, idx: int) -> dict:
        """The sample's annotation, with ``layout`` when the dataset has
        one (read by the layout-aware transforms)."""
        data_info = super().get_data_info(idx)
        if self.layout is not None:
            data_info['layout'] = self.layout
        return data_info

    @staticmethod
    def _check_video(item: dict) -> None:
        video = item['filename']
        if not osp.isfile(video):
            raise MissingDataError(
                f'Sample {item["frame_dir"]!r}: video {video} is missing. '
                'Build or copy the videos there, fix data_prefix.video, or '
                'use a pose-only config.')

    def prepare_data(self, idx: int):
        """Run the pipeline; errors name the sample, the transform that
        raised and, where a decoder raised, the sample's video."""
        try:
            return super().prepare_data(idx)
        except Exception as error:
            sample = self.get_data_info(idx)
            name = sample.get('frame_dir', sample.get('filename', idx))
            reason = str(error).strip().splitlines()[:1] or ['no message']
            transform = self._raising_transform(error)
            step = type(transform).__name__ if transform else 'the pipeline'
            fix = f"check {step}'s settings or the sample's annotation"
            if 'video' in self.data_prefix and step.endswith(VIDEO_READERS):
                video = sample.get('filename', f'{name}.mp4')
                fix = (f'check that its video {video} decodes '
                       f'(`ffprobe {video}`) or re-create it')
            raise RuntimeError(
                f'Sample {name!r} failed in {step} '
                f'({type(error).__name__}: {reason[0]}): {fix}.') from error

    def _raising_transform(self, error: Exception):
        """The pipeline's transform whose call raised ``error`` (the
        outermost, for wrappers), or None."""
        transforms = {id(t): t for t in self.pipeline.transforms}
        trace = error.__traceback__
        while trace is not None:
            owner = trace.tb_frame.f_locals.get('self')
            if id(owner) in transforms:
                return owner
            trace = trace.tb_next
        return None
