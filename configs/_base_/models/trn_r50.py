# TRN: MMAction2's Recognizer2D + ImageNet-pretrained ResNet-50 (partial BN) +
# TRNHead (multi-scale relations over 8 segments), as MMAction2 1.1.0's
# configs/_base_/models/trn_r50.py (num_classes: iMiGUE's).
model = dict(
    type='Recognizer2D',
    backbone=dict(
        type='ResNet',
        pretrained='torchvision://resnet50',
        depth=50,
        norm_eval=False,
        partial_bn=True),
    cls_head=dict(
        type='TRNHead',
        num_classes=32,
        in_channels=2048,
        num_segments=8,
        spatial_type='avg',
        relation_type='TRNMultiScale',
        hidden_dim=256,
        dropout_ratio=0.8,
        init_std=0.001,
        average_clips='prob'),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))
# TRNMultiScale uses a random subset of its relation scales per step.
find_unused_parameters = True
