# The pose-only model of `make demo`: ./posec3d_resnet3d-slowonly-tiny_1xb16-u16-12e_migsynth-pose.py
# at batch 8 with class-balanced sampling: mmengine's ClassBalancedDataset
# repeats each clip of a class holding under 10 % of the train clips
# sqrt(0.1 / its share) times per epoch, rounded up (a 3-clip class of 600:
# 5 times; MiG-Synth's 600 train clips become 870 per epoch).
# Chosen on val (ResNet3D pose, 8 epochs; see configs/experiments/
# table1_migsynth.py).
_base_ = ['./posec3d_resnet3d-slowonly-tiny_1xb16-u16-12e_migsynth-pose.py']
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        _delete_=True,
        type='ClassBalancedDataset',
        oversample_thr=0.1,
        dataset={{_base_.train_dataloader.dataset}}))
