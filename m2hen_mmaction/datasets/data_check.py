"""Say which command builds a config's data, before anything else runs.

A fresh clone has no ``data/``: every config's annotation pickle and video
folder are made by one of our commands. :func:`check_config_data` finds the
first missing one and raises :class:`~m2hen_mmaction.errors.MissingDataError`
naming that command, so ``mim train``/``m2hen train`` fail in one line
instead of after a page of logs.
"""
import os.path as osp
from typing import Iterator, Optional, Sequence, Tuple

from mmengine.config import Config

from ..errors import MissingDataError

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# Word in the annotation path -> the command that builds that dataset.
BUILD_COMMANDS = {
    'migsynth': 'm2hen synth --out {folder}',
    'imigue': 'm2hen prepare-imigue <miga2025|miga2023|openpose-json> '
              '<release folder> --out {folder} (see data_prep/imigue/)',
}
OWN_VIDEOS_COMMAND = ('m2hen extract <your video folder> {ann_file} (see '
                      'data_prep/own_videos/)')


def build_command(ann_file: str) -> str:
    """The command that writes ``ann_file`` (and the videos beside it)."""
    command = next((command for word, command in BUILD_COMMANDS.items()
                    if word in ann_file.lower()), OWN_VIDEOS_COMMAND)
    return command.format(folder=osp.dirname(ann_file) or '.',
                          ann_file=ann_file)


def loader_datasets(cfg: Config, loaders: Sequence[str] = LOADERS
                    ) -> Iterator[Tuple[str, dict]]:
    """``(loader, dataset config)`` of each of ``loaders`` the config
    defines (a wrapping dataset such as ``RepeatDataset`` is unwrapped)."""
    for loader in loaders:
        dataset = cfg.get(loader, {}).get('dataset')
        while dataset is not None and 'dataset' in dataset:
            dataset = dataset['dataset']
        if dataset:
            yield loader, dataset


def dataset_paths(cfg: Config) -> Iterator[Tuple[str, str, Optional[str]]]:
    """``(loader, ann_file, video folder or None)`` of each data loader the
    config defines."""
    for loader, dataset in loader_datasets(cfg):
        if dataset.get('ann_file'):
            video = (dataset.get('data_prefix') or {}).get('video')
            yield loader, dataset['ann_file'], video


def missing_data(ann_file: str, video_dir: Optional[str] = None,
                 option: str = "the dataset's ann_file") -> Optional[str]:
    """One line naming what is missing and the command that builds it, or
    None when the annotation file (and video folder, if any) exist.

    Args:
        ann_file (str): The annotation pickle.
        video_dir (str, optional): The folder of RGB clips, if read.
        option (str): How the user points the command at other data.
    """
    if not osp.isfile(ann_file):
        what = f'annotation file {ann_file} does not exist'
    elif video_dir and not osp.isdir(video_dir):
        what = f'video folder {video_dir} does not exist'
    else:
        return None
    return (f'{what}. Build it first: `{build_command(ann_file)}`, or use '
            f'your data ({option}).')


def check_config_data(cfg: Config) -> None:
    """Raise :class:`MissingDataError` if a data loader's files are missing.

    Args:
        cfg (Config): A train/test config (after ``--cfg-options``).
    """
    for loader, ann_file, video_dir in dataset_paths(cfg):
        message = missing_data(
            ann_file, video_dir,
            f'--cfg-options {loader}.dataset.ann_file=...')
        if message:
            raise MissingDataError(message)
