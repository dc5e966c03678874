"""iMiGUE converters: fixture files of each release format built here."""
import json
import pickle

import cv2
import decord
import numpy as np
import openpyxl
import pytest

from m2hen_mmaction.data.common import ConversionError
from m2hen_mmaction.data.releases.common import (IMIGUE_CLASSES,
                                                 OPENPOSE137_FILE,
                                                 OPENPOSE22_FILE,
                                                 ConvertOptions, map_raw_label,
                                                 read_label_csv, summarize)
from m2hen_mmaction.data.releases.miga2023 import convert_miga2023
from m2hen_mmaction.data.releases.miga2025 import (convert_miga2025,
                                                   read_openpose_xlsx)
from m2hen_mmaction.data.releases.openpose_json import convert_openpose_json
from m2hen_mmaction.data.releases.splits import assign_splits
from m2hen_mmaction.data.releases.video import cut_segments
from m2hen_mmaction.grouping.parts import split_parts

V = 137


def quiet(**options):
    """ConvertOptions without progress bars."""
    return ConvertOptions(progress=False, **options)


def make_skeleton(num_frames, seed, num_joints=V):
    """(T, V, 3) pixel skeleton with confidences in (0.1, 1]."""
    rng = np.random.default_rng(seed)
    joints = np.empty((num_frames, num_joints, 3), np.float32)
    joints[..., 0] = rng.uniform(0, 1280, (num_frames, num_joints))
    joints[..., 1] = rng.uniform(0, 720, (num_frames, num_joints))
    joints[..., 2] = rng.uniform(0.1, 1, (num_frames, num_joints))
    return np.round(joints, 3)


def write_xlsx(path, skeleton):
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for frame in skeleton.reshape(len(skeleton), -1):
        sheet.append([float(v) for v in frame])
    workbook.save(path)


def write_csv(path, rows):
    path.write_text(''.join(','.join(map(str, row)) + '\n' for row in rows))


def write_miga2025_video(root, video_id, skeleton, rows):
    folder = root / video_id
    folder.mkdir(parents=True)
    write_xlsx(folder / f'{video_id}_openpose.xlsx', skeleton)
    write_csv(folder / f'{video_id}_label.csv', rows)


def write_video(path, num_frames, size=(48, 64)):
    """A video whose frame t is a flat grey of level 12 * t (t < 22)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 10,
                             size[::-1])
    for t in range(num_frames):
        writer.write(np.full(size + (3, ), min(12 * t, 255), np.uint8))
    writer.release()


def grey_levels(reader):
    """Mean grey level of every frame of a decord reader, shape (T,)."""
    return reader.get_batch(list(range(len(reader)))).asnumpy().mean(
        (1, 2, 3))


def load_pkl(path):
    with open(path, 'rb') as f:
        return pickle.load(f)


def by_id(data):
    return {ann['frame_dir']: ann for ann in data['annotations']}


def test_map_raw_label():
    assert map_raw_label(1) == 0
    assert map_raw_label(31) == 30
    assert map_raw_label(99) == 31
    for bad in (0, 32, 98, 100, -1):
        with pytest.raises(ValueError, match=f'label {bad} is out of range'):
            map_raw_label(bad)


def test_read_label_csv_header_and_bad_rows(tmp_path):
    path = tmp_path / 'v_label.csv'
    write_csv(path, [('label', 'start', 'end'), (99, 1, 5), (3, 7), (4, 9, 2),
                     (2, 'x', 4), (5, 6, 8)])
    segments, problems = read_label_csv(path, frame_base=1)
    assert [(row, s.label, s.start, s.end) for row, s in segments] == [
        (0, 31, 0, 4), (4, 4, 5, 7)]
    assert [p.sample for p in problems] == [
        'v_label.csv row 2', 'v_label.csv row 3', 'v_label.csv row 4']
    assert 'truncated' in problems[0].message
    assert 'not a valid range' in problems[1].message
    assert 'not a number' in problems[2].message


def test_xlsx_numbers_as_text_cells_and_gaps(tmp_path):
    skeleton = make_skeleton(3, seed=9)
    write_xlsx(tmp_path / 'numbers.xlsx', skeleton)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for frame in skeleton.reshape(3, -1):
        sheet.append([str(frame[0])] + [float(v) for v in frame[1:]])
    workbook.save(tmp_path / 'text.xlsx')
    for name in ('numbers.xlsx', 'text.xlsx'):
        np.testing.assert_array_equal(read_openpose_xlsx(tmp_path / name),
                                      skeleton)
    workbook = openpyxl.Workbook()
    for row, frame in zip((1, 3), skeleton.reshape(3, -1)):
        for column, value in enumerate(frame, start=1):
            workbook.active.cell(row, column, float(value))
    workbook.save(tmp_path / 'gap.xlsx')  # row 2 is missing
    with pytest.raises(ValueError, match='gap.xlsx row 2 has 0 values'):
        read_openpose_xlsx(tmp_path / 'gap.xlsx')
    workbook.active.cell(2, 1, 'n/a')
    for column in range(2, 412):
        workbook.active.cell(2, column, 1.0)
    workbook.save(tmp_path / 'word.xlsx')
    with pytest.raises(ValueError, match='word.xlsx holds a non-numeric'):
        read_openpose_xlsx(tmp_path / 'word.xlsx')
    (tmp_path / 'csv.xlsx').write_text('1,2,3\n')
    with pytest.raises(ValueError, match='cannot read csv.xlsx .*copy it'):
        read_openpose_xlsx(tmp_path / 'csv.xlsx')


def test_miga2025_round_trip_and_splits(tmp_path):
    src = tmp_path / 'release'
    skeletons = {}
    for index, video_id in enumerate(['0001', '0002', '0003', '0004']):
        skeletons[video_id] = make_skeleton(24, seed=index)
        folder = 'test' if video_id == '0004' else 'train'
        write_miga2025_video(src / folder, video_id, skeletons[video_id],
                             [(99, 0, 9), (1, 10, 23)])
    with pytest.raises(ValueError, match=r"test_subjects \['9999'\] are not"):
        convert_miga2025(src, tmp_path / 'out', quiet(test_subjects=['9999']))
    assert not (tmp_path / 'out').exists()  # checked before converting
    report = convert_miga2025(src, tmp_path / 'out',
                              quiet(val_subjects=['0002']))
    assert report.errors == [] and report.warnings == []
    data = load_pkl(tmp_path / 'out' / OPENPOSE137_FILE)
    anns = by_id(data)
    assert sorted(anns) == [f'{video}_{row:03d}' for video in skeletons
                            for row in (0, 1)]
    first, second = anns['0003_000'], anns['0003_001']
    assert (first['label'], second['label']) == (31, 0)
    assert first['keypoint'].shape == (1, 10, V, 2)
    assert first['keypoint'].dtype == np.float32
    np.testing.assert_allclose(first['keypoint'][0],
                               skeletons['0003'][:10, :, :2], rtol=1e-6)
    np.testing.assert_allclose(second['keypoint_score'][0],
                               skeletons['0003'][10:, :, 2], rtol=1e-6)
    assert second['total_frames'] == 14
    assert first['img_shape'] == first['original_shape'] == (720, 1280)
    assert data['split'] == dict(
        train=['0001_000', '0001_001', '0003_000', '0003_001'],
        val=['0002_000', '0002_001'], test=['0004_000', '0004_001'])
    classes = (tmp_path / 'out' / 'classes.txt').read_text().splitlines()
    assert classes == list(IMIGUE_CLASSES) and len(classes) == 32
    summary = json.loads((tmp_path / 'out' / 'summary.json').read_text())
    assert summary['totals'] == dict(train=4, val=2, test=2)
    assert summary['counts']['train'][0] == 2
    assert summary['counts']['train'][31] == 2
    assert summary['parts'] is None and 'no training' in summary['parts_note']
    (tmp_path / 'subjects.csv').write_text('0001,P1\n0002,P1\n0003,P2\n')
    convert_miga2025(src, tmp_path / 'by_subject', quiet(
        val_subjects=['P1'], subjects=tmp_path / 'subjects.csv'))
    split = load_pkl(tmp_path / 'by_subject' / OPENPOSE137_FILE)['split']
    assert split['val'] == ['0001_000', '0001_001', '0002_000', '0002_001']
    assert split['train'] == ['0003_000', '0003_001']


def test_miga2025_bad_input_is_reported_not_dropped(tmp_path):
    src = tmp_path / 'release'
    good = make_skeleton(20, seed=1)
    write_miga2025_video(src, 'good', good, [
        (5, 0, 9),  # fine
        (50, 0, 5),  # label out of range
        (6, 10, 25),  # past the skeleton's end (frame 19)
        (7, 3),  # truncated row
    ])
    person_less = make_skeleton(20, seed=2)
    person_less[:10] = 0  # no person in frames 0-9
    write_miga2025_video(src, 'empty', person_less, [(2, 0, 9), (3, 5, 14)])
    write_miga2025_video(src, 'broken', make_skeleton(20, seed=3),
                         [(1, 0, 5)])
    xlsx = src / 'broken' / 'broken_openpose.xlsx'
    xlsx.write_bytes(xlsx.read_bytes()[:300])  # truncated download
    write_miga2025_video(src, 'narrow', make_skeleton(20, seed=4)[:, :100],
                         [(1, 0, 5)])
    write_miga2025_video(src, 'nolabel', make_skeleton(20, seed=5), [])
    (src / 'nolabel' / 'nolabel_label.csv').unlink()

    with pytest.raises(ConversionError, match=(
            r'MiGA 2025: skipped 7 of 9 items \(78%\), more than '
            r'max_skipped=0.5; no dataset written')):
        convert_miga2025(src, tmp_path / 'failed', quiet(val_subjects=0.0))
    assert sorted(p.name for p in (tmp_path / 'failed').iterdir()) == [
        'conversion_report.txt']

    report = convert_miga2025(src, tmp_path / 'out',
                              quiet(val_subjects=0.0, max_skipped=0.8))

    anns = by_id(load_pkl(tmp_path / 'out' / OPENPOSE137_FILE))
    assert sorted(anns) == ['empty_001', 'good_000']
    errors = {p.sample: p.message for p in report.errors}
    assert 'label 50 is out of range' in errors['good_label.csv row 2']
    assert 'past the skeleton\'s last frame (19)' in errors['good_002']
    assert 'truncated' in errors['good_label.csv row 4']
    assert 'no person in any of its 10 frames' in errors['empty_000']
    assert 'damaged or truncated' in errors['broken']
    assert 'has 300 values, expected 411' in errors['narrow']
    assert 'no nolabel_label.csv' in errors['nolabel']
    assert len(report.errors) == 7
    assert [(p.sample, p.message.split(' (')[0]) for p in report.warnings] == [
        ('empty_001', '5 of 10 frames have no person')]
    text = (tmp_path / 'out' / 'conversion_report.txt').read_text()
    assert '7 skipped (errors)' in text and 'good_002' in text


def test_cut_segments_round_trip_and_errors(tmp_path):
    video = tmp_path / 'long.mp4'
    write_video(video, 20)
    result = cut_segments(video, [('a', 2, 6), ('b', 15, 19), ('c', 18, 25)],
                          tmp_path / 'clips')
    assert result.written == ['a', 'b'] and result.frame_shape == (48, 64)
    assert [p.sample for p in result.errors] == ['c']
    assert 'ends past the last frame (19)' in result.errors[0].message
    source = grey_levels(decord.VideoReader(str(video)))
    for name, start, length in (('a', 2, 5), ('b', 15, 5)):
        clip = grey_levels(decord.VideoReader(str(tmp_path / 'clips' /
                                                  f'{name}.mp4')))
        assert len(clip) == length
        # re-encoding shifts grey levels a little; frames are 12 levels apart
        nearest = np.abs(clip[:, None] - source[None]).argmin(1)
        np.testing.assert_array_equal(nearest, np.arange(start, start +
                                                         length))
    broken = tmp_path / 'broken.mp4'
    broken.write_bytes(b'not a video' * 50)
    result = cut_segments(broken, [('d', 0, 3)], tmp_path / 'clips')
    assert result.written == [] and result.frame_shape is None
    assert 'cannot decode video' in result.errors[0].message


def test_miga2025_with_rgb_keeps_only_samples_with_clips(tmp_path):
    src, videos = tmp_path / 'release', tmp_path / 'videos'
    videos.mkdir()
    for video_id in ('v1', 'v2', 'v3'):
        write_miga2025_video(src, video_id, make_skeleton(30, seed=7),
                             [(1, 0, 9), (2, 10, 29)])
    write_video(videos / 'v1.mp4', 30)
    write_video(videos / 'v2.mp4', 20)  # second segment past its end
    (videos / 'v3.mp4').write_bytes(b'\0' * 500)  # cannot be decoded

    report = convert_miga2025(src, tmp_path / 'out', quiet(val_subjects=0.0),
                              video_dir=videos)

    data = load_pkl(tmp_path / 'out' / OPENPOSE137_FILE)
    assert sorted(by_id(data)) == ['v1_000', 'v1_001', 'v2_000']
    clips = sorted(p.name for p in (tmp_path / 'out' / 'videos').iterdir())
    assert clips == ['v1_000.mp4', 'v1_001.mp4', 'v2_000.mp4']
    assert len(decord.VideoReader(str(tmp_path / 'out' / 'videos' /
                                      'v1_001.mp4'))) == 20
    assert sorted(p.sample for p in report.errors) == [
        'v2_001', 'v3_000', 'v3_001']
    assert any('(48, 64)' in p.message for p in report.warnings)


def write_openpose_frame(path, people):
    keys = (('pose_keypoints_2d', 0, 25), ('face_keypoints_2d', 25, 95),
            ('hand_left_keypoints_2d', 95, 116),
            ('hand_right_keypoints_2d', 116, 137))
    path.write_text(json.dumps(dict(version=1.3, people=[
        {key: person[a:b].ravel().tolist() for key, a, b in keys}
        for person in people])))


def test_openpose_json_round_trip(tmp_path):
    folder = tmp_path / 'json' / 'train' / 'clipA'
    folder.mkdir(parents=True)
    main = make_skeleton(12, seed=3)
    bystander = make_skeleton(12, seed=4)
    bystander[..., 2] *= 0.05  # far less confident than the main person
    for t in range(12):
        if t == 5:
            continue  # a frame number with no file
        people = [] if t == 2 else [bystander[t], main[t]]
        write_openpose_frame(folder / f'clipA_{t:012d}_keypoints.json',
                             people)
    (folder / 'clipA_000000000007_keypoints.json').write_text('{"peo')
    write_csv(folder / 'clipA_label.csv', [(4, 0, 11)])
    other = tmp_path / 'json' / 'train' / 'clipB'
    other.mkdir()
    write_openpose_frame(other / 'clipB_000000000000_keypoints.json',
                         [main[0]])
    write_csv(other / 'clipB_label.csv', [(2, 0, 0)])

    report = convert_openpose_json(tmp_path / 'json', tmp_path / 'out',
                                   quiet(val_subjects=['clipB']))

    data = load_pkl(tmp_path / 'out' / OPENPOSE137_FILE)
    ann = by_id(data)['clipA_000']
    assert ann['label'] == 3 and ann['keypoint'].shape == (1, 12, V, 2)
    kept = [t for t in range(12) if t not in (2, 5, 7)]
    np.testing.assert_allclose(ann['keypoint'][0, kept], main[kept, :, :2],
                               rtol=1e-6)
    assert not ann['keypoint_score'][0, [2, 5, 7]].any()
    assert data['split'] == dict(train=['clipA_000'], val=['clipB_000'],
                                 test=[])
    warnings = ' '.join(p.message for p in report.warnings)
    assert '1 frame numbers have no file' in warnings
    assert '1 frame files unreadable' in warnings
    assert 'clipA_000000000007_keypoints.json' in warnings
    assert '3 of 12 frames have no person' in warnings


def test_openpose_json_rejects_coco_body(tmp_path):
    folder = tmp_path / 'json' / 'vid'
    folder.mkdir(parents=True)
    (folder / 'vid_000000000000_keypoints.json').write_text(json.dumps(
        dict(people=[dict(pose_keypoints_2d=[1.0] * 54)])))
    write_csv(folder / 'vid_label.csv', [(1, 0, 0)])
    with pytest.raises(ConversionError, match='converted nothing') as info:
        convert_openpose_json(tmp_path / 'json', tmp_path / 'out',
                              quiet(val_subjects=0.0))
    report = info.value.report
    assert report.num_converted == 0
    assert [p.sample for p in report.errors] == ['vid']
    assert 'pose_keypoints_2d has 54 values' in report.errors[0].message
    assert 'COCO-18 body' in report.errors[0].message


def write_miga2023(root, prefix, data, names, labels):
    np.save(root / f'{prefix}_data.npy', data)
    with open(root / f'{prefix}_label.pkl', 'wb') as f:
        pickle.dump((names, labels), f)


def test_miga2023_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.uniform(0.05, 0.95, (6, 3, 90, 22, 1)).astype(np.float32)
    data[:, :, 60:] = 0  # zero padding after frame 59
    data[5] = 0  # no person at all
    names = ['s1_0', 's1_1', 's2_0', 's3_0', 's3_1', 's4_0']
    labels = [0, 31, 5, 7, 40, 2]
    write_miga2023(tmp_path, 'train', data, names, labels)
    test = rng.uniform(0.05, 0.95, (1, 3, 90, 22, 1)).astype(np.float32)
    write_miga2023(tmp_path, 'test', test, ['t1_0'], [9])

    report = convert_miga2023(tmp_path, tmp_path / 'out',
                              quiet(val_subjects=['s2']))

    out = load_pkl(tmp_path / 'out' / OPENPOSE22_FILE)
    anns = by_id(out)
    ann = anns['s1_1']
    assert ann['label'] == 31 and ann['keypoint'].shape == (1, 60, 22, 2)
    np.testing.assert_allclose(ann['keypoint'][0, ..., 0],
                               data[1, 0, :60, :, 0] * 1280, rtol=1e-5)
    np.testing.assert_allclose(ann['keypoint'][0, ..., 1],
                               data[1, 1, :60, :, 0] * 720, rtol=1e-5)
    np.testing.assert_allclose(ann['keypoint_score'][0], data[1, 2, :60, :, 0])
    assert anns['t1_0']['total_frames'] == 90
    assert out['split'] == dict(train=['s1_0', 's1_1', 's3_0'], val=['s2_0'],
                                test=['t1_0'])
    assert {p.sample for p in report.errors} == {'s3_1', 's4_0'}
    assert any('normalised: scaled' in note for note in report.notes)


def test_miga2023_bad_files(tmp_path):
    np.save(tmp_path / 'train_data.npy', np.zeros((2, 3, 4, 22, 1)))
    (tmp_path / 'train_label.pkl').write_bytes(b'\x80\x04trunc')
    write_miga2023(tmp_path, 'extra', np.ones((1, 3, 4, 22, 1)), ['e'], [1])
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='no \\*_data.npy'):
        convert_miga2023(tmp_path / 'empty', tmp_path / 'o2', quiet())
    with pytest.raises(FileNotFoundError, match='is not a folder'):
        convert_miga2023(tmp_path / 'nowhere', tmp_path / 'o2', quiet())
    with pytest.raises(ConversionError, match='converted nothing') as info:
        convert_miga2023(tmp_path, tmp_path / 'out', quiet(val_subjects=0.0))
    errors = {p.sample: p.message for p in info.value.report.errors}
    assert 'train_label.pkl: not a readable pickle' in errors['train_data.npy']
    assert 'cannot tell which split' in errors['extra_data.npy']
    assert not (tmp_path / 'out' / OPENPOSE22_FILE).exists()


def test_assign_splits_is_cross_subject():
    groups = {f'{s}_{k}': s for s in 'abcdefghij' for k in range(3)}
    split, notes = assign_splits(groups, {}, val_subjects=0.3,
                                 test_subjects=['j'], seed=1)
    subjects = {name: {groups[s] for s in ids} for name, ids in split.items()}
    assert subjects['test'] == {'j'} and len(subjects['val']) == 3
    assert not subjects['train'] & subjects['val']
    assert sum(map(len, split.values())) == 30
    again, _ = assign_splits(groups, {}, val_subjects=0.3,
                             test_subjects=['j'], seed=1)
    assert again == split
    release = {s: 'val' for s in groups if groups[s] == 'a'}
    split, notes = assign_splits(groups, release, val_subjects=0.5)
    assert {groups[s] for s in split['val']} == {'a'}
    assert 'taken from the release' in notes[0]
    with pytest.raises(ValueError, match=r"val_subjects \['zz'\]"):
        assign_splits(groups, {}, val_subjects=['zz'])
    with pytest.raises(ValueError, match='test_subjects'):
        assign_splits(groups, {}, test_subjects=['zz'])


def test_summary_parts_follow_split_parts():
    rng = np.random.default_rng(0)
    counts = np.maximum(1, (200 * 0.85**np.arange(32)).astype(int))
    labels = rng.permutation(np.repeat(np.arange(32), counts))
    anns = [dict(frame_dir=f's{i}', label=int(label))
            for i, label in enumerate(labels)]
    split = dict(train=[a['frame_dir'] for a in anns], val=[], test=[])
    summary = summarize(anns, split)
    assert summary['counts']['train'] == counts.tolist()
    assert summary['parts'] == split_parts(counts.tolist())
    assert sorted(sum(summary['parts'], [])) == list(range(32))


class TouchOnLoad:
    """A label pickle entry that creates ``path`` if unpickled blindly."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, 'w')


def test_miga2023_label_pickle_cannot_run_code(tmp_path):
    target = tmp_path / 'created_by_label_file'
    write_miga2023(tmp_path, 'train', np.ones((1, 3, 4, 22, 1)), ['s1_0'],
                   [TouchOnLoad(target)])
    with pytest.raises(ConversionError) as info:
        convert_miga2023(tmp_path, tmp_path / 'out', quiet(val_subjects=0.0))
    assert not target.exists()
    message = {p.sample: p.message
               for p in info.value.report.errors}['train_data.npy']
    assert 'train_label.pkl' in message and 'io.open' in message


def test_symlinked_folders_are_followed_once(tmp_path):
    real = tmp_path / 'disk'
    write_miga2025_video(real, 'v1', make_skeleton(12, seed=1), [(2, 0, 11)])
    write_miga2025_video(real, 'v2', make_skeleton(12, seed=2), [(3, 0, 11)])
    src = tmp_path / 'release'
    (src / 'train').mkdir(parents=True)
    (src / 'train' / 'v1').symlink_to(real / 'v1', target_is_directory=True)
    (src / 'test').symlink_to(real / 'v2', target_is_directory=True)
    (real / 'v1' / 'loop').symlink_to(src, target_is_directory=True)

    convert_miga2025(src, tmp_path / 'out', quiet(val_subjects=0.0))

    data = load_pkl(tmp_path / 'out' / OPENPOSE137_FILE)
    assert data['split'] == dict(train=['v1_000'], val=[], test=['v2_000'])
