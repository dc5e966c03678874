# MiG-Synth data loaders and evaluator; modality configs add the pipelines.
# Build the data first: `m2hen synth` (writes data/migsynth/).
dataset_type = 'PoseDataset'
data_root = 'data/migsynth'
ann_file = 'data/migsynth/migsynth.pkl'
video_root = 'data/migsynth/videos'
num_classes = 16

train_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='train',
                 data_prefix=dict(video=video_root)))
val_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='val',
                 data_prefix=dict(video=video_root), test_mode=True))
test_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='test',
                 data_prefix=dict(video=video_root), test_mode=True))

val_evaluator = [dict(type='MicroGestureMetric')]
test_evaluator = val_evaluator
