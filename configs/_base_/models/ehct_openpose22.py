# EHCT on the 22-joint upper-body OpenPose skeleton of the MiGA 2023 release.
# Small V x V attention: no checkpointing or chunking needed.
_base_ = './ehct_openpose137.py'

model = dict(
    backbone=dict(layout='openpose22', with_cp=False, attn_chunk_size=None))
