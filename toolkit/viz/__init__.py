"""toolkit.viz — figures to look at the data, the training and the mistakes (matplotlib).

Each function returns a ``matplotlib.figure.Figure`` made without pyplot (headless, no
global figure list). In a Jupyter kernel such a figure shows as a PNG whether or not
pyplot was ever imported (``toolkit._notebook.show_figures_in_notebooks``, run by
``import toolkit``).

>>> import toolkit as tk
>>> fig = tk.plot_confusion([0, 1], [0, 0])
>>> type(fig).__name__, len(fig.axes)
('Figure', 1)
"""

# ruff: noqa: F401  (the imports are re-exported: __all__ comes from toolkit._EXPORTS)

from toolkit import _EXPORTS
from toolkit.viz.figures import (
    plot_confusion,
    plot_history,
    plot_lr_find,
    preview,
    show_batch,
    top_losses,
)

__all__ = list(_EXPORTS["viz"])
