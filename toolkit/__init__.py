"""toolkit: image folders and tables to clean, augmented, batched arrays; a compact
Flux-style model core on numpy/cupy; MLJ-style evaluation over scikit-learn.

>>> import toolkit as tk
>>> tk.onehotbatch(["cat", "dog", "cat"], ["cat", "dog"]).tolist()
[[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]

The public names live in the subpackages (``toolkit.data``, ``toolkit.nn``,
``toolkit.models``), each of which lists them in its ``__all__``; they are all
re-exported here so that ``import toolkit as tk`` reaches every one.
"""

from __future__ import annotations

from toolkit import augment, data, errors, models, nn  # noqa: F401  (subpackages as tk.<name>)
from toolkit.errors import ToolkitError
from toolkit.io import load, save

__version__ = "0.1.0"


def _reexport(*modules) -> list[str]:
    names: dict[str, str] = {}
    for module in modules:
        for name in module.__all__:
            if name in names:  # two layers claiming one public name is a design bug
                msg = f"toolkit.{name} is exported by both {names[name]} and {module.__name__}"
                raise ImportError(msg)
            names[name] = module.__name__
            globals()[name] = getattr(module, name)
    return list(names)


__all__ = ["augment", "ToolkitError", "save", "load", *_reexport(data, nn, models)]
