# Paper Table 1 on the MiGA 2023 release (22 upper-body joints, no RGB):
# `m2hen prepare-imigue miga2023 MiGA2023/ --out data/imigue22`, then
# `m2hen benchmark configs/experiments/table1_imigue22.py [--plan ...]`.
# Pose-heatmap rows follow MMAction2's pose_only.py recipe, EHCT
# Hyperformer's; HgE sums Res2Net3D pose + EHCT (no RGB pathway here).
_base_ = ['./table1_migsynth.py']
name = 'table1_imigue22'
ann_file = 'data/imigue22/imigue_openpose22.pkl'
epochs = None  # each config's own (paper) schedule
finetune_epochs = None
num_clips = [1, 10]

models = dict(
    _delete_=True,
    posec3d_pose=dict(
        config='posec3d/posec3d_resnet3d-slowonly-r50_8xb16-u32-180e_imigue22-pose.py',
        stage='single'),
    m3cn_pose=dict(
        config='m3cn/m3cn_res2net3d-slowonly-r50_8xb16-u32-180e_imigue22-pose.py',
        stage='single'),
    ehct=dict(
        config='ehct/ehct_hypergraph-transformer_1xb64-u64-140e_imigue22-joint.py',
        stage='single'),
)
rows = [
    dict(method='ResNet3D', modality='pose', models=['posec3d_pose']),
    dict(method='Res2Net3D', modality='pose', models=['m3cn_pose']),
    dict(method='EHCT', modality='skeleton', models=['ehct']),
    dict(method='Res2Net3D + EHCT (HgE)', modality='pose+skeleton',
         models=['m3cn_pose', 'ehct']),
    dict(method='+ group training (GpT)', modality='pose+skeleton',
         models=['m3cn_pose', 'ehct'], group_training=True),
]
class_groups = dict(_delete_=True)
claims = [
    dict(text='Res2Net3D beats ResNet3D (pose)',
         better=['Res2Net3D', 'pose'], than=[['ResNet3D', 'pose']],
         subsets=['all', 'tail']),
    dict(text='The EHCT ensemble (HgE) beats each of its models',
         better=['Res2Net3D + EHCT (HgE)', 'pose+skeleton'],
         than=[['Res2Net3D', 'pose'], ['EHCT', 'skeleton']],
         subsets=['all', 'tail']),
    dict(text='Group training raises class-average accuracy',
         better=['+ group training (GpT)', 'pose+skeleton'],
         than=[['Res2Net3D + EHCT (HgE)', 'pose+skeleton']],
         subsets=['all', 'tail']),
]
