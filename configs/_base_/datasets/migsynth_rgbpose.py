# MiG-Synth, RGB + pose (RGBPoseConv3D's pipeline, scaled down for CPU):
# RGB 4 frames at 64x64, pose 16 frames of 16x16 heatmaps (scaling 0.25).
_base_ = ['./migsynth_loaders.py']

clip_len = dict(RGB=4, Pose=16)
rgb_size = 64
test_num_clips = 10
# Joint layout: the datasets' `layout`, which each sample carries.
# sigma 0.6 as the pose-only models (./migsynth_pose.py) whose weights start
# the pose pathway (merge-init), so the merged network begins exactly at its
# two halves. MMAction2's rgbpose_conv3d.py draws 0.7 and fine-tunes 20
# epochs; after the demo's 2 on 16x16 heatmaps that mismatch left ResNet3D's
# pose head at 61.5 % on val (its merge-init 58.9 %) against 63.5 % (63.0 %,
# the pose-only model) with 0.6. Chosen on val.
heatmap = dict(type='GeneratePoseHeatmap', sigma=0.6, use_score=True,
               with_kp=True, with_limb=False, scaling=0.25)


def _rgbpose_pipeline(num_clips, test_mode):
    return [
        dict(type='MMUniformSampleFrames', clip_len=clip_len,
             num_clips=num_clips, test_mode=test_mode),
        dict(type='MMDecode'),
        dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
        dict(type='Resize', scale=(rgb_size, rgb_size), keep_ratio=False),
        heatmap,
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs', collect_keys=('imgs', 'heatmap_imgs'))
    ]


# Without RandomResizedCrop, as the RGB halves of the merge-init
# (./migsynth_rgb.py says why).
train_pipeline = _rgbpose_pipeline(1, False)
train_pipeline.insert(-3, dict(type='LayoutFlip', flip_ratio=0.5))
val_pipeline = _rgbpose_pipeline(1, True)
test_pipeline = _rgbpose_pipeline(test_num_clips, True)

video_prefix = dict(video='data/migsynth/videos')
train_dataloader = dict(
    dataset=dict(pipeline=train_pipeline, data_prefix=video_prefix))
val_dataloader = dict(
    dataset=dict(pipeline=val_pipeline, data_prefix=video_prefix))
test_dataloader = dict(
    dataset=dict(pipeline=test_pipeline, data_prefix=video_prefix))
