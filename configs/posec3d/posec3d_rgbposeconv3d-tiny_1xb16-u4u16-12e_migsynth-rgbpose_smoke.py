# CPU smoke variant: the same network at half width, one block per stage.
_base_ = ['./posec3d_rgbposeconv3d-tiny_1xb16-u4u16-12e_migsynth-rgbpose.py']
model = dict(
    backbone=dict(
        rgb_pathway=dict(base_channels=8),
        pose_pathway=dict(base_channels=4, stage_blocks=(1, 1, 1))),
    cls_head=dict(in_channels=[256, 64]))

# CPU smoke schedule: one short epoch, small batches, no worker processes.
train_cfg = dict(max_epochs=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
default_hooks = dict(logger=dict(interval=1))
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
test_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
