# Paper Table 2 on iMiGUE (137 OpenPose joints, 32 classes), paper scale:
# each model on the recipe its config names (MMAction2's ST-GCN / TSN / TRN /
# TSM configs, PoseC3D's RGB-only, pose-only and merged RGB+pose recipes,
# Hyperformer's for Hyperformer and EHCT). `m2hen prepare-imigue miga2025
# ...` writes the data; `m2hen benchmark configs/experiments/table2_imigue.py
# --plan --launcher pytorch --gpus 8` prints every run; run them, then
# `m2hen benchmark configs/experiments/table2_imigue.py` scores the rows.
_base_ = ['./table1_imigue.py']
name = 'table2_imigue'
report = 'table2'
not_run = [
    dict(method='MS-G3D', modality='skeleton',
         reason="not in MMAction2 1.1.0's wheel (its projects/msg3d is "
         'source-only)'),
]

# Table 1's iMiGUE models (with the merge-inits) and the Table 2 baselines.
models = dict(
    stgcn=dict(
        config='stgcn/stgcn_8xb16-joint-u100-80e_imigue-skeleton.py',
        stage='single'),
    tsn=dict(
        config='tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x8-100e_imigue-'
        'rgb.py',
        stage='single'),
    trn=dict(
        config='trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_imigue-'
        'rgb.py',
        stage='single'),
    tsm=dict(
        config='tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_imigue-'
        'rgb.py',
        stage='single'),
    hyperformer=dict(
        config='hyperformer/hyperformer_hypergraph-transformer_1xb64-u64-'
        '140e_imigue-joint.py',
        stage='single'),
)

# As table2_migsynth.py.
rows = [
    dict(method='ST-GCN', modality='skeleton', models=['stgcn']),
    dict(method='TSN', modality='RGB', models=['tsn']),
    dict(method='TRN', modality='RGB', models=['trn']),
    dict(method='TSM', modality='RGB', models=['tsm']),
    dict(method='PoseC3D (RGB)', modality='RGB', models=['posec3d_rgb']),
    dict(method='PoseC3D (pose)', modality='pose', models=['posec3d_pose']),
    dict(method='PoseC3D (RGB+pose)', modality='RGB+pose',
         models=['posec3d_rgbpose']),
    dict(method='Hyperformer', modality='skeleton', models=['hyperformer']),
    dict(method='EHCT', modality='skeleton', models=['ehct']),
    dict(method='M3CN', modality='RGB+pose', models=['m3cn_rgbpose']),
    dict(method='M2HEN', modality='RGB+pose+skeleton',
         models=['m3cn_rgbpose', 'ehct'], group_training=True),
]
