"""Cut labelled segments out of long RGB videos.

With a ``video_dir`` the long-video converters cut each converted segment's
RGB clip into ``<out_dir>/videos/<frame_dir>.mp4`` (:func:`cut_segments`);
:func:`find_videos` finds the long videos (``<id>.mp4`` or another common
extension, searched recursively).
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

from m2hen_mmaction.data.common import (Problem, find_files, first_line,
                                        is_video)
from m2hen_mmaction.errors import MissingDataError

CLIP_WRITE_CHUNK = 64  # frames decoded at a time while cutting clips


@dataclass
class CutResult:
    """Outcome of :func:`cut_segments`.

    Args:
        written (list[str]): ``frame_dir`` of every clip written.
        errors (list[Problem]): Clips that could not be cut.
        frame_shape (tuple[int, int] | None): ``(height, width)`` of the
            source video, None if it could not be opened.
    """
    written: List[str] = field(default_factory=list)
    errors: List[Problem] = field(default_factory=list)
    frame_shape: Optional[Tuple[int, int]] = None


def cut_segments(video_path: Union[str, Path],
                 clips: Sequence[Tuple[str, int, int]],
                 out_dir: Union[str, Path]) -> CutResult:
    """Cut labelled segments out of a long video (decord read, cv2 write).

    Args:
        video_path (str | Path): The long video.
        clips (Sequence[tuple[str, int, int]]): ``(frame_dir, start, end)``,
            0-based frame indices, ``end`` inclusive.
        out_dir (str | Path): Clips go to ``<out_dir>/<frame_dir>.mp4``
            at the source frame rate and size.

    Returns:
        CutResult: Clips written, per-clip errors, the video's frame shape.
    """
    import cv2
    import decord
    result = CutResult()
    try:
        reader = decord.VideoReader(str(video_path), num_threads=1)
        fps, num_frames = reader.get_avg_fps(), len(reader)
        result.frame_shape = tuple(reader[0].shape[:2])
    except (RuntimeError, IndexError, decord.DECORDError) as err:
        message = (f'cannot decode video {video_path} ({first_line(err)}); '
                   're-download or re-encode it (e.g. with ffmpeg)')
        result.errors = [Problem(clip[0], message) for clip in clips]
        return result
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    height, width = result.frame_shape
    for frame_dir, start, end in clips:
        if end >= num_frames:
            result.errors.append(Problem(frame_dir, (
                f'segment {start}-{end} ends past the last frame '
                f'({num_frames - 1}) of {Path(video_path).name}; check the '
                'label file and frame_base')))
            continue
        out_file = Path(out_dir) / f'{frame_dir}.mp4'
        writer = cv2.VideoWriter(str(out_file),
                                 cv2.VideoWriter_fourcc(*'mp4v'), fps,
                                 (width, height))
        try:
            for first in range(start, end + 1, CLIP_WRITE_CHUNK):
                last = min(first + CLIP_WRITE_CHUNK, end + 1)
                frames = reader.get_batch(list(range(first, last))).asnumpy()
                for frame in frames:
                    writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        except (RuntimeError, decord.DECORDError) as err:
            writer.release()
            out_file.unlink(missing_ok=True)
            result.errors.append(Problem(frame_dir, (
                f'decoding frames {start}-{end} of {video_path} failed '
                f'({first_line(err)}); re-encode the video')))
            continue
        writer.release()
        result.written.append(frame_dir)
    return result


def find_videos(video_dir: Union[str, Path]) -> Dict[str, Path]:
    """Map video id (file stem) -> path for every video under video_dir.

    Symlinked folders are followed.
    """
    root = Path(video_dir)
    if not root.is_dir():
        raise MissingDataError(f'video_dir {root} is not a folder; point it '
                                'at the folder holding the long videos')
    return {path.stem: path for path in find_files(root, is_video)}
