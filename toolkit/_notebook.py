"""Jupyter integration that ``import toolkit`` sets up: matplotlib figures shown as PNG.

It imports nothing heavy (not numpy, not matplotlib): ``import toolkit`` stays light.

>>> show_figures_in_notebooks()  # outside a Jupyter kernel: nothing to do
"""

from __future__ import annotations


def show_figures_in_notebooks() -> None:
    """In a Jupyter kernel, show a matplotlib ``Figure`` as a PNG, as the inline backend does.

    matplotlib's inline backend teaches IPython this only once pyplot is imported; the
    figures of ``toolkit.viz`` are made without pyplot. Registered by the type's name,
    so matplotlib is not imported until a figure is shown. Outside IPython, nothing.
    """
    import sys

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return
    formatter = shell.display_formatter.formatters["image/png"]
    formatter.for_type_by_name("matplotlib.figure", "Figure", _figure_png)


def _figure_png(fig) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()
