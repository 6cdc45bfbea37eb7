"""``tk.save`` and ``tk.load``: one pair of calls for models and machines, never a pickle.

A model of the core (a ``tk.Chain`` or any layer) goes to a safetensors file whose
metadata holds its structure as JSON (:mod:`toolkit.nn.io`); a machine goes to a
skops file, or safetensors plus JSON for neural networks (:mod:`toolkit.models.io`).
``load`` looks at the file's own header to tell which it is, and builds only types
on an allowlist, so loading a file can never run code.

>>> import os, tempfile, numpy as np, toolkit as tk
>>> model = tk.Chain(tk.Dense(3, 2, tk.relu), tk.Dense(2, 1), seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
>>> save(path, model)
>>> x = np.ones((4, 3), dtype=np.float32)
>>> bool(np.array_equal(load(path)(x), model(x)))
True
"""

from __future__ import annotations

from pathlib import Path

from toolkit.errors import UnsafeFileError


def save(path, obj) -> None:
    """``save(path, obj)``: write a model (safetensors) or a machine (skops, or safetensors)."""
    from toolkit.models.machine import Machine

    if isinstance(obj, Machine):
        from toolkit.models.io import save_machine

        save_machine(path, obj)
        return
    from toolkit.nn.io import save as save_model

    save_model(path, obj)


def load(path):
    """``load(path)``: the model or machine that :func:`save` wrote to ``path``.

    Refuses, with :class:`~toolkit.errors.UnsafeFileError`, a file that is neither
    kind (a pickle included) and one whose header names types not trusted to load.
    """
    from toolkit.models import io as machine_io
    from toolkit.nn import io as model_io

    path = Path(path)
    if not path.is_file():
        raise UnsafeFileError(f"{path}: no such file")
    if machine_io.is_skops_file(path):
        return machine_io.load_machine(path)
    metadata = machine_io.safetensors_metadata(path)
    if metadata is None:
        msg = (
            f"{path}: neither a safetensors model nor a skops machine file; "
            "pickles are never loaded"
        )
        raise UnsafeFileError(msg)
    if metadata.get("format") == machine_io.FORMAT:
        return machine_io.load_machine(path)
    return model_io.load(path)
