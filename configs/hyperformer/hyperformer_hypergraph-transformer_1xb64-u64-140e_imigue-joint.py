# Hyperformer on iMiGUE's 137-joint skeletons, joint stream: the EHCT config
# (Hyperformer's recipe, config/nturgbd-cross-subject/joint.yaml + main.py,
# github.com/ZhouYuxuanYX/Hyperformer @948c42c) with EHCT's own parts
# switched off: no auxiliary classifier (EHCTHead's aux loss and score),
# MMAction2's RecognizerGCN + GCNHead on the last block. The MiG-Synth
# config's header lists what is kept.
_base_ = ['../ehct/ehct_hypergraph-transformer_1xb64-u64-140e_imigue-joint.py']
model = dict(
    type='RecognizerGCN',
    backbone=dict(out_indices=(-1, )),
    cls_head=dict(
        _delete_=True,
        type='GCNHead',
        num_classes={{_base_.num_classes}},
        in_channels=256))
