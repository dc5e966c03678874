"""Long videos with segment labels -> clip-level ``openpose137`` samples.

The pipeline behind the MiGA 2025 and OpenPose JSON converters: each long
video (:class:`VideoSource`) gives a skeleton and a ``<id>_label.csv`` of
``label, start_frame, end_frame`` rows (raw label 99 -> class 31, raw k ->
k - 1); every csv row becomes one sample ``<id>_<row:03d>``. With a
``video_dir`` the RGB clips are cut too, and samples whose clip cannot be
cut are left out of the annotations so that RGB+pose training finds every
clip it is given. Splits are by subject
(:mod:`m2hen_mmaction.data.releases.splits`).
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, \
    Tuple, Union

import numpy as np
from tqdm import tqdm

from m2hen_mmaction.data.common import (VIDEO_EXTENSIONS, ConversionReport,
                                        Problem, SampleError, check_skipped,
                                        clip_annotation, count_empty_frames)
from m2hen_mmaction.data.releases.common import (OPENPOSE137_FILE,
                                                 ConvertOptions, Segment,
                                                 read_label_csv,
                                                 split_and_write)
from m2hen_mmaction.data.releases.splits import (check_held_out,
                                                 load_subjects)
from m2hen_mmaction.data.releases.video import cut_segments, find_videos
from m2hen_mmaction.errors import InputError

VIDEOS_SUBDIR = 'videos'


@dataclass(frozen=True)
class VideoSource:
    """A long video's skeleton and labels, read on demand.

    Args:
        video_id (str): Video id, the prefix of its samples' ``frame_dir``.
        load_skeleton (Callable): Returns ``(skeleton, notes)``: float32
            (M, T, V, 3) ``(x, y, c)`` and a list of warning strings. Raises
            :class:`SampleError` on unreadable input.
        label_file (Path | None): The ``<id>_label.csv``; None if missing.
        release_split (str | None): Split given by the release, if any.
    """
    video_id: str
    load_skeleton: Callable[[], Tuple[np.ndarray, List[str]]]
    label_file: Optional[Path]
    release_split: Optional[str] = None


def convert_long_videos(videos: Sequence[VideoSource],
                        out_dir: Union[str, Path],
                        source: str,
                        options: ConvertOptions,
                        video_dir: Union[str, Path, None] = None,
                        frame_base: int = 0) -> ConversionReport:
    """Turn long videos with segment labels into clip-level annotations.

    Args:
        videos (Sequence[VideoSource]): The long videos.
        out_dir (str | Path): Output folder.
        source (str): Name of the input format, for the report.
        options (ConvertOptions): Splits, image size, seed,
            ``max_skipped``, progress.
        video_dir (str | Path | None): Folder of the long RGB videos
            (``<id>.mp4``, symlinked folders followed); if given, clips are
            cut to ``out_dir/videos``.
        frame_base (int): Index of the first frame in the label csv.

    Returns:
        ConversionReport: Files written, summary and every problem met.

    Raises:
        ConversionError: Nothing converted or more than
            ``options.max_skipped`` skipped, checked before the RGB clips
            are cut and again before writing; no dataset is written.
    """
    if frame_base < 0:
        raise InputError(f'frame_base={frame_base}: the label csv counts '
                         'frames from 0 or 1')
    report = ConversionReport(source, Path(out_dir))
    rgb_videos = find_videos(video_dir) if video_dir is not None else None
    subject_of = load_subjects(options.subjects)
    check_held_out(options.val_subjects, options.test_subjects,
                   {subject_of.get(v.video_id, v.video_id) for v in videos})
    annotations, origin = [], {}
    for video in tqdm(videos, desc=f'{source}: skeletons', unit='video',
                      disable=not options.progress):
        for ann, segment in _video_annotations(video, options.img_shape,
                                               frame_base, report):
            annotations.append(ann)
            origin[ann['frame_dir']] = (video, segment)
    if rgb_videos is not None:
        check_skipped(report, len(annotations), options.max_skipped)
        annotations = _attach_rgb(annotations, origin, rgb_videos,
                                  options.img_shape, report,
                                  options.progress)
    video_of = {ann['frame_dir']: origin[ann['frame_dir']][0]
                for ann in annotations}
    groups = {sample: subject_of.get(video.video_id, video.video_id)
              for sample, video in video_of.items()}
    release = {sample: video.release_split
               for sample, video in video_of.items()}
    return split_and_write(report, annotations, groups, release,
                           OPENPOSE137_FILE, options)


def _video_annotations(video: VideoSource, img_shape, frame_base: int,
                       report: ConversionReport
                       ) -> Iterator[Tuple[dict, Segment]]:
    """Yield ``(annotation, segment)`` for each good segment of a video."""
    if video.label_file is None:
        report.errors.append(Problem(video.video_id, (
            f'no {video.video_id}_label.csv found for it; add the label '
            'file or remove the video')))
        return
    try:
        skeleton, notes = video.load_skeleton()
        segments, row_problems = read_label_csv(video.label_file, frame_base)
    except SampleError as err:
        report.errors.append(Problem(video.video_id, str(err)))
        return
    report.warnings += [Problem(video.video_id, note) for note in notes]
    report.errors += row_problems
    num_frames = skeleton.shape[1]
    for row, segment in segments:
        frame_dir = f'{video.video_id}_{row:03d}'
        try:
            if segment.end >= num_frames:
                raise SampleError(
                    f'segment {segment.start}-{segment.end} ends past the '
                    f'skeleton\'s last frame ({num_frames - 1}); check the '
                    'label file and frame_base')
            ann = clip_annotation(
                frame_dir, segment.label,
                skeleton[:, segment.start:segment.end + 1], img_shape)
        except SampleError as err:
            report.errors.append(Problem(frame_dir, str(err)))
            continue
        empty = count_empty_frames(ann)
        if empty:
            report.warnings.append(Problem(frame_dir, (
                f'{empty} of {ann["total_frames"]} frames have no person '
                '(kept with c = 0)')))
        yield ann, segment


def _attach_rgb(annotations: List[dict], origin: dict,
                videos: Dict[str, Path], img_shape, report: ConversionReport,
                progress: bool) -> List[dict]:
    """Cut every annotation's RGB clip; keep only annotations that have one."""
    clips_of: Dict[str, List[Tuple[str, int, int]]] = {}
    for ann in annotations:
        video, segment = origin[ann['frame_dir']]
        clips_of.setdefault(video.video_id, []).append(
            (ann['frame_dir'], segment.start, segment.end))
    out_dir = Path(report.out_dir) / VIDEOS_SUBDIR
    written = set()
    for video_id, clips in tqdm(clips_of.items(), desc='cutting RGB clips',
                                unit='video', disable=not progress):
        if video_id not in videos:
            report.errors += [Problem(clip[0], (
                f'no video {video_id}.* ({", ".join(VIDEO_EXTENSIONS)}) in '
                'video_dir; add it or convert without video_dir'))
                for clip in clips]
            continue
        result = cut_segments(videos[video_id], clips, out_dir)
        written.update(result.written)
        report.errors += result.errors
        if result.frame_shape and result.frame_shape != tuple(img_shape):
            report.warnings.append(Problem(video_id, (
                f'video frames are {result.frame_shape} but img_shape is '
                f'{tuple(img_shape)}; pass the right img_shape')))
    report.files['videos'] = out_dir
    return [ann for ann in annotations if ann['frame_dir'] in written]
