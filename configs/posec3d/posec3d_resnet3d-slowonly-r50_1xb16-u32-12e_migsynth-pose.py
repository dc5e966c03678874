# PoseC3D pose-only baseline on MiG-Synth: ResNet3dSlowOnly over 137-joint
# heatmaps, PoseC3D settings scaled down for CPU (width 16, 2 blocks/stage).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_cosine_24e.py',
    '../_base_/datasets/migsynth_pose.py'
]

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained=None,
        in_channels=137,
        base_channels=16,
        num_stages=3,
        out_indices=(2, ),
        stage_blocks=(2, 2, 2),
        conv1_stride_s=1,
        pool1_stride_s=1,
        inflate=(0, 1, 1),
        spatial_strides=(2, 2, 2),
        temporal_strides=(1, 1, 2),
        dilations=(1, 1, 1)),
    cls_head=dict(
        type='I3DHead',
        in_channels=256,
        num_classes={{_base_.num_classes}},
        dropout_ratio=0.5,
        average_clips='prob'))

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs, by_epoch=True,
         convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=0.05))
