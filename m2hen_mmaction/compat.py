"""Version checks and fixes for the pinned stack, one small function each.

Each fix names the upstream versions it applies to; ``tests/test_compat.py``
runs the unpatched upstream code for each one and fails, saying the fix can
go, the day upstream no longer breaks. Where a fix is applied:

* Global, on ``import m2hen_mmaction`` (a drop-in user who only adds
  ``custom_imports=dict(imports=['m2hen_mmaction'])`` to an MMAction2 config
  would otherwise hit these): :func:`restore_numpy_inf`,
  :func:`shift_hue_in_int`, :func:`make_history_buffer_getattr_free` and
  :func:`register_safe_checkpoint_loader`; on machines without CUDA also
  :func:`init_dist_without_cuda` and :func:`ddp_without_device_ids_on_cpu`
  (GPU machines run mmengine's distributed code unchanged).
* Scoped: :func:`quiet_mmcv_ops_warning` wraps only our own import of
  MMAction2's models; :class:`BatchSafeRGBPoseLoss` is mixed into our
  ``PatchedRGBPoseHead`` / ``RGBPoseFusionHead`` (MMAction2's ``RGBPoseHead``
  is left as it is).
"""
import contextlib
import os.path as osp
import warnings

import cv2
import numpy as np
import torch

from .errors import InputError

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
        versions (dict): Module name -> installed version string, None
            when the module is not installed, or the ImportError raised by
            an installed module that lacks one of its own dependencies.
    """
    problems = []
    for module_name, (low, high) in SUPPORTED.items():
        version = versions.get(module_name)
        if version is None:
            problems.append(f'{module_name} is not installed')
        elif isinstance(version, ImportError):
            problems.append(f'{module_name} needs {version.name}, which '
                            'is not installed')
        elif not (_version_tuple(low) <= _version_tuple(version) <
                  _version_tuple(high)):
            problems.append(f'{module_name}=={version} (need >={low},<{high})')
    return problems


def installed_versions() -> dict:
    """Versions of the modules in SUPPORTED: None where not installed, the
    ImportError where installed but a dependency of it is missing (e.g. a
    ``pip install --no-deps`` without ``yapf``)."""
    import importlib
    versions = {}
    for module_name in SUPPORTED:
        try:
            versions[module_name] = importlib.import_module(
                module_name).__version__
        except ImportError as error:
            missing_itself = (error.name or module_name).split(
                '.')[0] == module_name
            versions[module_name] = None if missing_itself else error
    return versions


def check_versions() -> None:
    """Raise ImportError naming every package outside its supported range."""
    problems = version_problems(installed_versions())
    if problems:
        raise ImportError(
            'm2hen_mmaction supports mmaction2==1.1.0, mmcv-lite==2.0.1, '
            'mmengine==0.10.7; found: ' + '; '.join(problems) +
            '. Reinstall with `pip install -e .` (see README).')


MMCV_OPS_WARNING = 'Fail to import ``MultiScaleDeformableAttention``'


@contextlib.contextmanager
def quiet_mmcv_ops_warning():
    """Silence one mmcv-lite import warning inside this ``with`` block only.

    Applies to mmcv-lite 2.0.1 (any mmcv-lite 2.x: it has no compiled ops):
    importing ``mmcv.cnn.bricks.transformer`` (done by MMAction2 1.1.0's
    models) warns that ``MultiScaleDeformableAttention`` is missing, which no
    MMAction2 model uses. Scoped, not a global filter: it wraps our own first
    import of ``mmaction.models``; warnings raised elsewhere are untouched.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings('ignore', message=MMCV_OPS_WARNING)
        yield


def restore_numpy_inf() -> None:
    """Give NumPy 2 back the ``np.Inf`` alias MMAction2 relies on (global).

    Applies to mmaction2 1.1.0 with numpy>=2.0: ``PoseCompact`` and
    ``MMCompact`` call ``np.min(..., initial=np.Inf)``, so every PoseC3D
    pipeline raises ``AttributeError`` under NumPy 2. Global because a
    drop-in user's MMAction2 pipelines need it as much as ours; the alias only
    adds a name NumPy 1 had.
    """
    if 'Inf' not in np.__dict__:
        np.Inf = np.inf


def _shifted_hue(img: np.ndarray, factor: float) -> np.ndarray:
    """MMAction2's ``ColorJitter.adjust_hue``, the shift summed in int16."""
    img = np.clip(img, 0, 255).astype(np.uint8)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    offset = int(factor * 255)
    hsv[..., 0] = (hsv[..., 0].astype(np.int16) + offset) % 180
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)


def shift_hue_in_int() -> None:
    """Make MMAction2's ``ColorJitter`` hue shift right under NumPy 2 (global).

    Applies to mmaction2 1.1.0 with numpy>=2.0: ``adjust_hue`` adds the
    python-int offset to the uint8 hue channel, which NumPy 2 keeps in uint8,
    so a negative shift raises ``OverflowError`` and a positive one wraps at
    256 before the ``% 180`` (OpenCV hue 170 + 100 gives 14, not 90).
    Global because a drop-in user's ``ColorJitter`` needs it as much as ours.
    """
    from mmaction.datasets.transforms import ColorJitter
    ColorJitter.adjust_hue = staticmethod(_shifted_hue)


class BranchScores(dict):
    """A dict of branch scores (N, C) that also answers ``size()``.

    ``RGBPoseHead.loss_by_feat`` asks ``cls_scores.size()[0]`` for the batch
    size; a plain dict cannot answer.
    """

    def size(self) -> torch.Size:
        """The size of the first branch's scores, (N, C)."""
        return next(iter(self.values())).size()


class BatchSafeRGBPoseLoss:
    """Mixin for ``RGBPoseHead`` subclasses: loss when batch == num_classes.

    Applies to mmaction2 1.1.0: ``RGBPoseHead.loss_by_feat`` raises
    ``'dict' object has no attribute 'size'`` on every batch whose size
    equals ``num_classes`` (a soft-label check calls ``.size()`` on its dict
    of branch scores). Scoped: our heads inherit it, MMAction2's
    ``RGBPoseHead`` stays unpatched. Put it before ``RGBPoseHead`` in the
    bases.
    """

    def loss_by_feat(self, cls_scores: dict, data_samples) -> dict:
        """``RGBPoseHead.loss_by_feat`` with scores that answer ``size()``."""
        return super().loss_by_feat(BranchScores(cls_scores), data_samples)


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


def make_history_buffer_getattr_free() -> None:
    """Make mmengine's ``HistoryBuffer`` pickle without ``getattr`` (global).

    Applies to mmengine 0.10.7 (the latest 0.10.x) with torch>=2.6: every
    checkpoint holds the message hub's ``HistoryBuffer`` objects, whose
    pickle records their bound statistic methods as ``builtins.getattr``
    calls, which torch's weights-only loader refuses and which cannot be
    allow-listed without defeating it. Global because every checkpoint a
    process writes (ours or a drop-in user's ``mim train mmaction``) should be
    loadable safely; the methods are class state mmengine re-creates anyway.
    """
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


class CheckpointRefused(InputError):
    """A checkpoint the safe loader will not load; the message is one line
    naming the file."""


def _unsafe_globals(filename: str) -> list:
    """Globals of a checkpoint beyond torch's defaults ([] if unreadable)."""
    try:
        return torch.serialization.get_unsafe_globals_in_checkpoint(filename)
    except Exception:  # a truncated archive cannot even be listed
        return []


def _refusal(filename: str, error: Exception) -> str:
    """One line saying why ``filename`` was refused and what to do."""
    unsafe = _unsafe_globals(filename)
    if unsafe:
        return (f'Checkpoint {filename} holds objects that are not weights '
                f'({", ".join(unsafe)}). m2hen_mmaction loads checkpoints with '
                "torch's safe loader only. If you trust the file, re-save just "
                'its weights in a trusted Python session: torch.save('
                "{'state_dict': ckpt['state_dict']}, 'clean.pth').")
    reason = str(error).strip().splitlines()[0] if str(error).strip() else ''
    return (f'Checkpoint {filename} is truncated or not a torch checkpoint '
            f'({type(error).__name__}: {reason}); delete it and resume from '
            'an earlier one.')


def safe_load_checkpoint(filename: str, map_location=None):
    """Load a local checkpoint with torch's safe (weights-only) unpickler.

    Allows only inert data types on top of torch's own list:
    ``HistoryBuffer`` (plain data, rebuilt without running its code) and NumPy
    arrays/scalars/dtypes. An old checkpoint's ``getattr`` records load as
    inert :class:`UnresolvedAttribute` markers; the real ``getattr`` is never
    callable from a file.

    Args:
        filename (str): Path of a ``.pth`` file.
        map_location: As for :func:`torch.load`.

    Returns:
        dict: The checkpoint.

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
        CheckpointRefused: If the file is truncated or corrupt, or holds objects
            other than weights and the inert data types of
            :func:`checkpoint_safe_globals`; the one-line message names the
            file.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint {filename} can not be found.')
    with torch.serialization.safe_globals(checkpoint_safe_globals()):
        try:
            return torch.load(filename, map_location=map_location,
                              weights_only=True)
        except Exception as error:  # torch raises UnpicklingError/RuntimeError
            raise CheckpointRefused(_refusal(filename, error)) from error


def register_safe_checkpoint_loader() -> None:
    """Route mmengine's local checkpoint loading through the safe loader.

    Applies to mmengine 0.10.7 with torch>=2.6: its local loader calls
    ``torch.load`` without ``weights_only``, which now defaults to True and
    refuses every mmengine checkpoint (NumPy scalars in ``meta``, the message
    hub's ``HistoryBuffer``), so ``--resume``, ``load_from`` and
    ``mim test --checkpoint`` all fail. Global because a drop-in user's
    ``mim train mmaction <cfg> --resume`` needs it as much as our tools;
    :func:`safe_load_checkpoint` keeps ``weights_only=True``.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=safe_load_checkpoint, force=True)


def _init_dist_pytorch_on_cpu(backend: str = 'nccl', init_backend='torch',
                              **kwargs) -> None:
    """mmengine's ``_init_dist_pytorch`` minus ``torch.cuda.set_device``.

    NCCL (mmengine's default) needs GPUs; gloo is used instead.
    """
    if init_backend != 'torch':
        raise RuntimeError(f'init_backend={init_backend!r} needs CUDA; '
                           'this machine has none.')
    if backend in (None, 'nccl'):
        backend = 'gloo'
    torch.distributed.init_process_group(backend=backend, **kwargs)


def init_dist_without_cuda() -> None:
    """Let ``--launcher pytorch`` start a gloo process group on CPU torch.

    Applies to mmengine 0.10.7 (``mmengine.dist.utils._init_dist_pytorch``)
    on a machine without CUDA: it calls ``torch.cuda.set_device`` first,
    which raises on CPU-only torch. Applied on import only where torch has
    no CUDA (GPU machines run mmengine unchanged), because a drop-in user's
    ``mim train mmaction <cfg> --launcher pytorch`` goes through it too.
    """
    from mmengine.dist import utils
    utils._init_dist_pytorch = _init_dist_pytorch_on_cpu


def ddp_without_device_ids_on_cpu() -> None:
    """Let mmengine wrap CPU models in DDP (no ``device_ids``).

    Applies to mmengine 0.10.7's ``Runner.wrap_model``, which always passes
    ``device_ids=[LOCAL_RANK]``; torch's DDP refuses ``device_ids`` for a
    CPU module. Applied on import only where torch has no CUDA, for the same
    reason as :func:`init_dist_without_cuda`.
    """
    from mmengine.model import MMDistributedDataParallel
    original = MMDistributedDataParallel.__init__
    if getattr(original, 'drops_cpu_device_ids', False):
        return

    def __init__(self, module, *args, **kwargs):
        if all(p.device.type == 'cpu' for p in module.parameters()):
            kwargs.pop('device_ids', None)
        original(self, module, *args, **kwargs)

    __init__.drops_cpu_device_ids = True
    MMDistributedDataParallel.__init__ = __init__


def apply_global_fixes() -> None:
    """Apply the fixes a drop-in user needs (idempotent); see module doc."""
    restore_numpy_inf()
    shift_hue_in_int()
    make_history_buffer_getattr_free()
    register_safe_checkpoint_loader()
    if not torch.cuda.is_available():
        init_dist_without_cuda()
        ddp_without_device_ids_on_cpu()
