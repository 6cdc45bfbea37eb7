"""Check data against what a model accepts, and turn it into what scikit-learn wants.

Features arrive as numpy arrays, polars, pandas or Arrow tables; targets as
arrays, lists or Series. A column that does not fit the model is refused with
its name, its scientific type, the types the model takes and the
``tk.coerce`` call (or pipeline) that fixes it.

>>> import polars as pl
>>> X = pl.DataFrame({"a": [1.0, 2.0], "b": [3, 4]})
>>> features(X, "Ridge", accepts=NUMERIC, allow_nan=False).tolist()
[[1.0, 3.0], [2.0, 4.0]]
>>> labels(pl.Series("y", ["b", "a", "b"])).tolist(), training_classes(pl.Series(["b", "a"]))
(['b', 'a', 'b'], ('a', 'b'))
"""

from __future__ import annotations

import numpy as np
import polars as pl

from toolkit.data.frames import (
    as_polars,
    as_polars_vector,
    column_names,
    is_table,
    table_kind,
    to_numpy,
)
from toolkit.errors import DataError, NotNumericError, SchemaError

# Scientific types a plain numeric scikit-learn estimator takes: it casts every
# numeric column to float, so integer (Count) columns work as they do in sklearn.
NUMERIC = ("Continuous", "Count")
FINITE = ("Multiclass", "OrderedFactor", "Binary")


def _is_sparse(X) -> bool:
    return type(X).__module__.startswith("scipy.sparse")


def check_X(X, model: str, *, fitting: bool = False):
    """``check_X(X, model, fitting=False) -> X``: refuse features no toolkit model can take.

    Sparse matrices, complex numbers and arrays that are not 2-D are refused (their
    messages use scikit-learn's words, so its estimator checks recognise them); when
    ``fitting``, so are data with no rows or no columns. A table is returned as it is;
    anything else (a list, an array-like) as a numpy array.

    >>> check_X([[1.0, 2.0]], "Ridge").shape
    (1, 2)
    >>> try:
    ...     check_X(np.zeros(3), "Ridge")
    ... except DataError as error:
    ...     print(str(error)[:52])
    Ridge expected a 2D array, got a 1D array instead: s
    """
    if _is_sparse(X):
        msg = (
            f"{model} does not support sparse input (got a scipy.sparse {type(X).__name__}); "
            "Fix: pass a dense array, X.toarray()"
        )
        raise DataError(msg)
    if not is_table(X):
        X = np.asarray(X)
        if X.dtype.kind == "c":
            msg = (
                f"Complex data not supported by {model} (dtype {X.dtype}); Fix: pass the real "
                "and imaginary parts as separate columns, np.hstack([X.real, X.imag])"
            )
            raise DataError(msg)
        if X.ndim != 2:
            msg = (
                f"{model} expected a 2D array, got a {X.ndim}D array instead: shape {X.shape}. "
                "Reshape your data either using X.reshape(-1, 1) if it has a single feature "
                "or X.reshape(1, -1) if it is a single sample"
            )
            raise DataError(msg)
    if fitting:
        _check_not_empty(X, model)
    return X


def _check_not_empty(X, model: str) -> None:
    shape = (len(X), _width(X))
    if shape[0] == 0:
        raise DataError(f"{model} cannot fit on 0 samples (shape={shape}); pass at least 1 row")
    if shape[1] == 0:
        msg = (
            f"{model} got 0 feature(s) (shape={shape}) while a minimum of 1 is required. "
            "Fix: pass at least one column"
        )
        raise DataError(msg)


def check_y(X, y, model: str):
    """``check_y(X, y, model) -> y``: a target that is given, with one value per row of ``X``.

    >>> check_y(np.zeros((2, 1)), [0, 1], "Ridge").tolist()
    [0, 1]
    """
    if y is None:
        msg = (
            f"{model} requires y to be passed, but the target y is None; "
            "Fix: fit(X, y) with one target value per row of X"
        )
        raise DataError(msg)
    if table_kind(y) in ("numpy", "list", "unknown"):
        y = np.asarray(y)
    if len(y) != len(X):
        msg = (
            f"{model}: X has {len(X)} rows (samples) but y has {len(y)} values; "
            "Fix: pass one target value per row of X"
        )
        raise DataError(msg)
    return y


def scitype_name(column: pl.Series) -> str:
    """``scitype_name(column) -> str``: the scientific type of one column, by name."""
    from toolkit.data.scitypes import scitype_of

    return scitype_of(column).__name__


def _dtype_scitype(array: np.ndarray) -> str:
    """The scientific type a numpy dtype stands for (numpy arrays carry no more)."""
    if array.dtype.kind == "f":
        return "Continuous"
    if array.dtype.kind in "iu":
        return "Count"
    if array.dtype.kind == "b":
        return "Binary"
    return "Textual" if array.dtype.kind in "USO" else "Unknown"


def _mismatch(model: str, column: str, has: str, accepts, dtype) -> SchemaError:
    fix = "Continuous" if "Continuous" in accepts else accepts[0]
    msg = (
        f"{model} cannot take column {column!r}: its scientific type is {has} (dtype {dtype}) "
        f"but {model} needs {' or '.join(accepts)} columns. Fix: "
        f'tk.coerce(X, {{"{column}": tk.{fix}}}) if its values are numbers, or encode it first: '
        f"tk.OneHotEncoder() >> {model}()"
    )
    return SchemaError(msg)


def _missing(model: str, column: str, count: int) -> SchemaError:
    msg = (
        f"column {column!r} has {count} missing values (NaN) but {model} cannot take missing "
        f"values (its scikit-learn tag allow_nan is False); fill them first: "
        f"tk.FillImputer() >> {model}()"
    )
    return SchemaError(msg)


def fits(column: pl.Series, has: str, accepts) -> bool:
    # scikit-learn treats any numeric or boolean column as numbers, whatever its
    # scitype; a column coerced to a categorical (non-numeric) dtype is refused.
    numeric = column.dtype.is_numeric() or column.dtype == pl.Boolean
    return has in accepts or (numeric and "Continuous" in accepts)


def _check_table(df: pl.DataFrame, model: str, accepts) -> None:
    numeric = all(t.is_numeric() or t == pl.Boolean for t in df.schema.dtypes())
    if numeric and "Continuous" in accepts:
        return  # the common case needs no scitype inference
    from toolkit.data.scitypes import scitypes

    for name, kind in scitypes(df).items():
        column = df.get_column(name)
        if not fits(column, kind.__name__, accepts):
            raise _mismatch(model, name, kind.__name__, accepts, column.dtype)


def _check_missing(X: np.ndarray, names, model: str) -> None:
    if X.dtype.kind == "f":
        bad = np.isnan(X).sum(axis=0)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise _missing(model, names[first], int(bad[first]))
        infinite = np.isinf(X).any(axis=0)
        if infinite.any():
            column = names[int(np.flatnonzero(infinite)[0])]
            msg = (
                f"column {column!r} has infinite values (inf) but {model} needs finite numbers; "
                f"Fix: replace them first, e.g. np.nan_to_num(X) or clip the column"
            )
            raise SchemaError(msg)


def _check_array(X: np.ndarray, model: str, accepts) -> None:
    has = _dtype_scitype(X)
    if has not in accepts and has != "Binary":
        msg = (
            f"{model} needs {' or '.join(accepts)} columns, but this numpy array has dtype "
            f"{X.dtype} (scientific type {has}). Fix: X.astype(float) if it holds numbers; "
            f"otherwise make it a table and encode it: tk.OneHotEncoder() >> {model}()"
        )
        raise SchemaError(msg)


def _numbers(X: np.ndarray, model: str) -> np.ndarray:
    """An object array holding numbers as a float array; one holding text stays as it is."""
    if X.dtype != object:
        return X
    try:
        return X.astype(np.float64)
    except ValueError:  # text: refused by scientific type, with its fix
        return X
    except TypeError as error:
        msg = (
            f"{model} needs numbers, but this object array holds a value that is neither a "
            f"number nor text ({error}); Fix: give X numbers only, e.g. X.astype(float)"
        )
        raise NotNumericError(msg) from None


def features(X, model: str, *, accepts=NUMERIC, allow_nan: bool = False) -> np.ndarray:
    """``features(X, model, accepts=..., allow_nan=...) -> (n_samples, n_features) array``.

    Checks every column's scientific type (and missing values) and returns a
    float array; ``model`` names the model in error messages.
    """
    if isinstance(X, np.ndarray) or (not hasattr(X, "columns") and not hasattr(X, "schema")):
        X = _numbers(np.asarray(X), model)
        if X.ndim != 2:
            msg = f"{model} needs features of shape (n_samples, n_features), got shape {X.shape}"
            raise DataError(msg)
        _check_array(X, model, accepts)
        X = X if X.dtype.kind == "f" else X.astype(np.float64)
        names = column_names(X)
    else:
        df = as_polars(X)  # pandas ordered categoricals become Enum columns there
        _check_table(df, model, accepts)
        X, names = df.to_numpy().astype(np.float64, copy=False), df.columns
    if X.shape[0] == 0:
        msg = f"{model} got X with 0 rows (shape {X.shape}); give it at least one row"
        raise DataError(msg)
    if not allow_nan:  # polars nulls are NaN by now
        _check_missing(X, names, model)
    _check_infinite(X, names, model)
    return X


def _check_infinite(X: np.ndarray, names, model: str) -> None:
    if X.dtype.kind == "f" and not np.isfinite(X[~np.isnan(X)]).all():
        row, col = (int(i[0]) for i in np.nonzero(np.isinf(X)))
        msg = (
            f"{model}: column {names[col]!r} holds {X[row, col]} at row {row}; a model cannot "
            "use infinity: replace it, or mark it missing and impute (tk.FillImputer)"
        )
        raise DataError(msg)



def align(X, names, model: str, *, named: bool = True):
    """``align(X, names, model, named=True) -> X``: ``X`` with its columns in the fitted order.

    A table (polars, pandas, Arrow) is reordered to ``names``, the columns seen in
    fit; a fitted column it lacks, or a column fit never saw, is refused by name
    (as scikit-learn refuses names that differ from fit's). A numpy array, or any
    input to a model fitted on an array (``named=False``), must have as many
    columns as fit had.

    >>> X = pl.DataFrame({"b": [1.0], "a": [2.0]})
    >>> align(X, ["a", "b"], "Ridge").columns
    ['a', 'b']
    >>> try:
    ...     align(X, ["a", "c"], "Ridge")
    ... except SchemaError as error:
    ...     print(str(error)[:50])
    column 'c' was seen in fit but is missing here; Ri
    """
    names = [str(n) for n in names]
    if named and is_table(X):
        given = column_names(X)
        if given == names:
            return X
        _check_names(given, names, model)
        return _select(X, names)
    width = _width(X)
    if width is not None and width != len(names):
        msg = (
            f"X has {width} features, but {model} is expecting {len(names)} features as input "
            f"(the columns it was fitted on); pass the same columns as in fit, in the same order"
        )
        raise SchemaError(msg + (f": {names[:10]}" if named else ""))
    return X


def align_to_fit(model, X):
    """``align_to_fit(model, X) -> X``: :func:`align` to the columns ``model`` was fitted on.

    Uses ``model.feature_names_in_`` and ``model._fitted_on_table_``; a model without
    recorded names (one loaded from an older file) takes ``X`` as it is.
    """
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        return X
    named = getattr(model, "_fitted_on_table_", True)
    return align(X, list(names), type(model).__name__, named=named)


def _check_names(given: list, names: list, model: str) -> None:
    have = set(given)
    missing = [n for n in names if n not in have]
    if missing:
        msg = (
            f"column {missing[0]!r} was seen in fit but is missing here; {model} was fitted "
            f"on columns {names[:20]} and this table has {given[:20]}"
        )
        raise SchemaError(msg)
    fitted = set(names)
    extra = [n for n in given if n not in fitted]
    if extra:
        msg = (
            f"column(s) {extra[:10]} were not seen in fit; {model} was fitted on columns "
            f"{names[:20]}. Drop the others first, e.g. X.select({names[:20]!r}) (polars)"
        )
        raise SchemaError(msg)


def _select(X, names: list):
    if isinstance(X, pl.DataFrame) or table_kind(X) == "arrow":
        return X.select(names)
    by_name = {str(c): c for c in X.columns}  # pandas labels may be non-strings
    return X[[by_name[n] for n in names]]


def _width(X) -> int | None:
    if is_table(X):
        return len(column_names(X))
    shape = getattr(X, "shape", None) or np.shape(X)
    return shape[1] if len(shape) == 2 else None


def labels(y) -> np.ndarray:
    """``labels(y) -> (n_samples,) array``: class labels, strings as a numpy ``str`` array."""
    if isinstance(y, (pl.DataFrame,)) and y.width == 1:
        y = y.to_series()
    array = to_numpy(y)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.dtype == object and all(isinstance(v, str) for v in array.tolist()):
        array = array.astype(str)
    return array


def training_classes(y, *, pooled: bool = False) -> tuple:
    """``training_classes(y, pooled=False) -> tuple``: the class order a model keeps for ``y``.

    An ordered categorical target (polars ``Enum``, pandas ``Categorical``)
    keeps its own category order, limited to the classes present (all of its
    levels with ``pooled=True``, as MLJ keeps a categorical's pool); any other
    target sorts its classes, as scikit-learn and CategoricalArrays.jl do.

    >>> y = pl.Series(["b", "b"], dtype=pl.Enum(["c", "b", "a"]))
    >>> training_classes(y), training_classes(y, pooled=True)
    (('b',), ('c', 'b', 'a'))
    """
    present = np.unique(labels(y)).tolist()
    order = None
    if isinstance(y, pl.Series) and isinstance(y.dtype, pl.Enum):
        order = y.dtype.categories.to_list()
    elif table_kind(y) == "pandas" and str(y.dtype) == "category":
        order = [str(c) if isinstance(c, str) else c for c in y.cat.categories.tolist()]
    if order is None:
        return tuple(present)
    if pooled and set(present) <= set(order):
        return tuple(order)
    keep = set(present)
    return tuple(c for c in order if c in keep)


def check_target(y, model: str, kind: str) -> None:
    """Refuse a target whose scientific type the model cannot learn (with the fix)."""
    array = labels(y)
    if kind == "regressor" and array.dtype == object:
        array = _numbers(array, model)  # numbers held as Python objects count as numbers
    name = y.name if isinstance(y, pl.Series) and y.name else "y"
    if kind == "classifier" and array.dtype.kind == "f":
        finite = np.isfinite(array)
        if not finite.all() or not np.array_equal(array, np.round(array)):
            msg = (
                f"Unknown label type: {model} needs a Finite target (Multiclass, OrderedFactor, "
                f"Binary) or integer labels, but target {name!r} is continuous (scientific type "
                f"Continuous, non-integer or non-finite floats). "
                f'Fix: tk.coerce(table, {{"{name}": tk.Multiclass}}), or use a regressor'
            )
            raise SchemaError(msg)
    if kind == "regressor" and array.dtype.kind not in "fiub":
        has = scitype_name(
            as_polars_vector(np.asarray(array)) if not isinstance(y, pl.Series) else y
        )
        msg = (
            f"{model} needs a Continuous or Count target but target {name!r} has scientific "
            f"type {has} (dtype {array.dtype}). Fix: "
            f'tk.coerce(table, {{"{name}": tk.Continuous}}) if its values are numbers, or use a '
            f"classifier"
        )
        raise SchemaError(msg)
    if kind == "regressor" and array.dtype.kind == "f" and not np.isfinite(array).all():
        msg = (
            f"target {name!r} contains NaN or infinity but {model} needs finite target values; "
            "Fix: drop those rows first"
        )
        raise SchemaError(msg)
