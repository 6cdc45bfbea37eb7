"""The zoo against reference PyTorch models with torchvision's names: same weights, same outputs."""

import numpy as np
import pytest

import toolkit as tk

pytestmark = pytest.mark.torch

ARCHS = ["resnet18", "resnet34", "resnet50", "mobilenet_v2"]


def _reference(name, classes):
    import torch

    from tests.zoo import torch_reference as ref

    torch.set_num_threads(1)
    return ref.randomise(getattr(ref, name)(num_classes=classes), seed=ARCHS.index(name))


def _compare(model, theirs, x):
    import torch

    with torch.no_grad():
        expected = theirs(torch.tensor(x.transpose(0, 3, 1, 2).copy())).numpy()
    got = model(x)
    rel = np.abs(got - expected).max() / np.abs(expected).max()
    assert rel < 1e-4, rel
    return got


@pytest.mark.parametrize("name", ARCHS)
def test_zoo_matches_the_torchvision_layout_from_a_safetensors_file(name, tmp_path):
    from safetensors.torch import save_file

    theirs = _reference(name, classes=10)
    path = tmp_path / f"{name}.safetensors"
    save_file({k: v.contiguous() for k, v in theirs.state_dict().items()}, str(path))
    model = getattr(tk.zoo, name)(weights=path, classes=10)
    x = np.random.default_rng(1).normal(size=(2, 32, 32, 3)).astype(np.float32)
    _compare(model, theirs, x)


def test_a_pth_file_loads_through_torch_weights_only(tmp_path):
    import torch

    theirs = _reference("resnet18", classes=5)
    path = tmp_path / "resnet18.pth"
    torch.save({"state_dict": theirs.state_dict(), "epoch": 3}, path)
    model = tk.zoo.resnet18(weights=path, classes=5)
    _compare(model, theirs, np.random.default_rng(2).normal(size=(1, 32, 32, 3)).astype(np.float32))


def test_a_pth_file_with_pickled_code_is_refused(tmp_path):
    import torch

    path = tmp_path / "evil.pth"
    torch.save({"fc.weight": torch.zeros(2, 2), "hook": print}, path)
    with pytest.raises(tk.errors.BadFileError, match="weights_only=True"):
        tk.zoo.resnet18(weights=path)


def test_wrong_class_count_names_the_tensor(tmp_path):
    from safetensors.torch import save_file

    theirs = _reference("resnet18", classes=10)
    path = tmp_path / "r.safetensors"
    save_file({k: v.contiguous() for k, v in theirs.state_dict().items()}, str(path))
    with pytest.raises(tk.errors.ShapeError, match=r"fc\.weight has shape \(10, 512\)"):
        tk.zoo.resnet18(weights=path, classes=1000)


def test_transfer_learning_with_a_frozen_base():
    base = tk.zoo.resnet18(classes=10, seed=0)
    model = tk.Chain(base[:-1], tk.Dense(512, 2, seed=1))
    state = tk.setup(tk.Adam(1e-2), model)
    tk.freeze(state.layers[0])
    frozen = model[0]["conv1"].weight.copy()
    head = model[1].weight.copy()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 16, 16, 3)).astype(np.float32)
    y = tk.onehotbatch([0, 1], [0, 1])
    tk.train(lambda m, x, y: tk.logitcrossentropy(m(x), y), model, [(x, y)], state)
    np.testing.assert_array_equal(model[0]["conv1"].weight, frozen)
    assert not np.array_equal(model[1].weight, head)


def test_zoo_models_slice_like_chains():
    model = tk.zoo.mobilenet_v2(classes=3, seed=0)
    assert list(model.layers)[-1] == "classifier"
    assert model[:-1](np.zeros((1, 32, 32, 3), np.float32)).shape == (1, 1280)


@pytest.mark.parametrize("name", ["resnet50", "mobilenet_v2"])
def test_to_state_dict_loads_into_the_torch_model_and_back(name):
    import torch

    from toolkit.nn.interop.pytorch import to_state_dict

    ours = getattr(tk.zoo, name)(classes=7, seed=3)
    sd = to_state_dict(ours, tk.zoo.torch_names(name))
    theirs = _reference(name, classes=7)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=False)
    missing = set(theirs.state_dict()) - set(sd)
    assert all(k.endswith("num_batches_tracked") for k in missing)
    x = np.random.default_rng(5).normal(size=(1, 32, 32, 3)).astype(np.float32)
    _compare(ours, theirs.eval(), x)
    again = getattr(tk.zoo, name)(weights=sd, classes=7)
    np.testing.assert_array_equal(again(x), ours(x))
