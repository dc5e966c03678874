# EHCT on the MiGA 2023 release's 22-joint skeletons (`m2hen prepare-imigue
# miga2023` writes data/imigue22/imigue_openpose22.pkl); the joint config's
# recipe (Hyperformer's).
_base_ = ['./ehct_hypergraph-transformer_1xb64-u64-140e_imigue-joint.py']
layout = 'openpose22'
model = dict(backbone=dict(layout=layout, with_cp=False, attn_chunk_size=None))
ann_file = 'data/imigue22/imigue_openpose22.pkl'
imigue22 = dict(ann_file=ann_file, layout=layout)
train_dataloader = dict(dataset=imigue22)
val_dataloader = dict(dataset=imigue22)
test_dataloader = dict(dataset=imigue22)
