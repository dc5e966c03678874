# TSN on iMiGUE's RGB clips. Recipe: MMAction2 1.1.0 recognition/tsn/
# tsn_imagenet-pretrained-r50_8xb32-1x1x8-100e_kinetics400-rgb.py (and the
# 1x1x3 config it inherits: _base_/models/tsn_r50.py, schedules/sgd_100e.py),
# field by field: ImageNet-pretrained ResNet-50, 8 segments, SGD 0.01, steps
# 40/80 of 100 epochs, 8 GPUs x 32, test 25 segments x 10 crops.
# Differences: tests/test_recipes.py.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/tsn_r50.py',
    '../_base_/datasets/imigue_video.py'
]

model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = dict(
    batch_size=32, dataset=dict(pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    batch_size=32, dataset=dict(pipeline={{_base_.val_pipeline}}))
test_dataloader = dict(dataset=dict(pipeline={{_base_.tsn_test_pipeline}}))

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=100, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=100, by_epoch=True,
         milestones=[40, 80], gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=40, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=256)
