# PoseC3D RGB-only on iMiGUE (paper Table 1, "ResNet3D RGB"): MMAction2's
# rgbpose_conv3d/rgb_only.py with 32 classes.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_multistep_20e.py',
    '../_base_/models/posec3d_slowonly_r50_rgb.py',
    '../_base_/datasets/imigue_rgb.py'
]
model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
