"""The error classes: what they derive from, for code written against scikit-learn."""

from __future__ import annotations

import pickle

import pytest
from sklearn.exceptions import NotFittedError

from toolkit import errors
from toolkit.errors import ModelNotTrainedError, NotTrainedError, ToolkitError


def test_not_trained_is_caught_as_scikit_learn_catches_not_fitted():
    assert issubclass(NotTrainedError, (ToolkitError, ValueError, AttributeError))
    assert issubclass(ModelNotTrainedError, NotTrainedError)
    assert issubclass(ModelNotTrainedError, NotFittedError)


def test_model_not_trained_is_one_class_that_pickles():
    assert errors.ModelNotTrainedError is ModelNotTrainedError
    error = pickle.loads(pickle.dumps(ModelNotTrainedError("fit first")))
    assert type(error) is ModelNotTrainedError and str(error) == "fit first"


def test_an_unknown_name_is_still_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        errors.Nope  # noqa: B018
