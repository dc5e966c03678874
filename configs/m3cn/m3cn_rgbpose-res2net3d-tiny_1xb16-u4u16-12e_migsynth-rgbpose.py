# M3CN on MiG-Synth: RGBPoseConv3D's two pathways built from Res2Net3D
# bottlenecks, RGB layer2/3 <-> pose layer1/2 laterals, and a head that
# fuses both branch scores with equal weights.
_base_ = ['../posec3d/posec3d_rgbposeconv3d-tiny_1xb16-u4u16-12e_migsynth-rgbpose.py']
model = dict(
    backbone=dict(type='RGBPoseRes2Net3d', scale=4, base_width=26),
    cls_head=dict(type='RGBPoseFusionHead', fusion_weights=[1., 1.]))
default_hooks = dict(checkpoint=dict(save_best='acc/item_top1'))  # fused
