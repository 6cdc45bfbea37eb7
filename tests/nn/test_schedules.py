"""Learning-rate schedules: the same rates as torch.optim.lr_scheduler for the same settings,
stepped once per optimiser step; names and bad settings."""

import numpy as np
import pytest

import toolkit as tk
from toolkit.errors import HyperparameterError

TOTAL, BASE = 57, 0.05


def _torch_rates(make, total=TOTAL, base=BASE):
    torch = pytest.importorskip("torch")
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=base)
    sched = make(torch.optim.lr_scheduler, opt)
    rates = []
    for _ in range(total):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return rates


CASES = {
    "one-cycle cos": (tk.OneCycle(0.1),
                      lambda S, o: S.OneCycleLR(o, 0.1, total_steps=TOTAL, cycle_momentum=False)),
    "one-cycle linear, own settings": (
        tk.OneCycle(0.3, pct_start=0.25, div_factor=10, final_div_factor=100, anneal="linear"),
        lambda S, o: S.OneCycleLR(o, 0.3, total_steps=TOTAL, pct_start=0.25, div_factor=10,
                                  final_div_factor=100, anneal_strategy="linear",
                                  cycle_momentum=False)),
    "cosine": (tk.Cosine(), lambda S, o: S.CosineAnnealingLR(o, T_max=TOTAL)),
    "cosine to a floor": (tk.Cosine(min_lr=1e-3),
                          lambda S, o: S.CosineAnnealingLR(o, T_max=TOTAL, eta_min=1e-3)),
    "warm-up then cosine": (
        tk.CosineWarmup(10, start_factor=0.1, min_lr=1e-4),
        lambda S, o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=10),
                                        S.CosineAnnealingLR(o, T_max=TOTAL - 10, eta_min=1e-4)],
                                    milestones=[10])),
    "step": (tk.Step(7, gamma=0.5), lambda S, o: S.StepLR(o, step_size=7, gamma=0.5)),
    "exponential": (tk.Exponential(0.95), lambda S, o: S.ExponentialLR(o, gamma=0.95)),
}


@pytest.mark.torch
@pytest.mark.parametrize("case", list(CASES))
def test_rates_equal_torch(case):
    ours, theirs = CASES[case]
    np.testing.assert_allclose(ours.rates(TOTAL, BASE), _torch_rates(theirs), rtol=1e-9, atol=1e-12)


def test_warmup_as_a_fraction_of_the_run():
    assert tk.CosineWarmup(0.1).steps(200) == 20
    rates = tk.CosineWarmup(0.1, start_factor=0.5).rates(200, 1.0)
    assert rates[0] == 0.5 and rates[20] == 1.0 and np.all(np.diff(rates[:21]) > 0)


def test_schedules_are_registered_components():
    schedules = tk.registry("schedules")
    assert schedules.names() == ["Cosine", "CosineWarmup", "Exponential", "OneCycle", "Step"]
    assert schedules.build({"OneCycle": {"max_lr": 0.01}}) == tk.OneCycle(0.01)
    assert schedules.build("Cosine") == tk.Cosine()
    with pytest.raises(tk.errors.UnknownNameError, match="did you mean 'OneCycle'"):
        schedules.build({"OneCycl": {}})
    with pytest.raises(tk.errors.UnknownNameError, match="did you mean 'max_lr'"):
        schedules.build({"OneCycle": {"maxlr": 0.1}})
    for s in (tk.OneCycle(0.1, pct_start=0.2), tk.CosineWarmup(0.1), tk.Step(5, gamma=0.5)):
        assert schedules.build(schedules.to_config(s)) == s


@pytest.mark.parametrize("bad", [lambda: tk.OneCycle(-1.0), lambda: tk.OneCycle(0.1, pct_start=2),
                                 lambda: tk.OneCycle(0.1, anneal="exp"), lambda: tk.Step(0),
                                 lambda: tk.CosineWarmup(-3), lambda: tk.Exponential(0.0)])
def test_bad_settings_fail_in_the_constructor(bad):
    with pytest.raises(HyperparameterError):
        bad()
