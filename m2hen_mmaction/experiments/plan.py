"""``m2hen benchmark <experiment> --plan``: the runs as shell commands.

Every run of the experiment becomes ``mim train`` (or ``m2hen merge-init``)
and ``mim test --dump`` commands reading the run's resolved config
(``<work_dir>/configs/<key>.py``, written by :func:`write_plan`), in
dependency order: single-modality models, merge-inits, RGB+pose, group
trainsets. Launcher options (``--launcher pytorch --gpus N``,
``--launcher slurm --partition P ...``) are passed to every ``mim``
command. After the commands ran, anywhere, ``m2hen benchmark <experiment>``
finds the runs and scores the rows.

``m2hen benchmark <experiment> --launcher ...`` without ``--plan`` runs the
same commands here, one after another (:func:`execute_plan`), skipping
finished runs, then scores the rows as the in-process path does.
"""
import os
import os.path as osp
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

from ..errors import InputError
from .experiment import ModelRun, merge_path, run_dir
from .runner import (config_file, dump_path, prepare, test_options,
                     test_splits, write_config, write_done)

SCRIPT = 'plan.sh'
BEST_CHECKPOINT = (
    'best_checkpoint() {  # the best_*.pth of a run, else its last one\n'
    '  ls "$1"/best_*.pth 2>/dev/null | tail -n 1 | grep . || '
    'cat "$1/last_checkpoint"\n}')


@dataclass(frozen=True)
class Launcher:
    """How ``mim`` starts each run.

    Args:
        launcher (str): ``'none'``, ``'pytorch'`` or ``'slurm'``.
        gpus (int, optional): GPUs per run.
        gpus_per_node (int, optional): slurm GPUs per node.
        partition (str, optional): slurm partition.
        srun_args (str, optional): Extra ``srun`` arguments (slurm).
    """
    launcher: str = 'none'
    gpus: Optional[int] = None
    gpus_per_node: Optional[int] = None
    partition: Optional[str] = None
    srun_args: Optional[str] = None

    def arguments(self) -> List[str]:
        """The ``mim train/test`` arguments of this launcher."""
        if self.launcher == 'slurm' and not self.partition:
            raise InputError('--launcher slurm needs --partition')
        if self.launcher != 'slurm' and (self.partition or self.srun_args
                                         or self.gpus_per_node):
            raise InputError('--partition, --gpus-per-node and --srun-args '
                             'apply to --launcher slurm only')
        args = [] if self.launcher == 'none' else ['--launcher',
                                                   self.launcher]
        for flag, value in (('--gpus', self.gpus),
                            ('--gpus-per-node', self.gpus_per_node),
                            ('--partition', self.partition),
                            ('--srun-args', self.srun_args)):
            if value is not None:
                args += [flag, str(value)]
        return args


def _line(*words) -> str:
    return ' '.join(shlex.quote(str(w)) if not str(w).startswith('"$(')
                    else str(w) for w in words)


def run_commands(exp: Config, run: ModelRun, cfg: Config,
                 launcher: Launcher) -> List[str]:
    """The shell commands of one run."""
    folder = run_dir(exp, run.key)
    config = config_file(exp, run.key)
    if run.stage == 'merge':
        rgb, pose = (f'"$(best_checkpoint {shlex.quote(run_dir(exp, key))})"'
                     for key in run.inputs)
        return [_line('m2hen', 'merge-init', rgb, pose,
                      merge_path(exp, run.key), '--config', config)]
    extra = launcher.arguments()
    lines = [_line('mim', 'train', 'm2hen_mmaction', config, '--work-dir',
                   folder, *extra)]
    checkpoint = f'"$(best_checkpoint {shlex.quote(folder)})"'
    for split, num_clips in test_splits(exp):
        options = [f'{k}={v}' for k, v in
                   test_options(cfg, split, num_clips).items()]
        lines.append(_line('mim', 'test', 'm2hen_mmaction', config,
                           '--checkpoint', checkpoint, '--work-dir', folder,
                           '--dump', dump_path(folder, split, num_clips),
                           *extra, '--cfg-options', *options))
    return lines


def plan_script(exp: Config, pairs: Sequence, launcher: Launcher,
                finished: Dict[str, bool]) -> str:
    """The whole plan as a shell script; finished runs are commented out."""
    lines = ['#!/usr/bin/env bash',
             f'# {exp.experiment_file}: every run in dependency order. Run '
             'the blocks on as many machines',
             '# as you have (a block needs the blocks it reads), then '
             f'`m2hen benchmark {exp.experiment_file}` scores the rows.',
             'set -euo pipefail', BEST_CHECKPOINT]
    for run, cfg in pairs:
        reads = f' (reads {", ".join(run.inputs)})' if run.inputs else ''
        state = ' - finished, reused' if finished[run.key] else ''
        lines += ['', f'# {run.key}: {run.stage}{reads}{state}']
        prefix = '# ' if finished[run.key] else ''
        lines += [prefix + line
                  for line in run_commands(exp, run, cfg, launcher)]
    return '\n'.join(lines) + '\n'


def write_plan(exp: Config, pairs: Sequence, launcher: Launcher,
               finished: Dict[str, bool]) -> str:
    """Write each run's resolved config and ``<work_dir>/plan.sh``; return
    the script's text."""
    text = plan_script(exp, pairs, launcher, finished)
    for run, cfg in pairs:
        if not finished[run.key]:
            write_config(exp, run.key, cfg)
    os.makedirs(exp.work_dir, exist_ok=True)
    path = osp.join(exp.work_dir, SCRIPT)
    with open(path, 'w') as f:
        f.write(text)
    os.chmod(path, 0o755)
    return text


def _checked_runs(exp: Config) -> Tuple[List[Tuple[ModelRun, Config]],
                                          Dict[str, bool]]:
    """Every ``(run, resolved config)`` in dependency order, and whether
    each run finished (all checked before anything runs)."""
    _, pairs, records = prepare(exp)
    return pairs, {key: record is not None for key, record in records.items()}


def print_plan(exp: Config, launcher: Launcher) -> str:
    """Check the experiment, write its configs and plan script; return the
    script's text."""
    pairs, finished = _checked_runs(exp)
    return write_plan(exp, pairs, launcher, finished)


class PlanCommandFailed(RuntimeError):
    """A command of the plan exited with an error (its output is above)."""


def _environment() -> dict:
    """Ours, with this Python's scripts (``mim``, ``m2hen``) first on PATH."""
    scripts = osp.dirname(sys.executable)
    return dict(os.environ,
                PATH=os.pathsep.join([scripts, os.environ.get('PATH', '')]))


def run_command(line: str) -> int:
    """Run one plan command as ``plan.sh`` would (bash, same helpers),
    its output going to ours; return its exit status."""
    script = f'set -euo pipefail\n{BEST_CHECKPOINT}\n{line}\n'
    return subprocess.run(['bash', '-c', script],
                          env=_environment()).returncode


def execute_plan(exp: Config, launcher: Launcher) -> None:
    """Run the plan's commands here, in dependency order, one at a time.

    Writes the configs and ``plan.sh`` as ``--plan`` does, skips finished
    runs, prints a progress line before each command and marks each run
    finished (``done.json`` with its training time) once its commands
    succeeded. With ``--launcher slurm`` each ``mim`` command is an
    ``srun`` that returns when its job ends.

    Raises:
        InputError: ``--launcher slurm`` where ``srun`` is not on PATH.
        PlanCommandFailed: A command failed; nothing after it ran.
    """
    if launcher.launcher == 'slurm' and not shutil.which('srun'):
        raise InputError('--launcher slurm runs each command with srun, '
                         'which is not on PATH here: run it on a slurm '
                         'login node, or write the commands with --plan')
    pairs, finished = _checked_runs(exp)
    write_plan(exp, pairs, launcher, finished)
    todo = [(run, cfg, run_commands(exp, run, cfg, launcher))
            for run, cfg in pairs if not finished[run.key]]
    total, done = sum(len(lines) for _, _, lines in todo), 0
    print(f'{len(todo)} of {len(pairs)} runs to do ({total} commands); '
          f'finished earlier: {[k for k, f in finished.items() if f]}',
          flush=True)
    for run, cfg, lines in todo:
        seconds = []
        for line in lines:
            done += 1
            print(f'[{run.key}] command {done}/{total}: {line}', flush=True)
            start = time.time()
            status = run_command(line)
            if status:
                raise PlanCommandFailed(
                    f'command {done}/{total} (run {run.key}) exited with '
                    f'status {status}: {line}')
            seconds.append(round(time.time() - start, 1))
        write_done(exp, run, cfg, train_seconds=seconds[0])
