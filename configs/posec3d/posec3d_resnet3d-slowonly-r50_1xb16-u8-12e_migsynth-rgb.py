# PoseC3D's RGB-only baseline on MiG-Synth (ResNet3dSlowOnly on 8 frames),
# scaled down for CPU.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_cosine_24e.py',
    '../_base_/datasets/migsynth_rgb.py'
]

model = dict(
    type='Recognizer3D',
    backbone=dict(
        type='ResNet3dSlowOnly',
        depth=50,
        pretrained=None,
        base_channels=16,
        stage_blocks=(1, 1, 1, 1),
        conv1_kernel=(1, 7, 7),
        inflate=(0, 0, 1, 1)),
    cls_head=dict(
        type='I3DHead',
        in_channels=512,
        num_classes={{_base_.num_classes}},
        dropout_ratio=0.5,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCTHW'))

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs, by_epoch=True,
         convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=0.05))
