"""``m2hen show``: draw one sample's skeletons over its video, to look at.

Reads a PoseDataset pickle, picks the sample ``frame_dir``, infers its joint
layout from the joint count (137 ``openpose137``, 22 ``openpose22``, 17
``coco17``) and draws every frame with :func:`m2hen_mmaction.skeleton.draw.
draw_skeletons` over the video's frames (``video=``) or a dark canvas of the
sample's ``img_shape``. ``.mp4`` output holds every frame of the sample;
``.png`` output one frame (``frame=``, default the middle one).

Small clips are upscaled by an integer factor (default: enough for a short
side of at least :data:`AUTO_SHORT_SIDE` pixels) so the 70 face points stay
apart. Keypoints are in ``img_shape`` pixels; a video of another size gets
them rescaled. A video with another frame count than the sample (e.g.
skeletons extracted with a stride) is sampled at the nearest frames.

Bad input (missing pickle or sample, a joint count matching no layout, an
unreadable video, a frame out of range, an unknown output type) raises
:class:`~m2hen_mmaction.errors.InputError` naming the file and the fix
before anything is drawn; ``m2hen`` prints it as one line.
"""
import os
import os.path as osp
from typing import Iterator, List, Optional, Tuple

import cv2
import numpy as np

from m2hen_mmaction.datasets.annotations import read_annotations
from m2hen_mmaction.errors import InputError
from m2hen_mmaction.skeleton.draw import draw_skeletons
from m2hen_mmaction.skeleton.layouts import LAYOUT_NAMES, get_layout
from .video import open_video

AUTO_SHORT_SIDE = 480
CANVAS_COLOR = (32, 32, 32)  # BGR
DEFAULT_FPS = 25.0
OUTPUT_TYPES = ('.mp4', '.png')
LAYOUT_BY_JOINTS = {get_layout(name).num_joints: name for name in LAYOUT_NAMES}


def load_sample(pkl: str, frame_dir: str) -> dict:
    """The annotation called ``frame_dir`` in a PoseDataset pickle."""
    if not osp.isfile(pkl):
        raise InputError(f'{pkl} does not exist; give a PoseDataset '
                             'pickle (e.g. data/migsynth/migsynth.pkl).')
    annotations = read_annotations(pkl)
    for annotation in annotations:
        if annotation['frame_dir'] == frame_dir:
            return annotation
    names = ', '.join(a['frame_dir'] for a in annotations[:5])
    raise InputError(
        f'no sample {frame_dir!r} in {pkl}; pick one of its '
        f'{len(annotations)} samples, e.g. {names}')


def layout_of(annotation: dict, pkl: str) -> str:
    """The joint layout whose joint count matches the sample's keypoints."""
    num_joints = annotation['keypoint'].shape[2]
    if num_joints not in LAYOUT_BY_JOINTS:
        known = ', '.join(f'{n} ({name})'
                          for n, name in LAYOUT_BY_JOINTS.items())
        raise InputError(
            f'sample {annotation["frame_dir"]!r} of {pkl} has {num_joints} '
            f'joints, which matches no layout; convert it to one of: {known}.')
    return LAYOUT_BY_JOINTS[num_joints]


def output_type(out: str, frame: Optional[int]) -> str:
    """``.mp4`` or ``.png``, from the output path."""
    kind = osp.splitext(out)[1].lower()
    if kind not in OUTPUT_TYPES:
        raise InputError(f'cannot write {out}: name an output ending in '
                             f'{" or ".join(OUTPUT_TYPES)}.')
    if kind == '.mp4' and frame is not None:
        raise InputError('--frame picks the frame of a .png output; '
                             f'{out} holds every frame, drop --frame.')
    return kind


def frame_indices(annotation: dict, frame: Optional[int],
                  kind: str) -> List[int]:
    """The sample's frames to draw: all, or the one PNG frame."""
    num_frames = annotation['keypoint'].shape[1]
    name = annotation['frame_dir']
    if num_frames == 0:
        raise InputError(f'sample {name!r} has no frames; pick another.')
    if kind == '.mp4':
        return list(range(num_frames))
    index = num_frames // 2 if frame is None else frame
    if not 0 <= index < num_frames:
        raise InputError(f'--frame {frame} is out of range: sample '
                             f'{name!r} has frames 0-{num_frames - 1}.')
    return [index]


def auto_scale(size: Tuple[int, int]) -> int:
    """Integer upscaling so the short side of ``size`` reaches the target."""
    return max(1, -(-AUTO_SHORT_SIDE // min(size)))


def backgrounds(annotation: dict, reader, indices: List[int]
                ) -> Iterator[np.ndarray]:
    """BGR frames to draw on: the video's nearest frames, or a canvas."""
    if reader is None:
        height, width = annotation['img_shape'][:2]
        for _ in indices:
            yield np.full((height, width, 3), CANVAS_COLOR, np.uint8)
        return
    num_frames = annotation['keypoint'].shape[1]
    for t in indices:
        index = min(len(reader) - 1, round(t * len(reader) / num_frames))
        yield cv2.cvtColor(reader[index].asnumpy(), cv2.COLOR_RGB2BGR)


def drawn_frames(annotation: dict, layout: str, reader, indices: List[int],
                 scale: int, min_score: float) -> Iterator[np.ndarray]:
    """Upscaled background frames with the sample's skeletons drawn."""
    height, width = annotation['img_shape'][:2]
    for t, image in zip(indices, backgrounds(annotation, reader, indices)):
        size = (image.shape[1] * scale, image.shape[0] * scale)
        image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
        factor = np.array([size[0] / width, size[1] / height])
        # pixel centres: x = 0 is the first pixel's centre at either size
        keypoint = (annotation['keypoint'][:, t] + 0.5) * factor - 0.5
        yield draw_skeletons(image, keypoint,
                             annotation['keypoint_score'][:, t], layout,
                             min_score)


def write_mp4(path: str, frames: Iterator[np.ndarray], fps: float) -> int:
    """Write BGR frames to an mp4 (codec mp4v); return how many."""
    writer, count = None, 0
    try:
        for frame in frames:
            if writer is None:
                writer = cv2.VideoWriter(
                    path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                    (frame.shape[1], frame.shape[0]))
                if not writer.isOpened():
                    raise InputError(f'OpenCV cannot write {path}; check '
                                         'the folder is writable.')
            writer.write(frame)
            count += 1
    finally:
        if writer is not None:
            writer.release()
    return count


def show(pkl: str, frame_dir: str, out: str, video: Optional[str] = None,
         frame: Optional[int] = None, scale: Optional[int] = None,
         min_score: float = 0.0) -> str:
    """Draw sample ``frame_dir`` of ``pkl`` to ``out`` (.mp4 or .png).

    Args:
        pkl (str): A PoseDataset pickle.
        frame_dir (str): The sample to draw.
        out (str): ``.mp4`` (every frame) or ``.png`` (one frame).
        video (str, optional): Draw over this video; else a dark canvas of
            the sample's ``img_shape``.
        frame (int, optional): The frame of a PNG; default the middle one.
        scale (int, optional): Integer upscaling (>= 1); default
            :func:`auto_scale`.
        min_score (float): Joints scoring ``<= min_score`` are not drawn.

    Returns:
        str: A one-line summary of what was written.
    """
    kind = output_type(out, frame)
    annotation = load_sample(pkl, frame_dir)
    layout = layout_of(annotation, pkl)
    indices = frame_indices(annotation, frame, kind)
    reader = open_video(video) if video else None
    size = (reader[0].shape[:2] if reader is not None else
            annotation['img_shape'][:2])
    scale = scale or auto_scale(size)
    frames = drawn_frames(annotation, layout, reader, indices, scale,
                          min_score)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    if kind == '.png':
        if not cv2.imwrite(out, next(frames)):
            raise InputError(f'OpenCV cannot write {out}; check the '
                                 'folder is writable.')
        what = f'frame {indices[0]}'
    else:
        fps = reader.get_avg_fps() if reader is not None else DEFAULT_FPS
        what = f'{write_mp4(out, frames, fps)} frames'
    return (f'{out}: {what} of {frame_dir} ({layout}, '
            f'{annotation["keypoint"].shape[0]} person(s), x{scale})')
