"""Errors that mean "the input is wrong", not "the code is wrong".

The ``m2hen`` command and our ``tools/train.py`` / ``tools/test.py`` print
an :class:`InputError` as one line (``error: ...``) and exit with status 2,
instead of a traceback: its message already names the file or sample and
the fix. Any other exception keeps its traceback.
"""


class InputError(ValueError):
    """Bad user input; the message names the file or sample and the fix."""


class MissingDataError(InputError, FileNotFoundError):
    """A dataset file or folder a config reads does not exist yet."""
