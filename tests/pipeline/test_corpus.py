"""A corpus of broken pipelines: each exits 2 naming the key path and the line, never a traceback.

Each case is a YAML text; the line marked ``# <-`` is the line the first message about
the case must name (``file:LINE:``), and ``where`` a key path it must name. ``DIGITS``,
``WINE`` and ``DIABETES`` stand for the bundled data sets.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.cli import main

ROOT = Path(__file__).resolve().parents[2]

CNN = """seed: 1
data:
  images: DIGITS
  image_size: [16, 16]
  color: gray
model:
  chain:
    - Conv: {kernel: [3, 3], out: 4, activation: relu}
    - Flatten
    - Dense: {out: 10}
train: {epochs: 1}
"""

WINE_P = """seed: 1
data: {table: WINE, target: cultivar}
model:
  pipeline:
    - Standardizer
    - RandomForestClassifier: {n_estimators: 10}
evaluate:
  resampling: {StratifiedCV: {nfolds: 3, shuffle: true}}
"""

TUNED = """data: {table: WINE, target: cultivar}
model: DecisionTreeClassifier
tune:
  strategy: {Grid: {resolution: 3}}
  ranges:
    DecisionTreeClassifier.max_depth: {lower: 1, upper: 4}
"""


def edit(base: str, old: str, new: str) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


CASES = {
    # --- typos at every depth
    "top-level key": (edit(CNN, "seed: 1", "sed: 1  # <-"), "sed"),
    "data key": (edit(CNN, "  color: gray", "  colour: gray  # <-"), "data.colour"),
    "split key": (edit(CNN, "  color: gray", "  color: gray\n  split: {validaton: 0.2}  # <-"),
                  "data.split.validaton"),
    "loader key": (CNN + "loader: {batchsize: 8}  # <-\n", "loader.batchsize"),
    "train key": (edit(CNN, "train: {epochs: 1}", "train: {epohcs: 1}  # <-"), "train.epohcs"),
    "evaluate key": (CNN + "evaluate: {measure: [accuracy]}  # <-\n", "evaluate.measure"),
    "model key": (edit(CNN, "  chain:", "  chian:  # <-"), "model.chian"),
    "layer name": (edit(CNN, "    - Flatten", "    - Flaten  # <-"), "model.chain[1]"),
    "layer parameter": (edit(CNN, "{out: 10}", "{ot: 10}  # <-"), "model.chain[2].Dense.ot"),
    "optimiser name": (edit(CNN, "train: {epochs: 1}",
                            "train:\n  optimiser: {Adma: {lr: 0.1}}  # <-"),
                       "train.optimiser"),
    "optimiser parameter": (edit(CNN, "train: {epochs: 1}",
                                 "train:\n  optimiser: {Adam: {lrr: 0.1}}  # <-"),
                            "train.optimiser.Adam.lrr"),
    "loss name": (edit(CNN, "train: {epochs: 1}", "train: {loss: logitcrossentropi}  # <-"),
                  "train.loss"),
    "measure name": (CNN + "evaluate: {measures: [acuracy]}  # <-\n", "evaluate.measures[0]"),
    "transform name": (CNN + "augment:\n  - Rotat: {limit: 10}  # <-\n", "augment[0]"),
    "transform parameter": (CNN + "augment:\n  - Rotate: {limt: 10}  # <-\n",
                            "augment[0].Rotate.limt"),
    "model name": (edit(WINE_P, "    - RandomForestClassifier: {n_estimators: 10}",
                        "    - RandomForestClasifier: {n_estimators: 10}  # <-"),
                   "model.pipeline[1]"),
    "model parameter": (edit(WINE_P, "{n_estimators: 10}", "{n_estimator: 10}  # <-"),
                        "model.pipeline[1].RandomForestClassifier.n_estimator"),
    "single model name": (edit(TUNED, "model: DecisionTreeClassifier",
                               "model: DecisionTreeClasifier  # <-"), "model"),
    "resampling name": (edit(WINE_P, "{StratifiedCV: {nfolds: 3, shuffle: true}}",
                             "{StratifedCV: {nfolds: 3}}  # <-"), "evaluate.resampling"),
    "resampling parameter": (edit(WINE_P, "{nfolds: 3, shuffle: true}}", "{nfold: 3}}  # <-"),
                             "evaluate.resampling.StratifiedCV.nfold"),
    "tune key": (edit(TUNED, "  strategy:", "  stratgy:  # <-"), "tune.stratgy"),
    "tune strategy name": (edit(TUNED, "{Grid: {resolution: 3}}", "{Grd: {resolution: 3}}  # <-"),
                           "tune.strategy"),
    "tune range owner": (edit(TUNED, "    DecisionTreeClassifier.max_depth",
                              "    Tree.max_depth"), "tune.ranges.Tree.max_depth"),
    "tune range without model": (edit(TUNED, "    DecisionTreeClassifier.max_depth",
                                      "    max_depth"), "tune.ranges.max_depth"),
    "tune range key": (edit(TUNED, "{lower: 1, upper: 4}", "{low: 1, upper: 4}  # <-"),
                       "tune.ranges.DecisionTreeClassifier.max_depth.low"),
    "tune range parameter": (edit(TUNED, "DecisionTreeClassifier.max_depth",
                                  "DecisionTreeClassifier.max_dept"),
                             "tune.ranges.DecisionTreeClassifier.max_dept"),
    # --- wrong types and values
    "seed text": (edit(CNN, "seed: 1", "seed: one  # <-"), "seed"),
    "seed negative": (edit(CNN, "seed: 1", "seed: -1  # <-"), "seed"),
    "epochs zero": (edit(CNN, "train: {epochs: 1}", "train: {epochs: 0}  # <-"), "train.epochs"),
    "epochs float": (edit(CNN, "train: {epochs: 1}", "train: {epochs: 2.5}  # <-"),
                     "train.epochs"),
    "batch size text": (CNN + "loader: {batch_size: big}  # <-\n", "loader.batch_size"),
    "image size one number": (edit(CNN, "[16, 16]", "[16]  # <-"), "data.image_size"),
    "image size scalar": (edit(CNN, "[16, 16]", "16  # <-"), "data.image_size"),
    "colour choice": (edit(CNN, "color: gray", "color: grey  # <-"), "data.color"),
    "validation share": (edit(CNN, "  color: gray",
                              "  color: gray\n  split: {validation: 1.5}  # <-"),
                         "data.split.validation"),
    "stratify text": (edit(CNN, "  color: gray", "  color: gray\n  split: {stratify: 'yes'}  # <-"),
                      "data.split.stratify"),
    "shuffle number": (CNN + "loader: {shuffle: 1}  # <-\n", "loader.shuffle"),
    "augment not a list": (CNN + "augment: Rotate  # <-\n", "augment"),
    "chain not a list": (edit(CNN, "  chain:\n", "  chain: Dense  # <-\n  junk:\n"),
                         "model.chain"),
    "chain empty": (edit(CNN, "  chain:\n", "  chain: []  # <-\n  junk:\n"), "model.chain"),
    "data a list": (edit(CNN, "data:\n", "data: [1, 2]  # <-\nold:\n"), "data"),
    "train a number": (edit(CNN, "train: {epochs: 1}", "train: 5  # <-"), "train"),
    "measures not a list": (CNN + "evaluate: {measures: accuracy}  # <-\n", "evaluate.measures"),
    "top level a list": ("- seed: 1  # <-\n", "(top)"),
    "range values empty": (edit(TUNED, "{lower: 1, upper: 4}", "{values: []}  # <-"),
                           "tune.ranges.DecisionTreeClassifier.max_depth.values"),
    # --- missing sections and files
    "no data": ("seed: 1  # <-\nmodel: Ridge\n", "data"),
    "no model": ("seed: 1  # <-\ndata: {table: WINE, target: cultivar}\n", "model"),
    "table without target": ("data: {table: WINE}  # <-\nmodel: Ridge\n", "data.target"),
    "missing folder": (edit(CNN, "images: DIGITS", "images: no/such/folder  # <-"),
                       "data.images"),
    "missing table": (edit(WINE_P, "table: WINE, target: cultivar}",
                           "table: nope.csv, target: cultivar}  # <-"), "data.table"),
    "target not in table": (edit(WINE_P, "target: cultivar}", "target: cultivr}  # <-"),
                            "data.target"),
    "images is a file": (edit(CNN, "images: DIGITS", "images: WINE  # <-"), "data.images"),
    # --- keys of the other kind of pipeline
    "train on a classical model": (WINE_P + "train: {epochs: 3}  # <-\n", "train"),
    "tune on a network": (CNN + "tune: {ranges: {}}  # <-\n", "tune"),
    "images and table": (edit(WINE_P, "data: {table: WINE, target: cultivar}",
                              "data: {table: WINE, target: cultivar, images: DIGITS}  # <-"),
                         "data.images"),
    "classical model on images": (edit(CNN, "  chain:\n    - Conv: {kernel: [3, 3], out: 4, "
                                       "activation: relu}\n    - Flatten\n    - Dense: {out: 10}",
                                       "  pipeline: [Standardizer, LogisticRegression]")
                                  .replace("train: {epochs: 1}\n", "")
                                  .replace("  image_size: [16, 16]\n  color: gray\n", "")
                                  .replace("model:", "model:  # <-"), "model"),
    # --- YAML itself
    "syntax error": ("seed: 1\nmodel: [Ridge\ndata: {table: WINE, target: cultivar}  # <-\n",
                     "(yaml)"),
    "bad indentation": ("seed: 1\ndata:\n  table: WINE\n target: cultivar  # <-\n", "(yaml)"),
    "tab": ("seed: 1\ndata:\n\ttable: WINE  # <-\nmodel: Ridge\n", "(yaml)"),
    "duplicate key": ("seed: 1\nseed: 2  # <-\ndata: {table: WINE, target: cultivar}\n"
                      "model: Ridge\n", "seed"),
    "duplicate nested key": (edit(CNN, "  color: gray", "  color: gray\n  color: rgb  # <-"),
                             "data.color"),
    "python tag": ("seed: !!python/object/apply:os.system ['true']  # <-\n", "seed"),
    "custom tag": ("seed: 1\nmodel: !model Ridge  # <-\n", "model"),
    "str tag": ("seed: !!str 1  # <-\n", "seed"),
    "merge key": ("base: &b {seed: 1}\n<<: *b  # <-\n", "(top)"),
    "alias bomb": ("a: &a [x, x, x, x, x, x, x, x, x, x]  # <-\n"
                   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                   "f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n", "(yaml)"),
    # --- shapes, found by the dry run
    "last layer too narrow": (edit(CNN, "Dense: {out: 10}", "Dense: {out: 7}  # <-"),
                              "model.chain[2].Dense"),
    "conv after flatten": (edit(CNN, "    - Dense: {out: 10}",
                                "    - Conv: {kernel: [3, 3], out: 4}  # <-\n"
                                "    - Dense: {out: 10}"), "model.chain[2].Conv"),
}


def _write(tmp_path: Path, text: str, datasets) -> Path:
    digits, wine = datasets
    text = text.replace("DIGITS", str(digits)).replace("WINE", str(wine))
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def datasets(digits_dir, wine_csv):
    return digits_dir, wine_csv


def test_the_corpus_is_large():
    assert len(CASES) >= 50


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_config_exits_2_naming_the_key_path_and_line(name, tmp_path, datasets, capsys):
    text, where = CASES[name]
    path = _write(tmp_path, text, datasets)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [i + 1 for i, line in enumerate(path.read_text().splitlines()) if "# <-" in line]
    first = err.splitlines()[0]
    assert f"{path}:" in first and f": {where}:" in err, err
    if lines:
        assert re.match(rf"{re.escape(str(path))}:{lines[0]}:\d+: ", first), err
    else:
        assert re.search(rf"{re.escape(str(path))}:\d+:\d+: {re.escape(where)}:", err), err


def test_all_problems_are_reported_at_once(tmp_path, datasets, capsys):
    text = edit(edit(CNN, "seed: 1", "sed: 1"), "{out: 10}", "{ot: 10}")
    text = edit(text, "train: {epochs: 1}", "train: {epochs: 0, loss: msee}")
    assert main(["validate", str(_write(tmp_path, text, datasets))]) == 2
    err = capsys.readouterr().err
    for where in ("sed", "model.chain[2].Dense.ot", "train.epochs", "train.loss"):
        assert f": {where}:" in err
    assert "4 problems" in err
    assert "did you mean 'seed'?" in err and "did you mean 'mse'?" in err


def test_a_typo_gets_a_did_you_mean_and_the_valid_choices(tmp_path, datasets, capsys):
    path = _write(tmp_path, edit(CNN, "train: {epochs: 1}", "train: {epohcs: 1}"), datasets)
    main(["validate", str(path)])
    err = capsys.readouterr().err
    assert "did you mean 'epochs'?" in err and "valid: callbacks, checkpoint_every, epochs" in err


def test_a_duplicate_key_names_both_lines(tmp_path, datasets, capsys):
    main(["validate", str(_write(tmp_path, CASES["duplicate key"][0], datasets))])
    assert "first given on line 1" in capsys.readouterr().err


def test_an_override_is_checked_like_the_file(tmp_path, datasets, capsys):
    path = _write(tmp_path, CNN, datasets)
    assert main(["validate", str(path), "--set", "train.epohcs=3", "--set",
                 "loader.batch_size=abc"]) == 2
    err = capsys.readouterr().err
    assert "--set train.epohcs=3: train.epohcs: unknown key; did you mean 'epochs'?" in err
    assert "--set loader.batch_size=abc: loader.batch_size: expected an integer" in err
    assert main(["validate", str(path), "--set", "train.epochs=!!python/name:os.system"]) == 2
    assert "tag" in capsys.readouterr().err


def test_a_valid_override_is_applied(tmp_path, datasets, capsys):
    path = _write(tmp_path, edit(CNN, "Dense: {out: 10}", "Dense: {out: 7}"), datasets)
    assert main(["validate", str(path), "--set", "model.chain[2].Dense.out=10"]) == 0


def test_no_traceback_in_a_real_process(tmp_path, datasets):
    path = _write(tmp_path, CASES["python tag"][0], datasets)
    done = subprocess.run([sys.executable, "-m", "toolkit", "validate", str(path)], cwd=ROOT,
                          capture_output=True, text=True, env=_env())
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "refused" in done.stderr


def _env() -> dict:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_a_schedule_is_never_ignored(tmp_path, datasets, capsys):
    import inspect

    import toolkit as tk

    @tk.register("schedules", name="doctest_constant")
    def constant(step, *, lr=0.1):
        return lr

    path = _write(tmp_path, edit(CNN, "train: {epochs: 1}",
                                 "train: {epochs: 1, schedule: doctest_constant}  # <-"), datasets)
    status = main(["validate", str(path)])
    if "schedule" in inspect.signature(tk.train).parameters:
        assert status == 0
    else:
        assert status == 2 and "train.schedule: tk.train in this build takes no schedule" in \
            capsys.readouterr().err
