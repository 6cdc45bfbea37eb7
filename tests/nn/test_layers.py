"""Layers: one conformance test over the registry (shapes, seeds, saving, finite differences),
PyTorch comparisons, shape errors, lazy sizes, train/test mode, Chain indexing."""

import numpy as np
import pytest

import toolkit as tk
from toolkit.nn import io
from toolkit.nn.layers.base import LayerShapeError
from toolkit.nn.tree import map_inplace
from toolkit.registry import registry

LAYERS = [n for n in registry("layers").names() if n not in registry("activations")]

# One example per registered layer: a constructor (given a seed) and an input shape.
EXAMPLES = {
    "Dense": (lambda s: tk.Dense(4, 3, "tanh", seed=s), (5, 4)),
    "Conv": (lambda s: tk.Conv((3, 2), 2, 3, "tanh", stride=2, pad=1, dilation=(1, 2), seed=s),
             (2, 7, 8, 2)),
    "MaxPool": (lambda s: tk.MaxPool((2, 2)), (2, 6, 6, 3)),
    "MeanPool": (lambda s: tk.MeanPool((3, 3), stride=2, pad=1), (2, 6, 5, 2)),
    "GlobalMeanPool": (lambda s: tk.GlobalMeanPool(), (2, 4, 3, 3)),
    "Flatten": (lambda s: tk.Flatten(), (2, 3, 4, 2)),
    "Dropout": (lambda s: tk.Dropout(0.5, mode="test"), (3, 4)),
    "BatchNorm": (lambda s: tk.BatchNorm(3, "tanh", mode="train"), (6, 2, 2, 3)),
    "LayerNorm": (lambda s: tk.LayerNorm(4, "tanh"), (5, 4)),
    "Chain": (lambda s: tk.Chain(enc=tk.Chain(tk.Dense(4, 3, "tanh")), head=tk.Dense(out=2),
                                 seed=s), (5, 4)),
    "SkipConnection": (lambda s: tk.SkipConnection(tk.Dense(4, 4, "tanh", seed=s), "add"), (5, 4)),
    "Parallel": (lambda s: tk.Parallel("cat", tk.Dense(4, 2), tk.Dense(4, 3, "tanh"), seed=s),
                 (5, 4)),
    "NeuralODE": (lambda s: tk.NeuralODE(tk.Dense(4, 4, "tanh", seed=s), (0.0, 0.5),
                                         solver="rk4", dt=0.25), (5, 4)),
}


def test_every_registered_layer_has_an_example():
    assert set(EXAMPLES) == set(LAYERS)


def test_every_activation_is_a_layer_too_as_in_flux():
    layers, activations = registry("layers"), registry("activations")
    assert all(layers.get(name) is activations.get(name) for name in activations)
    chain = layers.build({"Chain": {"layers": [{"Dense": {"out": 3}}, "relu"]}})
    assert chain[1] is tk.relu


def _input(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def _to64(layer):
    def cast(value, path, is_state):
        dtype = getattr(value, "dtype", None)
        return value.astype(np.float64) if dtype is not None and dtype.kind == "f" else value

    return map_inplace(cast, layer)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_layer_shapes_seeds_and_round_trip(name, tmp_path):
    make, shape = EXAMPLES[name]
    x = _input(shape)
    a, b = make(7), make(7)
    ya, yb = a(x), b(x)
    assert ya.dtype == np.float32
    np.testing.assert_array_equal(ya, yb)  # same seed, bit-identical
    path = tmp_path / "layer.safetensors"
    io.save(path, a)
    again = io.load(path)
    assert repr(again) == repr(a)
    tk.testmode(again), tk.testmode(a)
    np.testing.assert_array_equal(again(x), a(x))


def _fd_check(f, value, analytic, rng, eps=1e-6, samples=12):
    flat = value.reshape(-1)
    for i in rng.choice(flat.size, min(samples, flat.size), replace=False):
        old = flat[i]
        flat[i] = old + eps
        up = f()
        flat[i] = old - eps
        down = f()
        flat[i] = old
        numeric = (up - down) / (2 * eps)
        assert abs(numeric - analytic.reshape(-1)[i]) <= 1e-6 + 1e-5 * abs(numeric), (i, numeric)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_layer_gradients_match_finite_differences(name):
    make, shape = EXAMPLES[name]
    layer = make(3)
    x = _input(shape, np.float64, seed=1)
    layer(x.astype(np.float32))  # size lazy layers, draw the weights
    layer = _to64(layer)
    w = _input(np.shape(layer(x)), np.float64, seed=2)

    def loss(m, x):
        return (m(x) * w).sum()

    grads = tk.gradient(loss, layer, x)
    rng = np.random.default_rng(0)
    _fd_check(lambda: float(loss(layer, x)), x, grads[1], rng)
    arrays = dict(tk.tree_leaves_with_path(layer))
    for path, g in tk.tree_leaves_with_path(grads[0]):
        if g is not None:
            _fd_check(lambda: float(loss(layer, x)), arrays[path], g, rng)


def test_lazy_sizes_come_from_the_first_batch():
    model = tk.Chain(tk.Conv((3, 3), out=4, pad="same"), tk.BatchNorm(), tk.Flatten(),
                     tk.LayerNorm(), tk.Dense(out=2), seed=1)
    assert "? parameters" in repr(model)
    assert model(_input((2, 5, 5, 3))).shape == (2, 2)
    assert [repr(m) for m in model] == [
        'Conv((3, 3), 3 => 4, pad="same")', "BatchNorm(4)", "Flatten()", "LayerNorm(100)",
        "Dense(100 => 2)",
    ]


def test_shape_errors_name_the_layer_and_where_it_sits():
    model = tk.Chain(tk.Dense(8, 64), tk.Chain(tk.Dense(64, 32), tk.Dense(64, 10)), seed=1)
    with pytest.raises(LayerShapeError) as err:
        model(np.zeros((32, 8), np.float32))
    assert str(err.value) == (
        "Dense(64 => 10) at layers[1].layers[1] expects input (N, 64), got (32, 32)"
    )
    assert isinstance(err.value, tk.ToolkitError) and isinstance(err.value, ValueError)
    expected = r"Conv\(\(3, 3\), 3 => 2\) expects input \(N, H, W, 3\)"
    with pytest.raises(LayerShapeError, match=expected):
        tk.Conv((3, 3), 3, 2)(np.zeros((1, 5, 5, 1), np.float32))


def test_chain_indexing_slicing_and_names():
    enc = tk.Chain(tk.Dense(4, 3), tk.Dense(3, 3))
    model = tk.Chain(enc=enc, head=tk.Dense(3, 2), seed=1)
    assert model["enc"] is enc and model[0] is enc and model[-1] is model["head"]
    assert isinstance(model[:1], tk.Chain) and model[:1]["enc"] is enc
    plain = tk.Chain(tk.Dense(4, 3), tk.Dense(3, 2), tk.softmax, seed=1)
    sliced = plain[:-1]
    assert len(sliced) == 2 and sliced[0] is plain[0]
    assert np.allclose(plain(np.ones((1, 4), np.float32)).sum(), 1.0)
    with pytest.raises(tk.ToolkitError, match="did you mean 'head'"):
        model["haed"]


def test_same_seed_same_weights_different_seed_different():
    def make(seed):
        return tk.Chain(tk.Dense(5, 4), tk.Conv((3, 3), 2, 2), seed=seed)

    a, b, c = make(1), make(1), make(2)
    np.testing.assert_array_equal(a[0].weight, b[0].weight)
    np.testing.assert_array_equal(a[1].weight, b[1].weight)
    assert not np.array_equal(a[0].weight, c[0].weight)
    assert a[0].weight.dtype == np.float32


def test_a_trained_base_keeps_its_weights_when_a_seeded_chain_wraps_it():
    base = tk.Chain(tk.Dense(4, 3), tk.Dense(3, 3), seed=1)
    before = base[0].weight.copy()
    head = tk.Chain(base[:-1], tk.Dense(out=2), seed=99)
    np.testing.assert_array_equal(head[0][0].weight, before)
    assert head[1].seed == 99


def test_dropout_modes_and_determinism():
    x = np.ones((4, 50), np.float32)
    layer = tk.Dropout(0.3, seed=1)
    np.testing.assert_array_equal(layer(x), x)  # auto mode, outside gradient: identity
    tk.trainmode(layer)
    first, second = layer(x), layer(x)
    assert not np.array_equal(first, second) and set(np.unique(first)) <= {0.0, np.float32(1 / 0.7)}
    again = tk.trainmode(tk.Dropout(0.3, seed=1))
    np.testing.assert_array_equal(again(x), first)
    g = tk.gradient(lambda x: tk.Dropout(0.5, seed=3)(x).sum(), x)[0]  # auto: active in gradient
    assert set(np.unique(g)) == {0.0, 2.0}
    with pytest.raises(tk.ToolkitError, match="did you mean 'train'"):
        tk.trainmode(layer, "trian")


def test_batchnorm_uses_batch_statistics_in_training_only():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, (256, 4)).astype(np.float32)
    bn = tk.BatchNorm(4)
    tk.gradient(lambda m: m(x).sum(), bn)  # auto: training inside gradient
    assert np.allclose(bn.mean, 0.1 * x.mean(0), atol=1e-5)
    y = tk.testmode(bn)(x)  # running statistics: far from normalised
    assert abs(float(y.mean())) > 1.0
    tk.trainmode(bn)
    assert abs(float(bn(x).mean())) < 1e-4


# ---------------------------------------------------------------------------- PyTorch


def _torch():
    import torch

    torch.set_num_threads(1)
    return torch


def _compare_with_torch(ours, theirs, x, nchw=False, atol=1e-5):
    """Compare output, input gradient and parameter gradients of a loss sum(out * w)."""
    torch = _torch()
    y = ours(x)
    w = _input(y.shape, seed=5)
    grads = tk.gradient(lambda m, x: (m(x) * w).sum(), ours, x)
    tx = torch.tensor(x.transpose(0, 3, 1, 2).copy() if nchw else x, requires_grad=True)
    ty = theirs(tx)
    ty_nhwc = ty.permute(0, 2, 3, 1) if nchw else ty
    (ty_nhwc * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(y, ty_nhwc.detach().numpy(), rtol=1e-4, atol=atol)
    gx = tx.grad.numpy().transpose(0, 2, 3, 1) if nchw else tx.grad.numpy()
    np.testing.assert_allclose(grads[1], gx, rtol=1e-4, atol=atol)
    return grads[0]


@pytest.mark.torch
def test_dense_matches_torch():
    torch = _torch()
    layer = tk.Dense(6, 4, tk.tanh, seed=1)
    lin = torch.nn.Linear(6, 4)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(layer.weight.T.copy()))
        lin.bias.copy_(torch.tensor(_input(4, seed=9)))
    layer.bias[...] = _input(4, seed=9)
    g = _compare_with_torch(layer, lambda t: torch.tanh(lin(t)), _input((5, 6)))
    np.testing.assert_allclose(g.weight, lin.weight.grad.numpy().T, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(g.bias, lin.bias.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.torch
@pytest.mark.parametrize("stride, pad, dilation", [(1, "same", 1), (2, 1, 1), (1, "valid", 2),
                                                   ((2, 1), ((1, 0), (2, 1)), (1, 2))])
def test_conv_matches_torch(stride, pad, dilation):
    torch = _torch()
    F = torch.nn.functional
    layer = tk.Conv((3, 3), 3, 5, stride=stride, pad=pad, dilation=dilation, seed=2)
    layer.bias[...] = _input(5, seed=4)
    weight = torch.tensor(layer.weight.transpose(3, 2, 0, 1).copy(), requires_grad=True)
    bias = torch.tensor(layer.bias.copy(), requires_grad=True)
    if isinstance(pad, str):
        d = (dilation, dilation) if isinstance(dilation, int) else dilation
        total = [di * 2 for di in d]
        pads = tuple((t // 2, t - t // 2) for t in total)
        pads = ((0, 0), (0, 0)) if pad == "valid" else pads
    elif isinstance(pad, int):
        pads = ((pad, pad), (pad, pad))
    else:
        pads = pad
    (t, b), (left, r) = pads

    def theirs(x):
        x = F.pad(x, (left, r, t, b))
        return F.conv2d(x, weight, bias, stride=stride, dilation=dilation)

    g = _compare_with_torch(layer, theirs, _input((2, 9, 10, 3)), nchw=True)
    np.testing.assert_allclose(g.weight, weight.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(g.bias, bias.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.torch
@pytest.mark.parametrize("pool", ["max", "mean", "global"])
def test_pools_match_torch(pool):
    torch = _torch()
    F = torch.nn.functional
    ours, theirs = {
        "max": (tk.MaxPool((3, 3), stride=2), lambda t: F.max_pool2d(t, 3, 2)),
        "mean": (tk.MeanPool((2, 2), pad=1), lambda t: F.avg_pool2d(t, 2, 2, padding=1)),
        "global": (tk.GlobalMeanPool(), lambda t: F.adaptive_avg_pool2d(t, 1)),
    }[pool]
    _compare_with_torch(ours, theirs, _input((2, 7, 8, 3)), nchw=True)


@pytest.mark.torch
def test_batchnorm_matches_torch_in_training_and_test():
    torch = _torch()
    ours = tk.BatchNorm(3, mode="train")
    theirs = torch.nn.BatchNorm2d(3, momentum=0.1, eps=1e-5)
    x = _input((4, 5, 5, 3)) * 3 + 1
    g = _compare_with_torch(ours, theirs, x, nchw=True)
    np.testing.assert_allclose(g.scale, theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(g.shift, theirs.bias.grad.numpy(), rtol=1e-4, atol=1e-4)
    ours_fresh = tk.BatchNorm(3, mode="train")
    ours_fresh(x)  # one forward pass, as torch's above, moves the running statistics once
    np.testing.assert_allclose(ours_fresh.mean, theirs.running_mean.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours_fresh.var, theirs.running_var.numpy(), rtol=1e-5, atol=1e-6)
    tk.testmode(ours_fresh)
    theirs.eval()
    _compare_with_torch(ours_fresh, theirs, _input((2, 3, 3, 3)), nchw=True)


@pytest.mark.torch
def test_layernorm_matches_torch():
    torch = _torch()
    ours = tk.LayerNorm(6)
    ours.scale[...] = _input(6, seed=3)
    theirs = torch.nn.LayerNorm(6)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.scale))
    g = _compare_with_torch(ours, theirs, _input((4, 6)))
    np.testing.assert_allclose(g.scale, theirs.weight.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_dropout_counter_survives_saving_and_loading_in_place(tmp_path):
    x = np.ones((3, 40), np.float32)
    layer = tk.trainmode(tk.Dropout(0.5, seed=1))
    layer(x), layer(x)
    path = tmp_path / "d.safetensors"
    io.save(path, layer)
    third = layer(x)
    assert int(layer.calls) == 3
    tk.loadweights(layer, path)
    assert int(layer.calls) == 2
    np.testing.assert_array_equal(layer(x), third)
