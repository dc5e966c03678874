# PoseC3D pose-only baseline on MiG-Synth: ResNet3dSlowOnly over 137-joint
# heatmaps, PoseC3D's model scaled down for CPU (width 8, 2 blocks/stage, no
# temporal stride): exactly the pose pathway of the tiny RGB+pose network, so
# its checkpoint is half of that network's merge-init (`m2hen merge-init`).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_12e_1xb16.py',
    '../_base_/models/posec3d_slowonly_r50_pose.py',
    '../_base_/datasets/migsynth_pose.py'
]
model = dict(
    backbone=dict(base_channels=8, stage_blocks=(2, 2, 2),
                  temporal_strides=(1, 1, 1)),
    cls_head=dict(in_channels=128, num_classes={{_base_.num_classes}}))
