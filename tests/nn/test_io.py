"""Weights files: round trips, loadweights shape checks, and tampered files refused."""

import json

import numpy as np
import pytest
from safetensors.numpy import save_file

import toolkit as tk
from toolkit.errors import ShapeError, UnsafeFileError
from toolkit.nn import io


def _model():
    model = tk.Chain(
        features=tk.Chain(tk.Conv((3, 3), 1, 4, tk.relu, pad="same"), tk.BatchNorm(4),
                          tk.MaxPool((2, 2)), tk.Flatten()),
        mix=tk.Parallel("cat", tk.Dense(out=3, activation="tanh"), tk.Dense(out=2, bias=False)),
        skip=tk.SkipConnection(tk.LayerNorm(), "add"),
        head=tk.Chain(tk.Dropout(0.2), tk.Dense(out=2), tk.softmax),
        seed=4,
    )
    x = np.random.default_rng(0).random((3, 6, 6, 1), dtype=np.float32)
    tk.gradient(lambda m: m(x).sum(), model)  # size the lazy layers, move BatchNorm's statistics
    return model, x


def test_round_trip_rebuilds_structure_weights_and_state(tmp_path):
    model, x = _model()
    path = tmp_path / "m.safetensors"
    io.save(path, model)
    again = io.load(path)
    assert repr(again) == repr(model)
    np.testing.assert_array_equal(again["features"][1].mean, model["features"][1].mean)
    np.testing.assert_array_equal(again(x), model(x))
    assert again["head"][2] is tk.softmax
    assert not list(tmp_path.glob("*.tmp"))  # the temporary file was renamed away


def test_loadweights_fills_an_existing_model_in_place(tmp_path):
    model, x = _model()
    path = tmp_path / "m.safetensors"
    io.save(path, model)
    other, _ = _model()
    other["head"][1].weight[...] = 0
    weight = other["head"][1].weight
    assert tk.loadweights(other, path) is other
    assert other["head"][1].weight is weight  # copied into the existing array
    np.testing.assert_array_equal(other(x), model(x))


def test_loadweights_names_the_parameter_and_both_shapes(tmp_path):
    path = tmp_path / "d.safetensors"
    io.save(path, tk.Chain(tk.Dense(4, 3), tk.Dense(3, 2), seed=1))
    target = tk.Chain(tk.Dense(4, 3), tk.Dense(3, 5), seed=1)
    before = target[0].weight.copy()
    with pytest.raises(ShapeError, match=r"layers\.1\.weight has shape \(3, 2\) in the file, "
                                         r"the model needs \(3, 5\)"):
        tk.loadweights(target, path)
    np.testing.assert_array_equal(target[0].weight, before)  # nothing changed
    with pytest.raises(ShapeError, match=r"missing \['layers\.2\.bias', 'layers\.2\.weight'\]"):
        tk.loadweights(tk.Chain(tk.Dense(4, 3), tk.Dense(3, 2), tk.Dense(2, 2)), path)


def test_save_refuses_what_load_could_not_rebuild(tmp_path):
    with pytest.raises(UnsafeFileError, match="only named activations"):
        io.save(tmp_path / "a", tk.Chain(tk.Dense(2, 2), lambda x: x * 2))
    with pytest.raises(UnsafeFileError, match="activation <<lambda>> is not a registered name"):
        io.save(tmp_path / "b", tk.Dense(2, 2, lambda x: x))
    with pytest.raises(ShapeError, match="call the model on a batch first"):
        io.save(tmp_path / "c", tk.Chain(tk.Dense(out=2)))

    class Custom(tk.Module):
        def __call__(self, x):
            return x

    with pytest.raises(UnsafeFileError, match=r"Custom at model.layers\[0\]: it is not"):
        io.save(tmp_path / "d", tk.Chain(Custom()))


def _tamper(tmp_path, edit):
    """Save a small model, then rewrite its metadata through ``edit(structure)``."""
    path = tmp_path / "t.safetensors"
    io.save(path, tk.Chain(tk.Dense(3, 2, tk.relu), seed=1))
    tensors, meta = io.read(path)
    spec = json.loads(meta["model"])
    meta["model"] = edit(spec) if callable(edit) else edit
    meta["model"] = meta["model"] if isinstance(meta["model"], str) else json.dumps(meta["model"])
    save_file(tensors, str(path), metadata=meta)
    return path


def _set(spec, **changes):
    spec["children"]["layers"][0].update(changes)
    return spec


@pytest.mark.parametrize(
    "edit, message",
    [
        ("{not json", "not valid JSON"),
        (lambda s: _set(s, type="subprocess.Popen"), "unknown layer type 'subprocess.Popen'"),
        (lambda s: _set(s, type="__import__"), "unknown layer type '__import__'"),
        (lambda s: _set(s, config={"in_": 3, "out": 5}),
         r"layers\.0\.weight: the structure needs shape \(3, 5\), the file has shape \(3, 2\)"),
        (lambda s: _set(s, config={"in_": 3, "out": 2, "command": "rm -rf /"}), "cannot be built"),
        (lambda s: _set(s, config={"in_": 3, "out": 2, "activation": "os.system"}),
         "unknown activation 'os.system'"),
        (lambda s: _set(s, config={"in_": -3, "out": 2}), "cannot be built"),
        (lambda s: {"function": "eval"}, "unknown activation 'eval'"),
        (lambda s: [s], "a layer entry must be a JSON object"),
        (lambda s: _set(s, extra=1), "a layer entry has keys type, config, children"),
    ],
)
def test_tampered_metadata_is_refused(tmp_path, edit, message):
    path = _tamper(tmp_path, edit)
    with pytest.raises(UnsafeFileError, match=message):
        io.load(path)


def test_deeply_nested_structures_are_refused(tmp_path):
    def nest(spec):
        for _ in range(100):
            spec = {"type": "Chain", "config": {}, "children": {"layers": [spec]}}
        return spec

    with pytest.raises(UnsafeFileError, match="nested deeper than 64"):
        io.load(_tamper(tmp_path, nest))


def test_files_that_are_not_safetensors_are_refused(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x80\x04\x95" + b"cos\nsystem\n" * 20)  # a pickle's opening bytes
    with pytest.raises(UnsafeFileError, match="not a valid safetensors file"):
        io.load(junk)
    with pytest.raises(UnsafeFileError, match="not a valid safetensors file"):
        tk.loadweights(tk.Dense(2, 2), junk)
    bare = tmp_path / "bare.safetensors"
    save_file({"weight": np.zeros((2, 2), np.float32)}, str(bare))
    with pytest.raises(UnsafeFileError, match="does not describe a toolkit model"):
        io.load(bare)
    with pytest.raises(FileNotFoundError):
        io.load(tmp_path / "missing.safetensors")
