"""Helpers for tests that train the pose smoke config in subprocesses, the
way users run our entry points: a small MiG-Synth, a user config that
inherits the shipped smoke config, and commands run with a clean env."""
import os
import os.path as osp
import re
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
BIN = osp.dirname(sys.executable)
SMOKE_CONFIGS = {
    name: osp.join(REPO, 'configs', name.split('_')[0], f'{name}_smoke.py')
    for name in (
        'posec3d_resnet3d-slowonly-tiny_1xb16-u16-12e_migsynth-pose',
        'm3cn_rgbpose-res2net3d-tiny_1xb16-u4u16-12e_migsynth-rgbpose',
        'ehct_hypergraph-transformer-tiny_1xb16-u16-12e_migsynth-skeleton')}
POSE_SMOKE = SMOKE_CONFIGS[
    'posec3d_resnet3d-slowonly-tiny_1xb16-u16-12e_migsynth-pose']
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def build_small_migsynth(out: str) -> str:
    """48 clips of 16 frames, 9 subjects; returns the annotation pickle."""
    from m2hen_mmaction.data.migsynth.generate import build_migsynth
    return build_migsynth(out, seed=0, train_clips=16, val_per_class=1,
                          test_per_class=1, num_frames=16,
                          num_subjects=9, progress=False)


def write_user_config(path, ann_file: str, body: str = '',
                      base: str = POSE_SMOKE) -> str:
    """A config inheriting ``base`` (a shipped config), reading ``ann_file``
    and the RGB clips beside it, plus ``body`` (Python config text)."""
    dataset = dict(ann_file=ann_file, data_prefix=dict(
        video=osp.join(osp.dirname(ann_file), 'videos')))
    loaders = '\n'.join(f'{loader} = dict(dataset={dataset!r})'
                        for loader in LOADERS)
    with open(path, 'w') as f:
        f.write(f'_base_ = [{base!r}]\n{loaders}\n{body}\n')
    return str(path)


def clean_env() -> dict:
    """A user's shell: the venv's bin first on PATH, nothing else set."""
    return {'PATH': f'{BIN}:/usr/bin:/bin',
            'HOME': os.environ.get('HOME', '/'), 'OMP_NUM_THREADS': '1',
            'PYTHONUNBUFFERED': '1'}


_CAUSE = re.compile(r'terminate called|what\(\)|Error|Exception|Signal \d+')


def failure_report(log: str) -> str:
    """What a failed multi-process run printed about its cause: every line
    naming an error or signal (a rank's abort message sits mid-log, above
    the launcher's traceback), then the log's tail."""
    causes = [line for line in log.splitlines() if _CAUSE.search(line)]
    return '\n'.join(causes[:40]) + '\n...\n' + log[-1500:]


def run(command: list, cwd, env: dict = None,
        timeout: int = 300) -> subprocess.CompletedProcess:
    """Run an installed entry point (``BIN/<command[0]>``) with ``env``
    (default: :func:`clean_env`)."""
    return subprocess.run([osp.join(BIN, command[0]), *command[1:]],
                          cwd=cwd, env=env or clean_env(), text=True,
                          capture_output=True, timeout=timeout)
