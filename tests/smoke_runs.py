"""Helpers for tests that train the pose smoke config in subprocesses, the
way users run our entry points: a small MiG-Synth, a user config that
inherits the shipped smoke config, and commands run with a clean env."""
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
BIN = osp.dirname(sys.executable)
POSE_SMOKE = osp.join(
    REPO, 'configs', 'posec3d',
    'posec3d_resnet3d-slowonly-r50_1xb16-u16-12e_migsynth-pose_smoke.py')
LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def build_small_migsynth(out: str) -> str:
    """48 clips of 16 frames, 9 subjects; returns the annotation pickle."""
    from data_prep.migsynth import build_migsynth
    return build_migsynth(out, seed=0, num_clips=48, num_frames=16,
                          num_subjects=9, progress=False)


def write_user_config(path, ann_file: str, body: str = '') -> str:
    """A config inheriting the pose smoke config, reading ``ann_file``,
    plus ``body`` (Python config text)."""
    loaders = '\n'.join(f'{loader} = dict(dataset=dict(ann_file={ann_file!r}))'
                        for loader in LOADERS)
    with open(path, 'w') as f:
        f.write(f'_base_ = [{POSE_SMOKE!r}]\n{loaders}\n{body}\n')
    return str(path)


def clean_env() -> dict:
    """A user's shell: the venv's bin first on PATH, nothing else set."""
    return {'PATH': f'{BIN}:/usr/bin:/bin',
            'HOME': os.environ.get('HOME', '/'), 'OMP_NUM_THREADS': '1',
            'PYTHONUNBUFFERED': '1'}


def run(command: list, cwd, env: dict = None,
        timeout: int = 300) -> subprocess.CompletedProcess:
    """Run an installed entry point (``BIN/<command[0]>``) with ``env``
    (default: :func:`clean_env`)."""
    return subprocess.run([osp.join(BIN, command[0]), *command[1:]],
                          cwd=cwd, env=env or clean_env(), text=True,
                          capture_output=True, timeout=timeout)
