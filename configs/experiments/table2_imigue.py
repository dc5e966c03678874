# Paper Table 2 on iMiGUE (137 OpenPose joints, 32 classes), paper scale:
# each model on the recipe its config names (MMAction2's ST-GCN / TSN / TRN /
# TSM configs, PoseC3D's RGB-only, pose-only and merged RGB+pose recipes,
# Hyperformer's for Hyperformer and EHCT). `m2hen prepare-imigue miga2025
# ...` writes the data; `m2hen benchmark configs/experiments/table2_imigue.py
# --plan --launcher pytorch --gpus 8` prints every run; run them, then
# `m2hen benchmark configs/experiments/table2_imigue.py` scores the rows.
_base_ = ['./table1_imigue.py', './_table2.py']
name = 'table2_imigue'

# Table 1's iMiGUE models (with the merge-inits) and the Table 2 baselines.
# Table 1's claims name Table 1's rows; Table 2's report lists the methods.
class_groups = dict(_delete_=True)
claims = []

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
# ST-GCN, TSN, TRN, TSM, PoseC3D x 3, Hyperformer, EHCT, M3CN, M2HEN.
rows = {{_base_.table2_rows}}
