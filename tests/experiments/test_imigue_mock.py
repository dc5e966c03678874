"""Table 1 on iMiGUE, end to end on a mock release: a small MiG-Synth
exported in the MiGA 2025 format (per-video skeleton sheets, label csv, long
videos), converted by `m2hen prepare-imigue`, then `m2hen benchmark
table1_imigue.py` shrunk by --cfg-options (smoke widths, 1 epoch, 1 clip)
through every stage: RGB-only and pose-only models, merge-init, the RGB+pose
fine-tune, EHCT, HgE and group training, all as subprocesses.

The mock's labels: each MiG-Synth class becomes the iMiGUE class of the same
name, and the first training clips are relabelled to the 16 iMiGUE classes
MiG-Synth lacks (group training needs every class in the train split). The
test checks the plumbing (rows, one score row per test sample), not accuracy.
"""
import json
import os.path as osp
import pickle

import cv2
import decord
import numpy as np
import openpyxl
import pytest

from m2hen_mmaction.data.migsynth.generate import CLASS_NAMES
from m2hen_mmaction.data.releases.common import IMIGUE_CLASSES
from m2hen_mmaction.experiments.runner import labels_file, scores_file

from conftest import config_path, run_console_script

SUBJECTS = {'train': 'S1', 'val': 'S2', 'test': 'S3'}
RGBPOSE_SMOKE = ('m3cn/m3cn_rgbpose-res2net3d-tiny_1xb16-u4u16-12e_migsynth-'
                 'rgbpose_smoke.py')
SMOKE = [
    'models.m3cn_rgb.config=m3cn/m3cn_res2net3d-slowonly-tiny_1xb16-u4-12e_'
    'migsynth-rgb_smoke.py',
    'models.m3cn_pose.config=m3cn/m3cn_res2net3d-slowonly-tiny_1xb16-u16-12e_'
    'migsynth-pose_smoke.py',
    f'models.m3cn_init.config={RGBPOSE_SMOKE}',
    f'models.m3cn_rgbpose.config={RGBPOSE_SMOKE}',
    'models.ehct.config=ehct/ehct_hypergraph-transformer-tiny_1xb16-u16-12e_'
    'migsynth-skeleton_smoke.py',
]
ROWS = ('Res2Net3D (M3CN)', 'EHCT', 'M3CN + EHCT (HgE)',
        '+ group training (GpT)')


def imigue_labels(annotations, train_ids):
    """iMiGUE class per sample (see module doc)."""
    labels = [IMIGUE_CLASSES.index(CLASS_NAMES[a['label']])
              for a in annotations]
    lacking = sorted(set(range(len(IMIGUE_CLASSES))) - set(labels))
    counts = np.bincount([labels[i] for i, a in enumerate(annotations)
                          if a['frame_dir'] in train_ids],
                         minlength=len(IMIGUE_CLASSES))
    for index, anno in enumerate(annotations):
        if lacking and anno['frame_dir'] in train_ids and \
                counts[labels[index]] > 1:
            counts[labels[index]] -= 1
            labels[index] = lacking.pop()
    assert not lacking, 'too few training clips to relabel'
    return labels


def raw_label(label):
    """The release's raw label of a class (1-31, 99 for the last)."""
    return 99 if label == len(IMIGUE_CLASSES) - 1 else label + 1


def write_long_video(path, clips):
    """Concatenate the clips' frames into one mp4."""
    frames = [frame for clip in clips for frame in
              decord.VideoReader(str(clip)).get_batch(
                  list(range(len(decord.VideoReader(str(clip)))))).asnumpy()]
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), 25,
                             (width, height))
    for frame in frames:
        writer.write(frame[..., ::-1])
    writer.release()


def export_miga2025(ann_file, release, videos):
    """One long video per split of MiG-Synth, as the MiGA 2025 release
    lays it out: ``<id>/<id>_openpose.xlsx`` and ``<id>_label.csv``."""
    with open(ann_file, 'rb') as f:
        data = pickle.load(f)
    annotations = data['annotations']
    labels = imigue_labels(annotations, set(data['split']['train']))
    clip_dir = ann_file.rsplit('/', 1)[0] + '/videos'
    for split, video_id in SUBJECTS.items():
        members = [i for i, a in enumerate(annotations)
                   if a['frame_dir'] in set(data['split'][split])]
        folder = release / video_id
        folder.mkdir(parents=True)
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet()
        rows, start = [], 0
        for index in members:
            anno = annotations[index]
            joints = np.concatenate([anno['keypoint'][0],
                                     anno['keypoint_score'][0][..., None]],
                                    axis=-1)
            for frame in joints.reshape(len(joints), -1):
                sheet.append([float(v) for v in frame])
            end = start + len(joints) - 1
            rows.append(f'{raw_label(labels[index])},{start},{end}\n')
            start = end + 1
        workbook.save(folder / f'{video_id}_openpose.xlsx')
        (folder / f'{video_id}_label.csv').write_text(''.join(rows))
        write_long_video(videos / f'{video_id}.mp4',
                         [f'{clip_dir}/{annotations[i]["frame_dir"]}.mp4'
                          for i in members])
    return len(data['split']['test'])


@pytest.mark.slow
def test_table1_imigue_on_a_mock_release(small_migsynth, tmp_path):
    release, videos = tmp_path / 'MiGA2025', tmp_path / 'iMiGUE_videos'
    videos.mkdir()
    num_test = export_miga2025(small_migsynth, release, videos)
    (tmp_path / 'subjects.csv').write_text(
        ''.join(f'{v},{v}\n' for v in SUBJECTS.values()))
    run_console_script(
        'm2hen', 'prepare-imigue', 'miga2025', release, '--out',
        'data/imigue', '--video-dir', videos, '--subjects', 'subjects.csv',
        '--val-subjects', 'S2', '--test-subjects', 'S3', '--img-shape', 128,
        128, cwd=tmp_path)

    # Shrunk to the smoke configs' widths, 1 epoch, 1 clip; the M3CN rows
    # (RGB-only + pose-only -> merge-init -> RGB+pose), EHCT, HgE and GpT.
    run_console_script(
        'm2hen', 'benchmark', 'table1_imigue.py', '--name', 'mock',
        '--rows', *ROWS, '--epochs', '1', '--num-clips', '1',
        '--cfg-options', *SMOKE, 'model.cls_head.num_classes=32',
        cwd=tmp_path)

    work_dir = tmp_path / 'work_dirs' / 'mock'
    results = json.load(open(work_dir / 'results.json'))
    assert [r['method'] for r in results['rows']] == list(ROWS)
    parts = results['parts']
    assert len(parts) >= 2 and len(results['rows'][-1]['alphas']) == \
        len(parts)
    merge = results['models']['m3cn_init']
    assert merge['stage'] == 'merge'
    assert osp.isfile(tmp_path / merge['checkpoint'])
    rgbpose = results['models']['m3cn_rgbpose']['config']
    assert rgbpose['load_from'] == merge['checkpoint']
    report = (work_dir / 'report.md').read_text()
    for row in ROWS:
        assert f'| {row} | ' in report
    assert 'table1_imigue.py' in report and SMOKE[-1] in report
    for row in results['rows']:
        scores = np.load(scores_file(str(work_dir), row['method'],
                                     row['modality'], 1))
        assert scores.shape == (num_test, len(IMIGUE_CLASSES))
    assert len(np.load(labels_file(str(work_dir), 1))) == num_test


# MiGA 2023 (22 joints, no RGB): the shipped smoke configs, moved to 22
# joints the way a user moves a config: the datasets' layout (the pose
# pipelines follow it) and the network's input.
SMOKE22 = {
    'posec3d_pose': 'posec3d/posec3d_resnet3d-slowonly-tiny_1xb16-u16-12e_'
    'migsynth-pose_smoke.py',
    'm3cn_pose': 'm3cn/m3cn_res2net3d-slowonly-tiny_1xb16-u16-12e_migsynth-'
    'pose_smoke.py',
    'ehct': 'ehct/ehct_hypergraph-transformer-tiny_1xb16-u16-12e_migsynth-'
    'skeleton_smoke.py',
}
ROWS22 = ('ResNet3D', 'Res2Net3D', 'EHCT', 'Res2Net3D + EHCT (HgE)',
          '+ group training (GpT)')


def smoke22_config(folder, key):
    """A user config: ``SMOKE22[key]`` on ``openpose22`` data."""
    network = ("dict(backbone=dict(layout=layout))" if key == 'ehct' else
               "dict(backbone=dict(in_channels=22))")
    path = folder / f'{key}_22.py'
    path.write_text(
        f"_base_ = [{config_path(SMOKE22[key])!r}]\nlayout = 'openpose22'\n"
        f'model = {network}\n' + ''.join(
            f'{loader} = dict(dataset=dict(layout=layout))\n'
            for loader in ('train_dataloader', 'val_dataloader',
                           'test_dataloader')))
    return str(path)


def export_miga2023(ann_file, release):
    """MiG-Synth's splits as MiGA 2023 files: ``<split>_data.npy`` (N, 3, T,
    22, 1) of the first 22 joints (openpose22 is BODY_25's first 22) and
    ``<split>_label.pkl`` (names, labels)."""
    with open(ann_file, 'rb') as f:
        data = pickle.load(f)
    annotations = data['annotations']
    labels = imigue_labels(annotations, set(data['split']['train']))
    release.mkdir()
    for split in SUBJECTS:
        members = [i for i, a in enumerate(annotations)
                   if a['frame_dir'] in set(data['split'][split])]
        arrays = [np.concatenate([annotations[i]['keypoint'][..., :22, :],
                                  annotations[i]['keypoint_score'][
                                      ..., :22, None]], axis=-1)
                  for i in members]  # (M, T, 22, 3)
        np.save(release / f'{split}_data.npy',
                np.stack(arrays).transpose(0, 4, 2, 3, 1))
        with open(release / f'{split}_label.pkl', 'wb') as f:
            pickle.dump(([annotations[i]['frame_dir'] for i in members],
                         [labels[i] for i in members]), f)
    return len(data['split']['test']), annotations[0]['img_shape']


@pytest.mark.slow
def test_table1_imigue22_on_a_mock_release(small_migsynth, tmp_path):
    num_test, img_shape = export_miga2023(small_migsynth,
                                          tmp_path / 'MiGA2023')
    run_console_script(
        'm2hen', 'prepare-imigue', 'miga2023', 'MiGA2023', '--out',
        'data/imigue22', '--normalized', 'no', '--img-shape', *img_shape,
        cwd=tmp_path)
    smoke = [f'models.{key}.config={smoke22_config(tmp_path, key)}'
             for key in SMOKE22]
    run_console_script(
        'm2hen', 'benchmark', 'table1_imigue22.py', '--name', 'mock22',
        '--epochs', '1', '--num-clips', '1', '--cfg-options', *smoke,
        'model.cls_head.num_classes=32', cwd=tmp_path)

    work_dir = tmp_path / 'work_dirs' / 'mock22'
    results = json.load(open(work_dir / 'results.json'))
    assert [r['method'] for r in results['rows']] == list(ROWS22)
    assert len(results['rows'][-1]['alphas']) == len(results['parts']) >= 2
    for key in SMOKE22:
        config = results['models'][key]['config']
        assert config['test_dataloader']['dataset']['layout'] == 'openpose22'
    assert results['models']['m3cn_pose']['config']['model']['backbone'][
        'in_channels'] == 22
    report = (work_dir / 'report.md').read_text()
    for row in ROWS22:
        assert f'| {row} | ' in report
    assert 'The EHCT ensemble (HgE) beats each of its models' in report
    assert (work_dir / 'confusion_matrix.png').is_file()
    for row in results['rows']:
        scores = np.load(scores_file(str(work_dir), row['method'],
                                     row['modality'], 1))
        assert scores.shape == (num_test, len(IMIGUE_CLASSES))
