import numpy as np
import pytest

from m2hen_mmaction.skeleton import LAYOUT_NAMES, check_num_joints, get_layout

EXPECTED_JOINTS = {'openpose137': 137, 'openpose22': 22, 'coco17': 17}


@pytest.mark.parametrize('name', LAYOUT_NAMES)
def test_layout_is_consistent(name):
    layout = get_layout(name)
    num = layout.num_joints
    assert num == EXPECTED_JOINTS[name]
    assert len(set(layout.joint_names)) == num
    # Every joint carries a part label, and every part has a joint.
    assert len(layout.parts) == num and all(layout.parts)
    assert layout.incidence().sum(axis=1).tolist() == [1.0] * num
    # Limbs are in range, not self-loops, not repeated.
    limbs = {tuple(sorted(p)) for p in layout.limbs}
    assert len(limbs) == len(layout.limbs)
    assert all(0 <= a < num and 0 <= b < num and a != b for a, b in limbs)
    # Flip pairs are disjoint, so flipping twice is the identity.
    flat = [j for pair in layout.flip_pairs for j in pair]
    assert len(flat) == len(set(flat))
    flip = layout.flip_index()
    np.testing.assert_array_equal(flip[flip], np.arange(num))


@pytest.mark.parametrize('name', LAYOUT_NAMES)
def test_flip_maps_limbs_and_parts_onto_mirrors(name):
    """Mirroring the skeleton maps each limb to a limb, each part to a part
    of the same size: left/right structures are symmetric."""
    layout = get_layout(name)
    flip = layout.flip_index()
    limbs = {tuple(sorted(p)) for p in layout.limbs}
    mirrored = {tuple(sorted((flip[a], flip[b]))) for a, b in layout.limbs}
    if name == 'openpose22':
        # The MiGA 2023 skeleton drops the right foot's toes and heel, so
        # only limbs away from the feet mirror.
        mirrored = {p for p in mirrored if max(p) < 19}
        limbs = {p for p in limbs if max(p) < 19}
    assert mirrored == limbs
    sizes = {}
    for part in layout.parts:
        sizes[part] = sizes.get(part, 0) + 1
    for joint, part in enumerate(layout.parts):
        mirror_part = layout.parts[flip[joint]]
        if name != 'openpose22':
            assert sizes[mirror_part] == sizes[part]


@pytest.mark.parametrize('name', LAYOUT_NAMES)
def test_skeleton_graph_is_connected(name):
    hops = get_layout(name).hop_distance()
    assert hops.max() < 1000
    assert (np.diag(hops) == 0).all()
    np.testing.assert_array_equal(hops, hops.T)


def test_openpose137_blocks():
    layout = get_layout('openpose137')
    assert layout.joint_names[1] == 'neck'
    assert layout.joint_names[25] == 'face_0'
    assert layout.joint_names[95] == 'left_hand_wrist'
    assert layout.joint_names[116] == 'right_hand_wrist'
    assert (95, 116) in layout.flip_pairs and (2, 5) in layout.flip_pairs
    assert {'left_palm', 'right_pinky', 'mouth', 'eyes'} <= set(
        layout.part_names)


def test_unknown_layout_and_joint_count_errors():
    with pytest.raises(KeyError, match='Unknown joint layout'):
        get_layout('openpose18')
    with pytest.raises(ValueError, match="Sample 'clip_7'.*17 joints"):
        check_num_joints(17, 'openpose137', sample='clip_7')
    check_num_joints(137, 'openpose137')
