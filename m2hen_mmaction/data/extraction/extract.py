"""Skeletons from any video with MediaPipe Holistic, as ``openpose137``.

Needs the optional extra ``pip install m2hen_mmaction[extract]``
(``mediapipe==0.10.14``). Its wheel ships the face, hand and the *full* pose
model, so ``model_complexity=1`` works offline; the lite (0) and heavy (2)
pose models are downloaded by MediaPipe on first use and fail offline.

Each frame's landmarks are mapped to OpenPose's 137 joints by
:mod:`m2hen_mmaction.data.extraction.mediapipe_to_openpose`; Holistic
tracks the most prominent person, so M = 1. :func:`extract_skeletons` writes
a PoseDataset pickle for a folder of videos; a video that cannot be decoded
or shows no person in any frame is reported and skipped, the batch goes on,
unless no video or more than ``max_skipped`` of them fails.
"""
import csv
import pickle
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple, Union

import numpy as np
from tqdm import tqdm

from m2hen_mmaction.data.common import (VIDEO_EXTENSIONS, ConversionReport,
                                        Problem, SampleError,
                                        check_max_skipped, check_skipped,
                                        clip_annotation, count_empty_frames,
                                        find_files, first_line, is_video,
                                        write_report)
from m2hen_mmaction.data.extraction.mediapipe_to_openpose import \
    holistic_to_openpose137
from m2hen_mmaction.errors import InputError, MissingDataError

POSE_MODEL_FILES = {0: 'pose_landmark_lite.tflite',
                    1: 'pose_landmark_full.tflite',
                    2: 'pose_landmark_heavy.tflite'}
LabelSpec = Union[Mapping[str, int], str, Path, None]
UNLABELLED = -1


def import_mediapipe():
    """Import mediapipe, or explain how to install it."""
    try:
        import mediapipe
    except ImportError as err:
        raise ImportError(
            f'Skeleton extraction needs MediaPipe ({err}): pip install '
            '"m2hen_mmaction[extract]" (mediapipe==0.10.14)') from None
    return mediapipe


def check_pose_model(model_complexity: int) -> None:
    """Fail early when the pose model of ``model_complexity`` is not local."""
    if model_complexity not in POSE_MODEL_FILES:
        raise ValueError(f'model_complexity must be 0, 1 or 2, got '
                         f'{model_complexity}')
    model = (Path(import_mediapipe().__file__).parent / 'modules' /
             'pose_landmark' / POSE_MODEL_FILES[model_complexity])
    if not model.is_file():
        raise FileNotFoundError(
            f'model_complexity={model_complexity} needs {model}, which '
            'MediaPipe downloads on first use (needs internet). Use '
            'model_complexity=1, whose model ships in the wheel, or place '
            'the file there.')


def _landmark_array(landmarks, with_visibility: bool) -> Optional[np.ndarray]:
    if landmarks is None:
        return None
    fields = ((lambda p: (p.x, p.y, p.visibility)) if with_visibility else
              (lambda p: (p.x, p.y)))
    return np.array([fields(p) for p in landmarks.landmark], np.float32)


class HolisticExtractor:
    """MediaPipe Holistic on single RGB frames, mapped to ``openpose137``.

    Use one extractor per video (it tracks across frames); it is a context
    manager that frees the MediaPipe graph.

    Args:
        model_complexity (int): Pose model 0 (lite), 1 (full) or 2 (heavy).
        refine_face_landmarks (bool): Adds iris landmarks (pupils).
        min_detection_confidence (float): Person detection threshold.
        min_tracking_confidence (float): Landmark tracking threshold.
    """

    def __init__(self, model_complexity: int = 1,
                 refine_face_landmarks: bool = True,
                 min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5):
        check_pose_model(model_complexity)
        holistic = import_mediapipe().solutions.holistic
        self._holistic = holistic.Holistic(
            model_complexity=model_complexity,
            refine_face_landmarks=refine_face_landmarks,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence)

    def __call__(self, frame: np.ndarray) -> Optional[np.ndarray]:
        """Landmarks of one frame.

        Args:
            frame (np.ndarray): uint8 RGB image (H, W, 3).

        Returns:
            np.ndarray | None: float32 (137, 3) ``(x, y, c)`` in pixels, or
            None when no person was found.
        """
        result = self._holistic.process(np.ascontiguousarray(frame))
        if result.pose_landmarks is None and result.face_landmarks is None:
            return None
        return holistic_to_openpose137(
            _landmark_array(result.pose_landmarks, True),
            _landmark_array(result.face_landmarks, False),
            _landmark_array(result.left_hand_landmarks, False),
            _landmark_array(result.right_hand_landmarks, False),
            frame.shape[:2])

    def close(self) -> None:
        self._holistic.close()

    def __enter__(self) -> 'HolisticExtractor':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def extract_video(video_path: Union[str, Path], stride: int = 1,
                  progress: bool = False, **extractor_args
                  ) -> Tuple[np.ndarray, Tuple[int, int]]:
    """Run Holistic on every ``stride``-th frame of a video.

    Args:
        video_path (str | Path): Any video decord can read.
        stride (int): Frame step.
        progress (bool): Show a per-frame progress bar.
        **extractor_args: Passed to :class:`HolisticExtractor`.

    Returns:
        tuple: float32 (1, T, 137, 3) skeleton (person-less frames are
        zeros) and the frame shape ``(height, width)``.
    """
    import decord
    try:
        reader = decord.VideoReader(str(video_path), num_threads=1)
        indices = range(0, len(reader), stride)
        shape = tuple(reader[0].shape[:2])
    except (RuntimeError, IndexError, decord.DECORDError) as err:
        raise SampleError(f'cannot decode {Path(video_path).name} '
                          f'({first_line(err)}); re-encode it (e.g. with '
                          'ffmpeg)') from None
    skeleton = np.zeros((1, len(indices), 137, 3), np.float32)
    with HolisticExtractor(**extractor_args) as extractor:
        for t, index in enumerate(tqdm(indices, desc=Path(video_path).name,
                                       unit='frame', leave=False,
                                       disable=not progress)):
            try:
                frame = reader[index].asnumpy()
            except (RuntimeError, decord.DECORDError) as err:
                raise SampleError(f'decoding frame {index} of '
                                  f'{Path(video_path).name} failed '
                                  f'({first_line(err)})') from None
            joints = extractor(frame)
            if joints is not None:
                skeleton[0, t] = joints
    return skeleton, shape


def load_labels(labels: LabelSpec) -> Dict[str, int]:
    """A ``video stem -> class index`` map from a mapping or a csv file."""
    if labels is None:
        return {}
    if isinstance(labels, Mapping):
        return {str(k): int(v) for k, v in labels.items()}
    with open(labels, newline='') as f:
        rows = [row for row in csv.reader(f) if len(row) >= 2]
    try:
        return {row[0].strip(): int(row[1]) for row in rows}
    except ValueError as err:
        raise InputError(f'labels file {labels}: rows must be '
                         f'"video,label" with an integer label ({err})'
                         ) from None


def extract_skeletons(video_dir: Union[str, Path],
                      out_pkl: Union[str, Path],
                      labels: LabelSpec = None,
                      split: str = 'test',
                      stride: int = 1,
                      model_complexity: int = 1,
                      refine_face_landmarks: bool = True,
                      max_skipped: float = 0.5,
                      progress: bool = True) -> ConversionReport:
    """Extract ``openpose137`` skeletons for every video under a folder.

    Args:
        video_dir (str | Path): Searched recursively, symlinked folders
            included, for videos (``.mp4 .avi .mkv .mov .webm .m4v``);
            ``frame_dir`` = file stem.
        out_pkl (str | Path): The PoseDataset pickle to write; the report
            goes to ``conversion_report.txt`` beside it.
        labels (Mapping | str | Path | None): ``stem -> class index`` or a
            csv of ``stem,label`` rows; unlabelled videos get label -1
            (inference only) and a warning.
        split (str): The split all samples are listed under.
        stride (int): Frame step (keep every ``stride``-th frame).
        model_complexity (int): Pose model; 1 works offline.
        refine_face_landmarks (bool): Use iris landmarks for the pupils.
        max_skipped (float): Fail, writing no pickle, when more than this
            fraction of the videos is skipped or none gives a skeleton.
        progress (bool): Show progress bars.

    Returns:
        ConversionReport: Files written and per-video problems.

    Raises:
        ConversionError: No skeleton extracted, or more than
            ``max_skipped`` of the videos skipped.
    """
    root = Path(video_dir)
    videos = find_files(root, is_video) if root.is_dir() else []
    if not videos:
        raise MissingDataError(f'no videos ({", ".join(VIDEO_EXTENSIONS)}) '
                                f'under {root}')
    check_max_skipped(max_skipped)
    check_pose_model(model_complexity)
    label_of = load_labels(labels)
    out_pkl = Path(out_pkl)
    report = ConversionReport('MediaPipe Holistic', out_pkl.parent)
    annotations, seen = [], set()
    for video in tqdm(videos, desc='extracting skeletons', unit='video',
                      disable=not progress):
        try:
            if video.stem in seen:
                raise SampleError(f'another video is also named {video.stem}'
                                  '; rename one (frame_dir = file stem)')
            skeleton, shape = extract_video(
                video, stride, progress, model_complexity=model_complexity,
                refine_face_landmarks=refine_face_landmarks)
            ann = clip_annotation(video.stem,
                                  label_of.get(video.stem, UNLABELLED),
                                  skeleton, shape)
        except SampleError as err:
            report.errors.append(Problem(video.name, str(err)))
            continue
        annotations.append(ann)
        seen.add(video.stem)
        _warn_about(ann, report)
    _write(report, annotations, out_pkl, split, max_skipped)
    return report


def _warn_about(ann: dict, report: ConversionReport) -> None:
    empty = count_empty_frames(ann)
    if empty:
        report.warnings.append(Problem(ann['frame_dir'], (
            f'no person in {empty} of {ann["total_frames"]} frames (kept '
            'with c = 0)')))
    if ann['label'] == UNLABELLED:
        report.warnings.append(Problem(ann['frame_dir'], (
            'no label given: label -1 (usable for inference only)')))


def _write(report: ConversionReport, annotations: list, out_pkl: Path,
           split: str, max_skipped: float) -> None:
    check_skipped(report, len(annotations), max_skipped)
    out_pkl.parent.mkdir(parents=True, exist_ok=True)
    ids = sorted(ann['frame_dir'] for ann in annotations)
    with open(out_pkl, 'wb') as f:
        pickle.dump(dict(split={split: ids}, annotations=annotations), f)
    report.summary = dict(totals={split: len(ids)})
    report.files['annotations'] = out_pkl
    write_report(report)
