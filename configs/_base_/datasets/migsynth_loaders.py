# MiG-Synth data loaders and evaluator; modality configs add the pipelines
# (and data_prefix=dict(video=video_root) where they read RGB).
# Build the data first: `m2hen synth` (writes data/migsynth/). Small data:
# no serialisation, no persistent workers (both cost seconds per run).
dataset_type = 'MicroGesturePoseDataset'
layout = 'openpose137'
data_root = 'data/migsynth'
ann_file = 'data/migsynth/migsynth.pkl'
num_classes = 16

train_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='train',
                 layout=layout, serialize_data=False))
val_dataloader = dict(
    batch_size=16, num_workers=2, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='val',
                 layout=layout, serialize_data=False, test_mode=True))
test_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='test',
                 layout=layout, serialize_data=False, test_mode=True))

val_evaluator = [dict(type='MicroGestureMetric')]
test_evaluator = val_evaluator
