# CPU smoke variant of the Res2Net3D RGB-only network.
_base_ = ['../posec3d/posec3d_resnet3d-slowonly-tiny_1xb16-u4-12e_migsynth-rgb_smoke.py']
model = dict(backbone=dict(type='Res2Net3dSlowOnly', scale=4, base_width=26))
