"""tk.datasets.path: finds the bundled data sets from any working folder, materialises them
where none is found, and names the valid ones for a typo."""

import polars as pl
import pytest

import toolkit as tk


def test_found_from_any_working_folder(tmp_path, monkeypatch, digits_dir):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOOLKIT_DATA", raising=False)
    assert tk.datasets.path("digits") == digits_dir


def test_materialised_where_none_is_found(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_DATA", str(tmp_path / "data"))
    wine = tk.datasets.path("wine")
    assert wine == tmp_path / "data" / "wine.csv"
    frame = pl.read_csv(wine)
    assert frame.shape == (178, 14) and sorted(set(frame["cultivar"])) == [
        "class_0", "class_1", "class_2"]
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["wine.csv"]  # no leftovers
    assert tk.datasets.path("wine") == wine  # found the second time


def test_digits_materialised_as_an_image_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TOOLKIT_DATA", str(tmp_path))
    ds = tk.ImageFolder(tk.datasets.path("digits"), (8, 8), color="gray")
    assert len(ds) == 1797 and list(ds.classes) == [str(k) for k in range(10)]


def test_an_unknown_name_gets_a_suggestion():
    with pytest.raises(tk.errors.UnknownNameError, match="did you mean 'digits'"):
        tk.datasets.path("digit")
