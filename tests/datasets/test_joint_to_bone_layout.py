"""JointToBoneLayout: MMAction2's JointToBone for our joint layouts."""
import numpy as np
import pytest
from mmaction.registry import TRANSFORMS

from m2hen_mmaction.datasets.transforms.joint_to_bone_layout import \
    bone_parents
from m2hen_mmaction.skeleton import LAYOUT_NAMES, get_layout


@pytest.mark.parametrize('name', LAYOUT_NAMES)
def test_parents_form_a_tree_over_the_limbs(name):
    layout = get_layout(name)
    parents = bone_parents(layout)
    limbs = {frozenset(limb) for limb in layout.limbs}
    assert parents[0] == 0
    for joint in range(1, layout.num_joints):
        assert frozenset((joint, parents[joint])) in limbs
        ancestors, current = set(), joint
        while current != 0:  # every joint reaches the root without a cycle
            assert current not in ancestors
            ancestors.add(current)
            current = parents[current]


def random_keypoints(joints, channels=3, seed=0):
    return np.random.default_rng(seed).uniform(
        -1, 1, (2, 5, joints, channels)).astype(np.float32)


def test_bones_and_scores_from_layout_parents():
    keypoint = random_keypoints(137)
    transform = TRANSFORMS.build(
        dict(type='JointToBoneLayout', layout='openpose137', target='bone'))
    results = transform(dict(keypoint=keypoint.copy()))
    parents = bone_parents(get_layout('openpose137'))
    bone = results['bone']
    np.testing.assert_allclose(bone[..., :2],
                               keypoint[..., :2] - keypoint[..., parents, :2])
    np.testing.assert_allclose(
        bone[..., 2], (keypoint[..., 2] + keypoint[..., parents, 2]) / 2)
    assert np.abs(bone[..., 0, :2]).max() == 0  # the root's bone
    np.testing.assert_array_equal(results['keypoint'], keypoint)


def test_coco17_bones_match_mmaction_jointtobone():
    """Same bones as MMAction2's 'coco' pairs, except the hips: our limbs
    join them to the shoulders, MMAction2's pairs to the nose."""
    keypoint = random_keypoints(17)
    ours = TRANSFORMS.build(dict(type='JointToBoneLayout', layout='coco17'))
    theirs = TRANSFORMS.build(dict(type='JointToBone', dataset='coco'))
    bone = ours(dict(keypoint=keypoint.copy()))['keypoint']
    expected = theirs(dict(keypoint=keypoint.copy()))['keypoint']
    same = [j for j in range(17) if j not in (11, 12)]
    np.testing.assert_allclose(bone[..., same, :], expected[..., same, :])


def test_two_channel_keypoints_have_no_score():
    keypoint = random_keypoints(22, channels=2)
    transform = TRANSFORMS.build(
        dict(type='JointToBoneLayout', layout='openpose22'))
    assert transform(dict(keypoint=keypoint))['keypoint'].shape == (2, 5, 22,
                                                                     2)


def test_wrong_joint_count_names_sample_and_layout():
    transform = TRANSFORMS.build(dict(type='JointToBoneLayout'))
    with pytest.raises(ValueError, match=r"'clip7'.*layout='openpose137'"):
        transform(dict(keypoint=random_keypoints(22), frame_dir='clip7'))
