# EHCT on iMiGUE, bone stream (JointToBoneLayout over openpose137 limbs): the
# joint config's recipe, which Hyperformer's bone.yaml shares.
_base_ = ['./ehct_hypergraph-transformer_1xb64-u64-140e_imigue-joint.py']
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.ehct_bone_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.ehct_bone_val_pipeline}}))
test_dataloader = dict(
    dataset=dict(pipeline={{_base_.ehct_bone_test_pipeline}}))
