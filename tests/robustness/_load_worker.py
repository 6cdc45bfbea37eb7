"""A worker process for the fuzzers: loads each file it is sent, answers with the outcome.

Reads lines ``kind<TAB>path`` on stdin and writes one line per file: ``ok``,
``toolkit <ErrorClass>`` or ``raw <ExceptionClass>: message``. A process-level
crash (a segfault in compiled code) ends the process, which the test sees.
"""

from __future__ import annotations

import sys

import numpy as np

import toolkit as tk
from toolkit.errors import ToolkitError

PROBE = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)


def outcome(kind: str, path: str) -> str:
    try:
        if kind == "parquet":
            tk.Parquet(path, target="y").schema()
            return "ok"
        loaded = tk.load(path)
        if kind == "machine":
            tk.predict(loaded, PROBE)
        else:
            np.asarray(loaded(PROBE))
    except ToolkitError as error:
        return f"toolkit {type(error).__name__}"
    except (Exception, BaseException) as error:  # noqa: BLE001 - a polars panic is a BaseException
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        return f"raw {type(error).__name__}: {str(error)[:300]}".replace("\n", " ")
    return "ok"


def main() -> None:
    for line in sys.stdin:
        kind, path = line.rstrip("\n").split("\t")
        print(outcome(kind, path), flush=True)


if __name__ == "__main__":
    main()
