"""``from_torch``: PyTorch weights (a module or a ``state_dict``) into a matching toolkit model.

The match is by order: PyTorch keeps a ``state_dict`` in the order its modules were
registered, toolkit walks its layers depth first, and a model built in the same order
(as the zoo's are) pairs them one to one. Each pair is checked — the kind (Linear ↔
Dense, Conv2d ↔ Conv, BatchNorm2d ↔ BatchNorm, LayerNorm ↔ LayerNorm) and every shape —
and the tensors are converted: ``(out, in)`` to ``(in, out)``, ``(out, in, kh, kw)`` to
``(kh, kw, in, out)`` (NCHW to NHWC). BatchNorm's ``num_batches_tracked`` has no
counterpart and is skipped. Layers whose sizes are still unknown take them from the
tensors.

>>> import numpy as np
>>> from toolkit.nn.layers import Chain, Dense
>>> sd = {"0.weight": np.ones((3, 2), np.float32), "0.bias": np.zeros(3, np.float32)}
>>> report = from_torch(sd, into=Chain(Dense(out=3)))
>>> report
LoadReport(1 layers loaded, 2 tensors, 0 unused, 0 missing)
>>> report.model[0].weight.shape
(2, 3)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from toolkit.errors import DataError, ShapeError
from toolkit.nn.layers.basic import Dense
from toolkit.nn.layers.conv import Conv
from toolkit.nn.layers.normalise import BatchNorm, LayerNorm
from toolkit.nn.tree import modules

_IGNORED = ("num_batches_tracked",)


@dataclass
class LoadReport:
    """LoadReport(model, loaded, unused, missing) — what :func:`from_torch` did.

    ``loaded``: ``[(torch tensor name, toolkit path)]``; ``unused``: torch tensors no layer
    took; ``missing``: toolkit layers no tensor reached.
    """

    model: object
    loaded: list = field(default_factory=list)
    unused: list = field(default_factory=list)
    missing: list = field(default_factory=list)

    def __repr__(self) -> str:
        layers = len({path.rsplit(".", 1)[0] for _, path in self.loaded})
        return (f"LoadReport({layers} layers loaded, {len(self.loaded)} tensors, "
                f"{len(self.unused)} unused, {len(self.missing)} missing)")


def state_dict_arrays(source) -> dict:
    """state_dict_arrays(source) -> {name: numpy array} from a torch module, a state_dict of
    torch tensors, or a dict of arrays (order kept)."""
    if hasattr(source, "state_dict") and callable(source.state_dict):
        source = source.state_dict()
    if not isinstance(source, dict):
        raise DataError(f"from_torch: expected a torch module or a state_dict, got "
                        f"{type(source).__name__}")
    return {str(k): _numpy(v) for k, v in source.items()}


def _numpy(value):
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def groups(tensors: dict) -> list[tuple[str, dict]]:
    """groups(tensors) -> [(module prefix, {short name: array})] in order of first appearance.

    >>> [p for p, _ in groups({"a.weight": 1, "a.bias": 2, "b.weight": 3})]
    ['a', 'b']
    """
    out: dict[str, dict] = {}
    for name, value in tensors.items():
        prefix, _, short = name.rpartition(".")
        out.setdefault(prefix, {})[short] = value
    return list(out.items())


def _kind(tensors: dict) -> str | None:
    w = tensors.get("weight")
    if "running_mean" in tensors:
        return "BatchNorm"
    if w is None:
        return None
    return {4: "Conv", 2: "Dense", 1: "LayerNorm"}.get(w.ndim)


def _layers(model) -> list:
    """(path, layer) of each layer with weights, depth first."""
    return [(path, m) for path, m in modules(model) if isinstance(m, Dense | Conv | BatchNorm |
                                                                  LayerNorm)]


def _converted(layer, tensors: dict) -> dict:
    """{toolkit field: array} for one layer, from its torch tensors."""
    if isinstance(layer, Dense):
        out = {"weight": tensors["weight"].T}
    elif isinstance(layer, Conv):
        out = {"weight": tensors["weight"].transpose(2, 3, 1, 0)}
    elif isinstance(layer, BatchNorm):
        out = {"mean": tensors["running_mean"], "var": tensors["running_var"]}
        if "weight" in tensors:
            out |= {"scale": tensors["weight"], "shift": tensors["bias"]}
        return out
    else:
        return {"scale": tensors["weight"], "shift": tensors["bias"]}
    if "bias" in tensors:
        out["bias"] = tensors["bias"]
    return out


def _size_from(layer, tensors: dict) -> None:
    """Fill in the sizes of a layer not built yet from its tensors."""
    if layer.param_shapes() is not None:
        return
    w = tensors.get("weight", tensors.get("running_mean"))
    if isinstance(layer, Dense):
        layer.in_ = int(w.shape[1])
    elif isinstance(layer, Conv):
        layer.in_ = int(w.shape[1]) * layer.groups
    elif isinstance(layer, BatchNorm):
        layer.channels = int(w.shape[0])
    else:
        layer.size = (int(w.shape[0]),)


def _load_layer(path, layer, prefix, tensors, report):
    expected, converted = layer.param_shapes(), _converted(layer, tensors)
    lacking = sorted(set(expected) - set(converted))
    if lacking:
        msg = (f"from_torch: {path} = {layer!r} has {lacking} but the torch module {prefix!r} "
               f"has only {sorted(tensors)}; build it to match (e.g. bias=False)")
        raise ShapeError(msg)
    for field_name, value in converted.items():
        torch_name = _torch_name(prefix, field_name, layer)
        shape = tuple(expected.get(field_name, ()))
        if field_name not in expected or tuple(value.shape) != shape:
            msg = (f"from_torch: {torch_name} has shape {tuple(_numpy_shape(tensors, torch_name))}"
                   f" ({tuple(value.shape)} in toolkit's layout), but {path}.{field_name} of "
                   f"{layer!r} is {shape or 'absent'}; build the toolkit layer with the sizes of "
                   f"the torch one")
            raise ShapeError(msg)
        dtype = layer.__dict__[field_name].dtype if field_name in layer.__dict__ else np.float32
        layer.__dict__[field_name] = np.ascontiguousarray(value, dtype=dtype)
        report.loaded.append((torch_name, f"{path}.{field_name}"))


_TORCH_FIELD = {"scale": "weight", "shift": "bias", "mean": "running_mean", "var": "running_var"}


def _torch_name(prefix, field_name, layer):
    short = _TORCH_FIELD.get(field_name, field_name) if not isinstance(layer, Dense | Conv) \
        else field_name
    return f"{prefix}.{short}" if prefix else short


def _numpy_shape(tensors, torch_name):
    return tensors[torch_name.rpartition(".")[2]].shape


def _pairs(layers, torch_groups, names):
    """[(path, layer, prefix, group)], missing paths, unused prefixes: by order or by ``names``."""
    if names is None:
        n = min(len(layers), len(torch_groups))
        pairs = [(*layers[i], *torch_groups[i]) for i in range(n)]
        return pairs, [p for p, _ in layers[n:]], [p for p, _ in torch_groups[n:]]
    if len(names) != len(layers):
        raise DataError(f"from_torch: names has {len(names)} entries for {len(layers)} layers "
                        f"with weights; give one torch module name per layer")
    by_name = dict(torch_groups)
    pairs = [(path, layer, name, by_name[name])
             for (path, layer), name in zip(layers, names, strict=True) if name in by_name]
    missing = [path for (path, _), name in zip(layers, names, strict=True) if name not in by_name]
    used = set(names)
    return pairs, missing, [p for p, _ in torch_groups if p not in used]


def from_torch(source, into, *, names=None, strict: bool = True) -> LoadReport:
    """from_torch(source, into, *, names=None, strict=True) -> LoadReport: PyTorch weights
    into ``into``.

    ``source`` is a torch module or a ``state_dict`` (torch tensors or numpy arrays, e.g.
    read from a safetensors file). ``into`` is the toolkit model, changed in place (and
    ``report.model``). Layers pair with torch modules in order — or, given ``names`` (one
    torch module name per toolkit layer with weights, depth first, as the zoo passes),
    by name, which does not depend on the file's order (safetensors files sort theirs). A
    shape mismatch raises ShapeError naming the torch tensor and the toolkit layer; with
    ``strict`` (the default) tensors left unused or layers left without weights raise
    DataError naming them; ``strict=False`` loads what matches and lists the rest.
    """
    tensors = state_dict_arrays(source)
    torch_groups = [(p, {k: v for k, v in t.items() if k not in _IGNORED})
                    for p, t in groups(tensors)]
    torch_groups = [(p, t) for p, t in torch_groups if t]
    report = LoadReport(into)
    pairs, report.missing, unused = _pairs(_layers(into), torch_groups, names)
    for path, layer, prefix, group in pairs:
        kind = _kind(group)
        if kind != type(layer).__name__:
            msg = (f"from_torch: the torch module {prefix!r} ({kind or 'unknown kind'}, tensors "
                   f"{sorted(group)}) meets {path} = {layer!r}; the models differ there — "
                   f"build the toolkit model with its layers in the torch model's order")
            raise DataError(msg)
        _size_from(layer, group)
        _load_layer(path, layer, prefix, group, report)
    report.unused = [f"{p}.{k}" if p else k for p in unused for k in dict(torch_groups)[p]]
    if strict and (report.unused or report.missing):
        msg = (f"from_torch: the models do not match — torch tensors left unused: "
               f"{report.unused or 'none'}; toolkit layers without weights: "
               f"{report.missing or 'none'}. Pass strict=False to load the matching part")
        raise DataError(msg)
    return report


def _torch_layout(layer) -> dict:
    """{torch field: array} of one layer in PyTorch's layout (the inverse of ``_converted``)."""
    if isinstance(layer, Dense | Conv):
        w = np.asarray(layer.weight)
        out = {"weight": w.T if isinstance(layer, Dense) else w.transpose(3, 2, 0, 1)}
        return out | ({"bias": np.asarray(layer.bias)} if layer.use_bias else {})
    fields = ("scale", "shift", "mean", "var") if isinstance(layer, BatchNorm) else \
        ("scale", "shift")
    return {_TORCH_FIELD[f]: np.asarray(getattr(layer, f)) for f in fields
            if getattr(layer, f, None) is not None}


def to_state_dict(model, names=None) -> dict:
    """to_state_dict(model, names=None) -> {torch name: numpy array}: a toolkit model's weights in
    PyTorch's layout and naming, for ``torch_module.load_state_dict`` or a safetensors file.

    ``names`` are the torch module names, one per layer with weights (as
    :func:`from_torch` takes them; ``tk.zoo.torch_names(arch)`` for the zoo); by default
    the toolkit paths. ``from_torch(to_state_dict(m, names), into=copy, names=names)``
    gives the model back.

    >>> from toolkit.nn.layers import Chain, Dense
    >>> {k: v.shape for k, v in to_state_dict(Chain(Dense(2, 3)), names=["fc"]).items()}
    {'fc.weight': (3, 2), 'fc.bias': (3,)}
    """
    layers = _layers(model)
    names = [p for p, _ in layers] if names is None else list(names)
    if len(names) != len(layers):
        raise DataError(f"to_state_dict: names has {len(names)} entries for {len(layers)} "
                        f"layers with weights")
    out = {}
    for (_, layer), name in zip(layers, names, strict=True):
        for key, value in _torch_layout(layer.materialise()).items():
            out[f"{name}.{key}"] = np.ascontiguousarray(value)
    return out
