"""Layers: one module per family, every class registered by name in the ``layers`` family.

- :mod:`.basic` — Dense, Flatten, Dropout
- :mod:`.conv` — Conv, MaxPool, MeanPool, GlobalMeanPool (channels last)
- :mod:`.normalise` — BatchNorm, LayerNorm
- :mod:`.containers` — Chain, SkipConnection, Parallel
- :mod:`.base` — lazy seeded parameters, train/test mode
- :mod:`.show` — Flux-style printing

>>> from toolkit.registry import registry
>>> registry("layers").names()[:4]
['BatchNorm', 'Chain', 'Conv', 'Dense']
"""

from toolkit.nn.layers.base import Layer, testmode, trainmode
from toolkit.nn.layers.basic import Dense, Dropout, Flatten
from toolkit.nn.layers.containers import Chain, Parallel, SkipConnection
from toolkit.nn.layers.conv import Conv, GlobalMeanPool, MaxPool, MeanPool
from toolkit.nn.layers.normalise import BatchNorm, LayerNorm

__all__ = [
    "Layer", "testmode", "trainmode", "Dense", "Dropout", "Flatten", "Chain",
    "Parallel", "SkipConnection", "Conv", "GlobalMeanPool", "MaxPool", "MeanPool",
    "BatchNorm", "LayerNorm",
]  # fmt: skip
