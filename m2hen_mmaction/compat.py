"""Version checks and fixes for the pinned stack, kept in one place.

* :func:`check_versions` fails early, with one message, when mmaction2,
  mmcv or mmengine are outside the versions this plugin is tested with.
* :func:`patch_numpy_inf` restores ``np.Inf`` (removed in NumPy 2) which
  MMAction2 1.1.0's ``PoseCompact``/``MMCompact`` still use.
* :func:`patch_rgbpose_head_loss`: MMAction2 1.1.0's ``RGBPoseHead``
  crashes (``'dict' object has no attribute 'size'``) on every batch whose
  size equals ``num_classes``, because a soft-label check calls ``.size()``
  on its dict of branch scores. The fix hands the original method a dict
  that also answers ``size()`` (the batch size of its scores).
* Checkpoints under torch>=2.6 (``torch.load(weights_only=True)``):
  mmengine 0.10.7 pickles each ``HistoryBuffer``'s statistic *methods*, which
  the pickle stores as calls to ``builtins.getattr``; torch's safe loader
  refuses them, so ``resume`` and ``load_from`` fail out of the box.
  :func:`patch_history_buffer` stops saving those methods (they are class
  state that mmengine re-registers on import anyway), and
  :func:`safe_load_checkpoint` replaces mmengine's local-file loader. It keeps
  ``weights_only=True`` and allows only inert data types on top of torch's own
  list: ``HistoryBuffer`` (plain data, rebuilt without running its code) and
  NumPy arrays/scalars/dtypes. Old checkpoints that still contain the
  ``getattr`` records load too: the record is replaced by an inert
  :class:`UnresolvedAttribute` marker; the real ``getattr`` is never callable
  from a checkpoint. Anything else (arbitrary classes) is refused with a
  message naming the offending globals.
"""
import os.path as osp
import warnings

import numpy as np
import torch

# mmcv-lite has no compiled ops; MMAction2 never needs this one.
warnings.filterwarnings(
    'ignore', message='Fail to import ``MultiScaleDeformableAttention``')

SUPPORTED = {
    'mmaction': ('1.1.0', '1.2.0'),  # [min, max): 1.2.0's wheel is broken
    'mmcv': ('2.0.0', '2.2.0'),
    'mmengine': ('0.10.0', '0.11.0'),
}


def _version_tuple(version: str) -> tuple:
    parts = []
    for piece in version.split('+')[0].split('.')[:3]:
        digits = ''.join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def version_problems(versions: dict) -> list:
    """List ``'name==version (need ...)'`` for versions outside SUPPORTED.

    Args:
        versions (dict): Module name -> installed version string, or None
            when the module is not installed.
    """
    problems = []
    for module_name, (low, high) in SUPPORTED.items():
        version = versions.get(module_name)
        if version is None:
            problems.append(f'{module_name} is not installed')
        elif not (_version_tuple(low) <= _version_tuple(version) <
                  _version_tuple(high)):
            problems.append(f'{module_name}=={version} (need >={low},<{high})')
    return problems


def installed_versions() -> dict:
    """Versions of the modules in SUPPORTED (None where not importable)."""
    import importlib
    versions = {}
    for module_name in SUPPORTED:
        try:
            versions[module_name] = importlib.import_module(
                module_name).__version__
        except ImportError:
            versions[module_name] = None
    return versions


def check_versions() -> None:
    """Raise ImportError naming every package outside its supported range."""
    problems = version_problems(installed_versions())
    if problems:
        raise ImportError(
            'm2hen_mmaction supports mmaction2==1.1.0, mmcv-lite==2.0.1, '
            'mmengine==0.10.7; found: ' + '; '.join(problems) +
            '. Reinstall with `pip install -e .` (see README).')


def patch_numpy_inf() -> None:
    """Give NumPy 2 back the ``np.Inf`` alias MMAction2 1.1.0 relies on."""
    if 'Inf' not in np.__dict__:
        np.Inf = np.inf


class BranchScores(dict):
    """A dict of branch scores (N, C) that also answers ``size()``.

    ``RGBPoseHead.loss_by_feat`` asks ``cls_scores.size()[0]`` for the batch
    size; a plain dict cannot answer.
    """

    def size(self) -> torch.Size:
        return next(iter(self.values())).size()


def patch_rgbpose_head_loss() -> None:
    """Make ``RGBPoseHead.loss_by_feat`` work when batch == num_classes."""
    from mmaction.models.heads import RGBPoseHead
    original = RGBPoseHead.loss_by_feat
    if getattr(original, 'takes_branch_scores', False):
        return

    def loss_by_feat(self, cls_scores, data_samples):
        return original(self, BranchScores(cls_scores), data_samples)

    loss_by_feat.takes_branch_scores = True
    loss_by_feat.__doc__ = original.__doc__
    RGBPoseHead.loss_by_feat = loss_by_feat


class UnresolvedAttribute:
    """Inert stand-in for a ``getattr(owner, name)`` record in a checkpoint.

    Args:
        owner: The object the record named (already loaded safely).
        name (str): The attribute name. Nothing is looked up.
    """

    def __init__(self, owner, name: str):
        self.owner_name = getattr(owner, '__qualname__', type(owner).__name__)
        self.name = str(name)

    def __repr__(self) -> str:
        return f'UnresolvedAttribute({self.owner_name}.{self.name})'


def _history_getstate(self) -> dict:
    """Pickle a ``HistoryBuffer`` as plain data, without its methods."""
    return {k: v for k, v in self.__dict__.items() if k != 'statistics_methods'}


def _history_setstate(self, state: dict) -> None:
    """Restore a ``HistoryBuffer``; saved statistic methods are ignored.

    The class registry (``HistoryBuffer._statistics_methods``) is the only
    source of statistic methods; an old checkpoint's records of them are
    :class:`UnresolvedAttribute` markers that must not enter that registry.
    """
    state = {k: v for k, v in state.items() if k != 'statistics_methods'}
    self._set_default_statistics()
    self.__dict__.update(state)


def patch_history_buffer() -> None:
    """Make mmengine's ``HistoryBuffer`` pickle without ``getattr``."""
    from mmengine.logging import HistoryBuffer
    HistoryBuffer.__getstate__ = _history_getstate
    HistoryBuffer.__setstate__ = _history_setstate


def checkpoint_safe_globals() -> list:
    """Globals allowed on top of torch's weights-only defaults."""
    from mmengine.logging import HistoryBuffer
    numpy_core = np._core.multiarray
    dtype_classes = [type(np.dtype(code)) for code in 'bBhHiIlLqQefdgFDG?']
    return [
        HistoryBuffer, numpy_core._reconstruct, numpy_core.scalar, np.ndarray,
        np.dtype, *dtype_classes,
        (UnresolvedAttribute, 'builtins.getattr'),
        (UnresolvedAttribute, '__builtin__.getattr'),
    ]


def safe_load_checkpoint(filename: str, map_location=None):
    """Load a local checkpoint with torch's safe (weights-only) unpickler.

    Args:
        filename (str): Path of a ``.pth`` file.
        map_location: As for :func:`torch.load`.

    Returns:
        dict: The checkpoint.

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
        RuntimeError: If the file holds objects other than weights and the
            inert data types of :func:`checkpoint_safe_globals`.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint {filename} can not be found.')
    with torch.serialization.safe_globals(checkpoint_safe_globals()):
        try:
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
        except Exception as error:  # torch raises UnpicklingError/RuntimeError
            unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(
                filename)
            raise RuntimeError(
                f'Checkpoint {filename} holds objects that are not weights '
                f'({", ".join(unsafe) or error}). m2hen_mmaction loads '
                'checkpoints with torch\'s safe loader only. If you trust the '
                'file, re-save just its weights in a trusted Python session: '
                "torch.save({'state_dict': ckpt['state_dict']}, 'clean.pth')."
            ) from error


def register_safe_checkpoint_loader() -> None:
    """Route mmengine's local checkpoint loading through the safe loader."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=safe_load_checkpoint, force=True)


def apply_patches() -> None:
    """Apply every runtime fix this module owns (idempotent)."""
    patch_numpy_inf()
    patch_rgbpose_head_loss()
    patch_history_buffer()
    register_safe_checkpoint_loader()
