# EHCT: hypergraph transformer (Hyperformer-style) on raw OpenPose skeletons,
# 137 joints (BODY_25 + face 70 + two hands 21), channels (x, y, score).
# Model only; add a dataset (pipelines: ./ehct_pipelines.py), schedule and
# runtime base (configs/_base_/default_runtime.py imports m2hen_mmaction).
# Set the class count with model = dict(cls_head=dict(num_classes=...)).
# Speed vs memory (benchmarks/ehct.py, training, 8 clips x 64 frames, CPU):
# with_cp=False (default) keeps each block's attention maps for backward,
# about 5.9 GiB; with_cp=True recomputes them in backward, about 3.3 GiB for
# about 1.2x the step time: set model = dict(backbone=dict(with_cp=True))
# when GPU memory is short (batch 64 needs about 8x these figures).
# attn_chunk_size=32 keeps each attention's buffers small (faster on CPU
# than one big allocation). Neither option changes results.


model = dict(
    type='EHCT',
    backbone=dict(
        type='HypergraphTransformer',
        layout='openpose137',
        in_channels=3,
        base_channels=64,
        num_person=1,
        num_stages=10,
        inflate_stages=(5, 8),
        down_stages=(5, 8),
        num_heads=4,
        out_indices=(6, 9),  # (aux: end of the 128-channel stage, main)
        with_cp=False,
        attn_chunk_size=32),
    cls_head=dict(
        type='EHCTHead',
        num_classes=32,  # iMiGUE; override model.cls_head.num_classes
        in_channels=256,
        aux_in_channels=128,
        loss_weights=(1.0, 0.5),
        score_weights=(1.0, 0.5),
        average_clips='prob'))
