"""Install m2hen_mmaction, an MMAction2 plugin reproducing M2HEN."""
import os
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.develop import develop
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
MIM_FOLDERS = ('configs', 'tools')


def add_mim_extension(copy: bool) -> None:
    """Expose ``configs/`` and ``tools/`` as ``m2hen_mmaction/.mim/*``.

    ``mim train m2hen_mmaction <cfg>`` looks for ``<pkg>/.mim/tools/train.py``
    and ``<pkg>/.mim/configs``. Editable installs get symlinks, wheels copies.
    """
    mim_root = osp.join(HERE, 'm2hen_mmaction', '.mim')
    os.makedirs(mim_root, exist_ok=True)
    for folder in MIM_FOLDERS:
        target = osp.join(mim_root, folder)
        if osp.islink(target) or osp.isfile(target):
            os.remove(target)
        elif osp.isdir(target):
            shutil.rmtree(target)
        if copy:
            shutil.copytree(osp.join(HERE, folder), target)
        else:
            os.symlink(osp.join('..', '..', folder), target)


class DevelopWithMim(develop):

    def run(self):
        add_mim_extension(copy=False)
        super().run()


class BuildPyWithMim(build_py):

    def run(self):
        add_mim_extension(copy=not self.editable_mode)
        super().run()


def read_version() -> str:
    with open(osp.join(HERE, 'm2hen_mmaction', 'version.py')) as f:
        scope: dict = {}
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='m2hen_mmaction',
    version=read_version(),
    description='M2HEN micro-gesture recognition as an MMAction2 plugin',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    python_requires='>=3.11,<3.13',
    packages=find_packages(include=['m2hen_mmaction*']),
    include_package_data=True,
    package_data={'m2hen_mmaction': ['.mim/configs/**/*.py', '.mim/tools/*.py']},
    # The ranges we test (CPU: Python 3.11, torch 2.13; GPU: Python 3.12,
    # torch 2.11+cu130). An installed CUDA torch in range is kept; the exact
    # development pins live in constraints.txt.
    install_requires=[
        'torch>=2.11,<2.14',
        'numpy>=2.0,<3',
        'mmengine>=0.10.7,<0.11',
        'mmcv-lite>=2.0.1,<2.1',
        'mmaction2>=1.1.0,<1.2',  # 1.2.0's wheel is broken
        'decord>=0.6.0,<0.7',
        'openmim>=0.3.9,<0.4',
        'setuptools<80',  # mim needs pkg_resources and develop installs
        'opencv-python-headless',
        'matplotlib',
        'tqdm',
        'python-calamine>=0.9',  # reads the MiGA 2025 release's .xlsx
    ],
    extras_require={
        # openpyxl writes the .xlsx files of tests and benchmarks/xlsx.py
        'dev': ['pytest', 'pytest-timeout', 'pytest-xdist', 'packaging',
                'openpyxl'],
        'extract': ['mediapipe>=0.10.14,<0.11'],
    },
    entry_points={'console_scripts': ['m2hen=m2hen_mmaction.cli:main']},
    cmdclass={'develop': DevelopWithMim, 'build_py': BuildPyWithMim},
)
