# Hyperformer's schedule (the base of EHCT), as its main.py and
# config/nturgbd-cross-subject/joint.yaml give it (github.com/ZhouYuxuanYX/
# Hyperformer @948c42c): SGD 0.025 with Nesterov momentum 0.9, weight decay
# 4e-4, batch 64, 140 epochs evaluated after each; the lr is set once per
# epoch: base * (epoch + 1) / 5 for the 5 warm-up epochs, then x0.1 from
# epochs 110 and 120 (milestones count from epoch 0, hence begin=0).
max_epochs = 140
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.2, by_epoch=True, begin=0, end=5),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=max_epochs,
         milestones=[110, 120], gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.025, momentum=0.9, nesterov=True,
                   weight_decay=0.0004))
auto_scale_lr = dict(enable=False, base_batch_size=64)
