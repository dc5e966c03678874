"""Gaussian pose heatmaps (paper Eq. 1): one implementation, numpy and torch.

``J(i, j) = exp(-((i - x)^2 + (j - y)^2) / (2 sigma^2)) * c``

The rules are those of MMAction2's ``GeneratePoseTarget``, reproduced
exactly: each joint (or limb) is drawn only inside a window that reaches
``3 sigma`` beyond it (bounds truncated towards zero, clipped to the
canvas), entries with confidence ``< EPS`` are skipped, a limb shorter than
one pixel is drawn as its start joint, and overlapping persons/joints are
merged with ``max``.

Instead of looping over frames, persons and joints, every (frame, person,
joint-or-limb) is an *item*. Items are grouped by window size; each group is
evaluated as one ``(n, h, w)`` array of patches and max-scattered into a flat
output buffer. The same code runs on numpy arrays (the CPU transform) and on
torch tensors (the on-device data preprocessor).

Keypoints travel as a *record*: float32 ``(..., M, V, 6)`` holding, per
joint, :data:`RECORD_FIELDS`: coordinates already scaled to the heatmap,
the confidence already clipped to [0, 1], whether the frame is drawn
mirrored (0/1), and the frame's canvas height and width.
"""
from dataclasses import dataclass
from typing import Dict, Sequence, Tuple

import numpy as np
import torch

EPS = 1e-4  # MMAction2's threshold below which nothing is drawn
RECORD_FIELDS = ('x', 'y', 'score', 'mirrored', 'height', 'width')
Pair = Tuple[int, int]


class _NumpyOps:
    """The few operations whose numpy and torch spellings differ."""
    xp = np

    @staticmethod
    def arange(size, like):
        return np.arange(size, dtype=like.dtype)

    @staticmethod
    def int_array(values, like):
        return np.asarray(values, dtype=np.int64)

    @staticmethod
    def to_index(array):
        return array.astype(np.int64)

    @staticmethod
    def cat(arrays):
        return np.concatenate(arrays)

    @staticmethod
    def flatnonzero(mask):
        return np.flatnonzero(mask)

    @staticmethod
    def scatter_max(out, index, values):
        np.maximum.at(out, index, values)


class _TorchOps:
    xp = torch

    @staticmethod
    def arange(size, like):
        return torch.arange(size, dtype=like.dtype, device=like.device)

    @staticmethod
    def int_array(values, like):
        return torch.as_tensor(
            np.asarray(values), dtype=torch.int64, device=like.device)

    @staticmethod
    def to_index(array):
        return array.long()

    @staticmethod
    def cat(arrays):
        return torch.cat(arrays)

    @staticmethod
    def flatnonzero(mask):
        return torch.nonzero(mask).squeeze(1)

    @staticmethod
    def scatter_max(out, index, values):
        out.scatter_reduce_(0, index, values, reduce='amax')


def _ops(array):
    return _TorchOps if isinstance(array, torch.Tensor) else _NumpyOps


def flip_permutation(num_channels: int, pairs: Sequence[Pair]) -> np.ndarray:
    """Channel permutation that swaps each (left, right) pair.

    Args:
        num_channels (int): Number of channels C.
        pairs (Sequence[tuple[int, int]]): Channel pairs to swap.

    Returns:
        np.ndarray: int64 (C,).
    """
    permutation = np.arange(num_channels)
    used = [index for pair in pairs for index in pair]
    if used and max(used) >= num_channels:
        raise ValueError(f'Flip pair index {max(used)} is out of range for '
                         f'{num_channels} channels: check left_kp/right_kp '
                         '(left_limb/right_limb) against the keypoints.')
    for left, right in pairs:
        permutation[left] = right
        permutation[right] = left
    return permutation


@dataclass(frozen=True)
class HeatmapSpec:
    """How heatmaps are drawn (everything but the keypoints).

    Args:
        sigma (float): Gaussian sigma in heatmap pixels.
        with_kp (bool): Draw one channel per joint.
        limbs (tuple[tuple[int, int]]): Joint pairs drawn as segments, one
            channel each, after the joint channels. Empty to draw no limbs.
        kp_pairs (tuple[tuple[int, int]]): Joint channels swapped in
            mirrored frames.
        limb_pairs (tuple[tuple[int, int]]): Limb channels (indices into
            ``limbs``) swapped in mirrored frames.
    """
    sigma: float
    with_kp: bool
    limbs: Tuple[Pair, ...]
    kp_pairs: Tuple[Pair, ...]
    limb_pairs: Tuple[Pair, ...]

    def num_channels(self, num_joints: int) -> int:
        return num_joints * self.with_kp + len(self.limbs)

    def mirror_channels(self, num_joints: int) -> np.ndarray:
        """Channel each channel moves to in a mirrored frame, int64 (C,)."""
        kp_channels = num_joints * self.with_kp
        return np.concatenate([
            flip_permutation(kp_channels, self.kp_pairs),
            flip_permutation(len(self.limbs), self.limb_pairs) + kp_channels
        ])


Columns = Dict[str, object]


def _select(columns: Columns, mask) -> Columns:
    index = _ops(mask).flatnonzero(mask)
    return {name: column[index] for name, column in columns.items()}


def _gather_items(records, spec: HeatmapSpec) -> Columns:
    """Every (frame, person, joint or limb) of (S, M, V, 6) records.

    Returns:
        dict: Flat columns of length N: start/end coordinates ``sx, sy, ex,
        ey`` (end = start for joints), ``start_value`` (confidence of the
        start joint), ``value`` (min confidence of both ends), ``frame`` and
        ``channel`` indices.
    """
    ops = _ops(records)
    xp = ops.xp
    num_frames, num_persons, num_joints = records.shape[:3]
    groups = []  # (start joints, end joints, first channel)
    if spec.with_kp:
        joints = ops.int_array(np.arange(num_joints), like=records)
        groups.append((joints, joints, 0))
    if spec.limbs:
        limbs = ops.int_array(spec.limbs, like=records)
        groups.append((limbs[:, 0], limbs[:, 1], num_joints * spec.with_kp))
    frames = ops.int_array(np.arange(num_frames), like=records)
    columns = {name: [] for name in
               ('sx', 'sy', 'ex', 'ey', 'start_value', 'value', 'frame',
                'channel')}
    for first, second, channel_offset in groups:
        start, end = records[:, :, first], records[:, :, second]
        shape = start.shape[:3]
        group = dict(
            sx=start[..., 0], sy=start[..., 1], ex=end[..., 0],
            ey=end[..., 1], start_value=start[..., 2],
            value=xp.minimum(start[..., 2], end[..., 2]),
            frame=xp.broadcast_to(frames[:, None, None], shape),
            channel=xp.broadcast_to(
                channel_offset + ops.arange(len(first), like=first), shape))
        for name, column in group.items():
            columns[name].append(column.reshape(-1))
    return {name: ops.cat(parts) for name, parts in columns.items()}


def _window(low, high, size, sigma: float):
    """MMAction2's drawing window [start, stop) along one axis (float32)."""
    xp = _ops(low).xp
    reach = 3 * sigma
    start = xp.trunc(low - reach)
    start = xp.where(start > 0, start, 0)
    stop = xp.minimum(xp.trunc(high + reach) + 1, size)
    return start, stop


def _point_patches(xs, ys, items: Columns, sigma: float):
    """Gaussian around the start joint, (n, h, w).

    Evaluated as the outer product of its x and y factors (within 3e-7 of
    MMAction2's exp of the summed squares).
    """
    xp = _ops(xs).xp
    gauss_x = xp.exp(-(xs - items['sx'][:, None])**2 / 2 / sigma**2)
    gauss_y = xp.exp(-(ys - items['sy'][:, None])**2 / 2 / sigma**2)
    gauss_y = gauss_y * items['start_value'][:, None]
    return gauss_y[:, :, None] * gauss_x[:, None, :]


def _segment_patches(xs, ys, items: Columns, sigma: float):
    """Gaussian of the distance to the segment start-end, (n, h, w)."""
    xp = _ops(xs).xp
    x, y = xs[:, None, :], ys[:, :, None]
    sx, sy, ex, ey = (items[name][:, None, None]
                      for name in ('sx', 'sy', 'ex', 'ey'))
    d2_start = (x - sx)**2 + (y - sy)**2
    d2_end = (x - ex)**2 + (y - ey)**2
    d2_ab = (sx - ex)**2 + (sy - ey)**2
    coeff = (d2_start - d2_end + d2_ab) / 2. / d2_ab
    foot_x = sx + coeff * (ex - sx)
    foot_y = sy + coeff * (ey - sy)
    d2_line = (x - foot_x)**2 + (y - foot_y)**2
    d2 = xp.where(coeff <= 0, d2_start,
                  xp.where(coeff >= 1, d2_end, d2_line))
    return xp.exp(-d2 / 2. / sigma**2) * items['value'][:, None, None]


def _with_windows(items: Columns, sigma: float) -> Columns:
    """Add each item's window; drop items whose window is empty."""
    x_start, x_stop = _window(items['x_low'], items['x_high'],
                              items['width'], sigma)
    y_start, y_stop = _window(items['y_low'], items['y_high'],
                              items['height'], sigma)
    patch_w, patch_h = x_stop - x_start, y_stop - y_start
    columns = dict(items, x_start=x_start, x_last=x_stop - 1,
                   y_start=y_start, y_last=y_stop - 1, patch_w=patch_w,
                   patch_h=patch_h)
    return _select(columns, (patch_w > 0) & (patch_h > 0))


def _flat_index(xs, ys, items: Columns, layout: dict):
    """Flat output index of every patch pixel, int64 (n, h, w).

    Mirrored frames land flipped left-right, in the mirrored channel.
    """
    ops = _ops(xs)
    xp = ops.xp
    mirrored = items['mirrored']
    dest_x = xp.where(mirrored[:, None], items['width'][:, None] - 1 - xs,
                      xs)
    channel = xp.where(mirrored, layout['mirror'][items['channel']],
                       items['channel'])
    base = (layout['frame_offset'][items['frame']] +
            channel * layout['channel_stride'])
    rows = base[:, None] + ops.to_index(ys) * layout['row_stride']
    return rows[:, :, None] + ops.to_index(dest_x)[:, None, :]


def _draw(out, items: Columns, patches_fn, sigma: float, layout: dict):
    """Max-scatter the patches of ``items`` into the flat buffer ``out``.

    Items are bucketed by their window's longer side (up to 8, 16, 32, ...
    pixels) so that a few long limbs do not inflate the patches of many
    short ones. Pixels past an item's window repeat its last in-window
    pixel: the same value to the same place, which ``max`` ignores.
    """
    ops = _ops(out)
    xp = ops.xp
    if len(items['width']) == 0:
        return
    columns = _with_windows(items, sigma)
    side = xp.maximum(columns['patch_w'], columns['patch_h'])
    bucket = xp.ceil(xp.log2(xp.ceil(side / 8)))
    keys = xp.unique(bucket).tolist()
    for key in keys:
        group = columns if len(keys) == 1 else _select(columns, bucket == key)
        steps_x = ops.arange(int(group['patch_w'].max()), like=out)
        steps_y = ops.arange(int(group['patch_h'].max()), like=out)
        xs = xp.minimum(group['x_start'][:, None] + steps_x,
                        group['x_last'][:, None])
        ys = xp.minimum(group['y_start'][:, None] + steps_y,
                        group['y_last'][:, None])
        ops.scatter_max(out,
                        _flat_index(xs, ys, group, layout).reshape(-1),
                        patches_fn(xs, ys, group, sigma).reshape(-1))


def render_records(records, out, frame_offset, channel_stride: int,
                   row_stride: int, spec: HeatmapSpec) -> None:
    """Draw the heatmaps of record frames into a flat buffer, in place.

    Channel ``c`` of frame ``s`` starts at ``out[frame_offset[s] + c *
    channel_stride]``; rows are ``row_stride`` apart, so the caller chooses
    the output layout, e.g. (S, C, H, W) or (N, clips, C, T, H, W).

    Args:
        records (np.ndarray | torch.Tensor): float32 (S, M, V, 6) frames,
            fields as :data:`RECORD_FIELDS`; every joint of a frame holds the
            same mirrored/height/width, and M >= 1.
        out (np.ndarray | torch.Tensor): flat float32 zero-initialised
            buffer on the same backend/device as ``records``.
        frame_offset (np.ndarray | torch.Tensor): int64 (S,) flat offset of
            each frame's channel 0, pixel (0, 0).
        channel_stride (int): Flat distance between channels.
        row_stride (int): Flat distance between rows (>= every width).
        spec (HeatmapSpec): How to draw.
    """
    ops = _ops(records)
    num_joints = records.shape[2]
    items = _gather_items(records, spec)
    items = _select(items, items['value'] >= EPS)
    frame_info = records[:, 0, 0]
    items.update(
        mirrored=frame_info[:, 3][items['frame']] > 0.5,
        height=frame_info[:, 4][items['frame']],
        width=frame_info[:, 5][items['frame']])
    mirror = spec.mirror_channels(num_joints) if bool(
        items['mirrored'].any()) else np.arange(spec.num_channels(num_joints))
    layout = dict(
        frame_offset=frame_offset, channel_stride=channel_stride,
        row_stride=row_stride, mirror=ops.int_array(mirror, like=records))
    xp = ops.xp
    # MMAction2 draws a limb shorter than one pixel as its start joint.
    is_point = ((items['sx'] - items['ex'])**2 +
                (items['sy'] - items['ey'])**2) < 1
    points = _select(items, is_point)
    points.update(x_low=points['sx'], x_high=points['sx'],
                  y_low=points['sy'], y_high=points['sy'])
    _draw(out, points, _point_patches, spec.sigma, layout)
    segments = _select(items, ~is_point)
    segments.update(
        x_low=xp.minimum(segments['sx'], segments['ex']),
        x_high=xp.maximum(segments['sx'], segments['ex']),
        y_low=xp.minimum(segments['sy'], segments['ey']),
        y_high=xp.maximum(segments['sy'], segments['ey']))
    _draw(out, segments, _segment_patches, spec.sigma, layout)
