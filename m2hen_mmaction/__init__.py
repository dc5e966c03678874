"""M2HEN for MMAction2.

``custom_imports=dict(imports=['m2hen_mmaction'])`` in a config registers every
model, transform, dataset and metric of this package into MMAction2's
registries (scope ``mmaction``).
"""
from .compat import apply_global_fixes, check_versions, quiet_mmcv_ops_warning
from .version import __version__

check_versions()
apply_global_fixes()

with quiet_mmcv_ops_warning():
    import mmaction.models  # noqa: E402,F401

from . import datasets, engine, evaluation, models, skeleton  # noqa: E402,F401

__all__ = ['__version__']
