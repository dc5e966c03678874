"""Real-photo video clips for tests that run MediaPipe: matplotlib ships a
photo of Grace Hopper, which these helpers turn into short videos."""
import cv2
import numpy as np


def portrait():
    """Matplotlib's bundled photo of Grace Hopper (BGR, 600 x 512)."""
    from matplotlib import cbook
    path = cbook.get_sample_data('grace_hopper.jpg', asfileobj=False)
    return cv2.imread(str(path))


def panning_portrait(num_frames=12):
    """A 320 x 240 clip of the portrait cut at the chest, panning right until
    the face is half out of the frame."""
    image = cv2.resize(portrait(), (320, 375))
    return [cv2.warpAffine(image, np.float32([[1, 0, 12 * t], [0, 1, -40]]),
                           (320, 240), borderMode=cv2.BORDER_REPLICATE)
            for t in range(num_frames)]


def write_frames(path, frames):
    """Write BGR ``frames`` as an mp4 (10 fps) at ``path``."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             (width, height))
    for frame in frames:
        writer.write(frame)
    writer.release()
