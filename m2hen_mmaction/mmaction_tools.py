"""Run MMAction2's own ``tools/train.py`` / ``tools/test.py`` with our
components registered, our compatibility fixes applied, and the runner built
from the config's ``runner_type`` (MMAction2 1.1.0's tools always build
mmengine's ``Runner``; MMDetection 3's tools honour ``runner_type``).

``mim train m2hen_mmaction <cfg>`` runs ``m2hen_mmaction/.mim/tools/train.py``,
which calls :func:`run_mmaction_tool`; so do ``m2hen train`` and ``m2hen test``.
Before MMAction2's tool starts, the config, the checkpoint (test) and the
data the config reads are checked, every annotation of our datasets
included; a missing or bad one is one line naming the fix.
"""
import argparse
import os.path as osp
import runpy
import sys
from typing import List, Optional, Sequence

import torch.distributed as torch_dist

import m2hen_mmaction  # noqa: F401  (registers modules, applies compat)
from m2hen_mmaction.datasets import MicroGesturePoseDataset
from m2hen_mmaction.datasets.data_check import (check_config_data,
                                                loader_datasets)
from m2hen_mmaction.errors import InputError, MissingDataError
from mmaction.registry import DATASETS, RUNNERS
from mmengine.config import Config
from mmengine.runner import Runner

TOOLS = ('train', 'test')
# The data loaders each tool reads.
TOOL_LOADERS = {'train': ('train_dataloader', 'val_dataloader'),
                'test': ('test_dataloader', )}


def mmaction_tool_path(name: str) -> str:
    """Path of MMAction2's shipped ``tools/<name>.py``."""
    import mmaction
    if name not in TOOLS:
        raise ValueError(f'Unknown MMAction2 tool {name!r}; use one of {TOOLS}')
    return osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools',
                    f'{name}.py')


def check_tool_inputs(name: str, args: List[str]) -> None:
    """Check what ``tools/<name>.py`` would read, before it starts.

    Args:
        name (str): ``'train'`` or ``'test'``.
        args (list[str]): The tool's arguments.

    Raises:
        InputError: The config or checkpoint is missing, the data the
            config reads (after ``--cfg-options``) has not been built, or an
            annotation is bad (:func:`check_annotations`).
    """
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument('config')
    if name == 'test':
        parser.add_argument('checkpoint')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    known, _ = parser.parse_known_args(args)
    if not osp.isfile(known.config):
        raise MissingDataError(f'Config {known.config} does not exist.')
    if name == 'test' and not osp.isfile(known.checkpoint):
        raise MissingDataError(
            f'Checkpoint {known.checkpoint} does not exist: train first '
            f'(`mim train m2hen_mmaction {known.config}`) or fix the path.')
    cfg = Config.fromfile(known.config)
    if known.cfg_options:
        cfg.merge_from_dict(known.cfg_options)
    check_config_data(cfg)
    check_annotations(cfg, TOOL_LOADERS[name])


def check_annotations(cfg: Config, loaders: Sequence[str]) -> None:
    """Build each of ``loaders``' datasets that is ours, without its
    pipeline: every annotation is checked once, before the Runner starts
    (:mod:`m2hen_mmaction.datasets.annotations`).

    Raises:
        InputError: One line per bad annotation (names sample and fix).
    """
    for _, dataset in loader_datasets(cfg, loaders):
        dataset_type = DATASETS.get(dataset.get('type', ''))
        if isinstance(dataset_type, type) and issubclass(
                dataset_type, MicroGesturePoseDataset):
            DATASETS.build({**dataset, 'pipeline': []})


class RunnerFromConfig:
    """Stands in for ``Runner`` in MMAction2's tool namespace."""

    @staticmethod
    def from_cfg(cfg) -> Runner:
        """``RUNNERS.build(cfg)`` if ``cfg`` names a ``runner_type``, else
        ``Runner.from_cfg(cfg)``, as MMDetection 3's tools do."""
        if 'runner_type' in cfg:
            return RUNNERS.build(cfg)
        return Runner.from_cfg(cfg)


def close_process_group() -> None:
    """End a distributed run as PyTorch asks: every rank reaches a barrier,
    then destroys its process group. Ranks that instead exit one by one
    with gloo still open can abort a peer that is still shutting down."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()


def run_mmaction_tool(name: str, argv: Optional[Sequence[str]] = None) -> None:
    """Run MMAction2's ``tools/<name>.py`` in this process.

    Bad input found before training (:class:`TrainingSetupError`, a
    refused checkpoint) ends the process with its one-line message instead
    of a traceback.

    Args:
        name (str): ``'train'`` or ``'test'``.
        argv (Sequence[str], optional): The tool's arguments (config, ...).
            Defaults to ``sys.argv[1:]``.

    Raises:
        SystemExit: With status 2 and one line on stderr when the inputs are
            wrong (:class:`InputError`).
    """
    path = mmaction_tool_path(name)
    args = list(sys.argv[1:] if argv is None else argv)
    saved_argv = sys.argv
    sys.argv = [path] + args
    try:
        if not {'-h', '--help'} & set(args):
            check_tool_inputs(name, args)
        tool = runpy.run_path(path, run_name='mmaction_tool')
        tool['main'].__globals__['Runner'] = RunnerFromConfig
        tool['main']()
        close_process_group()
    except InputError as error:
        print(f'error: {error}', file=sys.stderr)
        raise SystemExit(2) from None
    finally:
        sys.argv = saved_argv
