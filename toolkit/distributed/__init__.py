"""toolkit.distributed — the same work on a Ray cluster (optional extra ``ray``).

``RayExecutor`` runs folds and tuning points as Ray tasks (``tk.evaluate``,
``tk.TunedModel``, ``executor="ray"``); ``toolkit.distributed.images`` builds
a ``DataLoader``'s batches on Ray Data, and ``preprocess`` decodes an image
folder once on the cluster into the decoded-image cache. Nothing here imports
Ray until it is used; see docs/scale.md.
"""

# ruff: noqa: F401  (the imports are re-exported: __all__ comes from toolkit._EXPORTS)

from toolkit import _EXPORTS
from toolkit.distributed.executor import RayExecutor
from toolkit.distributed.images import preprocess, ray_batches

__all__ = list(_EXPORTS["distributed"])
