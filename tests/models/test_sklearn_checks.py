"""scikit-learn's estimator checks over toolkit's own models.

Every entry of the ``models`` registry that is not a generated scikit-learn wrapper
goes through ``parametrize_with_checks``. The networks are configured small (few
epochs, one narrow hidden layer) so that the module stays fast, yet large enough to
pass the checks that ask for a good training score. A check that does not apply is
declared with scikit-learn's own ``expected_failed_checks``, with its reason.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.base import is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from toolkit.errors import ModelNotTrainedError, NotTrainedError
from toolkit.models.catalog import wraps_sklearn
from toolkit.models.compose import TableTransformer
from toolkit.models.neural import MLP
from toolkit.nn.rules import Adam
from toolkit.registry import registry

MODELS = registry("models")
OWN = sorted(name for name in MODELS.names() if not wraps_sklearn(name))

# Small networks: 20 epochs of Adam(0.02) on 16 hidden units reach the scores
# check_classifiers_train (accuracy > 0.83) and check_regressors_train (R² > 0.5) ask for.
_NETWORK = {"builder": MLP(hidden=(16,)), "epochs": 20, "optimiser": Adam(0.02), "seed": 0}
CONFIG = {"NeuralNetworkClassifier": _NETWORK, "NeuralNetworkRegressor": _NETWORK}

TABLE_TRANSFORMER_XFAIL = {
    "check_transformer_preserve_dtypes": (
        "toolkit's table transformers always return a polars DataFrame (a dtype per column, "
        "no single .dtype), which this check cannot read; that float32 and float64 columns "
        "keep their dtype is checked in test_table_transformers_keep_float_dtypes"
    ),
}


CLASSIFIER_XFAIL = {
    "check_supervised_y_2d": (
        "a one-column target (an (n, 1) array or a one-column table) is read as that column "
        "on purpose (toolkit.models.inputs.labels), without scikit-learn's "
        "DataConversionWarning; test_one_column_target_is_its_column checks the predictions agree"
    ),
}


def _instance(name: str):
    return MODELS.get(name)(**CONFIG.get(name, {}))


def _expected_failed(estimator) -> dict:
    if isinstance(estimator, TableTransformer):
        return dict(TABLE_TRANSFORMER_XFAIL)
    return dict(CLASSIFIER_XFAIL) if is_classifier(estimator) else {}


def test_the_own_models_are_the_ones_configured_here():
    # The checks pick these up from the registry; a new model of its own joins them by itself
    # (this list then names it, and CONFIG gives it a fast configuration if it needs one).
    assert OWN == [
        "FillImputer",
        "NeuralNetworkClassifier",
        "NeuralNetworkRegressor",
        "Standardizer",
    ]


@parametrize_with_checks([_instance(name) for name in OWN], expected_failed_checks=_expected_failed)
def test_sklearn_estimator_check(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name", ["FillImputer", "Standardizer"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_table_transformers_keep_float_dtypes(name, dtype):
    X = np.random.default_rng(0).normal(size=(8, 3)).astype(dtype)
    X[2, 1] = np.nan
    model = _instance(name)
    expected = pl.Float32 if dtype == np.float32 else pl.Float64
    for out in (model.fit_transform(X), model.transform(X)):
        assert out.dtypes == [expected] * 3


@pytest.mark.parametrize("name", OWN)
def test_unfitted_use_is_both_toolkits_and_sklearns_error(name):
    X = np.zeros((2, 3))
    method = getattr(_instance(name), "transform", None) or _instance(name).predict
    with pytest.raises(ModelNotTrainedError, match="not fitted yet; call fit") as caught:
        method(X)
    assert isinstance(caught.value, NotTrainedError) and isinstance(caught.value, NotFittedError)


def test_one_column_target_is_its_column():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.where(X[:, 0] > 0, "pos", "neg")
    flat = _instance("NeuralNetworkClassifier").fit(X, y)
    column = _instance("NeuralNetworkClassifier").fit(X, y[:, None])
    frame = _instance("NeuralNetworkClassifier").fit(X, pl.DataFrame({"y": y}))
    np.testing.assert_array_equal(flat.predict_proba(X), column.predict_proba(X))
    np.testing.assert_array_equal(flat.predict_proba(X), frame.predict_proba(X))
