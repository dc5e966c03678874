# iMiGUE RGB + pose with the paper's settings (= MMAction2's RGBPoseConv3D):
# RGB 8 frames at 224x224, pose 32 frames of 56x56 heatmaps (scaling 0.25),
# 10-clip test.
_base_ = ['./imigue_loaders.py']

clip_len = dict(RGB=8, Pose=32)
rgb_size = 224
test_num_clips = 10
# True: the pipeline packs keypoints and PoseHeatmapPreprocessor draws the
# heatmaps on the model's device (GPU); False: GeneratePoseHeatmap on CPU.
heatmap_on_device = False
# Joint layout: the datasets' `layout`, which each sample carries.
heatmap = dict(type='GeneratePoseHeatmap', sigma=0.7, use_score=True,
               with_kp=True, with_limb=False, scaling=0.25,
               on_device=heatmap_on_device)


def _rgbpose_pipeline(num_clips, test_mode):
    return [
        dict(type='MMUniformSampleFrames', clip_len=clip_len,
             num_clips=num_clips, test_mode=test_mode),
        dict(type='MMDecode'),
        dict(type='MMCompact', hw_ratio=1., allow_imgpad=True),
        dict(type='Resize', scale=(256, 256), keep_ratio=False),
        heatmap,
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs', collect_keys=('imgs', 'heatmap_imgs'))
    ]


train_pipeline = _rgbpose_pipeline(1, False)
train_pipeline[4:4] = [
    dict(type='RandomResizedCrop', area_range=(0.56, 1.0)),
    dict(type='Resize', scale=(rgb_size, rgb_size), keep_ratio=False),
    dict(type='LayoutFlip', flip_ratio=0.5),
]
val_pipeline = _rgbpose_pipeline(1, True)
test_pipeline = _rgbpose_pipeline(test_num_clips, True)

video_prefix = dict(video='data/imigue/videos')
train_dataloader = dict(
    dataset=dict(pipeline=train_pipeline, data_prefix=video_prefix))
val_dataloader = dict(
    dataset=dict(pipeline=val_pipeline, data_prefix=video_prefix))
test_dataloader = dict(
    dataset=dict(pipeline=test_pipeline, data_prefix=video_prefix))
