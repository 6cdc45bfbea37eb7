from toolkit.cli import main


def test_describe_image_folder_prints_summary_and_batch(digits_dir, capsys):
    assert main(["describe", str(digits_dir), "--image-size", "16", "16", "--color", "gray"]) == 0
    out = capsys.readouterr().out
    assert "1797 images in 10 classes" in out
    assert "x (64, 16, 16, 1) float32" in out and "y (64,) int64" in out


def test_describe_table_prints_schema(wine_csv, capsys):
    assert main(["describe", str(wine_csv), "--target", "cultivar"]) == 0
    out = capsys.readouterr().out
    assert "alcohol" in out and "Continuous" in out


def test_missing_path_is_reported(tmp_path, capsys):
    assert main(["describe", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_toolkit_errors_become_exit_status_1(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3,4\n")
    assert main(["describe", str(bad), "--target", "missing"]) == 1
    err = capsys.readouterr().err
    assert "missing" in err


def test_describe_tab_separated_table(tmp_path, capsys):
    tsv = tmp_path / "t.tsv"
    tsv.write_text("width\tlabel\n1.5\ta\n2.5\tb\n3.5\ta\n")
    assert main(["describe", str(tsv), "--target", "label"]) == 0
    assert "width" in capsys.readouterr().out


def test_cache_list_and_clean_an_image_folders_caches(digits_dir, tmp_path, capsys):
    import shutil

    import toolkit as tk

    root = tmp_path / "digits"
    shutil.copytree(digits_dir / "0", root / "0")
    for size in (8, 10):  # two image sizes: two caches
        ds = tk.ImageFolder(root, image_size=(size, size), color="gray", cache=True)
        ds.verify()
    assert main(["cache", "list", str(root)]) == 0
    out = capsys.readouterr().out
    assert "2 caches" in out and out.count("complete") == 2
    assert main(["cache", "clean", str(root), "--older-than", "1"]) == 0  # both just used
    assert "removed 0 caches" in capsys.readouterr().out
    assert main(["cache", "clean", str(root)]) == 0
    assert "removed 2 caches" in capsys.readouterr().out
    assert not list((root / ".toolkit-cache").glob("*.npy"))
# ---------------------------------------------------------------------------- pipelines

import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

import toolkit  # noqa: E402
from toolkit.cli import COMMANDS, parser  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_every_flag_has_help_and_shows_its_default(capsys):
    for name, (_help, arguments, _fn) in COMMANDS.items():
        for flags, options in arguments:
            assert options.get("help"), (name, flags)
    with pytest.raises(SystemExit):
        parser().parse_args(["describe", "--help"])
    out = capsys.readouterr().out
    assert "(default: 64)" in out and "(default: rgb)" in out


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"toolkit {toolkit.__version__}"


def test_python_dash_m_toolkit_runs_the_command():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "toolkit", "--version"], capture_output=True,
                          text=True, env=env, cwd=ROOT)
    assert done.returncode == 0 and done.stdout.startswith("toolkit ")


def test_describe_lists_the_skipped_files(tmp_path, capsys):
    import shutil

    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(2):
            shutil.copy(next((ROOT / "datasets" / "digits" / "0").iterdir()),
                        tmp_path / label / f"{i}.png")
    (tmp_path / "a" / "notes.txt").write_text("not an image")
    (tmp_path / "b" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    assert main(["describe", str(tmp_path), "--batch-size", "2"]) == 0
    out = capsys.readouterr().out
    assert "a/notes.txt:" in out and "b/broken.png:" in out


def test_validate_a_valid_pipeline(digits_dir, capsys):
    assert main(["validate", str(ROOT / "pipelines" / "digits-cnn.yaml")]) == 0
    assert "valid network pipeline" in capsys.readouterr().out


def test_validate_a_missing_file(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "no such pipeline file" in capsys.readouterr().err


def test_list_families_and_entries_with_their_parameters(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "layers" in out and "transforms" in out and "models" in out
    assert main(["list", "layers"]) == 0
    out = capsys.readouterr().out
    assert "Dense(in_=None, out=None, activation=None" in out
    assert main(["list", "layer"]) == 1
    assert "did you mean 'layers'?" in capsys.readouterr().err


def test_schema_is_json_schema_from_the_registries(tmp_path, capsys):
    assert main(["schema", "--out", str(tmp_path / "s.json")]) == 0
    schema = json.loads((tmp_path / "s.json").read_text())
    text = json.dumps(schema)
    assert schema["$schema"].startswith("https://json-schema.org/")
    for name in ("Dense", "Rotate", "RandomForestClassifier", "StratifiedCV", "accuracy", "Adam"):
        assert f'"{name}"' in text, name


def test_schema_accepts_the_examples(digits_dir):
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = json.loads(json.dumps(__import__("toolkit.pipeline.spec", fromlist=["x"]).schema(),
                                   default=str))
    for path in sorted((ROOT / "pipelines").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_models_matching_a_table(wine_csv, capsys):
    assert main(["models", "--matching", str(wine_csv), "--target", "cultivar"]) == 0
    out = capsys.readouterr().out
    assert "LogisticRegression" in out and "Ridge " not in out


def test_run_and_predict(wine_csv, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(ROOT / "pipelines" / "wine-forest.yaml"), "--out", str(out),
                 "--set", "evaluate.resampling.StratifiedCV.nfolds=3"]) == 0
    assert f"report: {out / 'report.html'}" in capsys.readouterr().out
    again = ["run", str(ROOT / "pipelines" / "wine-forest.yaml"), "--out", str(out)]
    assert main([*again, "--set", "evaluate.resampling.StratifiedCV.nfolds=3"]) == 0
    assert "nothing to do" in capsys.readouterr().out  # the same run, finished: up to date
    assert main(again) == 1  # another config: refused, naming the change
    assert "evaluate.resampling.StratifiedCV.nfolds: 3 then, 5 now" in capsys.readouterr().err
    assert main(["predict", str(out), str(wine_csv), "--out", str(tmp_path / "p.csv")]) == 0
    import polars as pl

    preds = pl.read_csv(tmp_path / "p.csv")
    assert preds.columns == ["item", "prediction", "p_class_0", "p_class_1", "p_class_2"]
    truth = pl.read_csv(wine_csv)["cultivar"]
    assert (preds["prediction"] == truth).mean() > 0.95


def test_unexpected_errors_are_one_line_and_debug_shows_the_traceback(monkeypatch, capsys):
    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setitem(COMMANDS, "boom", ("explode", (), broken))
    assert main(["boom"]) == 1
    err = capsys.readouterr().err
    assert "unexpected RuntimeError: boom" in err and "Traceback" not in err
    assert main(["--debug", "boom"]) == 1
    assert "Traceback" in capsys.readouterr().err
