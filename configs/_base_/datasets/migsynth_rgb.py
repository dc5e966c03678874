# MiG-Synth, RGB modality (PoseC3D's rgb_only pipeline, scaled down for CPU).
_base_ = ['./migsynth_loaders.py']
rgb_clip_len = 4
rgb_size = 64
test_num_clips = 10


def _rgb_pipeline(num_clips, test_mode):
    return [
        dict(type='MMUniformSampleFrames', clip_len=dict(RGB=rgb_clip_len),
             num_clips=num_clips, test_mode=test_mode),
        dict(type='MMDecode'),
        dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
        dict(type='Resize', scale=(rgb_size, rgb_size), keep_ratio=False),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]


# PoseC3D's RandomResizedCrop (area 0.56-1) is left out: chosen on val
# (ResNet3D RGB, 8 epochs, batch 8: class-average 7-10 % with it, 16.1 %
# with the flip alone, 18.2 % with neither); within a few hundred steps the
# crop's scale jitter keeps the model from learning anything.
train_pipeline = _rgb_pipeline(1, False)
train_pipeline.insert(-2, dict(type='Flip', flip_ratio=0.5))
val_pipeline = _rgb_pipeline(1, True)
test_pipeline = _rgb_pipeline(test_num_clips, True)

video_prefix = dict(video='data/migsynth/videos')
train_dataloader = dict(
    dataset=dict(pipeline=train_pipeline, data_prefix=video_prefix))
val_dataloader = dict(
    dataset=dict(pipeline=val_pipeline, data_prefix=video_prefix))
test_dataloader = dict(
    dataset=dict(pipeline=test_pipeline, data_prefix=video_prefix))
