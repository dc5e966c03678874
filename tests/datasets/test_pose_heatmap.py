"""GeneratePoseHeatmap vs MMAction2's GeneratePoseTarget, run side by side."""
import copy

import numpy as np
import pytest
from mmaction.datasets.transforms import GeneratePoseTarget
from mmaction.registry import TRANSFORMS
from numpy.testing import assert_array_almost_equal

import m2hen_mmaction  # noqa: F401  (registers our components)
from m2hen_mmaction.skeleton.heatmaps import RECORD_FIELDS
from m2hen_mmaction.datasets.transforms.pose_heatmap import (
    GeneratePoseHeatmap, pose_target_args)
from m2hen_mmaction.skeleton import get_layout

TOLERANCE = 1e-5


def random_sample(num_joints, num_persons=2, num_frames=3, img_shape=(56, 48),
                  seed=0):
    """Non-integer keypoints, ~15% outside the image, ~20% zero scores."""
    rng = np.random.default_rng(seed)
    height, width = img_shape
    high = np.array([width, height]) * 1.15
    keypoint = rng.uniform(-0.15 * np.array([width, height]), high,
                           (num_persons, num_frames, num_joints, 2))
    score = rng.uniform(0, 1, (num_persons, num_frames, num_joints))
    score[rng.random(score.shape) < 0.2] = 0
    return dict(keypoint=keypoint.astype(np.float32),
                keypoint_score=score.astype(np.float32), img_shape=img_shape,
                frame_dir=f'clip_{seed}')


def both(sample, **kwargs):
    """(MMAction2's heatmaps, ours) for the same sample and arguments."""
    theirs = GeneratePoseTarget(**kwargs)(copy.deepcopy(sample))['imgs']
    ours = TRANSFORMS.build(dict(type='GeneratePoseHeatmap', **kwargs))(
        copy.deepcopy(sample))['imgs']
    return theirs, ours


@pytest.mark.parametrize('layout', ['coco17', 'openpose137'])
@pytest.mark.parametrize('num_persons', [1, 2])
@pytest.mark.parametrize('mode', ['kp', 'limb'])
@pytest.mark.parametrize('double', [False, True])
@pytest.mark.parametrize('scaling', [1., 0.25])
def test_matches_generate_pose_target(layout, num_persons, mode, double,
                                      scaling):
    img_shape = (56, 48) if scaling == 1 else (224, 200)
    sample = random_sample(get_layout(layout).num_joints, num_persons,
                           img_shape=img_shape)
    theirs, ours = both(sample, sigma=0.6, with_kp=mode == 'kp',
                        with_limb=mode == 'limb', double=double,
                        scaling=scaling, **pose_target_args(layout))
    assert ours.dtype == theirs.dtype == np.float32
    assert ours.shape == theirs.shape
    assert theirs.max() > 0.5  # something was drawn
    assert np.abs(ours - theirs).max() <= TOLERANCE


@pytest.mark.parametrize('sigma', [0.7, 1, 2.5])
def test_sigma_and_degenerate_limbs_match(sigma):
    sample = random_sample(17, seed=3)
    # Limbs shorter than a pixel are drawn as their start joint.
    sample['keypoint'][:, :, 1] = sample['keypoint'][:, :, 0] + 0.4
    sample['keypoint'][:, :, 2] = np.round(sample['keypoint'][:, :, 2])
    for mode in (dict(with_kp=True), dict(with_kp=False, with_limb=True)):
        theirs, ours = both(sample, sigma=sigma, **mode)
        assert np.abs(ours - theirs).max() <= TOLERANCE


def test_use_score_false_and_missing_scores_match():
    sample = random_sample(17, seed=4)
    theirs, ours = both(sample, use_score=False)
    assert np.abs(ours - theirs).max() <= TOLERANCE
    del sample['keypoint_score']
    theirs, ours = both(sample)
    assert np.abs(ours - theirs).max() <= TOLERANCE


def test_kp_and_limbs_get_their_own_channels():
    """Documented fix: MMAction2 draws limb i over joint channel i."""
    sample = random_sample(17, seed=5)
    ours = GeneratePoseHeatmap(with_kp=True, with_limb=True, double=True)(
        copy.deepcopy(sample))['imgs']
    kp_only, _ = both(sample, with_kp=True, double=True)
    limb_only, _ = both(sample, with_kp=False, with_limb=True, double=True)
    assert ours.shape == (6, 17 + 17, 56, 48)
    assert np.abs(ours[:, :17] - kp_only).max() <= TOLERANCE
    assert np.abs(ours[:, 17:] - limb_only).max() <= TOLERANCE


def test_ported_mmaction2_cases():
    """MMAction2's test_generate_pose_target, asserted on both classes."""
    kp = np.concatenate([np.array([[[[24, 24], [40, 40], [24, 40]]]])] * 8, 1)
    ones = np.ones((1, 8, 3))
    for cls in (GeneratePoseTarget, GeneratePoseHeatmap):
        sample = dict(img_shape=(64, 64), keypoint=kp, keypoint_score=ones,
                      modality='Pose')
        imgs = cls(sigma=1, with_kp=True, left_kp=(1, ), right_kp=(2, ),
                   left_limb=(0, ), right_limb=(1, ), skeletons=())(
                       copy.deepcopy(sample))['imgs']
        assert imgs.shape == (8, 3, 64, 64)
        assert_array_almost_equal(imgs[0], imgs[1])
        no_score = dict(img_shape=(64, 64), keypoint=kp, modality='Pose')
        imgs = cls(sigma=1, with_kp=True)(copy.deepcopy(no_score))['imgs']
        assert imgs.shape == (8, 3, 64, 64)
        limbs = ((0, 1), (1, 2), (0, 2))
        imgs = cls(sigma=1, with_kp=False, with_limb=True, skeletons=limbs)(
            copy.deepcopy(no_score))['imgs']
        assert imgs.shape == (8, 3, 64, 64)
        assert_array_almost_equal(imgs[0], imgs[1])
        imgs = cls(sigma=1, with_kp=False, with_limb=True, double=True,
                   left_limb=(0, ), right_limb=(1, ), skeletons=limbs)(
                       copy.deepcopy(no_score))['imgs']
        assert imgs.shape == (16, 3, 64, 64)
        assert_array_almost_equal(imgs[:8, 2], imgs[8:, 2, :, ::-1])
        assert_array_almost_equal(imgs[:8, 0], imgs[8:, 1, :, ::-1])
        assert_array_almost_equal(imgs[:8, 1], imgs[8:, 0, :, ::-1])
        for points in (kp, kp + 100.):  # zero scores, inside and outside
            zero = dict(img_shape=(64, 64), keypoint=points,
                        keypoint_score=0 * ones, modality='Pose')
            for kwargs in (dict(with_kp=True, skeletons=()),
                           dict(with_kp=False, with_limb=True,
                                skeletons=limbs)):
                imgs = cls(sigma=1, **kwargs)(copy.deepcopy(zero))['imgs']
                assert_array_almost_equal(imgs, 0)
    their_args = repr(GeneratePoseTarget(sigma=1, skeletons=()))
    assert repr(GeneratePoseHeatmap(sigma=1, skeletons=())) == (
        their_args.replace('GeneratePoseTarget', 'GeneratePoseHeatmap')[:-1] +
        ', layout=None, on_device=False)')


def test_output_key_follows_generate_pose_target():
    sample = random_sample(17)
    rgb = np.zeros((3, 56, 48, 3), np.uint8)
    sample['imgs'] = rgb
    results = GeneratePoseHeatmap()(sample)
    assert results['imgs'] is rgb
    assert results['heatmap_imgs'].shape == (3, 17, 56, 48)


def test_layout_supplies_skeleton_and_flip_pairs():
    coco = GeneratePoseHeatmap(layout='coco17', with_limb=True)
    default = GeneratePoseTarget()
    assert coco.skeletons == tuple(default.skeletons)
    assert (coco.left_kp, coco.right_kp) == (default.left_kp,
                                             default.right_kp)
    # The mirrored-limb pairs derived from the layout are MMAction2's.
    assert set(zip(coco.left_limb, coco.right_limb)) == set(
        zip(default.left_limb, default.right_limb))
    openpose = GeneratePoseHeatmap(layout='openpose137')
    layout = get_layout('openpose137')
    assert openpose.skeletons == layout.limbs
    flip = layout.flip_index()
    for left, right in zip(openpose.left_limb, openpose.right_limb):
        assert {flip[j] for j in layout.limbs[left]} == set(
            layout.limbs[right])
    assert len(openpose.left_limb) > 50  # face, hands and body limbs


def test_on_device_record():
    sample = random_sample(17, num_persons=2, num_frames=3, img_shape=(40, 30))
    sample['keypoint_score'][0, 0, 0] = 1.5  # clipped to 1
    transform = GeneratePoseHeatmap(double=True, scaling=0.5, on_device=True)
    record = transform(copy.deepcopy(sample))['imgs']
    assert record.dtype == np.float32
    assert record.shape == (6, 2, 17, len(RECORD_FIELDS))
    assert_array_almost_equal(record[:3, :, :, :2],
                              sample['keypoint'].transpose(1, 0, 2, 3) * .5)
    assert record[0, 0, 0, 2] == 1
    assert (record[:3, ..., 3] == 0).all() and (record[3:, ..., 3] == 1).all()
    assert (record[..., 4] == 20).all() and (record[..., 5] == 15).all()
    drawn = GeneratePoseHeatmap(double=True, scaling=0.5)(
        copy.deepcopy(sample))['imgs']
    assert np.array_equal(transform.draw(record), drawn)


def test_sample_without_persons_gives_empty_heatmaps():
    sample = dict(keypoint=np.zeros((0, 4, 17, 2), np.float32),
                  keypoint_score=np.zeros((0, 4, 17), np.float32),
                  img_shape=(32, 32))
    theirs, ours = both(sample)
    assert ours.shape == theirs.shape == (4, 17, 32, 32)
    assert not ours.any()
    record = GeneratePoseHeatmap(on_device=True)(sample)['imgs']
    assert record.shape == (4, 1, 17, 6) and not record[..., 2].any()


def test_scores_outside_unit_range_are_clipped():
    sample = random_sample(17, seed=6)
    sample['keypoint_score'] = sample['keypoint_score'] * 3 - 1
    theirs_unclipped, ours = both(sample)
    sample['keypoint_score'] = np.clip(sample['keypoint_score'], 0, 1)
    theirs = GeneratePoseTarget()(sample)['imgs']
    assert np.abs(ours - theirs).max() <= TOLERANCE
    assert ours.max() <= 1 < theirs_unclipped.max()


@pytest.mark.parametrize('field,value', [('keypoint', np.nan),
                                         ('keypoint', np.inf),
                                         ('keypoint_score', np.nan)])
def test_non_finite_input_names_the_sample(field, value):
    sample = random_sample(17)
    sample[field][1, 2, 3] = value
    with pytest.raises(ValueError, match=r"clip_0.*NaN/inf.*person 1, "
                       r'frame 2, joint 3'):
        GeneratePoseHeatmap()(sample)


def test_joint_count_must_match_layout():
    with pytest.raises(ValueError, match=r"clip_0.*17 joints.*openpose137"):
        GeneratePoseHeatmap(layout='openpose137')(random_sample(17))
    with pytest.raises(ValueError, match=r"clip_0.*5 joints.*joint 16"):
        GeneratePoseHeatmap(with_limb=True)(random_sample(5))


@pytest.mark.parametrize('kwargs,message', [
    (dict(sigma=-1), 'sigma must be a positive'),
    (dict(sigma=0), 'sigma must be a positive'),
    (dict(scaling=float('nan')), 'scaling must be a positive'),
    (dict(with_kp=False), 'At least one of with_kp'),
    (dict(layout='coco17', skeletons=((0, 1), )), 'not both'),
    (dict(left_kp=(1, 2), right_kp=(2, 3)), 'at most once'),
    (dict(left_kp=(1, ), right_kp=(2, 3)), 'same length'),
    (dict(with_limb=True, double=True, left_limb=(0, ), right_limb=(30, )),
     'out of range'),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GeneratePoseHeatmap(**kwargs)


def test_bad_shapes():
    sample = random_sample(17)
    sample['keypoint_score'] = sample['keypoint_score'][:, :2]
    with pytest.raises(ValueError, match=r'clip_0.*keypoint_score must have'):
        GeneratePoseHeatmap()(sample)
    sample = random_sample(17)
    sample['keypoint'] = sample['keypoint'][0]
    with pytest.raises(ValueError, match=r'keypoint must have shape'):
        GeneratePoseHeatmap()(sample)


@pytest.mark.parametrize('num_clips,double', [(1, False), (2, True)])
def test_format_shape_gives_same_clips_without_copy(num_clips, double):
    sample = dict(random_sample(17, num_frames=2 * num_clips),
                  num_clips=num_clips, clip_len=2)
    format_shape = TRANSFORMS.build(dict(type='FormatShape',
                                         input_format='NCTHW_Heatmap'))
    theirs = format_shape(GeneratePoseTarget(double=double)(
        copy.deepcopy(sample)))['imgs']
    heatmaps = GeneratePoseHeatmap(double=double)(copy.deepcopy(sample))
    drawn = heatmaps['imgs']
    ours = format_shape(heatmaps)['imgs']
    assert ours.shape == theirs.shape == ((1 + double) * num_clips, 17, 2,
                                          56, 48)
    assert np.abs(ours - theirs).max() <= TOLERANCE
    # Heatmaps are stored channel-major: FormatShape makes a view, no copy.
    assert np.shares_memory(drawn, ours)


@pytest.mark.parametrize('layout', ['openpose22', 'coco17'])
def test_without_layout_or_pairs_the_samples_layout_is_used(layout):
    """A config names the layout once, in its dataset (each sample carries
    it): without layout= and pairs, the transform draws with that one."""
    sample = dict(random_sample(get_layout(layout).num_joints), layout=layout)
    from_sample = GeneratePoseHeatmap(with_limb=True, double=True)(
        copy.deepcopy(sample))['imgs']
    named = GeneratePoseHeatmap(with_limb=True, double=True, layout=layout)(
        copy.deepcopy(sample))['imgs']
    unnamed = GeneratePoseHeatmap(with_limb=True, double=True)(
        dict(sample, layout=None))['imgs'] if layout == 'coco17' else None
    assert np.array_equal(from_sample, named)
    assert from_sample.shape[1] == len(sample['keypoint'][0, 0]) + len(
        get_layout(layout).limbs)
    if unnamed is not None:  # no layout anywhere: COCO-17's, as MMAction2
        assert np.array_equal(unnamed, named)
    # Given pairs win over the sample's layout (GeneratePoseTarget's args).
    coco = dict(random_sample(17), layout='openpose22')
    assert np.array_equal(
        GeneratePoseHeatmap(**pose_target_args('coco17'))(coco)['imgs'],
        GeneratePoseHeatmap()(random_sample(17))['imgs'])


def test_the_samples_layout_checks_the_joint_count():
    with pytest.raises(ValueError, match=r"clip_0.*17 joints.*openpose22"):
        GeneratePoseHeatmap()(dict(random_sample(17), layout='openpose22'))


def test_on_device_flips_need_the_layout_in_the_config():
    """The preprocessor draws without the samples: double/with_limb on the
    device cannot use a sample's layout."""
    sample = dict(random_sample(22), layout='openpose22')
    record = GeneratePoseHeatmap(on_device=True)(copy.deepcopy(sample))
    assert record['imgs'].shape == (3, 2, 22, len(RECORD_FIELDS))
    with pytest.raises(ValueError, match="clip_0.*needs layout=.*openpose22"):
        GeneratePoseHeatmap(on_device=True, double=True)(sample)
