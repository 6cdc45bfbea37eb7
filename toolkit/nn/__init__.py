"""toolkit.nn — see docs/architecture.md for what this layer owns."""

# ruff: noqa: F401, A004  (re-exported through __all__; sum, max... are numpy's names)

from toolkit.nn.activations import (
    activation,
    elu,
    gelu,
    identity,
    leakyrelu,
    logsoftmax,
    relu,
    relu6,
    sigmoid,
    softmax,
    softplus,
    tanh,
    σ,
)
from toolkit.nn.autodiff import gradient, withgradient
from toolkit.nn.callbacks import Checkpoint, EarlyStopping, ReduceLROnPlateau
from toolkit.nn.device import cpu, gpu
from toolkit.nn.history import EpochEnd, History, plot_history
from toolkit.nn.interop import from_torch
from toolkit.nn.interop.onnx import to_onnx
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
from toolkit.nn.lr_find import lr_find, plot_lr_find
from toolkit.nn.module import Module
from toolkit.nn.ode import NeuralODE, odesolve
from toolkit.nn.ops import (
    abs,
    argmax,
    argmin,
    batchnorm,
    clip,
    concatenate,
    conv2d,
    dense,
    dropout,
    exp,
    floor,
    global_meanpool,
    layernorm,
    log,
    logsumexp,
    matmul,
    max,
    maximum,
    maxpool2d,
    mean,
    meanpool2d,
    min,
    minimum,
    reshape,
    round,
    sign,
    sqrt,
    stack,
    sum,
    transpose,
    where,
)
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

# The layer's public names; toolkit/__init__.py's _EXPORTS table names the same ones
# (tests/test_lazy_import.py checks that the two agree).
__all__ = [
    "gradient", "withgradient", "gpu", "cpu", "Module", "tree_flatten", "tree_unflatten",
    "tree_leaves", "tree_leaves_with_path", "tree_map", "sigmoid", "σ", "relu", "leakyrelu",
    "gelu", "elu", "softplus", "tanh", "softmax", "logsoftmax", "identity", "activation",
    "relu6", "exp", "log", "sqrt", "abs", "sign", "floor", "round", "maximum", "minimum", "where",
    "clip", "sum", "mean", "max", "min", "logsumexp", "argmax", "argmin", "reshape",
    "transpose", "concatenate", "stack", "matmul", "dense", "conv2d", "maxpool2d",
    "meanpool2d", "global_meanpool", "batchnorm", "layernorm", "dropout", "mse", "mae",
    "huber", "crossentropy", "logitcrossentropy", "binarycrossentropy",
    "logitbinarycrossentropy", "Dense", "Conv", "MaxPool", "MeanPool", "GlobalMeanPool",
    "Flatten", "Dropout", "BatchNorm", "LayerNorm", "Chain", "SkipConnection", "Parallel",
    "trainmode", "testmode", "Descent", "Momentum", "Nesterov", "Adam", "AdamW", "RMSProp",
    "WeightDecay", "ClipGrad", "ClipNorm", "OptimiserChain", "setup", "update", "adjust",
    "freeze", "thaw", "train", "History", "EpochEnd", "loadweights",
    "EarlyStopping", "Checkpoint", "ReduceLROnPlateau",
    "OneCycle", "Cosine", "CosineWarmup", "Step", "Exponential", "lr_find", "summary",
    "plot_history", "plot_lr_find",
    "odesolve", "NeuralODE", "from_torch", "to_onnx",
]  # fmt: skip
