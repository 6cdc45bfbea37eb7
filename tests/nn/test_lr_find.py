"""tk.lr_find on the digits: its suggestion trains better than a hundredth or a hundred times
it; the model and the optimiser state are given back as they were; fastai's suggestions."""

import numpy as np
import pytest

import toolkit as tk
from toolkit.nn.lr_find import _valley


@pytest.fixture(scope="module")
def digits(digits_dir):
    ds = tk.ImageFolder(digits_dir, (8, 8), color="gray")
    x, y = next(iter(tk.DataLoader(ds, len(ds))))
    return x, y


def _loss(m, x, y):
    return tk.logitcrossentropy(m(x), y)


def _model():
    return tk.Chain(tk.Flatten(), tk.Dense(64, 64, tk.relu), tk.Dense(64, 10), seed=4)


def _epoch_loss(x, y, lr):
    model = _model()
    loader = tk.DataLoader(tk.ArrayDataset(x, y), 32, shuffle=True, seed=2)
    tk.train(_loss, model, loader, tk.setup(tk.Adam(lr), model), quiet=True)
    return float(_loss(model, x, y))


def test_the_suggestion_beats_a_hundredth_and_a_hundred_times_it(digits):
    x, y = digits
    model = _model()
    loader = tk.DataLoader(tk.ArrayDataset(x, y), 32, shuffle=True, seed=1)
    found = tk.lr_find(_loss, model, loader, tk.Adam())
    lr = found.suggestion
    assert 1e-5 < lr < 1.0, found
    at = {f: _epoch_loss(x, y, lr * f) for f in (0.01, 1.0, 100.0)}
    assert at[1.0] < at[0.01] and at[1.0] < at[100.0], at


def test_the_sweep_stops_on_divergence_and_restores_everything(digits):
    x, y = digits
    model = tk.Chain(tk.Flatten(), tk.Dense(64, 10), seed=4)  # least squares: SGD diverges
    data = [(x[:256], tk.onehotbatch(y[:256], range(10)))]
    state = tk.setup(tk.Momentum(1e-3), model)
    mse = lambda m, x, y: tk.mse(m(x), y)  # noqa: E731
    tk.train(mse, model, data, state, quiet=True)  # a state with a velocity
    weights = [w.copy() for w in tk.tree_leaves(model)]
    moments = np.copy(state[1].weight.state)
    found = tk.lr_find(mse, model, data, state, num_it=200)
    assert len(found.lrs) < 200  # it stopped once the loss blew up
    assert found.losses[-1] > 4 * min(found.losses) or not np.isfinite(found.losses[-1])
    assert np.all(np.diff(np.log(found.lrs)) > 0)
    for a, b in zip(weights, tk.tree_leaves(model), strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(moments, state[1].weight.state)
    assert state[1].weight.rule.lr == 1e-3


def test_valley_is_fastais():
    # the longest decreasing subsequence ends at index 8 (5.1, 5, 4, ..., 1.0: 8 long), so
    # fastai's start is 8 - 8 = 0, a third of the run is 2.67: index 0 + 2 + int(1.33) = 3
    losses = np.array([5, 5.1, 5, 4, 3, 2, 1.5, 1.2, 1.0, 3, 9.0])
    lrs = np.logspace(-5, 0, len(losses))
    assert _valley(lrs, losses) == lrs[3]
