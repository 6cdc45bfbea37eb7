"""MobileNetV2 (Sandler et al. 2018) as a channels-last Chain, torchvision's layout.

``features`` (a stem, 17 inverted residual blocks, a 1×1 convolution to 1280 channels),
then ``pool, flatten, dropout, classifier`` — the order of torchvision's parameters, so
its ``state_dict`` loads by :func:`toolkit.from_torch`. Depthwise convolutions are
``Conv(..., groups=channels)``; the activation is ReLU6, fused into the BatchNorm.

>>> import numpy as np
>>> model = mobilenet_v2(classes=4, seed=0)
>>> model(np.zeros((1, 32, 32, 3), np.float32)).shape
(1, 4)
"""

from __future__ import annotations

from toolkit.nn.layers import (
    BatchNorm,
    Chain,
    Conv,
    Dense,
    Dropout,
    Flatten,
    GlobalMeanPool,
    SkipConnection,
)  # fmt: skip

# expansion t, output channels c, repeats n, first stride s (the paper's Table 2)
_SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
             (6, 160, 3, 2), (6, 320, 1, 1))


def divisible(v: float, divisor: int = 8) -> int:
    """divisible(v, divisor=8) -> v rounded to a multiple of divisor, never 10% below (torchvision).

    >>> divisible(32 * 0.75), divisible(1280 * 1.4)
    (24, 1792)
    """
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def conv_bn(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1,
            activation="relu6") -> Chain:
    """conv_bn(cin, cout, k=3, stride=1, groups=1, activation="relu6") -> Conv, BatchNorm."""
    conv = Conv((k, k), cin, cout, stride=stride, pad=(k - 1) // 2, groups=groups, bias=False)
    return Chain(conv, BatchNorm(cout, activation))


def inverted_residual(cin: int, cout: int, stride: int, t: int):
    """inverted_residual(cin, cout, stride, t) -> expand 1×1, depthwise 3×3, project 1×1."""
    hidden = int(round(cin * t))
    layers = [] if t == 1 else [conv_bn(cin, hidden, 1)]
    layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden),
               Conv((1, 1), hidden, cout, bias=False), BatchNorm(cout)]
    body = Chain(*layers)
    return SkipConnection(body, "add") if stride == 1 and cin == cout else body


def mobilenet_v2(classes: int = 1000, width: float = 1.0, seed=None) -> Chain:
    """mobilenet_v2(classes=1000, width=1.0, seed=None) -> MobileNetV2 (see the module doc)."""
    cin = divisible(32 * width)
    last = divisible(1280 * max(1.0, width))
    features = [conv_bn(3, cin, 3, 2)]
    for t, c, n, s in _SETTINGS:
        cout = divisible(c * width)
        for i in range(n):
            features.append(inverted_residual(cin, cout, s if i == 0 else 1, t))
            cin = cout
    features.append(conv_bn(cin, last, 1))
    return Chain(features=Chain(*features), pool=GlobalMeanPool(), flatten=Flatten(),
                 dropout=Dropout(0.2), classifier=Dense(last, classes), seed=seed)


def torch_names() -> list[str]:
    """torch_names() -> torchvision's module name of each layer with weights, in order (the
    same for every width).

    >>> torch_names()[:3]
    ['features.0.0', 'features.0.1', 'features.1.conv.0.0']
    >>> torch_names()[-3:]
    ['features.18.0', 'features.18.1', 'classifier.1']
    """
    names, k = ["features.0.0", "features.0.1"], 1
    for t, _, n, _ in _SETTINGS:
        for _ in range(n):
            p, m = f"features.{k}.conv", 0 if t == 1 else 1
            names += [] if t == 1 else [f"{p}.0.0", f"{p}.0.1"]
            names += [f"{p}.{m}.0", f"{p}.{m}.1", f"{p}.{m + 1}", f"{p}.{m + 2}"]
            k += 1
    return [*names, f"features.{k}.0", f"features.{k}.1", "classifier.1"]
