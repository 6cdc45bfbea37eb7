"""HTML pieces for notebook reprs: tables, line charts as SVG, image grids as embedded PNG.

A leaf module that every layer may use for its ``_repr_html_`` (it imports nothing of
toolkit, and neither matplotlib: figures are ``toolkit.viz``'s job). Images are
encoded with OpenCV (a core dependency) and kept small.

>>> print(table(["layer", "params"], [["Dense(2 => 3)", "9"]]))
<table><tr><th>layer</th><th>params</th></tr><tr><td>Dense(2 =&gt; 3)</td><td>9</td></tr></table>
"""

from __future__ import annotations

import base64
import html
import math

import numpy as np

_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def escape(text) -> str:
    return html.escape(str(text))


def table(headers, rows, caption: str | None = None) -> str:
    """table(headers, rows, caption=None) -> an HTML table, every cell escaped."""
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{cap}<tr>{head}</tr>{body}</table>"


def label_name(label, classes=None) -> str:
    """label_name(label, classes=None) -> the class name of an index or a one-hot row.

    >>> label_name(2, ["a", "b", "c"]), label_name(np.array([0.0, 1.0])), label_name(7, ["a"])
    ('c', '1', '7')
    """
    label = np.asarray(label)
    index = int(label.argmax()) if label.ndim == 1 and label.size > 1 else int(label)
    return str(classes[index]) if classes is not None and 0 <= index < len(classes) else str(index)


def caption(obj) -> str:
    """caption(obj) -> the object's plain ``repr`` as a line of code, heading its HTML repr."""
    return f"<p><code>{escape(repr(obj))}</code></p>"


def png(image, scale: int = 1) -> str:
    """png(image, scale=1) -> an ``<img>`` of a uint8 or [0, 1] float (H, W[, C]) array.

    >>> png(np.zeros((2, 2), np.uint8)).startswith('<img src="data:image/png;base64,')
    True
    """
    import cv2

    pixels = to_uint8(image)
    if scale > 1:
        pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        pixels = pixels[..., ::-1]  # OpenCV writes BGR
    ok, data = cv2.imencode(".png", pixels)
    if not ok:  # cannot happen for a uint8 array of 1 or 3 channels
        raise ValueError(f"cannot encode an image of shape {pixels.shape} as PNG")
    encoded = base64.b64encode(data.tobytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{encoded}" style="image-rendering:pixelated"/>'


def to_uint8(image) -> np.ndarray:
    """to_uint8(image) -> uint8 pixels of a uint8 array or a float array in [0, 1]."""
    pixels = np.asarray(image.get() if hasattr(image, "get") else image)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    if pixels.dtype != np.uint8:
        pixels = np.clip(np.round(pixels.astype(np.float64) * 255), 0, 255).astype(np.uint8)
    return pixels


def image_grid(images, captions=(), size: int = 64) -> str:
    """image_grid(images, captions=(), size=64) -> a row of ``<figure>``s, one ``<img>`` each,
    every image enlarged (by whole pixels) to about ``size`` pixels.
    """
    cells = []
    for i, image in enumerate(images):
        height = max(1, np.shape(image)[0])
        caption = f"<figcaption>{escape(captions[i])}</figcaption>" if i < len(captions) else ""
        cells.append(f'<figure style="display:inline-block;margin:2px;text-align:center">'
                     f"{png(image, max(1, size // height))}{caption}</figure>")
    return f"<div>{''.join(cells)}</div>"


def line_chart(series: dict, xlabel: str = "epoch", width: int = 360, height: int = 180) -> str:
    """line_chart({name: values}, xlabel="epoch") -> an inline SVG with one polyline per series.

    >>> svg = line_chart({"loss": [3.0, 2.0, 1.5]})
    >>> svg.count("<polyline"), "loss" in svg
    (1, True)
    """
    finite = [v for values in series.values() for v in values if v is not None and math.isfinite(v)]
    n = max((len(v) for v in series.values()), default=0)
    if not finite or n == 0:
        return ""
    low, high = min(finite), max(finite)
    span, pad = (high - low) or 1.0, 30
    x = lambda i: pad + (width - 2 * pad) * (i / max(n - 1, 1))  # noqa: E731
    y = lambda v: height - pad - (height - 2 * pad) * (v - low) / span  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">',
             f'<text x="{width / 2}" y="{height - 5}" font-size="11">{escape(xlabel)}</text>',
             f'<text x="2" y="{pad - 12}" font-size="10">{high:.4g}</text>',
             f'<text x="2" y="{height - pad + 12}" font-size="10">{low:.4g}</text>']
    for k, (name, values) in enumerate(series.items()):
        colour = _COLOURS[k % len(_COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values)
                          if v is not None and math.isfinite(v))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                     f'points="{points}"/>')
        parts.append(f'<text x="{width - pad - 90}" y="{14 + 12 * k}" font-size="11" '
                     f'fill="{colour}">{escape(name)}</text>')
    return "".join(parts) + "</svg>"

