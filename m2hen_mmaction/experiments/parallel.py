"""Train an experiment's runs several at a time on one machine (``--jobs``).

Small convolutions and attention maps do not scale across CPU threads, so
two trainings with one thread each can finish sooner than the same two
one after another with two threads (README's demo section has the
measured ratio). Each run trains in a worker process (spawned once, so
the imports are paid once per worker) with ``threads // jobs`` threads,
its output going to ``<run dir>/run.log``; a run starts once the runs it
reads (``inputs``: merge halves, merge-inits) have finished, ready runs in
the order of the experiment's ``models``, trainsets last. Progress is one
line per run started and finished.
"""
import multiprocessing
import os
import os.path as osp
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Dict, List, Sequence, Set, Tuple

import torch
from mmengine.config import Config

from .experiment import ModelRun, run_dir

LOG_NAME = 'run.log'


class RunFailed(RuntimeError):
    """A run trained in a worker raised; the message names its log."""


def run_log(exp: Config, run: ModelRun) -> str:
    """Where a run trained in a worker writes its output."""
    return osp.join(run_dir(exp, run.key), LOG_NAME)


def _train_in_worker(exp: Config, run: ModelRun, cfg: Config, threads: int,
                     log_file: str) -> Dict:
    """:func:`~.runner.train_run` with ``threads`` threads, stdout and
    stderr (this process's and its data workers') into ``log_file``."""
    from mmaction.utils import register_all_modules
    from mmengine.registry import DefaultScope

    from .runner import train_run
    torch.set_num_threads(threads)
    os.makedirs(osp.dirname(log_file), exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    with open(log_file, 'w') as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        with DefaultScope.overwrite_default_scope('mmaction'):
            register_all_modules(init_default_scope=False)
            return train_run(exp, run, cfg)
    except Exception:
        traceback.print_exc()
        raise
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _ready(exp: Config, waiting: List[Tuple[ModelRun, Config]],
           finished: Set[str]) -> List[Tuple[ModelRun, Config]]:
    """Runs whose inputs finished: primary runs in the order of the
    experiment's ``models``, then trainsets."""
    order = list(exp.models)
    ready = [(run, cfg) for run, cfg in waiting
             if all(key in finished for key in run.inputs)]
    return sorted(ready, key=lambda pair: (pair[0].trainset is not None,
                                           order.index(pair[0].base)))


def train_in_parallel(exp: Config, todo: Sequence[Tuple[ModelRun, Config]],
                      finished: Set[str], jobs: int) -> Dict[str, Dict]:
    """Train ``todo`` (in dependency order), at most ``jobs`` at a time.

    Args:
        exp (Config): The experiment.
        todo (Sequence[tuple[ModelRun, Config]]): Runs to train, each with
            its resolved config, every run after the runs it reads.
        finished (set[str]): Keys of runs finished before (inputs ready).
        jobs (int): Runs at once (>= 2).

    Returns:
        dict: Run key -> its ``done.json`` record.

    Raises:
        RunFailed: A run raised; the others running finish first.
    """
    threads = max(1, torch.get_num_threads() // jobs)
    waiting, running, records = list(todo), {}, {}
    print(f'{len(todo)} runs to train, {jobs} at a time with {threads} '
          f'thread(s) each; each run writes {LOG_NAME} in its folder',
          flush=True)
    context = multiprocessing.get_context('spawn')
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        while waiting or running:
            ready = _ready(exp, waiting, finished | set(records))
            for run, cfg in ready[:jobs - len(running)]:
                waiting.remove((run, cfg))
                future = pool.submit(_train_in_worker, exp, run, cfg,
                                     threads, run_log(exp, run))
                running[future] = (run, time.time())
                print(f'[{run.key}] started ({run.stage})', flush=True)
            if not running:
                raise RunFailed(f'runs {[r.key for r, _ in waiting]} read '
                                'runs that are neither finished nor planned')
            completed, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in completed:
                run, start = running.pop(future)
                try:
                    records[run.key] = future.result()
                except Exception as error:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise RunFailed(
                        f'run {run.key} failed: {error!r}; its output is in '
                        f'{run_log(exp, run)}') from error
                print(f'[{run.key}] finished in {time.time() - start:.0f} s '
                      f'({len(records)}/{len(todo)})', flush=True)
    return records
