"""`m2hen prepare-imigue` / `m2hen extract` as users run them: the installed
console script in a subprocess, on small releases written here."""
import os
import os.path as osp
import pickle
import subprocess
import sys

import cv2
import numpy as np
import pytest
from test_releases import (OPENPOSE137_FILE, OPENPOSE22_FILE, by_id,
                           make_skeleton, write_csv, write_miga2023,
                           write_miga2025_video, write_openpose_frame,
                           write_video)

from m2hen_mmaction.cli import main
from m2hen_mmaction.data.releases.common import ConvertOptions

M2HEN = osp.join(osp.dirname(sys.executable), 'm2hen')


def m2hen(*args, cwd):
    return subprocess.run([M2HEN, *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, OMP_NUM_THREADS='1'))


def load(path):
    with open(path, 'rb') as f:
        return pickle.load(f)


def test_miga2025_command_line_options_and_symlinked_folders(tmp_path):
    real = tmp_path / 'disk'
    (real / 'videos').mkdir(parents=True)
    for index, video_id in enumerate(('v1', 'v2', 'v3')):
        # frames counted from 1 in the csv: rows 1-10 and 11-30
        write_miga2025_video(real / 'release', video_id,
                             make_skeleton(30, seed=index),
                             [(1, 1, 10), (99, 11, 30)])
        write_video(real / 'videos' / f'{video_id}.mp4', 30)
    src, videos = tmp_path / 'src', tmp_path / 'videos'
    src.mkdir()
    (src / 'train').symlink_to(real / 'release', target_is_directory=True)
    videos.mkdir()
    (videos / 'long').symlink_to(real / 'videos', target_is_directory=True)
    (tmp_path / 'subjects.csv').write_text('v1,P1\nv2,P1\nv3,P2\n')

    done = m2hen('prepare-imigue', 'miga2025', src, '--out', 'out',
                 '--video-dir', videos, '--frame-base', 1, '--img-shape',
                 48, 64, '--subjects', 'subjects.csv', '--val-subjects',
                 'P2', cwd=tmp_path)

    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count('MiGA 2025: converted 6 samples') == 1
    data = load(tmp_path / 'out' / OPENPOSE137_FILE)
    anns = by_id(data)
    assert data['split'] == dict(train=['v1_000', 'v1_001', 'v2_000',
                                        'v2_001'],
                                 val=['v3_000', 'v3_001'], test=[])
    first, second = anns['v1_000'], anns['v1_001']
    assert (first['label'], second['label']) == (0, 31)
    assert (first['total_frames'], second['total_frames']) == (10, 20)
    np.testing.assert_allclose(first['keypoint'][0],
                               make_skeleton(30, seed=0)[:10, :, :2],
                               rtol=1e-6)
    assert first['img_shape'] == (48, 64)
    assert sorted(p.name for p in (tmp_path / 'out' / 'videos').iterdir()
                  ) == [f'{v}_{r}.mp4' for v in ('v1', 'v2', 'v3')
                        for r in ('000', '001')]
    assert 'img_shape' not in done.stdout  # frames match --img-shape


def test_a_folder_of_garbage_fails_and_writes_no_dataset(tmp_path):
    src = tmp_path / 'release' / 'a'
    src.mkdir(parents=True)
    (src / 'a_openpose.xlsx').write_bytes(b'PK\x03\x04 truncated')
    (src / 'a_label.csv').write_text('1,0,5\n')
    (tmp_path / 'release' / 'b_openpose.xlsx').write_text('not a workbook')

    done = m2hen('prepare-imigue', 'miga2025', 'release', '--out', 'out',
                 cwd=tmp_path)

    assert done.returncode == 1
    error = done.stderr.strip().splitlines()[-1]  # after progress bars
    assert error.startswith('m2hen prepare-imigue: error: MiGA 2025: '
                            'converted nothing; no dataset written')
    assert 'a: cannot read a_openpose.xlsx' in done.stdout
    assert 'b: no b_label.csv found' in done.stdout
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == [
        'conversion_report.txt']


def test_miga2023_normalized_and_group_regex(tmp_path):
    rng = np.random.default_rng(1)
    data = rng.uniform(0.1, 0.9, (4, 3, 8, 22, 1)).astype(np.float32)
    names = ['clipA-s1', 'clipB-s1', 'clipC-s2', 'clipD-s3']
    write_miga2023(tmp_path, 'train', data, names, [1, 2, 3, 4])

    done = m2hen('prepare-imigue', 'miga2023', '.', '--out', 'out',
                 '--normalized', 'no', '--group-regex', r'^.*-(s\d)$',
                 '--val-subjects', 's1', cwd=tmp_path)

    assert done.returncode == 0, done.stderr[-3000:]
    out = load(tmp_path / 'out' / OPENPOSE22_FILE)
    assert out['split']['val'] == ['clipA-s1', 'clipB-s1']
    np.testing.assert_allclose(by_id(out)['clipC-s2']['keypoint'][0, ..., 0],
                               data[2, 0, :, :, 0])  # not scaled to pixels
    assert 'coordinates taken as pixels' in done.stdout


def test_openpose_json_label_dir_and_max_persons(tmp_path):
    first, second = make_skeleton(6, seed=1), make_skeleton(6, seed=2)
    second[..., 2] *= 0.5  # the less confident person
    for video_id in ('clipA', 'clipB'):
        folder = tmp_path / 'json' / video_id
        folder.mkdir(parents=True)
        for t in range(6):
            write_openpose_frame(
                folder / f'{video_id}_{t:012d}_keypoints.json',
                [second[t], first[t]])
    (tmp_path / 'labels').mkdir()
    write_csv(tmp_path / 'labels' / 'clipA_label.csv', [(3, 0, 5)])
    write_csv(tmp_path / 'labels' / 'clipB_label.csv', [(4, 1, 4)])

    done = m2hen('prepare-imigue', 'openpose-json', 'json', '--out', 'out',
                 '--label-dir', 'labels', '--max-persons', 2,
                 '--val-subjects', 'clipB', cwd=tmp_path)

    assert done.returncode == 0, done.stderr[-3000:]
    data = load(tmp_path / 'out' / OPENPOSE137_FILE)
    assert data['split'] == dict(train=['clipA_000'], val=['clipB_000'],
                                 test=[])
    ann = by_id(data)['clipA_000']
    assert ann['label'] == 2 and ann['keypoint'].shape == (2, 6, 137, 2)
    np.testing.assert_allclose(ann['keypoint'][0], first[..., :2], rtol=1e-6)
    np.testing.assert_allclose(ann['keypoint'][1], second[..., :2],
                               rtol=1e-6)
    assert by_id(data)['clipB_000']['total_frames'] == 4


def test_bad_arguments_are_input_errors_and_write_nothing(tmp_path, capsys):
    """Bad arguments are input errors: one line, exit status 2."""
    (tmp_path / 'train_data.npy').write_bytes(b'')
    for args, message in (
            (['--video-dir', 'v'], '--video-dir applies to miga2025 and '
             'openpose-json, not miga2023'),
            (['--max-skipped', '1.5'], 'max_skipped=1.5 must be a fraction'),
            (['--img-shape', '0', '64'], 'img_shape=(0, 64) must be'),
            (['--val-subjects', 'nobody'], "val_subjects ['nobody'] are not")):
        code = main(['prepare-imigue', 'miga2023', str(tmp_path), '--out',
                     str(tmp_path / 'out'), *args])
        assert code == 2
        error = capsys.readouterr().err.strip().splitlines()[-1]
        assert error.startswith('m2hen prepare-imigue: error: ')
        assert message in error
    assert not (tmp_path / 'out').exists()


@pytest.mark.parametrize('command, options', [
    ('prepare-imigue', ['--frame-base', '--img-shape', '--normalized',
                        '--group-regex', '--subjects', '--max-skipped']),
    ('extract', ['--labels', '--stride', '--max-skipped'])])
def test_help(command, options, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, '--help'])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert all(option in text for option in options)


def test_max_skipped_is_a_fraction():
    assert ConvertOptions(max_skipped=0).max_skipped == 0
    with pytest.raises(ValueError, match=r'max_skipped=-0.1 must be'):
        ConvertOptions(max_skipped=-0.1)


def test_extract_reports_bad_videos_and_fails_when_none_converts(tmp_path):
    pytest.importorskip('mediapipe')
    from test_extraction import portrait, write_frames
    (tmp_path / 'videos').mkdir()
    write_frames(tmp_path / 'videos' / 'person.mp4',
                 [cv2.resize(portrait(), (192, 224))] * 3)
    (tmp_path / 'videos' / 'broken.mp4').write_bytes(b'\0' * 300)
    (tmp_path / 'labels.csv').write_text('person,5\n')

    done = m2hen('extract', 'videos', 'out/skeletons.pkl', '--labels',
                 'labels.csv', cwd=tmp_path)  # 1 of 2 skipped: at the limit

    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count('MediaPipe Holistic: converted 1 samples') == 1
    assert 'broken.mp4: cannot decode broken.mp4' in done.stdout
    data = load(tmp_path / 'out' / 'skeletons.pkl')
    assert [(a['frame_dir'], a['label']) for a in data['annotations']] == [
        ('person', 5)]

    (tmp_path / 'videos' / 'person.mp4').unlink()
    done = m2hen('extract', 'videos', 'none/skeletons.pkl', cwd=tmp_path)

    assert done.returncode == 1
    assert 'MediaPipe Holistic: converted nothing' in done.stderr
    assert sorted(p.name for p in (tmp_path / 'none').iterdir()) == [
        'conversion_report.txt']
