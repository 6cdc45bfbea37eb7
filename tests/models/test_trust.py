"""The trust mark and the file-format constants: a leaf every savable model reads."""

import toolkit as tk
from toolkit.models import io
from toolkit.models.trust import FORMAT, VERSION, trust


def test_the_mark_is_per_class_and_read_by_the_allowlist():
    @trust
    class Mine:
        pass

    class Sub(Mine):
        pass

    assert vars(Mine)["_toolkit_trusted"] is Mine and "_toolkit_trusted" not in vars(Sub)
    assert io.trusted_type("toolkit.models.neural.NeuralNetworkClassifier")
    assert not io.trusted_type("toolkit.models.compose.TableTransformer")  # unmarked base


def test_saved_files_carry_the_format(tmp_path):
    mach = tk.fit(tk.machine(tk.load_model("Ridge")(), [[0.0], [1.0]], [0.0, 1.0]))
    path = tmp_path / "m.skops"
    io.save_machine(path, mach)
    import skops.io as sio

    payload = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    assert (payload["format"], payload["version"]) == (FORMAT, VERSION) == ("toolkit.machine", 1)
