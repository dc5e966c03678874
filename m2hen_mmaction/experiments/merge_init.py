"""PoseC3D's merge step: an RGB+pose init from single-modality checkpoints.

MMAction2's RGBPoseConv3D recipe trains an RGB-only (``rgb_only.py``) and a
pose-only (``pose_only.py``) model, merges their weights into the two
pathways (``configs/skeleton/posec3d/rgbpose_conv3d/merge_pretrain.ipynb``)
and fine-tunes ``rgbpose_conv3d.py`` from the result (``load_from``). This
module is that notebook for any two-pathway network built from a config
(``RGBPoseConv3D``, ``RGBPoseRes2Net3d``):

* ``backbone.*`` of the RGB model -> ``backbone.rgb_path.*``, its
  ``cls_head.fc_cls.*`` -> ``cls_head.fc_rgb.*``; the pose model likewise to
  ``backbone.pose_path.*`` and ``cls_head.fc_pose.*``;
* the first conv and the downsample conv of a stage that receives a lateral
  connection take more input channels (the lateral features are
  concatenated after the pathway's own): the single-modality kernel fills
  the first input channels and the rest are zeros, so the merged network
  starts out computing what the two single-modality networks computed;
* the lateral connections (``*_lateral``) have no single-modality
  counterpart: they are left out of the file and keep the fine-tuning
  model's own initialisation, as in the notebook.

Every other weight must come from a source with the target's exact shape;
anything else (a swapped pair, other widths, depths or joint counts, an
RGB+pose checkpoint as input) raises :class:`MergeInitError` with a one-line
message.
"""
import os.path as osp
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import mmengine
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
from ..compat import CheckpointRefused, safe_load_checkpoint
from ..errors import InputError

MODALITIES = ('rgb', 'pose')
NAMES = {'rgb': 'RGB', 'pose': 'pose'}
ARTICLES = {'rgb': 'an', 'pose': 'a'}
# Target key prefix -> source key prefix, per modality.
PREFIXES = {
    'rgb': (('backbone.rgb_path.', 'backbone.'),
            ('cls_head.fc_rgb.', 'cls_head.fc_cls.')),
    'pose': (('backbone.pose_path.', 'backbone.'),
             ('cls_head.fc_pose.', 'cls_head.fc_cls.')),
}
LATERAL = re.compile(r'^backbone\.\w+_path\.\w*_lateral\.')
# Inputs widened by a lateral: first conv and downsample of stage `stage`,
# fed by `layer{stage - 1}_lateral` of the same pathway.
LATERAL_INPUT = re.compile(r'^(?P<path>backbone\.\w+_path)\.'
                           r'layer(?P<stage>\d+)\.0\.(conv1|downsample)\.'
                           r'conv\.weight$')


class MergeInitError(InputError):
    """The inputs cannot make the requested init (one-line message)."""


@dataclass
class MergedInit:
    """What :func:`merge_checkpoints` made.

    Args:
        state_dict (OrderedDict): The merged weights, in the target's order.
        sources (dict): Target key -> (modality, source key).
        zero_padded (list[str]): Target keys whose extra input channels (for
            lateral features) are zeros.
        left_at_init (list[str]): Target keys not in the file (laterals).
    """
    state_dict: 'OrderedDict[str, torch.Tensor]'
    sources: Dict[str, Tuple[str, str]] = field(default_factory=dict)
    zero_padded: List[str] = field(default_factory=list)
    left_at_init: List[str] = field(default_factory=list)

    def format(self, paths: Dict[str, str]) -> str:
        """A short summary naming the source files."""
        counts = {modality: 0 for modality in MODALITIES}
        for modality, _ in self.sources.values():
            counts[modality] += 1
        lines = [
            f'{counts[m]} tensors from {paths[m]} ({NAMES[m]} pathway + '
            f'fc_{m})' for m in MODALITIES
        ]
        lines.append(f'{len(self.zero_padded)} of them zero-padded for the '
                     'lateral inputs')
        lateral_modules = sorted({key.rsplit('.', 2)[0]
                                  for key in self.left_at_init})
        lines.append(f'{len(self.left_at_init)} tensors left at the model\'s '
                     f'init (laterals: {", ".join(lateral_modules)})')
        return '\n'.join(lines)


def load_weights(path: str, modality: str) -> Dict[str, torch.Tensor]:
    """The state dict of a checkpoint file, loaded with the safe loader.

    Args:
        path (str): ``.pth`` file (``{'state_dict': ...}`` or bare weights).
        modality (str): ``'rgb'`` or ``'pose'``, for messages.

    Returns:
        dict[str, torch.Tensor]: The weights.
    """
    try:
        checkpoint = safe_load_checkpoint(path, map_location='cpu')
    except (FileNotFoundError, CheckpointRefused) as error:
        raise MergeInitError(f'{NAMES[modality]} checkpoint: {error}') \
            from error
    weights = checkpoint.get('state_dict', checkpoint)
    if any(key.startswith(('backbone.rgb_path.', 'backbone.pose_path.'))
           for key in weights):
        raise MergeInitError(
            f'{path} is an RGB+pose checkpoint; merge-init takes an RGB-only '
            f'and a pose-only one (it was given as the {NAMES[modality]} '
            'checkpoint).')
    if not any(key.startswith('backbone.') for key in weights):
        raise MergeInitError(
            f'{path} holds no backbone.* weights: not a single-modality '
            'recognizer checkpoint.')
    return weights


def build_target(config: str) -> torch.nn.Module:
    """The RGB+pose model of a config, on the meta device (shapes only).

    Args:
        config (str): Config file of the RGB+pose model.

    Returns:
        torch.nn.Module: The recognizer, without memory for its weights.
    """
    if not osp.isfile(config):
        raise MergeInitError(f'Config {config} does not exist.')
    cfg = Config.fromfile(config)  # imports custom_imports (our package)
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmaction')), torch.device('meta'):
        model = MODELS.build(cfg.model)
    keys = model.state_dict().keys()
    for prefix in ('backbone.rgb_path.', 'backbone.pose_path.'):
        if not any(key.startswith(prefix) for key in keys):
            raise MergeInitError(
                f'{config} is not a two-pathway RGB+pose model (no {prefix}* '
                'weights): merge-init builds RGBPoseConv3D-style inits.')
    return model


def source_key(target_key: str) -> Optional[Tuple[str, str]]:
    """(modality, key in that modality's checkpoint) of a target key."""
    for modality in MODALITIES:
        for target_prefix, source_prefix in PREFIXES[modality]:
            if target_key.startswith(target_prefix):
                return modality, source_prefix + target_key[len(
                    target_prefix):]
    return None


def lateral_channels(model: torch.nn.Module, target_key: str) -> int:
    """Input channels a lateral connection adds to ``target_key`` (0 if
    none feeds it)."""
    match = LATERAL_INPUT.match(target_key)
    if match is None:
        return 0
    name = f"{match['path']}.layer{int(match['stage']) - 1}_lateral"
    try:
        return model.get_submodule(name).conv.out_channels
    except AttributeError:
        return 0


def _shape(size) -> Tuple[int, ...]:
    return tuple(int(s) for s in size)


def fits(source_shape: Tuple[int, ...], target_shape: Tuple[int, ...],
         extra_channels: int) -> bool:
    """Whether a source weight fills a target weight: equal shapes, or the
    target has exactly ``extra_channels`` more input channels (dim 1).

    Args:
        source_shape (tuple[int]): Shape in the single-modality model.
        target_shape (tuple[int]): Shape in the RGB+pose model.
        extra_channels (int): Lateral input channels of the target (0: none).

    Returns:
        bool: True if :func:`merge_tensor` can make the target weight.
    """
    if source_shape == target_shape:
        return True
    return bool(extra_channels) and len(source_shape) > 1 and (
        target_shape == source_shape[:1] +
        (source_shape[1] + extra_channels, ) + source_shape[2:])


def merge_tensor(source: torch.Tensor,
                 target_shape: Tuple[int, ...]) -> torch.Tensor:
    """A copy of ``source`` with the target's shape: its input channels
    first, zeros for the lateral ones (as merge_pretrain.ipynb pads)."""
    if _shape(source.shape) == target_shape:
        return source.clone()
    padded = source.new_zeros(target_shape)
    padded[:, :source.shape[1]] = source
    return padded


def _check_coverage(weights: Dict[str, Dict[str, torch.Tensor]],
                    used: Dict[str, set], paths: Dict[str, str],
                    config: str) -> None:
    for modality in MODALITIES:
        unused = sorted(set(weights[modality]) - used[modality])
        if unused:
            raise MergeInitError(
                f'{paths[modality]} has {len(unused)} weights the '
                f'{NAMES[modality]} pathway of {config} does not use (e.g. '
                f'{unused[0]}): not {ARTICLES[modality]} {NAMES[modality]}-'
                'only checkpoint of this network (depth/stages differ?).')


def _mismatch_message(problems: List[str], modality: str, path: str,
                      config: str, swapped: bool) -> str:
    hint = (f' It fits the {NAMES[_other(modality)]} pathway: are the RGB '
            'and pose checkpoints swapped?' if swapped else
            f' Give {ARTICLES[modality]} {NAMES[modality]}-only checkpoint of '
            'this pathway (same widths, depths and input channels).')
    more = f' (+{len(problems) - 1} more)' if len(problems) > 1 else ''
    return f'{path}: {problems[0]}{more}.{hint}'


def _other(modality: str) -> str:
    return MODALITIES[1 - MODALITIES.index(modality)]


def _problems(model: torch.nn.Module, weights: Dict[str, torch.Tensor],
              modality: str, config: str) -> List[str]:
    """Why ``weights`` cannot fill ``modality``'s pathway (empty: they
    can)."""
    problems = []
    for key, tensor in model.state_dict().items():
        mapped = source_key(key)
        if LATERAL.match(key) or mapped is None or mapped[0] != modality:
            continue
        source = weights.get(mapped[1])
        shape = _shape(tensor.shape)
        if source is None:
            problems.append(f'no {mapped[1]} (for {key})')
        elif not fits(_shape(source.shape), shape,
                      lateral_channels(model, key)):
            problems.append(f'{mapped[1]} is {_shape(source.shape)} but '
                            f'{key} of {config} needs {shape}')
    return problems


def check_sources(model: torch.nn.Module,
                  weights: Dict[str, Dict[str, torch.Tensor]],
                  paths: Dict[str, str], config: str) -> None:
    """Raise :class:`MergeInitError` unless each checkpoint fills its
    pathway exactly."""
    for modality in MODALITIES:
        problems = _problems(model, weights[modality], modality, config)
        if problems:
            swapped = not _problems(model, weights[modality],
                                    _other(modality), config)
            raise MergeInitError(
                _mismatch_message(problems, modality, paths[modality],
                                  config, swapped))


def merge_checkpoints(model: torch.nn.Module,
                      weights: Dict[str, Dict[str, torch.Tensor]],
                      paths: Dict[str, str], config: str) -> MergedInit:
    """Map the single-modality weights onto ``model``'s keys.

    Args:
        model (torch.nn.Module): The RGB+pose model (meta device is fine).
        weights (dict): ``'rgb'``/``'pose'`` -> state dict.
        paths (dict): ``'rgb'``/``'pose'`` -> file name, for messages.
        config (str): The model's config file, for messages.

    Returns:
        MergedInit: The merged state dict and where each tensor came from.
    """
    check_sources(model, weights, paths, config)
    merged = MergedInit(OrderedDict())
    used = {modality: set() for modality in MODALITIES}
    for key, tensor in model.state_dict().items():
        mapped = source_key(key)
        if LATERAL.match(key):
            merged.left_at_init.append(key)
            continue
        if mapped is None:
            raise MergeInitError(
                f'{key} of {config} belongs to neither pathway nor head: '
                'merge-init knows RGBPoseConv3D-style models only.')
        modality, name = mapped
        source = weights[modality][name]
        merged.state_dict[key] = merge_tensor(source, _shape(tensor.shape))
        merged.sources[key] = mapped
        used[modality].add(name)
        if _shape(source.shape) != _shape(tensor.shape):
            merged.zero_padded.append(key)
    _check_coverage(weights, used, paths, config)
    return merged


def merge_init(rgb_checkpoint: str, pose_checkpoint: str, out: str,
               config: str) -> MergedInit:
    """Write the RGB+pose init of ``config`` from two single-modality
    checkpoints (``m2hen merge-init``).

    Args:
        rgb_checkpoint (str): RGB-only checkpoint (e.g. ``best_*.pth`` of
            the RGB-only config).
        pose_checkpoint (str): Pose-only checkpoint.
        out (str): Output ``.pth``: ``{'state_dict', 'meta'}``, loadable
            with the safe loader; the config's ``load_from``.
        config (str): The RGB+pose config to be fine-tuned from ``out``.

    Returns:
        MergedInit: What was merged, padded and left at init.
    """
    paths = {'rgb': rgb_checkpoint, 'pose': pose_checkpoint}
    model = build_target(config)
    weights = {m: load_weights(paths[m], m) for m in MODALITIES}
    merged = merge_checkpoints(model, weights, paths, config)
    if osp.dirname(out):
        mmengine.mkdir_or_exist(osp.dirname(out))
    torch.save(
        {
            'state_dict': merged.state_dict,
            'meta': dict(merge_init=dict(
                rgb=rgb_checkpoint, pose=pose_checkpoint, config=config,
                zero_padded=merged.zero_padded,
                left_at_init=merged.left_at_init))
        }, out)
    return merged
