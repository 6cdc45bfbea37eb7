"""toolkit.nn — see docs/architecture.md for what this layer owns."""

# ruff: noqa: F401  (the imports are re-exported: __all__ comes from toolkit._EXPORTS)

from toolkit import _EXPORTS
from toolkit.nn import fused, fused_conv  # noqa: F401  (registers the fused primitives)
from toolkit.nn.activations import (
    activation,
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
from toolkit.nn.callbacks import Checkpoint, EarlyStopping, ReduceLROnPlateau
from toolkit.nn.device import cpu, gpu
from toolkit.nn.history import EpochEnd, History
from toolkit.nn.io import loadweights
from toolkit.nn.layers import (
    BatchNorm,
    Chain,
    Conv,
    Dense,
    Dropout,
    Flatten,
    GlobalMeanPool,
    LayerNorm,
    MaxPool,
    MeanPool,
    Parallel,
    SkipConnection,
    testmode,
    trainmode,
)
from toolkit.nn.losses import (
    binarycrossentropy,
    crossentropy,
    huber,
    logitbinarycrossentropy,
    logitcrossentropy,
    mae,
    mse,
)
from toolkit.nn.lr_find import lr_find
from toolkit.nn.module import Module
from toolkit.nn.optimise import adjust, freeze, setup, thaw, update
from toolkit.nn.rules import (
    Adam,
    AdamW,
    ClipGrad,
    ClipNorm,
    Descent,
    Momentum,
    Nesterov,
    OptimiserChain,
    RMSProp,
    WeightDecay,
)
from toolkit.nn.schedules import Cosine, CosineWarmup, Exponential, OneCycle, Step
from toolkit.nn.summary import summary
from toolkit.nn.train import train
from toolkit.nn.tree import (
    tree_flatten,
    tree_leaves,
    tree_leaves_with_path,
    tree_map,
    tree_unflatten,
)

__all__ = list(_EXPORTS["nn"])
