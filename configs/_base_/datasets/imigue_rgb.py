# iMiGUE RGB modality as MMAction2's rgbpose_conv3d/rgb_only.py: 8 frames at
# 224x224, 10-clip test, batch 12 (val 12, test 1).
_base_ = ['./imigue_loaders.py']

rgb_size = 224
test_num_clips = 10


def _rgb_pipeline(num_clips, test_mode):
    return [
        dict(type='MMUniformSampleFrames', clip_len=dict(RGB=8),
             num_clips=num_clips, test_mode=test_mode),
        dict(type='MMDecode'),
        dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
        dict(type='Resize', scale=(rgb_size, rgb_size), keep_ratio=False),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]


train_pipeline = _rgb_pipeline(1, False)
train_pipeline[3:3] = [
    dict(type='Resize', scale=(256, 256), keep_ratio=False),
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
]
train_pipeline.insert(-2, dict(type='Flip', flip_ratio=0.5))
val_pipeline = _rgb_pipeline(1, True)
test_pipeline = _rgb_pipeline(test_num_clips, True)

video_prefix = dict(video='data/imigue/videos')
train_dataloader = dict(
    batch_size=12,
    dataset=dict(pipeline=train_pipeline, data_prefix=video_prefix))
val_dataloader = dict(
    batch_size=12,
    dataset=dict(pipeline=val_pipeline, data_prefix=video_prefix))
test_dataloader = dict(
    dataset=dict(pipeline=test_pipeline, data_prefix=video_prefix))
