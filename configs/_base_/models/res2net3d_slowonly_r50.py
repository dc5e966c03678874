# Pose-only Res2Net3D recognizer: PoseC3D's slowonly_r50 pose model with
# Res2Net 26w x 4s bottlenecks (only the backbone type changes).
# Model only; add runtime, schedule and dataset bases. Set the class count
# with model = dict(cls_head=dict(num_classes=...)).
_base_ = ['./posec3d_slowonly_r50_pose.py']
model = dict(backbone=dict(type='Res2Net3dSlowOnly', scale=4, base_width=26))
