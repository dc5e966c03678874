# Res2Net3D RGB-only of `make demo`: the PoseC3D class-balanced RGB config
# with its backbone type swapped (Res2Net 26w x 4s bottlenecks), as
# ./m3cn_res2net3d-slowonly-tiny_1xb16-u4-12e_migsynth-rgb.py does.
_base_ = ['../posec3d/posec3d_resnet3d-slowonly-tiny_1xb8-classbalanced-u4-12e_migsynth-rgb.py']
model = dict(backbone=dict(type='Res2Net3dSlowOnly', scale=4, base_width=26))
