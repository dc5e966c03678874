"""``GeneratePoseHeatmap``: MMAction2's ``GeneratePoseTarget``, vectorised.

Same arguments, output key (``imgs``, or ``heatmap_imgs`` when ``imgs``
already holds RGB frames), dtype, shape and values (max abs diff < 1e-5),
without Python loops over frames and joints. With ``on_device=True`` the
heatmaps are drawn later, batched on the model's device, by
``PoseHeatmapPreprocessor``: the transform then stores the keypoint *record*
(see :mod:`.heatmap_math`) under the same key, which ``FormatShape`` and
``PackActionInputs`` pass on unchanged in meaning.
"""
import inspect
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmaction.datasets.transforms import GeneratePoseTarget
from mmaction.registry import TRANSFORMS

from ...skeleton import JointLayout, check_num_joints, get_layout
from ...skeleton.heatmaps import RECORD_FIELDS, HeatmapSpec, render_records

_DEFAULTS = {
    name: parameter.default for name, parameter in inspect.signature(
        GeneratePoseTarget.__init__).parameters.items()
}
_LAYOUT_ARGS = ('skeletons', 'left_kp', 'right_kp', 'left_limb',
                'right_limb')


def limb_flip_pairs(layout: JointLayout) -> Tuple[Tuple[int, int], ...]:
    """Pairs of limb indices that mirror each other under left/right flip.

    Args:
        layout (JointLayout): Its ``limbs`` and ``flip_pairs`` are used.

    Returns:
        tuple[tuple[int, int]]: ``(i, j)`` with ``i < j``; limbs that are
        their own mirror image (e.g. the spine) are not listed.
    """
    flip = layout.flip_index()
    index = {frozenset(limb): i for i, limb in enumerate(layout.limbs)}
    pairs = []
    for i, (start, end) in enumerate(layout.limbs):
        j = index.get(frozenset((flip[start], flip[end])))
        if j is not None and i < j:
            pairs.append((i, j))
    return tuple(pairs)


def pose_target_args(layout: str) -> Dict[str, tuple]:
    """``GeneratePoseTarget`` arguments equivalent to ``layout=``.

    Args:
        layout (str): Joint layout name.

    Returns:
        dict: ``skeletons``, ``left_kp``, ``right_kp``, ``left_limb`` and
        ``right_limb`` of the layout.
    """
    joint_layout = get_layout(layout)
    limb_pairs = limb_flip_pairs(joint_layout)
    return dict(
        skeletons=joint_layout.limbs,
        left_kp=joint_layout.left_joints,
        right_kp=joint_layout.right_joints,
        left_limb=tuple(i for i, _ in limb_pairs),
        right_limb=tuple(j for _, j in limb_pairs))


def _check_pairs(left: Sequence[int], right: Sequence[int], what: str,
                 count: Optional[int] = None) -> None:
    if len(left) != len(right):
        raise ValueError(f'left_{what} and right_{what} must have the same '
                         f'length, got {len(left)} and {len(right)}.')
    indices = list(left) + list(right)
    if len(set(indices)) != len(indices):
        raise ValueError(f'left_{what}/right_{what} must name each index at '
                         f'most once (disjoint left/right pairs), got '
                         f'{tuple(left)} and {tuple(right)}.')
    if count is not None and indices and max(indices) >= count:
        raise ValueError(f'left_{what}/right_{what} index {max(indices)} is '
                         f'out of range for {count} {what}s.')


def _resolve_pose_args(layout: Optional[str], given: Dict) -> Dict:
    """Skeleton and flip pairs from ``layout``, the arguments or defaults."""
    if layout is not None:
        clashing = [name for name, value in given.items() if value is not None]
        if clashing:
            raise ValueError(f'Pass layout={layout!r} or {clashing}, not '
                             'both: the layout supplies them.')
        given = pose_target_args(layout)
    given = {name: _DEFAULTS[name] if value is None else tuple(value)
             for name, value in given.items()}
    given['skeletons'] = tuple(map(tuple, given['skeletons']))
    return given


def _check_args(sigma: float, scaling: float, with_kp: bool,
                with_limb: bool, double: bool, pose_args: Dict) -> None:
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f'sigma must be a positive number, got {sigma}.')
    if not (np.isfinite(scaling) and scaling > 0):
        raise ValueError(f'scaling must be a positive number, got {scaling}.')
    if not (with_kp or with_limb):
        raise ValueError('At least one of with_kp and with_limb must be True.')
    _check_pairs(pose_args['left_kp'], pose_args['right_kp'], 'kp')
    _check_pairs(pose_args['left_limb'], pose_args['right_limb'], 'limb',
                 len(pose_args['skeletons']) if with_limb and double else None)


def _sample(results: Dict) -> str:
    frame_dir = results.get('frame_dir')
    return f'sample {frame_dir!r}: ' if frame_dir is not None else ''


@TRANSFORMS.register_module()
class GeneratePoseHeatmap(GeneratePoseTarget):
    """Generate pseudo heatmaps (paper Eq. 1) from keypoints, vectorised.

    A drop-in replacement for MMAction2's ``GeneratePoseTarget`` (same
    arguments, keys and output), several times faster (see
    ``benchmarks/heatmaps.py``). Differences, all documented:

    * ``keypoint_score`` is clipped to [0, 1] (negative scores were skipped
      by MMAction2 too; scores above 1 get a peak of 1); NaN/inf keypoints or
      scores raise ``ValueError`` naming the sample's ``frame_dir``.
    * With ``with_kp`` and ``with_limb`` both set, limb ``i`` is drawn into
      channel ``V + i`` (MMAction2 draws it over joint channel ``i`` and
      leaves the last ``L`` channels empty), and ``double`` swaps joint pairs
      among the joint channels and limb pairs among the limb channels.

    Required Keys: keypoint (M, T, V, 2), keypoint_score (optional,
    (M, T, V)), img_shape; frame_dir (optional, named in errors); layout
    (optional: used when neither ``layout`` nor joint pairs are given;
    ``MicroGesturePoseDataset(layout=...)`` adds it to every sample).

    Added Keys: imgs, or heatmap_imgs when imgs exists: float32
    (T', C, H', W') heatmaps with T' = T (2T with ``double``), C = V
    (with_kp) + L (with_limb), H' = int(H * scaling + 0.5), stored
    channel-major so that ``FormatShape`` needs no copy (see :meth:`draw`);
    with ``on_device=True`` instead the float32 (T', M, V, 6) keypoint
    record.

    Args:
        sigma (float): Gaussian sigma in heatmap pixels. Defaults to 0.6.
        use_score (bool): Scale each Gaussian by the keypoint's confidence.
            Defaults to True.
        with_kp (bool): Draw one channel per joint. Defaults to True.
        with_limb (bool): Draw one channel per limb. Defaults to False.
        skeletons (tuple[tuple[int, int]], optional): Limbs as joint pairs.
            Defaults to MMAction2's COCO-17 limbs, or the layout's limbs.
        double (bool): Append the horizontally flipped heatmaps (left/right
            channels swapped) as extra frames. Defaults to False.
        left_kp (tuple[int], optional): Left joints swapped with
            ``right_kp`` when flipping. Defaults to COCO-17's, or the
            layout's flip pairs.
        right_kp (tuple[int], optional): See ``left_kp``.
        left_limb (tuple[int], optional): Limb indices swapped with
            ``right_limb`` when flipping limb heatmaps. Defaults to COCO-17's,
            or the layout's mirrored limbs (:func:`limb_flip_pairs`).
        right_limb (tuple[int], optional): See ``left_limb``.
        scaling (float): Heatmap size / image size. Defaults to 1.
        layout (str, optional): Joint layout name (e.g. ``'openpose137'``);
            supplies ``skeletons`` and the flip pairs (pass it or those, not
            both) and checks the keypoints' joint count. None (and no
            pairs): the sample's ``layout`` if it has one, else COCO-17's
            pairs as in ``GeneratePoseTarget``. Defaults to None.
        on_device (bool): Pack the keypoint record instead of drawing; a
            ``PoseHeatmapPreprocessor`` built with the same arguments draws
            it on the model's device. The preprocessor does not see the
            samples, so ``double`` or ``with_limb`` on the device need
            ``layout=`` (or pairs) here. Defaults to False.
    """

    def __init__(self,
                 sigma: float = 0.6,
                 use_score: bool = True,
                 with_kp: bool = True,
                 with_limb: bool = False,
                 skeletons: Optional[Sequence[Tuple[int, int]]] = None,
                 double: bool = False,
                 left_kp: Optional[Sequence[int]] = None,
                 right_kp: Optional[Sequence[int]] = None,
                 left_limb: Optional[Sequence[int]] = None,
                 right_limb: Optional[Sequence[int]] = None,
                 scaling: float = 1.,
                 layout: Optional[str] = None,
                 on_device: bool = False) -> None:
        pairs = dict(skeletons=skeletons, left_kp=left_kp, right_kp=right_kp,
                     left_limb=left_limb, right_limb=right_limb)
        given = _resolve_pose_args(layout, pairs)
        _check_args(sigma, scaling, with_kp, with_limb, double, given)
        super().__init__(sigma=sigma, use_score=use_score, with_kp=with_kp,
                         with_limb=with_limb, double=double, scaling=scaling,
                         **given)
        self.layout = layout
        # No layout and no pairs: a sample's `layout` key decides.
        self.layout_from_sample = layout is None and all(
            value is None for value in pairs.values())
        self.on_device = on_device
        self.spec = self._spec(given)
        self._layout_specs: Dict[str, HeatmapSpec] = {}

    def _spec(self, pose_args: Dict) -> HeatmapSpec:
        """How to draw, given resolved skeletons and flip pairs."""
        return HeatmapSpec(
            sigma=self.sigma, with_kp=self.with_kp,
            limbs=pose_args['skeletons'] if self.with_limb else (),
            kp_pairs=tuple(zip(pose_args['left_kp'], pose_args['right_kp']))
            if self.with_kp else (),
            limb_pairs=tuple(zip(pose_args['left_limb'],
                                 pose_args['right_limb']))
            if self.with_limb else ())

    def sample_layout(self, results: Dict) -> Optional[str]:
        """The layout this sample is drawn with: ``layout=``, else the
        sample's ``layout`` (when no pairs were given), else None."""
        if self.layout_from_sample:
            return results.get('layout')
        return self.layout

    def sample_spec(self, results: Dict) -> HeatmapSpec:
        """The :class:`HeatmapSpec` of this sample's layout."""
        layout = self.sample_layout(results)
        if not self.layout_from_sample or layout is None:
            return self.spec
        if layout not in self._layout_specs:
            if self.on_device and (self.double or self.with_limb):
                raise ValueError(
                    f'{_sample(results)}GeneratePoseHeatmap(on_device=True) '
                    f'with double or with_limb needs layout= (here '
                    f'{layout!r}, the dataset\'s) in its config: '
                    'PoseHeatmapPreprocessor draws without the samples.')
            self._layout_specs[layout] = self._spec(
                _resolve_pose_args(layout, {}))
        return self._layout_specs[layout]

    def _check_keypoints(self, keypoint: np.ndarray, scores: np.ndarray,
                         results: Dict, spec: HeatmapSpec) -> None:
        sample = _sample(results)
        if keypoint.ndim != 4 or keypoint.shape[-1] < 2:
            raise ValueError(f'{sample}keypoint must have shape (M, T, V, 2), '
                             f'got {keypoint.shape}.')
        if scores.shape != keypoint.shape[:3]:
            raise ValueError(f'{sample}keypoint_score must have shape '
                             f'{keypoint.shape[:3]} (M, T, V) to match '
                             f'keypoint, got {scores.shape}.')
        num_joints = keypoint.shape[2]
        layout = self.sample_layout(results)
        if layout is not None:
            check_num_joints(num_joints, layout, results.get('frame_dir', ''))
        used = [j for limb in spec.limbs for j in limb]
        if self.double:
            used += [j for pair in spec.kp_pairs for j in pair]
        if used and max(used) >= num_joints:
            raise ValueError(
                f'{sample}keypoints have {num_joints} joints but skeletons/'
                f'left_kp/right_kp use joint {max(used)}. Pass the skeleton '
                'of your joint layout (or layout=).')

    def _finite(self, array: np.ndarray, name: str, sample: str) -> None:
        bad = ~np.isfinite(array)
        if bad.any():
            person, frame, joint = np.argwhere(bad)[0][:3]
            raise ValueError(
                f'{sample}{name} has {int(bad.sum())} NaN/inf values (first '
                f'at person {person}, frame {frame}, joint {joint}). Fill '
                'missing joints with finite coordinates and keypoint_score 0 '
                'before GeneratePoseHeatmap.')

    def keypoint_record(self, results: Dict) -> np.ndarray:
        """Validate and pack one sample's keypoints for drawing.

        Args:
            results (dict): The sample; see the class's Required Keys.

        Returns:
            np.ndarray: float32 (T', M, V, 6) record, fields as
            ``RECORD_FIELDS``; the ``double`` frames follow, mirrored.
        """
        sample = _sample(results)
        keypoint = np.asarray(results['keypoint'])
        has_scores = self.use_score and 'keypoint_score' in results
        scores = np.asarray(results['keypoint_score'], np.float32) \
            if has_scores else np.ones(keypoint.shape[:-1], np.float32)
        self._check_keypoints(keypoint, scores, results,
                              self.sample_spec(results))
        coords = keypoint[..., :2].astype(np.float32)
        coords *= self.scaling
        self._finite(coords, 'keypoint', sample)
        self._finite(scores, 'keypoint_score', sample)
        num_persons, num_frames, num_joints = scores.shape
        # One zero-score person keeps the canvas size of an empty sample.
        num_persons = max(num_persons, 1)
        img_h, img_w = results['img_shape']
        record = np.zeros((num_frames, num_persons, num_joints,
                           len(RECORD_FIELDS)), np.float32)
        record[:, :len(coords), :, :2] = coords.transpose(1, 0, 2, 3)
        record[:, :len(coords), :, 2] = np.minimum(np.maximum(
            scores, 0), 1).transpose(1, 0, 2)
        record[..., 4] = int(img_h * self.scaling + 0.5)
        record[..., 5] = int(img_w * self.scaling + 0.5)
        if self.double:
            mirrored = record.copy()
            mirrored[..., 3] = 1
            record = np.concatenate([record, mirrored])
        return record

    def draw(self, record: np.ndarray,
             spec: Optional[HeatmapSpec] = None) -> np.ndarray:
        """Draw a (T', M, V, 6) record into (T', C, H', W') heatmaps, with
        ``spec`` (default: this transform's, without a sample layout).

        The heatmaps are stored channel-major, (C, T', H', W') in memory,
        and returned as a transposed view, so that ``FormatShape`` reaches
        its (crops x clips, C, T, H', W') by reshaping, without a copy.
        """
        num_frames, _, num_joints = record.shape[:3]
        height, width = (int(size) for size in record[0, 0, 0, 4:6])
        spec = spec or self.spec
        channels = spec.num_channels(num_joints)
        plane = height * width
        out = np.zeros(channels * num_frames * plane, np.float32)
        render_records(record, out, np.arange(num_frames) * plane,
                       num_frames * plane, width, spec)
        return out.reshape(channels, num_frames, height,
                           width).transpose(1, 0, 2, 3)

    def transform(self, results: Dict) -> Dict:
        """Add the heatmaps (or, on_device, the keypoint record).

        Args:
            results (dict): The sample; see the class's Required Keys.

        Returns:
            dict: ``results`` with ``imgs`` or ``heatmap_imgs`` added.
        """
        record = self.keypoint_record(results)
        key = 'heatmap_imgs' if 'imgs' in results else 'imgs'
        results[key] = record if self.on_device else self.draw(
            record, self.sample_spec(results))
        return results

    def __repr__(self) -> str:
        return (f'{super().__repr__()[:-1]}, layout={self.layout!r}, '
                f'on_device={self.on_device})')
