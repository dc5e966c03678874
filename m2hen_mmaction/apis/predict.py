"""``m2hen predict``: top-k micro-gesture classes of one video.

Skeletons come from MediaPipe (``m2hen extract``, the ``[extract]`` extra) or
from a PoseDataset pickle you already have (``skeletons=``); the config's
own test pipeline turns them (and the video, for RGB+pose configs) into model
inputs, so pose-only, RGB+pose and EHCT configs all work.
"""
import os.path as osp
import tempfile
from typing import List, Optional, Sequence, Tuple

import mmengine
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmaction.registry import MODELS
from ..datasets.micro_gesture_dataset import read_classes_file


def video_skeletons(video: str) -> dict:
    """Extract one video's skeletons with MediaPipe Holistic (openpose137)."""
    from m2hen_mmaction.data.extraction.extract import extract_skeletons
    with tempfile.TemporaryDirectory() as folder:
        out_pkl = osp.join(folder, 'skeletons.pkl')
        video_dir = osp.join(folder, 'video')
        mmengine.mkdir_or_exist(video_dir)
        target = osp.join(video_dir, osp.basename(video))
        mmengine.symlink(osp.abspath(video), target)
        report = extract_skeletons(video_dir, out_pkl, progress=False)
        if not osp.isfile(out_pkl):
            raise RuntimeError(
                f'No skeletons from {video}:\n{report.format()}')
        return mmengine.load(out_pkl)['annotations'][0]


def load_skeletons(path: str, sample: Optional[str] = None) -> dict:
    """One annotation of a PoseDataset pickle (the first, or ``sample``)."""
    annotations = mmengine.load(path)['annotations']
    if sample is None:
        return annotations[0]
    for annotation in annotations:
        if annotation['frame_dir'] == sample:
            return annotation
    raise KeyError(f'No sample {sample!r} in {path}')


def class_names(cfg: Config, checkpoint_meta: dict,
                num_classes: int) -> List[str]:
    """Names from the checkpoint's dataset meta, else ``classes.txt`` beside
    the config's annotation file, else the class indices."""
    names = (checkpoint_meta or {}).get('dataset_meta', {}).get('classes')
    if names is None:
        names = read_classes_file(cfg.test_dataloader.dataset.ann_file)
    if names is None or len(names) != num_classes:
        names = [str(k) for k in range(num_classes)]
    return list(names)


def predict(video: str, config: str, checkpoint: str,
            skeletons: Optional[dict] = None, topk: int = 5,
            device: str = 'cpu') -> List[Tuple[str, float]]:
    """Top-``topk`` (class name, score) pairs for one video.

    Args:
        video (str): The video (read by RGB configs; its skeletons are
            extracted unless ``skeletons`` is given).
        config (str): A test config of any model family.
        checkpoint (str): Weights for it (loaded with the safe loader).
        skeletons (dict, optional): A PoseDataset annotation of the video
            (keypoint (M, T, V, 2), keypoint_score, img_shape, total_frames).
        topk (int): How many classes to return.
        device (str): Where the model runs.
    """
    if not osp.isfile(video):
        raise FileNotFoundError(f'Video {video} does not exist.')
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    sample = dict(skeletons if skeletons is not None else
                  video_skeletons(video))
    sample.update(filename=osp.abspath(video), modality='Pose',
                  start_index=0, label=-1)
    sample.setdefault('original_shape', sample['img_shape'])
    data = Compose(cfg.test_dataloader.dataset.pipeline)(sample)
    model = MODELS.build(cfg.model)
    meta = load_checkpoint(model, checkpoint, map_location='cpu',
                           logger='silent').get('meta', {})
    model.to(device).eval()
    with torch.no_grad():
        result = model.test_step(pseudo_collate([data]))[0]
    scores = result.pred_scores.item.float().cpu()
    names = class_names(cfg, meta, scores.numel())
    values, indices = scores.topk(min(topk, scores.numel()))
    return [(names[i], float(v)) for v, i in zip(values, indices)]


def format_predictions(predictions: Sequence[Tuple[str, float]]) -> str:
    return '\n'.join(f'{rank}. {name}: {score:.3f}'
                     for rank, (name, score) in enumerate(predictions, 1))
