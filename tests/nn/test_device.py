"""Devices: array module, gpu/cpu over trees, the once-only message, strict mode; cupy vs numpy."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

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


def _primitive_cases() -> dict:
    """The finite-difference cases of test_ops.py (loaded by path: tests are not a package)."""
    path = Path(__file__).with_name("test_ops.py")
    spec = importlib.util.spec_from_file_location("_nn_primitive_cases", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.C


CASES = _primitive_cases() if CUPY is not None else {}


@pytest.mark.gpu
@gpu_only
@pytest.mark.parametrize(("name", "k"), [(n, k) for n, cs in CASES.items() for k in range(len(cs))])
def test_cupy_agrees_with_numpy(name, k):
    fn, args = CASES[name][k]
    dev_args = [CUPY.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    cpu_out, gpu_out = fn(*args), fn(*dev_args)
    np.testing.assert_allclose(CUPY.asnumpy(gpu_out), cpu_out, rtol=1e-6, atol=1e-9)
    weights = np.random.default_rng(0).normal(size=np.shape(cpu_out))
    dev_weights = CUPY.asarray(weights)
    cpu_grads = tk.gradient(lambda *a: tk.nn.ops.sum(fn(*a) * weights), *args)
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
