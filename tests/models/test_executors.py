"""Executors: folds run on threads or processes give what the sequential run gives."""

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier

import toolkit as tk
from toolkit.errors import DataError, UnknownNameError
from toolkit.models.evaluate import evaluate
from toolkit.models.executors import JoblibExecutor, Sequential, as_executor
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
