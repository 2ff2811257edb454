"""Loading: formats, EXIF orientation, colour modes, and clear errors for bad files."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from phiscrub import imageio
from phiscrub.imageio import ImageLoadError, load_image

RED = (255, 0, 0)
BLUE = (0, 0, 255)


def _marked(width: int = 48, height: int = 32) -> Image.Image:
    """Blue image with a red block in the top-left corner, as it should be displayed."""
    im = Image.new("RGB", (width, height), BLUE)
    im.paste(RED, (0, 0, 12, 8))
    return im


def _assert_marked_upright(pixels: np.ndarray, width: int = 48, height: int = 32, tol: int = 0) -> None:
    assert pixels.shape == (height, width, 3)
    assert np.abs(pixels[2, 2].astype(int) - RED).max() <= tol  # top-left is red
    for y, x in [(2, width - 3), (height - 3, 2), (height - 3, width - 3)]:
        assert np.abs(pixels[y, x].astype(int) - BLUE).max() <= tol


@pytest.mark.parametrize(
    ("suffix", "fmt", "exact"),
    [
        (".jpg", "JPEG", False),
        (".png", "PNG", True),
        (".tif", "TIFF", True),
        (".webp", "WEBP", False),
        (".bmp", "BMP", True),
        (".heic", "HEIF", False),
    ],
)
def test_each_supported_format_loads_as_readonly_upright_rgb(
    tmp_path: Path, suffix: str, fmt: str, exact: bool
) -> None:
    path = tmp_path / f"photo{suffix}"
    _marked().save(path, fmt)

    loaded = load_image(path)

    assert loaded.format == fmt and loaded.path == path
    assert loaded.pixels.dtype == np.uint8
    assert loaded.pixels.flags.c_contiguous and not loaded.pixels.flags.writeable
    _assert_marked_upright(loaded.pixels, tol=0 if exact else 40)
    assert (loaded.width, loaded.height) == (48, 32)


def test_supported_suffixes_cover_every_format() -> None:
    assert imageio.SUPPORTED_SUFFIXES == {
        ".jpg",
        ".jpeg",
        ".png",
        ".tif",
        ".tiff",
        ".webp",
        ".bmp",
        ".heic",
        ".heif",
    }


# How each EXIF orientation stores a displayed image (EXIF 2.32, tag 0x0112): the
# transform that turns the displayed image into the stored one.
_STORE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,  # stored rotated 90° counter-clockwise; shown turned clockwise
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_lands_upright(tmp_path: Path, orientation: int) -> None:
    displayed = _marked()
    op = _STORE[orientation]
    stored = displayed if op is None else displayed.transpose(op)
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.png"
    stored.save(path, "PNG", exif=exif.tobytes())

    _assert_marked_upright(load_image(path).pixels)


def test_jpeg_from_a_phone_held_sideways_is_turned_upright(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "sideways.jpg"
    _marked().transpose(Image.Transpose.ROTATE_90).save(path, "JPEG", exif=exif.tobytes(), quality=95)

    _assert_marked_upright(load_image(path).pixels, tol=40)


def test_heic_orientation_is_applied(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "sideways.heic"
    _marked().transpose(Image.Transpose.ROTATE_90).save(path, "HEIF", exif=exif.tobytes(), quality=95)

    _assert_marked_upright(load_image(path).pixels, tol=40)


def test_cmyk_becomes_rgb(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.tif"
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(path, "TIFF")  # pure red in CMYK
    assert load_image(path).pixels[0, 0].tolist() == [255, 0, 0]


def test_palette_transparency_is_flattened_onto_white(tmp_path: Path) -> None:
    im = Image.new("P", (8, 8), 0)
    im.putpalette([255, 0, 0, 0, 0, 0] + [0] * 762)
    im.paste(1, (4, 0, 8, 8))
    path = tmp_path / "p.png"
    im.save(path, "PNG", transparency=1)

    pixels = load_image(path).pixels
    assert pixels[0, 0].tolist() == [255, 0, 0]
    assert pixels[0, 7].tolist() == [255, 255, 255]


@pytest.mark.parametrize("mode", ["LA", "RGBA"])
def test_alpha_is_flattened_onto_white(tmp_path: Path, mode: str) -> None:
    im = Image.new(mode, (8, 8), (0, 0) if mode == "LA" else (0, 0, 0, 0))
    path = tmp_path / f"{mode}.png"
    im.save(path, "PNG")
    assert np.all(load_image(path).pixels == 255)


def test_sixteen_bit_grey_is_scaled_not_clipped(tmp_path: Path) -> None:
    values = np.array([[0, 32896, 65535]], dtype=np.uint16)
    path = tmp_path / "grey16.png"
    Image.fromarray(values).save(path, "PNG")

    pixels = load_image(path).pixels
    assert pixels[0, :, 0].tolist() == [0, 128, 255]
    assert np.all(pixels[..., 0] == pixels[..., 2])


@pytest.mark.parametrize("mode", ["1", "L", "I", "F"])
def test_other_grey_modes_become_rgb(tmp_path: Path, mode: str) -> None:
    im = Image.new(mode, (6, 4), 0)
    im.putpixel((5, 3), 1 if mode == "1" else 255)
    path = tmp_path / f"{mode}.tif"
    im.save(path, "TIFF")

    pixels = load_image(path).pixels
    assert pixels.shape == (4, 6, 3)
    assert pixels[0, 0].tolist() == [0, 0, 0] and pixels[3, 5].tolist() == [255, 255, 255]


def test_jpeg_with_embedded_previews_loads_as_jpeg(tmp_path: Path) -> None:
    """Phones write MPO (a JPEG plus preview images); only the photo itself is used."""
    path = tmp_path / "mpo.jpg"
    _marked().save(path, "MPO", save_all=True, append_images=[_marked(24, 16)])
    with Image.open(path) as im:
        assert im.format == "MPO" and im.n_frames == 2

    loaded = load_image(path)
    assert loaded.format == "JPEG"
    _assert_marked_upright(loaded.pixels, tol=40)


# ------------------------------------------------------------------ refused files


def _write_animated(path: Path, fmt: str) -> None:
    frames = [Image.new("RGB", (8, 8), c) for c in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
    frames[0].save(path, fmt, save_all=True, append_images=frames[1:])


@pytest.mark.parametrize(("name", "fmt"), [("anim.webp", "WEBP"), ("pages.tif", "TIFF"), ("anim.png", "PNG")])
def test_multi_frame_files_are_refused_not_cut_to_frame_one(tmp_path: Path, name: str, fmt: str) -> None:
    path = tmp_path / name
    _write_animated(path, fmt)
    with pytest.raises(
        ImageLoadError, match=r"^animated/multi-page images are not supported yet: .* 3 frames$"
    ):
        load_image(path)


def _jpeg_bytes() -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(buf, "JPEG")
    return buf.getvalue()


def _png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((64, 64), 60).convert("RGB").save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.jpg", b"", "the file is empty"),
        ("notes.jpg", b"Patient list\nroom 4\n" * 20, "not an image file (it looks like text)"),
        ("sound.jpg", b"ID3\x04\x00" + bytes(200), "not an image file (it looks like audio)"),
        (
            "sound.png",
            b"RIFF\x10\x00\x00\x00WAVEfmt " + bytes(64),
            "not an image file (it looks like audio or video)",
        ),
        ("doc.jpg", b"%PDF-1.7\n" + bytes(100), "not an image file (it looks like a PDF document)"),
        ("truncated.jpg", _jpeg_bytes()[:400], "the image is truncated or corrupt"),
        ("truncated.png", _png_bytes()[:-200], "the image is truncated or corrupt"),
        (
            "junk.jpg",
            bytes(range(256)) * 4,
            "not an image file, or an image format phiscrub does not support",
        ),
    ],
)
def test_bad_files_give_one_clear_sentence(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImageLoadError) as info:
        load_image(path)
    assert str(info.value) == message


def test_gif_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "a.gif"
    Image.new("RGB", (4, 4)).save(path, "GIF")
    with pytest.raises(ImageLoadError, match="^GIF images are not supported$"):
        load_image(path)


def test_a_folder_named_like_an_image_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "scan.png"
    folder.mkdir()
    with pytest.raises(ImageLoadError, match="^this is a folder, not an image file$"):
        load_image(folder)


def test_missing_file_and_broken_link_are_told_apart(tmp_path: Path) -> None:
    with pytest.raises(ImageLoadError, match="^the file does not exist$"):
        load_image(tmp_path / "nope.jpg")
    link = tmp_path / "link.jpg"
    link.symlink_to(tmp_path / "gone.jpg")
    with pytest.raises(ImageLoadError, match="^the file is a link to something that does not exist$"):
        load_image(link)


def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(ImageLoadError, match="^this is not a regular file$"):
        load_image("/dev/zero")


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "big.png"
    _marked().save(path, "PNG")
    monkeypatch.setattr(imageio, "MAX_FILE_BYTES", 100)
    with pytest.raises(ImageLoadError, match=r"^the file is too large \("):
        load_image(path)


@pytest.mark.parametrize("side", [40, 60])  # 1,600 px: Pillow only warns; 3,600 px: Pillow refuses
def test_decompression_bombs_are_refused_even_where_pillow_only_warns(
    tmp_path: Path, monkeypatch, side: int
) -> None:
    path = tmp_path / "bomb.png"
    Image.new("RGB", (side, side)).save(path, "PNG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ImageLoadError, match=r"^the image is too large \(.* megapixels; the limit is"):
        load_image(path)


def test_error_messages_hold_no_path_or_content(tmp_path: Path) -> None:
    path = tmp_path / "SMITH_JOHN_MRN123.jpg"
    path.write_bytes(b"SMITH JOHN MRN 00482913 " * 10)
    with pytest.raises(ImageLoadError) as info:
        load_image(path)
    assert "SMITH" not in str(info.value) and "00482913" not in str(info.value)


def test_the_original_is_opened_read_only_and_left_unchanged(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "orig.jpg"
    _marked().save(path, "JPEG")
    os.utime(path, (1_000_000_000, 1_000_000_000))
    before = path.read_bytes()
    flags = []
    real_open = os.open

    def spying_open(file, flag, *args, **kwargs):
        flags.append(flag)
        return real_open(file, flag, *args, **kwargs)

    monkeypatch.setattr(imageio.os, "open", spying_open)
    load_image(path)

    assert len(flags) == 1
    assert flags[0] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND) == 0
    assert path.read_bytes() == before
    assert path.stat().st_mtime == 1_000_000_000


def test_a_fifo_named_like_a_photo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "stream.jpg"
    os.mkfifo(fifo)
    with pytest.raises(ImageLoadError, match="^this is not a regular file$"):
        load_image(fifo)


def test_a_file_swapped_for_a_fifo_after_stat_is_refused_without_blocking(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "swapped.jpg"
    _marked().save(path, "JPEG")
    real_open = os.open

    def swap_then_open(file, flag, *args, **kwargs):
        os.unlink(file)
        os.mkfifo(file)  # no writer: a blocking open would hang here
        return real_open(file, flag, *args, **kwargs)

    monkeypatch.setattr(imageio.os, "open", swap_then_open)
    with pytest.raises(ImageLoadError, match="^this is not a regular file$"):
        load_image(path)


def test_truncated_images_are_never_loaded_partially() -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
