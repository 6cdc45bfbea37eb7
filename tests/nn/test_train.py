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


def _crash_at(call, xt, yt, epochs, folder, **kw):
    """_run's training, interrupted at the ``call``-th step, checkpointing every 2 steps."""
    calls = {"n": 0}

    def crashing(m, x, y):
        calls["n"] += 1
        if calls["n"] == call:
            raise KeyboardInterrupt
        return _loss(m, x, y)

    model = _mlp(seed=5)
    with pytest.raises(KeyboardInterrupt):
        tk.train(crashing, model, _loader(xt, yt, 64, seed=3), tk.setup(tk.Adam(3e-3), model),
                 epochs=epochs, checkpoint=folder, checkpoint_every=2, **kw)


def test_resume_mid_epoch_is_bit_identical(digits, tmp_path):
    xt, yt = digits[0][:512], digits[1][:512]
    straight, _, _ = _run(xt, yt, 2)
    _crash_at(12, xt, yt, 2, tmp_path)  # step 4 of the second epoch (8 steps per epoch)
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


# ------------------------------------------------------------ validation, metrics, output


def test_validation_loss_and_metrics_each_epoch(digits):
    xt, yt, xv, yv = digits
    model = _mlp()
    history = tk.train(_loss, model, _loader(xt, yt), tk.setup(tk.Adam(3e-3), model), epochs=3,
                       val=tk.DataLoader(tk.ArrayDataset(xv, yv), 100), quiet=True,
                       metrics=[tk.accuracy, tk.log_loss])
    assert history.columns() == ["epoch", "loss", "val_loss", "val_accuracy", "val_log_loss",
                                 "lr", "time"]
    # the last epoch's values are those of the trained model on the validation set
    logits = model(xv)
    assert history["val_accuracy"][-1] == pytest.approx(_accuracy(model, xv, yv))
    assert history["val_loss"][-1] == pytest.approx(float(tk.logitcrossentropy(logits, yv)),
                                                    rel=1e-5)
    p = np.exp((logits - logits.max(1, keepdims=True)).astype(np.float64))
    p /= p.sum(1, keepdims=True)
    assert history["val_log_loss"][-1] == pytest.approx(float(tk.log_loss(p, yv)), rel=1e-5)
    assert history.modes["val_accuracy"] == "max" and history.mode("val_loss") == "min"
    assert history.table().shape == (3, 7)


def test_val_as_one_pair_of_arrays_and_a_plain_metric():
    model = tk.Dense(1, 1, seed=0)
    x = np.ones((4, 1), np.float32)
    top = lambda yhat, y: float(np.max(yhat))  # noqa: E731
    h = tk.train(lambda m, x, y: tk.mse(m(x), y), model, [(x, x)], tk.setup(tk.Descent(0.1), model),
                 epochs=2, val=(x, 2 * x), metrics=[top], quiet=True)
    assert h["val_metric"][-1] == pytest.approx(float(model(x).max()))
    assert h["val_loss"][-1] == pytest.approx(float(tk.mse(model(x), 2 * x)))


def test_metrics_without_validation_data_are_refused():
    model = tk.Dense(1, 1, seed=0)
    with pytest.raises(tk.errors.TrainingError, match="pass val="):
        tk.train(tk.mse, model, [], tk.setup(tk.Descent(0.1), model), metrics=[tk.accuracy])


def test_a_line_per_epoch_on_stdout_and_in_the_log_file(tmp_path, capsys):
    model = tk.Dense(1, 1, seed=0)
    data = [(np.ones((2, 1), np.float32), np.full((2, 1), 3.0, np.float32))]
    log = tmp_path / "logs" / "train.log"
    tk.train(lambda m, x, y: tk.mse(m(x), y), model, data, tk.setup(tk.Descent(0.1), model),
             epochs=3, val=data[0], log=log)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["epoch", "loss", "val_loss", "lr", "time"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3"]
    assert log.read_text().splitlines() == lines


def test_quiet_prints_nothing_but_still_logs(tmp_path, capsys):
    model = tk.Dense(1, 1, seed=0)
    data = [(np.ones((2, 1), np.float32), np.ones((2, 1), np.float32))]
    tk.train(lambda m, x, y: tk.mse(m(x), y), model, data, tk.setup(tk.Descent(0.1), model),
             epochs=2, quiet=True, log=tmp_path / "t.log")
    assert capsys.readouterr() == ("", "")
    assert len((tmp_path / "t.log").read_text().splitlines()) == 3


def test_the_event_repr_shows_values_not_the_model():
    model = tk.Chain(tk.Dense(1, 64), tk.Dense(64, 1), seed=0)
    seen = []
    data = [(np.ones((2, 1), np.float32), np.ones((2, 1), np.float32))]
    tk.train(lambda m, x, y: tk.mse(m(x), y), model, data, tk.setup(tk.Adam(), model),
             callbacks=[seen.append], quiet=True)
    text = repr(seen[0])
    assert text.startswith("EpochEnd(epoch=1, loss=") and len(text) < 120 and "Dense" not in text


# ------------------------------------------------------------ schedules and callbacks


def test_a_schedule_sets_the_rate_of_every_step(digits):
    xt, yt = digits[0][:320], digits[1][:320]
    model = _mlp()
    state = tk.setup(tk.Adam(), model)
    seen = []

    class Spy(tk.Adam):  # records the rate each step is taken with
        def apply(self, state, x, dx):
            seen.append(self.lr)
            return super().apply(state, x, dx)

    state = tk.setup(Spy(), model)
    schedule = tk.OneCycle(0.01)
    h = tk.train(_loss, model, _loader(xt, yt), state, epochs=2, schedule=schedule, quiet=True)
    rates = schedule.rates(20)
    per_step = seen[:: len(seen) // 20]  # each step updates every array with the same rule
    np.testing.assert_allclose(per_step, rates)
    assert h["lr"] == [rates[9], rates[19]]


def test_resume_mid_run_resumes_the_schedule(digits, tmp_path):
    xt, yt = digits[0][:512], digits[1][:512]
    schedule = {"OneCycle": {"max_lr": 0.01}}  # by name, as YAML gives it
    straight, _, h = _run(xt, yt, 3, schedule=schedule, quiet=True)
    _crash_at(13, xt, yt, 3, tmp_path, schedule=schedule, quiet=True)  # epoch 2, step 5
    resumed, _, hr = _run(xt, yt, 3, checkpoint=tmp_path, checkpoint_every=2, schedule=schedule,
                          quiet=True)
    _same_weights(straight, resumed)
    assert hr["lr"] == h["lr"] and hr.loss == h.loss


def test_early_stopping_restores_the_best_weights():
    model = tk.Dense(1, 1, seed=0)
    x = np.ones((4, 1), np.float32)
    weights, events = [], []

    def keep(event):
        weights.append(model.weight.copy())
        events.append(event.values["val_loss"])

    # training pulls towards y = x, validation wants y = 0.5 x: val_loss improves, then worsens
    stop = tk.EarlyStopping(patience=2)
    h = tk.train(lambda m, x, y: tk.mse(m(x), y), model, [(x, x)],
                 tk.setup(tk.Descent(0.05), model), epochs=50, val=(x, 0.5 * x),
                 callbacks=[keep, stop], quiet=True)
    best = int(np.argmin(events))
    assert len(h) == best + 3  # two epochs without improvement, then stop
    np.testing.assert_array_equal(model.weight, weights[best])
    assert stop.best_epoch == best + 1


def test_early_stopping_on_a_value_training_does_not_report():
    model = tk.Dense(1, 1, seed=0)
    data = [(np.ones((2, 1), np.float32),) * 2]
    with pytest.raises(tk.errors.UnknownNameError, match=r"'val_loss'.*pass val="):
        tk.train(lambda m, x, y: tk.mse(m(x), y), model, data, tk.setup(tk.Descent(), model),
                 callbacks=[tk.EarlyStopping()], quiet=True)


def test_callbacks_by_name_and_checkpoint_keeps_the_best(tmp_path):
    model = tk.Dense(1, 1, seed=0)
    x = np.ones((4, 1), np.float32)
    saved = []
    path = tmp_path / "best.safetensors"

    def watch(event):
        saved.append(tk.load(path).weight.copy() if path.exists() else None)

    tk.train(lambda m, x, y: tk.mse(m(x), y), model, [(x, x)], tk.setup(tk.Descent(0.05), model),
             epochs=30, val=(x, 0.5 * x), quiet=True,
             callbacks=[{"Checkpoint": {"path": str(path)}}, watch,
                        {"EarlyStopping": {"patience": 3, "restore_best": True}}])
    np.testing.assert_array_equal(tk.load(path).weight, model.weight)  # the best, restored


def test_reduce_lr_on_plateau_lowers_the_rate():
    model = tk.Dense(1, 1, seed=0)
    x = np.ones((4, 1), np.float32)
    h = tk.train(lambda m, x, y: tk.mse(m(x), y), model, [(x, x)],
                 tk.setup(tk.Descent(0.05), model), epochs=40, val=(x, 0.5 * x), quiet=True,
                 callbacks=[tk.ReduceLROnPlateau(factor=0.5, patience=2)])
    lrs = h["lr"]
    assert lrs[0] == 0.05 and lrs[-1] < 0.05 / 4
    halvings = np.log2(0.05 / np.array(lrs))
    np.testing.assert_allclose(halvings, np.round(halvings), atol=1e-9)


# ------------------------------------------------------------ mistakes said clearly


def test_a_loss_taken_out_of_the_trace_is_named():
    model = tk.Dense(2, 1, seed=0)
    x = np.ones((4, 2), np.float32)
    with pytest.raises(tk.errors.DetachedLossError, match=r"float\(\), \.item\(\)"):
        tk.train(lambda m, x, y: float(tk.mse(m(x), y)), model, [(x, x[:, :1])],
                 tk.setup(tk.Descent(), model), quiet=True)


def test_a_checkpoint_of_another_optimiser_is_refused(digits, tmp_path):
    xt, yt = digits[0][:128], digits[1][:128]
    _run(xt, yt, 1, checkpoint=tmp_path, quiet=True)  # Adam
    model = _mlp(seed=5)
    with pytest.raises(tk.errors.CheckpointError, match=r"made by training with Adam, but this "
                                                        r"state uses Descent"):
        tk.train(_loss, model, _loader(xt, yt, 64, seed=3), tk.setup(tk.Descent(), model),
                 epochs=2, checkpoint=tmp_path, quiet=True)


def test_a_checkpoint_past_the_epochs_is_refused_and_a_complete_one_says_so(digits, tmp_path,
                                                                           capsys):
    xt, yt = digits[0][:128], digits[1][:128]
    _run(xt, yt, 3, checkpoint=tmp_path, quiet=True)
    with pytest.raises(tk.errors.CheckpointError, match=r"up to epoch 3, past epochs=1: pass "
                                                        r"epochs > 3"):
        _run(xt, yt, 1, checkpoint=tmp_path)
    _, _, history = _run(xt, yt, 3, checkpoint=tmp_path)
    assert "nothing to train" in capsys.readouterr().out and len(history) == 3


def test_an_empty_loader_is_refused():
    ds = tk.ArrayDataset(np.zeros((3, 2), np.float32), np.zeros(3, np.int64))
    loader = tk.DataLoader(ds, 8, drop_last=True)
    model = tk.Dense(2, 2, seed=0)
    with pytest.raises(tk.errors.TrainingError, match=r"no batches in epoch 1.*drop_last=True"):
        tk.train(_loss, model, loader, tk.setup(tk.Descent(), model), quiet=True)
