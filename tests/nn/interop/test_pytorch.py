"""from_torch: PyTorch modules and state_dicts into toolkit models, checked by output."""

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import DataError, ShapeError

pytestmark = pytest.mark.torch


def _torch():
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    return torch


def test_an_mlp_with_layernorm_loads_from_a_module():
    torch = _torch()
    nn = torch.nn
    theirs = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.LayerNorm(8), nn.Linear(8, 3)).eval()
    with torch.no_grad():
        theirs[2].weight.uniform_(0.5, 1.5)
        theirs[2].bias.uniform_(-0.5, 0.5)
    ours = tk.Chain(tk.Dense(out=8, activation="relu"), tk.LayerNorm(), tk.Dense(out=3))
    report = tk.from_torch(theirs, into=ours)
    assert report.unused == [] and report.missing == [] and len(report.loaded) == 6
    x = np.random.default_rng(0).normal(size=(4, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(x), theirs(torch.tensor(x)).detach().numpy(), atol=1e-5)


def test_a_cnn_with_batchnorm_loads_nchw_weights_into_nhwc():
    torch = _torch()
    nn = torch.nn
    theirs = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                           nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False), nn.Flatten(),
                           nn.Linear(4 * 4 * 4, 2))
    theirs.train()(torch.randn(8, 3, 8, 8))  # move the running statistics
    theirs.eval()
    ours = tk.Chain(tk.Conv((3, 3), 3, 4, stride=2, pad=1), tk.BatchNorm(4, "relu"),
                    tk.Conv((3, 3), 4, 4, pad=1, groups=4, bias=False), tk.Flatten(),
                    tk.Dense(64, 2))
    tk.from_torch(theirs.state_dict(), into=ours)
    tk.testmode(ours)
    x = np.random.default_rng(1).normal(size=(2, 8, 8, 3)).astype(np.float32)
    # torch flattens NCHW: compare the convolutional part, then the whole net on NCHW order
    feats = ours[:3](x)
    with torch.no_grad():
        expected = theirs[:4](torch.tensor(x.transpose(0, 3, 1, 2).copy())).numpy()
    np.testing.assert_allclose(feats, expected.transpose(0, 2, 3, 1), atol=1e-5)


def test_a_shape_mismatch_names_the_torch_tensor_and_the_layer():
    torch = _torch()
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Linear(8, 3))
    ours = tk.Chain(tk.Dense(5, 8), tk.Dense(8, 4))
    expected = r"1\.weight has shape \(3, 8\) .* layers\.1\.weight of Dense"
    with pytest.raises(ShapeError, match=expected):
        tk.from_torch(theirs, into=ours)


def test_unused_and_missing_tensors_are_named():
    torch = _torch()
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Linear(8, 3))
    with pytest.raises(DataError, match=r"left unused: \['1\.weight', '1\.bias'\]"):
        tk.from_torch(theirs, into=tk.Chain(tk.Dense(5, 8)))
    with pytest.raises(DataError, match=r"without weights: \['layers\.2'\]"):
        tk.from_torch(theirs, into=tk.Chain(tk.Dense(5, 8), tk.Dense(8, 3), tk.Dense(3, 1)))
    report = tk.from_torch(theirs, into=tk.Chain(tk.Dense(5, 8)), strict=False)
    assert report.unused == ["1.weight", "1.bias"] and len(report.loaded) == 2


def test_a_layer_of_another_kind_is_refused():
    torch = _torch()
    theirs = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3))
    with pytest.raises(DataError, match=r"torch module '0' \(Conv"):
        tk.from_torch(theirs, into=tk.Chain(tk.Dense(3, 4)))


def test_names_pair_layers_whatever_the_file_order():
    sd = {"b.weight": np.ones((3, 4), np.float32), "b.bias": np.zeros(3, np.float32),
          "a.weight": np.full((4, 2), 2.0, np.float32), "a.bias": np.zeros(4, np.float32)}
    model = tk.Chain(tk.Dense(2, 4), tk.Dense(4, 3))
    tk.from_torch(sd, into=model, names=["a", "b"])
    assert model[0].weight.shape == (2, 4) and float(model[0].weight[0, 0]) == 2.0
