"""`m2hen show` on MiG-Synth: the installed command draws skeletons where the
joints are and nowhere else, over the video or a blank canvas."""
import os
import os.path as osp
import pickle
import subprocess
import sys

import cv2
import decord
import numpy as np
import pytest

from m2hen_mmaction.apis.show import CANVAS_COLOR
from m2hen_mmaction.cli import main
from m2hen_mmaction.skeleton.draw import REGION_COLORS, line_width, region_of
from m2hen_mmaction.skeleton.layouts import get_layout

BODY_JOINTS = 25


def m2hen(*args, cwd):
    """Run the installed ``m2hen`` console script with a clean environment."""
    command = osp.join(osp.dirname(sys.executable), 'm2hen')
    env = dict(PATH=os.environ['PATH'], HOME=str(cwd), OMP_NUM_THREADS='1')
    return subprocess.run([command, *map(str, args)], cwd=cwd, env=env,
                          text=True, capture_output=True, timeout=300)


def load_sample(ann_file, index, num_joints=137):
    """MiG-Synth sample ``index``, cut to its first ``num_joints`` joints."""
    with open(ann_file, 'rb') as f:
        annotation = dict(pickle.load(f)['annotations'][index])
    annotation.update(
        keypoint=annotation['keypoint'][..., :num_joints, :].copy(),
        keypoint_score=annotation['keypoint_score'][..., :num_joints].copy())
    return annotation


def write_pkl(annotation, path):
    """A PoseDataset pickle holding one sample."""
    with open(path, 'wb') as f:
        pickle.dump(dict(split=dict(test=[annotation['frame_dir']]),
                         annotations=[annotation]), f)


def video_frames(path):
    """Every frame of a video, BGR, decoded as ``m2hen show`` decodes."""
    reader = decord.VideoReader(str(path), num_threads=1)
    return [cv2.cvtColor(reader[i].asnumpy(), cv2.COLOR_RGB2BGR)
            for i in range(len(reader))]


def scaled(points, scale):
    """Joint pixels after integer upscaling (pixel centres kept)."""
    return (points + 0.5) * scale - 0.5


def distance_to_skeleton(points, present, layout, shape):
    """Each pixel's distance to the nearest present joint or limb between
    two present joints (1-pixel lines, so within about a pixel)."""
    skeleton = np.full(shape, 255, np.uint8)
    pixel = np.round(points).astype(int)
    for a, b in get_layout(layout).limbs:
        if present[a] and present[b]:
            cv2.line(skeleton, tuple(pixel[a]), tuple(pixel[b]), 0, 1)
    for x, y in pixel[present]:
        cv2.circle(skeleton, (x, y), 0, 0, -1)
    return cv2.distanceTransform(skeleton, cv2.DIST_L2, 5)


def changed(image, background):
    return np.abs(image.astype(int) - background.astype(int)).sum(-1)


def most_isolated_body_joint(points, present):
    """The present body joint farthest from the skeleton drawn without it."""
    def isolation(joint):
        others = present.copy()
        others[joint] = False
        distance = distance_to_skeleton(points, others, 'openpose137',
                                        (128, 128))
        x, y = np.round(points[joint]).astype(int)
        return distance[y, x]

    return max(np.flatnonzero(present[:BODY_JOINTS]), key=isolation)


def test_show_png_over_the_video_changes_pixels_only_at_the_skeleton(
        small_migsynth, tmp_path):
    sample = load_sample(small_migsynth, 0)
    points, score = sample['keypoint'][0, 5], sample['keypoint_score'][0, 5]
    dropped = most_isolated_body_joint(points, score > 0)
    score[dropped] = 0  # a joint missing with its coordinates kept
    write_pkl(sample, tmp_path / 'one.pkl')
    video = osp.join(osp.dirname(small_migsynth), 'videos',
                     sample['frame_dir'] + '.mp4')
    out = tmp_path / 'shown' / 'frame.png'
    result = m2hen('show', 'one.pkl', sample['frame_dir'], '--video', video,
                   '--out', out, '--frame', 5, '--scale', 1, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f'{out}: frame 5 of ')

    image, plain = cv2.imread(str(out)), video_frames(video)[5]
    assert image.shape == plain.shape == (128, 128, 3)
    present = score > 0
    assert (~present).sum() > 1  # the dropped joint and MiG-Synth's own
    far = distance_to_skeleton(points, present, 'openpose137',
                               image.shape[:2]) > line_width(image.shape) + 4
    # far from every drawn joint and limb the video is untouched, including
    # at the dropped joint and at (0, 0), where MiG-Synth's missing joints are
    assert far[tuple(np.round(points[dropped, ::-1]).astype(int))]
    assert far[0, 0] and far.mean() > 0.5
    np.testing.assert_array_equal(image[far], plain[far])
    at_joints = np.round(points[present]).astype(int)
    assert (changed(image, plain)[at_joints[:, 1], at_joints[:, 0]] > 30
            ).all()


def test_show_mp4_on_a_blank_canvas(small_migsynth, tmp_path):
    pkl = tmp_path / 'one.pkl'
    sample = load_sample(small_migsynth, 1)
    write_pkl(sample, pkl)
    out = tmp_path / 'canvas.mp4'
    result = m2hen('show', pkl, sample['frame_dir'], '--out', out,
                   cwd=tmp_path)
    assert result.returncode == 0, result.stderr

    frames = video_frames(out)
    scale = 4  # the default: a short side of at least 480 pixels
    assert len(frames) == sample['total_frames'] == 16
    assert frames[0].shape == (128 * scale, 128 * scale, 3)
    canvas = np.array(CANVAS_COLOR, np.uint8)
    for t in (0, 7, 15):
        points = scaled(sample['keypoint'][0, t], scale)
        present = sample['keypoint_score'][0, t] > 0
        distance = distance_to_skeleton(points, present, 'openpose137',
                                        frames[t].shape[:2])
        # mp4v is lossy: edges ring a few pixels out, so count pixels
        change = changed(frames[t], canvas)
        near = distance <= 12
        assert (near[change > 24]).mean() > 0.99
        assert (change[~near] <= 12).mean() > 0.99 and (~near).mean() > 0.5
        at_joints = np.round(points[present]).astype(int)
        assert (change[at_joints[:, 1], at_joints[:, 0]] > 60).all()


@pytest.mark.parametrize('num_joints,layout', [(137, 'openpose137'),
                                               (22, 'openpose22'),
                                               (17, 'coco17')])
def test_show_infers_the_layout_and_colours_regions(
        num_joints, layout, small_migsynth, tmp_path, capsys):
    pkl = tmp_path / 'one.pkl'
    sample = load_sample(small_migsynth, 2, num_joints)
    write_pkl(sample, pkl)
    out = tmp_path / 'frame.png'
    assert main(['show', str(pkl), sample['frame_dir'], '--out', str(out),
                 '--scale', '4']) == 0
    assert f'({layout}, 1 person(s), x4)' in capsys.readouterr().out

    image = cv2.imread(str(out))
    assert image.shape == (512, 512, 3)
    t = sample['total_frames'] // 2
    points = scaled(sample['keypoint'][0, t], 4)
    present = sample['keypoint_score'][0, t] > 0
    far = distance_to_skeleton(points, present, layout,
                               image.shape[:2]) > line_width(image.shape) + 4
    assert (image[far] == CANVAS_COLOR).all()
    at_joints = np.round(points).astype(int)
    colours = image[at_joints[:, 1], at_joints[:, 0]].astype(int)
    regions = [region_of(p) for p in get_layout(layout).parts]
    for region in sorted(set(regions)):
        joints = [j for j, r in enumerate(regions) if r == region and
                  present[j]]
        typical = np.median(colours[joints], axis=0)
        nearest = min(REGION_COLORS, key=lambda name: np.abs(
            typical - REGION_COLORS[name]).sum())
        assert nearest == region


def test_show_bad_input_is_one_line(small_migsynth, tmp_path, capsys):
    """Each mistake: exit status 2, one line naming the file and the fix."""
    five = tmp_path / 'five.pkl'
    sample = load_sample(small_migsynth, 0, num_joints=5)
    write_pkl(sample, five)
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'\0' * 300)
    png, name = str(tmp_path / 'x.png'), sample['frame_dir']
    pkl = str(small_migsynth)
    bad = {
        (pkl, 'nope', '--out', png): f"no sample 'nope' in {pkl}; pick one "
        'of its 96 samples, e.g. s',
        (str(five), name, '--out', png): 'has 5 joints, which matches no '
        'layout; convert it to one of: 137 (openpose137), 22 (openpose22), '
        '17 (coco17)',
        (pkl, name, '--video', str(broken), '--out', png):
        f'Cannot read video {broken}: it does not decode as a video',
        (pkl, name, '--video', 'gone.mp4', '--out', png):
        'Video gone.mp4 does not exist',
        (pkl, name, '--frame', '16', '--out', png):
        f'--frame 16 is out of range: sample {name!r} has frames 0-15',
        (pkl, name, '--frame', '3', '--out', png[:-3] + 'mp4'):
        'holds every frame, drop --frame',
        (pkl, name, '--out', png[:-3] + 'gif'): 'ending in .mp4 or .png',
    }
    for args, message in bad.items():
        assert main(['show', *args]) == 2
        captured = capsys.readouterr()
        assert captured.out == ''
        assert captured.err.startswith('m2hen show: error: ')
        assert message in captured.err and captured.err.count('\n') == 1
    with pytest.raises(SystemExit, match='2'):
        main(['show', pkl, name, '--scale', '0', '--out', png])
    assert '--scale: must be >= 1, got 0' in capsys.readouterr().err
    assert not list(tmp_path.glob('x.*'))
