# PoseC3D's RGB+pose network (RGBPoseConv3D + RGBPoseHead via MMRecognizer3D)
# on MiG-Synth, scaled down for CPU: widths 16 (RGB) / 8 (pose), RGB one
# block per stage, pose two.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_12e_1xb16.py',
    '../_base_/models/posec3d_rgbposeconv3d_r50.py',
    '../_base_/datasets/migsynth_rgbpose.py'
]
model = dict(
    backbone=dict(
        rgb_pathway=dict(base_channels=16, stage_blocks=(1, 1, 1, 1)),
        pose_pathway=dict(base_channels=8, stage_blocks=(2, 2, 2))),
    cls_head=dict(in_channels=[512, 128],
                  num_classes={{_base_.num_classes}}))
# The best checkpoint is the best fused (1:1) score of RGBPoseHead, as
# MicroGestureMetric (AccMetric) names it ('auto' would take the RGB branch).
default_hooks = dict(checkpoint=dict(save_best='acc/RGBPose_1:1_top1'))
