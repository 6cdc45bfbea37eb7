"""toolkit.nn — see docs/architecture.md for what this layer owns."""

from toolkit.nn import fused, fused_conv  # noqa: F401  (registers the fused primitives)
from toolkit.nn.activations import (
    elu,
    gelu,
    identity,
    leakyrelu,
    logsoftmax,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
    σ,
)
from toolkit.nn.autodiff import gradient, withgradient
from toolkit.nn.device import cpu, gpu
from toolkit.nn.losses import (
    binarycrossentropy,
    crossentropy,
    huber,
    logitbinarycrossentropy,
    logitcrossentropy,
    mae,
    mse,
)
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
    "sigmoid", "σ", "relu", "leakyrelu", "gelu", "elu", "softplus", "tanh", "softmax",
    "logsoftmax", "identity",
    "mse", "mae", "huber", "crossentropy", "logitcrossentropy", "binarycrossentropy",
    "logitbinarycrossentropy",
]  # fmt: skip
