"""Read raw OpenPose JSON output as ``openpose137`` skeletons.

OpenPose (``--face --hand --write_json``) writes one file per frame,
``<video>_<frame:012d>_keypoints.json``, whose ``people[i]`` hold flat
``pose_keypoints_2d`` (BODY_25), ``face_keypoints_2d`` (70),
``hand_left_keypoints_2d`` and ``hand_right_keypoints_2d`` (21 each) lists of
``x, y, c``. An empty list (part not requested or not found) reads as zeros.

:func:`convert_openpose_json` converts a tree of such folders, one folder per
long video plus its ``<id>_label.csv``, with the long-video pipeline of
:mod:`m2hen_mmaction.data.releases.long_videos` (the MiGA 2025 converter's
splits, RGB cutting, report and outputs).
"""
import json
import re
from pathlib import Path
from typing import List, Optional, Tuple, Union

import numpy as np

from m2hen_mmaction.data.common import (ConversionReport, SampleError,
                                        find_files)
from m2hen_mmaction.data.releases.common import ConvertOptions
from m2hen_mmaction.data.releases.long_videos import (VideoSource,
                                                      convert_long_videos)
from m2hen_mmaction.data.releases.splits import release_split_of
from m2hen_mmaction.errors import MissingDataError

PART_KEYS = (('pose_keypoints_2d', 25), ('face_keypoints_2d', 70),
             ('hand_left_keypoints_2d', 21), ('hand_right_keypoints_2d', 21))
NUM_JOINTS = sum(count for _, count in PART_KEYS)
BODY_JOINTS = PART_KEYS[0][1]


def person_joints(person: dict, source: str) -> np.ndarray:
    """One ``people[i]`` entry as float32 (137, 3) ``(x, y, c)``.

    Raises:
        SampleError: A part has the wrong number of values (e.g. the COCO-18
            body model), which holds for the whole video.
    """
    parts = []
    for key, count in PART_KEYS:
        try:
            values = np.asarray(person.get(key) or np.zeros(count * 3),
                                np.float32)
        except (TypeError, ValueError) as err:
            raise SampleError(f'{source}: {key} is not a list of numbers '
                              f'({err})') from None
        if values.size != count * 3:
            hint = (' (COCO-18 body: rerun OpenPose with --model_pose '
                    'BODY_25)' if key == PART_KEYS[0][0] else '')
            raise SampleError(f'{source}: {key} has {values.size} values, '
                              f'expected {count * 3}{hint}')
        parts.append(values.reshape(count, 3))
    return np.concatenate(parts)


def read_people(path: Path) -> list:
    """The ``people`` list of one frame file.

    Raises:
        SampleError: The file cannot be read or parsed (e.g. truncated).
    """
    try:
        people = json.loads(Path(path).read_text())['people']
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise SampleError(f'{Path(path).name} ({type(err).__name__}: {err})'
                          ) from None
    if not isinstance(people, list):
        raise SampleError(f'{Path(path).name}: "people" is not a list')
    return people


def frame_joints(people: list, source: str, max_persons: int = 1
                 ) -> np.ndarray:
    """Keep the ``max_persons`` most confident people of one frame.

    People are ranked by the sum of their body-joint confidences.

    Returns:
        np.ndarray: float32 (max_persons, 137, 3); missing people are zeros.
    """
    joints = [person_joints(person, source) for person in people]
    joints.sort(key=lambda j: -float(j[:BODY_JOINTS, 2].sum()))
    frame = np.zeros((max_persons, NUM_JOINTS, 3), np.float32)
    for index, person in enumerate(joints[:max_persons]):
        frame[index] = person
    return frame


def frame_number(path: Path) -> Optional[int]:
    """The frame index in an OpenPose file name (its last digit run)."""
    numbers = re.findall(r'\d+', path.stem)
    return int(numbers[-1]) if numbers else None


def read_openpose_json_folder(folder: Union[str, Path], max_persons: int = 1
                              ) -> Tuple[np.ndarray, List[str]]:
    """Read a folder of per-frame OpenPose JSON files.

    Frames are placed by the number in their file name (counted from the
    smallest); numbers that are missing, and frame files that cannot be
    parsed, become person-less frames and are counted in the notes.

    Args:
        folder (str | Path): Folder with one ``*.json`` per frame.
        max_persons (int): People kept per frame (M).

    Returns:
        tuple: float32 (M, T, 137, 3) skeleton and a list of notes.
    """
    files = sorted(Path(folder).glob('*.json'))
    numbers = [frame_number(path) for path in files]
    if None in numbers:
        numbers = list(range(len(files)))
    first = min(numbers)
    skeleton = np.zeros((max(numbers) - first + 1, max_persons, NUM_JOINTS,
                         3), np.float32)
    unreadable = []
    for path, number in zip(files, numbers):
        try:
            people = read_people(path)
        except SampleError as err:
            unreadable.append(str(err))
            continue
        skeleton[number - first] = frame_joints(people, path.name,
                                                max_persons)
    notes = []
    if unreadable:
        notes.append(f'{len(unreadable)} frame files unreadable, treated as '
                     f'frames with no person; first: {unreadable[0]}')
    missing = len(skeleton) - len(files)
    if missing:
        notes.append(f'{missing} frame numbers have no file: treated as '
                     'frames with no person')
    return skeleton.transpose(1, 0, 2, 3), notes


def find_json_folders(root: Path) -> List[Path]:
    """Every folder under ``root`` holding ``*.json`` files (symlinked
    folders followed)."""
    return sorted({path.parent for path in
                   find_files(root, lambda name: name.endswith('.json'))})


def convert_openpose_json(src_dir: Union[str, Path],
                          out_dir: Union[str, Path],
                          options: Optional[ConvertOptions] = None,
                          label_dir: Union[str, Path, None] = None,
                          video_dir: Union[str, Path, None] = None,
                          frame_base: int = 0,
                          max_persons: int = 1) -> ConversionReport:
    """Convert folders of OpenPose JSON frames + label csv files.

    Args:
        src_dir (str | Path): Searched recursively; each folder holding
            ``*.json`` frames is one long video whose id is the folder name.
            A ``train``/``val``/``test`` folder above it gives the split.
        out_dir (str | Path): Output folder.
        options (ConvertOptions | None): Splits, image size, seed,
            ``max_skipped``, progress; None: the defaults.
        label_dir (str | Path | None): Folder of ``<id>_label.csv`` files;
            default: inside the video's folder or beside it.
        video_dir (str | Path | None): Long RGB videos to cut clips from.
        frame_base (int): Index of the first frame in the label csv.
        max_persons (int): People kept per frame, most confident first.

    Returns:
        ConversionReport: Files written, summary and every problem met.
    """
    root = Path(src_dir)
    folders = find_json_folders(root) if root.is_dir() else []
    if not folders:
        raise MissingDataError(f'no folder of OpenPose *.json frames under '
                                f'{root}; point src_dir at the JSON output')
    videos = []
    for folder in folders:
        label_file = _label_file(folder, label_dir)
        videos.append(VideoSource(
            folder.name,
            lambda folder=folder: read_openpose_json_folder(folder,
                                                            max_persons),
            label_file, release_split_of(folder, root)))
    return convert_long_videos(videos, out_dir, 'OpenPose JSON',
                               options or ConvertOptions(), video_dir,
                               frame_base)


def _label_file(folder: Path, label_dir) -> Optional[Path]:
    name = f'{folder.name}_label.csv'
    places = [Path(label_dir)] if label_dir else [folder, folder.parent]
    for place in places:
        if (place / name).is_file():
            return place / name
    return None
