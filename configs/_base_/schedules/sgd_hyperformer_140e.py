# Hyperformer's schedule (the base of EHCT): SGD with Nesterov momentum,
# 5 warm-up epochs, steps at epochs 110 and 120 of 140.
max_epochs = 140
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs,
                 val_begin=1, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', begin=5, end=max_epochs, by_epoch=True,
         milestones=[110, 120], gamma=0.1)
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.025, momentum=0.9, nesterov=True,
                   weight_decay=0.0004))
auto_scale_lr = dict(enable=False, base_batch_size=64)
