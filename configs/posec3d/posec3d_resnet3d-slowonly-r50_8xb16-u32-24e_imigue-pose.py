# PoseC3D pose-only on iMiGUE (paper Table 1, "ResNet3D pose"): MMAction2's
# slowonly_r50 keypoint config with 137 OpenPose joints and 32 classes.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_cosine_24e.py',
    '../_base_/datasets/imigue_pose.py'
]

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained=None,
        in_channels=137,
        base_channels=32,
        num_stages=3,
        out_indices=(2, ),
        stage_blocks=(4, 6, 3),
        conv1_stride_s=1,
        pool1_stride_s=1,
        inflate=(0, 1, 1),
        spatial_strides=(2, 2, 2),
        temporal_strides=(1, 1, 2),
        dilations=(1, 1, 1)),
    cls_head=dict(
        type='I3DHead',
        in_channels=512,
        num_classes={{_base_.num_classes}},
        dropout_ratio=0.5,
        average_clips='prob'))
