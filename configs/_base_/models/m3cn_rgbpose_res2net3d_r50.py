# M3CN (M2HEN's multi-modal branch): PoseC3D's RGBPoseConv3D network with
# Res2Net3D (26w x 4s) pathways and a head that predicts with the
# equal-weight fusion of the RGB and pose scores.
# Model only; add runtime, schedule and dataset bases. Set the class count
# with model = dict(cls_head=dict(num_classes=...)).
_base_ = ['./posec3d_rgbposeconv3d_r50.py']
model = dict(
    backbone=dict(type='RGBPoseRes2Net3d', scale=4, base_width=26),
    cls_head=dict(type='RGBPoseFusionHead', fusion_weights=[1., 1.]))
