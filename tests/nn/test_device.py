"""Devices: array module, gpu/cpu over trees, the once-only message, strict mode; cupy vs numpy."""

from __future__ import annotations

import contextlib
import importlib
import logging

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import DeviceError
from toolkit.nn import device
from toolkit.nn.module import Module


class Layer(Module):
    _fields = ("weight", "bias")

    def __init__(self):
        self.weight = np.ones((3, 2), np.float32)
        self.bias = np.zeros(2, np.float32)
        self.activation = tk.relu


def _cupy_or_none():
    try:
        import cupy

        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:
        return None


@pytest.fixture
def no_gpu(monkeypatch):
    """A machine without a usable GPU, whatever this one has; the message not said yet."""
    monkeypatch.setattr(device, "_gpu_unavailable_reason", lambda: "cupy is not installed")
    monkeypatch.setattr(device, "_said", set())
    monkeypatch.delenv("TOOLKIT_GPU_STRICT", raising=False)


def test_array_module_and_default_dtype():
    assert device.array_module(np.ones(2), 3.0) is np
    assert device.asfloat([1, 2]).dtype == np.float32
    x = np.ones(2, np.float32)
    assert device.asfloat(x) is x


def test_gpu_without_a_device_returns_the_input_and_says_so_once(no_gpu, caplog):
    model = Layer()
    with caplog.at_level(logging.WARNING, logger="toolkit.nn.device"):
        assert tk.gpu(model) is model
        assert tk.gpu(np.ones(2)) is not None
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1 and "cupy is not installed" in messages[0]


def test_gpu_report_names_the_reason(no_gpu):
    moved, report = tk.gpu({"w": np.ones(3)}, report=True)
    assert report.arrays == 0 and report.reason == "cupy is not installed"


def test_strict_raises(no_gpu, monkeypatch):
    with pytest.raises(DeviceError, match="cupy is not installed"):
        tk.gpu(Layer(), strict=True)
    monkeypatch.setenv("TOOLKIT_GPU_STRICT", "1")
    with pytest.raises(DeviceError):
        tk.gpu(Layer())
    assert tk.gpu(np.ones(1), strict=False) is not None


def test_cpu_of_numpy_is_a_no_op():
    model = Layer()
    moved, report = tk.cpu(model, report=True)
    assert moved.weight is model.weight and report.arrays == 0


def test_move_copies_the_tree_and_counts_what_moved(caplog):
    model = Layer()
    to64 = lambda a: a.astype(np.float64)  # noqa: E731  (stands in for cupy.asarray)
    with caplog.at_level(logging.INFO, logger="toolkit.nn.device"):
        moved, report = device._move(model, lambda a: isinstance(a, np.ndarray), to64, "gpu", True)
    assert moved is not model and moved.weight.dtype == np.float64
    assert model.weight.dtype == np.float32 and moved.activation is tk.relu
    assert (report.arrays, report.nbytes) == (2, 32)
    assert "moved 2 arrays (32 bytes)" in caplog.text


# ---------------------------------------------------------------------------- on a GPU

CUPY = _cupy_or_none()
gpu_only = pytest.mark.skipif(CUPY is None, reason="needs cupy and a CUDA device")


@pytest.mark.gpu
@gpu_only
def test_gpu_moves_models_and_back():
    model = Layer()
    moved, report = tk.gpu(model, report=True)
    assert isinstance(moved.weight, CUPY.ndarray) and report.arrays == 2
    back = tk.cpu(moved)
    np.testing.assert_array_equal(back.weight, model.weight)


#: The primitive families' test modules: their example calls ``C`` and the constants they use.
FAMILY_TESTS = ("elementwise", "reductions", "shapes", "dense", "normalise", "conv", "crossentropy")


def _primitive_cases():
    """[(family test module, primitive name, k)] of every example call but dropout's."""
    cases = []
    for family in FAMILY_TESTS:
        module = importlib.import_module(f"tests.nn.primitives.test_{family}")
        cases += [(module, name, k) for name, k in module.C.ids() if name != "dropout"]
    return cases


# dropout draws its mask on the device from another generator: test_dropout_on_the_device
CASES = _primitive_cases() if CUPY is not None else []


@contextlib.contextmanager
def _constants_on_the_device(module):
    """Module-level arrays the cases close over (labels, running statistics) moved to the GPU,
    as a model moved with tk.gpu has them."""
    saved = dict(vars(module))
    for name, value in saved.items():
        if isinstance(value, np.ndarray):
            setattr(module, name, CUPY.asarray(value))
        elif isinstance(value, tuple) and value and all(isinstance(v, np.ndarray) for v in value):
            setattr(module, name, tuple(CUPY.asarray(v) for v in value))
    try:
        yield
    finally:
        vars(module).update(saved)


@pytest.mark.gpu
@gpu_only
@pytest.mark.parametrize(("module", "name", "k"), CASES, ids=[f"{n}-{k}" for _, n, k in CASES])
def test_cupy_agrees_with_numpy(module, name, k):
    fn, args = module.C[name][k]
    dev_args = [CUPY.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    cpu_out = fn(*args)
    with _constants_on_the_device(module):
        gpu_out = fn(*dev_args)
    np.testing.assert_allclose(CUPY.asnumpy(gpu_out), cpu_out, rtol=1e-6, atol=1e-9)
    weights = np.random.default_rng(0).normal(size=np.shape(cpu_out))
    dev_weights = CUPY.asarray(weights)
    cpu_grads = tk.gradient(lambda *a: tk.nn.ops.sum(fn(*a) * weights), *args)
    with _constants_on_the_device(module):
        gpu_grads = tk.gradient(lambda *a: tk.nn.ops.sum(fn(*a) * dev_weights), *dev_args)
    for c, g in zip(cpu_grads, gpu_grads, strict=True):
        got = g if isinstance(g, float) else CUPY.asnumpy(g)
        np.testing.assert_allclose(got, c, rtol=1e-6, atol=1e-9)


@pytest.mark.gpu
@gpu_only
@pytest.mark.parametrize(
    "rule",
    [
        tk.Descent(0.1),
        tk.Adam(1e-3),
        tk.OptimiserChain(tk.ClipNorm(1.0, throw=False), tk.Momentum()),
    ],
    ids=["descent", "adam", "clipnorm-momentum"],
)
def test_training_step_never_waits_for_the_device(rule):
    """A whole step (forward, gradient, update) on cupy raises if it copies to the host."""
    import cupyx

    rng = np.random.default_rng(0)
    x = CUPY.asarray(rng.standard_normal((32, 20), dtype=np.float32))
    y = CUPY.asarray(rng.integers(0, 3, 32))
    model = tk.gpu(tk.Chain(tk.Dense(20, 16, tk.relu), tk.Dense(16, 3), seed=0))
    state = tk.setup(rule, model)
    step = lambda m: tk.logitcrossentropy(m(x), y)  # noqa: E731
    tk.update(state, model, tk.gradient(step, model)[0])  # first step: allocations, kernels
    with cupyx.allow_synchronize(False):
        for _ in range(3):
            loss, (grads,) = tk.withgradient(step, model)
            tk.update(state, model, grads)
    assert float(loss) > 0


@pytest.mark.gpu
@gpu_only
def test_clipnorm_on_the_device_matches_the_cpu():
    g = np.array([[3.0, 4.0], [0.0, 12.0]], np.float32)
    for rule in (tk.ClipNorm(5.0, throw=False), tk.ClipNorm(50.0, throw=False)):
        cpu = rule.apply(None, None, g)[1]
        gpu = rule.apply(None, None, CUPY.asarray(g))[1]
        np.testing.assert_allclose(CUPY.asnumpy(gpu), cpu, rtol=1e-6)


@pytest.mark.gpu
@gpu_only
def test_dropout_on_the_device():
    """The mask is drawn on the GPU: 0 or 1/(1-p), repeatable from the seed, the gradient."""
    from toolkit.nn.primitives.elementwise import dropout, dropout_mask

    rng = np.random.default_rng(0)
    x = CUPY.asarray(rng.standard_normal((64, 50), dtype=np.float32))
    mask = dropout_mask(x.shape, 0.3, 7, np.float32, like=x)
    assert isinstance(mask, CUPY.ndarray) and mask.dtype == np.float32
    host = CUPY.asnumpy(mask)
    np.testing.assert_allclose(np.unique(host), [0.0, 1 / 0.7], rtol=1e-6)
    assert 0.65 < (host > 0).mean() < 0.75
    np.testing.assert_array_equal(CUPY.asnumpy(dropout_mask(x.shape, 0.3, 7, like=x)), host)
    assert (CUPY.asnumpy(dropout_mask(x.shape, 0.3, 8, like=x)) != host).any()
    y = dropout(x, 0.3, 7)
    np.testing.assert_array_equal(CUPY.asnumpy(y), CUPY.asnumpy(x) * host)
    w = CUPY.asarray(rng.standard_normal(x.shape, dtype=np.float32))
    (g,) = tk.gradient(lambda x: tk.nn.ops.sum(dropout(x, 0.3, 7) * w), x)
    np.testing.assert_allclose(CUPY.asnumpy(g), CUPY.asnumpy(w) * host, rtol=1e-6)


@pytest.mark.gpu
@gpu_only
def test_conv_batchnorm_dropout_step_never_waits_for_the_device():
    import cupyx

    rng = np.random.default_rng(1)
    x = CUPY.asarray(rng.standard_normal((8, 12, 12, 3), dtype=np.float32))
    y = CUPY.asarray(rng.integers(0, 4, 8))
    model = tk.gpu(tk.Chain(
        tk.Conv((3, 3), 3, 8, tk.relu, pad="same"), tk.BatchNorm(8), tk.MaxPool((2, 2)),
        tk.Conv((3, 3), 8, 8, pad=1, stride=2), tk.MeanPool((3, 3)), tk.Flatten(),
        tk.LayerNorm(8, "gelu"), tk.Dropout(0.2), tk.Dense(8, 4), seed=0,
    ))  # fmt: skip
    state = tk.setup(tk.AdamW(1e-3, decay=1e-2), model)
    step = lambda m: tk.logitcrossentropy(m(x), y)  # noqa: E731
    tk.update(state, model, tk.gradient(step, model)[0])  # first step: kernels, dropout counter
    with cupyx.allow_synchronize(False):
        for _ in range(3):
            loss, (grads,) = tk.withgradient(step, model)
            tk.update(state, model, grads)
    assert np.isfinite(float(loss)) and int(model[7].calls) == 4
    assert isinstance(model[1].mean, CUPY.ndarray) and grads[0].weight.dtype == np.float32


def _small_model(seed):
    return tk.Chain(
        tk.Dense(4, 8, tk.relu), tk.BatchNorm(8), tk.Dropout(0.25), tk.Dense(8, 3), seed=seed
    )


@pytest.mark.gpu
@gpu_only
def test_save_load_and_loadweights_of_a_model_on_the_device(tmp_path):
    model = _small_model(0)
    x = np.random.default_rng(3).standard_normal((5, 4)).astype(np.float32)
    path = tmp_path / "model.safetensors"
    tk.save(path, tk.gpu(model))  # copied to the host on the way
    np.testing.assert_array_equal(tk.load(path)(x), model(x))
    target = tk.gpu(_small_model(9))
    tk.loadweights(target, path)  # into the arrays on the device, in place
    assert isinstance(target[0].weight, CUPY.ndarray) and isinstance(target[2].calls, CUPY.ndarray)
    np.testing.assert_array_equal(CUPY.asnumpy(target[0].weight), model[0].weight)
    np.testing.assert_allclose(
        CUPY.asnumpy(target(CUPY.asarray(x))), model(x), rtol=1e-5, atol=1e-6
    )


def _device_batches(n, seed=2):
    rng = np.random.default_rng(seed)
    return [
        (
            CUPY.asarray(rng.standard_normal((16, 4), dtype=np.float32)),
            CUPY.asarray(rng.integers(0, 3, 16)),
        )
        for _ in range(n)
    ]


def _xent(m, x, y):
    return tk.logitcrossentropy(m(x), y)


@pytest.mark.gpu
@gpu_only
def test_training_on_the_device_resumes_from_its_checkpoint(tmp_path):
    data = _device_batches(4)

    def run(epochs, checkpoint=None):
        model = tk.gpu(_small_model(0))
        state = tk.setup(tk.Adam(1e-2), model)
        history = tk.train(_xent, model, data, state, epochs=epochs, checkpoint=checkpoint)
        return model, state, history

    straight, straight_state, history = run(2)
    run(1, checkpoint=tmp_path)  # "stops" after the first epoch
    resumed, resumed_state, resumed_history = run(2, checkpoint=tmp_path)
    assert isinstance(resumed[3].weight, CUPY.ndarray) and int(resumed[2].calls) == 8
    for a, b in zip(tk.nn.tree.tree_leaves(straight), tk.nn.tree.tree_leaves(resumed),
                    strict=True):  # fmt: skip
        if hasattr(a, "shape"):
            np.testing.assert_allclose(CUPY.asnumpy(b), CUPY.asnumpy(a), rtol=1e-5, atol=1e-6)
    from toolkit.nn.optimise import state_arrays

    moments, again = state_arrays(straight_state), state_arrays(resumed_state)
    for key, value in moments.items():
        assert isinstance(again[key], type(value))  # device arrays stay on the device
        np.testing.assert_allclose(
            CUPY.asnumpy(again[key]), CUPY.asnumpy(value), rtol=1e-5, atol=1e-7
        )
    np.testing.assert_allclose(resumed_history.loss, history.loss, rtol=1e-5)


@pytest.mark.gpu
@gpu_only
def test_train_checks_a_loss_with_aux_on_the_device_once_per_epoch(monkeypatch):
    """A (loss, aux) tuple on the GPU is moved to the host at the epoch's end, not each step."""
    from toolkit.nn.train import _Run

    sizes = []
    check = _Run.check

    def counting(self, pending, *args):
        sizes.append(len(pending))
        return check(self, pending, *args)

    monkeypatch.setattr(_Run, "check", counting)
    model = tk.gpu(_small_model(1))
    history = tk.train(
        lambda m, x, y: (_xent(m, x, y), "aux"),
        model,
        _device_batches(4),
        tk.setup(tk.Descent(0.1), model),
        epochs=1,
    )
    assert sizes == [4] and len(history.steps[0]) == 4


@pytest.mark.gpu
@gpu_only
def test_optimiser_state_moves_with_the_model_and_steps_like_the_cpu():
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((32, 4)).astype(np.float32), rng.integers(0, 3, 32)
    model = tk.Chain(tk.Dense(4, 8, tk.relu), tk.Dense(8, 3), seed=3)
    state = tk.setup(tk.Adam(1e-2), model)
    tk.update(state, model, tk.gradient(lambda m: _xent(m, x, y), model)[0])  # moments non-zero
    gpu_model, gpu_state = tk.gpu(model), tk.gpu(state)
    from toolkit.nn.optimise import state_arrays

    assert all(isinstance(v, CUPY.ndarray) for v in state_arrays(gpu_state).values()
               if getattr(v, "ndim", 0))  # fmt: skip
    dx, dy = CUPY.asarray(x), CUPY.asarray(y)
    for _ in range(3):
        tk.update(state, model, tk.gradient(lambda m: _xent(m, x, y), model)[0])
        tk.update(gpu_state, gpu_model, tk.gradient(lambda m: _xent(m, dx, dy), gpu_model)[0])
    back = tk.cpu(gpu_model)
    for layer, again in zip(model.layers, back.layers, strict=True):
        assert type(again.weight) is np.ndarray
        np.testing.assert_allclose(again.weight, layer.weight, rtol=1e-4, atol=1e-5)
    moments, again = state_arrays(state), state_arrays(tk.cpu(gpu_state))
    for key, value in moments.items():
        np.testing.assert_allclose(np.asarray(again[key]), value, rtol=1e-4, atol=1e-7)


class _DeviceArray(np.ndarray):
    """Stands in for cupy.ndarray: only the type check of check_same_device is exercised."""


def test_a_batch_and_weights_on_different_devices_are_refused(monkeypatch):
    import sys
    import types

    monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(ndarray=_DeviceArray))
    x, w = np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
    with pytest.raises(DeviceError, match=r"dense: the input is on the CPU \(numpy\) but the "
                                          r"weights are on the GPU \(cupy\); .*tk.gpu\(x\)"):
        tk.dense(x, w.view(_DeviceArray))
    with pytest.raises(DeviceError, match="conv2d: the input is on the GPU"):
        tk.conv2d(np.ones((1, 4, 4, 1)).view(_DeviceArray), np.ones((3, 3, 1, 2)))


@pytest.mark.gpu
@gpu_only
def test_a_numpy_batch_for_a_gpu_model_names_the_fix():
    model = tk.gpu(tk.Chain(tk.Dense(3, 2), seed=0))
    with pytest.raises(DeviceError, match="tk.gpu"):
        model(np.ones((4, 3), np.float32))
