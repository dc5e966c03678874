# PoseC3D's RGB-only baseline on MiG-Synth (ResNet3dSlowOnly), scaled down for
# CPU: width 16, one block per stage.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_12e_1xb16.py',
    '../_base_/models/posec3d_slowonly_r50_rgb.py',
    '../_base_/datasets/migsynth_rgb.py'
]
model = dict(
    backbone=dict(base_channels=16, stage_blocks=(1, 1, 1, 1)),
    cls_head=dict(in_channels=512, num_classes={{_base_.num_classes}}))
