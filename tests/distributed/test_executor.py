"""RayExecutor on a local cluster: as sequential, data put once, faults, timeouts, hygiene.

Run alone: ``pytest -q -m ray -p no:xdist tests/distributed``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import polars as pl
import pytest

import toolkit as tk
from toolkit.distributed.executor import RayExecutor
from toolkit.errors import ExecutorError
from toolkit.models.executors import JoblibExecutor, Sequential, as_executor

from .conftest import ROOT, ray_children

pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def ray(ray_cluster):
    return ray_cluster


@pytest.fixture(scope="module")
def wine(wine_csv):
    table = pl.read_csv(wine_csv)
    return table.drop("cultivar").to_numpy(), table.get_column("cultivar").to_numpy()


def bits(evaluation) -> list[bytes]:
    """Every per-fold value of a one-model evaluation, as raw bytes (repr would round)."""
    return [np.asarray(values, np.float64).tobytes() for values in evaluation.per_fold]


def test_evaluate_on_ray_is_bit_identical_to_sequential(ray, wine):
    from sklearn.linear_model import LogisticRegression

    X, y = wine
    model = tk.Standardizer() >> LogisticRegression(max_iter=500)
    cv = tk.StratifiedCV(nfolds=4, shuffle=True, seed=2)
    here = tk.evaluate(model, X, y, resampling=cv, measures=[tk.log_loss, tk.accuracy])
    there = tk.evaluate(model, X, y, resampling=cv, measures=[tk.log_loss, tk.accuracy],
                        executor=RayExecutor())
    assert bits(here) == bits(there)  # every bit, in fold order
    again = tk.evaluate(model, X, y, resampling=cv, measures=[tk.log_loss, tk.accuracy],
                        executor="ray")
    assert bits(again) == bits(here)
    assert ray.is_initialized()  # the session's Ray was used, not replaced


def test_a_neural_network_evaluates_identically_on_every_executor(ray, wine):
    X, y = wine
    net = tk.Standardizer() >> tk.NeuralNetworkClassifier(
        builder=tk.MLP(hidden=(32,)), epochs=8, optimiser=tk.Adam(0.01), seed=5)
    cv = tk.CV(nfolds=3, shuffle=True, seed=1)
    runs = {name: tk.evaluate(net, X, y, resampling=cv, measures=[tk.log_loss], executor=ex)
            for name, ex in {"sequential": Sequential(), "processes": JoblibExecutor(2),
                             "ray": RayExecutor()}.items()}
    shown = {name: bits(e) for name, e in runs.items()}
    assert shown["sequential"] == shown["processes"] == shown["ray"]


def test_tuning_on_ray_picks_and_measures_as_sequential(ray, wine):
    from sklearn.tree import DecisionTreeClassifier

    X, y = wine
    tree = DecisionTreeClassifier(random_state=0)
    ranges = [tk.hp_range(tree, "max_depth", values=[1, 2, 3, 4])]
    cv = tk.CV(nfolds=3, shuffle=True, seed=4)

    def tuned(executor):
        m = tk.TunedModel(tree, range=ranges, resampling=cv, measure=tk.accuracy,
                          executor=executor)
        return m.fit(X, y)
    here, there = tuned(None), tuned(RayExecutor())
    assert here.history_.equals(there.history_)
    assert here.best_params_ == there.best_params_


def test_objects_shared_by_tasks_go_to_the_object_store_once(ray, monkeypatch):
    X, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    puts = []
    real = ray.put
    monkeypatch.setattr(ray, "put", lambda value: puts.append(type(value).__name__) or real(value))
    out = RayExecutor().map(_weighted, [(X, y, k) for k in range(5)])
    assert out == [_weighted(X, y, k) for k in range(5)]
    assert sorted(puts) == ["function", "ndarray", "ndarray"]  # the function, X, y: once each


def _weighted(X, y, k):
    return float(X.sum() * k + y.sum())


def _dies_once(marker: str, value: int) -> int:
    """Kills its own worker process the first time it runs for ``marker`` (as an OOM kill
    would), and returns ``value * 2`` when run again."""
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    return value * 2


def _always_dies(value):
    os._exit(1)


def _raises(folder: str, value):
    with open(os.path.join(folder, str(value)), "a") as f:
        f.write("x")
    if value == 2:
        raise ValueError("fold 2 has no rows of class 'b'")
    return value


def test_a_worker_killed_mid_task_is_retried_and_the_result_is_unchanged(ray, tmp_path):
    tasks = [(str(tmp_path / f"m{k}"), k) for k in range(3)]
    tasks[1] = (str(tmp_path / "killed"), 1)
    assert RayExecutor(max_retries=2).map(_dies_once, tasks) == [0, 2, 4]
    assert (tmp_path / "killed").exists()


def test_a_task_whose_worker_keeps_dying_fails_naming_it_after_its_tries(ray):
    with pytest.raises(ExecutorError, match=r"_always_dies task [01] of 2 failed after 2 tries: "
                                            r"WorkerCrashedError") as e:
        RayExecutor(max_retries=1).map(_always_dies, [(0,), (1,)])
    assert e.value.task in (0, 1)


def test_a_task_that_raises_is_named_with_its_cause_and_not_retried(ray, tmp_path):
    with pytest.raises(ExecutorError, match=r"_raises task 2 of 3 raised ValueError: fold 2 has "
                                            r"no rows of class 'b'") as err:
        RayExecutor(max_retries=3).map(_raises, [(str(tmp_path), k) for k in range(3)])
    assert err.value.task == 2 and isinstance(err.value.__cause__, ValueError)
    assert (tmp_path / "2").read_text() == "x"  # it ran once: an exception is not retried


def test_waiting_for_resources_the_cluster_lacks_times_out_saying_what_is_missing(ray):
    with pytest.raises(ExecutorError, match=r"each task asks for 64 CPU\(s\) and the cluster has "
                                            r"2 CPUs .*no node can run one"):
        RayExecutor(num_cpus=64, timeout=1.5).map(_weighted, [(1, 2, 3)])


def test_an_initialised_ray_is_used_and_left_running(ray):
    with RayExecutor() as ex:
        assert ex.map(pow, [(2, 5)]) == [32]
    assert ray.is_initialized()


def test_the_string_forms_name_ray(ray):
    assert as_executor(executor="ray") is as_executor(executor="ray")
    assert as_executor(executor="ray://head:10001").address == "ray://head:10001"


def test_every_ray_process_listens_on_127_0_0_1_only(ray):
    import psutil

    pids = {p.pid for p in ray_children()}
    listening = [c for c in psutil.net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN and c.pid in pids]
    assert len(listening) >= 3  # the GCS, the raylet, the object manager at least
    hosts = {c.laddr.ip for c in listening}
    assert hosts <= {"127.0.0.1", "::ffff:127.0.0.1"}, hosts


def test_a_ray_that_toolkit_starts_is_local_only_and_gone_after_close(tmp_path):
    # a fresh interpreter: toolkit starts its own local Ray, maps, closes; nothing is left
    script = textwrap.dedent("""
        import psutil, toolkit as tk
        me = psutil.Process()
        with tk.RayExecutor() as ex:
            assert ex.map(pow, [(3, 2), (2, 3)]) == [9, 8]
            kids = me.children(recursive=True)
            pids = {p.pid for p in kids}
            hosts = {c.laddr.ip for c in psutil.net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN and c.pid in pids}
        gone, alive = psutil.wait_procs(kids, timeout=15)
        import ray
        print(sorted(hosts), len(alive), ray.is_initialized())
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("RAY_ADDRESS", None)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         env=env, timeout=120, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    hosts, alive, initialised = run.stdout.strip().splitlines()[-1].rsplit(" ", 2)
    assert set(eval(hosts)) <= {"127.0.0.1", "::ffff:127.0.0.1"}
    assert (alive, initialised) == ("0", "False")


def _broken():
    from sklearn.base import BaseEstimator, ClassifierMixin

    class Broken(ClassifierMixin, BaseEstimator):
        """A classifier whose fit kills its worker: a fold that keeps failing."""

        def fit(self, X, y):
            os._exit(1)

        def predict(self, X):
            return np.zeros(len(X))
    return Broken()


def test_an_evaluation_whose_fold_keeps_failing_names_the_fold_and_cause(ray, wine):
    X, y = wine
    with pytest.raises(ExecutorError, match=r"fold [12] of 2 of model 'Broken': run_fold task "
                                            r"[01] of 2 failed after 1 tries: WorkerCrashed"):
        tk.evaluate(_broken(), X, y, resampling=tk.CV(nfolds=2), measures=[tk.accuracy],
                    executor=RayExecutor(max_retries=0))
