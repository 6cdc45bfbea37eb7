import pickle

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import UnsafeFileError


def test_model_round_trip(tmp_path):
    model = tk.Chain(tk.Dense(4, 3, tk.relu), tk.Dense(3, 2), seed=1)
    tk.save(tmp_path / "m.safetensors", model)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    assert np.array_equal(tk.load(tmp_path / "m.safetensors")(x), model(x))


def test_machine_round_trip(tmp_path):
    Tree = tk.load_model("DecisionTreeClassifier")
    X = np.arange(10.0)[:, None]
    y = ["a"] * 5 + ["b"] * 5
    mach = tk.fit(tk.machine(Tree(max_depth=2), X, y))
    tk.save(tmp_path / "tree.skops", mach)
    assert tk.predict(tk.load(tmp_path / "tree.skops"), X).tolist() == y


class _Boom:
    def __reduce__(self):
        return (print, ("pwned",))


@pytest.mark.parametrize("name", ["evil.skops", "evil.safetensors", "evil.bin"])
def test_pickles_are_never_loaded(tmp_path, name, capsys):
    path = tmp_path / name
    path.write_bytes(pickle.dumps(_Boom()))
    with pytest.raises(UnsafeFileError, match="pickles are never loaded"):
        tk.load(path)
    assert "pwned" not in capsys.readouterr().out


def test_missing_file(tmp_path):
    with pytest.raises(UnsafeFileError, match="no such file"):
        tk.load(tmp_path / "nothing.safetensors")
