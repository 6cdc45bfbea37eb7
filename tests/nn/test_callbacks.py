"""Callbacks as registered components: built by name (YAML), written back to a config,
their counters kept across a resume; bad settings refused in the constructor."""

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import HyperparameterError


def test_callbacks_are_registered_components():
    callbacks = tk.registry("callbacks")
    assert callbacks.names() == ["Checkpoint", "EarlyStopping", "ReduceLROnPlateau"]
    stop = callbacks.build({"EarlyStopping": {"patience": 5, "monitor": "val_accuracy"}})
    assert (stop.patience, stop.monitor, stop.restore_best) == (5, "val_accuracy", True)
    for cb in (stop, tk.ReduceLROnPlateau(factor=0.5), tk.Checkpoint("best.safetensors")):
        again = callbacks.build(callbacks.to_config(cb))
        assert type(again) is type(cb) and repr(again) == repr(cb)
    with pytest.raises(tk.errors.UnknownNameError, match="did you mean 'patience'"):
        callbacks.build({"EarlyStopping": {"patiense": 2}})


@pytest.mark.parametrize("bad", [lambda: tk.EarlyStopping(patience=-1),
                                 lambda: tk.EarlyStopping(mode="up"),
                                 lambda: tk.ReduceLROnPlateau(factor=2.0),
                                 lambda: tk.EarlyStopping(min_delta=-0.1)])
def test_bad_settings_fail_in_the_constructor(bad):
    with pytest.raises(HyperparameterError):
        bad()


def test_modes_follow_the_measure():
    h = tk.History()
    h.modes["val_accuracy"] = "max"
    stop = tk.EarlyStopping(monitor="val_accuracy", patience=1, restore_best=False)
    events = [h.record(loss=1.0, val_accuracy=a) for a in (0.5, 0.7, 0.6)]
    assert [stop(e) for e in events] == [False, False, True]


def test_a_resumed_run_keeps_counting_patience(tmp_path):
    model = tk.Dense(1, 1, seed=0)
    x = np.ones((4, 1), np.float32)
    stop = tk.EarlyStopping(monitor="val_loss", patience=3, restore_best=False)

    def run(epochs, cb):
        m = tk.Dense(1, 1, seed=0)
        return tk.train(lambda m, x, y: tk.mse(m(x), y), m, [(x, x)],
                        tk.setup(tk.Descent(0.05), m), epochs=epochs, val=(x, 0.5 * x),
                        callbacks=[cb], checkpoint=tmp_path, quiet=True)

    straight = tk.train(lambda m, x, y: tk.mse(m(x), y), model, [(x, x)],
                        tk.setup(tk.Descent(0.05), model), epochs=40, val=(x, 0.5 * x),
                        callbacks=[stop], quiet=True)
    run(len(straight) - 1, tk.EarlyStopping(monitor="val_loss", patience=3, restore_best=False))
    resumed = run(40, tk.EarlyStopping(monitor="val_loss", patience=3, restore_best=False))
    assert len(resumed) == len(straight)  # it stopped at the same epoch after the resume
