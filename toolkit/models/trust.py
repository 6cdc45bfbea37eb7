"""What a saved machine may contain: the file-format constants and the trust allowlist.

A leaf of the models layer (it imports no other module of it, only lazily the
model registry to resolve generated wrapper names), read by ``toolkit.models.io``
when saving and loading and by every module that marks its classes with
:func:`trust`.

A skops file names the type of every object it holds. Loading builds only types
for which :func:`trusted_type` is True, checked *before* anything is built; then
:mod:`toolkit.models.checks` validates the structure of what was built (tree node
indices, feature indices, array lengths) before anything can use it. An entry is
on the allowlist only if one of these holds, written beside each entry below:

- it is plain data that scikit-learn's Python code reads through numpy (a wrong
  value raises an ordinary error, it cannot reach compiled code unchecked); or
- it is a compiled (Cython) structure whose every array toolkit validates after
  loading, so that a crafted file is refused before it is used (``checks.py``).

Everything skops trusts by default (builtins containers, numpy arrays and scalars,
scikit-learn's estimators) is trusted too; the compiled parts those estimators
hold (libsvm's support vectors, k-means centres, neighbours' fitted data) are
validated by ``checks.py`` as well.

>>> [trusted_type(t) for t in ("sklearn.tree._tree.Tree", "os.system", "builtins.eval")]
[True, False, False]
"""

from __future__ import annotations

import importlib
import inspect

#: ``format`` of every toolkit machine file (skops payload or safetensors metadata).
FORMAT = "toolkit.machine"
#: The version of the skops machine payload this toolkit writes and reads.
VERSION = 1

# Classes of scikit-learn and scipy that fitted estimators hold and skops does not
# trust by default, by module: {module: {class name: why it is safe}}.
_TRUSTED_CLASSES: dict[str, dict[str, str]] = {
    "sklearn.tree._tree": {
        "Tree": "compiled; nodes, values, children, features, thresholds validated",
    },
    "sklearn.ensemble._hist_gradient_boosting.predictor": {
        "TreePredictor": "compiled predict; nodes, children, features, bitsets validated",
    },
    "sklearn.ensemble._hist_gradient_boosting.binning": {
        "_BinMapper": "compiled binning; thresholds per feature and bin counts validated",
    },
    "sklearn.neighbors._kd_tree": {
        "KDTree": "compiled; data, index permutation, node ranges and bounds validated",
    },
    "sklearn.neighbors._ball_tree": {
        "BallTree": "compiled; data, index permutation, node ranges and bounds validated",
    },
    # Distance metrics: compiled loops over the data's width. Their exponent p is
    # validated, and the arrays they read (Minkowski's weights, SEuclidean's variances,
    # Mahalanobis' inverse covariance) must span exactly the features of the tree that
    # holds them (models/checks.py); metrics calling Python functions are not listed.
    "sklearn.metrics._dist_metrics": {
        **{
            f"{name}Distance{bits}": "compiled; parameter p validated, its arrays unused"
            for name in (
                "Euclidean Manhattan Chebyshev Hamming Canberra BrayCurtis Jaccard "
                "Matching Dice Kulsinski RogersTanimoto RussellRao SokalMichener SokalSneath "
                "Haversine"
            ).split()
            for bits in ("64", "32")
        },
        **{
            f"{name}Distance{bits}": "compiled; p validated, and the weights, variances or "
            "matrix it reads sized to its tree's features and finite"
            for name in ("Minkowski", "SEuclidean", "Mahalanobis")
            for bits in ("64", "32")
        },
    },
    "sklearn.gaussian_process.kernels": {
        name: "pure Python and numpy"
        for name in (
            "Hyperparameter CompoundKernel Sum Product Exponentiation ConstantKernel "
            "WhiteKernel RBF Matern RationalQuadratic ExpSineSquared DotProduct "
            "PairwiseKernel"
        ).split()
    },
    "sklearn.gaussian_process._gpc": {
        "_BinaryGaussianProcessClassifierLaplace": "pure Python and numpy",
    },
    "sklearn._loss.loss": {
        name: "a Python holder of a loss; its compiled functions take numpy arrays of "
        "checked length"
        for name in (
            "HalfSquaredError AbsoluteError PinballLoss HuberLoss HalfPoissonLoss HalfGammaLoss "
            "HalfTweedieLoss HalfTweedieLossIdentity HalfBinomialLoss HalfMultinomialLoss "
            "ExponentialLoss"
        ).split()
    },
    "sklearn._loss.link": {
        name: "pure Python and numpy"
        for name in "Interval IdentityLink LogLink LogitLink HalfLogitLink MultinomialLogit".split()
    },
    "sklearn.neural_network._stochastic_optimizers": {
        "SGDOptimizer": "pure Python and numpy",
        "AdamOptimizer": "pure Python and numpy",
    },
    "sklearn.calibration": {
        "_CalibratedClassifier": "pure Python and numpy",
        "_SigmoidCalibration": "pure Python and numpy",
        "_TemperatureScaling": "pure Python and numpy",
    },
    "sklearn.cluster._bisect_k_means": {
        "_BisectingTree": "pure Python and numpy",
    },
    "scipy.interpolate._bsplines": {
        "BSpline": "compiled evaluation; knots, coefficients and degree validated",
    },
    # The splitters a TunedModel keeps as its resampling: pure Python.
    "sklearn.model_selection._split": {
        name: "pure Python"
        for name in (
            "KFold StratifiedKFold GroupKFold StratifiedGroupKFold TimeSeriesSplit LeaveOneOut "
            "LeavePOut RepeatedKFold RepeatedStratifiedKFold ShuffleSplit StratifiedShuffleSplit "
            "GroupShuffleSplit PredefinedSplit"
        ).split()
    },
}

# Functions that fitted estimators keep as settings (scoring, the k-means step): they
# are only called by scikit-learn on the estimator's own validated arrays.
_TRUSTED_FUNCTION_MODULES = frozenset(
    {
        "sklearn.feature_selection._univariate_selection",  # f_classif, chi2 ...
        "sklearn.feature_selection._mutual_info",  # mutual_info_classif ...
        "sklearn.cluster._kmeans",  # the Lloyd / Elkan steps KMeans keeps
    }
)
# Single names: numpy's dtype, sparse matrices (validated by scipy on construction),
# the numpy reductions FeatureAgglomeration keeps as pooling_func.
_TRUSTED_NAMES = frozenset(
    {
        "numpy.dtype",
        "scipy.sparse._csr.csr_matrix",
        "scipy.sparse._csc.csc_matrix",
        "numpy.mean",
        "numpy.median",
        "numpy.max",
        "numpy.min",
        "numpy.sum",
        "scipy._lib.array_api_compat.numpy._aliases.asarray",
    }
)


def trust(cls: type) -> type:
    """``trust(cls) -> cls``: allow toolkit's own model class ``cls`` in saved machines.

    A class decorator for toolkit model types defined outside the generated wrappers
    (only classes of ``toolkit.*`` modules count; the mark is not inherited).

    >>> @trust
    ... class Mine:
    ...     pass
    >>> vars(Mine)["_toolkit_trusted"] is Mine
    True
    """
    cls._toolkit_trusted = cls  # checked by identity, so subclasses are not trusted
    return cls


def _attribute(module: str, name: str):
    try:
        target = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(target, name, None)


def _trusted_wrapper(name: str) -> bool:
    from toolkit.models.catalog import wraps_sklearn

    return wraps_sklearn(name)


def trusted_type(name: str) -> bool:
    """``trusted_type("module.Name") -> bool``: whether a saved file may build this type.

    >>> trusted_type("sklearn.metrics._dist_metrics.PyFuncDistance64")  # calls a function
    False
    """
    if name in _TRUSTED_NAMES:
        return True
    module, _, attr = name.rpartition(".")
    if module == "toolkit.models.types":
        return _trusted_wrapper(attr)
    if module.startswith("toolkit."):
        obj = _attribute(module, attr)
        return inspect.isclass(obj) and vars(obj).get("_toolkit_trusted") is obj
    if attr in _TRUSTED_CLASSES.get(module, {}):
        obj = _attribute(module, attr)
        return inspect.isclass(obj) and obj.__module__ == module
    if module in _TRUSTED_FUNCTION_MODULES:
        obj = _attribute(module, attr)
        return inspect.isfunction(obj) and obj.__module__ == module
    return False


def why_trusted(name: str) -> str | None:
    """``why_trusted("module.Name") -> str | None``: the recorded reason a class is trusted.

    >>> why_trusted("sklearn.tree._tree.Tree")
    'compiled; nodes, values, children, features, thresholds validated'
    """
    module, _, attr = name.rpartition(".")
    return _TRUSTED_CLASSES.get(module, {}).get(attr)
