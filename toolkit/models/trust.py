"""What marks a saved machine: the file-format constants and the :func:`trust` mark.

A leaf of the models layer (it imports no other module of it): every module whose
classes may be saved marks them with :func:`trust`, and :mod:`toolkit.models.io`
reads the mark (and the rest of its allowlist) when saving and loading, so the models
with the mark never import the module that saves them.

>>> FORMAT, VERSION
('toolkit.machine', 1)
"""

from __future__ import annotations

#: ``format`` of every toolkit machine file (skops payload or safetensors metadata).
FORMAT = "toolkit.machine"
#: The version of the skops machine payload this toolkit writes and reads.
VERSION = 1


def trust(cls: type) -> type:
    """``trust(cls) -> cls``: allow toolkit's own model class ``cls`` in saved machines.

    A class decorator for toolkit model types defined outside the generated wrappers
    (only classes of ``toolkit.*`` modules count; the mark is not inherited).

    >>> @trust
    ... class Mine:
    ...     pass
    >>> vars(Mine)["_toolkit_trusted"] is Mine
    True
    """
    cls._toolkit_trusted = cls  # checked by identity, so subclasses are not trusted
    return cls
