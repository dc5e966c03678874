# iMiGUE pose modality with the paper's settings: 32 frames of 56x56
# heatmaps over 137 OpenPose joints, 10-clip test (PoseC3D's pipeline).
_base_ = ['./imigue_loaders.py']

clip_len = 32
test_num_clips = 10
# True: the pipeline packs keypoints and PoseHeatmapPreprocessor draws the
# heatmaps on the model's device (GPU); False: GeneratePoseHeatmap on CPU.
heatmap_on_device = False
heatmap = dict(type='GeneratePoseHeatmap', sigma=0.6, use_score=True,
               with_kp=True, with_limb=False, layout='openpose137',
               on_device=heatmap_on_device)


def _pose_pipeline(num_clips, test_mode):
    return [
        dict(type='UniformSampleFrames', clip_len=clip_len,
             num_clips=num_clips, test_mode=test_mode),
        dict(type='PoseDecode'),
        dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
        dict(type='Resize', scale=(-1, 64)),
        dict(type='CenterCrop', crop_size=64),
        heatmap,
        dict(type='FormatShape', input_format='NCTHW_Heatmap'),
        dict(type='PackActionInputs')
    ]


train_pipeline = _pose_pipeline(1, False)
train_pipeline[4:5] = [
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='LayoutFlip', flip_ratio=0.5, layout='openpose137'),
]
val_pipeline = _pose_pipeline(1, True)
test_pipeline = _pose_pipeline(test_num_clips, True)

train_dataloader = dict(batch_size=16, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=16, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
