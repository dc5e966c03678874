# MMAction2's ST-GCN (RecognizerGCN + STGCN + GCNHead) with the graph of one
# of our joint layouts: LayoutSTGCN is STGCN whose graph_cfg.layout may name
# 'openpose137', 'openpose22' or 'coco17' (MMAction2's Graph built from the
# layout's limbs, centred on the neck). Model as in MMAction2's
# skeleton/stgcn/stgcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-2d.py.
model = dict(
    type='RecognizerGCN',
    backbone=dict(
        type='LayoutSTGCN',
        graph_cfg=dict(layout='openpose137', mode='stgcn_spatial')),
    cls_head=dict(type='GCNHead', num_classes=32, in_channels=256))
