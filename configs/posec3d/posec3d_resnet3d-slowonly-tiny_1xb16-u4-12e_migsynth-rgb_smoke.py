# CPU smoke variant: the same network at width 8, the RGB pathway of the
# RGB+pose smoke config (so `m2hen merge-init` can combine the smoke
# checkpoints).
_base_ = ['./posec3d_resnet3d-slowonly-tiny_1xb16-u4-12e_migsynth-rgb.py']
model = dict(backbone=dict(base_channels=8), cls_head=dict(in_channels=256))

# CPU smoke schedule: one short epoch, small batches, no worker processes.
train_cfg = dict(max_epochs=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
default_hooks = dict(logger=dict(interval=1))
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
test_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
