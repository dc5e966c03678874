# Hyperformer on MiG-Synth: the EHCT config with EHCT's own parts switched
# off, everything else (backbone, data, schedule) unchanged. Switched off:
# the auxiliary classifier on an intermediate block (EHCTHead: its 0.5-
# weighted loss and 0.5-weighted score) and EHCT's recognizer; the model is
# MMAction2's RecognizerGCN + GCNHead on the last block, as Hyperformer
# classifies. Kept: HypergraphTransformer itself (hypergraph attention over
# the layout's body parts, hop-distance relative positions, multi-scale
# temporal convs), whose one known departure from Hyperformer's code is
# alpha initialised at 1 (Hyperformer: 0; see HypergraphAttention).
_base_ = [
    '../ehct/ehct_hypergraph-transformer-tiny_1xb16-u16-12e_migsynth-skeleton.py'
]
model = dict(
    type='RecognizerGCN',
    backbone=dict(out_indices=(-1, )),
    cls_head=dict(
        _delete_=True,
        type='GCNHead',
        num_classes={{_base_.num_classes}},
        in_channels=64))
