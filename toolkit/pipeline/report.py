"""A run folder's PNG plots and its one self-contained HTML report (opens offline).

``curves(metrics, folder)`` draws the loss and the measures per epoch,
``confusion(matrix, classes, folder)`` the confusion matrix, and ``html(...)`` writes
``report.html`` with every plot embedded as a data URI, the config, the data
summary and the evaluation table — no file or network access needed to view it.
"""

from __future__ import annotations

import base64
import html as _html
from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)  # files only: no display is ever needed
    import matplotlib.pyplot as plt

    return plt


def curves(rows: list[dict], folder: Path) -> list[Path]:
    """curves(rows, folder) -> [loss.png, measures.png]: one line per column of metrics.csv."""
    if not rows:
        return []
    plt = _pyplot()
    epochs = [r["epoch"] for r in rows]
    written = []
    groups = {"loss": [k for k in rows[0] if k.endswith("loss")],
              "measures": [k for k in rows[0] if k != "epoch" and not k.endswith("loss")]}
    for name, keys in groups.items():
        if not keys:
            continue
        fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
        for key in keys:
            ax.plot(epochs, [_num(r.get(key)) for r in rows], marker="o", label=key)
        ax.set_xlabel("epoch")
        ax.set_xticks(epochs if len(epochs) <= 20 else ax.get_xticks())
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
        fig.tight_layout()
        written.append(_save(fig, folder / f"{name}.png", plt))
    return written


def _num(value) -> float:
    return float("nan") if value in (None, "") else float(value)


def confusion(matrix: np.ndarray, classes, folder: Path) -> Path:
    """confusion(matrix, classes, folder) -> confusion.png (rows: truth, columns: predicted)."""
    plt = _pyplot()
    k = len(classes)
    fig, ax = plt.subplots(figsize=(1.2 + 0.5 * k, 1 + 0.5 * k), dpi=100)
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(k), [str(c) for c in classes], rotation=45, ha="right")
    ax.set_yticks(range(k), [str(c) for c in classes])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = matrix.max() or 1
    for i in range(k):
        for j in range(k):
            color = "white" if matrix[i, j] > top / 2 else "black"
            ax.text(j, i, str(int(matrix[i, j])), ha="center", va="center", color=color,
                    fontsize=8)
    fig.tight_layout()
    return _save(fig, folder / "confusion.png", plt)


def scatter(truth, predicted, folder: Path) -> Path:
    """scatter(truth, predicted, folder) -> predictions.png: predicted against true values."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=100)
    ax.scatter(truth, predicted, s=10, alpha=0.6)
    low, high = float(np.min(truth)), float(np.max(truth))
    ax.plot([low, high], [low, high], color="grey", lw=1)
    ax.set_xlabel("true")
    ax.set_ylabel("predicted")
    fig.tight_layout()
    return _save(fig, folder / "predictions.png", plt)


def _save(fig, path: Path, plt) -> Path:
    fig.savefig(path)
    plt.close(fig)
    return path


def matrix_of(truth, predicted, k: int) -> np.ndarray:
    """matrix_of(truth, predicted, k) -> (k, k) counts; rows are the true classes.

    >>> matrix_of([0, 1, 1], [0, 1, 0], 2).tolist()
    [[1, 0], [1, 1]]
    """
    out = np.zeros((k, k), np.int64)
    np.add.at(out, (np.asarray(truth, np.int64), np.asarray(predicted, np.int64)), 1)
    return out


def _table(rows: list[dict]) -> str:
    if not rows:
        return "<p>(none)</p>"
    head = "".join(f"<th>{_html.escape(str(k))}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_html.escape(_cell(v))}</td>" for v in r.values())
                   + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return " ".join(_cell(v) for v in value)
    return str(value)


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{path.stem}" src="data:image/png;base64,{data}">'
            f"<figcaption>{path.name}</figcaption></figure>")


_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;
text-align:left;font-size:.9em}th{background:#f2f2f2}pre{background:#f7f7f7;padding:1em;
overflow:auto}figure{display:inline-block;margin:.5em}img{max-width:34em}"""


def html(folder: Path, *, title: str, config_text: str, summary: list[dict],
         evaluation: list[dict], plots: list[Path], notes: list[str] = ()) -> Path:
    """html(folder, *, title, config_text, summary, evaluation, plots, notes) -> report.html."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{_html.escape(title)}"
             f"</title><style>{_STYLE}</style></head><body><h1>{_html.escape(title)}</h1>"]
    parts += [f"<p>{_html.escape(n)}</p>" for n in notes]
    parts += ["<h2>Evaluation</h2>", _table(evaluation), "<h2>Plots</h2>",
              "".join(_image(p) for p in plots), "<h2>Data</h2>", _table(summary),
              "<h2>Config</h2>", f"<pre>{_html.escape(config_text)}</pre></body></html>"]
    path = folder / "report.html"
    path.write_text("".join(parts), encoding="utf-8")
    return path
