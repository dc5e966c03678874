"""Shared test setup: register MMAction2's and our modules once."""
import m2hen_mmaction  # noqa: F401  (registers our modules)
from mmaction.utils import register_all_modules

register_all_modules(init_default_scope=True)
