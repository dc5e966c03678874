"""Bad input never passes silently and never runs code (issue #16).

Each case builds one kind of bad input from MiG-Synth and asserts the
outcome: an error whose line names the file or sample and the fix, or a
documented fallback that happened and was reported; payloads that would
create a file create none. Cases call what the commands call (the
annotation check of datasets and ``mim``/``m2hen train|test``, the safe
unpickler, the checkpoint fit check, ``m2hen`` in-process); a few run the
installed scripts as users do.

``Case.was`` is how the input fared before this module's fixes (assessed
from issue #16's sweep and the code it measured): ``unsafe`` ran code,
``silent`` gave a wrong result, ``unclear`` crashed without naming the
file/sample, ``clear`` was already a good message. Now every case is
``clear`` (an error naming file/sample and fix) or ``fallback`` (documented,
applied and reported); :func:`test_outcome_counts` checks and prints:

=========  =====  =====  ========
before     cases  clear  fallback
=========  =====  =====  ========
unsafe        14     14         0
silent        18     16         2
unclear       40     39         1
clear         11      9         2
total         83     78         5
=========  =====  =====  ========
"""
import copy
import logging
import os
import os.path as osp
import pickle
import shutil
import subprocess
from collections import Counter
from typing import Callable, NamedTuple, Sequence

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

from conftest import (BIN, config_path, run_console_script,
                      write_score_dump)
from m2hen_mmaction import cli
from m2hen_mmaction.apis.checkpoints import load_matching_checkpoint
from m2hen_mmaction.apis.predict import load_skeletons
from m2hen_mmaction.apis.show import load_sample
from m2hen_mmaction.datasets.annotations import AnnotationRules, load_split
from m2hen_mmaction.datasets.part_grouped_dataset import \
    load_split_annotations
from m2hen_mmaction.errors import InputError
from m2hen_mmaction.fileio import load_pickle
from m2hen_mmaction.grouping import ensemble
from m2hen_mmaction.grouping.parts import build_trainset, split_parts

POSE = ('posec3d/posec3d_resnet3d-slowonly-tiny_1xb16-u16-12e_migsynth-'
        'pose_smoke.py')
EHCT = ('ehct/ehct_hypergraph-transformer-tiny_1xb16-u16-12e_migsynth-'
        'skeleton_smoke.py')
NUM_CLASSES = 16
RULES = AnnotationRules(num_classes=NUM_CLASSES, layout='openpose137',
                        training=True)
OUTCOMES = ('clear', 'fallback')


class Case(NamedTuple):
    """One bad input. ``change`` makes it (what it takes depends on the
    table: MiG-Synth's pickle content, whose first train sample is
    ``first(content)``, a file path, a command line, ...); the error must
    have ``lines`` lines, naming the file, and hold every string of
    ``expect``. ``was``: the outcome before (module doc)."""
    name: str
    was: str
    change: Callable[[dict], None]
    expect: Sequence[str]
    lines: int = 1


def first(content: dict) -> dict:
    """The first train sample's annotation."""
    name = content['split']['train'][0]
    return next(a for a in content['annotations'] if a['frame_dir'] == name)


def setter(key: str, value) -> Callable[[dict], None]:
    """Set ``key`` of the first train sample (``value(annotation)`` if
    callable)."""
    def change(content: dict) -> None:
        sample = first(content)
        sample[key] = value(sample) if callable(value) else value
    return change


def deleter(key: str) -> Callable[[dict], None]:
    return lambda content: first(content).pop(key)


def every_train_sample(key: str, value) -> Callable[[dict], None]:
    def change(content: dict) -> None:
        train = set(content['split']['train'])
        for sample in content['annotations']:
            if sample['frame_dir'] in train:
                sample[key] = value(sample)
    return change


def duplicate(label_shift: int) -> Callable[[dict], None]:
    def change(content: dict) -> None:
        twin = dict(first(content))
        twin['label'] = (twin['label'] + label_shift) % NUM_CLASSES
        content['annotations'].append(twin)
    return change


def _keypoint(transform):
    return lambda sample: transform(sample['keypoint'])


def _nan_everywhere(keypoint):
    return np.full_like(keypoint, np.nan)


SAMPLE_CASES = [
    Case('label is a string', 'unclear', setter('label', '3'),
         ['label: a str, not an int class index', 'write the class index']),
    Case('label missing', 'unclear', deleter('label'),
         ['label: missing', 'give every sample an int']),
    Case('label is a float', 'unclear', setter('label', 3.0),
         ['label: a float']),
    Case('label is None', 'unclear', setter('label', None),
         ['label: a NoneType']),
    Case('label is a bool', 'silent', setter('label', True),
         ['label: a bool']),
    Case('label above the classes', 'clear', setter('label', 99),
         ['label 99 is outside [0, 16)', 'classes.txt']),
    Case('label -1 (unlabelled)', 'clear', setter('label', -1),
         ['label -1 is outside [0, 16)']),
    Case('keypoint missing', 'unclear', deleter('keypoint'),
         ['keypoint: missing', 'float32 array (M, T, V, 2)']),
    Case('keypoint is a list', 'unclear',
         setter('keypoint', _keypoint(lambda k: k.tolist())),
         ['keypoint: list', '(M, T, V, 2)']),
    Case('keypoint of strings', 'unclear',
         setter('keypoint', _keypoint(lambda k: k.astype(str))),
         ['keypoint: array of <U', '(M, T, V, 2)']),
    Case('keypoint without person axis', 'unclear',
         setter('keypoint', _keypoint(lambda k: k[0])),
         ['keypoint must be (M, T, V, 2)', 'got (16, 137, 2)']),
    Case('keypoint with x, y, z', 'unclear',
         setter('keypoint', _keypoint(
             lambda k: np.concatenate([k, k[..., :1]], -1))),
         ['keypoint must be (M, T, V, 2)', 'convert the skeletons']),
    Case('keypoint with no frames', 'unclear',
         setter('keypoint', _keypoint(lambda k: k[:, :0])),
         ['M, T, V >= 1', 'got (1, 0, 137, 2)']),
    Case('keypoint of 17 joints', 'clear',
         setter('keypoint', _keypoint(lambda k: k[:, :, :17])),
         ["17 joints but layout 'openpose137' has 137", 'set layout=']),
    Case('keypoint all NaN', 'silent',
         setter('keypoint', _keypoint(_nan_everywhere)),
         ['NaN/inf in every joint', 're-extract the skeletons']),
    Case('keypoint all inf', 'silent',
         setter('keypoint', _keypoint(lambda k: np.full_like(k, np.inf))),
         ['NaN/inf in every joint']),
    Case('keypoint_score of wrong shape', 'unclear',
         setter('keypoint_score', lambda s: s['keypoint_score'][:, :, :5]),
         ['keypoint_score is (1, 16, 5)', 'float array (1, 16, 137)']),
    Case('keypoint_score is a list', 'unclear',
         setter('keypoint_score', lambda s: s['keypoint_score'].tolist()),
         ['keypoint_score is list']),
    Case('total_frames 0', 'unclear', setter('total_frames', 0),
         ['total_frames is 0 but keypoint has 16 frames',
          'set total_frames to 16']),
    Case('total_frames above T', 'unclear', setter('total_frames', 40),
         ['total_frames is 40 but keypoint has 16 frames']),
    Case('total_frames below T', 'silent', setter('total_frames', 8),
         ['total_frames is 8', 'set total_frames to 16']),
    Case('total_frames a string', 'unclear', setter('total_frames', '16'),
         ["total_frames is '16'"]),
    Case('total_frames a float', 'unclear', setter('total_frames', 16.0),
         ['total_frames is 16.0']),
    Case('img_shape with a zero', 'unclear', setter('img_shape', (0, 128)),
         ['img_shape is (0, 128)', '(height, width) in pixels']),
    Case('img_shape a number', 'unclear', setter('img_shape', 128),
         ['img_shape is 128']),
    Case('split id without annotation', 'silent',
         lambda c: c['split']['train'].append('ghost_clip'),
         ["sample 'ghost_clip': listed in split 'train' but has no "
          'annotation', 'add its annotation or remove it']),
    Case('two annotations, one frame_dir, other labels', 'silent',
         duplicate(1), ['has 2 annotations', 'keep one annotation per '
                        'frame_dir']),
    Case('two identical annotations', 'silent', duplicate(0),
         ['has 2 annotations']),
    Case('annotation not a dict', 'unclear',
         lambda c: c['annotations'].append('s99_0000'),
         ['file: an annotation is a str, not a dict']),
    Case('frame_dir an int', 'unclear', setter('frame_dir', 7),
         ['file: an annotation has frame_dir 7', 'give every sample a '
          'frame_dir', 'listed in split', 'has no annotation'], lines=2),
    Case('every train sample all NaN', 'silent',
         every_train_sample('keypoint', _keypoint(_nan_everywhere)),
         ['64 samples (', ', ...): keypoint: NaN/inf in every joint']),
    Case('every train label a string', 'unclear',
         every_train_sample('label', lambda s: str(s['label'])),
         ['64 samples (', ', ...): label: a str, not an int']),
]


def _replace(key: str, value) -> Callable[[dict], None]:
    return lambda content: content.__setitem__(key, value)


STRUCTURE_CASES = [
    Case('split missing from the file', 'unclear',
         lambda c: c['split'].pop('train'),
         ['split "train" is not in', "it has ['test', 'val']",
          "set the dataset's split="]),
    Case('no split dict', 'unclear', lambda c: c.pop('split'),
         ['split "train" is not in', 'no split dict']),
    Case('split not a list', 'unclear',
         lambda c: c['split'].__setitem__('train', 's02_0000'),
         ["split 'train' is a str", 'list of sample ids']),
    Case('empty split', 'clear',
         lambda c: c['split'].__setitem__('train', []),
         ["Split 'train'", 'has no samples', "split dict or the dataset's "
          'split= argument']),
    Case('annotations not a list', 'unclear', _replace('annotations', {}),
         ['a dict without an annotations list', 'rebuild it: `m2hen synth']),
]


@pytest.fixture(scope='module')
def synth_content(small_migsynth):
    return load_pickle(small_migsynth)


def write_dataset(folder, content, small_migsynth, name='migsynth.pkl'):
    """``content`` as a PoseDataset pickle with MiG-Synth's classes.txt."""
    os.makedirs(folder, exist_ok=True)
    shutil.copy(osp.join(osp.dirname(small_migsynth), 'classes.txt'), folder)
    path = osp.join(folder, name)
    with open(path, 'wb') as f:
        pickle.dump(content, f)
    return path


def assert_clear(error: Exception, where: str, *expect: str,
                 lines: int = 1) -> str:
    """The message has ``lines`` lines, each naming ``where``; each of
    ``expect`` is in one of them. Returns the first line."""
    message = str(error).splitlines()
    assert len(message) == lines, str(error)
    assert all(where in line for line in message), str(error)
    for text in expect:
        assert any(text in line for line in message), str(error)
    return message[0]


@pytest.mark.parametrize('case', SAMPLE_CASES + STRUCTURE_CASES,
                         ids=lambda case: case.name)
def test_bad_annotation_is_one_line_naming_sample_and_fix(
        case, synth_content, small_migsynth, tmp_path):
    content = copy.deepcopy(synth_content)
    case.change(content)
    path = write_dataset(tmp_path, content, small_migsynth)
    with pytest.raises(InputError) as info:
        load_split(path, 'train', RULES)
    line = assert_clear(info.value, path, *case.expect, lines=case.lines)
    if "sample '" in line or ' samples (' in line:  # names the split too
        assert "(split 'train')" in line


UNREADABLE_CASES = [
    Case('truncated pickle', 'unclear',
         lambda path: open(path, 'r+b').truncate(500),
         ['not a readable pickle', 'copy it again', 'm2hen synth --out']),
    Case('empty file', 'unclear', lambda path: open(path, 'w').close(),
         ['not a readable pickle (EOFError']),
    Case('JSON text named .pkl', 'unclear',
         lambda path: open(path, 'w').write('{"annotations": []}'),
         ['not a readable pickle']),
    Case('pickle of a string', 'unclear',
         lambda path: pickle.dump('annotations', open(path, 'wb')),
         ['holds a str, not a PoseDataset dict']),
]


@pytest.mark.parametrize('case', UNREADABLE_CASES, ids=lambda c: c.name)
def test_unreadable_pickle_is_one_line_naming_the_file(
        case, synth_content, small_migsynth, tmp_path):
    path = write_dataset(tmp_path, synth_content, small_migsynth)
    case.change(path)
    with pytest.raises(InputError) as info:
        load_split(path, 'train', RULES)
    assert_clear(info.value, path, *case.expect)


def test_many_problems_are_listed_once_each_and_capped(
        synth_content, small_migsynth, tmp_path):
    content = copy.deepcopy(synth_content)
    train = set(content['split']['train'])
    for index, sample in enumerate(a for a in content['annotations']
                                   if a['frame_dir'] in train):
        sample['total_frames'] = 100 + index  # one problem per sample
    path = write_dataset(tmp_path, content, small_migsynth)
    with pytest.raises(InputError) as info:
        load_split(path, 'train', RULES)
    lines = str(info.value).splitlines()
    assert len(lines) == 11
    assert all(line.startswith(f"{path} (split 'train'): sample ")
               for line in lines[:10])
    assert lines[10].endswith(f'... and {len(train) - 10} more problems; fix '
                              'the ones above and check again')


class LogLines(logging.Handler):
    """Collects the messages of mmengine's current logger."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.fixture
def log_lines():
    handler = LogLines()
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def _nan_joints(content):
    first(content)['keypoint'][0, 3, 10:14] = np.nan


FALLBACK_CASES = [
    Case('some NaN joints', 'silent', _nan_joints,
         ['1 samples with NaN/inf joints (set to missing, score 0)']),
    Case('no keypoint_score', 'clear', deleter('keypoint_score'),
         ['1 samples without keypoint_score (1 where detected)']),
    Case('no total_frames', 'unclear', deleter('total_frames'),
         ['1 samples without total_frames (set to T)']),
    Case('a class without training sample', 'silent',
         lambda c: c['split'].__setitem__('train', [
             a['frame_dir'] for a in c['annotations']
             if a['frame_dir'] in c['split']['train'] and a['label'] != 15]),
         ['classes [15] have no training sample']),
]


@pytest.mark.parametrize('case', FALLBACK_CASES, ids=lambda c: c.name)
def test_documented_fallback_is_applied_and_reported(
        case, synth_content, small_migsynth, tmp_path, log_lines):
    content = copy.deepcopy(synth_content)
    case.change(content)
    path = write_dataset(tmp_path, content, small_migsynth)
    samples = load_split(path, 'train', RULES)
    (line, ) = [line for line in log_lines if 'documented fallbacks' in line]
    assert line.startswith(f"{path} (split 'train'): documented fallbacks: ")
    for text in case.expect:
        assert text in line
    sample = samples[0]
    assert np.isfinite(sample['keypoint']).all()
    assert sample['keypoint_score'].shape == sample['keypoint'].shape[:3]
    assert sample['total_frames'] == sample['keypoint'].shape[1]


def test_nan_policy_error_lists_the_joints(synth_content, small_migsynth,
                                           tmp_path):
    content = copy.deepcopy(synth_content)
    _nan_joints(content)
    path = write_dataset(tmp_path, content, small_migsynth)
    rules = AnnotationRules(NUM_CLASSES, 'openpose137', 'error', True)
    with pytest.raises(InputError) as info:
        load_split(path, 'train', rules)
    assert_clear(info.value, path, '4 joints have NaN/inf',
                 "nan_policy='zero_score'")


class CreateFile:
    """A payload that creates ``path`` when unpickled with pickle.load."""

    def __init__(self, path, via):
        self.path, self.via = str(path), via

    def __reduce__(self):
        if self.via == 'open':
            return open, (self.path, 'w')
        return os.system, (f'touch {self.path}', )


def _load_dataset(path):
    return load_split(path, 'train', RULES)


# Every reader of a user's pickle: (name, what reads it, how it is used).
PICKLE_READERS = [
    ('dataset annotations', _load_dataset),
    ('group-training train split', lambda p: load_split_annotations(
        p, 'train')),
    ('predict --skeletons', load_skeletons),
    ('show', lambda p: load_sample(p, 's02_0000')),
    ('ensemble score dump', ensemble.load_dump),
    ('benchmark score dump', ensemble.load_fused_dump),
]
PAYLOADS = (('system', 'posix.system'), ('open', 'io.open'))
PAYLOAD_CASES = [
    Case(f'{reader} with {via} payload', 'unsafe', read, [global_name])
    for reader, read in PICKLE_READERS for via, global_name in PAYLOADS]


@pytest.mark.parametrize('case', PAYLOAD_CASES, ids=lambda c: c.name)
def test_pickle_payload_is_refused_and_runs_nothing(case, synth_content,
                                                    tmp_path):
    target = tmp_path / 'created_by_payload'
    content = copy.deepcopy(synth_content)
    via = case.name.split(' with ')[1].split()[0]
    first(content)['label'] = CreateFile(target, via)
    path = str(tmp_path / 'evil.pkl')
    with open(path, 'wb') as f:
        pickle.dump(content, f)
    with pytest.raises(InputError) as info:
        case.change(path)
    assert not target.exists()
    assert_clear(info.value, path, 'refused to load', *case.expect)


@pytest.fixture(scope='module')
def models():
    """The PoseC3D and EHCT smoke models, built from their configs."""
    import m2hen_mmaction  # noqa: F401
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from mmengine.registry import DefaultScope
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmaction'):
        return {key: MODELS.build(Config.fromfile(config_path(rel)).model)
                for key, rel in (('pose', POSE), ('ehct', EHCT))}


def _without(prefix):
    return lambda m, state: {k: v for k, v in state.items()
                             if not k.startswith(prefix)}


def _narrow_head(m, state):
    state = dict(state)
    state['cls_head.fc_cls.weight'] = state['cls_head.fc_cls.weight'][:-1]
    return state


CHECKPOINT_CASES = [
    Case('EHCT weights for a PoseC3D config', 'silent',
         lambda m, state: m['ehct'].state_dict(),
         ['does not fit the model of', 'mismatches: missing backbone.',
          'Use the config the checkpoint was trained with']),
    Case('state dict without its head', 'silent', _without('cls_head.'),
         ['2 mismatches: missing cls_head.fc_cls.weight; missing '
          'cls_head.fc_cls.bias']),
    Case('state dict with an extra key', 'silent',
         lambda m, state: {**state, 'neck.fc.weight': torch.zeros(2)},
         ['1 mismatches: unexpected neck.fc.weight']),
    Case('head of another class count', 'silent', _narrow_head,
         ['cls_head.fc_cls.weight is (15, ', 'the model wants (16, ']),
]


@pytest.mark.parametrize('case', CHECKPOINT_CASES, ids=lambda c: c.name)
def test_checkpoint_of_another_model_is_refused(case, models, tmp_path):
    model = models['pose']
    path = str(tmp_path / 'other.pth')
    torch.save({'state_dict': case.change(models, model.state_dict())}, path)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(InputError) as info:
        load_matching_checkpoint(model, path, POSE)
    assert_clear(info.value, f'Checkpoint {path}', POSE, *case.expect)
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


UNREADABLE_CHECKPOINTS = [
    Case('truncated checkpoint', 'unclear',
         lambda path: open(path, 'r+b').truncate(300),
         ['is truncated or not a torch checkpoint']),
    Case('text file as checkpoint', 'unclear',
         lambda path: open(path, 'w').write('weights'),
         ['is truncated or not a torch checkpoint']),
    Case('checkpoint with a payload', 'unsafe',
         lambda path: torch.save({'meta': CreateFile(
             osp.join(osp.dirname(path), 'created_by_payload'), 'system')},
             path),
         ['holds objects that are not weights (posix.system)']),
]


@pytest.mark.parametrize('case', UNREADABLE_CHECKPOINTS, ids=lambda c: c.name)
def test_unreadable_checkpoint_is_one_line(case, models, tmp_path):
    path = str(tmp_path / 'model.pth')
    torch.save({'state_dict': models['pose'].state_dict()}, path)
    case.change(path)
    with pytest.raises(InputError) as info:
        load_matching_checkpoint(models['pose'], path, POSE)
    assert_clear(info.value, path, *case.expect)
    assert not (tmp_path / 'created_by_payload').exists()


def test_allow_listed_missing_key_loads(models, tmp_path):
    """Fallback: BatchNorm's num_batches_tracked counters may be absent."""
    model = models['pose']
    state = {k: v + 1 if v.is_floating_point() else v
             for k, v in model.state_dict().items()
             if not k.endswith('num_batches_tracked')}
    path = str(tmp_path / 'old_torch.pth')
    torch.save({'state_dict': state, 'meta': {'epoch': 2}}, path)
    assert load_matching_checkpoint(model, path, POSE) == {'epoch': 2}
    assert all(torch.equal(model.state_dict()[k], v) for k, v in state.items())


def write_dump(path, ids, labels, num_classes, seed=0):
    """Random probability scores of ``num_classes`` classes as a dump."""
    scores = np.random.default_rng(seed).dirichlet(np.ones(num_classes),
                                                   len(ids))
    return write_score_dump(path, scores, labels, ids)


@pytest.fixture(scope='module')
def test_dumps(synth_content, tmp_path_factory):
    """Two models' test dumps per group trainset of MiG-Synth's parts:
    ``{trainset: [m3cn.pkl, ehct.pkl]}``."""
    folder = tmp_path_factory.mktemp('dumps')
    by_id = {a['frame_dir']: a for a in synth_content['annotations']}
    ids = synth_content['split']['test']
    train = [by_id[i]['label'] for i in synth_content['split']['train']]
    parts = split_parts(np.bincount(train, minlength=NUM_CLASSES))
    dumps = {}
    for index in range(1, len(parts) + 1):
        trainset = build_trainset(parts, index)
        labels = trainset.primary_to_local[[by_id[i]['label'] for i in ids]]
        dumps[index] = [
            write_dump(folder / f'{model}_{index}.pkl', ids, labels,
                       trainset.num_classes, seed)
            for seed, model in enumerate(('m3cn', 'ehct'))]
    return dumps


def run_m2hen(argv, capsys) -> str:
    """``m2hen`` in this process; asserts exit status 2 and returns its one
    stderr line."""
    assert cli.main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


def _ensemble_argv(dumps, ann_file, tests=(1, 2)):
    argv = ['ensemble', '--ann-file', ann_file, '--alphas', '1', '1']
    for index in tests:
        argv += ['--test', f'{index}=' + ','.join(dumps[index])]
    return argv


def _replace_dump(index, model, make):
    """Change one dump of ``--test``: ``make(path, dumps)`` writes it."""
    def change(dumps, tmp_path):
        dumps = {k: list(v) for k, v in dumps.items()}
        dumps[index][model] = make(str(tmp_path / 'bad.pkl'), dumps)
        return dumps
    return change


def _shorter(path, dumps):
    samples = load_pickle(dumps[1][1])[:-1]
    pickle.dump(samples, open(path, 'wb'))
    return path


def _wider(path, dumps):
    samples = load_pickle(dumps[2][0])
    return write_dump(path, [s['frame_dir'] for s in samples],
                      [int(s['gt_labels']['item']) for s in samples],
                      NUM_CLASSES)


def _write(obj):
    def make(path, dumps):
        pickle.dump(obj, open(path, 'wb'))
        return path
    return make


def _truncated(path, dumps):
    shutil.copy(dumps[1][0], path)
    open(path, 'r+b').truncate(200)
    return path


def _payload(path, dumps):
    target = osp.join(osp.dirname(path), 'created_by_payload')
    pickle.dump([dict(pred_scores=CreateFile(target, 'system'))],
                open(path, 'wb'))
    return path


ENSEMBLE_CASES = [
    Case('trainset 1 left out', 'silent',
         lambda argv: argv[:6] + argv[8:],
         ['--test gives trainsets [2]', 'missing [1]',
          '--test I=A.pkl,B.pkl for every I in 1..2']),
    Case('a trainset 3 that does not exist', 'silent',
         lambda argv: argv + ['--test', '3=' + argv[7].split('=')[1]],
         ['unknown [3]']),
    Case('--test without I=', 'unclear',
         lambda argv: argv[:7] + [argv[7].split('=')[1]] + argv[8:],
         ['expected I=A.pkl[,B.pkl]']),
    Case('one alpha for two trainsets', 'unclear',
         lambda argv: argv[:4] + ['1'] + argv[6:],
         ['1 alphas for 2 trainsets', 'give one alpha per trainset']),
    Case('neither --val nor --alphas', 'clear',
         lambda argv: argv[:3] + argv[6:],
         ['Give --val dumps', 'or --alphas']),
]


@pytest.mark.parametrize('case', ENSEMBLE_CASES, ids=lambda c: c.name)
def test_ensemble_arguments_are_one_line(case, test_dumps, small_migsynth,
                                         capsys):
    argv = case.change(_ensemble_argv(test_dumps, small_migsynth))
    line = run_m2hen(argv, capsys)
    assert line.startswith('m2hen ensemble: error: ')
    for text in case.expect:
        assert text in line, line


DUMP_CASES = [
    Case('dumps of different samples', 'clear', _replace_dump(1, 1, _shorter),
         ['has 15 samples but', 'test every model on the same split']),
    Case('dump of another class count', 'clear',
         _replace_dump(1, 0, _wider),
         ['scores 16 classes but the label map of trainset1 has',
          'is it the right trainset?']),
    Case('dump that is a dict', 'clear', _replace_dump(2, 0, _write({})),
         ['is not an MMAction2 --dump file', '--dump <file>.pkl']),
    Case('dump without scores', 'unclear',
         _replace_dump(2, 1, _write([dict(frame_dir='a')])),
         ['is not an MMAction2 --dump file: data sample has no']),
    Case('dump that does not exist', 'unclear',
         lambda dumps, tmp_path: {1: dumps[1], 2: [dumps[2][0], 'gone.pkl']},
         ['Score dump gone.pkl does not exist', 'write it with `mim test']),
    Case('truncated dump', 'unclear', _replace_dump(1, 0, _truncated),
         ['not a readable pickle', 'copy it again']),
    Case('dump with a payload', 'unsafe', _replace_dump(2, 0, _payload),
         ['refused to load', 'posix.system']),
]


@pytest.mark.parametrize('case', DUMP_CASES, ids=lambda c: c.name)
def test_bad_score_dump_is_one_line(case, test_dumps, small_migsynth,
                                    capsys, tmp_path):
    dumps = case.change(test_dumps, tmp_path)
    line = run_m2hen(_ensemble_argv(dumps, small_migsynth), capsys)
    for text in case.expect:
        assert text in line, line
    assert not (tmp_path / 'created_by_payload').exists()


def test_ensemble_of_every_trainset_runs(test_dumps, small_migsynth, capsys):
    """The reference the cases above change: exit 0 with metrics."""
    assert cli.main(_ensemble_argv(test_dumps, small_migsynth)) == 0
    assert 'top1: ' in capsys.readouterr().out


def test_m2hen_train_on_a_bad_dataset_in_process(synth_content,
                                                 small_migsynth, tmp_path,
                                                 capsys):
    """``m2hen train``'s up-front check (the datasets of train and val
    built without pipelines) stops before the Runner exists."""
    content = copy.deepcopy(synth_content)
    setter('total_frames', 0)(content)
    path = write_dataset(tmp_path / 'data', content, small_migsynth)
    work_dir = tmp_path / 'work'
    with pytest.raises(SystemExit) as exit_info:
        cli.main(['train', config_path(POSE), '--work-dir', str(work_dir),
                  '--cfg-options', *(f'{loader}.dataset.ann_file={path}'
                                     for loader in ('train_dataloader',
                                                    'val_dataloader',
                                                    'test_dataloader'))])
    assert exit_info.value.code == 2
    (line, ) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: {path} (split 'train'): sample ")
    assert 'set total_frames to 16' in line
    assert not work_dir.exists()


def test_m2hen_train_on_an_all_nan_dataset(synth_content, small_migsynth,
                                           tmp_path):
    """As users run it: one line, no training, no work dir."""
    content = copy.deepcopy(synth_content)
    for sample in content['annotations']:
        sample['keypoint'] = np.full_like(sample['keypoint'], np.nan)
    write_dataset(tmp_path / 'data' / 'migsynth', content, small_migsynth)
    stdout, stderr = run_console_script('m2hen', 'train', config_path(POSE),
                                        cwd=tmp_path, expect=2)
    (line, ) = stderr.strip().splitlines()
    assert line.startswith("error: data/migsynth/migsynth.pkl (split "
                           "'train'): 64 samples (")
    assert 'NaN/inf in every joint' in line and 're-extract' in line
    assert not (tmp_path / 'work_dirs').exists()
    assert 'Epoch(train)' not in stdout


def test_mim_test_with_ehct_weights_on_a_posec3d_config(
        synth_content, small_migsynth, models, tmp_path):
    """M2HENRunner.test loads strictly: one line, no scores."""
    write_dataset(tmp_path / 'data' / 'migsynth', synth_content,
                  small_migsynth)
    torch.save({'state_dict': models['ehct'].state_dict(), 'meta': {}},
               tmp_path / 'ehct.pth')
    result = subprocess.run(
        [osp.join(BIN, 'mim'), 'test', 'm2hen_mmaction', config_path(POSE),
         '--checkpoint', 'ehct.pth'], cwd=tmp_path, text=True,
        capture_output=True, timeout=600,
        env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert result.returncode != 0
    output = result.stdout + result.stderr
    errors = [line for line in output.splitlines() if 'error: ' in line]
    assert len(errors) == 1, result.stderr[-3000:]
    assert errors[0].startswith(
        f'error: Checkpoint ehct.pth does not fit the model of '
        f'{config_path(POSE)} (')
    assert 'Use the config the checkpoint was trained with' in errors[0]
    assert 'Epoch(test)' not in output



VIDEO_PIPELINES = {
    'MMDecode': [dict(type='MMUniformSampleFrames', clip_len=dict(RGB=2)),
                 dict(type='MMDecode')],
    'DecordInit': [dict(type='DecordInit'),
                   dict(type='SampleFrames', clip_len=2),
                   dict(type='DecordDecode')],
}


@pytest.mark.parametrize('reader', VIDEO_PIPELINES)
def test_text_file_named_mp4_names_the_video(reader, synth_content,
                                             small_migsynth, tmp_path,
                                             mmaction_scope):
    """An RGB dataset whose video does not decode, read as PoseC3D's RGB
    pipelines (MMDecode) or TSN's (DecordInit) read it: the error of the
    first batch names the sample, the reader and the video file (decord
    names neither)."""
    from mmaction.registry import DATASETS
    content = copy.deepcopy(synth_content)
    name = content['split']['train'][0]
    content['split']['train'] = [name]
    path = write_dataset(tmp_path, content, small_migsynth)
    video = tmp_path / 'videos' / f'{name}.mp4'
    video.parent.mkdir()
    video.write_text('not a video')
    dataset = DATASETS.build(dict(
        type='MicroGesturePoseDataset', ann_file=path, split='train',
        data_prefix=dict(video=str(video.parent)),
        pipeline=VIDEO_PIPELINES[reader]))
    with pytest.raises(RuntimeError) as info:
        dataset[0]
    assert_clear(info.value, str(video), f'failed in {reader}',
                 f'`ffprobe {video}`')


def test_failing_transform_is_named(synth_content, small_migsynth, tmp_path,
                                    mmaction_scope):
    """A transform that cannot run on the sample (an RGB step in a pose
    pipeline): the error names the sample and that transform, and does not
    send the user to a video."""
    from mmaction.registry import DATASETS
    path = write_dataset(tmp_path, synth_content, small_migsynth)
    dataset = DATASETS.build(dict(
        type='MicroGesturePoseDataset', ann_file=path, split='train',
        pipeline=[dict(type='UniformSampleFrames', clip_len=2),
                  dict(type='PoseDecode'),
                  dict(type='FormatShape', input_format='NCTHW')]))
    name = dataset.get_data_info(0)['frame_dir']
    with pytest.raises(RuntimeError) as info:
        dataset[0]
    line = assert_clear(info.value, repr(name), 'failed in FormatShape',
                        "check FormatShape's settings")
    assert 'ffprobe' not in line


# Cases that are a test of their own: test name -> (was, now).
SINGLE_CASES = {
    'test_many_problems_are_listed_once_each_and_capped': ('unclear',
                                                           'clear'),
    'test_nan_policy_error_lists_the_joints': ('clear', 'clear'),
    'test_allow_listed_missing_key_loads': ('clear', 'fallback'),
    'test_m2hen_train_on_a_bad_dataset_in_process': ('unclear', 'clear'),
    'test_m2hen_train_on_an_all_nan_dataset': ('silent', 'clear'),
    'test_mim_test_with_ehct_weights_on_a_posec3d_config': ('silent',
                                                            'clear'),
    'test_text_file_named_mp4_names_the_video': ('unclear', 'clear'),
    'test_failing_transform_is_named': ('unclear', 'clear'),
}
ERROR_TABLES = (SAMPLE_CASES, STRUCTURE_CASES, UNREADABLE_CASES,
                PAYLOAD_CASES, CHECKPOINT_CASES, UNREADABLE_CHECKPOINTS,
                ENSEMBLE_CASES, DUMP_CASES)


def test_outcome_counts(capsys):
    """Every case ends clear (an error naming file/sample and fix) or in a
    reported fallback; prints the counts (module doc)."""
    assert all(callable(globals().get(name)) for name in SINGLE_CASES)
    outcomes = [(case.was, 'clear') for table in ERROR_TABLES
                for case in table]
    outcomes += [(case.was, 'fallback') for case in FALLBACK_CASES]
    outcomes += list(SINGLE_CASES.values())
    assert len(outcomes) >= 60
    assert {now for _, now in outcomes} <= set(OUTCOMES)
    pairs = Counter(outcomes)
    with capsys.disabled():
        print(f'\n{len(outcomes)} bad-input cases (before -> now): '
              + ', '.join(f'{was} -> {now}: {count}'
                          for (was, now), count in sorted(pairs.items())))
