"""TransformError: a transform given a value it cannot use.

>>> from toolkit.augment.errors import TransformError
>>> from toolkit.errors import ToolkitError
>>> issubclass(TransformError, ToolkitError) and issubclass(TransformError, ValueError)
True
"""

from __future__ import annotations

from toolkit.errors import ToolkitError


class TransformError(ToolkitError, ValueError):
    """A transform parameter or input image that does not fit; the message names the
    transform, the parameter, what was expected, what arrived and the fix."""
