# MiG-Synth, raw skeleton streams for EHCT: (x, y, score) of 137 OpenPose
# joints, x/y scaled to [-1, 1] by the frame size, 16 of 48 frames. The
# loaders use the joint stream; `bone_*_pipeline` is the bone stream
# (JointToBoneLayout over the layout's limbs).
_base_ = ['./migsynth_loaders.py']

skeleton_clip_len = 16
test_num_clips = 10


def _skeleton_pipeline(num_clips, test_mode, bones=False):
    sampling = dict(type='UniformSampleFrames', clip_len=skeleton_clip_len)
    if test_mode:
        sampling.update(num_clips=num_clips, test_mode=True)
    return [
        dict(type='PreNormalize2D'),
        # Only merges keypoint_score in as the third channel for joints.
        dict(type='GenSkeFeat', dataset='openpose', feats=['j']),
    ] + ([dict(type='JointToBoneLayout', layout='openpose137')]
         if bones else []) + [
        sampling,
        dict(type='PoseDecode'),
        dict(type='FormatGCNInput', num_person=1),
        dict(type='PackActionInputs', meta_keys=('img_shape', 'frame_dir')),
    ]


train_pipeline = _skeleton_pipeline(1, False)
val_pipeline = _skeleton_pipeline(1, True)
test_pipeline = _skeleton_pipeline(test_num_clips, True)
bone_train_pipeline = _skeleton_pipeline(1, False, bones=True)
bone_val_pipeline = _skeleton_pipeline(1, True, bones=True)
bone_test_pipeline = _skeleton_pipeline(test_num_clips, True, bones=True)

train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
