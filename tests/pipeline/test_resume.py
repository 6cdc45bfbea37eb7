"""Resume: a run killed after its first checkpoint ends with the weights of an uninterrupted run;
a resume after the config, the data or toolkit changed is refused naming what changed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import toolkit as tk
from toolkit.cli import main
from toolkit.errors import RunFolderError
from toolkit.nn import io
from toolkit.pipeline import runfolder

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """seed: 3
data:
  images: {digits}
  image_size: [8, 8]
  color: gray
  split: {{validation: 0.2}}
augment:
  - Rotate: {{limit: 10, p: 0.5}}
loader: {{batch_size: 16}}
model:
  chain:
    - Flatten
    - Dense: {{out: 32, activation: relu}}
    - Dropout: {{p: 0.2}}
    - Dense: {{out: 10}}
train:
  epochs: 4
  optimiser: {{Adam: {{lr: 0.003}}}}
  checkpoint_every: 5
"""


@pytest.fixture()
def config(tmp_path, digits_dir) -> Path:
    path = tmp_path / "mlp.yaml"
    path.write_text(CONFIG.format(digits=digits_dir))
    return path


def _weights(folder: Path) -> dict:
    return io.arrays(tk.load(folder / "model.safetensors"))


def _kill_after_first_checkpoint(config: Path, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "toolkit", "run", str(config), "--out", str(out)]
    proc = subprocess.Popen(command,
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (out / runfolder.CHECKPOINT).exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no checkpoint within two minutes"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
        proc.stderr.close()


def test_a_killed_run_resumes_to_the_weights_of_an_uninterrupted_one(config, tmp_path):
    whole = tk.Pipeline.from_yaml(config).run(tmp_path / "whole", log=lambda text: None)
    killed = tmp_path / "killed"
    _kill_after_first_checkpoint(config, killed)
    info = json.loads((killed / "run.json").read_text())
    assert info["status"] == "running" and not (killed / "model.safetensors").exists()
    assert main(["run", str(config), "--out", str(killed)]) == 1  # taken: --resume needed
    assert main(["run", str(config), "--out", str(killed), "--resume"]) == 0
    a, b = _weights(whole.folder), _weights(killed)
    assert a.keys() == b.keys()
    for key in a:
        assert np.array_equal(a[key], b[key]), key
    assert json.loads((killed / "run.json").read_text())["status"] == "done"
    metrics = (killed / "metrics.csv").read_text().splitlines()
    assert [line.split(",")[0] for line in metrics[1:]] == ["1", "2", "3", "4"]


def test_a_resume_after_editing_the_config_is_refused(config, tmp_path, capsys):
    out = tmp_path / "run"
    _kill_after_first_checkpoint(config, out)
    config.write_text(config.read_text().replace("lr: 0.003", "lr: 0.01"))
    assert main(["run", str(config), "--out", str(out), "--resume"]) == 1
    err = capsys.readouterr().err
    assert "cannot resume" in err and "train.optimiser.Adam.lr: 0.003 then, 0.01 now" in err
    assert main(["run", str(config), "--out", str(out), "--resume", "--set",
                 "train.optimiser.Adam.lr=0.003", "--set", "train.epochs=5"]) == 1
    assert "train.epochs: 4 then, 5 now" in capsys.readouterr().err


def test_changes_name_the_data_and_toolkit_version():
    before = {"fingerprint": "aa", "versions": {"toolkit": "0.1.0"}}
    after = {"fingerprint": "bb", "versions": {"toolkit": "0.2.0"}}
    found = runfolder.changes(before, after, {"seed": 1}, {"seed": 1})
    assert found == ["the data changed (fingerprint aa then, bb now)",
                     "toolkit 0.1.0 then, 0.2.0 now"]


def test_the_fingerprint_follows_the_bytes(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("a,b\n1,2\n")
    first = runfolder.fingerprint(table)
    table.write_text("a,b\n1,3\n")
    assert runfolder.fingerprint(table) != first
    folder = tmp_path / "f"
    (folder / "x").mkdir(parents=True)
    (folder / "x" / "1.png").write_bytes(b"1")
    one = runfolder.fingerprint(folder)
    (folder / "x" / "1.png").rename(folder / "x" / "2.png")
    assert runfolder.fingerprint(folder) != one


def test_nothing_to_resume(config, tmp_path):
    with pytest.raises(RunFolderError, match="holds no run to resume"):
        tk.Pipeline.from_yaml(config).run(tmp_path / "empty", resume=True, log=lambda text: None)
