"""Every `m2hen` sub-command and the README's `mim` lines, run as a user runs
them: the installed console scripts in a subprocess, a clean environment
(no default scope from this test session, no sys.path edits), on MiG-Synth
data that `m2hen synth` builds here. Each test checks what the command wrote.

`prepare-imigue` is run this way in tests/data/test_releases.py, `ensemble`
and `split` in tests/experiments/test_runner.py (on a benchmark's dumps),
`merge-init` in tests/experiments/test_merge_init.py (on smoke checkpoints).
"""
import json
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config

from conftest import config_path
from conftest import run_console_script as run
from smoke_runs import LOADERS
from smoke_runs import run as run_in_clean_env

POSE = 'posec3d/posec3d_resnet3d-slowonly-tiny_1xb16-u16-12e_migsynth-pose_smoke.py'
RGBPOSE = ('m3cn/m3cn_rgbpose-res2net3d-tiny_1xb16-u4u16-12e_migsynth-'
           'rgbpose_smoke.py')
EHCT = 'ehct/ehct_hypergraph-transformer-tiny_1xb16-u16-12e_migsynth-skeleton_smoke.py'
SYNTH = ('--train-clips', '32', '--val-per-class', '1', '--test-per-class', '1',
         '--num-frames', '16', '--num-subjects', '9')


def one_line_error(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def data_options(ann_file):
    return ['--cfg-options'] + [f'{loader}.dataset.ann_file={ann_file}'
                                for loader in LOADERS]


@pytest.fixture(scope='module')
def synth(tmp_path_factory):
    """`m2hen synth` into a fresh folder: the pkl path."""
    cwd = tmp_path_factory.mktemp('synth')
    stdout, _ = run('m2hen', 'synth', '--out', 'data/migsynth', *SYNTH,
                    cwd=cwd)
    ann_file = osp.join(cwd, 'data', 'migsynth', 'migsynth.pkl')
    assert ann_file in stdout or 'data/migsynth/migsynth.pkl' in stdout
    return ann_file


@pytest.fixture(scope='module')
def pose_checkpoint(synth, tmp_path_factory):
    """`m2hen train` of the pose smoke config: its work dir."""
    work_dir = tmp_path_factory.mktemp('train')
    run('m2hen', 'train', config_path(POSE), '--work-dir', work_dir,
        *data_options(synth), cwd=work_dir)
    return work_dir


def test_synth_writes_annotations_classes_and_videos(synth):
    with open(synth, 'rb') as f:
        dataset = pickle.load(f)
    annotations = dataset['annotations']
    assert len(annotations) == 64
    ids = [a['frame_dir'] for a in annotations]
    assert sorted(sum(dataset['split'].values(), [])) == sorted(ids)
    folder = osp.dirname(synth)
    with open(osp.join(folder, 'classes.txt')) as f:
        assert len(f.read().split('\n')) >= 16
    videos = os.listdir(osp.join(folder, 'videos'))
    assert sorted(videos) == sorted(f'{i}.mp4' for i in ids)
    assert annotations[0]['keypoint'].shape[1:] == (16, 137, 2)


def test_train_writes_a_checkpoint_and_test_dumps_every_sample(
        synth, pose_checkpoint, tmp_path):
    checkpoint = osp.join(pose_checkpoint, 'epoch_1.pth')
    assert osp.isfile(checkpoint)
    dump = tmp_path / 'scores.pkl'
    stdout, stderr = run('m2hen', 'test', config_path(POSE), checkpoint,
                         '--work-dir', tmp_path, '--dump', dump,
                         *data_options(synth), cwd=tmp_path)
    with open(dump, 'rb') as f:
        results = pickle.load(f)
    with open(synth, 'rb') as f:
        num_test = len(pickle.load(f)['split']['test'])
    assert len(results) == num_test
    scores = np.stack([r['pred_scores']['item'].numpy() for r in results])
    assert scores.shape[1] == 16
    np.testing.assert_allclose(scores.sum(axis=1), 1, rtol=1e-4)
    assert 'acc/top1' in stdout + stderr


def test_mim_lines_of_the_readme(synth, pose_checkpoint, tmp_path):
    """`mim test m2hen_mmaction` and `mim train mmaction` on our config
    (`mim train m2hen_mmaction`, resume and load_from: test_training.py)."""
    checkpoint = osp.join(pose_checkpoint, 'epoch_1.pth')
    stdout, stderr = run('mim', 'test', 'm2hen_mmaction', config_path(POSE),
                         '--checkpoint', checkpoint, '--work-dir', tmp_path,
                         *data_options(synth), cwd=tmp_path)
    top1 = [line for line in (stdout + stderr).splitlines()
            if 'acc/top1' in line]
    assert top1, stdout[-2000:]


def _sample_video(ann_file):
    with open(ann_file, 'rb') as f:
        sample = pickle.load(f)['annotations'][0]
    return sample, osp.join(osp.dirname(ann_file), 'videos',
                            sample['frame_dir'] + '.mp4')


def _predict(synth, config, checkpoint, tmp_path, *extra, expect=0):
    sample, video = _sample_video(synth)
    out = tmp_path / 'prediction.json'
    stdout, stderr = run('m2hen', 'predict', video, '--config',
                         config_path(config), '--checkpoint', checkpoint,
                         '--skeletons', synth, '--sample', sample['frame_dir'],
                         '--out', out, *extra, cwd=tmp_path, expect=expect)
    return stdout, stderr, out


def _classes(ann_file):
    with open(osp.join(osp.dirname(ann_file), 'classes.txt')) as f:
        return [line.strip() for line in f if line.strip()]


def test_predict_prints_and_writes_top_k_of_a_trained_model(
        synth, pose_checkpoint, tmp_path):
    stdout, _, out = _predict(synth, POSE,
                              osp.join(pose_checkpoint, 'epoch_1.pth'),
                              tmp_path, '--topk', '3')
    lines = stdout.strip().splitlines()
    assert [line.split('.')[0] for line in lines] == ['1', '2', '3']
    predictions = json.load(open(out))['predictions']
    assert [p['rank'] for p in predictions] == [1, 2, 3]
    scores = [p['score'] for p in predictions]
    assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1
    assert {p['label'] for p in predictions} <= set(_classes(synth))
    assert lines[0] == f"1. {predictions[0]['label']}: {scores[0]:.3f}"


def _untrained_checkpoint(relative, path):
    from mmengine.registry import DefaultScope

    from mmaction.registry import MODELS
    import m2hen_mmaction  # noqa: F401
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(Config.fromfile(config_path(relative)).model)
    torch.save({'state_dict': model.state_dict()}, path)
    return str(path)


@pytest.mark.parametrize('config', [RGBPOSE, EHCT], ids=['rgbpose', 'ehct'])
def test_predict_rgbpose_and_ehct(config, synth, tmp_path):
    checkpoint = _untrained_checkpoint(config, tmp_path / 'weights.pth')
    stdout, _, out = _predict(synth, config, checkpoint, tmp_path)
    predictions = json.load(open(out))['predictions']
    assert len(predictions) == 5 == len(stdout.strip().splitlines())
    # No dataset meta in the checkpoint: names come from classes.txt.
    assert {p['label'] for p in predictions} <= set(_classes(synth))


def test_predict_refuses_bad_input_in_one_line(synth, tmp_path):
    ehct_weights = _untrained_checkpoint(EHCT, tmp_path / 'ehct.pth')
    _, stderr, _ = _predict(synth, POSE, ehct_weights, tmp_path, expect=2)
    line = one_line_error(stderr)
    assert 'ehct.pth' in line and POSE.split('/')[1] in line
    assert 'missing backbone.' in line

    sample, video = _sample_video(synth)
    nobody = dict(sample, keypoint_score=np.zeros_like(sample['keypoint_score']))
    skeletons = tmp_path / 'nobody.pkl'
    with open(skeletons, 'wb') as f:
        pickle.dump(dict(split=dict(test=[sample['frame_dir']]),
                         annotations=[nobody]), f)
    pose_weights = _untrained_checkpoint(POSE, tmp_path / 'pose.pth')
    _, stderr = run('m2hen', 'predict', video, '--config', config_path(POSE),
                    '--checkpoint', pose_weights, '--skeletons', skeletons,
                    cwd=tmp_path, expect=2)
    assert 'No person detected in' in one_line_error(stderr)

    text_video = tmp_path / 'notes.mp4'
    text_video.write_text('not a video')
    _, stderr = run('m2hen', 'predict', text_video, '--config',
                    config_path(POSE), '--checkpoint', pose_weights,
                    '--skeletons', synth, cwd=tmp_path, expect=2)
    assert 'notes.mp4' in one_line_error(stderr)
    _, stderr = run('m2hen', 'predict', video, '--config', config_path(POSE),
                    '--checkpoint', pose_weights, '--skeletons', synth,
                    '--topk', '0', cwd=tmp_path, expect=2)
    assert 'must be >= 1' in stderr


def test_predict_extracts_skeletons_from_a_real_clip(synth, tmp_path):
    """Without --skeletons, MediaPipe extracts them from the video (a clip
    panned over a real photo), then the model scores it."""
    pytest.importorskip('mediapipe')
    from real_clips import panning_portrait, write_frames
    video = tmp_path / 'portrait.mp4'
    write_frames(video, panning_portrait(16))
    weights = _untrained_checkpoint(POSE, tmp_path / 'pose.pth')
    out = tmp_path / 'prediction.json'
    stdout, _ = run('m2hen', 'predict', video, '--config', config_path(POSE),
                    '--checkpoint', weights, '--out', out, cwd=tmp_path)
    predictions = json.load(open(out))['predictions']
    assert len(predictions) == 5 == len(stdout.strip().splitlines())
    assert 0 < sum(p['score'] for p in predictions) <= 1


FIRST_RUN = [
    ('mim', 'train', 'm2hen_mmaction', config_path(POSE)),
    ('mim', 'test', 'm2hen_mmaction', config_path(POSE), '--checkpoint',
     'missing.pth'),
    ('m2hen', 'train', config_path(RGBPOSE)),
    ('m2hen', 'benchmark', '--rows', 'EHCT'),
]


@pytest.mark.parametrize('command', FIRST_RUN,
                         ids=lambda c: ' '.join(c[:3]).split('/')[0])
def test_first_run_names_the_command_that_builds_the_data(command, tmp_path):
    """On a fresh clone, before any data exists: one line, before training
    (mim adds its own traceback after the tool's line)."""
    tool, *args = command
    result = run_in_clean_env([tool, *args], cwd=tmp_path)
    assert result.returncode != 0
    errors = [line for line in (result.stdout + result.stderr).splitlines()
              if 'error: ' in line]
    assert len(errors) == 1, result.stderr[-3000:]
    if 'test' in args:
        assert 'Checkpoint missing.pth does not exist' in errors[0]
    else:
        assert 'data/migsynth/migsynth.pkl does not exist' in errors[0]
        assert '`m2hen synth --out data/migsynth`' in errors[0]
    assert 'Epoch(train)' not in result.stdout + result.stderr
    assert not osp.isdir(tmp_path / 'work_dirs') or not any(
        name.endswith('.pth') for _, _, files in os.walk(tmp_path / 'work_dirs')
        for name in files)


def test_demo_at_smoke_size_then_report(tmp_path):
    """`m2hen demo` builds MiG-Synth and runs Table 1 rows; `m2hen report`
    rewrites report.md from the finished work dir."""
    stdout, _ = run('m2hen', 'demo', '--name', 'smoke', '--ann-file',
                    'data/demo/migsynth.pkl', '--synth-train-clips', '32',
                    '--synth-val-per-class', '1', '--synth-test-per-class',
                    '1', '--synth-num-frames', '16', '--synth-num-subjects',
                    '9',
                    '--epochs', '1', '--num-clips', '1', '--rows', 'EHCT',
                    cwd=tmp_path)
    work_dir = tmp_path / 'work_dirs' / 'smoke'
    results = json.load(open(work_dir / 'results.json'))
    (row, ) = results['rows']
    assert row['method'] == 'EHCT' and 0 <= row['top1'] <= row['top5'] <= 1
    assert '| EHCT |' in stdout
    os.remove(work_dir / 'report.md')
    stdout, _ = run('m2hen', 'report', work_dir, cwd=tmp_path)
    report = (work_dir / 'report.md').read_text()
    assert f'{100 * row["top1"]:.2f}' in report


@pytest.mark.parametrize('command', [
    'synth', 'train', 'test', 'split', 'ensemble', 'benchmark', 'demo',
    'report', 'merge-init', 'prepare-imigue', 'extract', 'predict', 'show'])
def test_every_sub_command_has_help(command, capsys):
    from m2hen_mmaction.cli import main
    with pytest.raises(SystemExit) as exit_info:
        main([command, '--help'])
    assert exit_info.value.code == 0
    assert 'usage:' in capsys.readouterr().out
