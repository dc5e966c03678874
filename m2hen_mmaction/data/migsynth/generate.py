"""MiG-Synth: the embedded, procedurally generated micro-gesture dataset.

``build_migsynth(out_dir)`` writes, deterministically from ``seed``::

    out_dir/migsynth.pkl        MMAction2 PoseDataset pickle (openpose137)
    out_dir/videos/<frame_dir>.mp4
    out_dir/classes.txt         one class name per line, label order
    out_dir/stats.json          per-class / per-split counts, subjects
    out_dir/README.md           what each class looks like, which cue
    out_dir/build_args.json     cache key, written last

Seated upper bodies (``migsynth_body``) perform 16 iMiGUE-named classes
(``migsynth_gestures``); the train split is long-tailed like iMiGUE's, val
and test are class-balanced (v2); subjects differ in size, position, tempo,
appearance and detector noise; splits are cross-subject. See the generated
README for the cue of each class.
"""
import json
import os
import os.path as osp
import pickle
import shutil
import time
import warnings
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from m2hen_mmaction.evaluation.bootstrap import worst_case_half_width
from m2hen_mmaction.grouping.parts import split_parts

from .body import BodyTraits, HIP_DEPTH, detect, pose_pixels
from .gestures import GESTURE_CLASSES, GestureClass, animate_clip
from .render import Look, make_look, make_props, write_video

GENERATOR_VERSION = 2
LAYOUT = 'openpose137'
PKL_NAME = 'migsynth.pkl'
SPLITS = ('train', 'val', 'test')
TRAIN_HEAD_TAIL_RATIO = 40.0
DOMINANT_HAND_RATE = 0.8
NUM_CLASSES = len(GESTURE_CLASSES)
CLASS_NAMES = tuple(g.name for g in GESTURE_CLASSES)
# The report's claims compare class-average accuracies of two rows by a 95 %
# bootstrap interval over test clips; the default test split resolves this
# difference in the worst case (:func:`worst_case_half_width`).
RESOLVED_DIFFERENCE = 0.05


def min_test_per_class(num_classes: int = NUM_CLASSES,
                       difference: float = RESOLVED_DIFFERENCE) -> int:
    """Fewest test clips per class whose worst-case 95 % half-width of a
    class-average difference is at most ``difference`` (49 for 16 classes
    and 5 points)."""
    clips = 1
    while worst_case_half_width([clips] * num_classes) > difference:
        clips += 1
    return clips


@dataclass(frozen=True, eq=False)
class Subject:
    """One synthetic person.

    Attributes:
        index (int): Subject id.
        split (str): 'train', 'val' or 'test'.
        body (BodyTraits): Size, position, tempo, detector noise.
        look (Look): Appearance.
    """
    index: int
    split: str
    body: BodyTraits
    look: Look


def train_class_counts(train_clips: int,
                       head_tail_ratio: float = TRAIN_HEAD_TAIL_RATIO
                       ) -> np.ndarray:
    """Training clips per frequency rank: a geometric curve, head to tail.

    Counts fall by a constant factor per rank so that the head class has
    ``head_tail_ratio`` times the clips of the tail class; every class keeps
    at least one clip (the curve is scaled down to pay for it).

    Args:
        train_clips (int): Total training clips (>= the number of classes).
        head_tail_ratio (float): Head / tail count ratio before rounding.

    Returns:
        np.ndarray: int64 (num_classes,), descending, summing to train_clips.
    """
    weights = head_tail_ratio**(-np.arange(NUM_CLASSES) / (NUM_CLASSES - 1))
    low, high = 0.0, float(train_clips / weights.min())
    for _ in range(60):  # scale of the curve above the one-clip minimum
        mid = (low + high) / 2
        total = np.maximum(1, mid * weights).sum()
        low, high = (low, mid) if total > train_clips else (mid, high)
    exact = np.maximum(1, low * weights)
    counts = np.floor(exact).astype(np.int64)
    remainder_order = np.argsort(counts - exact, kind='stable')
    counts[remainder_order[:train_clips - counts.sum()]] += 1
    return counts


def split_sizes(num_subjects: int) -> Dict[str, int]:
    """Subjects per split: about 20 % test, 1/6 val, the rest train."""
    test = max(1, round(num_subjects / 5))
    val = max(1, round(num_subjects / 6))
    return dict(train=num_subjects - test - val, val=val, test=test)


def make_subjects(seed: int, num_subjects: int,
                  video_size: Tuple[int, int]) -> List[Subject]:
    """Subjects with random bodies, looks and a cross-subject split."""
    order = np.random.default_rng([seed, 0]).permutation(num_subjects)
    sizes = split_sizes(num_subjects)
    split_of = {}
    start = 0
    for split in ('test', 'val', 'train'):
        for index in order[start:start + sizes[split]]:
            split_of[int(index)] = split
        start += sizes[split]
    return [_make_subject(seed, i, split_of[i], video_size)
            for i in range(num_subjects)]


def _make_subject(seed: int, index: int, split: str,
                  video_size: Tuple[int, int]) -> Subject:
    rng = np.random.default_rng([seed, 1, index])
    height, width = video_size
    unit = 0.34 * min(height, width) * rng.uniform(0.82, 1.12)
    neck = (width * (0.5 + rng.uniform(-0.1, 0.1)),
            height * rng.uniform(0.36, 0.42))
    body = BodyTraits(
        unit_px=unit,
        neck_px=neck,
        speed=float(np.exp(rng.uniform(np.log(0.7), np.log(1.4)))),
        jitter=rng.uniform(0.008, 0.03),
        drop_rates=(rng.uniform(0, 0.03), rng.uniform(0.01, 0.06),
                    rng.uniform(0.02, 0.12)),
        hand_drop_rate=rng.uniform(0, 0.15),
        score_bias=rng.normal(scale=0.05),
        dominant_side=int(rng.random() > DOMINANT_HAND_RATE),
        style=tuple(rng.normal(scale=0.04, size=2)))
    table_top = neck[1] + (HIP_DEPTH - 0.05) * unit
    return Subject(index, split, body, make_look(rng, video_size, table_top))


def plan_clips(seed: int, subjects: Sequence[Subject], train_clips: int,
               val_per_class: int,
               test_per_class: int) -> List[Tuple[int, int]]:
    """(label, subject) of every clip, in a shuffled order.

    Train is long-tailed (:func:`train_class_counts` by each class's
    frequency rank); val and test hold ``val_per_class`` and
    ``test_per_class`` clips of every class. Each clip goes to a random
    subject of its split.
    """
    rng = np.random.default_rng([seed, 2])
    counts = train_class_counts(train_clips)
    members = {s: [x.index for x in subjects if x.split == s] for s in SPLITS}
    plan = []
    for label, gesture in enumerate(GESTURE_CLASSES):
        per_split = dict(train=counts[gesture.frequency_rank],
                         val=val_per_class, test=test_per_class)
        for split, number in per_split.items():
            plan += [(label, int(i))
                     for i in rng.choice(members[split], number)]
    return [plan[i] for i in rng.permutation(len(plan))]


def synthesize_clip(seed: int, index: int, label: int, subject: Subject,
                    num_frames: int, video_size: Tuple[int, int]):
    """Animate, detect and dress one clip.

    Returns:
        tuple[dict, Pose, Props]: the PoseDataset annotation, the
        noise-free pose to render and the clip's props.
    """
    rng = np.random.default_rng([seed, 3, index])
    gesture: GestureClass = GESTURE_CLASSES[label]
    body = subject.body
    side = body.dominant_side
    if rng.random() > DOMINANT_HAND_RATE:
        side = 1 - side
    motion = animate_clip(gesture, rng, num_frames,
                          body.speed * rng.uniform(0.85, 1.15), side,
                          body.style)
    pose = pose_pixels(motion, body)
    keypoint, score = detect(pose, motion, body, rng, video_size)
    props = make_props(rng, gesture.hat_rate, gesture.holds_object,
                       video_size, subject.look.table_top, body.unit_px)
    annotation = dict(
        frame_dir=f's{subject.index:02d}_{index:04d}',
        label=label,
        img_shape=tuple(video_size),
        original_shape=tuple(video_size),
        total_frames=num_frames,
        keypoint=keypoint[None],
        keypoint_score=score[None],
        subject=subject.index)
    return annotation, pose, props


class TooFewTestClipsWarning(UserWarning):
    """The test split cannot resolve a 5-point class-average difference."""


def _check_args(train_clips: int, val_per_class: int, test_per_class: int,
                num_frames: int, num_subjects: int,
                video_size: Sequence[int], layout: str) -> Tuple[int, int]:
    if layout != LAYOUT:
        raise ValueError(f'MiG-Synth is generated in the {LAYOUT!r} layout '
                         f'only; got layout={layout!r}.')
    if train_clips < NUM_CLASSES:
        raise ValueError(f'train_clips={train_clips} leaves classes without a '
                         f'training clip; use train_clips >= {NUM_CLASSES}.')
    for split, number in (('val', val_per_class), ('test', test_per_class)):
        if number < 1:
            raise ValueError(f'{split}_per_class={number} leaves every class '
                             f'empty in {split}; use {split}_per_class >= 1.')
    if num_frames < 8:
        raise ValueError(f'num_frames={num_frames} is too short for a '
                         'gesture; use num_frames >= 8.')
    if num_subjects < len(SPLITS):
        raise ValueError(f'num_subjects={num_subjects}: cross-subject splits '
                         f'need >= {len(SPLITS)} subjects.')
    size = tuple(int(v) for v in video_size)
    if len(size) != 2 or min(size) < 64 or any(v % 2 for v in size):
        raise ValueError(f'video_size={tuple(video_size)} must be (height, '
                         'width), both even and >= 64.')
    if test_per_class < min_test_per_class():
        warnings.warn(
            f'MiG-Synth: test_per_class={test_per_class} is too few for the '
            "report's 95 % intervals to resolve a "
            f'{100 * RESOLVED_DIFFERENCE:.0f}-point class-average difference '
            f'(that needs >= {min_test_per_class()}); fine for smoke runs.',
            TooFewTestClipsWarning, stacklevel=3)
    return size


def generate_annotations(seed: int = 0,
                         train_clips: int = 600,
                         val_per_class: int = 12,
                         test_per_class: int = 50,
                         num_frames: int = 48,
                         num_subjects: int = 24,
                         video_size: Tuple[int, int] = (128, 128),
                         layout: str = LAYOUT) -> dict:
    """MiG-Synth skeletons without rendering videos.

    Gives exactly the ``split`` and ``annotations`` that
    :func:`build_migsynth` pickles for the same arguments.

    Returns:
        dict: ``dict(split=dict(train, val, test), annotations=[...])``.
    """
    size = _check_args(train_clips, val_per_class, test_per_class,
                       num_frames, num_subjects, video_size, layout)
    subjects = make_subjects(seed, num_subjects, size)
    plan = plan_clips(seed, subjects, train_clips, val_per_class,
                      test_per_class)
    annotations = [
        synthesize_clip(seed, i, label, subjects[s], num_frames, size)[0]
        for i, (label, s) in enumerate(plan)
    ]
    return _dataset(annotations, subjects)


def _dataset(annotations: List[dict], subjects: Sequence[Subject]) -> dict:
    split = {s: [] for s in SPLITS}
    for ann in annotations:
        split[subjects[ann['subject']].split].append(ann['frame_dir'])
    return dict(split=split, annotations=annotations)


def build_migsynth(out_dir: str,
                   seed: int = 0,
                   train_clips: int = 600,
                   val_per_class: int = 12,
                   test_per_class: int = 50,
                   num_frames: int = 48,
                   num_subjects: int = 24,
                   video_size: Tuple[int, int] = (128, 128),
                   force: bool = False,
                   progress: bool = True,
                   layout: str = LAYOUT) -> str:
    """Build MiG-Synth into ``out_dir`` unless an identical build is there.

    Args:
        out_dir (str): Output folder (created).
        seed (int): Everything is deterministic from it.
        train_clips (int): Training clips, long-tailed over the classes
            (head / tail about 40; >= 16: one per class).
        val_per_class (int): Validation clips of every class (>= 1).
        test_per_class (int): Test clips of every class (>= 1; fewer than
            :func:`min_test_per_class` warns: the report's intervals cannot
            resolve a 5-point class-average difference).
        num_frames (int): Frames per clip (25 fps).
        num_subjects (int): Persons; ~20 % test, 1/6 val, rest train.
        video_size (tuple[int, int]): (height, width) of the videos; the
            keypoints are in these pixels.
        force (bool): Rebuild even when ``build_args.json`` matches. A
            rebuild replaces ``out_dir/videos``.
        progress (bool): Show a progress bar and the elapsed time.
        layout (str): Joint layout; only ``'openpose137'``.

    Returns:
        str: Path of the annotation pickle.
    """
    size = _check_args(train_clips, val_per_class, test_per_class,
                       num_frames, num_subjects, video_size, layout)
    args = dict(generator_version=GENERATOR_VERSION, seed=seed,
                train_clips=train_clips, val_per_class=val_per_class,
                test_per_class=test_per_class, num_frames=num_frames,
                num_subjects=num_subjects, video_size=list(size),
                layout=layout)
    pkl_path = osp.join(out_dir, PKL_NAME)
    args_path = osp.join(out_dir, 'build_args.json')
    if not force and _is_built(out_dir, args):
        if progress:
            print(f'MiG-Synth is up to date in {out_dir} (seed={seed}).')
        return pkl_path
    start = time.perf_counter()
    video_dir = _fresh_video_dir(out_dir, args_path)
    subjects = make_subjects(seed, num_subjects, size)
    plan = plan_clips(seed, subjects, train_clips, val_per_class,
                      test_per_class)
    annotations = []
    for index, (label, subject) in enumerate(
            tqdm(plan, desc='MiG-Synth', unit='clip', disable=not progress)):
        annotation, pose, props = synthesize_clip(
            seed, index, label, subjects[subject], num_frames, size)
        write_video(osp.join(video_dir, annotation['frame_dir'] + '.mp4'),
                    pose, subjects[subject].look, props)
        annotations.append(annotation)
    dataset = _dataset(annotations, subjects)
    with open(pkl_path, 'wb') as f:
        pickle.dump(dataset, f, protocol=pickle.HIGHEST_PROTOCOL)
    _write_text(osp.join(out_dir, 'classes.txt'),
                '\n'.join(CLASS_NAMES) + '\n')
    stats = dataset_stats(dataset, subjects, args)
    _write_text(osp.join(out_dir, 'stats.json'), json.dumps(stats, indent=1))
    _write_text(osp.join(out_dir, 'README.md'), readme_text(stats))
    _write_text(args_path, json.dumps(args, indent=1))
    if progress:
        print(f'MiG-Synth: {len(plan)} clips in {out_dir} '
              f'({time.perf_counter() - start:.1f} s).')
    return pkl_path


def _is_built(out_dir: str, args: dict) -> bool:
    """Whether ``out_dir`` holds a complete build made with ``args``."""
    try:
        with open(osp.join(out_dir, 'build_args.json')) as f:
            built_with = json.load(f)
        num_videos = len(os.listdir(osp.join(out_dir, 'videos')))
    except (OSError, ValueError):
        return False
    num_clips = args['train_clips'] + NUM_CLASSES * (
        args['val_per_class'] + args['test_per_class'])
    return (built_with == args and num_videos == num_clips
            and osp.exists(osp.join(out_dir, PKL_NAME)))


def _fresh_video_dir(out_dir: str, args_path: str) -> str:
    """Invalidate an old build and return an empty ``videos`` folder."""
    os.makedirs(out_dir, exist_ok=True)
    if osp.exists(args_path):
        os.remove(args_path)
    video_dir = osp.join(out_dir, 'videos')
    shutil.rmtree(video_dir, ignore_errors=True)
    os.makedirs(video_dir)
    return video_dir


def _write_text(path: str, text: str) -> None:
    with open(path, 'w') as f:
        f.write(text)


def dataset_stats(dataset: dict, subjects: Sequence[Subject],
                  args: dict) -> dict:
    """Per-class and per-split counts of a built dataset (JSON-ready)."""
    split_of = {d: s for s, ids in dataset['split'].items() for d in ids}
    table = np.zeros((NUM_CLASSES, len(SPLITS)), np.int64)
    for ann in dataset['annotations']:
        table[ann['label'], SPLITS.index(split_of[ann['frame_dir']])] += 1
    totals = table.sum(1)
    classes = [
        dict(label=label, name=g.name, count=int(totals[label]),
             **{s: int(table[label, j]) for j, s in enumerate(SPLITS)},
             cue=g.cue, looks_like=g.looks_like)
        for label, g in enumerate(GESTURE_CLASSES)
    ]
    splits = {
        s: dict(clips=int(table[:, j].sum()),
                subjects=[x.index for x in subjects if x.split == s])
        for j, s in enumerate(SPLITS)
    }
    train = table[:, 0]
    return dict(build_args=args, num_classes=NUM_CLASSES,
                num_clips=int(totals.sum()),
                train_head_tail_ratio=round(float(train.max() / train.min()),
                                            2),
                parts=split_parts(table[:, 0]), classes=classes,
                splits=splits)


def readme_text(stats: dict) -> str:
    """The data folder's README: contents, class table, cues."""
    args = stats['build_args']
    height, width = args['video_size']
    rows = '\n'.join(
        f"| {c['label']} | {c['name']} | {c['count']} | {c['train']} / "
        f"{c['val']} / {c['test']} | {c['cue']} | {c['looks_like']} |"
        for c in sorted(stats['classes'], key=lambda c: -c['count']))
    splits = '\n'.join(
        f"- {s}: {v['clips']} clips, subjects {v['subjects']}"
        for s, v in stats['splits'].items())
    names = [c['name'] for c in stats['classes']]
    parts = '; '.join(
        f"{chr(ord('A') + i)}: " + ', '.join(names[c] for c in part)
        for i, part in enumerate(stats['parts']))
    return README_TEMPLATE.format(
        version=args['generator_version'], seed=args['seed'],
        num_clips=stats['num_clips'], num_frames=args['num_frames'],
        height=height, width=width, num_classes=stats['num_classes'],
        ratio=stats['train_head_tail_ratio'], val=args['val_per_class'],
        test=args['test_per_class'], rows=rows, splits=splits, parts=parts)


README_TEMPLATE = """# MiG-Synth (generator v{version}, seed {seed})

Synthetic micro-gesture data for testing the M2HEN pipeline end to end:
{num_clips} clips of {num_frames} frames (25 fps), {num_classes} classes named
after iMiGUE's, {height}x{width} RGB videos and OpenPose-137 skeletons
(body 25 + face 70 + left hand 21 + right hand 21, pixel coordinates).

- `migsynth.pkl`: MMAction2 PoseDataset pickle, `dict(split=dict(train, val,
  test), annotations=[dict(frame_dir, label, img_shape, original_shape,
  total_frames, keypoint (1, T, 137, 2), keypoint_score (1, T, 137),
  subject)])`; missed joints have x = y = score = 0, as OpenPose.
- `videos/<frame_dir>.mp4` (mp4v), `classes.txt` (label order), `stats.json`.

Long-tailed train split: counts fall geometrically from the head to the
tail class (head / tail = {ratio}), as in iMiGUE. Val and test are
class-balanced ({val} and {test} clips of every class), so per-class and
class-average accuracies are measured on equal footing. Splits are
cross-subject. Group-training parts (`split_parts` on the train counts,
ratio 0.2): {parts}.

Subjects differ in body size, position in the frame, tempo, handedness,
clothes, backdrop and detector noise (jitter, per-joint and whole-hand
misses, low scores). Every clip also carries distractor motion: breathing,
sway, head drift, blinks, sometimes talking, hats and cups on the table.

## Classes (by count) and where their cue lives

Look-alike groups are built on purpose: *touch hat* and *play hair* share one
skeleton generator (only the hat in the video differs), as do *play things*
and *rub hand* (only the held object differs); *rub hand*, *cross finger* and
*minaret hand* share one wrist distribution (only the fingers differ);
*touch chin* and *bite nails* share one (fingers and mouth differ); *bite
lip* is visible in the mouth keypoints only.

| label | class | clips | train / val / test | cue | looks like |
|---|---|---|---|---|---|
{rows}

## Splits

{splits}
"""
