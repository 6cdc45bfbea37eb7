"""toolkit.viz — figures to look at the data, the training and the mistakes (matplotlib).

Each function returns a ``matplotlib.figure.Figure`` made without pyplot (headless, no
global figure list). Imported inside a Jupyter kernel, this module also tells
IPython to show such figures as PNG, as matplotlib's inline backend does, so that a
returned figure shows whether or not pyplot was ever imported.

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


def _show_figures_in_notebooks() -> None:
    import sys

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    from matplotlib.figure import Figure

    def png(fig) -> bytes:
        import io

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
        return buffer.getvalue()

    shell.display_formatter.formatters["image/png"].for_type(Figure, png)


_show_figures_in_notebooks()
