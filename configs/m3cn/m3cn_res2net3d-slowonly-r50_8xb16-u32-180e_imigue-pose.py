# Res2Net3D pose-only on iMiGUE (paper Table 1, "Res2Net3D pose"; stage 1 of
# M3CN): the PoseC3D pose config (recipe: MMAction2's pose_only.py) with its
# backbone type swapped.
_base_ = ['../posec3d/posec3d_resnet3d-slowonly-r50_8xb16-u32-180e_imigue-pose.py']
model = dict(backbone=dict(type='Res2Net3dSlowOnly', scale=4, base_width=26))
