# Table 1's skeleton rows on the MiGA 2023 release (22 upper-body joints, no
# RGB): `m2hen prepare-imigue miga2023 MiGA2023/ --out data/imigue22`, then
# `m2hen benchmark configs/experiments/table1_imigue22.py [--plan ...]`.
# Pose-heatmap rows need 22-joint PoseC3D/M3CN configs, not shipped yet.
_base_ = ['./table1_migsynth.py']
name = 'table1_imigue22'
ann_file = 'data/imigue22/imigue_openpose22.pkl'
epochs = None  # the config's own (Hyperformer) schedule
finetune_epochs = None
num_clips = [1, 10]

models = dict(
    _delete_=True,
    ehct=dict(
        config='ehct/ehct_hypergraph-transformer_1xb64-u64-140e_imigue22-joint.py',
        stage='single'),
)
rows = [
    dict(method='EHCT', modality='skeleton', models=['ehct']),
    dict(method='+ group training (GpT)', modality='skeleton',
         models=['ehct'], group_training=True),
]
