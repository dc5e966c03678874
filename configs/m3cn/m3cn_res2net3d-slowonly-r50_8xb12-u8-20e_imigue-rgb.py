# Res2Net3D RGB-only on iMiGUE (paper Table 1, "Res2Net3D RGB"): the PoseC3D
# RGB config with its backbone type swapped.
_base_ = ['../posec3d/posec3d_resnet3d-slowonly-r50_8xb12-u8-20e_imigue-rgb.py']
model = dict(backbone=dict(type='Res2Net3dSlowOnly', scale=4, base_width=26))
