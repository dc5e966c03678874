import numpy as np
import pytest

from m2hen_mmaction.skeleton import get_layout
from mmaction.registry import TRANSFORMS


def _sample(num_joints, width=100):
    rng = np.random.default_rng(0)
    keypoint = rng.uniform(0, width, (1, 3, num_joints, 2)).astype(np.float32)
    return dict(keypoint=keypoint, img_shape=(80, width), modality='Pose',
                keypoint_score=rng.uniform(0, 1, (1, 3, num_joints)).astype(
                    np.float32))


@pytest.mark.parametrize('layout', ['openpose137', 'coco17'])
def test_layout_flip_equals_flip_with_the_layouts_pairs(layout):
    joints = get_layout(layout)
    ours = TRANSFORMS.build(dict(type='LayoutFlip', layout=layout,
                                 flip_ratio=1.))
    theirs = TRANSFORMS.build(
        dict(type='Flip', flip_ratio=1., left_kp=list(joints.left_joints),
             right_kp=list(joints.right_joints)))
    a = ours(_sample(joints.num_joints))
    b = theirs(_sample(joints.num_joints))
    np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    np.testing.assert_array_equal(a['keypoint_score'], b['keypoint_score'])
    # Flipping mirrors x and swaps each pair: the left wrist's new position
    # is the mirrored old right wrist.
    original = _sample(joints.num_joints)['keypoint']
    left, right = joints.flip_pairs[0]
    np.testing.assert_allclose(a['keypoint'][0, :, left, 0],
                               100 - original[0, :, right, 0], atol=1)
    assert f"layout='{layout}'" in repr(ours)


def test_unknown_layout_is_a_clear_error():
    with pytest.raises(KeyError, match='Unknown joint layout'):
        TRANSFORMS.build(dict(type='LayoutFlip', layout='smpl24'))


def test_without_layout_the_samples_layout_flips():
    """MicroGesturePoseDataset(layout=...) puts the layout in each sample."""
    joints = get_layout('openpose22')
    ours = TRANSFORMS.build(dict(type='LayoutFlip', flip_ratio=1.))
    named = TRANSFORMS.build(dict(type='LayoutFlip', layout='openpose22',
                                  flip_ratio=1.))
    a = ours(dict(_sample(joints.num_joints), layout='openpose22'))
    b = named(_sample(joints.num_joints))
    np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    with pytest.raises(ValueError, match='no layout.*set layout= on the '
                       'dataset'):
        ours(_sample(joints.num_joints))
