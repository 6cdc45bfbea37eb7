"""Arrays and devices: numpy on the CPU, cupy on a GPU, chosen from the inputs.

* :func:`array_module` returns ``numpy`` or ``cupy`` for some arrays (cupy is never
  imported unless some other code imported it: no cupy array can exist otherwise).
* ``float32`` is the default dtype (:data:`DEFAULT_DTYPE`, :func:`asfloat`).
* :func:`gpu` / :func:`cpu` move every array of a tree — an array, a layer, a whole
  model, an optimiser state tree — and return the moved copy (Modules are copied
  shallowly, the input is left as it was). When no GPU can be used, :func:`gpu`
  returns its input unchanged and logs *once* (logger ``toolkit.nn.device``, level
  WARNING) why: cupy is not installed, or no CUDA device is visible. With
  ``strict=True``, or the environment variable ``TOOLKIT_GPU_STRICT=1``, it raises
  :class:`toolkit.errors.DeviceError` instead. Every move is logged at INFO level
  with what moved; ``report=True`` also returns that summary as a :class:`MoveReport`.

>>> import numpy as np
>>> array_module(np.zeros(2)).__name__
'numpy'
>>> tree = {"w": np.zeros((2, 3), np.float32)}
>>> moved, report = cpu(tree, report=True)  # numpy arrays are on the CPU already
>>> moved["w"] is tree["w"], report.arrays
(True, 0)
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import sys

import numpy as np

from toolkit.errors import DeviceError
from toolkit.nn.tree import tree_map

#: The dtype layers and inputs use unless told otherwise.
DEFAULT_DTYPE = np.float32

logger = logging.getLogger("toolkit.nn.device")
_said: set[str] = set()


def array_module(*xs):
    """array_module(*xs) -> ``cupy`` if any of ``xs`` is a cupy array, else ``numpy``.

    >>> array_module(1.0, np.ones(1)) is np
    True
    """
    cupy = sys.modules.get("cupy")
    if cupy is not None:
        for x in xs:
            if isinstance(x, cupy.ndarray):
                return cupy
    return np


def check_same_device(op: str, x, weight) -> None:
    """check_same_device(op, x, weight) — refuse a CPU batch for GPU weights and vice versa.

    Without it cupy fails deep inside the matrix product with "Unsupported type".

    >>> check_same_device("dense", np.ones(2), np.ones(2))  # both on the CPU: fine
    """
    cupy = sys.modules.get("cupy")
    if cupy is None:
        return
    x_gpu, w_gpu = isinstance(x, cupy.ndarray), isinstance(weight, cupy.ndarray)
    if x_gpu != w_gpu:
        where = {True: "on the GPU (cupy)", False: "on the CPU (numpy)"}
        msg = (
            f"{op}: the input is {where[x_gpu]} but the weights are {where[w_gpu]}; move "
            f"them to one device: tk.gpu(x) for a batch, or tk.cpu(model) for the model"
        )
        raise DeviceError(msg)


def shape_of(x) -> tuple:
    """shape_of(x) -> the shape of an array of any module, a traced value or a number (``()``).

    >>> shape_of(np.zeros((2, 3))), shape_of(1.5)
    ((2, 3), ())
    """
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else np.shape(x)


def size_of(x) -> int:
    """size_of(x) -> the number of elements (1 for a number).

    >>> size_of(np.zeros((2, 3))), size_of(1.5)
    (6, 1)
    """
    n = 1
    for d in shape_of(x):
        n *= d
    return n


def asfloat(x, dtype=None):
    """asfloat(x, dtype=None) -> ``x`` as a float32 (or ``dtype``) array; no copy if it is one.

    Keeps cupy arrays on their device; integer and boolean inputs are converted.

    >>> asfloat([1, 2]).dtype
    dtype('float32')
    """
    xp = array_module(x)
    return xp.asarray(x, dtype=dtype or DEFAULT_DTYPE)


def scatter_add(target, index, values) -> None:
    """scatter_add(target, index, values) — ``target[index] += values``, repeated indices summed.

    >>> t = np.zeros(3); scatter_add(t, np.array([0, 0, 2]), np.ones(3)); t.tolist()
    [2.0, 0.0, 1.0]
    """
    # cupy.add.at, not cupyx.scatter_add: since cupy 12 the latter warns (DeprecationWarning)
    array_module(target).add.at(target, index, values)


# ---------------------------------------------------------------------------- moving trees


@dataclasses.dataclass(frozen=True)
class MoveReport:
    """MoveReport(device, arrays, nbytes, reason) — what :func:`gpu` / :func:`cpu` moved.

    ``reason`` says why nothing moved to a GPU (``""`` otherwise).

    >>> MoveReport("cpu", 2, 64, "")
    MoveReport(device='cpu', arrays=2, nbytes=64, reason='')
    """

    device: str
    arrays: int
    nbytes: int
    reason: str = ""


@functools.cache
def _gpu_unavailable_reason() -> str:
    """Why cupy cannot be used here ('' when it can)."""
    try:
        import cupy
    except ImportError:
        return "cupy is not installed (install the extra: pip install 'toolkit[gpu]')"
    except Exception as err:  # a broken CUDA install raises all sorts of errors on import
        return f"cupy failed to import: {err}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:
        return f"no CUDA device can be used: {err}"
    return "" if count > 0 else "no CUDA device is visible"


def _strict_from_env() -> bool:
    return os.environ.get("TOOLKIT_GPU_STRICT", "").strip().lower() in {"1", "true", "yes"}


def _say_once(reason: str) -> None:
    if reason not in _said:
        _said.add(reason)
        logger.warning("tk.gpu: nothing moved, the model stays on the CPU: %s", reason)


def gpu(obj, *, strict: bool | None = None, report: bool = False):
    """gpu(obj, *, strict=None, report=False) -> ``obj`` with every numpy array moved to the GPU.

    Works on arrays and trees (layers, models, optimiser state). Without a usable GPU
    it returns ``obj`` unchanged and logs the reason once; ``strict=True`` (or
    ``TOOLKIT_GPU_STRICT=1`` when ``strict`` is None) raises DeviceError instead.
    With ``report=True`` it returns ``(moved, MoveReport)``.

    >>> import numpy as np
    >>> x = np.ones(3, np.float32)
    >>> moved, rep = gpu(x, report=True)
    >>> (moved is x, rep.arrays) if rep.reason else (True, 0)
    (True, 0)
    """
    strict = _strict_from_env() if strict is None else strict
    reason = _gpu_unavailable_reason()
    if reason:
        if strict:
            raise DeviceError(f"tk.gpu(strict=True): {reason}")
        _say_once(reason)
        summary = MoveReport("cpu", 0, 0, reason)
        return (obj, summary) if report else obj
    import cupy

    return _move(obj, lambda a: isinstance(a, np.ndarray), cupy.asarray, "gpu", report)


def cpu(obj, *, report: bool = False):
    """cpu(obj, *, report=False) -> ``obj`` with every cupy array copied back to numpy.

    numpy arrays and other leaves are kept as they are; with ``report=True`` returns
    ``(moved, MoveReport)``.

    >>> import numpy as np
    >>> cpu([np.ones(2)])[0].tolist()
    [1.0, 1.0]
    """
    cupy = sys.modules.get("cupy")
    if cupy is None:
        return _move(obj, lambda a: False, None, "cpu", report)
    return _move(obj, lambda a: isinstance(a, cupy.ndarray), cupy.asnumpy, "cpu", report)


def _move(obj, should_move, convert, device: str, report: bool):
    counts = [0, 0]

    def move(leaf):
        if not should_move(leaf):
            return leaf
        counts[0] += 1
        counts[1] += leaf.nbytes
        return convert(leaf)

    moved = tree_map(move, obj)
    if counts[0]:
        logger.info("tk.%s: moved %d arrays (%d bytes)", device, counts[0], counts[1])
    summary = MoveReport(device, counts[0], counts[1], "")
    return (moved, summary) if report else moved
