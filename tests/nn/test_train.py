"""tk.train on the bundled digits: accuracy, determinism, checkpoints and resume, NaN stop,
callbacks, transfer learning with a frozen base."""

import numpy as np
import pytest

import toolkit as tk
from toolkit.nn.train import NonFiniteLossError


@pytest.fixture(scope="module")
def digits(digits_dir):
    """(x_train, y_train, x_val, y_val): the 8x8 digit images as arrays, a stratified split."""
    ds = tk.ImageFolder(digits_dir, (8, 8), color="gray")
    train, val = ds.split(0.8, stratify=True, seed=1)

    def arrays(part):
        batches = list(tk.DataLoader(part, 512))
        return np.concatenate([x for x, _ in batches]), np.concatenate([y for _, y in batches])

    return (*arrays(train), *arrays(val))


def _loss(m, x, y):
    return tk.logitcrossentropy(m(x), y)


def _accuracy(model, x, y):
    return float((np.argmax(model(x), axis=1) == y).mean())


def _loader(x, y, batch=32, seed=1):
    return tk.DataLoader(tk.ArrayDataset(x, y), batch, shuffle=True, seed=seed)


def _mlp(seed=1):
    return tk.Chain(tk.Flatten(), tk.Dense(out=64, activation=tk.relu), tk.Dropout(0.1),
                    tk.Dense(out=10), seed=seed)


def test_mlp_reaches_95_percent_on_digits(digits):
    xt, yt, xv, yv = digits
    model = _mlp()
    history = tk.train(_loss, model, _loader(xt, yt), tk.setup(tk.Adam(3e-3), model), epochs=10)
    assert len(history.loss) == 10 and history.loss[-1] < history.loss[0] / 5
    assert _accuracy(model, xv, yv) >= 0.95


def test_cnn_reaches_97_percent_on_digits(digits):
    xt, yt, xv, yv = digits
    model = tk.Chain(
        tk.Conv((3, 3), out=16, activation=tk.relu, pad="same"), tk.MaxPool((2, 2)),
        tk.Conv((3, 3), out=32, activation=tk.relu, pad="same"), tk.MaxPool((2, 2)),
        tk.Flatten(), tk.Dense(out=10), seed=1,
    )
    tk.train(_loss, model, _loader(xt, yt, 64), tk.setup(tk.Adam(5e-3), model), epochs=8)
    assert _accuracy(model, xv, yv) >= 0.97


def _run(xt, yt, epochs, checkpoint=None, **kw):
    model = _mlp(seed=5)
    state = tk.setup(tk.Adam(3e-3), model)
    history = tk.train(_loss, model, _loader(xt, yt, 64, seed=3), state, epochs=epochs,
                       checkpoint=checkpoint, **kw)
    return model, state, history


def _same_weights(a, b):
    pa, pb = tk.tree_leaves_with_path(a), tk.tree_leaves_with_path(b)
    assert [p for p, _ in pa] == [p for p, _ in pb]
    for (path, x), (_, y) in zip(pa, pb, strict=True):
        if hasattr(x, "shape"):
            np.testing.assert_array_equal(x, y, err_msg=path)


def test_same_seed_gives_bit_identical_weights_twice(digits):
    xt, yt = digits[0][:512], digits[1][:512]
    a, _, ha = _run(xt, yt, 2)
    b, _, hb = _run(xt, yt, 2)
    _same_weights(a, b)
    assert ha.loss == hb.loss


def test_resume_from_an_epoch_checkpoint_is_bit_identical(digits, tmp_path):
    xt, yt = digits[0][:512], digits[1][:512]
    straight, _, h2 = _run(xt, yt, 2)
    _run(xt, yt, 1, checkpoint=tmp_path)  # "crashes" after the first epoch
    resumed, _, hr = _run(xt, yt, 2, checkpoint=tmp_path)  # fresh objects, same folder
    _same_weights(straight, resumed)
    assert hr.loss == h2.loss


def test_resume_mid_epoch_is_bit_identical(digits, tmp_path):
    xt, yt = digits[0][:512], digits[1][:512]
    straight, _, _ = _run(xt, yt, 2)
    calls = {"n": 0}

    def crashing(m, x, y):
        calls["n"] += 1
        if calls["n"] == 12:  # step 4 of the second epoch (8 steps per epoch)
            raise KeyboardInterrupt
        return _loss(m, x, y)

    model = _mlp(seed=5)
    state = tk.setup(tk.Adam(3e-3), model)
    with pytest.raises(KeyboardInterrupt):
        tk.train(crashing, model, _loader(xt, yt, 64, seed=3), state, epochs=2,
                 checkpoint=tmp_path, checkpoint_every=2)
    resumed, _, history = _run(xt, yt, 2, checkpoint=tmp_path, checkpoint_every=2)
    _same_weights(straight, resumed)
    assert [len(s) for s in history.steps] == [8, 8]


def test_a_nan_loss_stops_training_naming_epoch_and_step():
    model = tk.Dense(2, 1, seed=0)
    x, y = np.ones((4, 2), np.float32), np.zeros((4, 1), np.float32)
    clean, bad = [(x, y)] * 3, [(x, y), (x, y), (x * np.nan, y)]

    def mse(m, x, y):
        return tk.mse(m(x), y)

    with pytest.raises(NonFiniteLossError, match=r"the loss is nan at epoch 2, step 3; lower"):
        tk.train(mse, model, _Epochs([clean, bad]), tk.setup(tk.Descent(0.01), model), epochs=2)


class _Epochs:
    """Data whose batches differ per epoch (a loader-like object with set_epoch)."""

    def __init__(self, epochs):
        self.epochs, self.epoch = epochs, 0

    def __len__(self):
        return len(self.epochs[0])

    def __iter__(self):
        batches, self.epoch = self.epochs[self.epoch % len(self.epochs)], self.epoch + 1
        return iter(batches)


def test_callbacks_see_each_epoch_and_can_stop():
    model = tk.Dense(1, 1, seed=0)
    data = [(np.ones((2, 1), np.float32), np.full((2, 1), 3.0, np.float32))]
    seen = []

    def stop_after_two(end):
        seen.append((end.epoch, round(end.loss, 6)))
        return end.epoch == 2

    history = tk.train(lambda m, x, y: tk.mse(m(x), y), model, data,
                       tk.setup(tk.Descent(0.1), model), epochs=5, callbacks=[stop_after_two])
    assert [e for e, _ in seen] == [1, 2] and len(history.loss) == 2


def test_transfer_learning_with_a_frozen_base(digits):
    xt, yt, xv, yv = digits
    base = tk.Chain(tk.Flatten(), tk.Dense(64, 64, tk.relu), tk.Dense(64, 64, tk.relu),
                    tk.Dense(64, 10), seed=2)
    tk.train(_loss, base, _loader(xt, yt), tk.setup(tk.Adam(3e-3), base), epochs=6)
    frozen = [w.copy() for w in (base[1].weight, base[2].weight)]
    binary = (yt >= 5).astype(np.int64)  # a new task: digits 0-4 against 5-9
    head = tk.Chain(base[:-1], tk.Dense(out=2), seed=3)
    state = tk.setup(tk.Adam(1e-2), head)
    tk.freeze(state[0])
    tk.train(_loss, head, _loader(xt, binary), state, epochs=6)
    np.testing.assert_array_equal(base[1].weight, frozen[0])
    np.testing.assert_array_equal(base[2].weight, frozen[1])
    accuracy = _accuracy(head, xv, (yv >= 5).astype(np.int64))
    assert accuracy > 0.85, accuracy
    tk.thaw(state[0])
    tk.train(_loss, head, _loader(xt, binary), state, epochs=1)
    assert not np.array_equal(base[1].weight, frozen[0])
