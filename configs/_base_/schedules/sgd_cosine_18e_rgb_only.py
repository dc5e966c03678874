# MMAction2's rgbpose_conv3d/rgb_only.py schedule (stage 1 of RGBPoseConv3D):
# pose_only.py's cosine over 18 epochs with SGD 0.15, weight decay 1e-4, for
# batch 8x12. The configs using it wrap their train set in
# RepeatDataset(times=10) as that file does ("180 epochs").
_base_ = ['./sgd_cosine_18e_pose_only.py']
optim_wrapper = dict(optimizer=dict(lr=0.15, weight_decay=0.0001))
auto_scale_lr = dict(base_batch_size=96)
