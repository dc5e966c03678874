# ST-GCN (MMAction2's STGCN + GCNHead, graph from openpose137's limbs) on
# MiG-Synth's raw skeletons (joint stream, the EHCT pipelines), scaled down
# for CPU: width 16, 6 blocks, 16 frames (iMiGUE: stgcn_8xb16-joint-u100-80e_
# imigue-skeleton.py, MMAction2's NTU-60 recipe).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_12e_1xb16.py',
    '../_base_/models/stgcn_layout.py',
    '../_base_/datasets/migsynth_skeleton.py'
]
model = dict(
    backbone=dict(
        base_channels=16,
        num_stages=6,
        inflate_stages=[3, 5],
        down_stages=[3, 5]),
    cls_head=dict(in_channels=64, num_classes={{_base_.num_classes}}))
