# EHCT on MiG-Synth's raw 137-joint skeletons (joint stream), scaled down
# for CPU: width 16, 6 blocks, 2 heads, 16 frames (iMiGUE: configs/_base_/
# models/ehct_openpose137.py, width 64, 10 blocks, 4 heads, 64 frames).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_cosine_12e_1xb16.py',
    '../_base_/models/ehct_openpose137.py',
    '../_base_/datasets/migsynth_skeleton.py'
]
model = dict(
    backbone=dict(
        base_channels=16,
        num_stages=6,
        inflate_stages=(3, 5),
        down_stages=(3, 5),
        num_heads=2,
        out_indices=(3, 5),
        with_cp=False,
        attn_chunk_size=None),
    cls_head=dict(
        num_classes={{_base_.num_classes}},
        in_channels=64,
        aux_in_channels=32))
