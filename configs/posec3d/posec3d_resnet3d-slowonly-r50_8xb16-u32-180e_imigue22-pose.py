# PoseC3D pose-only on the MiGA 2023 release's 22 upper-body joints (`m2hen
# prepare-imigue miga2023` writes data/imigue22/imigue_openpose22.pkl; paper
# Table 1's "ResNet3D pose" without face and hands). The 137-joint config,
# whose source is MMAction2 1.1.0
# configs/skeleton/posec3d/rgbpose_conv3d/pose_only.py, with 22 heatmap
# channels; the pipeline takes the joints from the datasets' layout.
# Differences from the source: tests/test_recipes.py.
_base_ = ['./posec3d_resnet3d-slowonly-r50_8xb16-u32-180e_imigue-pose.py']
layout = 'openpose22'
ann_file = 'data/imigue22/imigue_openpose22.pkl'
model = dict(backbone=dict(in_channels=22))  # one heatmap per joint
imigue22 = dict(ann_file=ann_file, layout=layout)
train_dataloader = dict(dataset=dict(dataset=imigue22))  # in RepeatDataset
val_dataloader = dict(dataset=imigue22)
test_dataloader = dict(dataset=imigue22)
