"""Property-based fuzzing of the CSV reader and the weights and machine loaders.

Every outcome is a toolkit error or a correct result, never a raw exception, a hang
or a crash. The loaders run their cases in a worker process (``_load_worker.py``),
so that a crash in compiled code fails the test, naming the case, instead of
killing the test run. Sizes are kept small: the three fuzzers take well under a
minute together.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import toolkit as tk
from toolkit.errors import ToolkitError

ROOT = Path(__file__).resolve().parents[2]
X = np.random.default_rng(0).normal(size=(40, 4)).astype(np.float32)
Y = np.where(X[:, 0] > 0, "a", "b")

# ---------------------------------------------------------------- the CSV reader

cells = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "NA", "?", "n/a", "x", "yes", '"q,uoted"', '"', "1e999", " 3 ", "é"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=4),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=5), min_size=0, max_size=12)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@example(header=[""], body=[["0", "0"], ["0"]], separator=",", junk=b"")  # an empty header
@given(
    header=st.lists(st.sampled_from(["a", "b", "c", "y", "a", ""]), min_size=1, max_size=5),
    body=rows,
    separator=st.sampled_from([",", ";"]),
    junk=st.binary(max_size=6),
)
@example(header=["a", "y"], body=[["1", "u"], ["?", "v"], ["3", "u"]], separator=",", junk=b"")
@example(header=["a", "a"], body=[["1", "2"]], separator=",", junk=b"")
@example(header=["a"], body=[["1;2"]], separator=",", junk=b"\xe9")
def test_any_csv_gives_a_table_or_a_toolkit_error(tmp_path, header, body, separator, junk):
    text = "\n".join(separator.join(r) for r in [header, *body]).encode("utf-8") + junk
    path = tmp_path / "fuzz.csv"
    path.write_bytes(text)
    for target in (None, "y"):
        try:
            table = tk.CSV(path, target=target, separator=separator)
        except ToolkitError:
            continue
        assert len(table) == table.frame.height
        table.schema()


# ---------------------------------------------------------------- the loaders, in a worker


@pytest.fixture(scope="module")
def worker():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("_load_worker.py"))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    yield process
    process.stdin.close()
    process.wait(timeout=30)
    process.stdout.close()


def _ask(worker, kind: str, path: Path) -> str:
    worker.stdin.write(f"{kind}\t{path}\n")
    worker.stdin.flush()
    answer = worker.stdout.readline().strip()
    assert answer, (
        f"the loader process died (exit {worker.poll()}) on {path}: a crash, not an error"
    )
    return answer


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    folder = tmp_path_factory.mktemp("originals")
    files = {
        "model": folder / "model.safetensors",
        "machine": folder / "tree.skops",
        "neural": folder / "neural.safetensors",
        "parquet": folder / "table.parquet",  # pages without checksums (polars writes none)
        "parquet-crc": folder / "table-crc.parquet",  # pages with CRC-32s
    }
    tk.save(files["model"], tk.Chain(tk.Dense(4, 8, tk.relu), tk.Dense(8, 2), seed=0))
    tree = tk.load_model("DecisionTreeClassifier")(max_depth=4, random_state=0)
    tk.save(files["machine"], tk.fit(tk.machine(tree, X, Y)))
    net = tk.load_model("NeuralNetworkClassifier")(epochs=1, seed=0)
    tk.save(files["neural"], tk.fit(tk.machine(net, X, Y)))
    table = pl.DataFrame({"a": X[:, 0], "b": np.arange(len(Y)), "y": [f"c{v}" for v in Y]})
    table.write_parquet(files["parquet"], compression="uncompressed")
    pq.write_table(table.to_arrow(), files["parquet-crc"], write_page_checksum=True)
    return {k: (p, p.read_bytes()) for k, p in files.items()}


damage = st.tuples(
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)), max_size=4),
    st.one_of(st.none(), st.floats(0, 1)),
)


def _damaged(data: bytes, flips, cut) -> bytes:
    out = bytearray(data)
    for where, mask in flips:
        out[int(where * len(out))] ^= mask
    return bytes(out if cut is None else out[: int(cut * len(out))])


@pytest.mark.parametrize("name", ["model", "machine", "neural", "parquet", "parquet-crc"])
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(change=damage)
@example(change=([], 0.5))
@example(change=([(0.0, 0xFF)], None))
def test_a_damaged_file_gives_a_toolkit_error_or_a_working_model(
    worker, originals, tmp_path, name, change
):
    source, data = originals[name]
    path = tmp_path / source.name
    path.write_bytes(_damaged(data, *change))
    kind = {"model": "model", "parquet": "parquet", "parquet-crc": "parquet"}.get(name, "machine")
    answer = _ask(worker, kind, path)
    assert answer == "ok" or answer.startswith("toolkit "), f"{change}: {answer}"
