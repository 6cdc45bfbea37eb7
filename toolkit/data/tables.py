"""Tables on polars: ``CSV`` and ``Parquet`` files (or any polars frame) as a row data set.

>>> import pathlib, tempfile
>>> path = pathlib.Path(tempfile.mkdtemp()) / "pets.csv"
>>> text = "id,weight,legs,kind\\n1,4.5,4,cat\\n2,NA,4,dog\\n3,30.1,,dog\\n4,0.2,2,bird\\n"
>>> _ = path.write_text(text)
>>> t = CSV(path, target="kind", key="id")
>>> len(t), t.classes, t.features, t.targets.tolist()
(4, ('bird', 'cat', 'dog'), ['weight', 'legs'], [1, 2, 2, 0])
>>> for row in t.schema().rows():
...     print(row)
('id', 'Int64', 'Count', 0, 0, 'key')
('weight', 'Float64', 'Continuous', 1, 0, 'feature')
('legs', 'Int64', 'Count', 1, 0, 'feature')
('kind', 'Categorical', 'Multiclass', 0, 0, 'target')
>>> train, val = t.split(0.5, seed=1)
>>> sorted(train.keys() + val.keys())
['1', '2', '3', '4']

Missing values: the cells ``""`` (empty), ``NA``, ``N/A``, ``NaN``, ``nan``,
``null`` and ``NULL`` are read as missing in every column (:data:`MISSING`;
pass ``missing=[...]`` to change the list). Types are inferred from the first
``infer_rows`` rows (10,000 by default), as polars does; ``dtypes={"col": pl.String}``
fixes a column's type.

Blank lines at the end of the file are ignored; a blank line between rows is
an error (pandas would skip it; polars would read a row of missing values).
Malformed files fail with :class:`~toolkit.errors.TableError` naming the file,
the line (1-based, the header is line 1) and the column: rows with too many or
too few fields, a value that is not a number in a numeric column (also one that
polars' type inference read as text because a few cells were not numbers),
a missing target/key column, missing or unknown target labels, duplicate keys.
polars reports such problems without a line number, so toolkit finds the line
itself with a second pass over the file, which runs only when something is wrong
(or, for short rows, when the last column has missing values: then one fast
count of the separators settles it). Every column is parsed, even when
``features=`` names only a few, because that is what makes polars check each
row's field count. Errors found after parsing (a missing target, a duplicate
key) count one line per row, which is exact unless a quoted cell spans lines.
"""

from __future__ import annotations

import contextlib
import csv
from pathlib import Path

import numpy as np
import polars as pl

from toolkit.data.dataset import Dataset
from toolkit.data.scitypes import schema as _schema
from toolkit.errors import DataError, TableError, did_you_mean
from toolkit.registry import register

MISSING = ("", "NA", "N/A", "NaN", "nan", "null", "NULL")
_CHUNK = 1 << 24


# ---------------------------------------------------------------- locating bad lines


def _parses(value: str, dtype) -> bool:
    try:
        if dtype.is_integer():
            int(value)
        elif dtype.is_float():
            float(value)
        elif dtype == pl.Boolean:
            return value.lower() in ("true", "false")
    except ValueError:
        return False
    return True


def _row_problem(row: list[str], header: list[str], typed: dict, missing: set) -> str | None:
    if len(row) != len(header):
        if not row:
            return f"is blank, but the header has {len(header)} fields; remove the blank line"
        if len(row) > len(header):
            where = f"too many fields: the extra ones come after the last column {header[-1]!r}"
        else:
            absent = f"column {header[len(row)]!r} (column {len(row) + 1})"
            where = f"too few fields: {absent} and the ones after it are absent"
        return (
            f"has {len(row)} fields but the header has {len(header)} (a ragged row, {where}); "
            "fix the row, or quote fields that hold the separator"
        )
    for j, (name, value) in enumerate(zip(header, row, strict=True)):
        dtype = typed.get(name)
        if dtype is not None and value not in missing and not _parses(value, dtype):
            return (
                f"column {name!r} (column {j + 1}): {value!r} is not a valid {dtype} value; "
                f"fix the cell, add {value!r} to missing=[...], or read the column as text "
                f"with dtypes={{{name!r}: pl.String}}"
            )
    return None


def locate_problem(path, *, separator: str = ",", typed: dict | None = None, missing=MISSING):
    """``locate_problem(path, separator=",", typed={col: dtype}, missing=MISSING)``

    Returns a TableError or None.

    The first malformed line of a CSV file, found with Python's csv module (slow,
    exact, quote-aware): a row with the wrong number of fields, or a cell of a
    ``typed`` column that does not parse as that type. Used after polars fails.
    """
    typed, missing = dict(typed or {}), set(missing)
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=separator)
        header = next(reader, None)
        if header is None:
            return TableError(f"{path}: line 1: the file is empty; expected a header line")
        line = reader.line_num
        for row in reader:
            problem = _row_problem(row, header, typed, missing)
            if problem is not None:
                return TableError(f"{path}: line {line + 1} {problem}")
            line = reader.line_num
    return None


def _count(path: Path, separator: bytes) -> tuple[int, bool]:
    """The number of separators in the file and whether a quote occurs (numpy, 16 MiB chunks)."""
    seps, quoted, code = 0, False, np.uint8(separator[0])
    buffer = bytearray(_CHUNK)
    with open(path, "rb") as handle:
        while n := handle.readinto(buffer):
            chunk = np.frombuffer(buffer, dtype=np.uint8, count=n)
            seps += int(np.count_nonzero(chunk == code))
            quoted = quoted or buffer.find(b'"', 0, n) != -1
    return seps, quoted


def _drop_trailing_blank_lines(path: Path, frame: pl.DataFrame) -> pl.DataFrame:
    """Blank lines at the end of a file are not rows (polars reads each as a row of nulls)."""
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 4096))
        tail = handle.read().replace(b"\r\n", b"\n").removesuffix(b"\n")
    blank = len(tail) - len(tail.rstrip(b"\n"))
    if blank == 0 or blank > frame.height:
        return frame
    last = frame.tail(blank)
    all_null = sum(last.null_count().row(0)) == blank * frame.width
    return frame.head(frame.height - blank) if all_null else frame


def _check_short_rows(
    path: Path, frame: pl.DataFrame, separator: str, typed: dict, missing
) -> None:
    """Rows with too few fields: polars fills them with nulls, so only a null-ending row can be."""
    if frame.width < 2 or frame.get_column(frame.columns[-1]).null_count() == 0:
        return
    seps, quoted = _count(path, separator.encode())
    # polars raised on every too-long row, so a separator deficit means a short (or blank) row
    if not quoted and seps == (frame.height + 1) * (frame.width - 1):
        return
    problem = locate_problem(path, separator=separator, typed=typed, missing=missing)
    if problem is not None:
        raise problem


def _numeric_text(series: pl.Series) -> bool:
    """A String column of numbers but for a few cells: a typo or an unlisted missing marker.

    Numbers in most cells and at most three distinct other values (``?``, ``n/a``,
    ``-``): polars reads such a column as text, which would one-hot encode it.
    """
    values = series.drop_nulls()
    head = values.head(1000)
    if head.len() < 2 or head.cast(pl.Float64, strict=False).null_count() * 2 >= head.len():
        return False
    bad = values.filter(values.cast(pl.Float64, strict=False).is_null())
    return 0 < bad.len() * 2 < values.len() and bad.n_unique() <= 3


def _check_numeric_text(path: Path, frame: pl.DataFrame, separator, typed, missing, fixed) -> None:
    for name, dtype in frame.schema.items():
        if dtype == pl.String and name not in fixed and _numeric_text(frame.get_column(name)):
            problem = locate_problem(
                path, separator=separator, typed={**typed, name: pl.Float64}, missing=missing
            )
            if problem is not None:
                raise problem


_OTHER_SEPARATORS = (";", "\t", "|")


def _first_lines(path: Path, separator: str, count: int = 2) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=separator)
        return [row for _, row in zip(range(count), reader, strict=False)]


def _check_header(path: Path, separator: str) -> None:
    """Refuse duplicate column names, and a file split by another separator (one column)."""
    lines = _first_lines(path, separator)
    header = lines[0] if lines else []
    if lines and not any(name.strip() for name in header):
        msg = (f"{path}: line 1 (header): the header line is empty; the first line must name "
               f"the columns, separated by {separator!r}")
        raise TableError(msg)
    seen: dict[str, list[int]] = {}
    for j, name in enumerate(header):
        seen.setdefault(name, []).append(j + 1)
    repeated = {name: cols for name, cols in seen.items() if len(cols) > 1}
    if repeated:
        listed = "; ".join(
            f"{n!r} in columns {', '.join(map(str, c))}"
            for n, c in repeated.items()
        )
        msg = (
            f"{path}: line 1 (header): column names must be unique, and these repeat: {listed}; "
            "rename them in the file (polars would rename them silently, and target= could "
            "pick the wrong one)"
        )
        raise TableError(msg)
    if len(header) == 1:
        for other in _OTHER_SEPARATORS:
            fields = [len(row[0].split(other)) for row in lines if row]
            if other != separator and min(fields) > 1 and len(set(fields)) == 1:
                msg = (
                    f"{path}: line 1 (header): one column {header[0][:60]!r}, which looks "
                    f"separated by {other!r}; pass separator={other!r}"
                )
                raise TableError(msg)


def _encoding_problem(path: Path) -> TableError | None:
    """The first line that is not UTF-8, naming an encoding that reads it."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        guess = next(e for e in ("cp1252", "latin-1") if _decodes(data, e))
        byte = data[error.start : error.start + 1]
        msg = (
            f"{path}: line {line}: byte {byte!r} is not UTF-8; the file looks {guess}-encoded: "
            f"pass encoding={guess!r}, or convert the file to UTF-8"
        )
        return TableError(msg)
    return None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _source(path: Path, encoding: str):
    """What polars reads: the path for UTF-8, else the text re-encoded as UTF-8 bytes."""
    if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
        return path
    try:
        return path.read_bytes().decode(encoding).encode("utf-8")
    except (UnicodeDecodeError, LookupError) as error:
        raise TableError(f"{path}: cannot be read as {encoding!r}: {error}") from None


def read_csv(
    path, *, separator=",", missing=MISSING, dtypes=None, infer_rows=10_000, encoding="utf-8"
) -> pl.DataFrame:
    """``read_csv(path, separator=",", missing=MISSING, dtypes=None, infer_rows=10_000,
    encoding="utf-8")``

    The whole file as a polars DataFrame (``pl.scan_csv`` underneath), with
    malformed input reported as :class:`TableError` naming the line and column.
    ``encoding``: the file's text encoding, one that keeps ASCII bytes as they are
    (``"latin-1"``, ``"cp1252"`` ...); a file that is not UTF-8 read as UTF-8 is
    refused naming the line and the encoding that reads it.
    """
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file; check the path (relative to {Path.cwd()})")
    _check_header(path, separator)
    lazy = pl.scan_csv(
        _source(path, encoding),
        separator=separator,
        null_values=list(missing),
        infer_schema_length=infer_rows,
        schema_overrides=dtypes,
    )
    try:
        typed = {n: t for n, t in lazy.collect_schema().items() if t != pl.String}
        frame = lazy.collect()
    except pl.exceptions.NoDataError as error:
        raise TableError(f"{path}: line 1: the file is empty; expected a header line") from error
    except pl.exceptions.PolarsError as error:
        located = _encoding_problem(path) if "utf" in str(error).lower() else None
        located = located or locate_problem(
            path, separator=separator, typed=locals().get("typed"), missing=missing
        )
        first = str(error).split("\n")[0]
        raise (located or TableError(f"{path}: polars could not read the file: {first}")) from error
    frame = _drop_trailing_blank_lines(path, frame)
    _check_short_rows(path, frame, separator, typed, missing)
    _check_numeric_text(path, frame, separator, typed, missing, set(dtypes or ()))
    return frame


# ---------------------------------------------------------------- the table


def _where(source: str, row: int, lines: bool) -> str:
    return f"{source}: line {row + 2}" if lines else f"{source}: row {row}"


class Table(Dataset):
    """``Table(frame, target=None, *, key=None, features=None, classes=None, missing_target=...)``

    A polars DataFrame (or anything :func:`toolkit.data.frames.as_polars`
    takes) as a row data set. ``target`` names the label column: strings,
    integers and booleans are encoded as class indices into ``classes``
    (sorted unless given), floats are kept for regression. ``key`` names a
    column of unique row keys (default: the row number), which splits hash.
    ``features`` lists the feature columns (default: all but target and key).
    Rows with a missing target raise unless ``missing_target="drop"``.

    ``len(t)``, ``t[i] -> ({feature: value}, y)``, ``t.batch(idx) -> (float32 (N, F), y)``
    for all-numeric tables (prepare others with :class:`toolkit.FeaturePrep`),
    ``t.frame``, ``t.features``, ``t.X`` (features frame), ``t.y`` (target Series),
    ``t.targets``, ``t.classes``, ``t.keys()``, ``t.subset(idx)``, ``t.split``,
    ``t.kfolds``, ``t.schema()``.

    >>> t = Table(pl.DataFrame({"id": ["a", "b", "c"], "x": [1.0, 2.0, 3.0], "y": ["u", "v", "u"]}),
    ...           target="y", key="id")
    >>> t[1], t.targets.tolist(), t.keys()
    (({'x': 2.0}, 1), [0, 1, 0], ['a', 'b', 'c'])
    """

    kind = "row"
    _toolkit_table = True
    _lines = False  # CSV sets this: errors then name file lines instead of rows

    def __init__(
        self,
        frame,
        target=None,
        *,
        key=None,
        features=None,
        classes=None,
        missing_target="error",
        source="<frame>",
    ):
        from toolkit.data.frames import as_polars

        frame = as_polars(frame)
        frame = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
        self.source, self.target, self.key = str(source), target, key
        self._check_names(frame, target, key, features)
        if missing_target not in ("error", "drop"):
            raise DataError(f"missing_target must be 'error' or 'drop', got {missing_target!r}")
        rows = np.arange(frame.height)
        if target is not None:
            frame, rows = self._drop_missing_target(frame, rows, missing_target)
        self.features = (
            list(features)
            if features is not None
            else [c for c in frame.columns if c not in (target, key)]
        )
        self.frame, self._rows = frame, rows
        self._y, self.classes = self._encode_target(classes)
        self._categorise_features()
        if key is not None:
            self._check_keys()

    # -- construction helpers

    def _header_error(self, role: str, name, columns) -> TableError:
        where = f"{self.source}: line 1 (header)" if self._lines else self.source
        return TableError(f"{where}: no column {name!r} for {role}; {did_you_mean(name, columns)}")

    def _check_names(self, frame, target, key, features) -> None:
        for role, name in (("target=", target), ("key=", key)):
            if name is not None and name not in frame.columns:
                raise self._header_error(role, name, frame.columns)
        for name in features or ():
            if name not in frame.columns:
                raise self._header_error("features=", name, frame.columns)
            if name in (target, key):
                raise TableError(
                    f"{self.source}: column {name!r} cannot be both a feature and the "
                    f"{'target' if name == target else 'key'}"
                )

    def _drop_missing_target(self, frame, rows, policy):
        missing = frame.get_column(self.target).is_null()
        if not missing.any():
            return frame, rows
        if policy == "drop":
            keep = (~missing).to_numpy()
            return frame.filter(~missing), rows[keep]
        first = int(missing.arg_max())
        msg = (
            f"{_where(self.source, first, self._lines)}: column {self.target!r} (the target) "
            "is missing "
            f"({missing.sum()} rows in all); fill it, or drop those rows with missing_target='drop'"
        )
        raise TableError(msg)

    def _encode_target(self, classes):
        if self.target is None:
            return None, None
        y = self.frame.get_column(self.target)
        if y.dtype.is_float() and classes is None:
            return y.to_numpy(), None
        found = y.unique().sort().to_list()
        classes = tuple(found) if classes is None else tuple(classes)
        unknown = y.is_in(list(classes)).not_()
        if unknown.any():
            first = int(unknown.arg_max())
            msg = (
                f"{_where(self.source, first, self._lines)}: column {self.target!r} (the target) "
                "holds "
                f"{y[first]!r}, which is not among classes={list(classes)!r}; add it to classes"
            )
            raise TableError(msg)
        codes = y.replace_strict(list(classes), list(range(len(classes))), return_dtype=pl.Int64)
        if y.dtype == pl.String:  # a label column is categorical: say so in the frame and schema
            self.frame = self.frame.with_columns(pl.col(self.target).cast(pl.Categorical))
        return codes.to_numpy(), classes

    def _categorise_features(self) -> None:
        """String features with few levels are categories (Multiclass), as the target is."""
        from toolkit.data.scitypes import few_levels

        schema = self.frame.schema
        text = [c for c in self.features if schema[c] == pl.String]
        if not text:
            return
        counts = self.frame.select(pl.col(c).drop_nulls().n_unique() for c in text).row(0)
        few = few_levels(self.frame.height)
        chosen = [c for c, n in zip(text, counts, strict=True) if n <= few]
        self.frame = self.frame.with_columns(pl.col(c).cast(pl.Categorical) for c in chosen)

    def _check_keys(self) -> None:
        keys = self.frame.get_column(self.key)
        bad = keys.is_null() | ~keys.is_first_distinct()
        if bad.any():
            first = int(bad.arg_max())
            what = "missing"
            if keys[first] is not None:
                earlier = int((keys == keys[first]).arg_max())
                line = _where(self.source, earlier, self._lines).split(": ")[-1]
                what = f"{keys[first]!r}, a duplicate of {line}"
            msg = (
                f"{_where(self.source, first, self._lines)}: column {self.key!r} (the key) "
                f"is {what}; "
                "keys must be unique and present (or leave key=None to use row numbers)"
            )
            raise TableError(msg)

    # -- the Dataset contract

    def __len__(self) -> int:
        return self.frame.height

    def __getitem__(self, i):
        i = int(i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"row {i} is out of range for a table of {len(self)} rows")
        row = self.frame.select(self.features).row(i, named=True)
        return row, (None if self._y is None else self._y[i].item())

    @property
    def targets(self):
        return self._y

    @property
    def X(self) -> pl.DataFrame:
        """The feature columns as a polars DataFrame."""
        return self.frame.select(self.features)

    @property
    def y(self) -> pl.Series | None:
        """The target column as read (labels, not indices), or None."""
        return None if self.target is None else self.frame.get_column(self.target)

    def keys(self) -> list[str]:
        if self.key is not None:
            return self.frame.get_column(self.key).cast(pl.String).to_list()
        return [str(r) for r in self._rows.tolist()]

    def batch(self, indices):
        indices = np.asarray(indices, dtype=np.int64)
        X = self.frame.select(self.features)
        text = [c for c, t in X.schema.items() if not (t.is_numeric() or t == pl.Boolean)]
        if text:
            msg = (
                f"{self.source}: column {text[0]!r} is {X.schema[text[0]]}, not numbers; "
                "prepare the table "
                "first: prep = tk.FeaturePrep().fit(train); ds = prep.apply(table)"
            )
            raise DataError(msg)
        X = X[indices].select(pl.all().cast(pl.Float32)).to_numpy()
        if np.isinf(X).any():
            row, col = (int(i[0]) for i in np.nonzero(np.isinf(X)))
            where = _where(self.source, int(indices[row]), self._lines)
            msg = (
                f"{where}: column {self.features[col]!r} is infinite as float32; "
                "replace the value, or mark it missing"
            )
            raise DataError(msg)
        return X, (None if self._y is None else self._y[indices])

    def subset(self, indices) -> Table:
        indices = np.asarray(indices, dtype=np.int64)
        out = object.__new__(type(self))
        out.__dict__.update(self.__dict__)
        out.frame, out._rows = self.frame[indices], self._rows[indices]
        out._y = None if self._y is None else self._y[indices]
        return out

    def config(self) -> dict:
        """config() -> the keywords a CSV or Parquet table was read with (the registry's)."""
        own = getattr(self, "_config", None)
        if own is None:
            msg = "a Table built from a frame has no file to rebuild it from; save the frame first"
            raise TableError(msg)
        return dict(own)

    def schema(self) -> pl.DataFrame:
        """``t.schema() -> pl.DataFrame``: column, dtype, scitype, missing and role.

        The role is feature, target, key or unused.
        """
        roles = {c: "feature" for c in self.features}
        roles.update({self.target: "target", self.key: "key"})
        out = _schema(self.frame)
        return out.with_columns(role=pl.Series([roles.get(c, "unused") for c in out["column"]]))

    def _repr_html_(self) -> str:
        from toolkit.data.reprs import table_html  # the repr and the schema

        return table_html(self)

    def __repr__(self) -> str:
        what = ""
        if self.target is not None:
            kind = "regression" if self.classes is None else f"{len(self.classes)} classes"
            what = f", target {self.target!r} ({kind})"
        size = f"{len(self)} rows, {len(self.features)} features"
        return f"{type(self).__name__}({self.source!r}, {size}{what})"


@register("sources")
class CSV(Table):
    """``CSV(path, target=None, *, key=None, features=None, classes=None, missing=MISSING,
    separator=",", dtypes=None, infer_rows=10_000, missing_target="error", encoding="utf-8")``

    A CSV file read with polars (``pl.scan_csv``) as a :class:`Table`; see the
    module docstring for missing values and the errors malformed files raise.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "houses.csv"
    >>> _ = path.write_text("rooms,area,price\\n3,70.5,210.0\\n5,120.0,350.5\\n")
    >>> t = CSV(path, target="price")
    >>> t.classes is None, t.targets.tolist(), t.batch([1, 0])[0].tolist()
    (True, [210.0, 350.5], [[5.0, 120.0], [3.0, 70.5]])
    """

    _lines = True

    def __init__(
        self,
        path,
        target=None,
        *,
        key=None,
        features=None,
        classes=None,
        missing=MISSING,
        separator=",",
        dtypes=None,
        infer_rows=10_000,
        missing_target="error",
        encoding="utf-8",
    ):
        self._config = {
            "path": str(path), "target": target, "key": key, "features": features,
            "classes": classes, "missing": missing, "separator": separator, "dtypes": dtypes,
            "infer_rows": infer_rows, "missing_target": missing_target,
        }  # fmt: skip
        frame = read_csv(
            path,
            separator=separator,
            missing=missing,
            dtypes=dtypes,
            infer_rows=infer_rows,
            encoding=encoding,
        )
        super().__init__(
            frame,
            target,
            key=key,
            features=features,
            classes=classes,
            missing_target=missing_target,
            source=path,
        )


@register("sources")
class Parquet(Table):
    """``Parquet(path, target=None, *, key=None, features=None, classes=None, missing_target=...)``

    A Parquet file (:func:`read_parquet`: only the columns used, data pages checked against
    their checksums) as a :class:`Table`.

    >>> import pathlib, tempfile, polars as pl
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "houses.parquet"
    >>> pl.DataFrame({"rooms": [3, 5], "price": [210.0, 350.5]}).write_parquet(path)
    >>> Parquet(path, target="price").targets.tolist()
    [210.0, 350.5]
    """

    def __init__(
        self, path, target=None, *, key=None, features=None, classes=None, missing_target="error"
    ):
        self._config = {"path": str(path), "target": target, "key": key, "features": features,
                        "classes": classes, "missing_target": missing_target}
        path = Path(path)
        if not path.exists():
            raise TableError(f"{path}: no such file; check the path (relative to {Path.cwd()})")
        wanted = [c for c in (*(features or ()), target, key) if c is not None]
        columns = parquet_columns(path)
        frame = read_parquet(path, [c for c in columns if c in wanted]
                             if features is not None and set(wanted) <= set(columns) else None)
        super().__init__(
            frame,
            target,
            key=key,
            features=features,
            classes=classes,
            missing_target=missing_target,
            source=path,
        )


def parquet_columns(path) -> list[str]:
    """``parquet_columns(path) -> names`` from the file's footer; a damaged file is a
    :class:`~toolkit.errors.TableError` naming it."""
    import pyarrow.parquet as pq

    with _parquet_errors(path):
        return list(pq.read_schema(path).names)


def read_parquet(path, columns=None) -> pl.DataFrame:
    """``read_parquet(path, columns=None) -> polars DataFrame``, its data pages checked.

    pyarrow reads the file with page checksum verification, so a file whose pages carry
    CRC-32s (parquet-mr and Spark write them by default, pyarrow with
    ``write_page_checksum=True``) and was damaged since is refused rather than read as
    other values (polars' own reader skips the checksums: a flipped bit in a zstd page came
    back as silently wrong numbers in 199 of 200 tries, and in an uncompressed page it can
    make polars panic). A page written without a checksum cannot be checked by anyone.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.parquet"
    >>> pl.DataFrame({"a": [1, 2], "b": ["u", "v"]}).write_parquet(path)
    >>> read_parquet(path, ["b"]).to_dict(as_series=False)
    {'b': ['u', 'v']}
    """
    import pyarrow.parquet as pq

    with _parquet_errors(path):
        table = pq.read_table(path, columns=columns, page_checksum_verification=True)
    return pl.from_arrow(table)


@contextlib.contextmanager
def _parquet_errors(path):
    """What pyarrow raises on a damaged file, as a TableError naming it."""
    import pyarrow as pa

    try:
        yield
    except (OSError, pa.ArrowException) as error:
        first = (str(error).splitlines() or [type(error).__name__])[0]
        if "CRC" in first or "checksum" in first.lower():
            msg = (f"{path}: a data page fails its CRC checksum: the file was damaged after it "
                   f"was written ({first}); restore it from its source")
        else:
            msg = f"{path}: not a readable Parquet file (damaged or truncated?): {first}"
        raise TableError(msg) from None
