# CPU smoke variant of M3CN: the PoseC3D smoke network with Res2Net3D
# pathways and the fusion head.
_base_ = ['../posec3d/posec3d_rgbposeconv3d-tiny_1xb16-u4u16-12e_migsynth-rgbpose_smoke.py']
model = dict(
    backbone=dict(type='RGBPoseRes2Net3d', scale=4, base_width=26),
    cls_head=dict(type='RGBPoseFusionHead', fusion_weights=[1., 1.]))
default_hooks = dict(checkpoint=dict(save_best='acc/item_top1'))  # fused
