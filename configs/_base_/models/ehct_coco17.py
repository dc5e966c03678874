# EHCT on COCO-17 skeletons (MMAction2's NTU/GYM 2D pickles, up to 2 persons).
_base_ = './ehct_openpose137.py'

model = dict(
    backbone=dict(layout='coco17', num_person=2, with_cp=False,
                  attn_chunk_size=None))
