# TSM (temporal shift) on MiG-Synth's RGB clips, scaled down
# for CPU: ResNet-18 from scratch, 8 segments of 64x64 px, PoseC3D's
# 12-epoch CPU schedule (iMiGUE: tsm_imagenet-pretrained-r50_*_imigue-rgb.py,
# MMAction2's recipe).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/sgd_cosine_12e_1xb16.py',
    '../_base_/models/tsm_r50.py',
    '../_base_/datasets/migsynth_video.py'
]
model = dict(
    backbone=dict(pretrained=None, pretrained2d=False, depth=18),
    cls_head=dict(in_channels=512, num_classes={{_base_.num_classes}}))
