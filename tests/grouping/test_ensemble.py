import numpy as np
import pytest

from conftest import write_score_dump
from m2hen_mmaction.grouping import ensemble
from m2hen_mmaction.grouping.parts import build_trainset, split_parts

# Four primary classes, parts A = {0, 1} (head) and B = {2, 3} (tail).
# Trainset_1 = B + OTHERS (local 0 -> 2, 1 -> 3, 2 -> OTHERS);
# Trainset_2 = the primary set.
COUNTS = [50, 40, 5, 4]
TAIL_MAP = [2, 3, -1]
PRIMARY_MAP = [0, 1, 2, 3]
# Sample X (head class 0): primary right (0.6), the tail model claims class
#   2 with 0.5 -> fused class 2 = 0.2 + 0.5 α: right iff α < 0.8.
# Sample Y (tail class 3): primary says class 0 (0.5 vs 0.3), the tail
#   model claims class 3 with 0.6 -> right iff 0.3 + 0.6 α > 0.5, α > 1/3.
PRIMARY_SCORES = [[0.6, 0.1, 0.2, 0.1], [0.5, 0.1, 0.1, 0.3]]
TAIL_SCORES = [[0.5, 0.1, 0.4], [0.1, 0.6, 0.3]]
PRIMARY_LABELS = [0, 3]
TAIL_LABELS = [2, 1]  # X is OTHERS for the tail trainset
IDS = ['subject1/clip_x', 'subject2/clip_y']


def _dump(path, scores, labels, ids=IDS, stream='item'):
    """Write scores as MMAction2's ``tools/test.py --dump`` does."""
    return write_score_dump(path, scores, labels, ids, stream)


def _trainsets(tmp_path, tail_scores=TAIL_SCORES, tail_labels=TAIL_LABELS,
               tail_ids=IDS):
    """Trainsets 1 and 2, each with two identical models (M3CN, EHCT)."""
    tail = ensemble.load_trainset([
        _dump(tmp_path / f'tail_{m}.pkl', tail_scores, tail_labels, tail_ids)
        for m in ('m3cn', 'ehct')
    ], TAIL_MAP, 'trainset1')
    primary = ensemble.load_trainset([
        _dump(tmp_path / f'primary_{m}.pkl', PRIMARY_SCORES, PRIMARY_LABELS)
        for m in ('m3cn', 'ehct')
    ], PRIMARY_MAP, 'trainset2')
    return [tail, primary]


def test_label_maps_come_from_part_grouping():
    parts = split_parts(COUNTS, ratio=0.2)
    assert parts == [[0, 1], [2, 3]]
    assert build_trainset(parts, 1).label_map.tolist() == TAIL_MAP
    assert build_trainset(parts, 2).label_map.tolist() == PRIMARY_MAP


def test_load_dump_reads_mmaction_dump_format(tmp_path):
    dump = ensemble.load_dump(
        _dump(tmp_path / 'a.pkl', PRIMARY_SCORES, PRIMARY_LABELS))
    assert dump.scores == pytest.approx(np.array(PRIMARY_SCORES))
    assert dump.labels.tolist() == PRIMARY_LABELS
    assert dump.sample_ids == tuple(IDS)


def test_map_to_primary_gated_and_always():
    scores = np.array([[0.1, 0.7, 0.2], [0.5, 0.1, 0.4], [0.1, 0.1, 0.8]])
    label_map = np.array(TAIL_MAP)
    gated = ensemble.map_to_primary(scores, label_map, 4, 'gated')
    always = ensemble.map_to_primary(scores, label_map, 4, 'always')
    assert gated == pytest.approx(
        np.array([[0, 0, 0.1, 0.7], [0, 0, 0.5, 0.1], [0, 0, 0, 0]]))
    assert always == pytest.approx(
        np.array([[0, 0, 0.1, 0.7], [0, 0, 0.5, 0.1], [0, 0, 0.1, 0.1]]))


def test_fuse_is_eq5_with_summed_models(tmp_path):
    tail, primary = _trainsets(tmp_path)
    fused = ensemble.fuse([tail, primary], [0.5, 1.0])
    expected = 2 * np.array(PRIMARY_SCORES)  # two models each
    expected[0, 2] += 0.5 * 2 * 0.5
    expected[0, 3] += 0.5 * 2 * 0.1
    expected[1, 2] += 0.5 * 2 * 0.1
    expected[1, 3] += 0.5 * 2 * 0.6
    assert fused == pytest.approx(expected)


def test_search_on_val_then_apply_to_test(tmp_path):
    trainsets = _trainsets(tmp_path)
    alphas = ensemble.search_alphas(trainsets, grid=(0, 0.25, 0.5, 1, 2))
    assert alphas.tolist() == [0.5, 1.0]  # the only grid value in (1/3, .8)
    for alpha, top1 in [(0.0, 0.5), (1.0, 0.5), (0.5, 1.0)]:
        result = ensemble.apply(trainsets, [alpha, 1.0], parts=[[0, 1],
                                                                 [2, 3]])
        assert result.metrics['top1'] == top1
    assert result.labels.tolist() == PRIMARY_LABELS
    assert result.metrics['part_B_top1'] == 1.0


def test_search_by_class_average_and_always_gate(tmp_path):
    trainsets = _trainsets(tmp_path)
    alphas = ensemble.search_alphas(
        trainsets, gate='always', objective='mean1', grid=(0, 0.5, 2))
    assert alphas.tolist() == [0.5, 1.0]
    with pytest.raises(ValueError, match="unknown objective 'top3'"):
        ensemble.search_alphas(trainsets, objective='top3')


def test_logits_are_softmaxed_probabilities_kept():
    logits = np.array([[2.0, 0.0, -1.0]])
    probs = ensemble.to_probabilities(logits, 'softmax')
    assert probs.sum() == pytest.approx(1.0)
    assert probs[0] == pytest.approx(np.exp(logits[0]) / np.exp(logits).sum())
    already = np.array([[0.2, 0.3, 0.5]])
    assert ensemble.to_probabilities(already, 'softmax') is already
    assert ensemble.to_probabilities(logits, 'none') is logits
    with pytest.raises(ValueError, match='normalize must be one of'):
        ensemble.to_probabilities(logits, 'sigmoid')


def test_multi_stream_dump_needs_score_name(tmp_path):
    path = _dump(tmp_path / 'rgbpose.pkl', PRIMARY_SCORES, PRIMARY_LABELS,
                 stream='rgb')
    assert ensemble.load_dump(path).scores.shape == (2, 4)  # only stream
    with pytest.raises(KeyError, match='has no score "pose"'):
        ensemble.load_dump(path, score_name='pose')


def test_rgbpose_streams_fuse_as_the_mean_of_their_probabilities(tmp_path):
    """A dump with rgb and pose streams (MMAction2's RGBPoseHead) scores as
    the centred log of the mean of their softmaxes, whether the streams
    hold logits or probabilities; here that ranks otherwise than the mean
    of the logits."""
    rgb = np.array([[6., 0., 5., 0.], [0., 0., 3., 0.]])
    pose = np.array([[0., 4.5, 0., 0.], [0., 0., 1., 0.]])
    softmax = ensemble.to_probabilities
    log_mean = np.log((softmax(rgb, 'softmax') + softmax(pose, 'softmax')) / 2)
    expected = log_mean - log_mean.mean(axis=1, keepdims=True)
    for name, streams in [('logits', dict(rgb=rgb, pose=pose)),
                          ('probabilities', dict(
                              rgb=softmax(rgb, 'softmax'),
                              pose=softmax(pose, 'softmax')))]:
        fused = ensemble.load_fused_dump(_dump(
            tmp_path / f'{name}.pkl', streams, PRIMARY_LABELS))
        assert fused.scores == pytest.approx(expected, abs=1e-6), name
        assert fused.labels.tolist() == PRIMARY_LABELS
    assert expected.argmax(1).tolist() == [1, 2]
    assert ((rgb + pose) / 2).argmax(1).tolist() == [0, 2]
    # `m2hen ensemble` reads such a dump as one model: its fused score.
    trainset = ensemble.load_trainset([str(tmp_path / 'logits.pkl')],
                                      PRIMARY_MAP)
    assert trainset.scores == pytest.approx(
        softmax(expected, 'softmax'), abs=1e-6)


def test_mismatched_sample_order_is_rejected(tmp_path):
    reversed_tail = _trainsets(
        tmp_path, tail_scores=TAIL_SCORES[::-1],
        tail_labels=TAIL_LABELS[::-1], tail_ids=IDS[::-1])
    with pytest.raises(ValueError, match='sample 0 is "subject2/clip_y"'):
        ensemble.apply(reversed_tail, [1, 1])
    wrong_labels = _trainsets(tmp_path, tail_labels=[1, 1])
    with pytest.raises(ValueError, match='sample 0: .* maps to 2'):
        ensemble.search_alphas(wrong_labels)


def test_ids_with_different_prefixes_still_match(tmp_path):
    prefixed = [f'data/videos/{i}' for i in IDS]
    tail, primary = _trainsets(tmp_path, tail_ids=prefixed)
    assert ensemble.apply([tail, primary], [1, 1]).metrics['top1'] == 0.5


def test_models_of_one_trainset_must_agree(tmp_path):
    first = ensemble.load_dump(
        _dump(tmp_path / 'a.pkl', PRIMARY_SCORES, PRIMARY_LABELS))
    other_labels = ensemble.load_dump(
        _dump(tmp_path / 'b.pkl', PRIMARY_SCORES, [0, 2]))
    with pytest.raises(ValueError, match='sample 1 has label 2'):
        ensemble.combine_models([first, other_labels], PRIMARY_MAP)
    fewer = ensemble.load_dump(
        _dump(tmp_path / 'c.pkl', PRIMARY_SCORES[:1], [0], IDS[:1]))
    with pytest.raises(ValueError, match='has 1 samples but'):
        ensemble.combine_models([first, fewer], PRIMARY_MAP)
    with pytest.raises(ValueError, match='scores 4 classes but the label'):
        ensemble.combine_models([first], TAIL_MAP, 'trainset1')
    with pytest.raises(ValueError, match='trainset1 has no model scores'):
        ensemble.combine_models([], TAIL_MAP, 'trainset1')


def test_missing_trainsets_and_wrong_alphas(tmp_path):
    tail, primary = _trainsets(tmp_path)
    with pytest.raises(ValueError, match='exactly one primary trainset'):
        ensemble.search_alphas([tail])
    with pytest.raises(ValueError, match='2 alphas for 1 trainsets'):
        ensemble.fuse([primary], [1, 1])
    with pytest.raises(ValueError, match='gate must be one of'):
        ensemble.fuse([primary], [1], gate='soft')
