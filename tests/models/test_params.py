"""Hyper-parameters stored as given; unknown names refused, in __init__ and set_params."""

from __future__ import annotations

import pytest
from sklearn.base import BaseEstimator, clone

from toolkit.errors import UnknownNameError
from toolkit.models.params import StrictParams, refuse_unknown
from toolkit.registry import check_keywords


@check_keywords
class Model(StrictParams, BaseEstimator):
    def __init__(self, depth=3, *, rate=0.1):
        self.depth, self.rate = depth, rate


def test_the_keyword_check_keeps_the_signature_scikit_learn_reads():
    model = Model(rate=0.5)
    assert model.get_params() == {"depth": 3, "rate": 0.5}
    assert clone(model).get_params() == model.get_params()
    assert Model(4).depth == 4  # positional arguments stay as the signature allows


def test_unknown_names_are_refused_with_a_did_you_mean():
    with pytest.raises(UnknownNameError, match="Model: unknown keyword 'rte'; did you mean 'rate'"):
        Model(rte=0.5)
    class Sub(Model):  # an inherited __init__ names the subclass
        pass

    with pytest.raises(UnknownNameError, match="Sub: unknown keyword 'rte'"):
        Sub(rte=0.5)
    with pytest.raises(UnknownNameError, match="'dept'.*'depth'"):
        Model().set_params(dept=2)
    assert Model().set_params(depth=7).depth == 7


def test_refuse_unknown_names_the_first_unknown_in_order():
    refuse_unknown("M", ["a"], ["a", "b"])
    with pytest.raises(UnknownNameError, match="unknown keyword 'c'"):
        refuse_unknown("M", ["d", "c"], ["a", "b"])
