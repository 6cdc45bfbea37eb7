"""Neural networks as models: the model core (``toolkit.nn``) behind the estimator API.

``tk.NeuralNetworkClassifier`` and ``tk.NeuralNetworkRegressor`` hold
hyper-parameters only: a ``builder`` (``tk.MLP(hidden=(64, 32))``, or any function
``builder(n_out) -> tk.Chain``; the input size is inferred by the lazy ``Dense``
layers), ``epochs``, ``batch_size``, ``optimiser`` (a rule such as ``Adam(1e-3)``)
and ``seed``. Fitting builds the chain, seeds its weights and trains it with the
core's ``setup``/``train``, shuffling the rows of each epoch by ``(seed, epoch)``:
the same seed gives the same predictions. They work in machines, ``tk.evaluate``,
tuning and pipelines beside scikit-learn models, and save through the core's
safetensors files plus JSON (:func:`save_machine`).

>>> import toolkit as tk, numpy as np
>>> X = np.array([[0.0], [0.2], [0.8], [1.0]] * 8)
>>> y = np.array(["lo", "lo", "hi", "hi"] * 8)
>>> net = NeuralNetworkClassifier(builder=MLP(hidden=(8,)), epochs=40, optimiser=tk.Adam(0.05),
...                               seed=1)
>>> mach = tk.fit(tk.machine(net, X, y))
>>> tk.predict(mach, np.array([[0.1], [0.9]])).tolist(), list(tk.predict_proba(mach, X[:1]).columns)
(['lo', 'hi'], ['hi', 'lo'])
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from toolkit._seed import derive_int, generator
from toolkit.data.frames import column_names, is_table
from toolkit.errors import ModelNotTrainedError, UnsafeFileError
from toolkit.models import inputs
from toolkit.models.compose import Composable
from toolkit.models.machine import Machine
from toolkit.models.params import StrictParams
from toolkit.models.trust import FORMAT, trust
from toolkit.registry import check_keywords, register

MACHINE_VERSION = "1"


@trust
@dataclass(frozen=True)
class MLP:
    """``MLP(hidden=(64,), activation="relu")``: a builder of multi-layer perceptrons.

    ``MLP(...)(n_out)`` is ``Chain(Dense(out=h, activation) for h in hidden, Dense(out=n_out))``,
    the last layer without activation (logits for classifiers, values for regressors).

    >>> chain = MLP(hidden=(4,))(2)
    >>> chain[0], chain[1]
    (Dense(? => 4, relu), Dense(? => 2))
    """

    hidden: tuple = (64,)
    activation: str = "relu"

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))

    def __call__(self, n_out: int):
        from toolkit.nn.layers import Chain, Dense

        layers = [Dense(out=h, activation=self.activation) for h in self.hidden]
        return Chain(*layers, Dense(out=n_out))


@dataclass(frozen=True)
class SavedArchitecture:
    """``SavedArchitecture(structure)``: a builder giving back a saved chain's layers, untrained.

    What a loaded model holds when its builder was a function that cannot be saved:
    the architecture (the core's JSON structure), so the model can be trained again.
    """

    structure: str

    def __call__(self, n_out: int):
        from toolkit.nn import io as nnio

        return nnio.build(json.loads(self.structure))


def _rule_to_dict(rule) -> dict:
    return {"type": type(rule).__name__, "fields": asdict(rule)}


def _rule_from_dict(d: dict, where):
    from toolkit.nn import rules

    cls = getattr(rules, str(d.get("type")), None)
    if not (isinstance(cls, type) and issubclass(cls, rules.Rule)):
        raise UnsafeFileError(f"{where}: unknown optimiser rule {d.get('type')!r}")
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in d["fields"].items()}
    return cls(**fields)


def _builder_to_dict(builder, chain) -> dict:
    if isinstance(builder, MLP):
        return {"type": "MLP", "hidden": list(builder.hidden), "activation": builder.activation}
    from toolkit.nn import io as nnio

    structure = (
        builder.structure
        if isinstance(builder, SavedArchitecture)
        else json.dumps(nnio.structure(chain))
    )
    return {"type": "SavedArchitecture", "structure": structure}


def _builder_from_dict(d: dict, where):
    if d.get("type") == "MLP":
        return MLP(hidden=tuple(d["hidden"]), activation=str(d["activation"]))
    if d.get("type") == "SavedArchitecture":
        return SavedArchitecture(str(d["structure"]))
    raise UnsafeFileError(f"{where}: unknown network builder {d.get('type')!r}")


def _default_optimiser():
    from toolkit.nn.rules import Adam

    return Adam(1e-3)


@check_keywords
class NeuralNetworkModel(Composable, StrictParams, BaseEstimator):
    """Base of the neural-network models; see the module docstring."""

    _toolkit_neural = True
    _kind = ""

    def __init__(self, *, builder=MLP(), epochs=10, batch_size=32, optimiser=None, seed=0):
        self.builder, self.epochs, self.batch_size = builder, epochs, batch_size
        self.optimiser, self.seed = optimiser, seed

    def _matrix(self, X) -> np.ndarray:
        name = type(self).__name__
        return inputs.features(X, name, accepts=inputs.NUMERIC).astype(np.float32, copy=False)

    def fit(self, X, y):
        """``fit(X, y) -> self``: build the chain, seed it, train ``epochs`` epochs."""
        from toolkit.nn.layers.base import seed_layers
        from toolkit.nn.optimise import setup

        X = inputs.check_X(X, type(self).__name__, fitting=True)
        y = inputs.check_y(X, y, type(self).__name__)
        Xa = self._matrix(X)
        inputs.check_target(y, type(self).__name__, self._kind)
        targets, n_out = self._encode(y)
        chain = self.builder(n_out)
        seed_layers(chain, derive_int(self.seed, "weights"))
        chain(Xa[:1])  # the lazy layers learn their input sizes and draw their weights
        state = setup(self.optimiser or _default_optimiser(), chain)
        self.history_ = [self._epoch(chain, state, Xa, targets, e) for e in range(int(self.epochs))]
        self.chain_, self.n_features_in_, self.optimiser_state_ = chain, Xa.shape[1], state
        self.feature_names_in_ = np.asarray(column_names(X), dtype=object)
        self._fitted_on_table_ = is_table(X)
        return self

    def can_update(self, model) -> bool:
        """``can_update(model) -> bool``: whether ``model`` only asks for more epochs than this fit.

        Then :meth:`update` continues training instead of starting again (MLJ's
        ``update``); the result is identical to training all the epochs at once.
        """
        if type(model) is not type(self) or not hasattr(self, "optimiser_state_"):
            return False
        mine, theirs = self.get_params(deep=False), model.get_params(deep=False)
        same = all(mine[k] == theirs[k] for k in mine if k != "epochs")
        return same and int(theirs["epochs"]) >= int(mine["epochs"])

    def update(self, model, X, y):
        """``update(model, X, y) -> self``: train the extra epochs ``model`` asks for."""
        Xa = self._matrix(X)
        targets, _ = self._encode(y)
        start, self.epochs = int(self.epochs), model.epochs
        for epoch in range(start, int(self.epochs)):
            self.history_.append(
                self._epoch(self.chain_, self.optimiser_state_, Xa, targets, epoch)
            )
        return self

    def _epoch(self, chain, state, Xa, targets, epoch: int) -> float:
        from toolkit.nn.train import train

        order = generator(self.seed, "epoch", epoch).permutation(Xa.shape[0])
        size = int(self.batch_size)
        batches = [
            (Xa[order[i : i + size]], targets[order[i : i + size]])
            for i in range(0, len(order), size)
        ]
        history = train(self._loss, chain, batches, state, epochs=1, quiet=True)
        return float(history.loss[-1])

    def _outputs(self, X) -> np.ndarray:
        from toolkit.nn.layers.base import testmode

        if not hasattr(self, "chain_"):
            raise ModelNotTrainedError(
                f"this {type(self).__name__} is not fitted yet; "
                "call fit(X, y) (or tk.fit(mach)) first"
            )
        X = inputs.align_to_fit(self, inputs.check_X(X, type(self).__name__))
        return np.asarray(testmode(self.chain_)(self._matrix(X)))

    def fitted_params(self) -> dict:
        """``fitted_params() -> dict``: the trained chain and its arrays by path."""
        from toolkit.nn import io as nnio

        return {"chain": self.chain_, "arrays": nnio.arrays(self.chain_)}

    def report(self) -> dict:
        """``report() -> dict``: the mean training loss of each epoch."""
        return {"training_losses": list(self.history_)}

    def __getstate__(self) -> dict:
        # Saved (skops) and copied (joblib workers) as JSON and plain arrays; a builder
        # that is neither an MLP nor a saved architecture stays the object it is.
        state = dict(super().__getstate__())  # a copy: the object itself keeps its chain
        state.pop("optimiser_state_", None)  # only for continuing in this process
        if isinstance(self.builder, (MLP, SavedArchitecture)):
            state["builder"] = json.dumps(_builder_to_dict(self.builder, None))
        if self.optimiser is not None:
            state["optimiser"] = json.dumps(_rule_to_dict(self.optimiser))
        if "chain_" in state:  # the core's JSON structure and plain arrays, never Python objects
            from toolkit.nn import io as nnio

            chain = state.pop("chain_")
            state["chain_structure_"] = json.dumps(nnio.structure(chain))
            state["chain_arrays_"] = nnio.arrays(chain)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        where = type(self).__name__
        if isinstance(state.get("builder"), str):
            state["builder"] = _builder_from_dict(json.loads(state["builder"]), where)
        if isinstance(state.get("optimiser"), str):
            state["optimiser"] = _rule_from_dict(json.loads(state["optimiser"]), where)
        if "chain_structure_" in state:
            state["chain_"] = _chain_from(
                state.pop("chain_structure_"), state.pop("chain_arrays_"), where
            )
        super().__setstate__(state)


def _chain_from(structure: str, tensors: dict, where):
    from toolkit.nn import io as nnio

    return nnio.rebuild(structure, dict(tensors), where)


@register("models")
@trust
class NeuralNetworkClassifier(ClassifierMixin, NeuralNetworkModel):
    """``NeuralNetworkClassifier(*, builder=MLP(), epochs=10, batch_size=32, optimiser=None,
    seed=0)``.

    A classifier trained with the logit cross-entropy (``tk.logitcrossentropy``);
    ``optimiser`` None means ``Adam(1e-3)``. Labels keep their type, in the training
    class order; ``predict_proba`` is the softmax of the chain's outputs.

    >>> import numpy as np
    >>> X = np.array([[0.0, 0.1], [0.2, 0.0], [3.0, 3.1], [3.2, 2.9]] * 8, np.float32)
    >>> y = np.array(["low", "low", "high", "high"] * 8)
    >>> model = NeuralNetworkClassifier(epochs=30, batch_size=8, seed=1).fit(X, y)
    >>> model.predict(X[:4]).tolist()
    ['low', 'low', 'high', 'high']
    """

    model_traits = {"kind": "classifier", "inputs": inputs.NUMERIC, "missing": False,
                    "probabilistic": True}

    _kind = "classifier"

    def _encode(self, y):
        labels = inputs.labels(y)
        self.classes_ = np.asarray(inputs.training_classes(y))
        lookup = {c: i for i, c in enumerate(self.classes_.tolist())}
        return np.asarray([lookup[v] for v in labels.tolist()], dtype=np.int64), len(self.classes_)

    @staticmethod
    def _loss(model, x, y):
        from toolkit.nn.losses import logitcrossentropy

        return logitcrossentropy(model(x), y)

    def predict_proba(self, X) -> np.ndarray:
        """``predict_proba(X) -> (n_samples, n_classes) array``, columns in ``classes_`` order."""
        logits = self._outputs(X).astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """``predict(X) -> (n_samples,) labels``: the most probable class."""
        outputs = self._outputs(X)
        return self.classes_[np.argmax(outputs, axis=1)]


@register("models")
@trust
class NeuralNetworkRegressor(RegressorMixin, NeuralNetworkModel):
    """``NeuralNetworkRegressor(*, builder=MLP(), epochs=10, batch_size=32, optimiser=None,
    seed=0)``.

    A regressor trained with the mean squared error (``tk.mse``); a 2-D target
    ``(n_samples, n_targets)`` gives one output per target.

    >>> import numpy as np
    >>> X = np.linspace(0, 1, 32, dtype=np.float32)[:, None]
    >>> model = NeuralNetworkRegressor(epochs=5, batch_size=8, seed=1).fit(X, 2 * X[:, 0])
    >>> model.predict(X).shape
    (32,)
    """

    model_traits = {"kind": "regressor", "inputs": inputs.NUMERIC, "missing": False}

    _kind = "regressor"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # a 2-D target gives one output per column
        return tags

    def _encode(self, y):
        values = np.asarray(inputs.labels(y), dtype=np.float32)
        self.n_targets_ = 1 if values.ndim == 1 else values.shape[1]
        return values.reshape(len(values), -1), self.n_targets_

    @staticmethod
    def _loss(model, x, y):
        from toolkit.nn.losses import mse

        return mse(model(x), y)

    def predict(self, X) -> np.ndarray:
        """``predict(X) -> (n_samples,)`` (or ``(n_samples, n_targets)``) values."""
        out = self._outputs(X).astype(np.float64)
        return out[:, 0] if self.n_targets_ == 1 else out


_TYPES = {
    "NeuralNetworkClassifier": NeuralNetworkClassifier,
    "NeuralNetworkRegressor": NeuralNetworkRegressor,
}


def save_machine(path, mach: Machine) -> None:
    """``save_machine(path, mach)``: a neural-network machine as one safetensors file.

    The arrays are the chain's; the metadata (JSON) holds the model's class and
    hyper-parameters, the chain's structure, the classes and the training losses.
    """
    from toolkit.nn import io as nnio

    fitted = mach.fitted_model
    state = fitted.__getstate__()
    meta = {k: state[k] for k in ("optimiser", "epochs", "batch_size", "seed")}
    meta["builder"] = json.dumps(_builder_to_dict(fitted.builder, fitted.chain_))
    fitted_meta = {
        "classes": np.asarray(getattr(fitted, "classes_", [])).tolist(),
        "n_targets": getattr(fitted, "n_targets_", None),
        "n_features_in": int(fitted.n_features_in_),
        "feature_names": [str(n) for n in getattr(fitted, "feature_names_in_", [])],
        "on_table": bool(getattr(fitted, "_fitted_on_table_", False)),
        "history": list(fitted.history_),
    }
    metadata = {
        "format": FORMAT,
        "version": MACHINE_VERSION,
        "type": type(fitted).__name__,
        "params": json.dumps(meta),
        "fitted": json.dumps(fitted_meta),
        "structure": state["chain_structure_"],
        "n_fits": str(mach.n_fits),
    }
    nnio.write(path, state["chain_arrays_"], metadata)


def load_machine(path) -> Machine:
    """``load_machine(path) -> Machine``: the inverse of :func:`save_machine`; builds no code."""
    from toolkit.nn import io as nnio

    tensors, meta = nnio.read(path)
    if (
        meta.get("format") != FORMAT
        or meta.get("version") != MACHINE_VERSION
        or meta.get("type") not in _TYPES
    ):
        raise UnsafeFileError(f"{path}: not a toolkit neural-network machine file")
    try:
        return _machine_from_metadata(meta, tensors, path)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        if isinstance(error, UnsafeFileError):
            raise
        msg = f"{path}: damaged machine metadata ({type(error).__name__}: {error})"
        raise UnsafeFileError(msg) from None


def _machine_from_metadata(meta: dict, tensors: dict, path) -> Machine:
    from toolkit.nn import io as nnio

    params = nnio.parse_json(meta["params"], path, "the machine's parameters")
    fitted_meta = nnio.parse_json(meta["fitted"], path, "the machine's fitted state")
    model = _model_from(meta["type"], params, path)
    fitted = _model_from(meta["type"], params, path)
    fitted.chain_ = _chain_from(meta["structure"], tensors, path)
    fitted.n_features_in_, fitted.history_ = (
        int(fitted_meta["n_features_in"]),
        list(fitted_meta["history"]),
    )
    if fitted_meta.get("feature_names"):  # files written before names were kept have none
        fitted.feature_names_in_ = np.asarray(fitted_meta["feature_names"], dtype=object)
        fitted._fitted_on_table_ = bool(fitted_meta.get("on_table", False))
    if meta["type"] == "NeuralNetworkClassifier":
        fitted.classes_ = np.asarray(fitted_meta["classes"])
    else:
        fitted.n_targets_ = int(fitted_meta["n_targets"])
    return _loaded_machine(model, fitted, int(meta.get("n_fits", "1")))


def _model_from(type_name: str, params: dict, where):
    from toolkit.nn.io import parse_json

    builder = _builder_from_dict(parse_json(params["builder"], where, "the builder"), where)
    optimiser = (
        None
        if params["optimiser"] is None
        else _rule_from_dict(parse_json(params["optimiser"], where, "the optimiser"), where)
    )
    plain = {k: params[k] for k in ("epochs", "batch_size", "seed")}
    return _TYPES[type_name](builder=builder, optimiser=optimiser, **plain)


def _loaded_machine(model, fitted, n_fits: int) -> Machine:
    from toolkit.models.machine import fingerprint

    mach = Machine(model)
    mach.fitted_model, mach.n_fits, mach._trained_with = fitted, n_fits, fingerprint(model)
    return mach
