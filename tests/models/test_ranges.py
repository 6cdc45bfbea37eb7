"""Hyper-parameter ranges and search strategies: Grid, RandomSearch, LatinHypercube."""

import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import ParameterGrid
from sklearn.tree import DecisionTreeClassifier

from toolkit.errors import DataError, UnknownNameError
from toolkit.models.ranges import Grid, LatinHypercube, RandomSearch, as_ranges, hp_range

TREE = DecisionTreeClassifier(random_state=0)


def test_grid_order_is_parameter_grid_order():
    ranges = [
        hp_range(TREE, "min_samples_split", values=[2, 5]),
        hp_range(TREE, "max_depth", lower=1, upper=3),
    ]
    points = Grid(resolution=3).candidates(ranges)
    assert points == list(ParameterGrid({"min_samples_split": [2, 5], "max_depth": [1, 2, 3]}))


def test_random_search_and_latin_hypercube():
    ranges = [
        hp_range(Ridge(), "alpha", lower=1e-3, upper=1e3, scale="log"),
        hp_range(TREE, "max_depth", lower=1, upper=5),
    ]
    a = RandomSearch(n=20, seed=3).candidates(ranges)
    assert (
        a
        == RandomSearch(n=20, seed=3).candidates(ranges)
        != RandomSearch(n=20, seed=4).candidates(ranges)
    )
    assert all(
        1e-3 <= p["alpha"] <= 1e3 and type(p["max_depth"]) is int and 1 <= p["max_depth"] <= 5
        for p in a
    )
    assert {p["max_depth"] for p in a} == {1, 2, 3, 4, 5}
    unit = hp_range(Ridge(), "alpha", lower=0.0, upper=1.0)
    points = [p["alpha"] for p in LatinHypercube(n=10, seed=1).candidates([unit])]
    assert sorted(int(v * 10) for v in points) == list(range(10))  # one point per stratum


def test_ranges_are_checked():
    with pytest.raises(UnknownNameError, match="did you mean 'max_depth'"):
        hp_range(TREE, "max_dept", lower=1, upper=3)
    with pytest.raises(DataError, match="lower= and upper="):
        hp_range(TREE, "max_depth", lower=1)
    with pytest.raises(DataError, match="log scale"):
        hp_range(Ridge(), "alpha", lower=0.0, upper=1.0, scale="log")
    with pytest.raises(DataError, match="boolean"):
        hp_range(Ridge(), "fit_intercept", lower=0, upper=1)
    assert (
        hp_range(Ridge(), "alpha", lower=1, upper=3).integer is False
    )  # the default 1.0 is a float
    assert (
        hp_range(TREE, "max_depth", lower=1, upper=3).integer is True
    )  # default None: bounds decide


def test_a_grid_resolution_for_an_unknown_range_is_refused():
    r = hp_range(Ridge(), "alpha", lower=0.1, upper=10.0)
    assert len(Grid(resolution={"alpha": 3}).candidates([r])) == 3
    with pytest.raises(UnknownNameError, match="'alpah'.*alpha"):
        Grid(resolution={"alpah": 3}).candidates([r])


def test_a_range_of_a_model_type_uses_its_defaults():
    assert hp_range(DecisionTreeClassifier, "max_depth", lower=1, upper=3).integer
    assert not hp_range(Ridge, "alpha", lower=1, upper=3).integer


def test_as_ranges_takes_one_range_or_a_list_of_distinct_ones():
    r = hp_range(Ridge(), "alpha", lower=0.1, upper=1.0)
    assert as_ranges(r) == [r] and as_ranges([r]) == [r]
    with pytest.raises(DataError, match="one range only"):
        as_ranges([r, r])
    with pytest.raises(DataError, match="non-empty list"):
        as_ranges([])


def test_log_grids_are_geometric_and_nominal_values_are_kept():
    r = hp_range(Ridge(), "alpha", lower=1e-2, upper=1e2, scale="log")
    values = [p["alpha"] for p in Grid(resolution=5).candidates([r])]
    assert values == pytest.approx([1e-2, 1e-1, 1.0, 1e1, 1e2])
    solver = hp_range(Ridge(), "solver", values=["svd", "cholesky"])
    assert [p["solver"] for p in Grid().candidates([solver])] == ["svd", "cholesky"]
