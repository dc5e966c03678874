# TRN on iMiGUE's RGB clips. Recipe: MMAction2 1.1.0 recognition/trn/
# trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv2-rgb.py (model:
# _base_/models/trn_r50.py), field by field: ImageNet-pretrained ResNet-50
# (partial BN), multi-scale TRN head over 8 segments, SGD 0.002, steps 30/45
# of 50, 8 GPUs x 16, test 2 x 8 segments x 3 crops. Differences (no
# Something-Something left/right label swaps on flip):
# tests/test_recipes.py.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/trn_r50.py',
    '../_base_/datasets/imigue_video.py'
]

model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = dict(
    batch_size=16, dataset=dict(pipeline={{_base_.train_pipeline_13_crops}}))
val_dataloader = dict(
    batch_size=16, dataset=dict(pipeline={{_base_.val_pipeline}}))
test_dataloader = dict(dataset=dict(pipeline={{_base_.trn_test_pipeline}}))

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=50, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=50, by_epoch=True,
         milestones=[30, 45], gamma=0.1)
]
optim_wrapper = dict(
    constructor='TSMOptimWrapperConstructor',
    paramwise_cfg=dict(fc_lr5=False),
    optimizer=dict(type='SGD', lr=0.002, momentum=0.9, weight_decay=5e-4),
    clip_grad=dict(max_norm=20, norm_type=2))
