"""toolkit.viz — figures to look at the data, the training and the mistakes (matplotlib).

Each function returns a ``matplotlib.figure.Figure`` made without pyplot (headless, no
global figure list; ``toolkit._plot``). ``plot_history`` and ``plot_lr_find`` live beside
what they draw, in ``toolkit.nn``, and ``tk.augment.preview`` in ``toolkit.augment``.
In a Jupyter kernel a figure shows as a PNG whether or not pyplot was ever imported
(``toolkit._notebook.show_figures_in_notebooks``, run by ``import toolkit``).

>>> import toolkit as tk
>>> fig = tk.plot_confusion([0, 1], [0, 0])
>>> type(fig).__name__, len(fig.axes)
('Figure', 1)
"""

# ruff: noqa: F401  (re-exported through __all__)
from toolkit.viz.figures import plot_confusion, show_batch, top_losses

# The layer's public names; toolkit/__init__.py's _EXPORTS table names the same ones
# (tests/test_lazy_import.py checks that the two agree).
__all__ = ["show_batch", "plot_confusion", "top_losses"]
