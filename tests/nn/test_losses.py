"""Losses: formulas, integer labels vs one-hot, aggregation, shapes, gradients."""

from __future__ import annotations

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import ShapeError, UnknownNameError
from toolkit.nn import ops

RNG = np.random.default_rng(3)
YHAT, Y = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
LOGITS, LABELS = RNG.normal(size=(6, 4)), RNG.integers(0, 4, 6)
ONEHOT = np.eye(4)[LABELS]
PROBS = np.exp(LOGITS) / np.exp(LOGITS).sum(1, keepdims=True)


def test_regression_losses():
    assert tk.mse(YHAT, Y) == pytest.approx(((YHAT - Y) ** 2).mean())
    assert tk.mae(YHAT, Y) == pytest.approx(np.abs(YHAT - Y).mean())
    e = np.abs(YHAT - Y)
    assert tk.huber(YHAT, Y, delta=0.5) == pytest.approx(
        np.where(e <= 0.5, 0.5 * e**2, 0.5 * (e - 0.25)).mean()
    )


def test_classification_losses_with_labels_and_onehot():
    expected = -np.log(PROBS[np.arange(6), LABELS]).mean()
    for y in (LABELS, ONEHOT):
        assert tk.logitcrossentropy(LOGITS, y) == pytest.approx(expected)
        assert tk.crossentropy(PROBS, y) == pytest.approx(expected, rel=1e-6)


def test_binary_losses():
    p, y = 1 / (1 + np.exp(-YHAT)), (Y > 0).astype(int)
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()
    assert tk.binarycrossentropy(p, y) == pytest.approx(expected, rel=1e-6)
    assert tk.logitbinarycrossentropy(YHAT, y) == pytest.approx(expected)
    assert np.isfinite(tk.logitbinarycrossentropy(np.array([1000.0, -1000.0]), np.array([0, 1])))


def test_plain_numpy_gives_python_floats():
    for loss in (tk.mse, tk.mae):
        value = loss(YHAT.astype(np.float32), Y.astype(np.float32))
        assert type(value) is float


def test_aggregation():
    per_element = tk.mse(YHAT, Y, agg=None)
    assert per_element.shape == (5, 3)
    assert tk.mse(YHAT, Y, agg=ops.sum) == pytest.approx(per_element.sum())
    assert tk.mse(YHAT, Y, agg="sum") == pytest.approx(per_element.sum())
    assert tk.mse(YHAT, Y, agg=np.max) == pytest.approx(per_element.max())
    assert tk.logitcrossentropy(LOGITS, LABELS, agg=None).shape == (6,)
    assert tk.logitcrossentropy(LOGITS, LABELS, agg=lambda v: ops.sum(v) / 2) == pytest.approx(
        tk.logitcrossentropy(LOGITS, LABELS, agg=ops.sum) / 2
    )
    with pytest.raises(UnknownNameError, match="did you mean 'mean'"):
        tk.mse(YHAT, Y, agg="meen")


def test_shapes():
    column, vector = RNG.normal(size=(5, 1)), RNG.normal(size=5)
    assert tk.mse(column, vector) == pytest.approx(((column[:, 0] - vector) ** 2).mean())
    with pytest.raises(ShapeError, match=r"target's shape \(4,\) does not fit .* \(5, 1\)"):
        tk.mse(column, vector[:4])
    with pytest.raises(ShapeError, match="integer labels must have shape"):
        tk.logitcrossentropy(LOGITS, LABELS[:3])
    with pytest.raises(ShapeError, match=r"labels must lie in \[0, 4\)"):
        tk.logitcrossentropy(LOGITS, LABELS + 4)
    assert tk.mse(PROBS, LABELS) == pytest.approx(((PROBS - ONEHOT) ** 2).mean())


def _fd(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


@pytest.mark.parametrize(
    ("loss", "x", "y"),
    [
        (tk.mse, YHAT, Y),
        (tk.mae, YHAT, Y),
        (tk.huber, YHAT, Y),
        (tk.crossentropy, PROBS, LABELS),
        (tk.logitcrossentropy, LOGITS, ONEHOT),
        (tk.binarycrossentropy, 1 / (1 + np.exp(-YHAT)), (Y > 0).astype(float)),
        (tk.logitbinarycrossentropy, YHAT, (Y > 0).astype(float)),
    ],
)
def test_gradients_match_finite_differences(loss, x, y):
    (g,) = tk.gradient(lambda x: loss(x, y), x)
    np.testing.assert_allclose(g, _fd(lambda x: loss(x, y), x), rtol=1e-5, atol=1e-8)
