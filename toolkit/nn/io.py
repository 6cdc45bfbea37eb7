"""Weights files: safetensors arrays plus the layer structure as JSON — no pickle, no code.

``save(path, model)`` writes every array of the model (parameters and state such as
BatchNorm's running statistics) under its tree path (``"layers.0.weight"``) and puts
the model's structure in the file's metadata: for each layer its registered type name
(the ``layers`` family of :mod:`toolkit.registry`), its static configuration and its sub-layers.
``load(path)`` rebuilds the model from that JSON: only registered layer types and
named activations can be built, every configuration goes through the layer's own
constructor checks, and every array must be present with the shape the structure
implies — anything else is refused with :class:`~toolkit.errors.UnsafeFileError`.
Loading never executes code from the file. ``loadweights(model, path)`` fills an
existing model, checking every shape. (``tk.save``/``tk.load`` dispatch here.)

>>> import numpy as np, tempfile, os
>>> from toolkit.nn.layers import Chain, Dense
>>> model = Chain(Dense(3, 4, "relu"), Dense(4, 2), seed=1)
>>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
>>> save(path, model)
>>> again = load(path)
>>> again[0], bool((again[1].weight == model[1].weight).all())
(Dense(3 => 4, relu), True)
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from toolkit.errors import ShapeError, ToolkitError, UnsafeFileError, WriteError
from toolkit.nn.device import array_module
from toolkit.nn.layers import activation as act
from toolkit.nn.layers.base import Layer, sublayers
from toolkit.nn.module import Module
from toolkit.nn.tree import map_inplace, modules, tree_leaves_with_path
from toolkit.registry import registry

FORMAT = "toolkit.nn"
VERSION = "1"
_MAX_DEPTH = 64


# ---------------------------------------------------------------------------- structure


def structure(model, where: str = "model") -> dict:
    """structure(model) -> the JSON-able description of a model's layers (no arrays).

    >>> from toolkit.nn.layers import Dense
    >>> structure(Dense(2, 3))["type"], structure(Dense(2, 3))["config"]["out"]
    ('Dense', 3)
    """
    if isinstance(model, Module):
        return _encode_layer(model, where)
    if callable(model):
        name = act.name_of(model)
        if name is None or name.startswith("<"):
            msg = f"cannot save the function {name} at {where}: only named activations can be saved"
            raise UnsafeFileError(msg)
        return {"function": name}
    msg = f"cannot save {type(model).__name__} at {where}: expected a layer or a named activation"
    raise UnsafeFileError(msg)


def _encode_layer(layer, where: str) -> dict:
    name = registry("layers").name_of(layer)
    if name is None:
        msg = (
            f"cannot save {type(layer).__name__} at {where}: it is not a registered layer "
            f'type; register it with @tk.register("layers") (registered: '
            f'{", ".join(registry("layers").names())})'
        )
        raise UnsafeFileError(msg)
    if isinstance(layer, Layer) and layer.param_shapes() is None:
        msg = (
            f"cannot save {layer!r} at {where}: its size is inferred from the first batch, "
            f"which it has not seen; call the model on a batch first"
        )
        raise ShapeError(msg)
    config = layer.config()
    for key, value in config.items():
        if isinstance(value, str) and value.startswith("<"):
            msg = f"cannot save {name} at {where}: its {key} {value} is not a registered name"
            raise UnsafeFileError(msg)
    children = {}
    for field in layer._fields:
        value = layer.__dict__.get(field)
        if isinstance(value, Module) or callable(value):
            children[field] = structure(value, f"{where}.{field}")
        elif isinstance(value, list):
            children[field] = [structure(v, f"{where}.{field}[{i}]") for i, v in enumerate(value)]
        elif isinstance(value, dict):
            children[field] = {k: structure(v, f"{where}.{field}.{k}") for k, v in value.items()}
    return {"type": name, "config": config, "children": children}


def refuse(path, what: str) -> UnsafeFileError:
    """``refuse(path, what) -> UnsafeFileError``: the error refusing ``path`` for ``what``."""
    return UnsafeFileError(f"{path}: refused — {what}")


def build(spec, path="<structure>", depth: int = 0):
    """build(spec, path="<structure>") -> a model from :func:`structure`'s JSON, checked.

    Only registered layer types and named activations are built.

    >>> build({"type": "Dense", "config": {"in_": 2, "out": 3}, "children": {}})
    Dense(2 => 3)
    >>> build({"type": "os.system", "config": {}, "children": {}})
    Traceback (most recent call last):
    ...
    toolkit.errors.UnsafeFileError: <structure>: refused — unknown layer type 'os.system' ...
    """
    if depth > _MAX_DEPTH:
        raise refuse(path, f"the structure is nested deeper than {_MAX_DEPTH} levels")
    if not isinstance(spec, dict):
        raise refuse(path, f"a layer entry must be a JSON object, got {type(spec).__name__}")
    if set(spec) == {"function"}:
        return _function(spec["function"], path)
    if set(spec) != {"type", "config", "children"}:
        raise refuse(path, f"a layer entry has keys type, config, children; got {sorted(spec)}")
    name, config, children = spec["type"], spec["config"], spec["children"]
    layers = registry("layers")
    if not isinstance(name, str) or name not in layers.names():
        raise refuse(path, f"unknown layer type {name!r} (known: {', '.join(layers.names())})")
    if not isinstance(config, dict) or not isinstance(children, dict):
        raise refuse(path, f"{name}: config and children must be JSON objects")
    kids = {k: _build_children(v, path, depth) for k, v in children.items()}
    cls = layers.get(name)
    try:
        return cls.from_config(config, kids) if hasattr(cls, "from_config") else cls(**config)
    except (TypeError, ValueError, KeyError, ToolkitError) as err:
        raise refuse(path, f"{name} cannot be built from {config} ({err})") from None


def _build_children(value, path, depth):
    if isinstance(value, list):
        return [build(v, path, depth + 1) for v in value]
    if isinstance(value, dict) and "type" not in value and "function" not in value:
        return {str(k): build(v, path, depth + 1) for k, v in value.items()}
    return build(value, path, depth + 1)


def _function(name, path):
    activations = registry("activations")
    if not isinstance(name, str) or name not in activations:
        raise refuse(path, f"unknown activation {name!r} (known: {', '.join(activations)})")
    return activations.get(name)


# ---------------------------------------------------------------------------- arrays


def arrays(model) -> dict:
    """arrays(model) -> {path: numpy array} of every array in the model (on the CPU).

    >>> from toolkit.nn.layers import Dense
    >>> sorted(arrays(Dense(2, 3)))
    ['bias', 'weight']
    """
    out = {}
    for path, value in tree_leaves_with_path(model):
        if hasattr(value, "shape") and hasattr(value, "dtype"):
            out[path] = contiguous(host(value))
    return out


def host(value):
    """host(value) -> a numpy array of ``value`` (copied from the GPU for a cupy array)."""
    return value if isinstance(value, np.ndarray) or not hasattr(value, "get") else value.get()


def contiguous(array) -> np.ndarray:
    """contiguous(array) -> a C-contiguous numpy array of the same shape (0-d stays 0-d)."""
    return np.ascontiguousarray(array).reshape(np.shape(array))


def assign(model, tensors: dict, where: str, error=ShapeError, in_place: bool = True) -> None:
    """assign(model, tensors, where) — set every array of ``model`` from ``tensors`` by path.

    Every array the model has must be in ``tensors`` with the same shape, and no
    other; ``in_place`` copies into the existing arrays (keeping their dtype and device).
    """
    expected = {p: v for p, v in tree_leaves_with_path(model) if hasattr(v, "shape")}
    missing, extra = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or extra:
        msg = f"{where}: the arrays do not match the model: missing {missing}, unexpected {extra}"
        raise error(msg)
    for path, value in expected.items():  # check everything before changing anything
        new = tensors[path]
        if tuple(new.shape) != tuple(value.shape):
            msg = (
                f"{where}: {path} has shape {tuple(new.shape)} in the file, "
                f"the model needs {tuple(value.shape)}"
            )
            raise error(msg)

    def put(value, path, is_state):
        if not hasattr(value, "shape"):
            return value
        new = tensors[path]
        if in_place and _writeable(value):
            value[...] = array_module(value).asarray(new)  # cupy will not fill from a host array
            return value
        return _like(value, new)

    map_inplace(put, model)
    for layer in sublayers(model):  # counters cached on the host must be read again
        if hasattr(layer, "forget_cache"):
            layer.forget_cache()


def _writeable(value) -> bool:
    flags = getattr(value, "flags", None)
    return flags is not None and getattr(flags, "writeable", True)  # cupy's flags lack it: always


def _like(value, new):
    if type(value).__module__.startswith("cupy"):
        import cupy

        return cupy.asarray(new)
    return np.array(new, copy=True)


# ---------------------------------------------------------------------------- files


def write(path, tensors: dict, metadata: dict) -> None:
    """``write(path, tensors, metadata)``: a safetensors file, written atomically (then renamed)."""
    from safetensors.numpy import save_file

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise WriteError(path, error) from None
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata=metadata)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read(path) -> tuple[dict, dict]:
    """read(path) -> (tensors, metadata) of a safetensors file; refuses anything else."""
    from safetensors import safe_open

    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such weights file")
    try:
        with safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    except Exception as err:  # safetensors raises its own error type, not exported stably
        raise refuse(path, f"not a valid safetensors file ({err})") from None
    return tensors, metadata


def save(path, model) -> None:
    """save(path, model) — write the model's arrays and structure to a safetensors file.

    The write is atomic (a temporary file renamed). Refuses unregistered layer types,
    unnamed activation functions and layers that have not been sized yet.
    """
    spec = structure(model)
    write(path, arrays(model), {"format": FORMAT, "version": VERSION, "model": json.dumps(spec)})


def parse_json(text, path, what: str = "the model structure"):
    """parse_json(text, path) -> the JSON value of a file's metadata entry, or UnsafeFileError.

    Invalid JSON and JSON nested too deep for the parser are refused by name.

    >>> parse_json("[" * 100_000, "m.safetensors")
    Traceback (most recent call last):
    ...
    toolkit.errors.UnsafeFileError: m.safetensors: refused — the model structure is ...
    """
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError) as err:
        raise refuse(path, f"{what} is not valid JSON ({err})") from None
    except RecursionError:
        raise refuse(path, f"{what} is JSON nested too deep to be a model") from None


def check_sizes(model, tensors: dict, path) -> None:
    """check_sizes(model, tensors, path) — refuse a structure whose arrays the file lacks.

    Run before any array of ``model`` is drawn, so that a small file whose structure
    claims a huge layer is refused instead of allocating it: every array a layer will
    hold must be in the file with exactly that shape.
    """
    for where, layer in modules(model):
        if not isinstance(layer, Layer):
            continue
        shapes = layer.param_shapes()
        if shapes is None:
            raise refuse(path, f"{where or 'the model'}: {layer!r} has no sizes")
        prefix = f"{where}." if where else ""
        for name, shape in shapes.items():
            found = tensors.get(prefix + name)
            if found is None or tuple(found.shape) != tuple(shape):
                got = "no array" if found is None else f"shape {tuple(found.shape)}"
                msg = f"{prefix}{name}: the structure needs shape {tuple(shape)}"
                raise refuse(path, f"{msg}, the file has {got}")


def rebuild(spec_text, tensors: dict, path):
    """rebuild(spec_text, tensors, path) -> the model of a JSON structure, filled from tensors.

    Allocates nothing the file does not hold: the sizes are checked first.
    """
    model = build(parse_json(spec_text, path), path)
    check_sizes(model, tensors, path)
    assign(model, tensors, str(path), error=UnsafeFileError, in_place=False)
    return model


def load(path):
    """load(path) -> the model saved by :func:`save`, rebuilt without running code from the file."""
    tensors, metadata = read(path)
    if metadata.get("format") != FORMAT or "model" not in metadata:
        msg = f"the metadata does not describe a toolkit model (format {metadata.get('format')!r})"
        raise refuse(path, msg + "; use loadweights(model, path) for bare weight files")
    return rebuild(metadata["model"], tensors, path)


def loadweights(model, path):
    """loadweights(model, path) -> model, with its arrays read from a weights file.

    Every array of the model must be in the file with the same shape (the error names
    the parameter path and both shapes); the values are copied into the model's
    arrays, which keep their dtype and device. The file's structure is not used.

    >>> import tempfile, os
    >>> from toolkit.nn.layers import Dense
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> save(path, Dense(2, 3, seed=1))
    >>> loadweights(Dense(2, 4), path)
    Traceback (most recent call last):
    ...
    toolkit.errors.ShapeError: ...: weight has shape (2, 3) in the file, the model needs (2, 4)
    """
    tensors, _ = read(path)
    assign(model, tensors, str(path))
    return model
