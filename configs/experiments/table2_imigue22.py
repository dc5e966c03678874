# Paper Table 2's skeleton rows on the MiGA 2023 release (22 upper-body
# joints, no RGB): `m2hen prepare-imigue miga2023 MiGA2023/ --out
# data/imigue22`, then `m2hen benchmark configs/experiments/
# table2_imigue22.py [--plan ...]`. RGB and pose-heatmap rows need videos
# or 22-joint heatmap configs, which this release and this package lack.
_base_ = ['./table1_imigue22.py', './_table2.py']
name = 'table2_imigue22'
not_run = [
    dict(method='MS-G3D', modality='skeleton',
         reason="not in MMAction2 1.1.0's wheel (its projects/msg3d is "
         'source-only)'),
    dict(method='TSN, TRN, TSM, PoseC3D, M3CN, M2HEN', modality='RGB / pose',
         reason='the MiGA 2023 release has no videos'),
]
# Table 1's claims name Table 1's rows; Table 2's report lists the methods.
class_groups = dict(_delete_=True)
claims = []

models = dict(
    stgcn=dict(
        config='stgcn/stgcn_8xb16-joint-u100-80e_imigue22-skeleton.py',
        stage='single'),
    hyperformer=dict(
        config='hyperformer/hyperformer_hypergraph-transformer_1xb64-u64-'
        '140e_imigue22-joint.py',
        stage='single'),
)
rows = [
    dict(method='ST-GCN', modality='skeleton', models=['stgcn']),
    dict(method='Hyperformer', modality='skeleton', models=['hyperformer']),
    dict(method='EHCT', modality='skeleton', models=['ehct']),
]
