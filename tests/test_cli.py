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
