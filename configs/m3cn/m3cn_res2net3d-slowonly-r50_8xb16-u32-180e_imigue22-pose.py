# Res2Net3D pose-only on the MiGA 2023 release's 22 joints (paper Table 1's
# "Res2Net3D pose"): the PoseC3D 22-joint config (recipe: MMAction2's
# pose_only.py) with its backbone type swapped.
_base_ = ['../posec3d/posec3d_resnet3d-slowonly-r50_8xb16-u32-180e_imigue22-pose.py']
model = dict(backbone=dict(type='Res2Net3dSlowOnly', scale=4, base_width=26))
