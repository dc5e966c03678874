# PoseC3D RGB+pose on iMiGUE (paper Table 1, "PoseC3D RGB+pose"). Source:
# MMAction2 1.1.0 configs/skeleton/posec3d/rgbpose_conv3d/rgbpose_conv3d.py,
# field by field: fine-tunes the merged RGB-only + pose-only weights
# (load_from) at SGD 0.0075, steps at 12/16 of 20 epochs, batch 8x6, RGB 8
# frames at 224x224 + pose 32 frames of 56x56 heatmaps, 10-clip test.
# Differences (137 OpenPose joints, 32 classes, iMiGUE's files, the init's
# path): tests/test_recipes.py. The stages (README, "iMiGUE recipes"):
#   1. mim train m2hen_mmaction <...8xb12-u8-180e_imigue-rgb.py>   -> RGB.pth
#      mim train m2hen_mmaction <...8xb16-u32-180e_imigue-pose.py> -> POSE.pth
#   2. m2hen merge-init RGB.pth POSE.pth <load_from> --config <this file>
#   3. mim train m2hen_mmaction <this file>
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_multistep_20e.py',
    '../_base_/models/posec3d_rgbposeconv3d_r50.py',
    '../_base_/datasets/imigue_rgbpose.py'
]
model = dict(
    cls_head=dict(num_classes={{_base_.num_classes}}),
    # Heatmaps drawn where `heatmap_on_device` (in the dataset base) says.
    data_preprocessor=dict(preprocessors=dict(heatmap_imgs=dict(
        type='PoseHeatmapPreprocessor', heatmap={{_base_.heatmap}}))))
load_from = ('work_dirs/posec3d_rgbposeconv3d-r50_8xb6-u8u32-20e_imigue-'
             'rgbpose/merge_init.pth')
# The best checkpoint is the best fused (1:1) score of RGBPoseHead, as
# MicroGestureMetric (AccMetric) names it ('auto' would take the RGB branch).
default_hooks = dict(checkpoint=dict(save_best='acc/RGBPose_1:1_top1'))
