# MiG-Synth, pose modality: keypoints -> Gaussian heatmaps (PoseC3D style),
# scaled down for CPU (16 of 48 frames, 16x16 heatmaps).
_base_ = ['./migsynth_loaders.py']

clip_len = 16
heatmap_size = 16
test_num_clips = 10
# Joint layout: the datasets' `layout`, which each sample carries.
heatmap = dict(type='GeneratePoseHeatmap', sigma=0.6, use_score=True,
               with_kp=True, with_limb=False)


def _pose_pipeline(num_clips, test_mode):
    return [
        dict(type='UniformSampleFrames', clip_len=clip_len,
             num_clips=num_clips, test_mode=test_mode),
        dict(type='PoseDecode'),
        dict(type='PoseCompact', hw_ratio=1., allow_imgpad=True),
        dict(type='Resize', scale=(heatmap_size, heatmap_size),
             keep_ratio=False),
        heatmap,
        dict(type='FormatShape', input_format='NCTHW_Heatmap'),
        dict(type='PackActionInputs')
    ]


# PoseC3D's RandomResizedCrop (area 0.56-1) is left out: chosen on val
# (ResNet3D pose, class-balanced, batch 8: class-average 54.2 % after 8
# epochs without it, 46.4 % with it; ../datasets/migsynth_rgb.py: the same
# for RGB). On 16x16 heatmaps its scale jitter moves fingers and face by
# whole pixels.
train_pipeline = _pose_pipeline(1, False)
train_pipeline.insert(4, dict(type='LayoutFlip', flip_ratio=0.5))
val_pipeline = _pose_pipeline(1, True)
test_pipeline = _pose_pipeline(test_num_clips, True)

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
