# PoseC3D RGB+pose on iMiGUE (paper Table 1, row "PoseC3D RGB+pose"):
# MMAction2's RGBPoseConv3D config with 137 OpenPose joints and 32 classes.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_multistep_20e.py',
    '../_base_/models/posec3d_rgbposeconv3d_r50.py',
    '../_base_/datasets/imigue_rgbpose.py'
]
model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
# Heatmaps drawn where `heatmap_on_device` (in the dataset base) says.
model = dict(
    data_preprocessor=dict(preprocessors=dict(heatmap_imgs=dict(
        type='PoseHeatmapPreprocessor', heatmap={{_base_.heatmap}}))))
