"""Neural networks as models: seeds, the estimator contract, pipelines, evaluate, saving."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from sklearn.base import clone, is_classifier, is_regressor

import toolkit as tk
from toolkit.errors import NotTrainedError, UnknownNameError, UnsafeFileError
from toolkit.models import io
from toolkit.models.neural import SavedArchitecture


@pytest.fixture(scope="module")
def wine(wine_csv):
    table = pl.read_csv(wine_csv)
    return table.drop("cultivar"), table.get_column("cultivar")


def net(**params):
    defaults = {
        "builder": tk.MLP(hidden=(16,)),
        "epochs": 15,
        "optimiser": tk.Adam(0.01),
        "seed": 3,
    }
    return tk.NeuralNetworkClassifier(**{**defaults, **params})


def test_a_network_learns_wine_behind_a_standardizer(wine):
    X, y = wine
    mach = tk.fit(tk.machine(tk.Standardizer() >> net(), X, y))
    accuracy = (tk.predict(mach, X) == y.to_numpy()).mean()
    assert accuracy > 0.95
    proba = tk.predict_proba(mach, X)
    assert proba.columns == ["class_0", "class_1", "class_2"]
    np.testing.assert_allclose(proba.sum_horizontal().to_numpy(), 1.0, rtol=1e-6)


def test_the_same_seed_gives_the_same_predictions(wine):
    X, y = wine
    first = tk.predict_proba(tk.fit(tk.machine(tk.Standardizer() >> net(), X, y)), X)
    again = tk.predict_proba(tk.fit(tk.machine(tk.Standardizer() >> net(), X, y)), X)
    other = tk.predict_proba(tk.fit(tk.machine(tk.Standardizer() >> net(seed=4), X, y)), X)
    assert first.equals(again) and not first.equals(other)


def test_networks_follow_the_estimator_contract():
    model = net(epochs=5)
    assert is_classifier(model) and is_regressor(tk.NeuralNetworkRegressor())
    copy = clone(model)
    assert copy.get_params() == model.get_params() and copy is not model
    assert model.set_params(epochs=7).epochs == 7
    with pytest.raises(UnknownNameError, match="did you mean 'epochs'"):
        tk.NeuralNetworkClassifier(epoch=3)
    with pytest.raises(NotTrainedError, match="not fitted"):
        model.predict(np.zeros((1, 2)))


def test_a_machine_retrains_when_epochs_change(wine):
    X, y = wine
    mach = tk.fit(tk.machine(tk.Standardizer() >> net(epochs=2), X, y))
    assert tk.fit(mach).n_fits == 1
    mach.model.set_params(neuralnetworkclassifier__epochs=3)
    assert tk.fit(mach).n_fits == 2
    assert len(tk.report(mach)["classes"]) == 3


def test_a_regressor_fits_a_line_and_any_builder_works():
    X = np.linspace(-1, 1, 64)[:, None]
    y = 3 * X[:, 0] - 1
    builder = lambda n_out: tk.Chain(tk.Dense(out=8, activation="tanh"), tk.Dense(out=n_out))  # noqa: E731
    model = tk.NeuralNetworkRegressor(builder=builder, epochs=150, optimiser=tk.Adam(0.02), seed=0)
    mach = tk.fit(tk.machine(model, X, y))
    assert np.abs(tk.predict(mach, X) - y).mean() < 0.1
    assert len(tk.report(mach)["training_losses"]) == 150


def test_networks_evaluate_beside_sklearn_models(wine):
    X, y = wine
    models = {
        "net": tk.Standardizer() >> net(epochs=5),
        "tree": tk.load_model("DecisionTreeClassifier")(),
    }
    ev = tk.evaluate(
        models, X, y, resampling=tk.CV(nfolds=3, shuffle=True, seed=1), measures=["accuracy"]
    )
    assert "net" in repr(ev) and "tree" in repr(ev)


def test_a_network_machine_saves_as_safetensors_and_loads(wine, tmp_path):
    X, y = wine
    Xs = tk.Standardizer().fit_transform(X)
    mach = tk.fit(tk.machine(net(), Xs, y))
    path = tmp_path / "net.safetensors"
    io.save_machine(path, mach)
    assert path.read_bytes()[8:9] == b"{"  # a safetensors header, not a zip or pickle
    loaded = io.load_machine(path)
    assert tk.predict_proba(loaded, Xs).equals(tk.predict_proba(mach, Xs))
    assert loaded.model.get_params()["optimiser"] == tk.Adam(0.01)
    assert loaded.model.builder == tk.MLP(hidden=(16,))


def test_a_custom_builder_comes_back_as_its_architecture(tmp_path):
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20.0)
    builder = lambda n_out: tk.Chain(tk.Dense(out=4, activation="relu"), tk.Dense(out=n_out))  # noqa: E731
    mach = tk.fit(tk.machine(tk.NeuralNetworkRegressor(builder=builder, epochs=2), X, y))
    io.save_machine(tmp_path / "r.safetensors", mach)
    loaded = io.load_machine(tmp_path / "r.safetensors")
    assert isinstance(loaded.model.builder, SavedArchitecture)
    np.testing.assert_array_equal(tk.predict(loaded, X), tk.predict(mach, X))
    retrained = tk.fit(tk.machine(loaded.model, X, y))  # the architecture trains again
    assert tk.predict(retrained, X).shape == (20,)


def test_a_pipeline_ending_in_a_network_saves_through_skops(wine, tmp_path):
    X, y = wine
    mach = tk.fit(tk.machine(tk.Standardizer() >> net(epochs=3), X, y))
    io.save_machine(tmp_path / "pipe.skops", mach)
    loaded = io.load_machine(tmp_path / "pipe.skops")
    assert tk.predict_proba(loaded, X).equals(tk.predict_proba(mach, X))


def _tamper(path, key, value):
    from toolkit.nn import io as nnio

    tensors, meta = nnio.read(path)
    meta[key] = value
    nnio.write(path, tensors, meta)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("type", "os.system", "not a toolkit neural-network machine"),
        (
            "params",
            json.dumps({"builder": json.dumps({"type": "builtins.eval"})}),
            "unknown network builder",
        ),
    ],
)
def test_tampered_network_files_are_refused(tmp_path, key, value, message):
    mach = tk.fit(tk.machine(tk.NeuralNetworkRegressor(epochs=1), np.zeros((4, 2)), np.zeros(4)))
    path = tmp_path / "n.safetensors"
    io.save_machine(path, mach)
    _tamper(path, key, value)
    with pytest.raises(UnsafeFileError, match=message):
        io.load_machine(path)


def test_an_unknown_optimiser_rule_in_a_file_is_refused(tmp_path):
    mach = tk.fit(
        tk.machine(
            tk.NeuralNetworkRegressor(epochs=1, optimiser=tk.Adam()), np.zeros((4, 2)), np.zeros(4)
        )
    )
    path = tmp_path / "n.safetensors"
    io.save_machine(path, mach)
    params = json.loads(io.safetensors_metadata(path)["params"])
    params["optimiser"] = json.dumps({"type": "system", "fields": {}})
    _tamper(path, "params", json.dumps(params))
    with pytest.raises(UnsafeFileError, match="unknown optimiser rule 'system'"):
        io.load_machine(path)


def test_more_epochs_continue_training_with_the_same_result(wine):
    X, y = wine
    Xs = tk.Standardizer().fit_transform(X)
    mach = tk.fit(tk.machine(net(epochs=3), Xs, y))
    chain = mach.fitted_model.chain_
    mach.model.epochs = 6
    tk.fit(mach)
    assert mach.fitted_model.chain_ is chain and mach.n_fits == 2  # updated, not rebuilt
    assert len(tk.report(mach)["training_losses"]) == 6
    at_once = tk.fit(tk.machine(net(epochs=6), Xs, y))
    assert tk.predict_proba(mach, Xs).equals(tk.predict_proba(at_once, Xs))
    mach.model.epochs = 2  # fewer epochs cannot be undone: trains again
    tk.fit(mach)
    assert mach.fitted_model.chain_ is not chain and len(mach.fitted_model.history_) == 2


def test_a_network_takes_a_tables_columns_by_name_also_after_loading(wine, tmp_path):
    X, y = wine
    mach = tk.fit(tk.machine(net(epochs=2), X, y))
    shuffled = X.select(X.columns[::-1])
    expected = tk.predict_proba(mach, X)
    assert tk.predict_proba(mach, shuffled).equals(expected)
    with pytest.raises(tk.ToolkitError, match="column 'alcohol' was seen in fit but is missing"):
        tk.predict(mach, X.drop("alcohol"))
    tk.save(tmp_path / "net.safetensors", mach)
    loaded = tk.load(tmp_path / "net.safetensors")
    assert tk.predict_proba(loaded, shuffled).equals(expected)
