# PoseC3D RGB+pose on iMiGUE (paper Table 1, row "PoseC3D RGB+pose"):
# MMAction2's RGBPoseConv3D config with 137 OpenPose joints and 32 classes.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_multistep_20e.py',
    '../_base_/datasets/imigue_rgbpose.py'
]

model = dict(
    type='MMRecognizer3D',
    backbone=dict(
        type='RGBPoseConv3D',
        speed_ratio=4,
        channel_ratio=4,
        rgb_pathway=dict(
            num_stages=4,
            lateral=True,
            lateral_infl=1,
            lateral_activate=[0, 0, 1, 1],
            fusion_kernel=7,
            base_channels=64,
            conv1_kernel=(1, 7, 7),
            inflate=(0, 0, 1, 1),
            with_pool2=False),
        pose_pathway=dict(
            num_stages=3,
            stage_blocks=(4, 6, 3),
            lateral=True,
            lateral_inv=True,
            lateral_infl=16,
            lateral_activate=(0, 1, 1),
            fusion_kernel=7,
            in_channels=137,
            base_channels=32,
            out_indices=(2, ),
            conv1_kernel=(1, 7, 7),
            conv1_stride_s=1,
            conv1_stride_t=1,
            pool1_stride_s=1,
            pool1_stride_t=1,
            inflate=(0, 1, 1),
            spatial_strides=(2, 2, 2),
            temporal_strides=(1, 1, 1),
            dilations=(1, 1, 1),
            with_pool2=False)),
    cls_head=dict(
        type='RGBPoseHead',
        num_classes={{_base_.num_classes}},
        in_channels=[2048, 512],
        loss_components=['rgb', 'pose'],
        loss_weights=[1., 1.],
        average_clips='prob'),
    data_preprocessor=dict(
        type='MultiModalDataPreprocessor',
        preprocessors=dict(
            imgs=dict(
                type='ActionDataPreprocessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                format_shape='NCTHW'),
            heatmap_imgs=dict(type='ActionDataPreprocessor'))))
