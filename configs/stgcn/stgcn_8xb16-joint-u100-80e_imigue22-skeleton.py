# ST-GCN on the MiGA 2023 release's 22-joint skeletons (`m2hen
# prepare-imigue miga2023` writes data/imigue22/imigue_openpose22.pkl); the
# 137-joint config's recipe (MMAction2's stgcn_8xb16-joint-u100-80e_ntu60-
# xsub-keypoint-2d.py) with the openpose22 graph.
_base_ = ['./stgcn_8xb16-joint-u100-80e_imigue-skeleton.py']
model = dict(backbone=dict(graph_cfg=dict(layout='openpose22')))
ann_file = 'data/imigue22/imigue_openpose22.pkl'
imigue22 = dict(ann_file=ann_file, layout='openpose22')
train_dataloader = dict(dataset=dict(dataset=imigue22))
val_dataloader = dict(dataset=imigue22)
test_dataloader = dict(dataset=imigue22)
