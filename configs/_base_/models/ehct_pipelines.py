# Skeleton pipelines for EHCT on MMAction2 PoseDataset pickles with 2D
# OpenPose keypoints (keypoint (M, T, V, 2) + keypoint_score (M, T, V)).
# Joint stream: channels (x, y, score), x/y scaled to [-1, 1] by img_shape.
# Bone stream: JointToBoneLayout (MMAction2's JointToBone/GenSkeFeat only
# know 25/18/17-joint datasets). Use them in a dataset config, e.g.
#   train_dataloader = dict(dataset=dict(pipeline=ehct_joint_train_pipeline))
# For other layouts set JointToBoneLayout(layout=...) and the model's layout.
# GenSkeFeat(feats=['j']) only merges keypoint_score in as the 3rd channel;
# its dataset= is irrelevant for joints ('nturgb+d' would reject scores).
ehct_clip_len = 64
ehct_num_person = 1  # iMiGUE / MiG-Synth: one subject per clip
ehct_test_num_clips = 10
ehct_layout = 'openpose137'

_ehct_joint = [
    dict(type='PreNormalize2D'),  # uses each annotation's img_shape
    dict(type='GenSkeFeat', dataset='openpose', feats=['j']),
]
_ehct_bone = _ehct_joint + [dict(type='JointToBoneLayout', layout=ehct_layout)]
_ehct_train_sampling = [
    dict(type='UniformSampleFrames', clip_len=ehct_clip_len),
    dict(type='PoseDecode'),
]
_ehct_val_sampling = [
    dict(type='UniformSampleFrames', clip_len=ehct_clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
]
_ehct_test_sampling = [
    dict(type='UniformSampleFrames', clip_len=ehct_clip_len,
         num_clips=ehct_test_num_clips, test_mode=True),
    dict(type='PoseDecode'),
]
_ehct_format = [
    dict(type='FormatGCNInput', num_person=ehct_num_person),
    # frame_dir lets EHCT name bad samples in its errors.
    dict(type='PackActionInputs', meta_keys=('img_shape', 'frame_dir')),
]

ehct_joint_train_pipeline = _ehct_joint + _ehct_train_sampling + _ehct_format
ehct_joint_val_pipeline = _ehct_joint + _ehct_val_sampling + _ehct_format
ehct_joint_test_pipeline = _ehct_joint + _ehct_test_sampling + _ehct_format
ehct_bone_train_pipeline = _ehct_bone + _ehct_train_sampling + _ehct_format
ehct_bone_val_pipeline = _ehct_bone + _ehct_val_sampling + _ehct_format
ehct_bone_test_pipeline = _ehct_bone + _ehct_test_sampling + _ehct_format
