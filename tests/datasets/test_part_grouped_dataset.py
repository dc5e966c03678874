import mmengine
import numpy as np
import pytest
from mmaction.registry import DATASETS
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

import m2hen_mmaction  # noqa: F401  (registers PartGroupedPoseDataset)

# Train counts per class; ratio 0.5 gives A=[0, 1] B=[2, 3] C=[4] D=[5].
TRAIN_COUNTS = [40, 30, 12, 6, 3, 1]
VAL_LABELS = [5, 0, 1, 2, 3, 4, 0, 5, 2]
CLASS_NAMES = [f'gesture{k}' for k in range(6)]


def _annotation(name, label, rng):
    return dict(
        frame_dir=name,
        label=label,
        img_shape=(64, 64),
        original_shape=(64, 64),
        total_frames=4,
        keypoint=rng.random((1, 4, 17, 2), dtype=np.float32) * 64,
        keypoint_score=np.ones((1, 4, 17), dtype=np.float32))


def _write_pkl(folder, train_labels, val_labels, classes=CLASS_NAMES):
    rng = np.random.default_rng(0)
    train = [_annotation(f'train_{i}', int(label), rng)
             for i, label in enumerate(train_labels)]
    val = [_annotation(f'val_{i}', int(label), rng)
           for i, label in enumerate(val_labels)]
    split = dict(
        train=[a['frame_dir'] for a in train],
        val=[a['frame_dir'] for a in val],
        test=[])
    path = str(folder / 'skeleton.pkl')
    mmengine.dump(dict(split=split, annotations=val + train), path)
    if classes is not None:
        (folder / 'classes.txt').write_text('\n'.join(classes) + '\n')
    return path


@pytest.fixture(autouse=True)
def mmaction_scope():
    """Resolve pipeline transforms in MMAction2's registries."""
    with DefaultScope.overwrite_default_scope('mmaction'):
        yield


@pytest.fixture
def ann_file(tmp_path):
    rng = np.random.default_rng(1)
    labels = rng.permutation(np.repeat(np.arange(6), TRAIN_COUNTS))
    return _write_pkl(tmp_path, labels, VAL_LABELS)


def _build(ann_file, split='train', **kwargs):
    cfg = dict(
        type='PartGroupedPoseDataset',
        ann_file=ann_file,
        split=split,
        part_ratio=0.5,
        pipeline=[dict(type='PackActionInputs')])
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def _labels(dataset):
    return np.array(
        [dataset.get_data_info(i)['label'] for i in range(len(dataset))])


def test_primary_set_keeps_everything(ann_file):
    dataset = _build(ann_file, num_parts_used=4)
    meta = dataset.metainfo
    assert len(dataset) == sum(TRAIN_COUNTS)
    assert np.bincount(_labels(dataset)).tolist() == TRAIN_COUNTS
    assert meta['classes'] == CLASS_NAMES
    assert meta['label_map'] == list(range(6))
    assert meta['class_counts'] == TRAIN_COUNTS
    assert meta['primary_parts'] == [[0, 1], [2, 3], [4], [5]]
    assert meta['parts'] == meta['primary_parts']
    assert meta['part_names'] == ['A', 'B', 'C', 'D']
    sample = dataset[0]
    assert sample['inputs'].shape == (1, 4, 17, 2)
    assert sample['data_samples'].gt_labels.item.item() == \
        dataset.get_data_info(0)['label']


def test_tail_trainset_train_split_selects_others(ann_file):
    dataset = _build(ann_file, num_parts_used=2)  # C + D + OTHERS
    meta = dataset.metainfo
    assert meta['classes'] == ['gesture4', 'gesture5', 'OTHERS']
    assert meta['label_map'] == [4, 5, -1]
    assert meta['others_classes'] == [0, 1, 2, 3]
    assert meta['parts'] == [[0], [1]] and meta['part_names'] == ['C', 'D']
    # default OTHERS size = largest kept class (3 samples of gesture4)
    assert np.bincount(_labels(dataset)).tolist() == [3, 1, 3]
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    others = [i['primary_label'] for i in infos if i['label'] == 2]
    assert len(set(others)) == 3 and set(others) <= {0, 1, 2, 3}
    kept = {i['primary_label'] for i in infos if i['label'] != 2}
    assert kept == {4, 5}


def test_others_size_and_seed(ann_file):
    dataset = _build(ann_file, num_parts_used=2, others_size=8)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    others = [i['primary_label'] for i in infos if i['label'] == 2]
    assert np.bincount(others, minlength=4).tolist() == [2, 2, 2, 2]

    def others_ids(seed):
        built = _build(ann_file, num_parts_used=2, others_size=8,
                       others_seed=seed)
        return [built.get_data_info(i)['frame_dir']
                for i in range(len(built))]

    assert others_ids(5) == others_ids(5)
    assert others_ids(5) != others_ids(6)


def test_val_split_keeps_all_samples_and_maps_head_to_others(ann_file):
    dataset = _build(ann_file, split='val', num_parts_used=2,
                     test_mode=True)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [i['frame_dir'] for i in infos] == [
        f'val_{k}' for k in range(len(VAL_LABELS))
    ]
    assert [i['primary_label'] for i in infos] == VAL_LABELS
    expected = [{4: 0, 5: 1}.get(label, 2) for label in VAL_LABELS]
    assert [i['label'] for i in infos] == expected
    # parts come from the train split's counts, not from val's
    assert dataset.metainfo['class_counts'] == TRAIN_COUNTS


def test_class_balanced_repeats_rare_classes(ann_file):
    dataset = _build(ann_file, class_balanced=True)
    counts = np.bincount(_labels(dataset))
    repeats = np.rint(max(TRAIN_COUNTS) / np.array(TRAIN_COUNTS))
    assert counts.tolist() == (np.array(TRAIN_COUNTS) * repeats).tolist()
    assert counts.max() / counts.min() < 1.5
    val = _build(ann_file, split='val', class_balanced=True, test_mode=True)
    assert len(val) == len(VAL_LABELS)


def test_mmengine_class_balanced_wrapper_uses_cat_ids(ann_file):
    wrapped = DATASETS.build(
        dict(
            type='ClassBalancedDataset',
            oversample_thr=0.2,
            dataset=dict(
                type='PartGroupedPoseDataset',
                ann_file=ann_file,
                split='train',
                part_ratio=0.5,
                pipeline=[])))
    labels = [wrapped.get_cat_ids(i)[0] for i in range(len(wrapped))]
    counts = np.bincount(labels)
    assert len(wrapped) > sum(TRAIN_COUNTS)
    assert counts[5] > 1 and counts[0] == TRAIN_COUNTS[0]


def test_class_names_without_classes_file(tmp_path):
    labels = np.repeat(np.arange(3), [5, 4, 1])
    path = _write_pkl(tmp_path, labels, [0, 2], classes=None)
    dataset = _build(path, num_parts_used=1)
    assert dataset.metainfo['primary_classes'] == [
        'class_0', 'class_1', 'class_2'
    ]


def test_unknown_label_is_named(tmp_path):
    labels = np.repeat(np.arange(6), TRAIN_COUNTS)
    path = _write_pkl(tmp_path, labels, [0, 6])
    with pytest.raises(ValueError, match="'val_1': label 6 is outside"):
        _build(path, split='val')


def test_class_without_train_samples_is_named(tmp_path):
    labels = np.repeat(np.arange(5), TRAIN_COUNTS[:5])
    path = _write_pkl(tmp_path, labels, [0, 5])
    with pytest.raises(ValueError, match=r"\[5\] \(\['gesture5'\]\)"):
        _build(path, split='val')


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(split='test'), ValueError, "Split 'test' .* has no samples"),
    (dict(split='xsub_val'), ValueError, 'split "xsub_val" is not in'),
    (dict(split='val', part_split='xsub_train'), ValueError,
     r"split \"xsub_train\" is not in .* it has \['test', 'train', 'val'\]"),
    (dict(split=None), ValueError, 'needs `split`'),
    (dict(num_parts_used=5), ValueError, r'num_parts_used must be in 1\.\.4'),
    (dict(metainfo=dict(classes='missing.txt')), FileNotFoundError,
     'neither a list'),
])
def test_bad_configuration_errors(ann_file, kwargs, error, match):
    with pytest.raises(error, match=match):
        _build(ann_file, **kwargs)


def test_trains_and_validates_in_a_runner_with_the_metric(ann_file,
                                                          tmp_path):
    pipeline = [
        dict(type='PreNormalize2D'),
        dict(type='GenSkeFeat', dataset='coco', feats=['j']),
        dict(type='UniformSampleFrames', clip_len=4, test_mode=True),
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs')
    ]

    def loader(split):
        return dict(
            batch_size=16,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(
                type='PartGroupedPoseDataset',
                ann_file=ann_file,
                split=split,
                test_mode=split == 'val',
                num_parts_used=2,
                part_ratio=0.5,
                pipeline=pipeline))

    runner = Runner.from_cfg(
        Config(
            dict(
                model=dict(
                    type='RecognizerGCN',
                    backbone=dict(
                        type='STGCN',
                        graph_cfg=dict(layout='coco', mode='stgcn_spatial'),
                        base_channels=8,
                        num_person=1,
                        num_stages=2,
                        inflate_stages=[],
                        down_stages=[]),
                    cls_head=dict(
                        type='GCNHead', num_classes=3, in_channels=8)),
                work_dir=str(tmp_path / 'work'),
                train_dataloader=loader('train'),
                val_dataloader=loader('val'),
                val_evaluator=dict(type='MicroGestureMetric'),
                train_cfg=dict(
                    type='EpochBasedTrainLoop', max_epochs=1,
                    val_interval=1),
                val_cfg=dict(type='ValLoop'),
                optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
                default_hooks=dict(checkpoint=None),
                default_scope='mmaction')))
    runner.train()
    hub = runner.message_hub
    for key in ('top1', 'top5', 'mean1', 'part_C_top1', 'part_D_mean1'):
        assert 0 <= hub.get_scalar(f'val/acc/{key}').current() <= 1
    confusion = np.load(
        f'{runner.log_dir}/val_epoch1_confusion_matrix.npy')
    assert confusion.shape == (3, 3)
    # rows: gesture4, gesture5, OTHERS (every other val sample)
    assert confusion.sum(axis=1).tolist() == [
        VAL_LABELS.count(4), VAL_LABELS.count(5),
        len(VAL_LABELS) - VAL_LABELS.count(4) - VAL_LABELS.count(5)
    ]
