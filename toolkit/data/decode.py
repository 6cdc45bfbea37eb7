"""Bytes to a fixed-size uint8 image: format sniffing, checks, cv2 decode, colour, resize.

``decode_image(buf, settings, name) -> uint8 (H, W, C)`` turns the raw bytes of
one file into the array a data set serves, following :class:`DecodeSettings`
(``image_size``, ``color``, crop / pad to keep the aspect ratio, interpolation).
Anything that is not a readable image raises :class:`~toolkit.errors.BadFileError`
naming ``name`` and the reason: empty, not an image, truncated, corrupt.

>>> import cv2, numpy as np
>>> ok, png = cv2.imencode(".png", np.full((40, 60), 128, np.uint8))
>>> image = decode_image(png.ravel(), DecodeSettings((8, 8), "rgb"), "grey.png")
>>> image.shape, image.dtype, image[0, 0].tolist()
((8, 8, 3), dtype('uint8'), [128, 128, 128])
>>> decode_image(png.ravel()[:50], DecodeSettings((8, 8)), "cut.png")
Traceback (most recent call last):
...
toolkit.errors.BadFileError: cut.png: truncated PNG: the file ends before its IEND chunk

Speed. A baseline or progressive JPEG going to ``rgb`` or ``gray`` is decoded
by libjpeg-turbo through simplejpeg, scaled in the DCT by the smallest of its
factors 1/8, 2/8, ..., 8/8 that keeps the image at least the size the resize
needs (``cv2.IMREAD_REDUCED_*`` offers only 1/2, 1/4 and 1/8, so it often
decodes twice the pixels or more and leaves a costlier resize), straight into RGB or
grey; what remains is shrunk by a bilinear step to the nearest whole multiple of
the target below it, then ``INTER_AREA`` by whole numbers. A JPEG that EXIF rotates,
that simplejpeg refuses (CMYK, a recoverable corruption) and every other format
go through ``cv2.imdecode`` (JPEGs at a 1/2, 1/4 or 1/8 reduction, their size
read from the SOF marker), with cv2's BGR converted after the resize, on the
small image. Both decoders release the GIL, so threads decode in parallel.

Threads inside cv2. This module never changes ``cv2.setNumThreads``: that
setting is process-wide, and changing it from a library would slow down the
user's own cv2 code. Per-image work here is small, and OpenCV's pthreads
pool runs a ``parallel_for_`` issued while the pool is busy in the calling
thread, so several Python threads decoding at once do not oversubscribe the
cores (measured with two loader threads on a busy 2-core machine: no consistent
difference between cv2's default, ``setNumThreads(1)`` and ``setNumThreads(0)``).
A user who wants cv2 single-threaded can call ``cv2.setNumThreads(1)`` themselves.

Colour. ``color="rgb"`` gives ``(H, W, 3)`` in RGB order, ``"gray"`` ``(H, W, 1)``,
``"rgba"`` ``(H, W, 4)`` (alpha 255 where the file has none). Grey, palette and
16-bit files convert (16-bit by keeping the high byte, as cv2 does); alpha is
dropped for ``rgb`` and ``gray``. EXIF orientation is applied (cv2's default)
except for ``rgba`` files with an alpha channel, which cv2 reads unrotated.
GIF files give their first frame (cv2's own GIF decoder, OpenCV 4.11 and later).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

try:  # libjpeg-turbo with DCT scaling at eighths; cv2 decodes everything without it
    import simplejpeg
except ImportError:  # pragma: no cover - a core dependency, but the cv2 path is complete
    simplejpeg = None

from toolkit.errors import BadFileError, DataError, did_you_mean

COLORS = {"rgb": 3, "gray": 1, "rgba": 4}
INTERPOLATIONS = {
    "area": cv2.INTER_AREA,
    "bilinear": cv2.INTER_LINEAR,
    "nearest": cv2.INTER_NEAREST,
    "bicubic": cv2.INTER_CUBIC,
    "lanczos": cv2.INTER_LANCZOS4,
}
_REDUCED = {
    "rgb": {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4,
            8: cv2.IMREAD_REDUCED_COLOR_8},
    "gray": {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
             4: cv2.IMREAD_REDUCED_GRAYSCALE_4, 8: cv2.IMREAD_REDUCED_GRAYSCALE_8},
}
# the decode path and its resize, in the cache key: another version gives other pixels
DECODER = "simplejpeg-eighths-2" if simplejpeg is not None else "cv2-2"
_IEND = b"IEND\xaeB`\x82"  # the end chunk's type and its fixed CRC
_APP1_OR_SOS = frozenset((0xE1, 0xDA))
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # start-of-frame markers carry the size


#: The most bytes one decoded uint8 image may take (a larger image_size is surely a mistake).
MAX_IMAGE_BYTES = 1 << 30


@dataclass(frozen=True)
class DecodeSettings:
    """``DecodeSettings(image_size=(H, W), color="rgb", crop=False, pad=False,
    interpolation="area")``.

    What every decoded image becomes. ``crop`` takes the largest centred region
    of the target's aspect ratio before resizing; ``pad`` fits the whole image
    inside and pads the rest with zeros (both keep the aspect ratio; asking for
    both is refused). ``interpolation="area"`` shrinks with ``INTER_AREA`` by whole numbers
    (after a bilinear step of less than 2 to a whole multiple of the target) and enlarges
    bilinearly; the other names use that cv2 filter both ways.

    >>> DecodeSettings(32, "gray").image_shape
    (32, 32, 1)
    >>> DecodeSettings((8, 8), "grey")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    toolkit.errors.DataError: color='grey' is unknown; did you mean 'gray'? Valid names: ...
    """

    image_size: tuple[int, int] | int = (256, 256)
    color: str = "rgb"
    crop: bool = False
    pad: bool = False
    interpolation: str = "area"

    def __post_init__(self):
        object.__setattr__(self, "image_size", _check_size(self.image_size))
        _check_name("color", self.color, COLORS)
        _check_name("interpolation", self.interpolation, INTERPOLATIONS)
        size = int(np.prod(self.image_shape, dtype=np.int64))
        if size > MAX_IMAGE_BYTES:
            msg = (f"image_size={self.image_size} needs {size / 2**30:.1f} GiB for one decoded "
                   f"{self.color} image ({4 * size / 2**30:.1f} GiB as float32); the limit is "
                   f"{MAX_IMAGE_BYTES / 2**30:.0f} GiB; give (height, width) in pixels, "
                   "e.g. (224, 224)")
            raise DataError(msg)
        if self.crop and self.pad:
            msg = ("crop_to_aspect_ratio=True and pad_to_aspect_ratio=True cannot both be set: "
                   "crop cuts the image to the target's shape, pad fills it out; choose one")
            raise DataError(msg)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, C)`` of every decoded image."""
        return (*self.image_size, COLORS[self.color])

    def as_dict(self) -> dict:
        """The settings as plain values (part of the decoded-image cache key, with the decoder,
        so that a cache filled by another decode path is not mixed with this one's pixels)."""
        return {"image_size": list(self.image_size), "color": self.color, "crop": bool(self.crop),
                "pad": bool(self.pad), "interpolation": self.interpolation, "decoder": DECODER}


def _check_size(size) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (size, size)
    ok = isinstance(size, (tuple, list)) and len(size) == 2 and all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in size)
    if not ok:
        msg = f"image_size must be (height, width), positive integers, got {size!r}; e.g. (64, 64)"
        raise DataError(msg)
    return int(size[0]), int(size[1])


def _check_name(what: str, value, valid) -> None:
    if value not in valid:
        raise DataError(f"{what}={value!r} is unknown; {did_you_mean(value, valid)}")


# --- what the bytes are -------------------------------------------------------------------------


def sniff(buf: np.ndarray) -> str | None:
    """``sniff(buf) -> "jpeg" | "png" | "gif" | "bmp" | "tiff" | "webp" | None`` from magic bytes.

    >>> sniff(np.frombuffer(b"GIF89a....", np.uint8)), sniff(np.frombuffer(b"hello", np.uint8))
    ('gif', None)
    """
    head = bytes(buf[:12])
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:2] == b"BM":
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def check_complete(buf: np.ndarray, fmt: str) -> str | None:
    """The reason ``buf`` is cut short, or ``None``; libjpeg alone would only warn on a cut JPEG.

    A JPEG must hold its end-of-image marker ``FFD9`` after its first scan
    (entropy-coded data never contains it, so a cut file has none; some cameras
    append data after it), a PNG its ``IEND`` chunk, a WebP the length its RIFF
    header declares.

    >>> check_complete(np.frombuffer(b"\\xff\\xd8\\xff\\xe0 data", np.uint8), "jpeg")
    'truncated JPEG: no end-of-image marker (FFD9)'
    """
    if fmt == "jpeg" and bytes(buf[-2:]) == b"\xff\xd9":  # the common case, in one step
        return None
    tail = bytes(buf[-1024:])
    if fmt == "jpeg" and b"\xff\xd9" not in tail and not _ends_after_scan(buf):
        return "truncated JPEG: no end-of-image marker (FFD9)"
    if fmt == "png" and b"IEND" not in tail[-64:] and bytes(buf).find(_IEND) < 0:
        return "truncated PNG: the file ends before its IEND chunk"
    if fmt == "webp" and int.from_bytes(bytes(buf[4:8]), "little") + 8 > buf.size:
        return "truncated WebP: shorter than its RIFF header says"
    return None


def jpeg_size(buf: np.ndarray) -> tuple[int, int] | None:
    """``jpeg_size(buf) -> (height, width)`` read from the SOF marker, or ``None`` if not found.

    >>> import cv2
    >>> ok, jpg = cv2.imencode(".jpg", np.zeros((30, 50, 3), np.uint8))
    >>> jpeg_size(jpg.ravel())
    (30, 50)
    """
    i = _find_marker(buf, _SOF)
    if i is None or i + 9 > buf.size:
        return None
    data = memoryview(buf)
    return (data[i + 5] << 8) | data[i + 6], (data[i + 7] << 8) | data[i + 8]


def _ends_after_scan(buf: np.ndarray) -> bool:
    """Whether an ``FFD9`` follows the first top-level start-of-scan (slow path: trailing data)."""
    sos = _find_marker(buf, {0xDA})
    return sos is not None and bytes(buf[sos:]).find(b"\xff\xd9") >= 0


def _indexable(buf: np.ndarray):
    """The bytes behind ``buf`` when a file read gave them whole (indexing ``bytes`` costs less
    than a memoryview: this walk runs once per image, under the GIL), else a memoryview."""
    raw = buf.base
    return raw if type(raw) is bytes and len(raw) == buf.size else memoryview(buf)


def _find_marker(buf: np.ndarray, wanted, start: int = 2) -> int | None:
    """Offset of the first top-level JPEG marker in ``wanted`` from ``start``, walking segment
    lengths (so an EXIF thumbnail's markers are skipped), or ``None``."""
    data, i, n = _indexable(buf), start, buf.size
    while i + 4 <= n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
        elif marker in wanted:
            return i
        elif marker == 0xD8 or 0xD0 <= marker <= 0xD7:  # markers without a length
            i += 2
        else:
            i += 2 + ((data[i + 2] << 8) | data[i + 3])
    return None


# --- decoding -----------------------------------------------------------------------------------


def decode_image(buf: np.ndarray, settings: DecodeSettings, name: str = "<bytes>",
                 out: np.ndarray | None = None) -> np.ndarray:
    """``decode_image(buf, settings, name, out=None) -> uint8 (H, W, C)``; bad bytes raise
    BadFileError. ``out`` (uint8, C-contiguous, ``settings.image_shape``) receives the image
    and is returned: the last resize writes there, saving a copy per image."""
    if buf.size == 0:
        raise BadFileError(name, "empty file (0 bytes)")
    fmt = sniff(buf)
    if fmt is None:
        start = bytes(buf[:8])
        msg = f"not an image: the content is not JPEG, PNG, GIF, BMP, TIFF, WebP (starts {start!r})"
        raise BadFileError(name, msg)
    problem = check_complete(buf, fmt)
    if problem:
        raise BadFileError(name, problem)
    image = _decode_scaled(buf, settings) if fmt == "jpeg" else None
    if image is not None:
        return _fit(image, settings, False, out)
    return _fit(_decode(buf, fmt, settings, name), settings, True, out)


def _decode_scaled(buf: np.ndarray, s: DecodeSettings) -> np.ndarray | None:
    """A JPEG through libjpeg-turbo at the smallest eighth that leaves the resize enough pixels,
    in RGB or grey; ``None`` where cv2 must decode it (EXIF rotation, CMYK, corruption)."""
    if simplejpeg is None or s.color == "rgba" or _exif_rotates(buf):
        return None
    H, W = s.image_size
    if s.pad:  # fitting inside: only the binding side must keep its pixels
        size = jpeg_size(buf)
        if size is None:
            return None
        H, W = (H, 0) if H / size[0] <= W / size[1] else (0, W)
    try:
        return simplejpeg.decode_jpeg(buf, colorspace="GRAY" if s.color == "gray" else "RGB",
                                      min_height=H, min_width=W)
    except ValueError:  # cv2 decodes what it can and names what it cannot
        return None


def _exif_rotates(buf: np.ndarray) -> bool:
    """Whether an EXIF orientation other than 1 is present (cv2 applies it, simplejpeg not)."""
    i = _find_marker(buf, _APP1_OR_SOS)
    while i is not None and buf[i + 1] == 0xE1:
        end = i + 2 + ((int(buf[i + 2]) << 8) | int(buf[i + 3]))
        if bytes(buf[i + 4:i + 10]) == b"Exif\x00\x00":
            return _tiff_orientation(bytes(buf[i + 10:end])) not in (None, 1)
        i = _find_marker(buf, _APP1_OR_SOS, end)
    return False


def _tiff_orientation(tiff: bytes) -> int | None:
    """The Orientation tag (0x0112) of a TIFF header's first IFD, or ``None``."""
    order = {b"II": "little", b"MM": "big"}.get(tiff[:2])
    if order is None or len(tiff) < 8:
        return None
    num = lambda a, n: int.from_bytes(tiff[a:a + n], order)  # noqa: E731
    ifd = num(4, 4)
    for k in range(num(ifd, 2) if ifd + 2 <= len(tiff) else 0):
        entry = ifd + 2 + 12 * k
        if entry + 12 <= len(tiff) and num(entry, 2) == 0x0112:
            return num(entry + 8, 2)
    return None


def _decode(buf: np.ndarray, fmt: str, settings: DecodeSettings, name: str) -> np.ndarray:
    color = settings.color
    if color == "rgba" and fmt != "jpeg":
        flag = cv2.IMREAD_UNCHANGED
    else:
        factor = _reduction(buf, settings) if fmt == "jpeg" else 1
        flag = _REDUCED["gray" if color == "gray" else "rgb"][factor]
    try:
        image = cv2.imdecode(buf, flag)
    except cv2.error as e:
        if "CV_IO_MAX_IMAGE_PIXELS" in str(e):
            raise BadFileError(name, _too_many_pixels(buf, fmt)) from None
        raise BadFileError(name, f"corrupt {fmt.upper()}: {str(e).strip().splitlines()[-1]}") from e
    if image is None or image.size == 0:
        raise BadFileError(name, f"corrupt {fmt.upper()}: OpenCV could not decode it")
    if flag == cv2.IMREAD_UNCHANGED:
        image = _to_bgra(image, name)
    return image


def _too_many_pixels(buf: np.ndarray, fmt: str) -> str:
    size = ""
    if fmt == "png" and buf.size >= 24:  # IHDR: width and height, big-endian, at bytes 16-24
        w, h = (int.from_bytes(buf[i : i + 4].tobytes(), "big") for i in (16, 20))
        size = f" ({w} x {h} = {w * h:,} pixels)"
    return (f"too large to decode{size}: over OpenCV's limit of 2**30 pixels; to allow it, "
            "set the environment variable OPENCV_IO_MAX_IMAGE_PIXELS to a larger count before "
            "Python starts, or downscale the file")


def _reduction(buf: np.ndarray, settings: DecodeSettings) -> int:
    size = jpeg_size(buf)
    if size is None:
        return 1
    h, w = size
    # EXIF may rotate the image by 90 degrees after decoding: allow for either orientation
    room = min(_room(h, w, settings), _room(w, h, settings))
    return next((f for f in (8, 4, 2) if f <= room), 1)


def _room(h: int, w: int, s: DecodeSettings) -> float:
    """How many times the source may shrink before it gets smaller than what the resize needs."""
    H, W = s.image_size
    if s.pad:
        return max(h / H, w / W)
    if s.crop:
        ch, cw = min(h, w * H / W), min(w, h * W / H)
        return min(ch / H, cw / W)
    return min(h / H, w / W)


def _to_bgra(image: np.ndarray, name: str) -> np.ndarray:
    image = _to_uint8(image, name)
    if image.ndim == 2 or image.shape[2] == 1:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGRA)
    if image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    if image.shape[2] == 4:
        return image
    raise BadFileError(name, f"unsupported image with {image.shape[2]} channels")


def _to_uint8(image: np.ndarray, name: str) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        return (image >> 8).astype(np.uint8)
    if image.dtype.kind == "f":  # float TIFF/HDR: taken as [0, 1]
        return np.clip(image * 255.0 + 0.5, 0, 255).astype(np.uint8)
    raise BadFileError(name, f"unsupported pixel type {image.dtype}; save it as 8- or 16-bit")


# --- to the target size and colour --------------------------------------------------------------


def _fit(image: np.ndarray, s: DecodeSettings, bgr: bool,
         out: np.ndarray | None = None) -> np.ndarray:
    H, W = s.image_size
    if s.crop:
        image = _centre_crop(image, H / W)
    if s.pad:
        return _into(_pad_fit(image, s, bgr), out)
    if bgr and s.color != "gray":  # the colour conversion comes last, on the small image
        return _to_color(_resize(image, H, W, s.interpolation), s.color, bgr, out)
    return _resize(image.reshape(image.shape[:2]) if s.color == "gray" else image, H, W,
                   s.interpolation, out if out is None else out.reshape(H, W, COLORS[s.color]))


def _centre_crop(image: np.ndarray, aspect: float) -> np.ndarray:
    h, w = image.shape[:2]
    ch, cw = min(h, round(w * aspect)), min(w, round(h / aspect))
    top, left = (h - ch) // 2, (w - cw) // 2
    return image[top:top + max(ch, 1), left:left + max(cw, 1)]


def _pad_fit(image: np.ndarray, s: DecodeSettings, bgr: bool) -> np.ndarray:
    H, W = s.image_size
    h, w = image.shape[:2]
    scale = min(H / h, W / w)
    nh, nw = max(1, min(H, round(h * scale))), max(1, min(W, round(w * scale)))
    inner = _to_color(_resize(image, nh, nw, s.interpolation), s.color, bgr, None)
    out = np.zeros(s.image_shape, np.uint8)
    top, left = (H - nh) // 2, (W - nw) // 2
    out[top:top + nh, left:left + nw] = inner
    return out


def _resize(image: np.ndarray, H: int, W: int, interpolation: str,
            dst: np.ndarray | None = None) -> np.ndarray:
    """``image`` at ``(H, W)``, written into ``dst`` when given (and ``dst`` returned); a grey
    image comes back ``(H, W, 1)``."""
    h, w = image.shape[:2]
    if (h, w) == (H, W):
        return _into(image.reshape(H, W, -1), dst)
    if interpolation != "area":
        return _cv_resize(image, H, W, INTERPOLATIONS[interpolation], dst)
    if H > h or W > w:
        return _cv_resize(image, H, W, cv2.INTER_LINEAR, dst)
    # INTER_AREA is fast only for whole-number ratios (its general path costs four times
    # as much at these sizes): a bilinear step to the nearest whole multiple of the target
    # at or below the image (a shrink by less than 2, which bilinear samples without
    # skipping pixels), then INTER_AREA by whole numbers; within a grey level of a direct
    # INTER_AREA at under half its cost
    kh, kw = h // H, w // W
    if (kh, kw) == (1, 1):
        return _cv_resize(image, H, W, cv2.INTER_LINEAR, dst)
    if (h, w) != (kh * H, kw * W):
        image = cv2.resize(image, (kw * W, kh * H), interpolation=cv2.INTER_LINEAR)
    return _cv_resize(image, H, W, cv2.INTER_AREA, dst)


def _cv_resize(image: np.ndarray, H: int, W: int, flag: int, dst) -> np.ndarray:
    resized = cv2.resize(image, (W, H), dst=dst, interpolation=flag)
    return resized.reshape(H, W, -1) if dst is None else dst  # cv2 filled dst: no copy


def _into(image: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    if out is None:
        return image
    out[...] = image.reshape(out.shape)
    return out


def _to_color(image: np.ndarray, color: str, bgr: bool, out: np.ndarray | None) -> np.ndarray:
    if color == "gray" or not bgr:
        return _into(image.reshape(*image.shape[:2], COLORS[color]), out)
    if color == "rgb":
        code = cv2.COLOR_BGR2RGB
    else:
        code = cv2.COLOR_BGRA2RGBA if image.shape[2] == 4 else cv2.COLOR_BGR2RGBA
    converted = cv2.cvtColor(image, code, dst=out)
    return converted if out is None else out
