# Paper Table 1 on iMiGUE (137 OpenPose joints, 32 classes), paper scale:
# `m2hen prepare-imigue miga2025 ...` writes the data, then
# `m2hen benchmark configs/experiments/table1_imigue.py --plan --launcher
# pytorch --gpus 8` prints every run; run them, then
# `m2hen benchmark configs/experiments/table1_imigue.py` scores the rows.
# RGB+pose models follow MMAction2's RGBPoseConv3D recipe: RGB-only and
# pose-only models first, their merge (`m2hen merge-init`) as load_from of
# the RGB+pose fine-tune.
_base_ = ['./table1_migsynth.py']
name = 'table1_imigue'
ann_file = 'data/imigue/imigue_openpose137.pkl'
epochs = None  # each config's own (paper) schedule
finetune_epochs = None  # the RGB+pose configs' own (20 epochs)
num_clips = [1, 10]

models = dict(
    _delete_=True,
    posec3d_rgb=dict(
        config='posec3d/posec3d_resnet3d-slowonly-r50_8xb12-u8-180e_imigue-rgb.py',
        stage='single'),
    posec3d_pose=dict(
        config='posec3d/posec3d_resnet3d-slowonly-r50_8xb16-u32-180e_imigue-pose.py',
        stage='single'),
    posec3d_init=dict(
        config='posec3d/posec3d_rgbposeconv3d-r50_8xb6-u8u32-20e_imigue-rgbpose.py',
        stage='merge', inputs=['posec3d_rgb', 'posec3d_pose']),
    posec3d_rgbpose=dict(
        config='posec3d/posec3d_rgbposeconv3d-r50_8xb6-u8u32-20e_imigue-rgbpose.py',
        stage='rgbpose', init='posec3d_init'),
    m3cn_rgb=dict(
        config='m3cn/m3cn_res2net3d-slowonly-r50_8xb12-u8-180e_imigue-rgb.py',
        stage='single'),
    m3cn_pose=dict(
        config='m3cn/m3cn_res2net3d-slowonly-r50_8xb16-u32-180e_imigue-pose.py',
        stage='single'),
    m3cn_init=dict(
        config='m3cn/m3cn_res2net3d-r50_8xb6-u8u32-20e_imigue-rgbpose.py',
        stage='merge', inputs=['m3cn_rgb', 'm3cn_pose']),
    m3cn_rgbpose=dict(
        config='m3cn/m3cn_res2net3d-r50_8xb6-u8u32-20e_imigue-rgbpose.py',
        stage='rgbpose', init='m3cn_init'),
    ehct=dict(
        config='ehct/ehct_hypergraph-transformer_1xb64-u64-140e_imigue-joint.py',
        stage='single'),
)

# The claims of table1_migsynth.py on all classes and the tail only: iMiGUE
# has no classes whose cue is known by construction.
class_groups = dict(_delete_=True)
claims = [
    dict(text='RGB+pose beats each single modality (ResNet3D)',
         better=['ResNet3D (PoseC3D)', 'RGB+pose'],
         than=[['ResNet3D', 'RGB'], ['ResNet3D', 'pose']],
         subsets=['all', 'tail']),
    dict(text='RGB+pose beats each single modality (Res2Net3D)',
         better=['Res2Net3D (M3CN)', 'RGB+pose'],
         than=[['Res2Net3D', 'RGB'], ['Res2Net3D', 'pose']],
         subsets=['all', 'tail']),
    dict(text='Res2Net3D beats ResNet3D (RGB+pose)',
         better=['Res2Net3D (M3CN)', 'RGB+pose'],
         than=[['ResNet3D (PoseC3D)', 'RGB+pose']], subsets=['all', 'tail']),
    dict(text='The EHCT ensemble (HgE) beats M3CN',
         better=['M3CN + EHCT (HgE)', 'RGB+pose+skeleton'],
         than=[['Res2Net3D (M3CN)', 'RGB+pose']], subsets=['all', 'tail']),
    dict(text='Group training raises class-average accuracy',
         better=['+ group training (GpT)', 'RGB+pose+skeleton'],
         than=[['M3CN + EHCT (HgE)', 'RGB+pose+skeleton']],
         subsets=['all', 'tail']),
]
