# PoseC3D pose-only on iMiGUE (paper Table 1, "ResNet3D pose"): MMAction2's
# slowonly_r50 keypoint config with 137 OpenPose joints and 32 classes.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_cosine_24e.py',
    '../_base_/models/posec3d_slowonly_r50_pose.py',
    '../_base_/datasets/imigue_pose.py'
]
model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
# Heatmaps drawn where `heatmap_on_device` (in the dataset base) says.
model = dict(
    data_preprocessor=dict(type='PoseHeatmapPreprocessor',
                           heatmap={{_base_.heatmap}}, format_shape='NCTHW'))
