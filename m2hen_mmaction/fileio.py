"""Reading pickles that come from users, without running their code.

A pickle may name any importable callable and have it called while it
loads, so ``pickle.load`` on a file from elsewhere (a release's label file,
a score dump, a PoseDataset pickle written by a converter we do not control)
can do anything. :func:`load_pickle` reads such files with an unpickler that
only builds inert objects, the idea behind ``torch.load(weights_only=True)``:
Python's containers and scalars, NumPy arrays, dtypes and scalars, and torch
tensors (as a plain ``pickle.dump`` writes them, e.g. in MMAction2's
``tools/test.py --dump`` files: their storages are read with torch's own
``torch.load(weights_only=True)``, never with ``weights_only=False``). Any
other global is refused with a :class:`ForbiddenGlobalError` naming the file
and the global; nothing of it is imported or called.

NumPy 2 writes arrays as ``numpy._core.multiarray._reconstruct``, NumPy 1.x as
``numpy.core.multiarray._reconstruct``; both (and Python 2's ``__builtin__``)
name the same allowed functions.

This module imports nothing from the package, so every layer may use it.
"""
import _codecs
import builtins
import collections
import importlib
import io
import pickle
import struct
from pathlib import Path
from typing import Callable, Dict, Tuple, Union

SAFE_BUILTINS = ('bool', 'int', 'float', 'complex', 'str', 'bytes',
                 'bytearray', 'list', 'tuple', 'dict', 'set', 'frozenset',
                 'slice', 'range')
# (module, name) of the NumPy callables that rebuild arrays, dtypes and
# scalars; ``_frombuffer`` serves protocol 5, the rest every protocol.
SAFE_NUMPY = (('numpy', 'ndarray'), ('numpy', 'dtype'),
              ('numpy._core.multiarray', '_reconstruct'),
              ('numpy._core.multiarray', 'scalar'),
              ('numpy._core.numeric', '_frombuffer'))
# Module names written by other Python / NumPy versions for the same objects.
MODULE_ALIASES = {'__builtin__': 'builtins', 'numpy.core': 'numpy._core',
                  'numpy.core.multiarray': 'numpy._core.multiarray',
                  'numpy.core.numeric': 'numpy._core.numeric'}
# Python 3 writes ``bytes`` under protocols 0-2 as
# ``_codecs.encode(text, 'latin1')``; no other codec is accepted.
LATIN1 = frozenset({'latin1', 'latin-1', 'iso-8859-1', 'iso8859-1'})
# What a truncated or foreign file raises inside ``pickle.load``.
MALFORMED_ERRORS = (EOFError, pickle.UnpicklingError, ValueError, TypeError,
                    IndexError, KeyError, AttributeError, OverflowError,
                    UnicodeDecodeError, struct.error, MemoryError,
                    RuntimeError)
PathLike = Union[str, Path]


class PickleLoadError(pickle.UnpicklingError):
    """A pickle could not be loaded; the message names the file."""


class ForbiddenGlobalError(PickleLoadError):
    """A pickle names a global that is not an inert type.

    Args:
        message (str): The one-line error.
        global_name (str): ``module.name`` of the refused global.
    """

    def __init__(self, message: str, global_name: str):
        super().__init__(message)
        self.global_name = global_name


def latin1_encode(text: str, encoding: str = 'utf-8',
                  errors: str = 'strict') -> bytes:
    """``_codecs.encode`` restricted to Latin-1 (how bytes are pickled)."""
    if encoding.lower() not in LATIN1:
        raise pickle.UnpicklingError(
            f'_codecs.encode with encoding {encoding!r}; only latin1 is '
            'allowed')
    return _codecs.encode(text, encoding, errors)


def load_tensor_storage(data: bytes) -> object:
    """``torch.storage._load_from_bytes`` with torch's weights-only loader
    (torch's own function calls ``torch.load(weights_only=False)``)."""
    import torch
    return torch.load(io.BytesIO(data), weights_only=True)


def _tensor_globals() -> Dict[Tuple[str, str], Callable]:
    """What a plain pickle of a CPU tensor names: the rebuild function
    (allowed by torch's weights-only unpickler too), its empty hooks dict and
    the storage bytes."""
    from torch._utils import _rebuild_tensor_v2
    return {('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor_v2,
            ('torch.storage', '_load_from_bytes'): load_tensor_storage,
            ('collections', 'OrderedDict'): collections.OrderedDict}


def _allowed_globals() -> Dict[Tuple[str, str], Callable]:
    """Every global a pickle may name, keyed by ``(module, name)``."""
    allowed = {('builtins', name): getattr(builtins, name)
               for name in SAFE_BUILTINS}
    allowed[('_codecs', 'encode')] = latin1_encode
    for module, name in SAFE_NUMPY:
        allowed[(module, name)] = getattr(importlib.import_module(module),
                                          name)
    allowed.update(_tensor_globals())
    return allowed


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the globals of :data:`SAFE_BUILTINS`,
    :data:`SAFE_NUMPY` and those that rebuild torch tensors.

    Args:
        file: Binary file object to read from.
        source (str): File name used in error messages.
        encoding (str): How Python 2 ``str`` objects are decoded; ``latin1``
            for Python 2 pickles holding NumPy arrays.
    """

    def __init__(self, file, source: str, encoding: str = 'ASCII'):
        super().__init__(file, encoding=encoding)
        self.source = source
        self.allowed = _allowed_globals()

    def find_class(self, module: str, name: str) -> Callable:
        key = (MODULE_ALIASES.get(module, module), name)
        if key not in self.allowed:
            raise ForbiddenGlobalError(
                f'{self.source}: refused to load, it asks for the global '
                f'{module}.{name}, which is not an inert type (allowed: '
                'Python containers and scalars, NumPy arrays, dtypes and '
                'scalars, torch tensors); if you trust the file, convert it '
                'with pickle.load yourself', f'{module}.{name}')
        return self.allowed[key]


def load_pickle(path: PathLike, encoding: str = 'ASCII') -> object:
    """Load a pickle holding only inert objects.

    Args:
        path (str | Path): The file.
        encoding (str): Decoding of Python 2 ``str`` objects (``'latin1'``
            for Python 2 pickles of NumPy arrays). Defaults to ``'ASCII'``.

    Returns:
        object: The unpickled object.

    Raises:
        ForbiddenGlobalError: The file names a global that is not allowed.
        PickleLoadError: The file is truncated or not a pickle.
        OSError: The file cannot be opened.
    """
    with open(path, 'rb') as f:
        try:
            return RestrictedUnpickler(f, str(path), encoding).load()
        except ForbiddenGlobalError:
            raise
        except MALFORMED_ERRORS as err:
            raise PickleLoadError(
                f'{path}: not a readable pickle ({type(err).__name__}: '
                f'{_first_line(err)}); the file is truncated or of another '
                'format: copy it again') from None


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else 'no message'
