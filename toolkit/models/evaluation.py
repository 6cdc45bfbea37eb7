"""The result of ``tk.evaluate``: per-fold values, means, spreads and intervals.

The 95% interval is ``mean ± 1.96 · sd / √k`` over the ``k`` folds (times
repeats), with ``sd`` the sample standard deviation (``ddof=1``) — the normal
approximation MLJ prints as "1.96*SE". Folds share training rows, so the values
are not independent and the interval is optimistic; read it as a yardstick for
comparing models on the same folds, not as a guarantee.

>>> import numpy as np
>>> from toolkit.models.measures import accuracy
>>> ev = Evaluation({"m": {"accuracy": np.array([0.8, 0.9, 1.0])}}, (accuracy,),
...                 {"m": np.zeros(3)}, {"m": np.zeros(3)}, pairs=[], resampling=None, repeats=1)
>>> ev.measurement
[0.9]
>>> ev.to_polars()["ci_high"].round(3).to_list()
[1.013]
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import polars as pl

from toolkit.errors import UnknownNameError, did_you_mean


def interval(values: np.ndarray) -> tuple[float, float, float, float]:
    """``interval(values) -> (mean, sd, low, high)``: ``mean ± 1.96·sd/√k`` (NaN for one fold).

    >>> [round(v, 3) for v in interval(np.array([1.0, 2.0, 3.0]))]
    [2.0, 1.0, 0.868, 3.132]
    """
    k = values.size
    mean = float(np.mean(values))
    if k < 2:
        return mean, float("nan"), float("nan"), float("nan")
    sd = float(np.std(values, ddof=1))
    half = 1.96 * sd / float(np.sqrt(k))
    return mean, sd, mean - half, mean + half


def fold_format(values) -> Callable[[float], str]:
    """``fold_format(values) -> format``: one format for a row of values, aligned decimals.

    Fixed decimals that give the smallest value of at least 1e-3 three significant
    digits (at most 4 decimals, so a value below 1e-3 beside larger ones prints as
    ``0.0000``); scientific notation for the whole row when every value is below
    1e-3 or one is at least 1e6. A row never mixes ``1`` with ``3.09``.

    >>> def show(values):
    ...     return " ".join(map(fold_format(values), values))
    >>> show([1.0, 3.0, 2.0, 3.09, 4.12]), show([0.9444, 1.0, 0.0]), show([2.2e-16, 0.5])
    ('1.00 3.00 2.00 3.09 4.12', '0.944 1.000 0.000', '0.000 0.500')
    >>> show([0.00942, 0.0312]), show([2e-5, 3e-4]), show([55.21, 1200.0])
    ('0.0094 0.0312', '2.00e-05 3.00e-04', '55.2 1200.0')
    """
    sizes = np.abs(np.asarray(values, dtype=np.float64))
    sizes = sizes[np.isfinite(sizes) & (sizes > 0)]
    if sizes.size == 0:
        return lambda v: f"{v:.3f}"
    if sizes.max() < 1e-3 or sizes.max() >= 1e6:
        return lambda v: f"{v:.2e}"
    smallest = sizes[sizes >= 1e-3].min()
    decimals = min(4, max(0, 2 - int(np.floor(np.log10(smallest)))))
    return lambda v: f"{v:.{decimals}f}"


class Evaluation:
    """``Evaluation``: what ``tk.evaluate`` measured, model by model, measure by measure.

    Attributes: ``models`` (names), ``measures``, ``pairs`` (the ``(train, test)``
    rows of each fold), ``nfolds``, ``fit_times`` / ``predict_times`` (seconds per
    fold, by model). For one model ``per_fold`` is a list of arrays and
    ``measurement`` a list of means, in the order of ``measures`` (as in MLJ); for
    several they are dicts by model name. ``to_polars()`` gives the summary table.
    """

    def __init__(self, per_fold, measures, fit_times, predict_times, *, pairs, resampling, repeats):
        self._values = per_fold  # {model: {measure name: (k,) array}}
        self.measures = tuple(measures)
        self.fit_times, self.predict_times = fit_times, predict_times
        self.pairs, self.resampling, self.repeats = pairs, resampling, repeats

    @property
    def models(self) -> list[str]:
        """The names of the models, in the order given."""
        return list(self._values)

    @property
    def nfolds(self) -> int:
        """The number of folds measured (folds × repeats)."""
        return len(next(iter(next(iter(self._values.values())).values())))

    def _by_model(self, pick):
        out = {name: [pick(v[m.name]) for m in self.measures] for name, v in self._values.items()}
        return next(iter(out.values())) if len(out) == 1 else out

    @property
    def per_fold(self):
        """Per-fold values: a list of arrays (one model) or a dict of them by model name."""
        return self._by_model(lambda v: v)

    @property
    def measurement(self):
        """Means over the folds: a list (one model) or a dict of lists by model name."""
        return self._by_model(lambda v: float(np.mean(v)))

    def values(self, measure=None, model=None) -> np.ndarray:
        """``values(measure=None, model=None)``: per-fold values (default: the first of each)."""
        model = self.models[0] if model is None else model
        if model not in self._values:
            raise UnknownNameError(
                f"no model {model!r} in this evaluation; {did_you_mean(model, self.models)}"
            )
        names = [m.name for m in self.measures]
        name = names[0] if measure is None else getattr(measure, "name", measure)
        if name not in names:
            raise UnknownNameError(
                f"no measure {name!r} in this evaluation; {did_you_mean(name, names)}"
            )
        return self._values[model][name]

    def best(self, measure=None) -> str:
        """``best(measure=None)``: the model with the best mean (default: by the first measure).

        ``measure`` is a name or a measure; a NaN mean is never the best.
        """
        names = [m.name for m in self.measures]
        name = names[0] if measure is None else getattr(measure, "name", measure)
        if name not in names:
            raise UnknownNameError(
                f"no measure {name!r} in this evaluation; {did_you_mean(name, names)}"
            )
        m = self.measures[names.index(name)]
        means = np.array([float(np.mean(self.values(m.name, model))) for model in self.models])
        if np.isnan(means).all():
            return self.models[0]
        pick = np.nanargmax if m.greater_is_better else np.nanargmin
        return self.models[int(pick(means))]

    def to_polars(self, per_fold: bool = False) -> pl.DataFrame:
        """``to_polars(per_fold=False)``: one row per model and measure (or per fold).

        Columns: model, measure, better ("higher"/"lower"), mean, sd, ci_low, ci_high,
        per_fold (list), fit_time and predict_time (mean seconds per fold). With
        ``per_fold=True``: model, fold, one column per measure, fit_time, predict_time.
        """
        if per_fold:
            return pl.concat([self._fold_table(name) for name in self.models])
        rows = [self._summary_row(name, m) for name in self.models for m in self.measures]
        return pl.DataFrame(rows)

    def _summary_row(self, name: str, m) -> dict:
        values = self._values[name][m.name]
        mean, sd, low, high = interval(values)
        return {
            "model": name, "measure": m.name, "better": m.orientation, "mean": mean, "sd": sd,
            "ci_low": low, "ci_high": high, "per_fold": values.tolist(),
            "fit_time": float(np.mean(self.fit_times[name])),
            "predict_time": float(np.mean(self.predict_times[name])),
        }  # fmt: skip

    def _fold_table(self, name: str) -> pl.DataFrame:
        columns = {"model": [name] * self.nfolds, "fold": list(range(self.nfolds))}
        columns |= {m.name: self._values[name][m.name] for m in self.measures}
        columns |= {"fit_time": self.fit_times[name], "predict_time": self.predict_times[name]}
        return pl.DataFrame(columns)

    def _lines(self) -> tuple[str, list[list[str]]]:
        plural = "s" if len(self.models) > 1 else ""
        title = f"Evaluation of {len(self.models)} model{plural} on {self.nfolds} folds"
        if self.resampling is not None:
            title += (
                f" ({self.resampling!r}{f', repeats={self.repeats}' if self.repeats > 1 else ''})"
            )
        head = [
            "model",
            "measure",
            "",
            "mean",
            "sd",
            "95% interval",
            "per fold",
            "fit s",
            "predict s",
        ]
        rows = [head]
        for r in self.to_polars().iter_rows(named=True):
            shown = fold_format([r["mean"], *r["per_fold"]])  # one format for the whole row
            folds = " ".join(shown(v) for v in r["per_fold"][:8]) + (
                " …" if len(r["per_fold"]) > 8 else ""
            )
            rows.append([
                r["model"], r["measure"], "↑" if r["better"] == "higher" else "↓",
                shown(r["mean"]),
                f"{r['sd']:.3g}", f"[{shown(r['ci_low'])}, {shown(r['ci_high'])}]", folds,
                f"{r['fit_time']:.3g}", f"{r['predict_time']:.3g}",
            ])  # fmt: skip
        return title, rows

    def __repr__(self) -> str:
        title, rows = self._lines()
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        body = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        return "\n".join([title, *body])

    def _repr_html_(self) -> str:
        title, rows = self._lines()
        cells = lambda row, tag: "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in row)  # noqa: E731
        body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows[1:])
        return f"<p>{html.escape(title)}</p><table><tr>{cells(rows[0], 'th')}</tr>{body}</table>"
