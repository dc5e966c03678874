# M3CN (M2HEN's multi-modal branch): MMAction2's RGBPoseConv3D network with
# Res2Net3D (26w x 4s) pathways and a head that predicts with the
# equal-weight fusion of the RGB and pose scores. RGB 8 frames (3 channels),
# pose heatmaps 4x as many frames (17 keypoint channels; set
# pose_pathway.in_channels for other layouts, e.g. 137 for openpose137).
# Model only; add a dataset, schedule and runtime base. To change the class
# count, set both in your config (mmengine does not re-resolve base values):
#   num_classes = 10
#   model = dict(cls_head=dict(num_classes=num_classes))
custom_imports = dict(imports=['m2hen_mmaction'], allow_failed_imports=False)

num_classes = 32  # iMiGUE micro-gesture classes

model = dict(
    type='MMRecognizer3D',
    backbone=dict(
        type='RGBPoseRes2Net3d',
        scale=4,
        base_width=26,
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
            in_channels=17,
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
        type='RGBPoseFusionHead',
        num_classes=num_classes,
        in_channels=[2048, 512],
        loss_components=['rgb', 'pose'],
        loss_weights=[1., 1.],
        fusion_weights=[1., 1.],
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
