# Res2Net3D RGB-only on iMiGUE (paper Table 1, "Res2Net3D RGB"; stage 1 of
# M3CN): the PoseC3D RGB config (recipe: MMAction2's rgb_only.py) with its
# backbone type swapped.
_base_ = ['../posec3d/posec3d_resnet3d-slowonly-r50_8xb12-u8-180e_imigue-rgb.py']
model = dict(backbone=dict(type='Res2Net3dSlowOnly', scale=4, base_width=26))
