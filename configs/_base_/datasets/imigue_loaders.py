# iMiGUE (licensed; convert it with `m2hen prepare-imigue`), 32 classes,
# openpose137 skeletons, cross-subject splits. Modality configs add pipelines.
dataset_type = 'MicroGesturePoseDataset'
# Every sample carries its dataset's layout; the pose pipelines read it there.
layout = 'openpose137'
data_root = 'data/imigue'
ann_file = 'data/imigue/imigue_openpose137.pkl'
num_classes = 32

train_dataloader = dict(
    batch_size=6, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='train',
                 layout=layout))
val_dataloader = dict(
    batch_size=1, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='val',
                 layout=layout, test_mode=True))
test_dataloader = dict(
    batch_size=1, num_workers=8, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=ann_file, split='test',
                 layout=layout, test_mode=True))

val_evaluator = [dict(type='MicroGestureMetric')]
test_evaluator = val_evaluator
