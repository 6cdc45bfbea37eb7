"""Executors: task order, BLAS pinned to one thread in every task, the names they go by."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import toolkit as tk
from toolkit.errors import ExecutorError, UnknownNameError
from toolkit.models.executors import JoblibExecutor, Sequential, as_executor, run_tasks


def blas_threads(_):
    from threadpoolctl import threadpool_info

    return sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})


@pytest.mark.parametrize("executor", [Sequential(), JoblibExecutor(2, "threading"),
                                      JoblibExecutor(2)], ids=repr)
def test_every_task_runs_with_one_blas_thread(executor):
    assert executor.map(blas_threads, [(k,) for k in range(3)]) == [[1]] * 3


def test_a_neural_network_evaluates_to_the_same_bits_in_processes(wine_csv):
    table = pl.read_csv(wine_csv)
    X, y = table.drop("cultivar").to_numpy(), table.get_column("cultivar").to_numpy()
    net = tk.Standardizer() >> tk.NeuralNetworkClassifier(
        builder=tk.MLP(hidden=(32,)), epochs=5, optimiser=tk.Adam(0.01), seed=5)
    cv = tk.CV(nfolds=3, shuffle=True, seed=1)
    runs = [tk.evaluate(net, X, y, resampling=cv, measures=[tk.log_loss], executor=ex)
            for ex in (Sequential(), JoblibExecutor(2), "threads")]
    shown = [[np.asarray(v).tobytes() for v in e.per_fold] for e in runs]
    assert shown[0] == shown[1] == shown[2]


def test_a_failed_task_is_named_by_its_label():
    class Failing:
        def map(self, function, tasks):
            raise ExecutorError("run_fold task 1 of 2 raised ValueError: no rows", task=1)
    with pytest.raises(ExecutorError, match="^fold 2 of 2 of model 'Tree': run_fold task 1"):
        run_tasks(Failing(), pow, [(1, 1), (2, 2)], ["fold 1 of 2 of model 'Tree'",
                                                       "fold 2 of 2 of model 'Tree'"])


def test_executor_names():
    assert repr(as_executor(executor="ray://head:10001")) == "RayExecutor('ray://head:10001')"
    with pytest.raises(UnknownNameError, match="did you mean 'ray'"):
        as_executor(executor="rya")
