# Shared by the Table 2 experiment files (not an experiment itself): the
# report layout, the paper's Table 2 rows and the methods no config here
# can train. Each file sets `rows = {{_base_.table2_rows}}` (or its own).
report = 'table2'  # report.md: one line per method at the largest NoC
count_flops = True  # each model's GFLOPs (mmengine) when its run finishes
not_run = [
    dict(method='MS-G3D', modality='skeleton',
         reason="not in MMAction2 1.1.0's wheel (its projects/msg3d is "
         'source-only)'),
]
# The paper's Table 2 order. Method names are unique (they name the score
# files); M2HEN is M3CN + EHCT fused over the group trainsets (GpT).
table2_rows = [
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
