# EHCT on iMiGUE's 137-joint OpenPose skeletons, joint stream: width 64,
# 10 blocks, 4 heads, 64 frames, main + auxiliary classifier, Hyperformer's
# schedule.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/schedules/sgd_hyperformer_140e.py',
    '../_base_/models/ehct_openpose137.py',
    '../_base_/datasets/imigue_skeleton.py'
]
model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
