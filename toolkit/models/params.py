"""Hyper-parameters stored as given, and unknown names refused listing the valid ones.

What every toolkit model type shares with scikit-learn's estimator contract: a
keyword ``__init__`` that stores its arguments, and ``set_params``; here both refuse
a name the model does not have, with a did-you-mean.

>>> from sklearn.base import BaseEstimator
>>> class Scaled(StrictParams, BaseEstimator):
...     @checked_init
...     def __init__(self, *, factor=1.0):
...         self.factor = factor
>>> Scaled(factor=2.0).set_params(factor=3.0).factor
3.0
>>> Scaled(facter=2.0)
Traceback (most recent call last):
...
toolkit.errors.UnknownNameError: Scaled: unknown keyword 'facter'; did you mean 'factor'? ...
"""

from __future__ import annotations

import functools
import inspect

from toolkit.registry import unknown_keyword


def refuse_unknown(model: str, given, valid) -> None:
    """Raise :class:`UnknownNameError` for hyper-parameter names ``model`` does not have."""
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise unknown_keyword(unknown[0], valid, model)


def checked_init(init):
    """Decorator for ``__init__``: unknown keyword arguments refused listing the valid ones."""
    valid = [n for n in inspect.signature(init).parameters if n != "self"]

    @functools.wraps(init)  # keeps the signature, which scikit-learn reads for get_params
    def __init__(self, *args, **kwargs):
        refuse_unknown(type(self).__name__, kwargs, valid)
        init(self, *args, **kwargs)

    return __init__


class StrictParams:
    """Mixin: ``set_params`` refuses unknown names, listing the valid ones."""

    def set_params(self, **params):
        """``set_params(**params) -> self``: change hyper-parameters; unknown names refused."""
        refuse_unknown(
            type(self).__name__, (k.split("__")[0] for k in params), self._get_param_names()
        )
        return super().set_params(**params)
