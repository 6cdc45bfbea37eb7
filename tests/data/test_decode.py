"""toolkit.data.decode: formats, colour conversion, reduced JPEG decode, crop/pad, bad bytes."""

from __future__ import annotations

import concurrent.futures as cf
import struct
import zlib

import cv2
import numpy as np
import pytest

from toolkit.data.decode import (
    DecodeSettings,
    _reduction,
    check_complete,
    decode_image,
    jpeg_size,
    sniff,
)
from toolkit.errors import BadFileError, DataError

RED_BGR = (0, 0, 255)


def encode(ext: str, image: np.ndarray, *params) -> np.ndarray:
    ok, buf = cv2.imencode(ext, image, list(params))
    assert ok
    return buf.ravel()


def smooth(h: int, w: int, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).integers(0, 256, (h, w, 3)).astype(np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 6)


def palette_png(indices: np.ndarray, palette: list[tuple[int, int, int]]) -> np.ndarray:
    """A colour-type-3 (palette) PNG written by hand: cv2 cannot write one."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    h, w = indices.shape
    raw = b"".join(b"\x00" + bytes(row) for row in indices.astype(np.uint8))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
           + chunk(b"PLTE", bytes(v for rgb in palette for v in rgb))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return np.frombuffer(png, np.uint8)


# --- formats and colours ------------------------------------------------------------------------


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp", ".gif", ".tif", ".webp"])
def test_every_format_decodes_to_rgb_in_rgb_order(ext):
    image = np.zeros((20, 30, 3), np.uint8)
    image[:] = RED_BGR
    params = [cv2.IMWRITE_WEBP_QUALITY, 101] if ext == ".webp" else []
    out = decode_image(encode(ext, image, *params), DecodeSettings((10, 15)), "x" + ext)
    assert out.shape == (10, 15, 3) and out.dtype == np.uint8
    assert np.abs(out.astype(int) - [255, 0, 0]).max() <= 8  # red first: RGB, not cv2's BGR


def test_sniff_names_formats_by_content():
    assert sniff(encode(".png", np.zeros((2, 2), np.uint8))) == "png"
    assert sniff(encode(".jpg", np.zeros((2, 2), np.uint8))) == "jpeg"
    assert sniff(encode(".webp", np.zeros((2, 2, 3), np.uint8))) == "webp"
    assert sniff(encode(".tif", np.zeros((2, 2), np.uint8))) == "tiff"
    assert sniff(encode(".bmp", np.zeros((2, 2), np.uint8))) == "bmp"
    assert sniff(np.frombuffer(b"%PDF-1.4", np.uint8)) is None


def test_grey_file_to_rgb_and_rgba_repeats_the_grey():
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8) * 3
    buf = encode(".png", grey)
    rgb = decode_image(buf, DecodeSettings((8, 8), "rgb"))
    rgba = decode_image(buf, DecodeSettings((8, 8), "rgba"))
    assert (rgb == grey[..., None]).all()
    assert (rgba[..., :3] == grey[..., None]).all() and (rgba[..., 3] == 255).all()


def test_rgba_png_keeps_alpha_for_rgba_and_drops_it_for_rgb_and_gray():
    image = np.zeros((6, 6, 4), np.uint8)
    image[..., :3] = RED_BGR
    image[:3, :, 3] = 0
    image[3:, :, 3] = 255
    buf = encode(".png", image)
    rgba = decode_image(buf, DecodeSettings((6, 6), "rgba"))
    assert rgba[0, 0].tolist() == [255, 0, 0, 0] and rgba[5, 0].tolist() == [255, 0, 0, 255]
    assert decode_image(buf, DecodeSettings((6, 6), "rgb"))[0, 0].tolist() == [255, 0, 0]
    gray = decode_image(buf, DecodeSettings((6, 6), "gray"))
    assert gray.shape == (6, 6, 1) and abs(int(gray[0, 0, 0]) - 76) <= 1  # 0.299 * 255


def test_jpeg_to_rgba_gets_an_opaque_alpha():
    out = decode_image(encode(".jpg", smooth(16, 16)), DecodeSettings((8, 8), "rgba"))
    assert out.shape == (8, 8, 4) and (out[..., 3] == 255).all()


@pytest.mark.parametrize("ext", [".png", ".tif"])
def test_16_bit_files_keep_their_high_byte_in_every_colour(ext):
    deep = (np.arange(100, dtype=np.uint16).reshape(10, 10) * 600)
    buf = encode(ext, deep)
    expect = (deep >> 8).astype(np.uint8)
    for color, channels in [("gray", 1), ("rgb", 3), ("rgba", 4)]:
        out = decode_image(buf, DecodeSettings((10, 10), color))
        assert out.dtype == np.uint8 and out.shape == (10, 10, channels)
        assert np.abs(out[..., :min(channels, 3)].astype(int) - expect[..., None]).max() <= 1


def test_palette_png_expands_its_palette():
    indices = np.array([[0, 1], [1, 0]])
    buf = palette_png(indices, [(255, 0, 0), (0, 0, 255)])
    out = decode_image(buf, DecodeSettings((2, 2), "rgb"), "palette.png")
    assert out[0, 0].tolist() == [255, 0, 0] and out[0, 1].tolist() == [0, 0, 255]
    rgba = decode_image(buf, DecodeSettings((2, 2), "rgba"), "palette.png")
    assert rgba[0, 1].tolist() == [0, 0, 255, 255]


def test_gif_gives_its_first_frame(tmp_path):
    first, second = np.zeros((10, 12, 3), np.uint8), np.zeros((10, 12, 3), np.uint8)
    first[:] = RED_BGR
    second[:] = (255, 0, 0)  # blue in BGR
    animation = cv2.Animation()
    animation.frames, animation.durations = [first, second], [100, 100]
    assert cv2.imwriteanimation(str(tmp_path / "a.gif"), animation)
    buf = np.fromfile(tmp_path / "a.gif", np.uint8)
    out = decode_image(buf, DecodeSettings((10, 12)), "a.gif")
    assert np.abs(out.astype(int) - [255, 0, 0]).max() <= 8


def test_transparent_gif_to_rgba_keeps_transparency():
    image = np.zeros((8, 8, 4), np.uint8)
    image[..., 2], image[..., 3] = 255, 255
    image[:4, :, 3] = 0
    out = decode_image(encode(".gif", image), DecodeSettings((8, 8), "rgba"), "t.gif")
    assert out[0, 0, 3] == 0 and out[7, 0, 3] == 255


# --- reduced JPEG decode ------------------------------------------------------------------------


@pytest.mark.parametrize("progressive", [0, 1])
def test_jpeg_size_reads_the_frame_header(progressive):
    buf = encode(".jpg", smooth(37, 91), cv2.IMWRITE_JPEG_PROGRESSIVE, progressive)
    assert jpeg_size(buf) == (37, 91)


def test_jpeg_size_of_garbage_is_none():
    assert jpeg_size(np.frombuffer(b"\xff\xd8\xff\xe0\x00\x02garbage-no-frame", np.uint8)) is None


@pytest.mark.parametrize(
    ("source", "kwargs", "factor"),
    [((800, 600), {}, 8), ((300, 300), {}, 4), ((130, 260), {}, 2), ((100, 100), {}, 1),
     ((64, 1000), {"crop": True}, 1), ((1000, 64), {"pad": True}, 8)],
)
def test_reduction_keeps_the_decoded_image_at_least_the_needed_size(source, kwargs, factor):
    buf = encode(".jpg", smooth(*source))
    assert _reduction(buf, DecodeSettings((64, 64), **kwargs)) == factor


def test_reduced_decode_matches_a_full_decode_and_area_resize():
    source = smooth(480, 640, seed=3)
    buf = encode(".jpg", source, cv2.IMWRITE_JPEG_QUALITY, 95)
    fast = decode_image(buf, DecodeSettings((48, 64)))
    full = cv2.cvtColor(cv2.resize(cv2.imdecode(buf, cv2.IMREAD_COLOR), (64, 48),
                                   interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    assert np.abs(fast.astype(int) - full.astype(int)).mean() < 2.0


def test_reduced_grey_decode():
    out = decode_image(encode(".jpg", smooth(400, 400)), DecodeSettings((32, 32), "gray"))
    assert out.shape == (32, 32, 1)


# --- aspect ratio -------------------------------------------------------------------------------


def halves(h: int, w: int) -> np.ndarray:
    """Left third red, middle green, right third blue (BGR), so crops and pads show."""
    image = np.zeros((h, w, 3), np.uint8)
    image[:, : w // 3] = RED_BGR
    image[:, w // 3: 2 * w // 3] = (0, 255, 0)
    image[:, 2 * w // 3:] = (255, 0, 0)
    return image


def test_crop_to_aspect_ratio_takes_the_centre():
    out = decode_image(encode(".png", halves(30, 90)), DecodeSettings((10, 10), crop=True))
    assert (out == [0, 255, 0]).all()  # the centre square is all green


def test_pad_to_aspect_ratio_fits_inside_and_pads_with_zeros():
    out = decode_image(encode(".png", halves(30, 90)), DecodeSettings((30, 30), pad=True))
    assert (out[:10] == 0).all() and (out[20:] == 0).all()
    assert out[15, 0].tolist() == [255, 0, 0] and out[15, 29].tolist() == [0, 0, 255]


def test_plain_resize_stretches():
    out = decode_image(encode(".png", halves(30, 90)), DecodeSettings((10, 30)))
    assert out[5, 0].tolist() == [255, 0, 0] and out[5, 29].tolist() == [0, 0, 255]


def test_crop_and_pad_together_are_refused():
    with pytest.raises(DataError, match="choose one"):
        DecodeSettings((8, 8), crop=True, pad=True)


@pytest.mark.parametrize("name", ["area", "bilinear", "nearest", "bicubic", "lanczos"])
def test_every_interpolation_works_both_ways(name):
    for size in [(4, 4), (40, 40)]:
        out = decode_image(encode(".png", smooth(16, 16)), DecodeSettings(size, interpolation=name))
        assert out.shape == (*size, 3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"interpolation": "cubic"}, "bicubic"), ({"color": "RGB"}, "rgb"),
     ({"image_size": (0, 8)}, "positive"), ({"image_size": "64"}, "height, width")],
)
def test_bad_settings_are_refused_naming_the_valid_ones(kwargs, match):
    with pytest.raises(DataError, match=match):
        DecodeSettings(**kwargs)


# --- bad bytes ----------------------------------------------------------------------------------


def test_empty_bytes():
    with pytest.raises(BadFileError, match=r"e\.png: empty file"):
        decode_image(np.zeros(0, np.uint8), DecodeSettings(8), "e.png")


def test_not_an_image():
    with pytest.raises(BadFileError, match=r"notes\.jpg: not an image.*b'hello th'"):
        decode_image(np.frombuffer(b"hello there", np.uint8), DecodeSettings(8), "notes.jpg")


@pytest.mark.parametrize("cut", [2, 100, 0.5])
def test_truncated_jpeg_is_caught(cut):
    buf = encode(".jpg", smooth(200, 200))
    cut = int(buf.size * cut) if isinstance(cut, float) else buf.size - cut
    with pytest.raises(BadFileError, match="truncated JPEG"):
        decode_image(buf[:cut], DecodeSettings(8), "cut.jpg")


def test_jpeg_with_a_little_trailing_padding_is_fine():
    buf = np.concatenate([encode(".jpg", smooth(40, 40)), np.zeros(16, np.uint8)])
    assert check_complete(buf, "jpeg") is None
    assert decode_image(buf, DecodeSettings(8)).shape == (8, 8, 3)


def test_truncated_png_and_webp_are_caught():
    png = encode(".png", smooth(50, 50))
    with pytest.raises(BadFileError, match="truncated PNG"):
        decode_image(png[:-20], DecodeSettings(8), "cut.png")
    webp = encode(".webp", smooth(50, 50))
    with pytest.raises(BadFileError, match="truncated WebP"):
        decode_image(webp[: webp.size // 2], DecodeSettings(8), "cut.webp")


@pytest.mark.parametrize("ext", [".png", ".bmp", ".gif", ".tif"])
def test_corrupt_bodies_are_caught(ext):
    buf = encode(ext, smooth(60, 60)).copy()
    if ext == ".png":
        buf[40:-20] ^= 0x5A  # IDAT scrambled, IEND intact
    else:
        buf = buf[: buf.size // 2]
    with pytest.raises(BadFileError, match=r"corrupt|truncated"):
        decode_image(buf, DecodeSettings(8), "bad" + ext)


def test_decoding_in_threads_matches_decoding_in_turn():
    bufs = [encode(".jpg", smooth(120 + 7 * k, 160, seed=k)) for k in range(16)]
    settings = DecodeSettings((24, 24))
    serial = [decode_image(b, settings) for b in bufs]
    with cf.ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda b: decode_image(b, settings), bufs))
    assert all((a == b).all() for a, b in zip(serial, threaded, strict=True))


@pytest.mark.parametrize("source", [(100, 90), (127, 64), (120, 200), (300, 260)])
def test_area_shrink_stays_within_a_grey_level_of_a_direct_inter_area(source):
    image = smooth(*source, seed=7)
    out = decode_image(encode(".png", image), DecodeSettings((64, 64)))
    direct = cv2.cvtColor(cv2.resize(image, (64, 64), interpolation=cv2.INTER_AREA),
                          cv2.COLOR_BGR2RGB)
    assert np.abs(out.astype(int) - direct.astype(int)).mean() < 1.0


def test_jpeg_with_data_appended_after_its_end_marker_is_fine():
    jpg = encode(".jpg", smooth(60, 60))
    trailer = np.frombuffer(b"SEFH" + b"camera-trailer" * 300 + b"SEFT", np.uint8)
    buf = np.concatenate([jpg, trailer])
    assert check_complete(buf, "jpeg") is None
    assert decode_image(buf, DecodeSettings(8)).shape == (8, 8, 3)
    cut = np.concatenate([jpg[: jpg.size // 2], trailer])  # cut, then junk: still caught
    assert check_complete(cut, "jpeg") == "truncated JPEG: no end-of-image marker (FFD9)"


def test_png_with_data_after_its_end_chunk_is_fine_and_a_cut_one_is_not():
    png = encode(".png", smooth(30, 30))
    junk = np.frombuffer(b"appended" * 50, np.uint8)
    assert check_complete(np.concatenate([png, junk]), "png") is None
    assert check_complete(np.concatenate([png[:-40], junk]), "png") is not None


# --- libjpeg-turbo's DCT scaling (simplejpeg) and the cv2 fallback -----------------------------


def with_exif_orientation(jpg: np.ndarray, orientation: int) -> np.ndarray:
    """``jpg`` with an APP1 EXIF segment holding one IFD entry: Orientation."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1)
    tiff += struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(">I", 0)
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    raw = jpg.tobytes()
    return np.frombuffer(raw[:2] + app1 + raw[2:], np.uint8)


@pytest.mark.parametrize("orientation", [1, 6])
def test_exif_orientation_is_applied_as_cv2_does(orientation):
    buf = with_exif_orientation(encode(".jpg", smooth(64, 128)), orientation)
    out = decode_image(buf, DecodeSettings((32, 32)))
    full = cv2.imdecode(buf, cv2.IMREAD_COLOR)  # cv2 applies the EXIF rotation
    assert full.shape[:2] == ((64, 128) if orientation == 1 else (128, 64))
    expected = cv2.cvtColor(cv2.resize(full, (32, 32), interpolation=cv2.INTER_AREA),
                            cv2.COLOR_BGR2RGB)
    assert np.abs(out.astype(int) - expected.astype(int)).mean() < 2.0


@pytest.mark.parametrize("color", ["rgb", "gray"])
@pytest.mark.parametrize("kwargs", [{}, {"crop": True}, {"pad": True}])
def test_scaled_jpeg_decode_stays_close_to_cv2_full_decode(color, kwargs):
    import toolkit.data.decode as decode

    buf = encode(".jpg", smooth(300, 170, seed=5), cv2.IMWRITE_JPEG_QUALITY, 95)
    settings = DecodeSettings((40, 48), color, **kwargs)
    fast = decode_image(buf, settings)
    assert decode._decode_scaled(buf, settings) is not None  # the libjpeg-turbo path ran
    slow = decode._fit(decode._decode(buf, "jpeg", settings, "x"), settings, bgr=True)
    assert fast.shape == slow.shape == settings.image_shape
    assert np.abs(fast.astype(int) - slow.astype(int)).mean() < 2.0


@pytest.mark.parametrize("ext", [".jpg", ".png"])
@pytest.mark.parametrize("color", ["rgb", "gray", "rgba"])
@pytest.mark.parametrize(("source", "kwargs"), [
    ((300, 170), {}), ((300, 170), {"crop": True}), ((300, 170), {"pad": True}),
    ((40, 48), {}), ((20, 30), {}), ((130, 96), {"interpolation": "bicubic"})])
def test_decoding_into_out_gives_the_same_pixels_and_returns_out(ext, color, source, kwargs):
    buf = encode(ext, smooth(*source, seed=2))
    settings = DecodeSettings((40, 48), color, **kwargs)
    plain = decode_image(buf, settings)
    batch = np.full((3, *settings.image_shape), 77, np.uint8)
    got = decode_image(buf, settings, out=batch[1])
    assert got is batch[1] or np.shares_memory(got, batch)
    np.testing.assert_array_equal(batch[1], plain)
    assert (batch[0] == 77).all() and (batch[2] == 77).all()  # the neighbours untouched
