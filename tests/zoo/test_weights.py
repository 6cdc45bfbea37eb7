"""Reading weights: safetensors without torch, .pth through torch, the Hub through its cache."""

import hashlib
import os
import sys

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import BadFileError, DataError
from toolkit.nn.interop.pytorch import to_state_dict
from toolkit.zoo.weights import read_state_dict


def _hub_cache(root, repo_id, files: dict, revision="main"):
    """A Hugging Face cache folder as huggingface_hub lays it out: blobs, snapshots, refs."""
    repo = root / f"models--{repo_id.replace('/', '--')}"
    commit = hashlib.sha1(repo_id.encode()).hexdigest()
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / revision).write_text(commit)
    snapshot = repo / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo / "blobs").mkdir()
    for name, data in files.items():
        blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        os.symlink(os.path.relpath(blob, snapshot), snapshot / name)
    return root


def _safetensors_bytes(tensors):
    from safetensors.numpy import save

    return save(tensors)


def _toy_resnet_state(classes=3):
    model = tk.zoo.resnet18(classes=classes, seed=0)
    return model, to_state_dict(model, tk.zoo.torch_names("resnet18"))


def test_a_hub_id_loads_from_a_cache_folder_laid_out_as_the_hub_lays_it(tmp_path):
    model, state = _toy_resnet_state()
    cache = _hub_cache(tmp_path, "someone/resnet18-toy",
                       {"model.safetensors": _safetensors_bytes(state)})
    loaded = tk.zoo.resnet18(weights="hf-hub:someone/resnet18-toy", classes=3, cache_dir=cache)
    x = np.random.default_rng(0).normal(size=(1, 32, 32, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded(x), tk.testmode(model)(x))
    again = read_state_dict("someone/resnet18-toy", cache_dir=cache)  # timm's prefix optional
    assert sorted(again) == sorted(state)


def test_offline_without_the_file_says_so_and_how_to_pass_a_local_file(tmp_path, monkeypatch):
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(DataError, match=r"Offline\? .* weights='path/to/model.safetensors'"):
        tk.zoo.resnet18(weights="hf-hub:nobody/nothing", cache_dir=tmp_path)


def test_without_huggingface_hub_the_message_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)
    with pytest.raises(DataError, match=r"toolkit\[hub\]"):
        read_state_dict("hf-hub:org/name")


def test_a_pth_file_without_torch_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "w.pth"
    path.write_bytes(b"not really")
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(BadFileError, match="needs torch"):
        read_state_dict(path)


def test_bad_files_are_named(tmp_path):
    with pytest.raises(BadFileError, match="no such file"):
        read_state_dict(tmp_path / "missing.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 16)
    with pytest.raises(BadFileError, match="not a readable safetensors file"):
        read_state_dict(bad)
    other = tmp_path / "w.h5"
    other.write_bytes(b"")
    with pytest.raises(BadFileError, match="unknown weights format '.h5'"):
        read_state_dict(other)
