# iMiGUE raw skeletons for EHCT (openpose137, (x, y, score)): 64 frames,
# 10-clip test; joint stream (bone: ehct_bone_*_pipeline).
_base_ = ['./imigue_loaders.py', '../models/ehct_pipelines.py']
train_dataloader = dict(
    batch_size=64,
    dataset=dict(pipeline={{_base_.ehct_joint_train_pipeline}}))
val_dataloader = dict(
    batch_size=64, dataset=dict(pipeline={{_base_.ehct_joint_val_pipeline}}))
test_dataloader = dict(
    dataset=dict(pipeline={{_base_.ehct_joint_test_pipeline}}))
