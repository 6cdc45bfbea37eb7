"""Notebook reprs of the data layer: a loader's batch as a grid, an image folder's classes.

Each function returns the HTML that the class's ``_repr_html_`` shows; the plain
``repr`` stays the text fallback. Images are small PNGs (``toolkit._html``).

>>> import numpy as np
>>> from toolkit.data.arrays import ArrayDataset
>>> from toolkit.data.loader import DataLoader
>>> page = loader_html(DataLoader(ArrayDataset(np.arange(6.0).reshape(3, 2)), 2))
>>> page.count("<tr>")  # a header and the two rows of the first batch
3
"""

from __future__ import annotations

import numpy as np

import toolkit._html as _html

_PANELS = 16


def loader_html(loader) -> str:
    """The loader's repr and its next batch (images as a grid, rows as a table); the epoch
    counter does not move."""
    x, y = next(iter(loader.iter_epoch(loader.epoch)), (None, None))
    if x is None:
        return _html.caption(loader)
    classes = getattr(loader.ds, "classes", None)
    if np.ndim(x) == 4:
        captions = [_html.label_name(label, classes) for label in y[:_PANELS]]
        return _html.caption(loader) + _html.image_grid(list(x[:_PANELS]), captions)
    width = min(np.shape(x)[1] if np.ndim(x) > 1 else 1, 8)
    rows = [[f"{v:.4g}" for v in np.ravel(row)[:width]] for row in np.asarray(x)[:5]]
    headers = [f"x{j}" for j in range(width)]
    if y is not None:
        headers.append("y")
        for row, label in zip(rows, np.asarray(y)[:5], strict=False):
            row.append(_html.label_name(label, classes) if classes is not None else str(label))
    return _html.caption(loader) + _html.table(headers, rows)


def image_folder_html(ds) -> str:
    """The folder's repr, the images per class, one sample image of each class, and the
    first rows of the manifest."""
    if not len(ds):
        return _html.caption(ds)
    targets, classes = ds.targets, ds.classes
    if targets is None or classes is None:
        items = range(min(len(ds), _PANELS))
        return _html.caption(ds) + _html.image_grid([ds[i][0] for i in items], [])
    counts = np.bincount(targets, minlength=len(classes))
    table = _html.table(["class", "images"], [[c, int(n)] for c, n in zip(classes, counts,
                                                                          strict=True)])
    firsts = [int(np.flatnonzero(targets == k)[0]) for k in range(len(classes)) if counts[k]]
    firsts = firsts[:_PANELS]
    grid = _html.image_grid([ds[i][0] for i in firsts], [classes[targets[i]] for i in firsts])
    return _html.caption(ds) + table + grid + ds.manifest.head(5)._repr_html_()


def table_html(table) -> str:
    """A table's repr and its schema (column, dtype, scientific type, missing, role)."""
    schema = table.schema()
    rows = [[str(v) for v in row] for row in schema.iter_rows()]
    return _html.caption(table) + _html.table(schema.columns, rows)
