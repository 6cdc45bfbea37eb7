"""`import toolkit` imports a layer only when one of its names is used.

What is imported is checked in fresh interpreters: in this process the test suite
has already imported every layer.
"""

import json
import subprocess
import sys
import types
from importlib import import_module

import pytest

import toolkit as tk

LAYERS = list(tk._EXPORTS)


def _imported_after(code: str) -> set[str]:
    """The toolkit layers and heavy dependencies in sys.modules once ``code`` has run."""
    watched = ["sklearn", "scipy", *(f"toolkit.{name}" for name in tk._SUBPACKAGES)]
    report = f"print(json.dumps([m for m in {watched!r} if m in sys.modules]))"
    probe = f"{code}\nimport json, sys\n{report}"
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(run.stdout.splitlines()[-1]))


def test_import_toolkit_imports_no_layer():
    assert _imported_after("import toolkit; dir(toolkit); toolkit.__all__") == {"toolkit.errors"}


def test_save_and_load_are_imported_on_first_use():
    assert "toolkit.io" in _imported_after("import toolkit as tk; tk.save")
    assert "toolkit.io" not in _imported_after("import toolkit as tk; tk.registry('layers')")


@pytest.mark.parametrize("layer", ["data", "augment"])
def test_a_lower_layer_imports_no_layer_above_it(layer):
    imported = _imported_after(f"import toolkit.{layer}")
    assert not imported & {"toolkit.nn", "toolkit.models", "toolkit.io", "sklearn"}


def test_image_folder_does_not_import_scikit_learn():
    imported = _imported_after("import toolkit as tk; tk.ImageFolder")
    assert "toolkit.data" in imported
    assert "sklearn" not in imported and "toolkit.models" not in imported


def test_a_models_name_imports_its_layer():
    assert {"toolkit.models", "sklearn"} <= _imported_after("from toolkit import evaluate")


@pytest.fixture
def image_folder(tmp_path):
    cv2 = pytest.importorskip("cv2")
    import numpy as np

    for label in ("cat", "dog"):
        (tmp_path / label).mkdir()
        for i in range(2):
            cv2.imwrite(str(tmp_path / label / f"{i}.png"), np.full((8, 8, 3), 40 * i, np.uint8))
    return tmp_path


def test_describe_image_folder_does_not_import_scikit_learn(image_folder):
    argv = ["describe", str(image_folder), "--image-size", "8", "8", "--batch-size", "2"]
    imported = _imported_after(f"from toolkit.cli import main; assert main({argv!r}) == 0")
    assert "sklearn" not in imported and "toolkit.models" not in imported


def test_describe_table_does_not_import_scikit_learn(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("width,label\n1.5,a\n2.5,b\n3.5,a\n")
    argv = ["describe", str(table), "--target", "label"]
    imported = _imported_after(f"from toolkit.cli import main; assert main({argv!r}) == 0")
    assert "sklearn" not in imported and "toolkit.models" not in imported


@pytest.mark.parametrize("layer", LAYERS)
def test_name_table_is_what_the_layer_exports(layer):
    module = import_module(f"toolkit.{layer}")
    assert module.__all__ == list(tk._EXPORTS[layer])
    public = {name: value for name, value in vars(module).items() if not name.startswith("_")}
    bound = {n for n, v in public.items() if not isinstance(v, types.ModuleType) or v is module}
    assert bound == set(module.__all__), "a public name the layer binds is missing from its table"


@pytest.mark.parametrize("layer", LAYERS)
def test_every_name_reaches_the_layers_object(layer):
    module = import_module(f"toolkit.{layer}")
    for name in module.__all__:
        assert getattr(tk, name) is getattr(module, name), f"tk.{name}"


def test_no_public_name_is_exported_by_two_layers():
    exported = [name for layer in LAYERS for name in import_module(f"toolkit.{layer}").__all__]
    assert len(exported) == len(set(exported))
    with pytest.raises(ImportError, match="toolkit.fit is exported by both toolkit.nn and"):
        tk._owners({**tk._EXPORTS, "nn": (*tk._EXPORTS["nn"], "fit")})


def test_public_surface():
    assert tk.__all__[:4] == ["augment", "ToolkitError", "save", "load"]
    assert set(tk.__all__) | set(tk._SUBPACKAGES) <= set(dir(tk))
    assert callable(tk.models) and tk.models.catalog.__name__ == "toolkit.models.catalog"
    assert tk.augment.HorizontalFlip is import_module("toolkit.augment").HorizontalFlip
    with pytest.raises(AttributeError, match="no attribute 'Rotate'"):
        tk.Rotate  # noqa: B018
