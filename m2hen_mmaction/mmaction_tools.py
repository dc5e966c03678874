"""Run MMAction2's own ``tools/train.py`` / ``tools/test.py`` with our
components registered and our compatibility fixes applied.

``mim train m2hen_mmaction <cfg>`` runs ``m2hen_mmaction/.mim/tools/train.py``,
which calls :func:`run_mmaction_tool`; so do ``m2hen train`` and ``m2hen test``.
"""
import os.path as osp
import runpy
import sys
from typing import Optional, Sequence

import m2hen_mmaction  # noqa: F401  (registers modules, applies compat)

TOOLS = ('train', 'test')


def mmaction_tool_path(name: str) -> str:
    """Path of MMAction2's shipped ``tools/<name>.py``."""
    import mmaction
    if name not in TOOLS:
        raise ValueError(f'Unknown MMAction2 tool {name!r}; use one of {TOOLS}')
    return osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools',
                    f'{name}.py')


def run_mmaction_tool(name: str, argv: Optional[Sequence[str]] = None) -> None:
    """Run MMAction2's ``tools/<name>.py`` in this process.

    Args:
        name (str): ``'train'`` or ``'test'``.
        argv (Sequence[str], optional): The tool's arguments (config, ...).
            Defaults to ``sys.argv[1:]``.
    """
    path = mmaction_tool_path(name)
    args = list(sys.argv[1:] if argv is None else argv)
    saved_argv = sys.argv
    sys.argv = [path] + args
    try:
        runpy.run_path(path, run_name='__main__')
    finally:
        sys.argv = saved_argv
