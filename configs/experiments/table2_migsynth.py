# Paper Table 2 on MiG-Synth, CPU-sized: MMAction2's ST-GCN, TSN, TRN, TSM
# and PoseC3D (RGB, pose, RGB+pose), Hyperformer, EHCT, M3CN and M2HEN
# (M3CN + EHCT with group training, Eq. 5) trained and tested on the same
# data: `m2hen benchmark configs/experiments/table2_migsynth.py`. report.md
# lists each row's top-1 / top-5 / class-average accuracy at the largest
# NoC, parameters, GFLOPs and train time. Settings (NoC, group training,
# Eq. 5) as Table 1's; every field can be changed with --cfg-options.
_base_ = ['./table1_migsynth.py', './_table2.py']
name = 'table2_migsynth'

# Table 1's models (PoseC3D, M3CN, EHCT) and the Table 2 baselines.
# Table 1's claims name Table 1's rows; Table 2's report lists the methods.
class_groups = dict(_delete_=True)
claims = []

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
# ST-GCN, TSN, TRN, TSM, PoseC3D x 3, Hyperformer, EHCT, M3CN, M2HEN.
rows = {{_base_.table2_rows}}
