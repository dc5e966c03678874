# MiG-Synth RGB clips read as MMAction2's 2D recognizers (TSN, TRN, TSM) read
# videos: 8 segments of one frame each (DecordInit + SampleFrames), MMAction2's
# TSM/TSN training augmentation scaled down for CPU (64 px crops; smoke_*:
# 32 px) and one centre-crop view to test (the recipes test 10 crops).
_base_ = ['./migsynth_loaders.py']
num_segments = 8


def _pipeline(test_mode, crop_size=64):
    sampling = dict(type='SampleFrames', clip_len=1, frame_interval=1,
                    num_clips=num_segments, test_mode=test_mode)
    crop = [dict(type='CenterCrop', crop_size=crop_size)] if test_mode else [
        dict(type='MultiScaleCrop', input_size=crop_size,
             scales=(1, 0.875, 0.75, 0.66), random_crop=False,
             max_wh_scale_gap=1, num_fixed_crops=13),
        dict(type='Resize', scale=(crop_size, crop_size), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5),
    ]
    return [
        dict(type='DecordInit'), sampling, dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, crop_size * 9 // 8))
    ] + crop + [
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs')
    ]


train_pipeline = _pipeline(False)
test_pipeline = _pipeline(True)
smoke_train_pipeline = _pipeline(False, crop_size=32)
smoke_test_pipeline = _pipeline(True, crop_size=32)
video_prefix = dict(video='data/migsynth/videos')
train_dataloader = dict(
    dataset=dict(pipeline=train_pipeline, data_prefix=video_prefix))
val_dataloader = dict(
    dataset=dict(pipeline=test_pipeline, data_prefix=video_prefix))
test_dataloader = dict(
    dataset=dict(pipeline=test_pipeline, data_prefix=video_prefix))
