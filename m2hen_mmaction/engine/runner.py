"""``M2HENRunner``: mmengine's Runner for our configs (``runner_type``).

Our entry points (``mim train/test m2hen_mmaction``, ``m2hen train/test``)
build it from ``runner_type``; MMAction2 1.1.0's own tools always build
mmengine's ``Runner``, so ``mim train mmaction <cfg>`` gets only the config's
hooks and the global fixes of ``compat.py``. On top of ``Runner`` it

* checks ``--amp``, the launcher and the process-group backend against the
  machine before anything is built, failing with one line
  (:class:`TrainingSetupError`), and picks the backend by device when the
  config names none (NCCL on GPUs, gloo on CPU);
* refuses to resume from, or test, a checkpoint of another model (one line
  naming checkpoint, config and the first mismatches, instead of mmengine's
  warning and a half-loaded model; :mod:`.checkpoints`);
* writes checkpoints to a temporary file renamed when complete, so a killed
  run never leaves a half-written ``.pth``.
"""
import copy
import os
import os.path as osp
from contextlib import contextmanager
from typing import Iterator, Optional

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.dist import master_only
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

from mmaction.registry import RUNNERS
from ..errors import InputError
from .checkpoints import REFUSAL, fitting_state_dict, read_checkpoint

RESUME_REFUSAL = (
    "Cannot resume from {path}: the model of {config} differs from the "
    "checkpoint's ({mismatches}). Resume with the config that wrote it, or "
    'start a new run from its weights with load_from.')


class TrainingSetupError(InputError):
    """Bad input found before training: the message is one line."""


def _config_name(cfg: Config) -> str:
    return cfg.filename or 'the config'


def check_amp(cfg: Config) -> None:
    """Refuse ``--amp`` (``AmpOptimWrapper``) where mmengine cannot run it.

    mmengine 0.10.7's ``AmpOptimWrapper`` asserts a CUDA/NPU/MLU/MUSA device
    and has no CPU (bfloat16) path.
    """
    wrapper = cfg.get('optim_wrapper') or {}
    if wrapper.get('type') == 'AmpOptimWrapper' and \
            not torch.cuda.is_available():
        raise TrainingSetupError(
            f'{_config_name(cfg)}: --amp (AmpOptimWrapper) needs a CUDA GPU; '
            'this machine has none and mmengine 0.10.7 has no CPU mixed '
            'precision. Train without --amp on CPU.')


def choose_backend(cfg: Config) -> str:
    """The process-group backend: the config's, else NCCL on GPUs, gloo on
    CPU. Raises :class:`TrainingSetupError` if this machine lacks it."""
    dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg') or {}
    gpu = torch.cuda.is_available()
    backend = dist_cfg.get('backend') or ('nccl' if gpu else 'gloo')
    where = f'{_config_name(cfg)} (launcher {cfg.launcher})'
    if not torch_dist.is_available():
        raise TrainingSetupError(
            f'{where}: this torch build has no torch.distributed; '
            'train with --launcher none.')
    if backend == 'nccl' and not (gpu and torch_dist.is_nccl_available()):
        raise TrainingSetupError(
            f"{where}: env_cfg.dist_cfg.backend='nccl' needs CUDA GPUs and "
            'this machine has none; remove the setting (gloo is chosen on '
            "CPU) or set backend='gloo'.")
    if backend == 'gloo' and not torch_dist.is_gloo_available():
        raise TrainingSetupError(
            f"{where}: backend 'gloo' is not built into this torch; set "
            'env_cfg.dist_cfg.backend to one it has.')
    if not gpu and cfg.launcher != 'pytorch':
        raise TrainingSetupError(
            f'{where}: on CPU only --launcher pytorch is supported (mmengine '
            f'0.10.7 selects a CUDA device for {cfg.launcher}); use torchrun '
            'or `mim train ... --launcher pytorch`.')
    return backend


@RUNNERS.register_module()
class M2HENRunner(Runner):
    """mmengine's ``Runner`` with the checks of the module doc.

    Built from a config by ``RUNNERS.build`` (``runner_type='M2HENRunner'``),
    as our entry points do (:mod:`m2hen_mmaction.mmaction_tools`); arguments
    are ``Runner``'s.
    """

    _strict_purpose: Optional[str] = None  # 'resume' or 'test'

    @classmethod
    def from_cfg(cls, cfg: Config) -> 'M2HENRunner':
        """Check the machine against ``cfg``, then build as ``Runner``."""
        cfg = copy.deepcopy(cfg)
        cfg.setdefault('launcher', 'none')
        check_amp(cfg)
        if cfg.launcher != 'none':
            cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
            cfg.env_cfg.dist_cfg.backend = choose_backend(cfg)
        return super().from_cfg(cfg)

    @contextmanager
    def _strict_loading(self, purpose: str) -> Iterator[None]:
        self._strict_purpose = purpose
        try:
            yield
        finally:
            self._strict_purpose = None

    def resume(self, filename: str, *args, **kwargs) -> None:
        """``Runner.resume``, refusing a checkpoint of another model.

        Raises:
            TrainingSetupError: If the checkpoint's weights do not match the
                config's model key for key and shape for shape.
        """
        with self._strict_loading('resume'):
            super().resume(filename, *args, **kwargs)

    def test(self) -> dict:
        """``Runner.test``, refusing a checkpoint of another model (one
        line naming checkpoint, config and the first mismatches)."""
        with self._strict_loading('test'):
            return super().test()

    def load_checkpoint(self, filename: str, map_location='cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]):
        """``Runner.load_checkpoint``; on resume and test the weights must
        fit the model (:mod:`m2hen_mmaction.engine.checkpoints`), else
        :class:`TrainingSetupError`. ``load_from`` for training (e.g. a
        backbone-only initialisation) stays mmengine's non-strict load."""
        if self._strict_purpose is None:
            return super().load_checkpoint(filename, map_location, strict,
                                           revise_keys)
        checkpoint = read_checkpoint(filename, map_location)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) \
            else self.model
        state = self._fitting_state_dict(model, checkpoint, filename)
        model.load_state_dict(state, strict=False)  # allow-listed keys only
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint

    def _fitting_state_dict(self, model, checkpoint: dict,
                            filename: str) -> dict:
        refusal = RESUME_REFUSAL if self._strict_purpose == 'resume' \
            else REFUSAL
        return fitting_state_dict(model, checkpoint, filename,
                                  _config_name(self.cfg), refusal,
                                  TrainingSetupError)

    @master_only
    def save_checkpoint(self, out_dir: str, filename: str, *args,
                        **kwargs) -> None:
        """``Runner.save_checkpoint``, atomically for a local ``out_dir``:
        written as ``<filename>.partial`` (removed if writing fails) and
        renamed when complete."""
        if not osp.isdir(out_dir):  # a remote backend: as mmengine does
            return super().save_checkpoint(out_dir, filename, *args, **kwargs)
        partial = osp.join(out_dir, f'{filename}.partial')
        try:
            super().save_checkpoint(out_dir, f'{filename}.partial', *args,
                                    **kwargs)
        except BaseException:
            if osp.exists(partial):
                os.remove(partial)
            raise
        os.replace(partial, osp.join(out_dir, filename))
