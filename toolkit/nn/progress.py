"""What ``tk.train`` shows: a line per epoch and a bar within it, wherever it runs.

- In a terminal: a tqdm bar on stderr during the epoch, then the epoch's line.
- In a Jupyter notebook: one table that grows a row per epoch, updated in place (as
  fastai's), and an ipywidgets bar when ipywidgets is installed (none otherwise: never
  tqdm's "IProgress not found" warning).
- Elsewhere (a log collected from stdout, a CI job): the epoch lines on stdout.
- ``log="train.log"``: the same lines appended to a file, in any case.
- ``quiet=True``: no lines on screen (the log file is still written), and no bar unless
  ``progress=True`` asks for one.

>>> out = Progress(quiet=True, bar=False, log=None)
>>> out.format({"epoch": 1, "loss": 0.51234, "val_loss": 0.6, "time": 1.25})
['    1', '0.5123  ', '0.6     ', '1.2s']
"""

from __future__ import annotations

import sys
from pathlib import Path

import toolkit._html as _html


def in_notebook() -> bool:
    """Whether the code runs in a Jupyter kernel (IPython's ZMQ shell)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _widgets() -> bool:
    import importlib.util

    return importlib.util.find_spec("ipywidgets") is not None


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass


class Progress:
    """Progress(quiet, bar, log) — the epoch lines and bars of one ``tk.train`` call.

    ``bar``: True, False or None (show one where someone watches: a terminal or a notebook).
    """

    def __init__(self, quiet: bool, bar: bool | None, log):
        self.notebook = not quiet and in_notebook()
        self.terminal = not quiet and not self.notebook and sys.stderr.isatty()
        self.quiet, self.log = quiet, None if log is None else Path(log)
        watched = self.notebook or self.terminal
        self.bar = (watched and not quiet) if bar is None else bool(bar)
        self.handle, self.header, self._bar = None, None, None

    def epoch_bar(self, total: int | None, desc: str):
        """The bar of an epoch: one bar per training, reset at each epoch (one widget)."""
        if self._bar is not None:
            self._bar.reset(total)
            self._bar.set_description(desc, refresh=False)
            return self._bar
        if not self.bar or (self.notebook and not _widgets()):
            return _NoBar()
        if self.notebook:
            from tqdm.notebook import tqdm
        else:
            from tqdm.std import tqdm
        self._bar = tqdm(total=total, desc=desc, leave=False,
                         file=None if self.notebook else sys.stderr)
        return self._bar

    def close(self) -> None:
        """Close the bar when training ends."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def format(self, row: dict) -> list[str]:
        cells = []
        for name, value in row.items():
            if name == "epoch":
                cells.append(f"{value:>5}")
            elif name == "time":
                cells.append(f"{value:.1f}s")
            else:
                cells.append(f"{value:<{max(len(name), 8)}.4g}")
        return cells

    def _header(self, row: dict) -> str:
        return "  ".join(f"{n:>5}" if n == "epoch" else f"{n:<{max(len(n), 8)}}" for n in row)

    def epoch_end(self, rows: list[dict]) -> None:
        """Show the last of ``rows`` (all of them, in the notebook's table)."""
        row = rows[-1]
        line = "  ".join(self.format(row))
        header = self._header(row)
        if self.log is not None:
            self._append(header, line)
        if self.notebook:
            self._table(rows)
        elif not self.quiet:
            self._print(header, line)
        self.header = header

    def note(self, text: str) -> None:
        """A sentence for the user (nothing to train, ...), unless quiet."""
        if self.log is not None:
            with self.log.open("a") as f:
                f.write(text + "\n")
        if not self.quiet:
            print(text, flush=True)

    def _print(self, header: str, line: str) -> None:
        text = line if header == self.header else f"{header}\n{line}"
        if self._bar is not None:  # clears the bar, prints, draws it again
            self._bar.write(text, file=sys.stdout)
        else:
            print(text, flush=True)

    def _append(self, header: str, line: str) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as f:
            if header != self.header:
                f.write(header + "\n")
            f.write(line + "\n")

    def _table(self, rows: list[dict]) -> None:
        from IPython.display import display

        names = list(dict.fromkeys(k for r in rows for k in r))
        cells = [[_plain(r.get(n), n) for n in names] for r in rows]
        text = "\n".join(["  ".join(f"{n:>10}" for n in names),
                          *("  ".join(f"{c:>10}" for c in row) for row in cells)])
        page = {"text/html": _html.table(names, cells), "text/plain": text}
        if self.handle is None:
            self.handle = display(page, raw=True, display_id=True)
        else:
            self.handle.update(page, raw=True)


def _plain(value, name: str) -> str:
    if value is None:
        return ""
    if name == "time":
        return f"{value:.1f}s"
    return f"{value:.4g}" if isinstance(value, float) else str(value)
