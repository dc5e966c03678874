# Res2Net3D RGB-only on MiG-Synth: the PoseC3D RGB baseline with its backbone
# type swapped (Res2Net 26w x 4s bottlenecks), nothing else changed.
_base_ = ['../posec3d/posec3d_resnet3d-slowonly-tiny_1xb16-u4-12e_migsynth-rgb.py']
model = dict(backbone=dict(type='Res2Net3dSlowOnly', scale=4, base_width=26))
