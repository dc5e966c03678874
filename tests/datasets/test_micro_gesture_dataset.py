"""MicroGesturePoseDataset: clear errors or documented repairs for bad input."""
import os.path as osp

import mmengine
import numpy as np
import pytest

from mmaction.registry import DATASETS

pytestmark = pytest.mark.usefixtures('mmaction_scope')


def _sample(name, label, num_joints=137, frames=6):
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    return dict(frame_dir=name, label=label, img_shape=(64, 64),
                original_shape=(64, 64), total_frames=frames,
                keypoint=rng.uniform(5, 60, (1, frames, num_joints, 2)).astype(
                    np.float32),
                keypoint_score=np.ones((1, frames, num_joints), np.float32))


def _write(tmp_path, annotations, split=None, classes=('a', 'b', 'c')):
    split = split or dict(train=[a['frame_dir'] for a in annotations])
    path = osp.join(tmp_path, 'ann.pkl')
    mmengine.dump(dict(split=split, annotations=annotations), path)
    with open(osp.join(tmp_path, 'classes.txt'), 'w') as f:
        f.write('\n'.join(f'{i} {c}' for i, c in enumerate(classes)) + '\n')
    return path


def _build(path, **kwargs):
    cfg = dict(type='MicroGesturePoseDataset', ann_file=path, split='train',
               layout='openpose137',
               pipeline=[dict(type='UniformSampleFrames', clip_len=4),
                         dict(type='PoseDecode')])
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_good_data_loads_with_class_names(tmp_path):
    path = _write(tmp_path, [_sample('s0', 0), _sample('s1', 2)])
    dataset = _build(path)
    assert len(dataset) == 2
    assert dataset.metainfo['classes'] == ('a', 'b', 'c')
    assert dataset[1]['keypoint'].shape == (1, 4, 137, 2)
    assert dataset[1]['layout'] == 'openpose137'  # for the transforms
    assert 'layout' not in _build(path, layout=None)[1]


def test_class_balanced_wrapper_repeats_the_rare_class(tmp_path):
    """mmengine's ClassBalancedDataset reads labels via get_cat_ids."""
    labels = [0] * 9 + [1]
    path = _write(tmp_path, [_sample(f's{i}', label)
                             for i, label in enumerate(labels)])
    balanced = DATASETS.build(dict(type='ClassBalancedDataset',
                                   oversample_thr=0.5,
                                   dataset=dict(type='MicroGesturePoseDataset',
                                                ann_file=path, split='train',
                                                layout='openpose137',
                                                pipeline=[])))
    # Class 1 holds 1/10 of the clips: repeated ceil(sqrt(0.5 / 0.1)) = 3
    # times; class 0 (9/10, above the threshold) once.
    drawn = [balanced[i]['label'] for i in range(len(balanced))]
    assert sorted(drawn) == [0] * 9 + [1] * 3


def test_label_out_of_range_names_the_sample(tmp_path):
    path = _write(tmp_path, [_sample('s0', 0), _sample('bad_clip', 3)])
    with pytest.raises(ValueError, match=r"'bad_clip': label 3 .*\[0, 3\)"):
        _build(path)


def test_wrong_joint_count_names_the_sample(tmp_path):
    path = _write(tmp_path, [_sample('coco_clip', 0, num_joints=17)])
    with pytest.raises(ValueError, match="'coco_clip'.*17 joints.*137"):
        _build(path)


def test_empty_split_is_an_error(tmp_path):
    path = _write(tmp_path, [_sample('s0', 0)], split=dict(train=['s0'],
                                                           val=[]))
    with pytest.raises(ValueError, match="Split 'val' .* no samples"):
        _build(path, split='val')


def test_missing_scores_are_filled_from_presence(tmp_path):
    sample = _sample('s0', 1)
    del sample['keypoint_score']
    sample['keypoint'][0, 0, 5] = 0  # an OpenPose "not detected" joint
    dataset = _build(_write(tmp_path, [sample]))
    score = dataset.get_data_info(0)['keypoint_score']
    assert score[0, 0, 5] == 0 and score.sum() == score.size - 1


def test_nan_joints_become_missing_or_raise(tmp_path):
    sample = _sample('nan_clip', 1)
    sample['keypoint'][0, 2, 7, 0] = np.nan
    path = _write(tmp_path, [sample])
    info = _build(path).get_data_info(0)
    assert info['keypoint'][0, 2, 7].tolist() == [0.0, 0.0]
    assert info['keypoint_score'][0, 2, 7] == 0
    assert np.isfinite(info['keypoint']).all()
    with pytest.raises(ValueError, match="'nan_clip': 1 joints have NaN"):
        _build(path, nan_policy='error')


def test_missing_video_names_the_sample(tmp_path):
    path = _write(tmp_path, [_sample('no_video', 0)])
    with pytest.raises(FileNotFoundError, match='no_video.*missing'):
        _build(path, data_prefix=dict(video=str(tmp_path / 'videos')))


def test_corrupt_video_error_names_the_sample(tmp_path):
    (tmp_path / 'videos').mkdir()
    (tmp_path / 'videos' / 'broken.mp4').write_bytes(b'not an mp4 file')
    path = _write(tmp_path, [_sample('broken', 0)])
    dataset = _build(
        path, data_prefix=dict(video=str(tmp_path / 'videos')),
        pipeline=[dict(type='MMUniformSampleFrames', clip_len=dict(RGB=2)),
                  dict(type='MMDecode')])
    with pytest.raises(RuntimeError, match="'.*broken' failed in MMDecode"):
        dataset[0]
