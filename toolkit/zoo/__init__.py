"""The model zoo: ResNet-18/34/50 and MobileNetV2 as channels-last Chains, with PyTorch weights.

Each constructor builds the architecture from the registered layers (sliceable like any
Chain: ``resnet18()[:-1]`` is the network without its classifier) and, given
``weights=``, loads a torchvision- or timm-style ``state_dict`` into it through
:func:`toolkit.from_torch`: a ``.safetensors`` file (no torch needed), a ``.pth`` file
(through ``torch.load(weights_only=True)``), a Hugging Face Hub id (``"hf-hub:org/name"``,
the ``hub`` extra) or a dict of arrays. The input is ``(N, H, W, 3)`` float32 — normalise
it as the weights were trained (ImageNet: mean (0.485, 0.456, 0.406), std (0.229, 0.224,
0.225)). Models come back in test mode (BatchNorm on its running statistics).

>>> import numpy as np
>>> import toolkit as tk
>>> base = tk.zoo.resnet18(seed=0)[:-1]
>>> head = tk.Chain(base, tk.Dense(512, 2, seed=1))
>>> head(np.zeros((2, 32, 32, 3), np.float32)).shape
(2, 2)
"""

from __future__ import annotations

from toolkit.nn.interop.pytorch import from_torch
from toolkit.nn.layers.base import testmode
from toolkit.zoo import mobilenet as _mobilenet
from toolkit.zoo import resnet as _resnet
from toolkit.zoo.weights import hub_file, read_state_dict

__all__ = ["resnet18", "resnet34", "resnet50", "mobilenet_v2", "read_state_dict", "hub_file",
           "torch_names"]


def torch_names(arch: str) -> list[str]:
    """torch_names(arch) -> torchvision's module names of the zoo model ``arch``'s layers with
    weights, depth first (for ``from_torch(..., names=)`` and ``to_state_dict``).

    >>> torch_names("resnet18")[-1], len(torch_names("mobilenet_v2"))
    ('fc', 105)
    """
    table = {"resnet18": (_resnet.basic, (2, 2, 2, 2)), "resnet34": (_resnet.basic, (3, 4, 6, 3)),
             "resnet50": (_resnet.bottleneck, (3, 4, 6, 3))}
    if arch == "mobilenet_v2":
        return _mobilenet.torch_names()
    if arch not in table:
        from toolkit.errors import UnknownNameError, did_you_mean

        valid = [*table, "mobilenet_v2"]
        raise UnknownNameError(f"unknown zoo model {arch!r}; " + did_you_mean(arch, valid))
    return _resnet.torch_names(*table[arch])


def _finish(model, names, weights, cache_dir):
    if weights is not None:
        from_torch(read_state_dict(weights, cache_dir=cache_dir), into=model, names=names)
    return testmode(model)


def resnet18(*, weights=None, classes: int = 1000, seed=None, cache_dir=None):
    """resnet18(*, weights=None, classes=1000, seed=None, cache_dir=None) -> ResNet-18 Chain.

    ``weights``: see :mod:`toolkit.zoo`; ``classes`` must match the weights' classifier;
    ``seed`` draws the weights when none are given; ``cache_dir`` is the Hub cache.
    """
    return _finish(_resnet.resnet18(classes, seed), torch_names("resnet18"), weights, cache_dir)


def resnet34(*, weights=None, classes: int = 1000, seed=None, cache_dir=None):
    """resnet34(*, weights=None, classes=1000, seed=None, cache_dir=None) -> ResNet-34 Chain."""
    return _finish(_resnet.resnet34(classes, seed), torch_names("resnet34"), weights, cache_dir)


def resnet50(*, weights=None, classes: int = 1000, seed=None, cache_dir=None):
    """resnet50(*, weights=None, classes=1000, seed=None, cache_dir=None) -> ResNet-50 Chain."""
    return _finish(_resnet.resnet50(classes, seed), torch_names("resnet50"), weights, cache_dir)


def mobilenet_v2(*, weights=None, classes: int = 1000, width: float = 1.0, seed=None,
                 cache_dir=None):
    """mobilenet_v2(*, weights=None, classes=1000, width=1.0, seed=None, cache_dir=None)
    -> MobileNetV2 Chain (``width``: torchvision's ``width_mult``)."""
    model = _mobilenet.mobilenet_v2(classes, width, seed)
    return _finish(model, torch_names("mobilenet_v2"), weights, cache_dir)
