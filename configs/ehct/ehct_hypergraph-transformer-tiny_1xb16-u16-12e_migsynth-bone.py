# EHCT on MiG-Synth's bone stream (JointToBoneLayout over openpose137 limbs);
# otherwise the joint-stream config.
_base_ = ['./ehct_hypergraph-transformer-tiny_1xb16-u16-12e_migsynth-skeleton.py']
train_dataloader = dict(dataset=dict(pipeline={{_base_.bone_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.bone_val_pipeline}}))
test_dataloader = dict(dataset=dict(pipeline={{_base_.bone_test_pipeline}}))
