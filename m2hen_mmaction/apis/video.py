"""Open a user's video, or say in one line why it cannot be read."""
import contextlib
import os
import os.path as osp

from ..errors import InputError, MissingDataError


@contextlib.contextmanager
def native_stderr_silenced():
    """Silence what C libraries (FFmpeg in decord) write to stderr, so that
    a bad file is reported by our one line only."""
    saved = os.dup(2)
    with open(os.devnull, 'w') as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def open_video(path: str):
    """A decord ``VideoReader`` of ``path`` that has decoded its first frame.

    Raises:
        MissingDataError: ``path`` does not exist.
        InputError: It does not decode as a video (or has no frames).
    """
    import decord
    if not osp.isfile(path):
        raise MissingDataError(f'Video {path} does not exist; check the path '
                               '(MiG-Synth: <data>/videos/<frame_dir>.mp4).')
    try:
        with native_stderr_silenced():
            reader = decord.VideoReader(path, num_threads=1)
            reader[0]
    except (RuntimeError, IndexError, decord.DECORDError):
        raise InputError(
            f'Cannot read video {path}: it does not decode as a video. Check '
            'that it plays, or re-encode it (ffmpeg -i in.avi out.mp4).'
        ) from None
    return reader
