"""toolkit.distributed — the same work on a Ray cluster (optional extra ``ray``).

``RayExecutor`` runs folds and tuning points as Ray tasks (``tk.evaluate``,
``tk.TunedModel``, ``executor="ray"``); ``toolkit.distributed.images`` builds
a ``DataLoader``'s batches on Ray Data, and ``preprocess`` decodes an image
folder once on the cluster into the decoded-image cache. Nothing here imports
Ray until it is used; see docs/scale.md.
"""

# ruff: noqa: F401  (the imports are re-exported through __all__)

from toolkit.distributed.executor import RayExecutor
from toolkit.distributed.images import preprocess, ray_batches

# The layer's public names; toolkit/__init__.py's _EXPORTS table names the same ones
# (tests/test_lazy_import.py checks that they agree).
__all__ = ["RayExecutor", "preprocess", "ray_batches"]
