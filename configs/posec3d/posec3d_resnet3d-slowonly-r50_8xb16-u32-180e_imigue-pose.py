# PoseC3D pose-only on iMiGUE (paper Table 1, "ResNet3D pose"; stage 1 of the
# RGB+pose recipe). Source: MMAction2 1.1.0
# configs/skeleton/posec3d/rgbpose_conv3d/pose_only.py, field by field: SGD
# 0.2 + cosine, 18 epochs over RepeatDataset(times=10) ("180e"), batch 8x16,
# 32 frames of 56x56 heatmaps, 10-clip test, no temporal stride (the network
# is RGBPoseConv3D's pose pathway). Differences (137 OpenPose joints, 32
# classes, iMiGUE's files): tests/test_recipes.py.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_18e_pose_only.py',
    '../_base_/models/posec3d_slowonly_r50_pose.py',
    '../_base_/datasets/imigue_pose.py'
]
model = dict(
    backbone=dict(temporal_strides=(1, 1, 1)),
    cls_head=dict(num_classes={{_base_.num_classes}}),
    # Heatmaps drawn where `heatmap_on_device` (in the dataset base) says.
    data_preprocessor=dict(type='PoseHeatmapPreprocessor',
                           heatmap={{_base_.heatmap}}, format_shape='NCTHW'))
train_dataloader = dict(dataset=dict(
    _delete_=True, type='RepeatDataset', times=10,
    dataset={{_base_.train_dataloader.dataset}}))
