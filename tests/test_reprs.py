"""Notebook reprs across the layers, parsed: each shows what it claims (a row per layer, an
<img> per panel, the schema's columns, the classes), stays well under a megabyte, and keeps
its plain-text repr as the fallback."""

from html.parser import HTMLParser

import numpy as np
import pytest

import toolkit as tk


class _Page(HTMLParser):
    """The tags of a page, the text of its table cells row by row, and its image sources."""

    def __init__(self, text: str):
        super().__init__()
        self.tags, self.rows, self.images, self._cell = [], [], [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _page(obj) -> _Page:
    text = obj._repr_html_()
    assert len(text) < 200_000, len(text)  # small: well under a megabyte
    assert repr(obj)  # the plain-text fallback
    return _Page(text)


@pytest.fixture(scope="module")
def digits(digits_dir):
    return tk.ImageFolder(digits_dir, (8, 8), color="gray")


def test_a_chain_shows_a_row_per_layer():
    model = tk.Chain(tk.Dense(4, 8, tk.relu), tk.Chain(tk.Dense(8, 8), tk.Dropout(0.1)),
                     tk.Dense(8, 2))
    page = _page(model)
    names = [row[0].strip() for row in page.rows[1:-1]]
    assert page.rows[0] == ["layer", "output", "parameters", "trainable"]
    assert names == ["Dense(4 => 8, relu)", "Chain", "Dense(8 => 8)", "Dropout(0.1)",
                     "Dense(8 => 2)"]
    assert page.rows[-1][0] == "total" and page.rows[-1][2] == "130"
    assert len(_page(tk.Dense(2, 3)).rows) == 3  # a single layer: header, itself, total


def test_a_loader_shows_its_next_batch_as_images(digits):
    loader = tk.DataLoader(digits, 12, shuffle=True, seed=1)
    page = _page(loader)
    assert len(page.images) == 12
    assert all(s.startswith("data:image/png;base64,") for s in page.images)
    _, y = next(iter(loader.iter_epoch(0)))
    text = loader._repr_html_()
    captions = [part.split("</figcaption>")[0] for part in text.split("<figcaption>")[1:]]
    assert captions == [digits.classes[k] for k in y] and loader.epoch == 0


def test_an_image_folder_shows_class_counts_and_a_sample_of_each(digits):
    page = _page(digits)
    counts = {row[0]: int(row[1]) for row in page.rows[1:len(digits.classes) + 1]}
    assert counts == dict(zip(digits.classes, np.bincount(digits.targets).tolist(), strict=True))
    assert len(page.images) == len(digits.classes)
    assert "0/0000.png" in digits._repr_html_()  # and the manifest's first rows


def test_a_table_shows_its_schema(wine_csv):
    table = tk.CSV(wine_csv, target="cultivar")
    page = _page(table)
    assert page.rows[0][:2] == ["column", "dtype"]
    assert [row[0] for row in page.rows[1:]] == table.schema()["column"].to_list()


def test_a_machine_shows_its_hyper_parameters():
    tree = tk.load_model("DecisionTreeClassifier")(max_depth=3)
    page = _page(tk.machine(tree, np.zeros((4, 2)), np.array([0, 1, 0, 1])))
    assert ["max_depth", "3"] in page.rows


def test_a_transform_shows_a_pattern_before_and_after():
    page = _page(tk.augment.HorizontalFlip(p=1.0) | tk.augment.Rotate(limit=20))
    assert len(page.images) == 5


def test_a_history_shows_curves_and_a_row_per_epoch():
    h = tk.History()
    for v in (1.0, 0.5):
        h.record(loss=v, val_loss=v + 0.1)
    page = _page(h)
    assert page.tags.count("polyline") == 2 and len(page.rows) == 3
    assert page.rows[0] == ["epoch", "loss", "val_loss"] and page.rows[2] == ["2", "0.5", "0.6"]
