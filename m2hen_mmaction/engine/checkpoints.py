"""Checkpoints that fit the model, or one line saying why not.

mmengine's ``load_checkpoint`` accepts any state dict with at most a warning
about mismatched keys, so weights of another model (EHCT weights for a
PoseC3D config, a state dict without its head) give confident scores from
randomly initialised layers. Where weights must be the model's own (testing,
predicting, resuming), :func:`state_dict_mismatches` lists every missing
key, unexpected key and shape mismatch, and the caller refuses the file
with one line naming the checkpoint, the config and the first mismatches.

Allow-list: a missing key ending in one of :data:`IGNORED_MISSING_SUFFIXES`
is not a mismatch. BatchNorm's ``num_batches_tracked`` is a step counter
(used only with ``momentum=None``, never at inference), absent from
checkpoints written by older torch; the model keeps its own value.
"""
from typing import List, Type

import torch.nn as nn
from mmengine.runner.checkpoint import _load_checkpoint

from ..errors import InputError

SHOWN_MISMATCHES = 3
REFUSAL = ('Checkpoint {path} does not fit the model of {config} '
           '({mismatches}). Use the config the checkpoint was trained with.')
IGNORED_MISSING_SUFFIXES = ('num_batches_tracked', )


def read_checkpoint(path: str, map_location='cpu') -> dict:
    """A checkpoint read with the safe loader (see ``compat``).

    Raises:
        InputError: The file cannot be read (one line naming it).
    """
    try:
        return _load_checkpoint(path, map_location=map_location,
                                logger='silent')
    except InputError:
        raise
    except (OSError, RuntimeError, EOFError) as error:
        raise InputError(f'Cannot read checkpoint {path}: '
                         f'{str(error).splitlines()[0]}') from None


def checkpoint_state_dict(checkpoint: dict) -> dict:
    """The checkpoint's weights, without DDP's ``module.`` prefix."""
    state = checkpoint.get('state_dict', checkpoint)
    return {key[len('module.'):] if key.startswith('module.') else key: value
            for key, value in state.items()}


def state_dict_mismatches(model: nn.Module, state: dict) -> List[str]:
    """Missing keys (beyond the allow-list), unexpected keys and shape
    mismatches, one per string."""
    expected = model.state_dict()
    problems = [f'missing {key}' for key in expected if key not in state
                and not key.endswith(IGNORED_MISSING_SUFFIXES)]
    problems += [f'unexpected {key}' for key in state if key not in expected]
    problems += [
        f'{key} is {tuple(state[key].shape)}, the model wants '
        f'{tuple(value.shape)}' for key, value in expected.items()
        if key in state and hasattr(state[key], 'shape')
        and tuple(state[key].shape) != tuple(value.shape)
    ]
    return problems


def mismatch_summary(problems: List[str]) -> str:
    """``'N mismatches: a; b; c; K more'``."""
    shown = '; '.join(problems[:SHOWN_MISMATCHES])
    more = len(problems) - SHOWN_MISMATCHES
    return (f'{len(problems)} mismatches: {shown}'
            f'{f"; {more} more" if more > 0 else ""}')


def fitting_state_dict(model: nn.Module, checkpoint: dict, path: str,
                       config: str, refusal: str = REFUSAL,
                       error: Type[InputError] = InputError) -> dict:
    """The checkpoint's weights if they fit ``model`` (built from
    ``config``) key for key and shape for shape.

    Args:
        model (nn.Module): The model.
        checkpoint (dict): The loaded checkpoint.
        path (str): Its file, for the message.
        config (str): The config's path, for the message.
        refusal (str): The message, with ``{path}``, ``{config}`` and
            ``{mismatches}`` fields. Defaults to :data:`REFUSAL`.
        error (type): The :class:`InputError` subclass raised.

    Raises:
        InputError: One line naming checkpoint, config and mismatches.
    """
    state = checkpoint_state_dict(checkpoint)
    problems = state_dict_mismatches(model, state)
    if problems:
        raise error(refusal.format(path=path, config=config,
                                   mismatches=mismatch_summary(problems)))
    return state
