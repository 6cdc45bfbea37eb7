"""toolkit.models — see docs/architecture.md for what this layer owns.

``tk.models`` is this package and also a function: ``tk.models(filter=None)`` lists
the registered models as a polars DataFrame (``toolkit.models.registry.models``);
``tk.models(tk.matching(X, y))`` lists those that accept the data.
"""

# ruff: noqa: F401  (the imports are re-exported through __all__)

import sys as _sys

from toolkit.models.compose import FillImputer, OneHotEncoder, Standardizer
from toolkit.models.evaluate import evaluate
from toolkit.models.evaluation import Evaluation
from toolkit.models.machine import (
    Machine,
    fit,
    fitted_params,
    machine,
    predict,
    predict_mode,
    predict_proba,
    report,
    transform,
)
from toolkit.models.measures import (
    Measure,
    accuracy,
    auc,
    balanced_accuracy,
    brier_score,
    f1,
    f1_macro,
    f1_micro,
    log_loss,
    measure,
    measures,
    misclassification_rate,
    r2,
    rmse,
)
from toolkit.models.neural import MLP, NeuralNetworkClassifier, NeuralNetworkRegressor
from toolkit.models.ranges import Grid, LatinHypercube, RandomSearch, hp_range
from toolkit.models.registry import CallablePackage as _CallablePackage
from toolkit.models.registry import info, load_model, matching
from toolkit.models.resampling import CV, Holdout, StratifiedCV, TimeSeriesCV
from toolkit.models.tuning import LearningCurve, TunedModel, learning_curve
from toolkit.models.types import model_type as _model_type  # registers scikit-learn's models

# toolkit/__init__.py re-exports "models" over the subpackage of that name, so the
# package itself is made callable: tk.models() lists models, tk.models.machine still imports.
_sys.modules[__name__].__class__ = _CallablePackage
models = _sys.modules[__name__]

# The layer's public names; toolkit/__init__.py's _EXPORTS table names the same ones
# (tests/test_lazy_import.py checks that the two agree).
__all__ = [
    "info", "load_model", "matching", "models", "Machine", "fit", "fitted_params", "machine",
    "predict", "predict_mode", "predict_proba", "report", "transform", "Evaluation",
    "evaluate", "CV", "Holdout", "StratifiedCV", "TimeSeriesCV", "Measure", "measure",
    "measures", "accuracy", "auc", "balanced_accuracy", "brier_score", "f1", "f1_macro",
    "f1_micro", "log_loss", "misclassification_rate", "r2", "rmse", "Grid", "LatinHypercube",
    "RandomSearch", "hp_range", "LearningCurve", "TunedModel", "learning_curve", "FillImputer",
    "OneHotEncoder", "Standardizer", "MLP", "NeuralNetworkClassifier",
    "NeuralNetworkRegressor",
]  # fmt: skip
