"""Load a checkpoint only into the model it was trained for (``m2hen
predict``); the fit check is :mod:`m2hen_mmaction.engine.checkpoints`, which
``M2HENRunner`` uses for ``m2hen test`` / ``mim test`` too."""
import torch.nn as nn

from ..engine.checkpoints import (fitting_state_dict, read_checkpoint,
                                  state_dict_mismatches)

__all__ = ['load_matching_checkpoint', 'state_dict_mismatches']


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
    content = read_checkpoint(checkpoint)
    state = fitting_state_dict(model, content, checkpoint, config)
    model.load_state_dict(state, strict=False)  # only allow-listed keys lack
    return content.get('meta') or {}
