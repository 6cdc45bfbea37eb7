"""toolkit: image folders and tables to clean, augmented, batched arrays; a compact
Flux-style model core on numpy/cupy; MLJ-style evaluation over scikit-learn.

>>> import toolkit as tk
>>> tk.onehotbatch(["cat", "dog", "cat"], ["cat", "dog"]).tolist()
[[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]

The public names live in the layers (``toolkit.data``, ``toolkit.nn``,
``toolkit.models``) and are all re-exported here, so that ``import toolkit as tk``
reaches every one. A layer is imported the first time one of its names is used:
``import toolkit`` alone imports none of them, and reading an image folder never
imports scikit-learn, which only the models layer needs.

>>> from toolkit import evaluate
>>> evaluate is tk.models.evaluate and "evaluate" in tk.__all__
True
"""

from __future__ import annotations

from importlib import import_module as _import_module

from toolkit._notebook import show_figures_in_notebooks as _show_figures_in_notebooks
from toolkit.errors import ToolkitError
from toolkit.registry import register, registry

__version__ = "0.1.0"

# Which layer owns which public name: the top's table of its layers. Each layer writes
# out its own __all__ (a layer never imports the package above it); the table is kept
# here too because finding which layer owns a name must not import that layer.
# tests/test_lazy_import.py fails if a layer's __all__ differs from its entry.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "data": (
        "ArrayDataset", "DataLoader", "Dataset", "onecold", "onehot", "onehotbatch",
        "Binary", "Continuous", "Count", "Multiclass", "OrderedFactor", "Textual", "Unknown",
        "autotype", "coerce", "schema", "CSV", "FeaturePrep", "Parquet", "Table",
        "ImageFolder",
    ),
    "nn": (
        "gradient", "withgradient", "gpu", "cpu", "Module",
        "tree_flatten", "tree_unflatten", "tree_leaves", "tree_leaves_with_path", "tree_map",
        "sigmoid", "σ", "relu", "leakyrelu", "gelu", "elu", "softplus", "tanh", "softmax",
        "logsoftmax", "identity", "activation", "relu6",
        "exp", "log", "sqrt", "abs", "sign", "floor", "round", "maximum", "minimum", "where",
        "clip", "sum", "mean", "max", "min", "logsumexp", "argmax", "argmin", "reshape",
        "transpose", "concatenate", "stack", "matmul", "dense", "conv2d", "maxpool2d",
        "meanpool2d", "global_meanpool", "batchnorm", "layernorm", "dropout",
        "mse", "mae", "huber", "crossentropy", "logitcrossentropy", "binarycrossentropy",
        "logitbinarycrossentropy",
        "Dense", "Conv", "MaxPool", "MeanPool", "GlobalMeanPool", "Flatten", "Dropout",
        "BatchNorm", "LayerNorm", "Chain", "SkipConnection", "Parallel", "trainmode", "testmode",
        "Descent", "Momentum", "Nesterov", "Adam", "AdamW", "RMSProp", "WeightDecay", "ClipGrad",
        "ClipNorm", "OptimiserChain", "setup", "update", "adjust", "freeze", "thaw",
        "train", "History", "EpochEnd", "loadweights",
        "EarlyStopping", "Checkpoint", "ReduceLROnPlateau",
        "OneCycle", "Cosine", "CosineWarmup", "Step", "Exponential", "lr_find",
        "summary", "plot_history", "plot_lr_find",
        "odesolve", "NeuralODE", "from_torch", "to_onnx",
    ),
    "models": (
        "info", "load_model", "matching", "models",
        "Machine", "fit", "fitted_params", "machine", "predict", "predict_mode", "predict_proba",
        "report", "transform",
        "Evaluation", "evaluate", "CV", "Holdout", "StratifiedCV", "TimeSeriesCV",
        "Measure", "measure", "measures", "accuracy", "auc", "balanced_accuracy", "brier_score",
        "f1", "f1_macro", "f1_micro", "log_loss", "misclassification_rate", "r2", "rmse",
        "Grid", "LatinHypercube", "RandomSearch", "hp_range",
        "LearningCurve", "TunedModel", "learning_curve",
        "FillImputer", "OneHotEncoder", "Standardizer",
        "MLP", "NeuralNetworkClassifier", "NeuralNetworkRegressor",
    ),
    "viz": (
        "show_batch", "plot_confusion", "top_losses",
    ),
    "pipeline": ("Pipeline",),
    "distributed": ("RayExecutor", "preprocess", "ray_batches"),
}  # fmt: skip
# tk.save / tk.load live in toolkit/io.py, which dispatches to nn or models: imported on
# first use like the layers' names, so that `import toolkit` imports neither.
_SUBPACKAGES = ("augment", "data", "datasets", "distributed", "errors", "io", "models", "nn",
                "pipeline", "viz", "zoo")


def _owners(exports: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """``_owners(exports) -> {name: layer}``; refuses a name that two layers export.

    >>> _owners({"data": ("CSV",), "nn": ("Dense",)})
    {'CSV': 'data', 'Dense': 'nn'}
    >>> _owners({"data": ("fit",), "models": ("fit",)})
    Traceback (most recent call last):
    ...
    ImportError: toolkit.fit is exported by both toolkit.data and toolkit.models
    """
    owners: dict[str, str] = {}
    for layer, names in exports.items():
        for name in names:
            owner = owners.get(name)
            if owner is not None:  # two layers claiming one public name is a design bug
                msg = f"toolkit.{name} is exported by both toolkit.{owner} and toolkit.{layer}"
                raise ImportError(msg)
            owners[name] = layer
    return owners


_OWNERS = _owners({**_EXPORTS, "io": ("save", "load")})

__all__ = [
    "augment", "ToolkitError", "save", "load", "zoo", "registry", "register",
    *(name for name, layer in _OWNERS.items() if layer != "io"),
]  # fmt: skip


_show_figures_in_notebooks()


def __getattr__(name: str):
    """Import the layer that exports ``name`` on first use (PEP 562)."""
    layer = _OWNERS.get(name)
    if layer is None:
        if name in _SUBPACKAGES:
            return _import_module(f"{__name__}.{name}")
        msg = f"module {__name__!r} has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(_import_module(f"{__name__}.{layer}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBPACKAGES})
