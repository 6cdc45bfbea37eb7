"""albumentations, imported on first use.

Importing albumentations takes seconds, so ``import toolkit`` must not pay for it;
the first transform built does. The environment variable stops albumentations
from asking the network whether a newer release exists.
"""

from __future__ import annotations

import os
from types import ModuleType

_MODULE: ModuleType | None = None


def albumentations() -> ModuleType:
    """albumentations() -> the albumentations module (imported once, offline)."""
    global _MODULE
    if _MODULE is None:
        os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
        import albumentations

        _MODULE = albumentations
    return _MODULE
