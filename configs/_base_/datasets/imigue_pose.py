# iMiGUE pose modality as MMAction2's rgbpose_conv3d/pose_only.py: 32 frames,
# 64x64 heatmaps (random 56x56 crops in training), one per joint of the
# datasets' layout (openpose137), 10-clip test, batch 16 (val 16, test 1).
_base_ = ['./imigue_loaders.py']

clip_len = 32
test_num_clips = 10
# True: the pipeline packs keypoints and PoseHeatmapPreprocessor draws the
# heatmaps on the model's device (GPU); False: GeneratePoseHeatmap on CPU.
heatmap_on_device = False
# Joint layout (heatmap channels, flip pairs): the datasets' `layout`,
# which each sample carries (set it once, e.g. openpose22 for MiGA 2023).
heatmap = dict(type='GeneratePoseHeatmap', sigma=0.6, use_score=True,
               with_kp=True, with_limb=False, on_device=heatmap_on_device)


def _pose_pipeline(num_clips, test_mode):
    return [
        dict(type='UniformSampleFrames', clip_len=clip_len,
             num_clips=num_clips, test_mode=test_mode),
        dict(type='PoseDecode'),
        dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
        dict(type='Resize', scale=(64, 64), keep_ratio=False),
        heatmap,
        dict(type='FormatShape', input_format='NCTHW_Heatmap'),
        dict(type='PackActionInputs')
    ]


train_pipeline = _pose_pipeline(1, False)
train_pipeline[4:4] = [
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(56, 56), keep_ratio=False),
    dict(type='LayoutFlip', flip_ratio=0.5),
]
val_pipeline = _pose_pipeline(1, True)
test_pipeline = _pose_pipeline(test_num_clips, True)

train_dataloader = dict(batch_size=16, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=16, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
