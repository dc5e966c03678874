# TSM on iMiGUE's RGB clips. Recipe: MMAction2 1.1.0 recognition/tsm/
# tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb.py (model:
# _base_/models/tsm_r50.py), field by field: ImageNet-pretrained ResNet-50
# with temporal shift, 8 segments, SGD 0.02 (fc x5), 5 warm-up epochs, steps
# 25/45 of 50, 8 GPUs x 16, test 8 segments x 10 crops.
# Differences: tests/test_recipes.py.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/tsm_r50.py',
    '../_base_/datasets/imigue_video.py'
]

model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = dict(
    batch_size=16, dataset=dict(pipeline={{_base_.train_pipeline_13_crops}}))
val_dataloader = dict(
    batch_size=16, dataset=dict(pipeline={{_base_.val_pipeline}}))
test_dataloader = dict(dataset=dict(pipeline={{_base_.tsm_test_pipeline}}))

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=50, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', begin=0, end=50, by_epoch=True,
         milestones=[25, 45], gamma=0.1)
]
optim_wrapper = dict(
    constructor='TSMOptimWrapperConstructor',
    paramwise_cfg=dict(fc_lr5=True),
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=20, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=128)
