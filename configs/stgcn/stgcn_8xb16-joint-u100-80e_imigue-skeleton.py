# ST-GCN on iMiGUE's 137-joint OpenPose skeletons, joint stream. Recipe:
# MMAction2 1.1.0 skeleton/stgcn/stgcn_8xb16-joint-u100-80e_ntu60-xsub-
# keypoint-2d.py, field by field: SGD 0.1 Nesterov, wd 5e-4, cosine over 16
# epochs of RepeatDataset(times=5) (80 epochs), 8 GPUs x 16, 100 frames,
# 10-clip test. Differences (one person, the layout's graph, (x, y, score)
# with OpenPose's scores): tests/test_recipes.py.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/stgcn_layout.py',
    '../_base_/datasets/imigue_loaders.py'
]
clip_len = 100


def _pipeline(num_clips, test_mode):
    sampling = dict(type='UniformSampleFrames', clip_len=clip_len)
    if test_mode:
        sampling.update(num_clips=num_clips, test_mode=True)
    return [
        dict(type='PreNormalize2D'),
        dict(type='GenSkeFeat', dataset='openpose', feats=['j']),
        sampling,
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs')
    ]


model = dict(cls_head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        _delete_=True,
        type='RepeatDataset',
        times=5,
        dataset=dict(
            type={{_base_.dataset_type}},
            ann_file={{_base_.ann_file}},
            layout={{_base_.layout}},
            split='train',
            pipeline=_pipeline(1, False))))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    dataset=dict(pipeline=_pipeline(1, True)))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    dataset=dict(pipeline=_pipeline(10, True)))

train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=16, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=16, by_epoch=True,
         convert_to_iter_based=True)
]
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0005, nesterov=True))
default_hooks = dict(checkpoint=dict(interval=1), logger=dict(interval=100))
auto_scale_lr = dict(enable=False, base_batch_size=128)
