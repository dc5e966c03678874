# Runtime shared by every m2hen_mmaction config (MMAction2's defaults + ours).
custom_imports = dict(imports=['m2hen_mmaction'], allow_failed_imports=False)
default_scope = 'mmaction'
# Built by our entry points (mim train m2hen_mmaction, m2hen train): checks
# --amp/launcher/backend first, refuses resuming another model, writes
# checkpoints atomically (m2hen_mmaction/engine/runner.py).
runner_type = 'M2HENRunner'

default_hooks = dict(
    runtime_info=dict(type='RuntimeInfoHook'),
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, ignore_last=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='auto',
                    max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'))
# Every epoch seeded from (seed, epoch): --resume continues exactly; after
# distributed training, check all ranks hold the same weights.
custom_hooks = [dict(type='EpochSeedHook'), dict(type='RankAgreementHook')]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict())  # backend: NCCL on GPUs, gloo on CPU (M2HENRunner)

log_processor = dict(type='LogProcessor', window_size=20, by_epoch=True)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='ActionVisualizer', vis_backends=vis_backends)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
