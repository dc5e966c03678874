# iMiGUE RGB clips for MMAction2's 2D recognizers (TSN, TRN, TSM), read as
# MMAction2's video configs read Kinetics: 8 segments of one frame
# (DecordInit + SampleFrames), short side 256, 224 px crops. The loaders get
# the video folder; each config picks its recipe's pipelines and batch.
_base_ = ['./imigue_loaders.py']


def _pipeline(num_clips=8, view=None, num_fixed_crops=None, **sampling_args):
    """Training pipeline (view None), else the test view's transforms."""
    sampling = dict(type='SampleFrames', clip_len=1, frame_interval=1,
                    num_clips=num_clips, **sampling_args)
    crop = dict(type='MultiScaleCrop', input_size=224,
                scales=(1, 0.875, 0.75, 0.66), random_crop=False,
                max_wh_scale_gap=1)
    if num_fixed_crops:
        crop['num_fixed_crops'] = num_fixed_crops
    augment = [crop, dict(type='Resize', scale=(224, 224), keep_ratio=False),
               dict(type='Flip', flip_ratio=0.5)]
    if view is not None:
        sampling['test_mode'] = True
        augment = [view]
    return [dict(type='DecordInit', io_backend='disk'), sampling,
            dict(type='DecordDecode'), dict(type='Resize', scale=(-1, 256))
            ] + augment + [dict(type='FormatShape', input_format='NCHW'),
                           dict(type='PackActionInputs')]


# TSN's (tsn_*_1x1x8-100e_kinetics400-rgb.py) and TSM's / TRN's training.
train_pipeline = _pipeline()
train_pipeline_13_crops = _pipeline(num_fixed_crops=13)
val_pipeline = _pipeline(view=dict(type='CenterCrop', crop_size=224))
# Test views: TSN 25 segments x 10 crops, TSM 8 x 10, TRN 2 x 8 x 3.
tsn_test_pipeline = _pipeline(25, view=dict(type='TenCrop', crop_size=224))
tsm_test_pipeline = _pipeline(view=dict(type='TenCrop', crop_size=224))
trn_test_pipeline = _pipeline(view=dict(type='ThreeCrop', crop_size=256),
                              twice_sample=True)

video_prefix = dict(video='data/imigue/videos')
train_dataloader = dict(dataset=dict(data_prefix=video_prefix))
val_dataloader = dict(dataset=dict(data_prefix=video_prefix))
test_dataloader = dict(dataset=dict(data_prefix=video_prefix))
