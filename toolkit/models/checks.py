"""The structure of a loaded machine, validated before any compiled code can read it.

skops builds only trusted types (:mod:`toolkit.models.trust`), but a trusted type
can still be given hostile arrays: a decision tree whose child index points outside
the tree makes scikit-learn's compiled ``predict`` read (or write) outside its
memory and crash the process. :func:`check_structure` walks everything a machine
file built and validates every structure that reaches compiled code unchecked:

- ``sklearn.tree._tree.Tree`` (decision trees, forests, extra trees, gradient
  boosting, isolation forests, AdaBoost of trees): node count, array lengths,
  every child index of a split greater than its parent's and inside the tree (so
  every walk ends), feature indices below the number of features, thresholds not
  NaN (scikit-learn itself writes ``inf`` for a split on missing values only), a
  value array of shape ``(nodes, outputs, classes)``;
- the ensembles that call their trees without input checks: each tree sees the
  ensemble's number of features (or, for isolation forests, its feature subset,
  which must lie inside), gradient boosting's stages have one tree per class;
- histogram gradient boosting: ``TreePredictor`` nodes (children, features,
  categorical bitsets), one predictor per class and iteration, the bin mapper's
  thresholds for every feature;
- KD and ball trees: the data, an index array that is a permutation of its rows,
  node ranges inside it, the node count a complete binary tree has, bounds of the
  right shape; their distance metric's exponent, and the weights, variances or
  matrix it reads sized to the tree's features and finite;
- libsvm's support vectors, dual coefficients, class counts and intercepts;
  k-means centres, neighbours' fitted data, B-spline knots and coefficients.

Anything inconsistent is refused with :class:`~toolkit.errors.UnsafeFileError`
naming the attribute path, the expected and the found value.

>>> import numpy as np
>>> from sklearn.tree import DecisionTreeClassifier
>>> tree = DecisionTreeClassifier(max_depth=2).fit(np.arange(8.0)[:, None], [0] * 4 + [1] * 4)
>>> check_structure({"fitted_model": tree}, "tree.skops")
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import UnsafeFileError

_MAX_OBJECTS = 1_000_000  # a walk never visits more objects than this


def _refuse(path, where: str, what: str) -> UnsafeFileError:
    return UnsafeFileError(f"{path}: refused — {where}: {what}; the file is damaged or crafted")


def check_structure(payload, path) -> None:
    """``check_structure(payload, path)``: refuse a loaded payload whose structures are unsafe.

    ``payload`` is what skops built; ``path`` names the file in messages.
    """
    seen: set[int] = set()
    stack = [(payload, "machine", None)]
    while stack:
        obj, where, n_features = stack.pop()
        if id(obj) in seen or len(seen) > _MAX_OBJECTS:
            continue
        seen.add(id(obj))
        n_features = _n_features(obj, n_features)
        for check in _checks_for(obj):
            check(obj, where, n_features, path)
        stack.extend(_children(obj, where, n_features))


def _n_features(obj, inherited):
    value = getattr(obj, "__dict__", {}).get("n_features_in_")
    return int(value) if isinstance(value, int | np.integer) else inherited


def _children(obj, where, n_features):
    if isinstance(obj, dict):
        return [(v, f"{where}[{k!r}]", n_features) for k, v in obj.items()]
    if isinstance(obj, list | tuple):
        return [(v, f"{where}[{i}]", n_features) for i, v in enumerate(obj)]
    if isinstance(obj, np.ndarray):
        if obj.dtype != object:
            return []
        return [(v, f"{where}[{i}]", n_features) for i, v in enumerate(obj.ravel())]
    if hasattr(obj, "__dict__") and not isinstance(obj, type):
        return [(v, f"{where}.{k}", n_features) for k, v in vars(obj).items()]
    return []


def _checks_for(obj):
    module = type(obj).__module__ or ""
    if not (module.startswith("sklearn") or module.startswith("scipy.interpolate")):
        return ()
    return [check for cls, check in _table() if isinstance(obj, cls)]


_TABLE: list = []


def _table():
    if not _TABLE:
        from scipy.interpolate import BSpline
        from sklearn.base import BaseEstimator
        from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
        from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
        from sklearn.metrics._dist_metrics import DistanceMetric
        from sklearn.neighbors import BallTree, KDTree
        from sklearn.tree._tree import Tree

        _TABLE.extend(
            [
                (Tree, _tree),
                (TreePredictor, _predictor),
                (_BinMapper, _bin_mapper),
                (KDTree, _binary_tree),
                (BallTree, _binary_tree),
                (DistanceMetric, _metric),
                (BSpline, _bspline),
                (BaseEstimator, _estimator),
            ]
        )
    return _TABLE


def _require(ok, path, where, what) -> None:
    if not bool(ok):
        raise _refuse(path, where, what)


def _array(value, path, where, ndim, dtype_kind=None) -> np.ndarray:
    ok = isinstance(value, np.ndarray) and value.ndim == ndim
    ok = ok and (dtype_kind is None or value.dtype.kind in dtype_kind)
    got = f"{type(value).__name__} {getattr(value, 'shape', '')} {getattr(value, 'dtype', '')}"
    _require(ok, path, where, f"expected a {ndim}-d array, got {got.strip()}")
    return value


# ---------------------------------------------------------------------------- trees


def _tree_links(left, right, path, where) -> np.ndarray:
    """Validate children: leaves have -1 on both sides, splits point forward inside."""
    n = len(left)
    index = np.arange(n)
    leaf = (left == -1) & (right == -1)
    inside = (left > index) & (left < n) & (right > index) & (right < n)
    bad = np.flatnonzero(~(leaf | inside))
    _require(
        n >= 1 and bad.size == 0,
        path,
        where,
        f"node {bad[:1].tolist()} has children outside the tree of {n} nodes "
        "(or children before their parent)",
    )
    return ~leaf


def _split_features(feature, split, n_features, path, where) -> None:
    bad = np.flatnonzero(split & ((feature < 0) | (feature >= n_features)))
    _require(
        bad.size == 0,
        path,
        where,
        f"node {bad[:1].tolist()} splits on feature {feature[bad[:1]].tolist()}, "
        f"outside the {n_features} features",
    )


def _tree(tree, where, n_features, path) -> None:
    state = tree.__getstate__()
    nodes, values = state["nodes"], state["values"]
    count = int(state["node_count"])
    _require(nodes.shape == (count,), path, where, f"{len(nodes)} nodes, node_count {count}")
    outputs, classes = int(tree.n_outputs), np.asarray(tree.n_classes)
    _require(
        values.ndim == 3 and values.shape[:2] == (count, outputs),
        path,
        where,
        f"values of shape {values.shape}, expected ({count}, {outputs}, classes)",
    )
    _require(
        classes.shape == (outputs,) and classes.min() >= 1 and classes.max() <= values.shape[2],
        path,
        where,
        f"n_classes {classes.tolist()} do not fit values of shape {values.shape}",
    )
    split = _tree_links(nodes["left_child"], nodes["right_child"], path, where)
    _split_features(nodes["feature"], split, int(tree.n_features), path, where)
    _require(not np.isnan(nodes["threshold"][split]).any(), path, where, "a split threshold is NaN")
    if n_features is not None:
        _require(
            int(tree.n_features) == n_features,
            path,
            where,
            f"the tree has {tree.n_features} features, its model {n_features}",
        )


def _predictor(predictor, where, n_features, path) -> None:
    nodes = _array(predictor.nodes, path, f"{where}.nodes", 1)
    _require(len(nodes) >= 1, path, where, "a predictor with no nodes")
    split = nodes["is_leaf"] == 0
    left = np.where(split, nodes["left"].astype(np.int64), -1)
    right = np.where(split, nodes["right"].astype(np.int64), -1)
    _tree_links(left, right, path, where)
    limit = n_features if n_features is not None else np.iinfo(np.int64).max
    _split_features(nodes["feature_idx"], split, limit, path, where)
    numeric = split & (nodes["is_categorical"] == 0)
    _require(not np.isnan(nodes["num_threshold"][numeric]).any(), path, where, "NaN threshold")
    for name in ("binned_left_cat_bitsets", "raw_left_cat_bitsets"):
        bitsets = _array(getattr(predictor, name), path, f"{where}.{name}", 2, "u")
        _require(bitsets.shape[1] == 8, path, where, f"{name} of shape {bitsets.shape}")
        used = nodes["bitset_idx"][split & (nodes["is_categorical"] != 0)]
        _require((used < len(bitsets)).all(), path, where, f"a bitset index beyond {len(bitsets)}")


def _bin_mapper(mapper, where, n_features, path) -> None:
    thresholds = getattr(mapper, "bin_thresholds_", None)
    if thresholds is None:
        return
    counts = _array(mapper.n_bins_non_missing_, path, f"{where}.n_bins_non_missing_", 1)
    _require(
        len(thresholds) == len(counts) and (n_features is None or len(counts) == n_features),
        path,
        where,
        f"{len(thresholds)} threshold arrays and {len(counts)} bin counts for "
        f"{n_features} features",
    )
    for i, values in enumerate(thresholds):
        _array(values, path, f"{where}.bin_thresholds_[{i}]", 1, "f")
        _require(len(values) < 256, path, where, f"feature {i} has {len(values)} thresholds")
    _require(0 <= int(mapper.missing_values_bin_idx_) <= 255, path, where, "missing bin index")


# ---------------------------------------------------------------------------- neighbours


def _binary_tree(tree, where, n_features, path) -> None:
    data, idx, node_data, bounds, _leaf, levels, n_nodes, *_rest, weight = tree.__getstate__()
    data = _array(data, path, f"{where}.data", 2, "f")
    n = len(data)
    _require(
        isinstance(idx, np.ndarray) and np.array_equal(np.sort(idx), np.arange(n)),
        path,
        where,
        f"the index array is not a permutation of the {n} rows",
    )
    _require(
        n_nodes == 2 ** int(levels) - 1 and node_data.shape == (n_nodes,),
        path,
        where,
        f"{n_nodes} nodes for {levels} levels, node data of shape {node_data.shape}",
    )
    start, end = node_data["idx_start"], node_data["idx_end"]
    _require(((0 <= start) & (start <= end) & (end <= n)).all(), path, where, "node ranges")
    inner = np.flatnonzero(node_data["is_leaf"] == 0)
    _require((2 * inner + 2 < n_nodes).all(), path, where, "a split node without children")
    _require(
        bounds.ndim == 3 and bounds.shape[1:] == (n_nodes, data.shape[1]),
        path,
        where,
        f"node bounds of shape {bounds.shape}",
    )
    _require(weight is None or np.shape(weight) == (n,), path, where, "sample weights")
    if n_features is not None:
        _require(data.shape[1] == n_features, path, where, f"data has {data.shape[1]} features")
    from sklearn.metrics._dist_metrics import DistanceMetric

    metric = _rest[-1]  # the state holds it, not an attribute: the walk would not reach it
    _require(isinstance(metric, DistanceMetric), path, where,
             f"its distance metric is a {type(metric).__name__}")
    _metric(metric, f"{where}.dist_metric", data.shape[1], path)


def _metric(metric, where, n_features, path) -> None:
    """The exponent, and the arrays a metric reads in its compiled loops: they must span the
    data's features exactly (the loops run over the data's width, unchecked)."""
    p, vec, mat = metric.__getstate__()
    _require(float(p) > 0, path, where, f"the metric's p is {p}")
    vec = _array(vec, path, f"{where}.vec", 1, "f")
    mat = _array(mat, path, f"{where}.mat", 2, "f")
    name = type(metric).__name__
    reads = {"Mahalanobis": "mat", "SEuclidean": "vec"}.get(name.split("Distance")[0])
    if name.startswith("Minkowski") and vec.size:
        reads = "vec"  # a weighted Minkowski: its weights
    if reads is None:
        return
    _require(n_features is not None, path, where,
             f"a {name} with its own {reads} outside a fitted tree or model")
    array = vec if reads == "vec" else mat
    shape = (n_features,) if reads == "vec" else (n_features, n_features)
    _require(array.shape == shape and np.isfinite(array).all(), path, f"{where}.{reads}",
             f"shape {array.shape} for {n_features} features (finite values needed)")


def _bspline(spline, where, n_features, path) -> None:
    t, c, k = spline.t, spline.c, spline.k
    _array(t, path, f"{where}.t", 1, "f")
    ok = isinstance(k, int | np.integer) and 0 <= k < len(t) and np.isfinite(t).all()
    ok = ok and bool((np.diff(t) >= 0).all()) and len(t) >= 2 * k + 2
    ok = ok and isinstance(c, np.ndarray) and c.ndim >= 1 and c.shape[0] >= len(t) - k - 1
    _require(ok, path, where, f"{len(t)} knots, degree {k} and coefficients do not agree")


# ---------------------------------------------------------------------------- estimators


def _estimator(est, where, n_features, path) -> None:
    state = vars(est)
    if "support_vectors_" in state:
        _libsvm(est, where, path)
    if "cluster_centers_" in state and n_features is not None:
        centres = np.asarray(state["cluster_centers_"])
        _require(
            centres.ndim == 2 and centres.shape[1] == n_features,
            path,
            where,
            f"cluster centres of shape {centres.shape} for {n_features} features",
        )
    if "_fit_X" in state and n_features is not None and state.get("metric") != "precomputed":
        fit_x = state["_fit_X"]
        _require(
            getattr(fit_x, "ndim", 0) == 2 and fit_x.shape[1] == n_features,
            path,
            where,
            f"fitted data of shape {getattr(fit_x, 'shape', None)} for {n_features} features",
        )
    if "estimators_" in state and n_features is not None:
        _ensemble(est, where, n_features, path)
    if "_predictors" in state:
        per_iteration = int(state.get("n_trees_per_iteration_", 1))
        sizes = {len(stage) for stage in state["_predictors"]}
        _require(
            sizes <= {per_iteration},
            path,
            where,
            f"iterations of {sorted(sizes)} predictors, expected {per_iteration}",
        )


def _ensemble(est, where, n_features, path) -> None:
    from sklearn.ensemble import IsolationForest
    from sklearn.ensemble._forest import BaseForest
    from sklearn.ensemble._gb import BaseGradientBoosting

    if not isinstance(est, BaseForest | BaseGradientBoosting | IsolationForest):
        return
    members = np.asarray(est.estimators_, dtype=object)
    if isinstance(est, BaseGradientBoosting):
        per_stage = int(getattr(est, "n_trees_per_iteration_", members.shape[-1]))
        _require(
            members.ndim == 2 and members.shape[1] == per_stage,
            path,
            where,
            f"stages of shape {members.shape}, {per_stage} trees per stage",
        )
    subsets = getattr(est, "estimators_features_", None)
    for i, member in enumerate(members.ravel()):
        expected = n_features
        if isinstance(est, IsolationForest):
            features = np.asarray(subsets[i])
            inside = ((features >= 0) & (features < n_features)).all()
            _require(inside, path, f"{where}.estimators_features_[{i}]", "features outside")
            expected = len(features)
        tree = getattr(member, "tree_", None)
        _require(
            tree is not None and int(tree.n_features) == expected,
            path,
            f"{where}.estimators_[{i}]",
            f"expected a tree over {expected} features",
        )
        if isinstance(est, BaseGradientBoosting):
            shape = tree.__getstate__()["values"].shape
            _require(shape[1:] == (1, 1), path, f"{where}.estimators_[{i}]", f"values {shape}")


def _libsvm(est, where, path) -> None:
    vectors, support = est.support_vectors_, np.asarray(est.support_)
    n_sv = len(support)
    rows = vectors.shape[0] if hasattr(vectors, "shape") else -1
    fit_rows = int(est.shape_fit_[0])
    _require(rows == n_sv, path, where, f"{rows} support vectors, {n_sv} support indices")
    _require(((support >= 0) & (support < fit_rows)).all(), path, where, "support indices")
    dual, intercept = np.asarray(est._dual_coef_), np.asarray(est._intercept_)
    _require(dual.ndim == 2 and dual.shape[1] == n_sv, path, where, f"dual coef {dual.shape}")
    counts = np.asarray(est._n_support)
    classes = getattr(est, "classes_", None)
    if (
        classes is not None
        and len(classes) >= 2
        and getattr(est, "_impl", "") in ("c_svc", "nu_svc")
    ):
        k = len(classes)
        ok = counts.shape == (k,) and int(counts.sum()) == n_sv and (counts >= 0).all()
        ok = ok and dual.shape[0] == k - 1 and intercept.shape == (k * (k - 1) // 2,)
        _require(ok, path, where, f"class counts {counts.tolist()} for {n_sv} support vectors")
        for name in ("_probA", "_probB"):
            size = np.asarray(getattr(est, name)).size
            _require(size in (0, k * (k - 1) // 2), path, where, f"{name} of size {size}")
    else:
        ok = dual.shape[0] == 1 and intercept.shape == (1,) and (counts <= n_sv).all()
        _require(ok, path, where, f"dual coef {dual.shape} and intercept {intercept.shape}")
