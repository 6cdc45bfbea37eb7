"""Hyper-parameters stored as given, and unknown names refused listing the valid ones.

What every toolkit model type shares with scikit-learn's estimator contract: a
keyword ``__init__`` that stores its arguments, and ``set_params``; here both refuse
a name the model does not have, with a did-you-mean (``__init__`` through the
registry's one keyword check, :func:`toolkit.registry.check_keywords`).

>>> from sklearn.base import BaseEstimator
>>> from toolkit.registry import check_keywords
>>> @check_keywords
... class Scaled(StrictParams, BaseEstimator):
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

from toolkit.registry import unknown_keyword


def refuse_unknown(model: str, given, valid) -> None:
    """Raise :class:`UnknownNameError` for hyper-parameter names ``model`` does not have."""
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise unknown_keyword(unknown[0], valid, model)


class StrictParams:
    """Mixin: ``set_params`` refuses unknown names, listing the valid ones."""

    def set_params(self, **params):
        """``set_params(**params) -> self``: change hyper-parameters; unknown names refused."""
        refuse_unknown(
            type(self).__name__, (k.split("__")[0] for k in params), self._get_param_names()
        )
        return super().set_params(**params)
