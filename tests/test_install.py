"""Installing where users already are: ``pip install --no-deps`` into an
existing environment imports against the versions installed there, and the
metadata's ranges accept the versions we test (DESIGN: this venv's pins in
constraints.txt; the GPU machine's Python 3.12 + torch 2.11+cu130) but never
mmaction2 1.2.0.

The package is built from a copy of the checkout (a wheel build replaces the
develop install's ``.mim`` links by copies) and installed with ``--target``;
the import runs in a fresh interpreter that sees that target first
(``PYTHONPATH``, as ``--target`` installs are used) and the venv's packages.
"""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
from importlib.metadata import PathDistribution, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
NOT_SOURCE = {'.venv', '.git', 'work_dirs', 'data', 'build', 'dist', '.whl'}
GPU_MACHINE = {'python': '3.12.0', 'torch': '2.11.0+cu130'}


def _ignore(folder, names):
    """Skip the venv, data, build outputs and generated links when copying."""
    top = NOT_SOURCE if osp.samefile(folder, REPO) else set()
    return [name for name in names if name in top or name in (
        '.mim', '__pycache__', '.pytest_cache') or name.endswith('.egg-info')]


@pytest.fixture(scope='module')
def target(tmp_path_factory):
    """A ``pip install --no-deps --target`` of this checkout."""
    root = tmp_path_factory.mktemp('install')
    source, site = root / 'source', root / 'site'
    shutil.copytree(REPO, source, ignore=_ignore, symlinks=True)
    result = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps',
         '--no-build-isolation', '--no-use-pep517', '--target', str(site),
         str(source)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return site


def _metadata(site: Path) -> PathDistribution:
    (dist_info, ) = site.glob('m2hen_mmaction-*.dist-info')
    return PathDistribution(dist_info)


def _requirements(site: Path) -> dict:
    """Requirement name -> Requirement (extras' included)."""
    return {canonicalize_name(req.name): req for req in
            map(Requirement, _metadata(site).requires)}


def _pins() -> dict:
    """Name -> version of each ``name==version`` line of constraints.txt."""
    pins = {}
    with open(osp.join(REPO, 'constraints.txt')) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if '==' in line:
                name, pinned = line.split('==')
                pins[canonicalize_name(name)] = pinned
    return pins


def test_no_deps_install_imports_against_installed_versions(target,
                                                            tmp_path):
    env = {'PATH': os.environ['PATH'], 'HOME': os.environ.get('HOME', '/'),
           'PYTHONPATH': str(target), 'OMP_NUM_THREADS': '1'}
    code = ('import json, os.path as osp, m2hen_mmaction, mmaction, torch\n'
            'from m2hen_mmaction.mmaction_tools import mmaction_tool_path\n'
            "mim = osp.join(osp.dirname(m2hen_mmaction.__file__), '.mim')\n"
            'print(json.dumps(dict(file=m2hen_mmaction.__file__,\n'
            "    configs=osp.isdir(osp.join(mim, 'configs', 'posec3d')),\n"
            "    tool=osp.isfile(osp.join(mim, 'tools', 'train.py')),\n"
            "    mmaction_tool=osp.isfile(mmaction_tool_path('train')))))")
    result = subprocess.run([sys.executable, '-c', code], env=env,
                            cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state['file'].startswith(str(target))
    assert state['configs'] and state['tool'] and state['mmaction_tool']
    for name, req in _requirements(target).items():
        if req.marker is None:  # extras are not installed here
            assert req.specifier.contains(version(name), prereleases=True), (
                f'installed {name}=={version(name)} outside {req}')


def test_metadata_accepts_the_versions_we_test(target):
    python = _metadata(target).metadata['Requires-Python']
    requirements = _requirements(target)
    assert Requirement(f'python{python}').specifier.contains(
        GPU_MACHINE['python'])
    assert Requirement(f'python{python}').specifier.contains(
        '.'.join(map(str, sys.version_info[:3])))
    assert requirements['torch'].specifier.contains(GPU_MACHINE['torch'])
    pins = _pins()
    for name in ('torch', 'numpy', 'mmengine', 'mmcv-lite', 'mmaction2'):
        assert name in pins, f'constraints.txt must pin {name}'
    for name, pinned in pins.items():
        if name in requirements:
            assert requirements[name].specifier.contains(pinned), (
                f'constraints.txt pins {name}=={pinned} outside '
                f'{requirements[name]}')
    assert not requirements['mmaction2'].specifier.contains('1.2.0')
