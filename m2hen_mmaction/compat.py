"""Version checks and fixes for the pinned stack, kept in one place.

* :func:`check_versions` fails early, with one message, when mmaction2,
  mmcv or mmengine are outside the versions this plugin is tested with.
* :func:`patch_numpy_inf` restores ``np.Inf`` (removed in NumPy 2) which
  MMAction2 1.1.0's ``PoseCompact``/``MMCompact`` still use.
"""
import numpy as np

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


def check_versions() -> None:
    """Raise ImportError naming every package outside its supported range."""
    import importlib
    problems = []
    for module_name, (low, high) in SUPPORTED.items():
        try:
            version = importlib.import_module(module_name).__version__
        except ImportError:
            problems.append(f'{module_name} is not installed')
            continue
        if not (_version_tuple(low) <= _version_tuple(version) <
                _version_tuple(high)):
            problems.append(f'{module_name}=={version} (need >={low},<{high})')
    if problems:
        raise ImportError(
            'm2hen_mmaction supports mmaction2==1.1.0, mmcv-lite==2.0.1, '
            'mmengine==0.10.7; found: ' + '; '.join(problems) +
            '. Reinstall with `pip install -e .` (see README).')


def patch_numpy_inf() -> None:
    """Give NumPy 2 back the ``np.Inf`` alias MMAction2 1.1.0 relies on."""
    if 'Inf' not in np.__dict__:
        np.Inf = np.inf


def apply_patches() -> None:
    """Apply every runtime fix this module owns (idempotent)."""
    patch_numpy_inf()
