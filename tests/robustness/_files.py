"""Helpers of the robustness corpus: real model files, edited the way an attacker would."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np


def arrays_of(path) -> dict[str, np.ndarray]:
    """arrays_of(path) -> {member name: array} of every .npy inside a skops zip."""
    with zipfile.ZipFile(path) as archive:
        return {
            name: np.load(io.BytesIO(archive.read(name)), allow_pickle=False)
            for name in archive.namelist()
            if name.endswith(".npy")
        }


def rewrite_skops(src, dst, edit) -> Path:
    """rewrite_skops(src, dst, edit) -> dst: a copy of a skops zip with members edited.

    ``edit(name, data: bytes) -> bytes | None`` sees every member; None drops it.
    """
    with zipfile.ZipFile(src) as archive, zipfile.ZipFile(dst, "w") as out:
        for name in archive.namelist():
            data = edit(name, archive.read(name))
            if data is not None:
                out.writestr(name, data)
    return Path(dst)


def edit_array(src, dst, match, change) -> Path:
    """edit_array(src, dst, match, change) -> dst, with the arrays ``match(a)`` selects changed.

    ``change(a)`` edits a writable copy in place, or returns a new array. Fails when
    nothing matched, so a test cannot pass by editing nothing.
    """
    hits = []

    def edit(name, data):
        if not name.endswith(".npy"):
            return data
        array = np.load(io.BytesIO(data), allow_pickle=False)
        if not match(array):
            return data
        array = array.copy()
        new = change(array)
        array = array if new is None else new
        hits.append(name)
        buffer = io.BytesIO()
        np.save(buffer, array)
        return buffer.getvalue()

    rewrite_skops(src, dst, edit)
    assert hits, "no array of the file matched: the test would edit nothing"
    return Path(dst)


def has_fields(*names):
    """has_fields(*names) -> a match for structured arrays holding all ``names``."""
    return lambda a: a.dtype.names is not None and set(names) <= set(a.dtype.names)
