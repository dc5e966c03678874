# MMAction2's rgbpose_conv3d/pose_only.py schedule (stage 1 of RGBPoseConv3D):
# SGD 0.2, weight decay 3e-4, cosine over 18 epochs, batch 8x16. The
# configs using it wrap their train set in RepeatDataset(times=10) as that
# file does (MMAction2 calls this "180 epochs").
_base_ = ['./sgd_cosine_24e.py']
max_epochs = 18
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs, by_epoch=True,
         convert_to_iter_based=True)
]
