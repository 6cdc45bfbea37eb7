"""Every public name resolves and documents itself."""

import pytest

import toolkit as tk


@pytest.mark.parametrize("name", tk.__all__)
def test_public_name_has_docstring(name):
    obj = getattr(tk, name)
    doc = getattr(obj, "__doc__", None)
    assert doc and doc.strip(), f"tk.{name} has no docstring"
