# Paper Table 2 on MiG-Synth, CPU-sized: MMAction2's ST-GCN, TSN, TRN, TSM
# and PoseC3D (RGB, pose, RGB+pose), Hyperformer, EHCT, M3CN and M2HEN
# (M3CN + EHCT with group training, Eq. 5) trained and tested on the same
# data: `m2hen benchmark configs/experiments/table2_migsynth.py`. report.md
# lists each row's top-1 / top-5 / class-average accuracy at the largest
# NoC, parameters, GFLOPs and train time. Settings (NoC, group training,
# Eq. 5) as Table 1's; every field can be changed with --cfg-options.
_base_ = ['./table1_migsynth.py']
name = 'table2_migsynth'
report = 'table2'  # report.md's layout: one line per method
# Methods of the paper's Table 2 that no config here can train.
not_run = [
    dict(method='MS-G3D', modality='skeleton',
         reason="not in MMAction2 1.1.0's wheel (its projects/msg3d is "
         'source-only)'),
]

# Table 1's models (PoseC3D, M3CN, EHCT) and the Table 2 baselines.
models = dict(
    stgcn=dict(
        config='stgcn/stgcn_tiny_1xb16-joint-u16-12e_migsynth-skeleton.py',
        stage='single'),
    tsn=dict(
        config='tsn/tsn_r18-tiny_1xb16-1x1x8-12e_migsynth-rgb.py',
        stage='single'),
    trn=dict(
        config='trn/trn_r18-tiny_1xb16-1x1x8-12e_migsynth-rgb.py',
        stage='single'),
    tsm=dict(
        config='tsm/tsm_r18-tiny_1xb16-1x1x8-12e_migsynth-rgb.py',
        stage='single'),
    hyperformer=dict(
        config='hyperformer/hyperformer_hypergraph-transformer-tiny_1xb16-'
        'u16-12e_migsynth-skeleton.py',
        stage='single'),
)

# The paper's Table 2 order. Method names are unique (they name the score
# files); M2HEN is M3CN + EHCT fused over the group trainsets (GpT).
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
