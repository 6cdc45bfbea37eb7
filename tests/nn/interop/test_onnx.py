"""to_onnx: every exportable layer, activation and zoo model against onnxruntime."""

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import ExportError

ort = pytest.importorskip("onnxruntime")

LAYERS = {
    "Dense": (lambda: tk.Dense(4, 3, "tanh", seed=1), (5, 4)),
    "Dense-nobias": (lambda: tk.Dense(4, 3, bias=False, seed=1), (5, 4)),
    "Conv": (lambda: tk.Conv((3, 2), 2, 3, "relu", stride=2, pad=1, dilation=(1, 2), seed=1),
             (2, 7, 8, 2)),
    "Conv-same": (lambda: tk.Conv((4, 4), 2, 3, pad="same", seed=1), (2, 7, 8, 2)),
    "Conv-grouped": (lambda: tk.Conv((3, 3), 4, 6, stride=2, pad=1, groups=2, seed=1),
                     (2, 7, 7, 4)),
    "Conv-depthwise": (lambda: tk.Conv((3, 3), 4, 4, "relu6", pad=1, groups=4, seed=1),
                       (2, 6, 6, 4)),
    "MaxPool": (lambda: tk.MaxPool((3, 3), stride=2, pad=1), (2, 7, 7, 3)),
    "MeanPool": (lambda: tk.MeanPool((3, 3), stride=2, pad=1), (2, 6, 5, 2)),
    "GlobalMeanPool": (lambda: tk.GlobalMeanPool(), (2, 4, 3, 3)),
    "Flatten": (lambda: tk.Flatten(), (2, 3, 4, 2)),
    "Dropout": (lambda: tk.Dropout(0.5), (3, 4)),
    "BatchNorm": (lambda: _trained_bn(), (6, 2, 2, 3)),
    "LayerNorm": (lambda: tk.LayerNorm(4, "sigmoid"), (5, 4)),
    "LayerNorm-2d": (lambda: tk.LayerNorm((3, 4)), (5, 3, 4)),
    "Chain": (lambda: tk.Chain(enc=tk.Chain(tk.Dense(4, 3, "relu")), head=tk.Dense(out=2),
                               seed=1), (5, 4)),
    "SkipConnection": (lambda: tk.SkipConnection(tk.Dense(4, 4, "tanh", seed=1), "add"), (5, 4)),
    "SkipConnection-cat": (lambda: tk.SkipConnection(tk.Dense(4, 2, seed=1), "cat"), (5, 4)),
    "Parallel": (lambda: tk.Parallel("cat", tk.Dense(4, 2), tk.Dense(4, 3, "tanh"), seed=1),
                 (5, 4)),
    "Parallel-mul": (lambda: tk.Parallel("mul", tk.Dense(4, 2), tk.Dense(4, 2), seed=1), (5, 4)),
    "NeuralODE-rk4": (lambda: tk.NeuralODE(tk.Chain(tk.Dense(4, 8, "tanh"), tk.Dense(8, 4),
                                                    seed=1), (0.0, 1.0), solver="rk4", dt=0.3,
                                           saveat=[0.0, 0.5, 1.0]), (5, 4)),
    "NeuralODE-euler": (lambda: tk.NeuralODE(tk.Dense(4, 4, "tanh", seed=1), (0.0, 0.5),
                                             solver="euler", dt=0.1), (5, 4)),
}
ACTIVATIONS = ["relu", "sigmoid", "tanh", "elu", "leakyrelu", "softplus", "softmax",
               "logsoftmax", "gelu", "relu6", "identity"]


def _trained_bn():
    bn = tk.BatchNorm(3, "relu", mode="train")
    bn(np.random.default_rng(5).normal(1.0, 2.0, (64, 3)).astype(np.float32) + 0.5)
    bn.scale[...] = [0.5, 1.5, 2.0]
    bn.shift[...] = [0.1, -0.2, 0.3]
    return bn


def _run(model, x, tmp_path):
    path = tmp_path / "model.onnx"
    tk.to_onnx(model, path, x)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"input": x})
    return got


def _check(model, x, tmp_path, tol=1e-5):
    got = _run(model, x, tmp_path)
    expected = tk.testmode(model)(x)
    assert got.shape == expected.shape
    scale = max(1.0, float(np.abs(expected).max()))
    assert np.abs(got - expected).max() <= tol * scale


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_every_layer_exports_and_matches_onnxruntime(name, tmp_path):
    make, shape = LAYERS[name]
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    _check(make(), x, tmp_path)


def test_a_batch_of_another_size_runs_through_the_same_graph(tmp_path):
    model = tk.Chain(tk.Conv((3, 3), 3, 4, "relu", pad=1), tk.GlobalMeanPool(), tk.Flatten(),
                     tk.Dense(4, 2), seed=0)
    path = tmp_path / "m.onnx"
    tk.to_onnx(model, path, np.zeros((1, 8, 8, 3), np.float32))
    x = np.random.default_rng(1).normal(size=(5, 8, 8, 3)).astype(np.float32)
    (got,) = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None,
                                                                                      {"input": x})
    np.testing.assert_allclose(got, model(x), atol=1e-5)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_exports(name, tmp_path):
    model = tk.Chain(tk.Dense(4, 4, seed=2), tk.nn.activations.activation(name))
    x = np.random.default_rng(3).normal(size=(6, 4)).astype(np.float32) * 3
    _check(model, x, tmp_path)


@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50", "mobilenet_v2"])
def test_zoo_models_export(name, tmp_path):
    model = getattr(tk.zoo, name)(classes=10, seed=0)
    for layer in tk.nn.layers.base.sublayers(model):  # running statistics away from 0 and 1
        if isinstance(layer, tk.BatchNorm):
            rng = np.random.default_rng(layer.channels)
            layer.mean[...] = rng.normal(0, 0.1, layer.channels)
            layer.var[...] = rng.uniform(0.5, 1.5, layer.channels)
    x = np.random.default_rng(4).normal(size=(2, 16, 16, 3)).astype(np.float32)
    _check(model, x, tmp_path)


def test_a_neural_ode_shares_its_weights_across_the_unrolled_steps(tmp_path):
    node = tk.NeuralODE(tk.Dense(4, 4, "tanh", seed=1), (0.0, 1.0), solver="rk4", dt=0.1)
    proto = tk.to_onnx(node, tmp_path / "m.onnx", np.zeros((1, 4), np.float32))
    weights = [i for i in proto.graph.initializer if i.name.startswith(("weight", "bias"))]
    assert len(weights) == 2  # one weight and one bias for 10 steps of 4 stages


def test_what_cannot_be_exported_is_named(tmp_path):
    model = tk.Chain(tk.Dense(2, 2, seed=0), tk.NeuralODE(tk.Dense(2, 2, seed=1), (0.0, 1.0)))
    with pytest.raises(ExportError, match=r"NeuralODE at model\.layers\[1\] uses the adaptive "
                                          r"solver 'tsit5'.*solver='rk4'"):
        tk.to_onnx(model, tmp_path / "m.onnx", np.zeros((1, 2), np.float32))

    class Twice(tk.Module):
        def __call__(self, x):
            return 2 * x

    with pytest.raises(ExportError, match=r"Twice at model\.layers\[1\] cannot be exported"):
        tk.to_onnx(tk.Chain(tk.Dense(2, 2, seed=0), Twice()), tmp_path / "m.onnx",
                   np.zeros((1, 2), np.float32))


def test_an_unnamed_function_is_named(tmp_path):
    def square(x):
        return x * x

    with pytest.raises(ExportError, match=r"function <square> at model\.layers\[1\]"):
        tk.to_onnx(tk.Chain(tk.Dense(2, 2, seed=0), square), tmp_path / "m.onnx",
                   np.zeros((1, 2), np.float32))
