# M3CN on iMiGUE (paper Table 1, "Res2Net3D RGB+pose", 10-clip test): the
# PoseC3D RGB+pose config (recipe: MMAction2's rgbpose_conv3d.py, fine-tuned
# from merge-init of the Res2Net3D RGB-only and pose-only checkpoints) with
# Res2Net3D (26w x 4s) pathways and the equal-weight fusion head.
_base_ = ['../posec3d/posec3d_rgbposeconv3d-r50_8xb6-u8u32-20e_imigue-rgbpose.py']
model = dict(
    backbone=dict(type='RGBPoseRes2Net3d', scale=4, base_width=26),
    cls_head=dict(type='RGBPoseFusionHead', fusion_weights=[1., 1.]))
load_from = ('work_dirs/m3cn_res2net3d-r50_8xb6-u8u32-20e_imigue-rgbpose/'
             'merge_init.pth')
default_hooks = dict(checkpoint=dict(save_best='acc/item_top1'))  # fused
