"""toolkit.data — the centre: image folders, tables, arrays, one-hot, splits, the loader.

See docs/architecture.md for what this layer owns and the seams between its modules.
"""

# ruff: noqa: F401  (the imports are re-exported through __all__)

from toolkit.data.arrays import ArrayDataset
from toolkit.data.dataset import Dataset
from toolkit.data.images import ImageFolder
from toolkit.data.loader import DataLoader
from toolkit.data.onehot import onecold, onehot, onehotbatch
from toolkit.data.prep import FeaturePrep
from toolkit.data.scitypes import (
    Binary,
    Continuous,
    Count,
    Multiclass,
    OrderedFactor,
    Textual,
    Unknown,
    autotype,
    coerce,
    schema,
)
from toolkit.data.tables import CSV, Parquet, Table

# The layer's public names; toolkit/__init__.py's _EXPORTS table names the same ones
# (tests/test_lazy_import.py checks that the two agree).
__all__ = [
    "ArrayDataset", "DataLoader", "Dataset", "onecold", "onehot", "onehotbatch", "Binary",
    "Continuous", "Count", "Multiclass", "OrderedFactor", "Textual", "Unknown", "autotype",
    "coerce", "schema", "CSV", "FeaturePrep", "Parquet", "Table", "ImageFolder",
]  # fmt: skip
