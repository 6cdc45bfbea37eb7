"""ResNet-18/34/50 (He et al. 2016) as channels-last Chains, torchvision's layout.

Every layer sits where torchvision's does, in the same order, so a torchvision or timm
``state_dict`` loads by :func:`toolkit.from_torch`: ``conv1, bn1, maxpool, layer1 …
layer4, pool, flatten, fc``. A residual block is ``Chain(SkipConnection(body, "add"),
relu)``, or ``Chain(Parallel("add", body, downsample), relu)`` where the shortcut needs a
strided 1×1 convolution. Bottleneck blocks put the stride on the 3×3 convolution
(torchvision's "ResNet v1.5").

>>> import numpy as np
>>> model = resnet18(classes=3, seed=0)
>>> model(np.zeros((1, 32, 32, 3), np.float32)).shape
(1, 3)
>>> model[:-1](np.zeros((1, 32, 32, 3), np.float32)).shape
(1, 512)
"""

from __future__ import annotations

from toolkit.nn import ops
from toolkit.nn.layers import (
    BatchNorm,
    Chain,
    Conv,
    Dense,
    Flatten,
    GlobalMeanPool,
    MaxPool,
    Parallel,
    SkipConnection,
)  # fmt: skip


def _conv(k, cin, cout, stride=1):
    return Conv((k, k), cin, cout, stride=stride, pad=(k - 1) // 2, bias=False)


def _block(body: Chain, cin: int, cout: int, stride: int) -> Chain:
    if stride == 1 and cin == cout:
        return Chain(SkipConnection(body, "add"), ops.relu)
    downsample = Chain(_conv(1, cin, cout, stride), BatchNorm(cout))
    return Chain(Parallel("add", body, downsample), ops.relu)


def basic(cin: int, planes: int, stride: int = 1) -> Chain:
    """basic(cin, planes, stride=1) -> torchvision's BasicBlock: two 3×3 convolutions."""
    body = Chain(conv1=_conv(3, cin, planes, stride), bn1=BatchNorm(planes, "relu"),
                 conv2=_conv(3, planes, planes), bn2=BatchNorm(planes))
    return _block(body, cin, planes, stride)


def bottleneck(cin: int, planes: int, stride: int = 1) -> Chain:
    """bottleneck(cin, planes, stride=1) -> torchvision's Bottleneck: 1×1, 3×3, 1×1 (×4 out)."""
    out = planes * 4
    body = Chain(conv1=_conv(1, cin, planes), bn1=BatchNorm(planes, "relu"),
                 conv2=_conv(3, planes, planes, stride), bn2=BatchNorm(planes, "relu"),
                 conv3=_conv(1, planes, out), bn3=BatchNorm(out))
    return _block(body, cin, out, stride)


def resnet(block, depths, classes: int = 1000, seed=None) -> Chain:
    """resnet(block, depths, classes=1000, seed=None) -> a ResNet Chain (``basic`` or
    ``bottleneck`` blocks, ``depths`` blocks per stage)."""
    expansion = 4 if block is bottleneck else 1
    stages, cin = {}, 64
    for i, (planes, n) in enumerate(zip((64, 128, 256, 512), depths, strict=True)):
        blocks = []
        for j in range(n):
            blocks.append(block(cin, planes, 2 if (j == 0 and i > 0) else 1))
            cin = planes * expansion
        stages[f"layer{i + 1}"] = Chain(*blocks)
    return Chain(conv1=_conv(7, 3, 64, 2), bn1=BatchNorm(64, "relu"),
                 maxpool=MaxPool((3, 3), stride=2, pad=1), **stages, pool=GlobalMeanPool(),
                 flatten=Flatten(), fc=Dense(cin, classes), seed=seed)


def torch_names(block, depths) -> list[str]:
    """torch_names(block, depths) -> torchvision's module name of each layer with weights, in
    the Chain's depth-first order (what :func:`toolkit.from_torch` pairs by name).

    >>> torch_names(basic, (2, 2, 2, 2))[:4], torch_names(basic, (2, 2, 2, 2))[-3:]
    (['conv1', 'bn1', 'layer1.0.conv1', 'layer1.0.bn1'], ['layer4.1.conv2', 'layer4.1.bn2', 'fc'])
    """
    expansion, convs = (4, 3) if block is bottleneck else (1, 2)
    names, cin = ["conv1", "bn1"], 64
    for i, (planes, n) in enumerate(zip((64, 128, 256, 512), depths, strict=True)):
        for j in range(n):
            p = f"layer{i + 1}.{j}"
            names += [f"{p}.{kind}{c}" for c in range(1, convs + 1) for kind in ("conv", "bn")]
            if (j == 0 and i > 0) or cin != planes * expansion:
                names += [f"{p}.downsample.0", f"{p}.downsample.1"]
            cin = planes * expansion
    return [*names, "fc"]


def resnet18(classes: int = 1000, seed=None) -> Chain:
    """resnet18(classes=1000, seed=None) -> ResNet-18 (basic blocks 2, 2, 2, 2)."""
    return resnet(basic, (2, 2, 2, 2), classes, seed)


def resnet34(classes: int = 1000, seed=None) -> Chain:
    """resnet34(classes=1000, seed=None) -> ResNet-34 (basic blocks 3, 4, 6, 3)."""
    return resnet(basic, (3, 4, 6, 3), classes, seed)


def resnet50(classes: int = 1000, seed=None) -> Chain:
    """resnet50(classes=1000, seed=None) -> ResNet-50 (bottleneck blocks 3, 4, 6, 3)."""
    return resnet(bottleneck, (3, 4, 6, 3), classes, seed)
