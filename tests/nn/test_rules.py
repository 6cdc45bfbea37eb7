"""Optimisation rules: constructor checks, chains, and numerics against torch.optim."""

from dataclasses import dataclass

import numpy as np
import pytest

from toolkit.errors import GradientError
from toolkit.nn import rules as R
from toolkit.registry import registry


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: R.Descent(-0.1), "the learning rate cannot be negative, got -0.1"),
        (lambda: R.Momentum(rho=1.0), "the momentum rho must lie in [0, 1), got 1.0"),
        (lambda: R.Adam(beta=(0.9,)), "beta must be a pair"),
        (lambda: R.ClipGrad(0.0), "delta must be positive, got 0.0"),
        (lambda: R.ClipNorm(-1.0), "omega must be positive"),
        (lambda: R.WeightDecay(-1e-3), "weight decay cannot be negative"),
        (lambda: R.OptimiserChain(R.Adam(), "sgd"), "every member must be a rule"),
    ],
)
def test_bad_hyperparameters_fail_in_the_constructor(make, message):
    with pytest.raises(R.HyperparameterError) as err:
        make()
    assert message in str(err.value)


def test_rules_are_immutable_and_adjustable():
    rule = R.OptimiserChain(R.ClipNorm(1.0), R.Adam(1e-3))
    with pytest.raises(AttributeError):
        rule.rules[1].lr = 1.0
    adjusted = rule.adjusted(lr=0.5)
    assert adjusted.rules[1].lr == 0.5 and adjusted.rules[0] == R.ClipNorm(1.0)
    assert rule.rules[1].lr == 1e-3


def test_rules_never_modify_the_gradient():
    rng = np.random.default_rng(0)
    x, dx = rng.normal(size=5), rng.normal(size=5)
    before = dx.copy()
    for cls in (registry("rules").get(n) for n in registry("rules").names()):
        rule = R.OptimiserChain(R.Adam(), R.Momentum()) if cls is R.OptimiserChain else cls()
        state = rule.init(x)
        for _ in range(2):
            state, _ = rule.apply(state, x, dx)
        np.testing.assert_array_equal(dx, before, err_msg=cls.__name__)


def _every_rule():
    for cls in (registry("rules").get(n) for n in registry("rules").names()):
        if cls is R.OptimiserChain:
            yield R.OptimiserChain(R.ClipGrad(0.5), R.Momentum())
        elif cls is R.AdamW:
            yield R.AdamW(decay=0.1)
        else:
            yield cls()


@pytest.mark.parametrize("rule", list(_every_rule()), ids=lambda r: type(r).__name__)
def test_update_in_place_matches_apply_and_keeps_the_gradient(rule):
    """rule.update (scratch buffers, shared by arrays of any shape) == apply + subtract."""
    rng = np.random.default_rng(1)
    shapes = [(300, 20), (7,), (20, 3)]  # the largest first: later ones reuse its buffer
    xs = [rng.normal(size=s).astype(np.float32) for s in shapes]
    grads = [[rng.normal(size=s).astype(np.float32) for s in shapes] for _ in range(3)]
    kept = [[g.copy() for g in gs] for gs in grads]
    by_apply, by_update = [x.copy() for x in xs], [x.copy() for x in xs]
    s_apply = [rule.init(x) for x in xs]
    s_update = [rule.init(x) for x in xs]
    for gs in grads:
        for i, g in enumerate(gs):
            s_apply[i], step = rule.apply(s_apply[i], by_apply[i], g)
            by_apply[i] -= step
            s_update[i] = rule.update(s_update[i], by_update[i], g)
    for a, u in zip(by_apply, by_update, strict=True):
        np.testing.assert_allclose(u, a, rtol=1e-6, atol=1e-7)
    for gs, ks in zip(grads, kept, strict=True):
        for g, k in zip(gs, ks, strict=True):
            np.testing.assert_array_equal(g, k)


def test_clipnorm_refuses_a_nan_norm():
    with pytest.raises(GradientError, match="throw=False"):
        R.ClipNorm().apply(None, None, np.array([np.nan, 1.0]))
    out = R.ClipNorm(throw=False).apply(None, None, np.array([np.nan, 1.0]))[1]
    assert np.isnan(out[0])


def _ours(rule, x, grads):
    x = x.copy()
    state = rule.init(x)
    for g in grads:
        state, step = rule.apply(state, x, g)
        x -= step
    return x


def _torch(make, x, grads):
    import torch

    p = torch.nn.Parameter(torch.tensor(x.copy()))
    opt = make(torch, [p])
    for g in grads:
        p.grad = torch.tensor(g)
        opt.step()
    return p.detach().numpy()


TORCH_CASES = {
    "Descent": (R.Descent(0.1), lambda t, p: t.optim.SGD(p, lr=0.1)),
    "Momentum": (R.Momentum(0.05, 0.8), lambda t, p: t.optim.SGD(p, lr=0.05, momentum=0.8)),
    "Nesterov": (
        R.Nesterov(0.05, 0.9),
        lambda t, p: t.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
    ),
    "Adam": (R.Adam(0.01, (0.8, 0.99), 1e-7),
             lambda t, p: t.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-7)),
    "AdamW": (
        R.AdamW(0.01, decay=0.1),
        lambda t, p: t.optim.AdamW(p, lr=0.01, weight_decay=0.1),
    ),
    "RMSProp": (R.RMSProp(0.01, 0.9, 1e-8),
                lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8)),
    "WeightDecay+Descent": (
        R.OptimiserChain(R.WeightDecay(0.01), R.Descent(0.1)),
        lambda t, p: t.optim.SGD(p, lr=0.1, weight_decay=0.01),
    ),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_rule_matches_torch_optim(name):
    rule, make = TORCH_CASES[name]
    rng = np.random.default_rng(7)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    grads = [rng.normal(size=(4, 3)).astype(np.float32) for _ in range(6)]
    np.testing.assert_allclose(_ours(rule, x, grads), _torch(make, x, grads), rtol=1e-5, atol=1e-6)


@pytest.mark.torch
def test_clip_rules_match_torch_utils():
    import torch

    g = np.random.default_rng(3).normal(size=(5, 4)).astype(np.float32) * 10
    p = torch.nn.Parameter(torch.zeros(5, 4))
    p.grad = torch.tensor(g.copy())
    torch.nn.utils.clip_grad_norm_([p], 3.0)
    np.testing.assert_allclose(R.ClipNorm(3.0).apply(None, None, g)[1], p.grad.numpy(), rtol=1e-5)
    p.grad = torch.tensor(g.copy())
    torch.nn.utils.clip_grad_value_([p], 1.5)
    np.testing.assert_allclose(R.ClipGrad(1.5).apply(None, None, g)[1], p.grad.numpy())


def test_a_subclass_that_overrides_apply_is_updated_by_its_apply():
    """A built-in's update (in place, scratch) must not bypass a subclass's own apply."""

    @dataclass(frozen=True)
    class FrozenAdam(R.Adam):
        def apply(self, state, x, dx):
            return super().apply(state, x, dx * 0.0)

    rule, x = FrozenAdam(lr=0.1), np.ones(3)
    rule.update(rule.init(x), x, np.ones(3))
    np.testing.assert_array_equal(x, [1.0, 1.0, 1.0])


@pytest.mark.parametrize("rule", [R.Adam(0.1), R.RMSProp(0.1)], ids=["Adam", "RMSProp"])
def test_apply_takes_a_broadcasting_gradient_and_zero_d_arrays(rule):
    x = np.zeros((3, 2), np.float32)
    _, step = rule.apply(rule.init(x), x, np.float32(2.0))  # dx broadcasts to x's shape
    assert step.shape == (3, 2)
    s = np.zeros((), np.float32)
    _, step = rule.apply(rule.init(s), s, np.ones((), np.float32))
    assert step.shape == ()
