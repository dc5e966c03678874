"""MMAction2's ST-GCN on our layouts (LayoutSTGCN + graph_layout): graphs
from the layouts' limbs, training steps on 137 and 22 joints, bad input."""
import numpy as np
import pytest
import torch
from mmaction.models.utils import Graph
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

from m2hen_mmaction.errors import InputError
from m2hen_mmaction.skeleton import JointLayout, get_layout, graph_layout

pytestmark = pytest.mark.usefixtures('mmaction_scope')

# A small network: 3 blocks (8, 16, 16 channels), the last one strided.
SMALL = dict(base_channels=8, num_stages=3, inflate_stages=[2],
             down_stages=[3])


def recognizer(layout, num_classes=4):
    """MMAction2's RecognizerGCN + LayoutSTGCN + GCNHead."""
    return MODELS.build(dict(
        type='RecognizerGCN',
        backbone=dict(type='LayoutSTGCN', graph_cfg=dict(
            layout=layout, mode='stgcn_spatial'), **SMALL),
        cls_head=dict(type='GCNHead', num_classes=num_classes,
                      in_channels=16)))


@pytest.mark.parametrize('name', ['openpose137', 'openpose22', 'coco17'])
def test_graph_has_the_layouts_limbs_pointing_at_the_centre(name):
    layout = get_layout(name)
    graph = graph_layout(name)
    assert graph['num_node'] == layout.num_joints
    assert {frozenset(e) for e in graph['inward']} == \
        {frozenset(limb) for limb in layout.limbs}
    hops = layout.hop_distance()[graph['center']]
    assert all(hops[child] >= hops[parent]
               for child, parent in graph['inward'])
    assert sum(hops[c] > hops[p] for c, p in graph['inward']) > \
        len(graph['inward']) // 2
    # The centre is MMAction2's: the neck for OpenPose, the nose for COCO.
    assert layout.joint_names[graph['center']] == (
        'nose' if name == 'coco17' else 'neck')


def test_backbone_uses_mmaction2s_graph_of_the_layout():
    backbone = MODELS.build(dict(type='LayoutSTGCN', graph_cfg=dict(
        layout='openpose22', mode='spatial')))
    expected = Graph(layout=graph_layout('openpose22'), mode='spatial').A
    np.testing.assert_array_equal(backbone.graph.A, expected)
    # MMAction2's own layout names still work.
    coco = MODELS.build(dict(type='LayoutSTGCN', graph_cfg=dict(
        layout='coco', mode='stgcn_spatial')))
    assert coco.graph.num_node == 17


@pytest.mark.parametrize('name', ['openpose137', 'openpose22'])
def test_training_step_forward_backward(name):
    torch.manual_seed(0)
    model = recognizer(name)
    joints = get_layout(name).num_joints
    # (N, num_clips, M, T, V, C), as FormatGCNInput + PackActionInputs.
    inputs = torch.randn(2, 1, 1, 8, joints, 3)
    samples = [ActionDataSample().set_gt_labels(label) for label in (0, 3)]
    losses = model(inputs, samples, mode='loss')
    losses['loss_cls'].backward()
    assert torch.isfinite(losses['loss_cls'])
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0
    model.eval()
    with torch.no_grad():
        predicted = model(inputs, samples, mode='predict')
    assert predicted[0].pred_scores.item.shape == (4, )


def test_layout_without_limbs_is_one_line_before_building():
    bare = get_layout('coco17')
    bare = JointLayout('bare17', bare.joint_names, bare.flip_pairs, (),
                       bare.parts)
    with pytest.raises(InputError, match="layout 'bare17' has no limbs"):
        MODELS.build(dict(type='LayoutSTGCN', graph_cfg=dict(layout=bare)))
    with pytest.raises(InputError, match='graph_cfg.layout has no limbs'):
        MODELS.build(dict(type='LayoutSTGCN', graph_cfg=dict(
            layout=dict(num_node=5, inward=[], center=0))))


def test_disconnected_joints_are_named():
    coco = get_layout('coco17')
    cut = JointLayout('cut17', coco.joint_names, coco.flip_pairs,
                      tuple(limb for limb in coco.limbs if 15 not in limb),
                      coco.parts)
    with pytest.raises(InputError, match=r'joints \[15\] are not connected'):
        graph_layout(cut)


def test_input_of_another_layout_names_the_layout():
    backbone = MODELS.build(dict(type='LayoutSTGCN', graph_cfg=dict(
        layout='openpose137'), **SMALL))
    with pytest.raises(ValueError, match=r"V = 137 \(graph_cfg.layout="
                       r"'openpose137'\)"):
        backbone(torch.randn(1, 1, 8, 22, 3))
