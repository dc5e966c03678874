# CPU smoke variant: 32x32 px crops, one short epoch.
_base_ = ['./trn_r18-tiny_1xb16-1x1x8-12e_migsynth-rgb.py']

# CPU smoke schedule: one short epoch, small batches, no worker processes.
train_cfg = dict(max_epochs=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
default_hooks = dict(logger=dict(interval=1))
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline={{_base_.smoke_train_pipeline}}))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline={{_base_.smoke_test_pipeline}}))
test_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline={{_base_.smoke_test_pipeline}}))
