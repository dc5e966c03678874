import json
import uuid

import numpy as np
import pytest
import torch
from matplotlib.image import imread
from mmaction.evaluation import mean_class_accuracy
from mmaction.registry import METRICS
from mmaction.structures import ActionDataSample
from mmengine.evaluator import Evaluator
from mmengine.logging import MessageHub, MMLogger
from mmengine.structures import LabelData

import m2hen_mmaction  # noqa: F401  (registers MicroGestureMetric)
from m2hen_mmaction.evaluation.metrics import accuracy_report, sample_scores

# Six samples, four classes. Class 3 never occurs in the ground truth but
# is predicted twice; class 2 occurs but is never predicted.
#            top-1 pred, 2nd choice
LABELS = [0, 0, 0, 1, 1, 2]
RANKING = [(0, 1), (0, 2), (3, 0), (1, 0), (0, 3), (3, 2)]
# top1 = 3/6; top2 = 5/6; recalls: c0 2/3, c1 1/2, c2 0 -> mean1 = 7/18.
# Part A = {0, 1}: samples 0-4, 3 right -> 0.6, mean1 (2/3 + 1/2) / 2.
# Part B = {2, 3}: sample 5 wrong -> 0, mean1 = recall of class 2 = 0.
EXPECTED = {
    'top1': 3 / 6,
    'top2': 5 / 6,
    'mean1': (2 / 3 + 1 / 2 + 0) / 3,
    'part_A_top1': 3 / 5,
    'part_A_mean1': (2 / 3 + 1 / 2) / 2,
    'part_B_top1': 0.0,
    'part_B_mean1': 0.0,
}
CONFUSION = [[2, 0, 0, 1], [1, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
META = dict(
    classes=['rub', 'touch', 'fold', 'cross'],
    parts=[[0, 1], [2, 3]],
    part_names=['A', 'B'])


def _scores(first, second, num_classes=4):
    score = np.full(num_classes, 0.1 / num_classes)
    score[first], score[second] = 0.6, 0.3
    return torch.tensor(score / score.sum(), dtype=torch.float32)


def _samples(**streams):
    """ActionDataSamples as a recognizer's predict returns them."""
    samples = []
    for index, label in enumerate(LABELS):
        sample = ActionDataSample().set_gt_labels(label)
        items = {name: make(index) for name, make in streams.items()}
        sample.pred_scores = LabelData(**items)
        samples.append(sample)
    return samples


def _item(index):
    return _scores(*RANKING[index])


def _evaluate(metric_cfg, samples, meta=META):
    metric = METRICS.build(metric_cfg)
    evaluator = Evaluator([metric])
    evaluator.dataset_meta = meta
    evaluator.process(samples)
    return evaluator.evaluate(len(samples))


@pytest.fixture
def fresh_hub():
    """A current message hub / logger of our own, as a Runner makes."""
    name = f'test_{uuid.uuid4().hex}'
    hub = MessageHub.get_instance(name)
    yield hub


def test_hand_computed_accuracies(tmp_path, fresh_hub):
    metrics = _evaluate(
        dict(
            type='MicroGestureMetric',
            metric_options=dict(top_k_accuracy=dict(topk=(1, 2))),
            out_dir=str(tmp_path)), _samples(item=_item))
    assert metrics.keys() == {f'acc/{k}' for k in EXPECTED}
    for key, value in EXPECTED.items():
        assert metrics[f'acc/{key}'] == pytest.approx(value)


def test_class_average_ignores_classes_absent_from_ground_truth():
    scores = np.stack([_item(i).numpy() for i in range(len(LABELS))])
    ours = accuracy_report(scores, np.array(LABELS), topk=(1, ))['mean1']
    # MMAction2 averages over predicted classes too (class 3 counts as 0).
    theirs = mean_class_accuracy(list(scores), LABELS)
    assert ours == pytest.approx(7 / 18)
    assert theirs == pytest.approx(7 / 24)


def test_saves_confusion_matrix_png_and_per_class_json(tmp_path, fresh_hub):
    fresh_hub.update_info('loop_stage', 'val')
    fresh_hub.update_info('epoch', 2)  # 0-based: the log says epoch 3
    _evaluate(
        dict(type='MicroGestureMetric', out_dir=str(tmp_path)),
        _samples(item=_item))
    confusion = np.load(tmp_path / 'val_epoch3_confusion_matrix.npy')
    assert confusion.tolist() == CONFUSION
    image = imread(tmp_path / 'val_epoch3_confusion_matrix.png')
    assert image.ndim == 3 and min(image.shape[:2]) > 100
    rows = json.loads(
        (tmp_path / 'val_epoch3_per_class.json').read_text())['classes']
    assert [r['name'] for r in rows] == META['classes']
    assert [r['count'] for r in rows] == [3, 2, 1, 0]
    assert [r['correct'] for r in rows] == [2, 1, 0, 0]
    assert rows[0]['accuracy'] == pytest.approx(2 / 3)
    assert rows[3]['accuracy'] is None


def test_default_dir_is_the_loggers_log_dir(tmp_path, fresh_hub,
                                            monkeypatch):
    monkeypatch.chdir(tmp_path)
    MMLogger.get_instance(f'no_file_{uuid.uuid4().hex}')
    _evaluate(dict(type='MicroGestureMetric'), _samples(item=_item))
    assert list(tmp_path.iterdir()) == []  # no dir known: nothing saved

    log_dir = tmp_path / 'work_dir' / 'stamp'
    log_dir.mkdir(parents=True)
    fresh_hub.update_info('loop_stage', 'test')
    MMLogger.get_instance(
        f'with_file_{uuid.uuid4().hex}', log_file=str(log_dir / 'run.log'))
    _evaluate(
        dict(type='MicroGestureMetric', save_per_class=False),
        _samples(item=_item))
    saved = sorted(p.name for p in log_dir.iterdir())
    assert saved == [
        'run.log', 'test_confusion_matrix.npy', 'test_confusion_matrix.png'
    ]


def test_multi_clip_scores_are_averaged(tmp_path, fresh_hub):

    def three_clips(index):
        # the first and last clips are wrong, the mean is right.
        right = _item(index)
        wrong = torch.roll(right, 1) * 0.2
        return torch.stack([wrong, right, wrong])

    metrics = _evaluate(
        dict(type='MicroGestureMetric', out_dir=str(tmp_path)),
        _samples(item=three_clips))
    assert metrics['acc/top1'] == pytest.approx(EXPECTED['top1'])


def test_multi_stream_scores_get_prefixes_and_files(tmp_path, fresh_hub):

    def always_zero(index):
        return _scores(0, 1)

    metrics = _evaluate(
        dict(type='MicroGestureMetric', out_dir=str(tmp_path)),
        _samples(rgb=_item, pose=always_zero))
    assert metrics['acc/rgb_top1'] == pytest.approx(3 / 6)
    assert metrics['acc/pose_top1'] == pytest.approx(3 / 6)
    assert metrics['acc/pose_mean1'] == pytest.approx((1 + 0 + 0) / 3)
    assert 'acc/RGBPose_1:1_top1' in metrics  # AccMetric's fused variants
    assert (tmp_path / 'eval_rgb_confusion_matrix.npy').exists()
    assert (tmp_path / 'eval_pose_per_class.json').exists()


def test_metric_list_without_class_average(tmp_path):
    metrics = _evaluate(
        dict(
            type='MicroGestureMetric',
            metric_list=('top_k_accuracy', ),
            out_dir=str(tmp_path),
            save_confusion_matrix=False,
            save_per_class=False), _samples(item=_item), meta=None)
    assert set(metrics) == {'acc/top1', 'acc/top5'}
    assert metrics['acc/top5'] == 1.0
    assert list(tmp_path.iterdir()) == []


def test_newer_mmaction_sample_keys_are_read():
    sample = dict(pred_score=torch.tensor([0.2, 0.8]), gt_label=1)
    assert sample_scores(sample)['item'].tolist() == pytest.approx([.2, .8])


def test_clear_errors():
    with pytest.raises(ValueError, match='use AccMetric for multi-label'):
        METRICS.build(
            dict(
                type='MicroGestureMetric',
                metric_list='mean_average_precision'))
    bad_label = ActionDataSample().set_gt_labels(7)
    bad_label.pred_scores = LabelData(item=_item(0))
    with pytest.raises(ValueError, match='label 7 outside the 4 scored'):
        _evaluate(dict(type='MicroGestureMetric'), [bad_label])
    multi = ActionDataSample().set_gt_labels([0, 1])
    multi.pred_scores = LabelData(item=_item(0))
    with pytest.raises(ValueError, match='single-label'):
        _evaluate(dict(type='MicroGestureMetric'), [multi])
    with pytest.raises(ValueError, match='no samples were evaluated'):
        _evaluate(dict(type='MicroGestureMetric'), [])
    with pytest.raises(KeyError, match='no "pred_scores"'):
        sample_scores(dict(gt_labels=dict(item=torch.tensor([0]))))
