"""``m2hen predict``: top-k micro-gesture classes of one video.

Skeletons come from MediaPipe (``m2hen extract``, the ``[extract]`` extra) or
from a PoseDataset pickle you already have (``skeletons=``); the config's
own test pipeline turns them (and the video, for RGB+pose configs) into model
inputs, so pose-only, RGB+pose and EHCT configs all work. Inputs are checked
first: an unreadable video, a checkpoint of another model or a video without
a person is one :class:`~m2hen_mmaction.errors.InputError` line.
"""
import os.path as osp
import tempfile
from typing import List, Optional, Sequence, Tuple

import mmengine
import numpy as np
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.logging import MMLogger

from mmaction.apis import inference_recognizer, init_recognizer
from ..datasets.annotations import read_annotations
from ..datasets.micro_gesture_dataset import read_classes_file
from ..errors import InputError, MissingDataError
from .checkpoints import load_matching_checkpoint
from .video import open_video

Prediction = Tuple[str, float]


def video_skeletons(video: str) -> dict:
    """Extract one video's skeletons with MediaPipe Holistic (openpose137).

    Raises:
        InputError: MediaPipe found no person in any frame.
    """
    from ..data.common import ConversionError
    from ..data.extraction.extract import extract_skeletons
    with tempfile.TemporaryDirectory() as folder:
        out_pkl = osp.join(folder, 'skeletons.pkl')
        video_dir = osp.join(folder, 'video')
        mmengine.mkdir_or_exist(video_dir)
        mmengine.symlink(osp.abspath(video),
                         osp.join(video_dir, osp.basename(video)))
        try:
            extract_skeletons(video_dir, out_pkl, progress=False)
        except ConversionError as error:
            problems = '; '.join(str(p) for p in error.report.errors)
            raise InputError(f'No skeletons from {video}: {problems}'
                             ) from None
        return read_annotations(out_pkl)[0]


def load_skeletons(path: str, sample: Optional[str] = None) -> dict:
    """One annotation of a PoseDataset pickle (the first, or ``sample``)."""
    if not osp.isfile(path):
        raise MissingDataError(f'Skeleton file {path} does not exist.')
    annotations = read_annotations(path)
    if sample is None:
        return annotations[0]
    for annotation in annotations:
        if annotation['frame_dir'] == sample:
            return annotation
    names = ', '.join(a['frame_dir'] for a in annotations[:3])
    raise InputError(f'No sample {sample!r} in {path} (it has {names}, ...); '
                     'pass one of its frame_dir names with --sample.')


def check_person(skeletons: dict, video: str) -> None:
    """Raise :class:`InputError` if no joint is detected in any frame."""
    scores = np.asarray(skeletons.get('keypoint_score', []))
    if scores.size == 0 or not (scores > 0).any():
        raise InputError(
            f'No person detected in {video}: every joint of every frame is '
            'missing, so there is nothing to classify. Use a video that '
            'shows the person (upper body and hands in view).')


def class_names(checkpoint_meta: dict, ann_files: Sequence[str],
                num_classes: int) -> List[str]:
    """Names from the checkpoint's dataset meta, else from the first
    ``classes.txt`` beside one of ``ann_files`` that names ``num_classes``
    classes, else the class indices."""
    candidates = [(checkpoint_meta.get('dataset_meta') or {}).get('classes')]
    candidates += [read_classes_file(path) for path in ann_files]
    return next((list(names) for names in candidates
                 if names is not None and len(names) == num_classes),
                [str(k) for k in range(num_classes)])


def predict(video: str, config: str, checkpoint: str,
            skeletons: Optional[dict] = None, topk: int = 5,
            device: str = 'cpu',
            classes_from: Sequence[str] = ()) -> List[Prediction]:
    """Top-``topk`` (class name, score) pairs for one video.

    Args:
        video (str): The video (read by RGB configs; its skeletons are
            extracted unless ``skeletons`` is given).
        config (str): A test config of any model family.
        checkpoint (str): Weights for it (safe loader; must fit the model).
        skeletons (dict, optional): A PoseDataset annotation of the video
            (keypoint (M, T, V, 2), keypoint_score (M, T, V), img_shape,
            total_frames).
        topk (int): How many classes to return (>= 1).
        device (str): Where the model runs.
        classes_from (Sequence[str]): Annotation files whose
            ``classes.txt`` may name the classes (after the checkpoint's
            dataset meta, before the config's ``ann_file``).

    Raises:
        InputError: Bad video, config, checkpoint or skeletons (one line).
    """
    if topk < 1:
        raise InputError(f'topk must be >= 1, got {topk}.')
    for path, what in ((config, 'Config'), (checkpoint, 'Checkpoint')):
        if not osp.isfile(path):
            raise MissingDataError(f'{what} {path} does not exist.')
    open_video(video)
    # Only errors from mmengine's logger: the output is the prediction.
    MMLogger.get_instance('m2hen_predict', log_level='ERROR')
    cfg = Config.fromfile(config)
    model = init_recognizer(cfg, device='cpu')
    meta = load_matching_checkpoint(model, checkpoint, config)
    sample = dict(skeletons if skeletons is not None else
                  video_skeletons(video))
    check_person(sample, video)
    sample.update(filename=osp.abspath(video), modality='Pose',
                  start_index=0, label=-1)
    layout = cfg.test_dataloader.dataset.get('layout')
    if layout is not None:  # as the config's dataset adds it to its samples
        sample['layout'] = layout
    sample.setdefault('original_shape', sample['img_shape'])
    result = inference_recognizer(
        model.to(device), sample,
        Compose(cfg.test_dataloader.dataset.pipeline))
    scores = result.pred_scores.item.float().cpu()
    names = class_names(
        meta, [*classes_from, cfg.test_dataloader.dataset.ann_file],
        scores.numel())
    values, indices = scores.topk(min(topk, scores.numel()))
    return [(names[i], float(v)) for v, i in zip(values, indices)]


def format_predictions(predictions: Sequence[Prediction]) -> str:
    return '\n'.join(f'{rank}. {name}: {score:.3f}'
                     for rank, (name, score) in enumerate(predictions, 1))


def predictions_json(predictions: Sequence[Prediction], **context) -> dict:
    """What ``m2hen predict --out`` writes: the inputs and ranked classes."""
    return dict(context, predictions=[
        dict(rank=rank, label=name, score=score)
        for rank, (name, score) in enumerate(predictions, 1)
    ])
