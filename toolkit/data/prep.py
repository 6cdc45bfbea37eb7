"""Feature preparation: impute, one-hot, standardize; fitted once, applied to new rows, JSON.

:class:`FeaturePrep` turns a table with missing values and text columns into a
float32 matrix ``(N, F)``. It is composed of three separable steps, each of
which fits on polars frames, transforms polars frames and round-trips through
JSON on its own (the models layer wraps them as MLJ-style transformers):

- :class:`Imputer` fills missing values (numbers: mean / median / mode / constant;
  categories: the mode, or a constant);
- :class:`OneHot` turns each categorical column into one 0/1 column per level
  seen when fitting (levels sorted, like scikit-learn);
- :class:`Standardize` centres and scales the numeric columns (population
  standard deviation, 1 where a column is constant, like scikit-learn).

Numeric columns are integers, floats and booleans; categorical columns are
strings, Categorical and Enum columns. Steps are written as polars expressions
and composed symbolically, so :meth:`FeaturePrep.transform` is one ``select``
producing every output column and one ``to_numpy()``; fitting computes each
step's statistics in one ``select`` over the input, without materialising the
intermediate tables.

>>> import polars as pl
>>> X = pl.DataFrame({"w": [1.0, None, 3.0], "c": ["a", "b", None]})
>>> prep = FeaturePrep().fit(X)
>>> prep.feature_names_
['w', 'c__a', 'c__b']
>>> prep.transform(X).tolist()
[[-1.224744..., 1.0, 0.0], [0.0, 0.0, 1.0], [1.224744..., 1.0, 0.0]]
>>> FeaturePrep.from_json(prep.to_json()).transform(X).tolist() == prep.transform(X).tolist()
True
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl

from toolkit.data.frames import as_polars
from toolkit.errors import DataError, NotTrainedError, SchemaError, WriteError, did_you_mean
from toolkit.registry import check_keywords

IMPUTE = ("mean", "median", "mode", "constant")
UNSEEN = ("error", "zeros")


# ---------------------------------------------------------------- shared helpers


def _frame(X) -> pl.DataFrame:
    frame = as_polars(X)
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


def is_numeric(dtype) -> bool:
    """``is_numeric(dtype)``: integers, floats, decimals and booleans are numeric features."""
    return dtype.is_numeric() or dtype == pl.Boolean


def is_categorical(dtype) -> bool:
    """``is_categorical(dtype)``: strings, Categorical and Enum columns are one-hot encoded."""
    return dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))


def _choose(name: str, value, valid) -> None:
    if value not in valid:
        raise DataError(f"{name}={value!r} is not an option; {did_you_mean(value, valid)}")


def input_exprs(frame: pl.DataFrame, numeric, categorical) -> dict[str, pl.Expr]:
    """``input_exprs(frame, numeric, categorical)``: each column read as Float64 or String.

    Refuses a missing column (naming it and the closest names) before anything runs.
    """
    names = set(frame.columns)
    for c in (*numeric, *categorical):
        if c not in names:
            raise SchemaError(
                f"the data has no column {c!r}, which was there when fitting; "
                f"{did_you_mean(c, frame.columns)}"
            )
    exprs = {c: pl.col(c).cast(pl.Float64) for c in numeric}
    exprs.update({c: pl.col(c).cast(pl.String) for c in categorical})
    return exprs


def _select(frame: pl.DataFrame, exprs: dict[str, pl.Expr], shared=True) -> pl.DataFrame:
    """One select; ``shared``: lazily, so that polars shares common sub-expressions.

    Statistics (one independent aggregate per column) are selected eagerly: the lazy
    optimiser's passes grow faster than linearly in the number of such aggregates
    (5,500 of them: 1.6 s lazily, 0.02 s eagerly).
    """
    columns = [e.alias(n) for n, e in exprs.items()]
    try:
        return frame.lazy().select(columns).collect() if shared else frame.select(columns)
    except pl.exceptions.PolarsError as error:
        first = str(error).splitlines()[0]
        raise SchemaError(
            f"a column could not be read as fitted (numbers or text): {first}"
        ) from error


def _require(step, attribute: str) -> None:
    if not hasattr(step, attribute):
        raise NotTrainedError(
            f"{type(step).__name__} is not fitted yet; call .fit(training_rows) first"
        )


# ---------------------------------------------------------------- the steps


class Imputer:
    """``Imputer(strategy="mean", fill_value=None, columns=None)``: fill missing values.

    Numeric columns are filled with their ``"mean"``, ``"median"``, ``"mode"``
    or a ``"constant"``; categorical columns with their mode (most frequent
    value, the smallest on ties, as scikit-learn) — or, with ``"constant"``, a
    constant. ``fill_value`` (``"constant"`` only) is a number for the numeric
    columns (default 0), a string for the categorical ones (default
    ``"missing"``), or a dict ``{column: value}``. ``columns`` limits the step
    to those columns; the others pass through unchanged.

    Fitted state: ``fill_`` ``{column: value}``.

    >>> X = pl.DataFrame({"a": [1.0, None, 5.0], "s": ["x", None, "x"]})
    >>> Imputer("median").fit(X).transform(X).rows()
    [(1.0, 'x'), (3.0, 'x'), (5.0, 'x')]
    >>> Imputer("constant", fill_value={"a": -1.0, "s": "?"}).fit(X).transform(X)["s"].to_list()
    ['x', '?', 'x']
    """

    def __init__(self, strategy="mean", fill_value=None, columns=None):
        _choose("strategy", strategy, IMPUTE)
        self.strategy, self.fill_value, self.columns = strategy, fill_value, columns

    def _constant(self, name: str, numeric: bool):
        value = self.fill_value
        if isinstance(value, dict):
            if name not in value:
                raise DataError(
                    f"fill_value has no entry for column {name!r}; give one for every column"
                )
            value = value[name]
        elif isinstance(value, str) == numeric:  # a number fills numbers, a string fills text
            value = None
        if value is None:
            return 0.0 if numeric else "missing"
        return float(value) if numeric else str(value)

    def _statistic(self, name: str, expr: pl.Expr, numeric: bool) -> pl.Expr:
        if numeric and self.strategy == "mean":
            return expr.mean()
        if numeric and self.strategy == "median":
            return expr.median()
        return expr.drop_nulls().mode().sort().first()

    def fit(self, X, exprs: dict[str, pl.Expr] | None = None) -> Imputer:
        """``fit(X, exprs=None)``: learn the fill values (``exprs``: column → values to read)."""
        frame = _frame(X)
        exprs = exprs or _default_exprs(frame, self.columns)
        dtypes = _expr_dtypes(frame, exprs)
        numeric = {c: is_numeric(t) for c, t in dtypes.items()}
        fill = {c: self._constant(c, numeric[c]) for c in exprs if self.strategy == "constant"}
        stats = {c: self._statistic(c, e, numeric[c]) for c, e in exprs.items() if c not in fill}
        if stats:
            row = _select(frame, stats, shared=False).row(0, named=True)
            empty = [c for c, v in row.items() if v is None]
            if empty:
                raise DataError(
                    f"column {empty[0]!r} has no values to learn a fill value from; "
                    "drop it or use strategy='constant'"
                )
            fill.update(row)
        self.fill_ = {c: fill[c] for c in exprs}
        _check_enum_fill(dtypes, self.fill_)
        return self

    def expressions(self, exprs: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
        """``expressions(exprs) -> exprs``: the fitted columns filled; the others unchanged."""
        _require(self, "fill_")
        return {
            c: (e.fill_null(pl.lit(self.fill_[c])) if c in self.fill_ else e)
            for c, e in exprs.items()
        }

    def transform(self, X) -> pl.DataFrame:
        """``transform(X) -> pl.DataFrame``: X with the missing values filled."""
        _require(self, "fill_")
        frame = _frame(X)
        base = {c: pl.col(c) for c in frame.columns}
        return _select(frame, self.expressions(base))

    def to_dict(self) -> dict:
        _require(self, "fill_")
        params = {"strategy": self.strategy, "fill_value": self.fill_value, "columns": self.columns}
        return {"step": "Imputer", "params": params, "fill": self.fill_}

    @classmethod
    def from_dict(cls, d: dict) -> Imputer:
        step = cls(**d["params"])
        step.fill_ = dict(d["fill"])
        return step


class OneHot:
    """``OneHot(columns=None, unseen="error")``: a 0/1 column per level of each categorical column.

    The levels are the sorted distinct non-missing values seen when fitting
    (``levels_``); output columns are named ``column__level`` and replace the
    column in place. A value not seen when fitting raises naming the column,
    the value and the row (``unseen="error"``) or gives an all-zero row
    (``unseen="zeros"``). A missing value gives an all-zero row (impute first
    to avoid that). Numeric columns pass through unless named in ``columns``
    (then they are one-hot encoded by their text, ``"1"``, ``"2"``...).

    >>> X = pl.DataFrame({"c": ["b", "a", "b"], "x": [1.0, 2.0, 3.0]})
    >>> step = OneHot().fit(X)
    >>> step.levels_, step.transform(X).rows()
    ({'c': ['a', 'b']}, [(0.0, 1.0, 1.0), (1.0, 0.0, 2.0), (0.0, 1.0, 3.0)])
    >>> OneHot(unseen="zeros").fit(X).transform(pl.DataFrame({"c": ["z"], "x": [0.0]})).rows()
    [(0.0, 0.0, 0.0)]
    """

    def __init__(self, columns=None, unseen="error"):
        _choose("unseen", unseen, UNSEEN)
        self.columns, self.unseen = columns, unseen

    def fit(self, X, exprs: dict[str, pl.Expr] | None = None) -> OneHot:
        """``fit(X, exprs=None)``: learn the levels of the categorical columns."""
        frame = _frame(X)
        if exprs is None:
            chosen = self.columns or [c for c, t in frame.schema.items() if is_categorical(t)]
            exprs = {c: pl.col(c).cast(pl.String) for c in chosen}
        levels = {c: e.drop_nulls().unique().sort().implode() for c, e in exprs.items()}
        row = _select(frame, levels, shared=False)
        self.levels_ = {c: row.get_column(c)[0].to_list() for c in exprs}
        return self

    def check_unseen(self, frame: pl.DataFrame, exprs: dict[str, pl.Expr], where=None) -> None:
        """Raise naming the column, value and row of the first value not seen when fitting."""
        flags = _select(frame, self.unseen_flags(exprs))
        for c in flags.columns:
            if flags.get_column(c).any():
                self.raise_unseen(frame, c, flags.get_column(c), where)

    def expressions(self, exprs: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
        """``expressions(exprs) -> exprs``: each fitted column replaced by its 0/1 columns."""
        _require(self, "levels_")
        out = {}
        for c, e in exprs.items():
            if c not in self.levels_:
                out[c] = e
                continue
            codes = self._codes(c, e)
            for k, level in enumerate(self.levels_[c]):
                out[f"{c}__{level}"] = (codes == k).fill_null(False).cast(pl.Float32)
        return out

    def _codes(self, column: str, expr: pl.Expr) -> pl.Expr:
        # one cast to the fitted levels (unseen → null), shared by the K outputs through polars' CSE
        return expr.cast(pl.Enum(self.levels_[column]), strict=False).to_physical()

    def unseen_flags(self, exprs: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
        """``unseen_flags(exprs) -> {column: bool expr}``: True where a value is new."""
        _require(self, "levels_")
        return {
            c: self._codes(c, exprs[c]).is_null() & exprs[c].is_not_null() for c in self.levels_
        }

    def raise_unseen(self, frame: pl.DataFrame, column: str, flags: pl.Series, where=None) -> None:
        """Raise for the first row ``flags`` marks in ``column``, naming the value and the row."""
        row = int(flags.arg_max())
        value = frame.get_column(column)[row]
        place = where(row) if where else f"row {row}"
        levels = self.levels_[column]
        msg = (
            f"column {column!r}: {place} holds {value!r}, a category not seen when fitting "
            f"(levels: {levels[:10]!r}{'...' if len(levels) > 10 else ''}); "
            "refit on data that has it, or use unseen='zeros' for an all-zero row"
        )
        raise DataError(msg)

    def transform(self, X) -> pl.DataFrame:
        """``transform(X) -> pl.DataFrame``: X with the categorical columns one-hot encoded."""
        _require(self, "levels_")
        frame = _frame(X)
        base = {
            c: (pl.col(c).cast(pl.String) if c in self.levels_ else pl.col(c))
            for c in frame.columns
        }
        if self.unseen == "error":
            self.check_unseen(frame, base)
        return _select(frame, self.expressions(base))

    def to_dict(self) -> dict:
        _require(self, "levels_")
        return {
            "step": "OneHot",
            "params": {"columns": self.columns, "unseen": self.unseen},
            "levels": self.levels_,
        }

    @classmethod
    def from_dict(cls, d: dict) -> OneHot:
        step = cls(**d["params"])
        step.levels_ = {c: list(v) for c, v in d["levels"].items()}
        return step


def _float_of(dtype) -> pl.DataType:
    return pl.Float32 if dtype == pl.Float32 else pl.Float64


class Standardize:
    """``Standardize(columns=None)``: ``(x - mean_) / scale_`` for each numeric column.

    ``scale_`` is the population standard deviation (``ddof=0``), or 1 for a
    constant column, as scikit-learn's ``StandardScaler``. Missing values stay
    missing. Other columns pass through.

    >>> X = pl.DataFrame({"a": [1.0, 3.0], "b": [5, 5]})
    >>> step = Standardize().fit(X)
    >>> step.mean_, step.scale_, step.transform(X).rows()
    ({'a': 2.0, 'b': 5.0}, {'a': 1.0, 'b': 1.0}, [(-1.0, 0.0), (1.0, 0.0)])
    """

    def __init__(self, columns=None):
        self.columns = columns

    def fit(self, X, exprs: dict[str, pl.Expr] | None = None) -> Standardize:
        """``fit(X, exprs=None)``: learn each numeric column's mean and scale."""
        frame = _frame(X)
        if exprs is None:
            chosen = self.columns or [c for c, t in frame.schema.items() if is_numeric(t)]
            exprs = {c: pl.col(c).cast(pl.Float64) for c in chosen}
        stats = {f"m\x00{c}": e.mean() for c, e in exprs.items()}
        stats.update({f"s\x00{c}": e.std(ddof=0) for c, e in exprs.items()})
        row = _select(frame, stats, shared=False).row(0, named=True) if stats else {}
        self.mean_ = {c: row[f"m\x00{c}"] if row[f"m\x00{c}"] is not None else 0.0 for c in exprs}
        self.scale_ = {c: (row[f"s\x00{c}"] or 1.0) for c in exprs}
        return self

    def expressions(self, exprs: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
        """``expressions(exprs) -> exprs``: fitted columns standardized; the others unchanged."""
        _require(self, "mean_")
        return {
            c: ((e - self.mean_[c]) / self.scale_[c] if c in self.mean_ else e)
            for c, e in exprs.items()
        }

    def transform(self, X) -> pl.DataFrame:
        """``transform(X) -> pl.DataFrame``: X with the numeric columns standardized."""
        _require(self, "mean_")
        frame = _frame(X)
        # Float32 stays Float32 (as scikit-learn's scalers keep float32); others become Float64.
        base = {
            c: (pl.col(c).cast(_float_of(frame.schema[c])) if c in self.mean_ else pl.col(c))
            for c in frame.columns
        }
        return _select(frame, self.expressions(base))

    def to_dict(self) -> dict:
        _require(self, "mean_")
        return {
            "step": "Standardize",
            "params": {"columns": self.columns},
            "mean": self.mean_,
            "scale": self.scale_,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Standardize:
        step = cls(**d["params"])
        step.mean_, step.scale_ = dict(d["mean"]), dict(d["scale"])
        return step


STEPS = {"Imputer": Imputer, "OneHot": OneHot, "Standardize": Standardize}


def _check_enum_fill(dtypes: dict, fill: dict) -> None:
    for c, dtype in dtypes.items():
        levels = dtype.categories.to_list() if isinstance(dtype, pl.Enum) else None
        if levels is not None and fill[c] not in levels:
            msg = (
                f"column {c!r} is an Enum with levels {levels!r}, and the fill value "
                f"{fill[c]!r} is not one of them; pass fill_value={{{c!r}: <a level>}} "
                "or cast the column to String"
            )
            raise DataError(msg)


def _expr_dtypes(frame: pl.DataFrame, exprs: dict[str, pl.Expr]) -> dict[str, pl.DataType]:
    """The dtype of every expression, from one schema resolution (not one per column)."""
    schema = frame.lazy().select([e.alias(c) for c, e in exprs.items()]).collect_schema()
    return dict(schema.items())


def _default_exprs(frame: pl.DataFrame, columns) -> dict[str, pl.Expr]:
    return {c: pl.col(c) for c in (columns or frame.columns)}


# ---------------------------------------------------------------- the composition


@check_keywords
class FeaturePrep:
    """``FeaturePrep(impute="mean", fill_value=None, onehot=True, standardize=True,
    unseen="error", columns=None)``

    Fitted, reusable preparation of a table's features into a float32 matrix:
    ``fit`` on the training rows, ``transform(new_rows) -> float32 (N, F)``,
    ``apply(table) -> tk.ArrayDataset`` (batches through ``tk.DataLoader`` like
    any arrays), ``save``/``load`` as JSON (never pickle).

    - ``impute``: ``"mean"`` / ``"median"`` / ``"mode"`` / ``"constant"`` for the numeric
      columns (categorical ones take their mode, or the constant; see :class:`Imputer`),
      or ``None`` to leave missing values (numbers then come out as NaN);
    - ``onehot``: one-hot encode the categorical (string, Categorical, Enum) columns;
      with ``False`` a categorical column is refused;
    - ``standardize``: centre and scale the numeric columns (not the one-hot ones);
    - ``unseen``: a category not seen when fitting raises (``"error"``, naming column,
      value and row) or gives an all-zero one-hot row (``"zeros"``);
    - ``columns``: the feature columns to use (default: a Table's ``features``, or
      every column of a frame).

    Output columns follow the input column order, each categorical column
    expanded in place into ``column__level`` columns: see ``feature_names_``.

    >>> import polars as pl
    >>> train = pl.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]})
    >>> prep = FeaturePrep(standardize=False, unseen="zeros").fit(train)
    >>> prep.transform(pl.DataFrame({"x": [None], "c": ["new"]})).tolist()
    [[2.0, 0.0, 0.0]]
    """

    def __init__(
        self,
        impute="mean",
        fill_value=None,
        onehot=True,
        standardize=True,
        unseen="error",
        columns=None,
    ):
        if impute is not None:
            _choose("impute", impute, IMPUTE)
        _choose("unseen", unseen, UNSEEN)
        self.impute, self.fill_value, self.onehot = impute, fill_value, bool(onehot)
        self.standardize, self.unseen = bool(standardize), unseen
        self.columns = None if columns is None else list(columns)

    def __repr__(self) -> str:
        state = (
            f", {len(self.feature_names_)} outputs"
            if hasattr(self, "feature_names_")
            else ", unfitted"
        )
        return (
            f"FeaturePrep(impute={self.impute!r}, onehot={self.onehot}, "
            f"standardize={self.standardize}, "
            f"unseen={self.unseen!r}{state})"
        )

    # -- fitting

    def _columns(self, X, frame: pl.DataFrame) -> list[str]:
        if self.columns is not None:
            return self.columns
        return list(X.features) if getattr(type(X), "_toolkit_table", False) else frame.columns

    def _kinds(self, frame: pl.DataFrame, columns) -> tuple[list[str], list[str]]:
        numeric, categorical = [], []
        schema = frame.schema  # built afresh on every access: once, not once per column
        for c in columns:
            if c not in schema:
                raise SchemaError(
                    f"columns=: the data has no column {c!r}; {did_you_mean(c, frame.columns)}"
                )
            dtype = schema[c]
            if is_numeric(dtype):
                numeric.append(c)
            elif is_categorical(dtype) and self.onehot:
                categorical.append(c)
            else:
                fix = (
                    "set onehot=True"
                    if is_categorical(dtype)
                    else "convert it (tk.coerce) or leave it out"
                )
                msg = (
                    f"column {c!r} is {dtype}, which FeaturePrep cannot turn into numbers; "
                    f"{fix} (columns=[...])"
                )
                raise SchemaError(msg)
        return numeric, categorical

    def fit(self, X) -> FeaturePrep:
        """``fit(X) -> self``: learn fill values, levels and scales from the training rows.

        ``X``: a toolkit Table (its ``features`` are used), or a polars / pandas /
        pyarrow table.
        """
        frame = _table_frame(X)
        self.numeric_, self.categorical_ = self._kinds(frame, self._columns(X, frame))
        _refuse_infinite(frame, self.numeric_, X)
        kept = {*self.numeric_, *self.categorical_}
        self.columns_ = [c for c in self._columns(X, frame) if c in kept]
        exprs = input_exprs(frame, self.numeric_, self.categorical_)
        exprs = {c: exprs[c] for c in self.columns_}
        self.steps_ = []
        if self.impute is not None:
            self.steps_.append(Imputer(self.impute, self.fill_value).fit(frame, exprs))
            exprs = self.steps_[-1].expressions(exprs)
        if self.categorical_:
            self.steps_.append(
                OneHot(unseen=self.unseen).fit(frame, {c: exprs[c] for c in self.categorical_})
            )
        if self.standardize and self.numeric_:
            self.steps_.append(Standardize().fit(frame, {c: exprs[c] for c in self.numeric_}))
        self.feature_names_ = list(self._outputs(exprs))
        return self

    # -- applying

    def _outputs(self, exprs: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
        for step in self.steps_:
            exprs = step.expressions(exprs)
        return exprs

    def transform(self, X) -> np.ndarray:
        """``transform(X) -> float32 array of shape (n_rows, n_features)``, C-contiguous."""
        _require(self, "steps_")
        frame = _table_frame(X)
        exprs = input_exprs(frame, self.numeric_, self.categorical_)
        exprs = {c: exprs[c] for c in self.columns_}
        outputs = {n: e.cast(pl.Float32) for n, e in self._outputs(exprs).items()}
        flags = self._unseen_flags(exprs)
        result = _select(frame, {**outputs, **flags})
        for name in flags:  # checked in the same pass that encodes
            if result.get_column(name).any():
                onehot = next(s for s in self.steps_ if isinstance(s, OneHot))
                column = name.split("\x00")[-1]
                onehot.raise_unseen(_table_frame(X), column, result.get_column(name), _where(X))
        out = result.drop(list(flags)).to_numpy(order="c")
        if np.isinf(out).any():  # infinity in the input, or beyond float32's range
            row, col = (int(i[0]) for i in np.nonzero(np.isinf(out)))
            _raise_infinite(self.feature_names_[col], row, X, "is infinite as float32")
        return out

    def _unseen_flags(self, exprs: dict[str, pl.Expr]) -> dict[str, pl.Expr]:
        if self.unseen != "error" or not self.categorical_:
            return {}
        filled = self.steps_[0].expressions(exprs) if isinstance(self.steps_[0], Imputer) else exprs
        onehot = next(s for s in self.steps_ if isinstance(s, OneHot))
        return {f"\x00unseen\x00{c}": e for c, e in onehot.unseen_flags(filled).items()}

    def fit_transform(self, X) -> np.ndarray:
        """``fit_transform(X)``: ``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)

    def apply(self, table):
        """``apply(table) -> tk.ArrayDataset``: prepared features, with the table's targets,
        classes and keys.
        """
        from toolkit.data.arrays import ArrayDataset

        X = self.transform(table)
        if not getattr(type(table), "_toolkit_table", False):
            return ArrayDataset(X)
        plain = table.key is None and np.array_equal(table._rows, np.arange(len(table)))
        out = ArrayDataset(X, keys=None if plain else table.keys())  # row numbers are the default
        out.y, out.classes = table.targets, table.classes
        return out

    # -- JSON

    def to_dict(self) -> dict:
        """``to_dict()``: the parameters and the fitted state as plain JSON-able values."""
        _require(self, "steps_")
        params = {
            "impute": self.impute,
            "fill_value": self.fill_value,
            "onehot": self.onehot,
            "standardize": self.standardize,
            "unseen": self.unseen,
            "columns": self.columns,
        }
        return {
            "format": "toolkit.FeaturePrep",
            "version": 1,
            "params": params,
            "numeric": self.numeric_,
            "categorical": self.categorical_,
            "order": self.columns_,
            "features": self.feature_names_,
            "steps": [s.to_dict() for s in self.steps_],
        }

    def to_json(self) -> str:
        """``to_json() -> str``: :meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=1)

    def save(self, path) -> Path:
        """``save(path)``: write :meth:`to_json` to ``path`` (a ``.json`` file)."""
        path = Path(path)
        try:
            path.write_text(self.to_json(), encoding="utf-8")
        except OSError as error:
            raise WriteError(path, error) from None
        return path

    @classmethod
    def from_dict(cls, d: dict, where: str = "a saved FeaturePrep") -> FeaturePrep:
        """``FeaturePrep.from_dict(d)``: the fitted preparation :meth:`to_dict` described.

        A damaged description (a key missing, a step naming columns the preparation
        does not have) is refused with :class:`~toolkit.errors.DataError` naming ``where``.

        >>> FeaturePrep.from_dict({"format": "toolkit.FeaturePrep", "params": {}})
        Traceback (most recent call last):
        ...
        toolkit.errors.DataError: a saved FeaturePrep is damaged: KeyError 'numeric'; ...
        """
        if not isinstance(d, dict) or d.get("format") != "toolkit.FeaturePrep":
            raise DataError(
                f"{where}: not a saved FeaturePrep: expected a JSON object with format "
                "'toolkit.FeaturePrep'"
            )
        try:
            prep = cls._from_fields(d)
            outputs = list(prep._outputs({c: pl.col(c) for c in prep.columns_}))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            if isinstance(error, DataError):
                raise
            msg = f"{where} is damaged: {type(error).__name__} {error}; fit and save it again"
            raise DataError(msg) from None
        if {*prep.numeric_, *prep.categorical_} != set(prep.columns_):
            msg = f"{where} is damaged: its numeric and categorical columns are not its columns"
            raise DataError(msg + "; fit and save it again")
        if outputs != prep.feature_names_:
            msg = f"{where} is damaged: its steps give {len(outputs)} features, it lists "
            raise DataError(msg + f"{len(prep.feature_names_)}; fit and save it again")
        return prep

    @classmethod
    def _from_fields(cls, d: dict) -> FeaturePrep:
        prep = cls(**d["params"])
        prep.numeric_, prep.categorical_, prep.columns_ = (
            list(d["numeric"]),
            list(d["categorical"]),
            list(d["order"]),
        )
        prep.feature_names_ = list(d["features"])
        prep.steps_ = [_step_from_dict(s) for s in d["steps"]]
        return prep

    @classmethod
    def from_json(cls, text: str, where: str = "a saved FeaturePrep") -> FeaturePrep:
        """``FeaturePrep.from_json(text)``: the inverse of :meth:`to_json`.

        >>> FeaturePrep.from_json('{"format": ')
        Traceback (most recent call last):
        ...
        toolkit.errors.DataError: a saved FeaturePrep is not valid JSON: Expecting value...
        """
        try:
            d = json.loads(text)
        except json.JSONDecodeError as error:
            raise DataError(f"{where} is not valid JSON: {error}; save it again") from None
        except RecursionError:
            raise DataError(f"{where} is JSON nested too deep to be a FeaturePrep") from None
        return cls.from_dict(d, where)

    @classmethod
    def load(cls, path) -> FeaturePrep:
        """``FeaturePrep.load(path)``: the inverse of :meth:`save`."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise DataError(f"{path}: not a FeaturePrep JSON file ({error})") from None
        return cls.from_json(text, str(path))


def _step_from_dict(d: dict):
    name = d.get("step")
    if name not in STEPS:
        raise DataError(
            f"unknown preparation step {name!r} in a saved FeaturePrep; {did_you_mean(name, STEPS)}"
        )
    return STEPS[name].from_dict(d)


def _refuse_infinite(frame: pl.DataFrame, numeric, X) -> None:
    """Infinity cannot be imputed, averaged or scaled: refuse it naming column and row."""
    if not numeric:
        return
    flags = frame.select(pl.col(c).cast(pl.Float64).is_infinite().any() for c in numeric).row(0)
    for c, flagged in zip(numeric, flags, strict=True):
        if flagged:
            row = int(frame.get_column(c).cast(pl.Float64).is_infinite().arg_max())
            _raise_infinite(c, row, X, f"holds {frame.get_column(c)[row]}")


def _raise_infinite(column: str, row: int, X, what: str) -> None:
    where = _where(X)
    at = where(row) if where is not None else f"row {row}"
    msg = (
        f"{at}: column {column!r} {what}; infinity cannot be imputed, averaged or "
        "standardized (scikit-learn refuses it too): replace it, or mark it missing"
    )
    raise DataError(msg)


def _table_frame(X) -> pl.DataFrame:
    return X.frame if getattr(type(X), "_toolkit_table", False) else _frame(X)


def _where(X):
    """Names a row for error messages: the file line for a CSV table, else the row number."""
    if getattr(type(X), "_toolkit_table", False) and X._lines:
        return lambda row: f"row {row} ({X.source}: line {int(X._rows[row]) + 2})"
    return None
