# Hyperformer on the MiGA 2023 release's 22-joint skeletons: the EHCT
# imigue22 config (Hyperformer's recipe) without EHCT's own parts (see
# hyperformer_hypergraph-transformer_1xb64-u64-140e_imigue-joint.py).
_base_ = [
    '../ehct/ehct_hypergraph-transformer_1xb64-u64-140e_imigue22-joint.py'
]
model = dict(
    type='RecognizerGCN',
    backbone=dict(out_indices=(-1, )),
    cls_head=dict(
        _delete_=True,
        type='GCNHead',
        num_classes={{_base_.num_classes}},
        in_channels=256))
