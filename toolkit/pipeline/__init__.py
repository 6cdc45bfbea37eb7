"""Pipelines in YAML: read with positions, checked all at once, run into a run folder.

``Pipeline.from_yaml(path)`` / ``Pipeline(dict)``; ``.validate()``, ``.run(out=...)``,
``.to_yaml()``. The format is described in docs/pipelines.md and in
:mod:`toolkit.pipeline.spec`; every name in it comes from :mod:`toolkit.registry`.
"""

from toolkit import _EXPORTS
from toolkit.pipeline.config import Pipeline  # noqa: F401  (re-exported: __all__ below)

__all__ = list(_EXPORTS["pipeline"])
