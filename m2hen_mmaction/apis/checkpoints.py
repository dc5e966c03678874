"""Load a checkpoint only into the model it was trained for.

mmengine's ``load_checkpoint`` accepts any state dict with at most a warning
about mismatched keys, so weights of another model give confident scores
from randomly initialised layers. :func:`load_matching_checkpoint` refuses
them with one line naming the checkpoint, the config and the first
mismatches.
"""
from typing import List

import torch.nn as nn
from mmengine.runner.checkpoint import _load_checkpoint

from ..errors import InputError

SHOWN_MISMATCHES = 3


def _state_dict(checkpoint: dict) -> dict:
    state = checkpoint.get('state_dict', checkpoint)
    return {key[len('module.'):] if key.startswith('module.') else key: value
            for key, value in state.items()}


def state_dict_mismatches(model: nn.Module, state: dict) -> List[str]:
    """Missing keys, unexpected keys and shape mismatches, one per string."""
    expected = model.state_dict()
    problems = [f'missing {key}' for key in expected if key not in state]
    problems += [f'unexpected {key}' for key in state if key not in expected]
    problems += [
        f'{key} is {tuple(state[key].shape)}, the model wants '
        f'{tuple(value.shape)}' for key, value in expected.items()
        if key in state and hasattr(state[key], 'shape')
        and tuple(state[key].shape) != tuple(value.shape)
    ]
    return problems


def load_matching_checkpoint(model: nn.Module, checkpoint: str,
                             config: str) -> dict:
    """Load ``checkpoint`` into ``model`` if every tensor fits.

    Args:
        model (nn.Module): Built from ``config``.
        checkpoint (str): A ``.pth`` file (read with the safe loader).
        config (str): The config's path, for the message.

    Returns:
        dict: The checkpoint's ``meta`` (empty if it has none).

    Raises:
        InputError: The file is unreadable, or its weights do not fit.
    """
    try:
        content = _load_checkpoint(checkpoint, map_location='cpu',
                                   logger='silent')
    except (OSError, RuntimeError, EOFError) as error:
        raise InputError(f'Cannot read checkpoint {checkpoint}: '
                         f'{str(error).splitlines()[0]}') from None
    state = _state_dict(content)
    problems = state_dict_mismatches(model, state)
    if problems:
        shown = '; '.join(problems[:SHOWN_MISMATCHES])
        more = len(problems) - SHOWN_MISMATCHES
        raise InputError(
            f'Checkpoint {checkpoint} does not fit the model of {config} '
            f'({len(problems)} mismatches: {shown}'
            f'{f"; {more} more" if more > 0 else ""}). Use the config the '
            'checkpoint was trained with.')
    model.load_state_dict(state, strict=True)
    return content.get('meta') or {}
