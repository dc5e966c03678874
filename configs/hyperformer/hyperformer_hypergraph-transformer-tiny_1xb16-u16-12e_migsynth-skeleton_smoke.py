# CPU smoke variant of Hyperformer: width 8, 4 blocks (as EHCT's smoke).
_base_ = ['./hyperformer_hypergraph-transformer-tiny_1xb16-u16-12e_migsynth-skeleton.py']
model = dict(
    backbone=dict(
        base_channels=8,
        num_stages=4,
        inflate_stages=(2, 3),
        down_stages=(2, 3)),
    cls_head=dict(in_channels=32))

# CPU smoke schedule: one short epoch, small batches, no worker processes.
train_cfg = dict(max_epochs=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
default_hooks = dict(logger=dict(interval=1))
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
test_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
