# PoseC3D RGB-only on iMiGUE (paper Table 1, "ResNet3D RGB"; stage 1 of the
# RGB+pose recipe). Source: MMAction2 1.1.0
# configs/skeleton/posec3d/rgbpose_conv3d/rgb_only.py, field by field: SGD
# 0.15 + cosine, 18 epochs over RepeatDataset(times=10) ("180e"), batch 8x12,
# 8 frames at 224x224, 10-clip test. Differences (iMiGUE's 32 classes and
# files): tests/test_recipes.py.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_18e_rgb_only.py',
    '../_base_/models/posec3d_slowonly_r50_rgb.py',
    '../_base_/datasets/imigue_rgb.py'
]
model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = dict(dataset=dict(
    _delete_=True, type='RepeatDataset', times=10,
    dataset={{_base_.train_dataloader.dataset}}))
