# EHCT on iMiGUE's 137-joint OpenPose skeletons, joint stream: width 64,
# 10 blocks, 4 heads, main + auxiliary classifier. Training recipe source:
# Hyperformer's config/nturgbd-cross-subject/joint.yaml + main.py
# (github.com/ZhouYuxuanYX/Hyperformer @948c42c): SGD 0.025 Nesterov, 5
# warm-up epochs, steps at 110/120 of 140, batch 64, 64 frames, validated
# every epoch. Differences (10-clip test, MMAction2's frame sampling):
# tests/test_recipes.py.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_hyperformer_140e.py',
    '../_base_/models/ehct_openpose137.py',
    '../_base_/datasets/imigue_skeleton.py'
]
model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
