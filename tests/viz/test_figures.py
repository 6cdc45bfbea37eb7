"""The figures, checked by content: image panels and their titles, axis labels, the numbers
drawn in the confusion matrix, the worst items of top_losses."""

import numpy as np
import pytest

import toolkit as tk
from toolkit.viz.figures import per_item_loss


@pytest.fixture(scope="module")
def digits(digits_dir):
    return tk.ImageFolder(digits_dir, (8, 8), color="gray")


def _image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def _titles(fig):
    return [ax.get_title() for ax in _image_axes(fig)]


def test_show_batch_of_a_loader_shows_what_the_model_sees(digits):
    aug = tk.augment.Rotate(limit=30, p=1.0)
    loader = tk.DataLoader(digits, 8, shuffle=True, seed=3, transform=aug)
    x, y = next(iter(loader.iter_epoch(0)))
    fig = tk.show_batch(loader, n=6)
    axes = _image_axes(fig)
    assert len(axes) == 6 and loader.epoch == 0  # the epoch did not move on
    assert _titles(fig) == [digits.classes[k] for k in y[:6]]
    np.testing.assert_allclose(axes[0].images[0].get_array(), x[0, :, :, 0])  # augmented pixels


def test_show_batch_of_a_data_set(digits):
    fig = tk.show_batch(digits, n=4)
    assert _titles(fig) == [digits.classes[digits[i][1]] for i in range(4)]
    assert fig.axes[0].images[0].get_array().dtype == np.uint8


def test_preview_shows_the_image_and_each_draw(digits):
    image = digits[0][0]
    flip = tk.augment.HorizontalFlip(p=1.0)
    fig = tk.augment.preview(flip, image, n=3)
    assert _titles(fig) == ["original", "seed 0", "seed 1", "seed 2"]
    shown = _image_axes(fig)[1].images[0].get_array()
    np.testing.assert_array_equal(shown, image[:, ::-1, 0])


def test_plot_confusion_counts_and_normalises():
    t, p = [0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0]
    fig = tk.plot_confusion(t, p, classes=["a", "b", "c"])
    ax = fig.axes[0]
    cells = [t.get_text() for t in ax.texts]
    assert cells == ["1", "1", "0", "0", "1", "0", "1", "0", "2"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted", "true")
    norm = tk.plot_confusion(np.eye(3)[t], np.eye(3)[p], normalize=True)  # one-hot works too
    assert [t.get_text() for t in norm.axes[0].texts][6:] == ["0.33", "0.00", "0.67"]


def test_top_losses_shows_the_worst_items(digits):
    loader = tk.DataLoader(digits, 256)
    model = tk.Chain(tk.Flatten(), tk.Dense(out=10), seed=0)  # untrained: many mistakes
    fig = tk.top_losses(model, loader, n=4)
    x, y = next(iter(tk.DataLoader(digits, len(digits))))
    losses = per_item_loss(model(x), y)
    worst = np.argsort(-losses)[:4]
    assert [i for i, _ in fig.top_losses] == worst.tolist()
    predicted = model(x).argmax(1)
    assert _titles(fig) == [f"{y[i]} / {predicted[i]} / {losses[i]:.2f}" for i in worst]
    assert fig._suptitle.get_text() == "true / predicted / loss"


def test_per_item_loss_is_the_cross_entropy():
    logits = np.array([[2.0, 0.0], [0.0, 3.0]])
    expected = [float(tk.logitcrossentropy(logits[i:i + 1], np.array([1]))) for i in range(2)]
    np.testing.assert_allclose(per_item_loss(logits, [1, 1]), expected, rtol=1e-6)


def test_plot_history_and_lr_find():
    h = tk.History()
    for v in (1.0, 0.5, 0.3):
        h.record(loss=v, val_loss=v + 0.1, val_accuracy=1 - v)
    fig = h.plot()
    left, right = fig.axes
    assert [line.get_label() for line in left.lines] == ["loss", "val_loss"]
    assert [line.get_label() for line in right.lines] == ["val_accuracy"]
    np.testing.assert_array_equal(left.lines[1].get_ydata(), [1.1, 0.6, 0.4])
    from toolkit.nn.lr_find import LRFind

    lrs = list(np.logspace(-5, 0, 30))
    losses = list(np.r_[np.linspace(2, 0.5, 20), np.linspace(0.6, 3, 10)])
    fig = LRFind(lrs, losses).plot()
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "learning rate"
    assert [line.get_label().split()[0] for line in ax.lines[1:]] == ["valley", "steep"]


def test_a_figure_renders_headless_to_png(tmp_path):
    fig = tk.plot_confusion([0, 1], [1, 1])
    fig.savefig(tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_confusion_takes_class_names_with_classes():
    fig = tk.plot_confusion(np.array(["b", "a"]), ["b", "b"], classes=["a", "b"])
    assert [t.get_text() for t in fig.axes[0].texts] == ["0", "1", "0", "1"]
