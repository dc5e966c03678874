# PoseC3D pose-only recognizer (MMAction2's skeleton/posec3d/slowonly_r50
# model) over openpose137 heatmaps (137 channels), 32 iMiGUE classes.
# Model only; add runtime, schedule and dataset bases. Set the class count
# with model = dict(cls_head=dict(num_classes=...)).
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
        num_classes=32,
        dropout_ratio=0.5,
        average_clips='prob'))
