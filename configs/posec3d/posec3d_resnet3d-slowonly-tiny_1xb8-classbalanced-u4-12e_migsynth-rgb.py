# The RGB-only model of `make demo`: ./posec3d_resnet3d-slowonly-tiny_1xb16-u4-12e_migsynth-rgb.py
# at batch 8 with class-balanced sampling, as the pose-only model
# (./posec3d_resnet3d-slowonly-tiny_1xb8-classbalanced-u16-12e_migsynth-pose.py).
# Chosen on val (ResNet3D RGB, 8 epochs): class-average 15.1 % -> 26.0 %,
# play things 0 -> 33 % (see configs/experiments/table1_migsynth.py).
_base_ = ['./posec3d_resnet3d-slowonly-tiny_1xb16-u4-12e_migsynth-rgb.py']
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        _delete_=True,
        type='ClassBalancedDataset',
        oversample_thr=0.1,
        dataset={{_base_.train_dataloader.dataset}}))
