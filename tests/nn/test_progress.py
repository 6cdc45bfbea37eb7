"""What tk.train shows in a notebook: one table, updated in place with a row per epoch, and
no bar warning; the epoch lines elsewhere are tested in test_train.py."""

import sys
import types

import numpy as np
import pytest

import toolkit as tk
from toolkit.nn import progress


class ZMQInteractiveShell:  # the class name is what marks a Jupyter kernel
    pass


@pytest.fixture
def notebook(monkeypatch):
    """A fake Jupyter kernel: get_ipython() answers, display() records what it is given."""
    shown = []

    class Handle:
        def update(self, data, raw=False):
            shown.append(("update", data))

    def display(data, raw=False, display_id=False):
        shown.append(("display", data))
        return Handle()

    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: ZMQInteractiveShell()
    ipython_display = types.ModuleType("IPython.display")
    ipython_display.display = display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", ipython_display)
    return shown


def test_in_a_notebook_one_table_grows_in_place(notebook, capsys):
    assert progress.in_notebook()
    model = tk.Dense(1, 1, seed=0)
    data = [(np.ones((2, 1), np.float32), np.ones((2, 1), np.float32))]
    tk.train(lambda m, x, y: tk.mse(m(x), y), model, data, tk.setup(tk.Descent(0.1), model),
             epochs=3, progress=False)
    assert [kind for kind, _ in notebook] == ["display", "update", "update"]
    last = notebook[-1][1]
    assert last["text/html"].count("<tr>") == 4  # header and three epochs
    assert last["text/plain"].splitlines()[0].split() == ["epoch", "loss", "lr", "time"]
    assert capsys.readouterr().out == ""  # the table replaces the lines


def test_no_bar_and_no_warning_without_ipywidgets(notebook, monkeypatch):
    monkeypatch.setattr(progress, "_widgets", lambda: False)
    bar = progress.Progress(quiet=False, bar=True, log=None).epoch_bar(3, "epoch 1/1")
    assert isinstance(bar, progress._NoBar)


def test_outside_a_notebook_and_a_terminal_no_bar_by_default():
    out = progress.Progress(quiet=False, bar=None, log=None)
    assert not out.notebook and isinstance(out.epoch_bar(3, "e"), progress._NoBar)
