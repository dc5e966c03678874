"""Linear probes that check MiG-Synth's cue design before any deep model.

Each probe is a group of look-alike classes whose cue lives in one modality
by construction (``gestures.GESTURE_CLASSES``). A fresh, class-balanced
sample of the generator (train subjects to fit, val subjects to score; the
test split is never used) is described by three feature sets, and an
L2-regularised logistic regression on each says whether the cue is where
the spec puts it:

* ``rgb``: pixels around the person (the RGB pipeline's compact crop) at
  16x16, as colour strength (saturation x value: hue-free, so that a
  linear model can use a prop of any colour), maximum over 4 frames;
* ``skeleton``: per-joint mean and spread over time of all 137 keypoints,
  centred on the neck and scaled by the shoulder width;
* ``body``: the same for the 25 body joints only (no fingers, no face).

RGB-cue pairs should separate on ``rgb`` and sit at chance on both skeleton
sets; finger/face groups should separate on ``skeleton`` and not on
``body``.
"""
import json
import os.path as osp
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Tuple

import cv2
import numpy as np
import torch

from .body import NECK, SHOULDERS
from .generate import (CLASS_NAMES, Subject, make_subjects, synthesize_clip)
from .render import render_frames

BODY_JOINTS = 25
PIXELS = 16
PADDING = 0.25
RGB_FRAMES = 4


@dataclass(frozen=True)
class Probe:
    """Look-alike classes and the feature set meant to tell them apart.

    Attributes:
        classes (tuple[str, ...]): Class names.
        cue (str): The feature set that should separate them.
    """
    classes: Tuple[str, ...]
    cue: str


PROBES = (
    Probe(('touch hat', 'play hair'), 'rgb'),
    Probe(('play things', 'rub hand'), 'rgb'),
    Probe(('rub hand', 'cross finger', 'minaret hand'), 'skeleton'),
    Probe(('touch chin', 'bite nails'), 'skeleton'),
)


def rgb_features(annotation: dict, frames: np.ndarray) -> np.ndarray:
    """Colour strength (HSV saturation x value, [0, 1]) of the pixels in the
    visible keypoints' square box padded by a quarter (MMCompact's crop),
    16x16, the maximum over the frames: (256,)."""
    keypoint = annotation['keypoint'][0]
    seen = annotation['keypoint_score'][0] > 0
    low, high = keypoint[seen].min(0), keypoint[seen].max(0)
    center, half = (low + high) / 2, (high - low).max() / 2 * (1 + PADDING)
    height, width = frames.shape[1:3]
    x0, y0 = np.clip(np.floor(center - half), 0, [width - 1, height - 1])
    x1, y1 = np.clip(np.ceil(center + half), [x0 + 1, y0 + 1],
                     [width, height])
    strength = []
    for frame in frames[:, int(y0):int(y1), int(x0):int(x1)]:
        hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV).astype(np.float32)
        strength.append(cv2.resize(hsv[..., 1] * hsv[..., 2] / 255**2,
                                   (PIXELS, PIXELS),
                                   interpolation=cv2.INTER_AREA))
    return np.max(strength, 0).ravel()


def skeleton_features(annotation: dict, num_joints: int) -> np.ndarray:
    """Per-joint mean and std over time of normalised keypoints (missed
    joints count as the neck)."""
    keypoint = annotation['keypoint'][0, :, :num_joints].astype(np.float64)
    score = annotation['keypoint_score'][0, :, :num_joints]
    whole = annotation['keypoint'][0]
    neck = whole[:, NECK]
    scale = np.linalg.norm(whole[:, SHOULDERS[0]] - whole[:, SHOULDERS[1]],
                           axis=-1).mean() + 1e-6
    normalised = np.where(score[..., None] > 0, keypoint - neck[:, None],
                          0) / scale
    return np.concatenate([normalised.mean(0).ravel(),
                           normalised.std(0).ravel()])


FEATURES: Dict[str, Callable] = {
    'rgb': rgb_features,
    'skeleton': lambda ann, frames: skeleton_features(ann, ann['keypoint']
                                                      .shape[2]),
    'body': lambda ann, frames: skeleton_features(ann, BODY_JOINTS),
}


def probe_sample(seed: int, clips_per_class: int, num_frames: int,
                 num_subjects: int, video_size: Tuple[int, int]
                 ) -> Dict[str, List[Tuple[int, Dict[str, np.ndarray]]]]:
    """Fresh clips of the probed classes: split -> [(label, features)]."""
    subjects = make_subjects(seed, num_subjects, video_size)
    by_split = {s: [x for x in subjects if x.split == s]
                for s in ('train', 'val')}
    labels = sorted({CLASS_NAMES.index(c) for p in PROBES for c in p.classes})
    rng = np.random.default_rng([seed, 7])
    sample = {split: [] for split in by_split}
    times = np.linspace(0, num_frames - 1, RGB_FRAMES).round()
    index = 1_000_000  # clip seeds apart from any dataset build's
    for split, members in by_split.items():
        for label in labels:
            for _ in range(clips_per_class):
                subject: Subject = members[rng.integers(len(members))]
                annotation, pose, props = synthesize_clip(
                    seed, index, label, subject, num_frames, video_size)
                frames = render_frames(pose, subject.look, props, times)
                sample[split].append((label, {
                    name: feature(annotation, frames)
                    for name, feature in FEATURES.items()
                }))
                index += 1
    return sample


def fit_and_score(train_x: np.ndarray, train_y: np.ndarray,
                  val_x: np.ndarray, val_y: np.ndarray,
                  weight_decay: float = 1e-2) -> float:
    """Val accuracy of an L2-regularised logistic regression (LBFGS)."""
    mean, std = train_x.mean(0), train_x.std(0) + 1e-6
    x = torch.as_tensor((train_x - mean) / std, dtype=torch.float64)
    classes, y = np.unique(train_y, return_inverse=True)
    y = torch.as_tensor(y)
    linear = torch.nn.Linear(x.shape[1], len(classes), dtype=torch.float64)
    optimizer = torch.optim.LBFGS(linear.parameters(), max_iter=200,
                                  line_search_fn='strong_wolfe')

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(linear(x), y) + (
            weight_decay * linear.weight.square().sum())
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        val = torch.as_tensor((val_x - mean) / std, dtype=torch.float64)
        predicted = classes[linear(val).argmax(1).numpy()]
    return float((predicted == val_y).mean())


def run_probes(seed: int = 0, clips_per_class: int = 24,
               num_frames: int = 48, num_subjects: int = 24,
               video_size: Tuple[int, int] = (128, 128)) -> List[dict]:
    """Val accuracy of every probe on every feature set.

    Returns:
        list[dict]: One row per probe and feature set: ``classes``, ``cue``,
        ``features``, ``accuracy``, ``chance``.
    """
    sample = probe_sample(seed, clips_per_class, num_frames, num_subjects,
                          video_size)
    rows = []
    for probe in PROBES:
        wanted = {CLASS_NAMES.index(c) for c in probe.classes}
        for name in FEATURES:
            split = {s: [(y, f[name]) for y, f in clips if y in wanted]
                     for s, clips in sample.items()}
            x, y = ({s: np.stack([f for _, f in v]) for s, v in split.items()},
                    {s: np.array([y for y, _ in v]) for s, v in split.items()})
            rows.append(dict(
                classes=list(probe.classes), cue=probe.cue, features=name,
                accuracy=fit_and_score(x['train'], y['train'], x['val'],
                                       y['val']),
                chance=1 / len(probe.classes)))
    return rows


def probe_markdown(rows: Sequence[dict]) -> str:
    """The probe table; the cue's own feature set in bold."""
    lines = ['| classes | cue by construction | features | val accuracy | '
             'chance |', '|---|---|---|---|---|']
    for row in rows:
        accuracy = f"{100 * row['accuracy']:.0f} %"
        if row['features'] == row['cue']:
            accuracy = f'**{accuracy}**'
        lines.append(f"| {' / '.join(row['classes'])} | {row['cue']} | "
                     f"{row['features']} | {accuracy} | "
                     f"{100 * row['chance']:.0f} % |")
    return '\n'.join(lines)


def write_probes(out_dir: str, rows: Sequence[dict]) -> str:
    """Write ``probe.json`` and ``probe.md`` into ``out_dir``."""
    with open(osp.join(out_dir, 'probe.json'), 'w') as f:
        json.dump(rows, f, indent=1)
    path = osp.join(out_dir, 'probe.md')
    with open(path, 'w') as f:
        f.write('# MiG-Synth cue probes (linear, val subjects)\n\n'
                + probe_markdown(rows) + '\n')
    return path
