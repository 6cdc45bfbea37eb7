"""toolkit.nn — see docs/architecture.md for what this layer owns."""

from toolkit.nn.autodiff import gradient, withgradient
from toolkit.nn.device import cpu, gpu
from toolkit.nn.module import Module
from toolkit.nn.tree import (
    tree_flatten,
    tree_leaves,
    tree_leaves_with_path,
    tree_map,
    tree_unflatten,
)

__all__: list[str] = [
    "gradient", "withgradient", "gpu", "cpu", "Module",
    "tree_flatten", "tree_unflatten", "tree_leaves", "tree_leaves_with_path", "tree_map",
]  # fmt: skip
