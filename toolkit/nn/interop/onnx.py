"""``to_onnx``: a toolkit model as an ONNX graph (opset 17), for onnxruntime and the rest.

Inference semantics: Dropout is the identity, BatchNorm uses its running statistics
(folded into one multiply-add per channel), a NeuralODE with a fixed-step solver is
unrolled into its steps (an adaptive one cannot be exported: its steps depend on the
data). The graph keeps toolkit's channels-last layout — its input is ``(N, H, W, C)``
with a free batch size — and wraps each convolution and pool in a pair of transposes
(ONNX convolves ``NCHW``; onnxruntime folds back-to-back transposes away). Each layer
type has one exporter in :data:`EXPORTERS`; a layer or function without one raises
ExportError naming it and where it sits.

>>> import numpy as np, tempfile, os
>>> from toolkit.nn.layers import Chain, Dense
>>> model = Chain(Dense(3, 4, "relu"), Dense(4, 2), seed=0)
>>> path = os.path.join(tempfile.mkdtemp(), "m.onnx")
>>> graph = to_onnx(model, path, np.zeros((1, 3), np.float32))
>>> [n.op_type for n in graph.graph.node]
['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Identity']
"""

from __future__ import annotations

import numpy as np

from toolkit.errors import ExportError
from toolkit.nn.layers import activation as act
from toolkit.nn.layers.base import Layer
from toolkit.nn.layers.basic import Dense, Dropout, Flatten
from toolkit.nn.layers.containers import Chain, Parallel, SkipConnection
from toolkit.nn.layers.conv import Conv, GlobalMeanPool, MaxPool, MeanPool
from toolkit.nn.layers.normalise import BatchNorm, LayerNorm
from toolkit.nn.ode.layer import NeuralODE
from toolkit.nn.primitives.conv import padding
from toolkit.nn.tape import plain

OPSET = 17


class Graph:
    """Graph() — the nodes and initialisers being written, with fresh names."""

    def __init__(self):
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.nodes, self.inits, self.count, self.memo = [], [], 0, {}

    def name(self, hint: str) -> str:
        """name(hint) -> a fresh value name."""
        self.count += 1
        return f"{hint}_{self.count}"

    def const(self, array, hint: str = "c") -> str:
        """const(array) -> the name of a new initialiser holding ``array``."""
        name = self.name(hint)
        self.inits.append(self.numpy_helper.from_array(np.asarray(array), name))
        return name

    def param(self, layer, field: str, make) -> str:
        """param(layer, field, make) -> the initialiser of one of a layer's arrays, written once
        however often the layer is applied (a NeuralODE applies ``f`` at every stage)."""
        key = (id(layer), field)
        if key not in self.memo:
            self.memo[key] = self.const(make(), field)
        return self.memo[key]

    def op(self, op_type: str, inputs, hint: str | None = None, **attrs) -> str:
        """op(op_type, inputs, **attrs) -> the name of the node's (single) output."""
        out = self.name(hint or op_type.lower())
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [out], **attrs))
        return out


def _f32(a):
    return np.ascontiguousarray(plain(a), dtype=np.float32)


def _gelu(g, x):
    c = np.float32(np.sqrt(2.0 / np.pi))
    cube = g.op("Mul", [g.op("Mul", [x, x]), x])
    inner = g.op("Mul", [g.op("Add", [x, g.op("Mul", [cube, g.const(np.float32(0.044715))])]),
                         g.const(c)])
    half = g.op("Mul", [x, g.const(np.float32(0.5))])
    return g.op("Mul", [half, g.op("Add", [g.op("Tanh", [inner]), g.const(np.float32(1.0))])])


_ACTIVATIONS = {
    "relu": lambda g, x: g.op("Relu", [x]),
    "sigmoid": lambda g, x: g.op("Sigmoid", [x]),
    "tanh": lambda g, x: g.op("Tanh", [x]),
    "elu": lambda g, x: g.op("Elu", [x], alpha=1.0),
    "leakyrelu": lambda g, x: g.op("LeakyRelu", [x], alpha=0.01),
    "softplus": lambda g, x: g.op("Softplus", [x]),
    "softmax": lambda g, x: g.op("Softmax", [x], axis=-1),
    "logsoftmax": lambda g, x: g.op("LogSoftmax", [x], axis=-1),
    "exp": lambda g, x: g.op("Exp", [x]),
    "abs": lambda g, x: g.op("Abs", [x]),
    "identity": lambda g, x: x,
    "relu6": lambda g, x: g.op("Clip", [x, g.const(np.float32(0)), g.const(np.float32(6))]),
    "gelu": _gelu,
}


def _activation(g, fn, x, where):
    if fn is None:
        return x
    name = act.name_of(fn)
    if name not in _ACTIVATIONS:
        raise ExportError(f"to_onnx: the function {name} at {where} has no ONNX export; "
                          f"exportable functions: {', '.join(sorted(_ACTIVATIONS))}")
    return _ACTIVATIONS[name](g, x)


def _dense(g, layer, x, where):
    y = g.op("MatMul", [x, g.param(layer, "weight", lambda: _f32(layer.weight))])
    if layer.use_bias:
        y = g.op("Add", [y, g.param(layer, "bias", lambda: _f32(layer.bias))])
    return _activation(g, layer.activation, y, where)


def _nchw(g, x, build):
    """Transpose NHWC to NCHW, apply ``build``, and back."""
    y = build(g.op("Transpose", [x], perm=[0, 3, 1, 2]))
    return g.op("Transpose", [y], perm=[0, 2, 3, 1])


def _pads(pad, kernel, dilation=(1, 1)):
    (t, b), (left, r) = padding(pad, kernel, dilation)
    return [t, left, b, r]


def _conv(g, layer, x, where):
    w = g.param(layer, "weight", lambda: _f32(layer.weight).transpose(3, 2, 0, 1))
    inputs = [w] + ([g.param(layer, "bias", lambda: _f32(layer.bias))] if layer.use_bias else [])
    attrs = {"kernel_shape": list(layer.kernel), "strides": list(layer.stride),
             "dilations": list(layer.dilation), "group": layer.groups,
             "pads": _pads(layer.pad, layer.kernel, layer.dilation)}
    y = _nchw(g, x, lambda t: g.op("Conv", [t, *inputs], **attrs))
    return _activation(g, layer.activation, y, where)


def _pool(op_type, **extra):
    def export(g, layer, x, where):
        attrs = {"kernel_shape": list(layer.window), "strides": list(layer.stride),
                 "pads": _pads(layer.pad, layer.window), **extra}
        return _nchw(g, x, lambda t: g.op(op_type, [t], **attrs))

    return export


def _folded(layer):
    """BatchNorm at inference as one multiply-add: (scale, shift) per channel, float32."""
    inv = 1.0 / np.sqrt(plain(layer.var).astype(np.float64) + layer.eps)
    scale = inv * (plain(layer.scale) if layer.affine else 1.0)
    shift = (plain(layer.shift) if layer.affine else 0.0) - plain(layer.mean) * scale
    return scale.astype(np.float32), np.asarray(shift, np.float32)


def _batchnorm(g, layer, x, where):
    scale = g.param(layer, "scale", lambda: _folded(layer)[0])
    shift = g.param(layer, "shift", lambda: _folded(layer)[1])
    y = g.op("Add", [g.op("Mul", [x, scale]), shift])
    return _activation(g, layer.activation, y, where)


def _layernorm(g, layer, x, where):
    size = layer.size
    scale = g.param(layer, "scale", lambda: _f32(layer.scale) if layer.affine
                    else np.ones(size, np.float32))
    shift = g.param(layer, "shift", lambda: _f32(layer.shift) if layer.affine
                    else np.zeros(size, np.float32))
    y = g.op("LayerNormalization", [x, scale, shift], axis=-len(size), epsilon=layer.eps)
    return _activation(g, layer.activation, y, where)


_CONNECTIONS = {"add": "Add", "mul": "Mul", "cat": "Concat"}


def _connect(g, owner, xs, where):
    if owner.connection_name not in _CONNECTIONS:
        raise ExportError(f"to_onnx: {type(owner).__name__} at {where} combines its branches "
                          f"with the function {owner.connection_name}, which has no ONNX export; "
                          f"use 'add', 'mul' or 'cat'")
    op_type = _CONNECTIONS[owner.connection_name]
    out = xs[0]
    if op_type == "Concat":
        return g.op("Concat", xs, axis=-1)
    for other in xs[1:]:
        out = g.op(op_type, [out, other])
    return out


def _members(layer, where):
    """(where, member) of a Chain's or Parallel's layers, located as shape errors locate them."""
    named = isinstance(layer.layers, dict)
    return [(f"{where}.layers.{name}" if named else f"{where}.layers[{name}]", child)
            for name, child in layer.named_children()]


def _chain(g, layer, x, where):
    for at, child in _members(layer, where):
        x = export(g, child, x, at)
    return x


def _skip(g, layer, x, where):
    return _connect(g, layer, [export(g, layer.layer, x, f"{where}.layer"), x], where)


def _parallel(g, layer, x, where):
    outs = [export(g, child, x, at) for at, child in _members(layer, where)]
    return _connect(g, layer, outs, where)


class Value:
    """Value(graph, name) — an ONNX value that the solver's arithmetic writes into the graph:
    ``a + b`` and ``w * a`` (``w`` a number) become Add and Mul nodes, so a fixed-step
    NeuralODE is exported by running toolkit's own stepping loop on these values."""

    def __init__(self, graph: Graph, name: str):
        self.graph, self.name = graph, name

    def __add__(self, other):
        return Value(self.graph, self.graph.op("Add", [self.name, other.name]))

    def __mul__(self, number):
        scalar = self.graph.const(np.float32(number), "h")
        return Value(self.graph, self.graph.op("Mul", [self.name, scalar]))

    __rmul__ = __mul__


def _neural_ode(g, layer, x, where):
    from toolkit.nn.ode import rk

    tab = rk.tableau(layer.solver)
    if tab.adaptive:
        raise ExportError(f"to_onnx: NeuralODE at {where} uses the adaptive solver "
                          f"{layer.solver!r}, whose steps depend on the data, so it cannot be "
                          f"exported to ONNX; use solver='rk4' (or 'euler') with dt to export it")
    if not isinstance(layer.f, Layer):
        raise ExportError(f"to_onnx: NeuralODE at {where} has a function of (u, t) as f; only a "
                          f"layer or Chain f (autonomous) can be exported")
    t0, t1, saveat = rk.times(layer.tspan, layer.saveat)

    def f(u, t):
        return Value(g, export(g, layer.f, u.name, f"{where}.f"))

    us = rk.fixed(tab, f, Value(g, x), t0, t1, saveat, layer.dt, layer.max_steps, rk.Stats())
    if saveat is None:
        return us[0].name
    axis = g.const(np.array([0], np.int64), "axis")
    return g.op("Concat", [g.op("Unsqueeze", [u.name, axis]) for u in us], axis=0)


#: layer type -> exporter(graph, layer, input name, where) -> output name.
EXPORTERS = {
    Dense: _dense, Conv: _conv, MaxPool: _pool("MaxPool"),
    MeanPool: _pool("AveragePool", count_include_pad=1),
    GlobalMeanPool: lambda g, layer, x, where: g.op("ReduceMean", [x], axes=[1, 2], keepdims=1),
    Flatten: lambda g, layer, x, where: g.op("Flatten", [x], axis=1),
    Dropout: lambda g, layer, x, where: x,
    BatchNorm: _batchnorm, LayerNorm: _layernorm,
    Chain: _chain, SkipConnection: _skip, Parallel: _parallel, NeuralODE: _neural_ode,
}  # fmt: skip


def export(g: Graph, layer, x: str, where: str) -> str:
    """export(graph, layer, x, where) -> the output name of ``layer`` applied to ``x``."""
    exporter = EXPORTERS.get(type(layer))
    if exporter is not None:
        return exporter(g, layer, x, where)
    if callable(layer) and not hasattr(layer, "_fields"):
        return _activation(g, layer, x, where)
    supported = ", ".join(sorted(t.__name__ for t in EXPORTERS))
    raise ExportError(f"to_onnx: {type(layer).__name__} at {where} cannot be exported to ONNX "
                      f"(layers with an export: {supported}, and the named activations)")


def to_onnx(model, path, example):
    """to_onnx(model, path, example) -> the onnx ModelProto, also written to ``path``.

    ``example`` is one input batch (its shape, batch size aside, and its dtype fix the
    graph's input; float32). The model runs on it once first (sizing lazy layers); the
    graph's output is checked against that run by its shape. Needs the ``onnx`` extra.
    """
    try:
        import onnx
    except ImportError:
        raise ExportError("to_onnx needs onnx: pip install 'toolkit[onnx]'") from None
    from toolkit.nn.layers.base import testmode

    example = np.asarray(example, np.float32)
    modes = _modes(model)
    try:
        expected = np.asarray(testmode(model)(example))
    finally:
        _restore(modes)
    g = Graph()
    out = export(g, model, "input", "model")
    out = g.op("Identity", [out], "output")
    h = onnx.helper
    shape = ["N", *example.shape[1:]]
    graph = h.make_graph(
        g.nodes, "toolkit", [h.make_tensor_value_info("input", onnx.TensorProto.FLOAT, shape)],
        [h.make_tensor_value_info(out, onnx.TensorProto.FLOAT, ["N", *expected.shape[1:]])],
        initializer=g.inits)
    proto = h.make_model(graph, opset_imports=[h.make_opsetid("", OPSET)],
                         producer_name="toolkit")
    onnx.checker.check_model(proto)
    onnx.save(proto, str(path))
    return proto


def _modes(model):
    from toolkit.nn.layers.base import sublayers

    return [(m, m.mode) for m in sublayers(model) if "mode" in getattr(m, "__dict__", {})]


def _restore(modes):
    for m, mode in modes:
        m.mode = mode


__all__ = ["to_onnx", "EXPORTERS"]
