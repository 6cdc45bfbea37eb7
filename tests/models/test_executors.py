"""Executors: folds run on threads or processes give what the sequential run gives; BLAS is
pinned to one thread in every task; failed tasks are named."""

import numpy as np
import polars as pl
import pytest
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier

import toolkit as tk
from toolkit.errors import DataError, ExecutorError, UnknownNameError
from toolkit.models.evaluate import evaluate
from toolkit.models.executors import JoblibExecutor, Sequential, as_executor, run_tasks
from toolkit.models.resampling import CV

WX, WY = load_wine(return_X_y=True)
FOREST = RandomForestClassifier(n_estimators=8, random_state=0)


@pytest.mark.parametrize("executor", ["threads", "processes"])
def test_parallel_equals_sequential(executor):
    kwargs = {"resampling": CV(nfolds=4, seed=1), "measures": [tk.accuracy, tk.log_loss]}
    sequential = evaluate(FOREST, WX, WY, **kwargs)
    parallel = evaluate(FOREST, WX, WY, workers=2, executor=executor, **kwargs)
    for a, b in zip(sequential.per_fold, parallel.per_fold, strict=True):
        np.testing.assert_array_equal(a, b)


def test_any_object_with_map_is_an_executor():
    calls = []

    class Recording(Sequential):
        def map(self, function, tasks):
            calls.append(len(tasks))
            return super().map(function, tasks)

    evaluate(FOREST, WX, WY, resampling=CV(nfolds=3), measures=tk.accuracy, executor=Recording())
    assert calls == [3]


def test_as_executor_picks_what_its_arguments_ask_for():
    assert isinstance(as_executor(), Sequential)
    assert isinstance(as_executor(4, "sequential"), Sequential)
    processes = as_executor(3)
    assert isinstance(processes, JoblibExecutor)
    assert (processes.workers, processes.backend) == (3, "loky")
    assert as_executor(-1, "threads").workers == -1
    mine = Sequential()
    assert as_executor(2, mine) is mine
    with pytest.raises(UnknownNameError, match="did you mean 'threads'"):
        as_executor(2, "thread")
    with pytest.raises(DataError, match="positive integer"):
        JoblibExecutor(workers=0)


def test_threads_keep_the_task_order():
    tasks = [(i, 3) for i in range(20)]
    threads = JoblibExecutor(workers=3, backend="threading")
    assert threads.map(divmod, tasks) == [divmod(*t) for t in tasks]
    assert np.array_equal(np.asarray(Sequential().map(pow, [(2, 3), (3, 2)])), [8, 9])
    assert tk.registry("executors").get("local") is Sequential


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
