# Pose-only Res2Net3D recognizer with PoseC3D's settings (SlowOnly-R50,
# 3 stages, width 32, 17 keypoint heatmaps in): MMAction2's
# skeleton/posec3d/slowonly_r50 model with Res2Net 26w x 4s bottlenecks.
# Model only; add a dataset, schedule and runtime base. To change the class
# count, set both in your config (mmengine does not re-resolve base values):
#   num_classes = 10
#   model = dict(cls_head=dict(num_classes=num_classes))
custom_imports = dict(imports=['m2hen_mmaction'], allow_failed_imports=False)

num_classes = 32  # iMiGUE micro-gesture classes

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='Res2Net3dSlowOnly',
        scale=4,
        base_width=26,
        depth=50,
        pretrained=None,
        in_channels=17,
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
        num_classes=num_classes,
        dropout_ratio=0.5,
        average_clips='prob'))
