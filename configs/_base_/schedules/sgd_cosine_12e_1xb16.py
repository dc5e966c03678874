# PoseC3D's SGD + cosine schedule for one device at batch 16 (lr scaled from
# 0.2 at 8x16), 12 epochs: the MiG-Synth configs' schedule.
_base_ = ['./sgd_cosine_24e.py']
max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs, by_epoch=True,
         convert_to_iter_based=True)
]
optim_wrapper = dict(optimizer=dict(lr=0.05))
auto_scale_lr = dict(enable=False, base_batch_size=16)  # --auto-scale-lr
