"""The package reads as the pipeline: no module imports from a floor above
its own (README "Development" draws the floors). Imports inside functions
count too."""
import ast
import os
import os.path as osp
import sys

import pytest

from conftest import REPO

PACKAGE = 'm2hen_mmaction'
# Lowest floor first; a module may import its own floor and those below.
FLOORS = (
    ('compat', 'errors', 'fileio', 'version'),
    ('skeleton', ),
    ('evaluation', ),
    ('grouping', ),
    ('datasets', ),
    ('models', ),
    ('engine', ),
    ('data', ),
    ('apis', ),
    ('experiments', ),
    ('cli', 'mmaction_tools'),
)
FLOOR_OF = {room: level for level, rooms in enumerate(FLOORS)
            for room in rooms}


def modules():
    root = osp.join(REPO, PACKAGE)
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith('.py'):
                path = osp.join(folder, name)
                yield osp.relpath(path, REPO)[:-3].replace(os.sep, '.')


def imported_modules(module):
    """Absolute names of the package modules ``module`` imports."""
    path = osp.join(REPO, *module.split('.')) + '.py'
    package = module.split('.')
    if not path.endswith('__init__.py'):
        package = package[:-1]
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level \
                else []
            target = '.'.join(base + ([node.module] if node.module else []))
            names = [f'{target}.{alias.name}' for alias in node.names]
            yield from (names if not node.module else [target])
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def room(module):
    """``compat``, ``skeleton``, ... for ``m2hen_mmaction.<room>...``."""
    parts = module.split('.')
    return parts[1] if parts[0] == PACKAGE and len(parts) > 1 else None


def upward_imports():
    for module in modules():
        if module == f'{PACKAGE}.__init__':
            continue  # registers everything: the one module above all
        own = room(module)
        for target in imported_modules(module):
            target_room = room(target)
            if target_room and FLOOR_OF[target_room] > FLOOR_OF[own]:
                yield f'{module} imports {target}'


def test_every_room_has_a_floor():
    rooms = {room(module) for module in modules()} - {'__init__'}
    assert rooms == set(FLOOR_OF)


def test_no_module_imports_from_a_floor_above():
    assert list(upward_imports()) == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """A skeleton module importing the runner is caught."""
    fake_repo = tmp_path / 'repo'
    (fake_repo / PACKAGE / 'skeleton').mkdir(parents=True)
    (fake_repo / PACKAGE / 'skeleton' / 'bad.py').write_text(
        'from ..experiments.runner import run_benchmark\n')
    monkeypatch.setattr(sys.modules[__name__], 'REPO', str(fake_repo))
    assert list(upward_imports()) == [
        f'{PACKAGE}.skeleton.bad imports {PACKAGE}.experiments.runner']


@pytest.mark.parametrize('module,expected', [
    ('m2hen_mmaction.datasets.data_check', 'm2hen_mmaction.errors'),
    ('m2hen_mmaction.grouping.ensemble', 'm2hen_mmaction.evaluation.metrics'),
])
def test_relative_imports_resolve(module, expected):
    assert expected in set(imported_modules(module))
