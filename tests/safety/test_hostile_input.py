"""3. Hostile and odd input: each file gets a clear error or a correct redaction,
never an unredacted export, and the batch always goes on."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageFile

from phiscrub import manifest
from phiscrub.batch import collect_inputs, process
from phiscrub.cli import main
from phiscrub.imageio import ImageLoadError, load_image, verify_clean
from phiscrub.redact import SOLID_COLOUR
from phiscrub.scan import Scanner
from tests.safety import fixtures as fx
from tests.safety.fixtures import fixed_scanner


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _symlink(path: Path, target: str | Path) -> Path:
    path.symlink_to(target)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


AUDIO_WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(200)
BAD_FILES = {
    "bomb.png": (lambda p: _write(p, fx.png_header(60_000, 60_000)), "the image is too large"),
    "bomb-warn.png": (lambda p: _write(p, fx.png_header(12_000, 10_000)), "the image is too large"),
    "bomb.jpg": (lambda p: _write(p, fx.jpeg_with_size(65_000, 65_000)), "the image is too large"),
    "truncated.jpg": (lambda p: _write(p, fx.encoded(fx.photo(), "JPEG")[:-300]), "truncated or corrupt"),
    "truncated.png": (lambda p: _write(p, fx.encoded(fx.photo(), "PNG")[:-300]), "truncated or corrupt"),
    "empty.jpg": (lambda p: _write(p, b""), "the file is empty"),
    "notes.jpg": (lambda p: _write(p, b"Patient: SMITH\nBed 4\n" * 30), "it looks like text"),
    "voice.jpg": (lambda p: _write(p, AUDIO_WAV), "it looks like audio"),
    "song.jpg": (lambda p: _write(p, b"ID3\x04\x00\x00" + bytes(300)), "it looks like audio"),
    "folder.png": (_mkdir, "this is a folder, not an image file"),
    "gone.jpg": (lambda p: _symlink(p, p.parent / "nowhere.jpg"), "a link to something that does not exist"),
    "zero.jpg": (lambda p: _symlink(p, "/dev/zero"), "this is not a regular file"),
    "stream.jpg": (_fifo, "this is not a regular file"),
    "anim.gif": (lambda p: _write(p, fx.animated("GIF")), "GIF images are not supported"),
    "pages.tif": (lambda p: _write(p, fx.animated("TIFF")), "3 frames"),
    "anim.png": (lambda p: _write(p, fx.animated("PNG")), "3 frames"),
    "anim.webp": (lambda p: _write(p, fx.animated("WEBP")), "3 frames"),
    "burst.heic": (lambda p: _write(p, fx.animated("HEIF", 2)), "2 frames"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_each_hostile_file_gets_one_clear_error_and_no_output(tmp_path: Path, name: str) -> None:
    src = tmp_path / "in"
    src.mkdir()
    make, message = BAD_FILES[name]
    make(src / name)
    fx.photo().save(src / "zz-good.png")
    results = list(process(collect_inputs([src]), fixed_scanner([(0, 0, 8, 8)]), out_dir=tmp_path / "out"))
    assert [r.input.path.name for r in results] == [name, "zz-good.png"]
    bad, good = results
    assert not bad.ok and message in bad.error and bad.output is None
    assert "SMITH" not in bad.error and str(tmp_path) not in bad.error
    assert good.ok
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [manifest.NAME, "zz-good.png"]


def test_bombs_are_refused_from_the_header_before_any_decoding(tmp_path: Path, monkeypatch) -> None:
    def no_decoding(self):
        raise AssertionError("the pixels of a bomb were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    for name in ["bomb.png", "bomb-warn.png", "bomb.jpg"]:
        make, _ = BAD_FILES[name]
        with pytest.raises(ImageLoadError, match="^the image is too large"):
            load_image(make(tmp_path / name))


def test_truncated_images_are_refused_and_the_setting_stays_off(tmp_path: Path) -> None:
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    for cut in [200, 1000, 2000]:
        data = fx.encoded(fx.photo(128, 96), "JPEG")
        with pytest.raises(ImageLoadError, match="truncated or corrupt"):
            load_image(_write(tmp_path / f"cut{cut}.jpg", data[:-cut]))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_a_file_that_vanishes_mid_batch_is_reported_and_the_batch_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name in ["a.png", "b.png", "c.png"]:
        fx.photo().save(src / name)
    inputs = collect_inputs([src])
    scanner = Scanner(None, faces=fx.FixedRegions(on_detect=lambda: (src / "b.png").unlink(missing_ok=True)))
    results = list(process(inputs, scanner, out_dir=tmp_path / "out"))
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].error == "the file does not exist"


# ------------------------------------------------------------------------- colour modes


def _mode_image(mode: str) -> Image.Image:
    grad = np.tile(np.linspace(0, 1, 64), (48, 1))
    if mode == "1":
        return Image.fromarray(grad > 0.5)
    if mode in ("I;16", "I", "F"):
        scale = {"I;16": 65535, "I": 1_000_000, "F": 1.0}[mode]  # float images are 0..1
        arr = (grad * scale).astype({"I;16": np.uint16, "I": np.int32, "F": np.float32}[mode])
        return Image.fromarray(arr) if mode == "I;16" else Image.fromarray(arr, mode)
    if mode == "P":
        im = fx.photo().convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
        im.info["transparency"] = 0
        return im
    im = fx.photo().convert(mode)
    if mode == "RGBA":
        im.putalpha(Image.fromarray((grad * 255).astype(np.uint8)))
    return im


MODES = {
    "1": ".png",
    "L": ".png",
    "LA": ".png",
    "P": ".png",
    "I;16": ".png",
    "I": ".tif",
    "F": ".tif",
    "CMYK": ".jpg",
    "RGBA": ".webp",
}


@pytest.mark.parametrize("mode", list(MODES))
def test_every_colour_mode_is_redacted_and_exported_as_rgb(tmp_path: Path, mode: str) -> None:
    src = tmp_path / "in"
    src.mkdir()
    im = _mode_image(mode)
    assert im.mode == mode
    path = src / f"m{MODES[mode]}"
    im.save(path, **({"transparency": 0} if mode == "P" else {}))
    with Image.open(path) as check:
        assert check.mode == mode
    [result] = process(collect_inputs([src]), fixed_scanner([(16, 16, 40, 30)]), out_dir=tmp_path / "out")
    assert result.ok, result.error
    out = load_image(result.output).pixels
    assert out.shape == (48, 64, 3)
    tolerance = 12 if MODES[mode] in (".jpg", ".webp") else 0
    assert np.abs(out[18:30, 18:46].astype(int) - SOLID_COLOUR).max() <= tolerance
    assert out[:, :10].std() > 0 or out[:, 54:].std() > 0 or mode == "1"  # the rest is still the photo
    verify_clean(result.output)


def test_sixteen_bit_and_float_greys_keep_their_tones(tmp_path: Path) -> None:
    for mode, suffix in [("I;16", ".png"), ("F", ".tif"), ("I", ".tif")]:
        path = tmp_path / f"g{suffix}"
        _mode_image(mode).save(path)
        row = load_image(path).pixels[0, :, 0].astype(int)
        assert row[0] < 10 and row[-1] > 245 and np.all(np.diff(row) >= 0), mode


# ---------------------------------------------------------------------- EXIF orientation

# The transposition that turns an upright picture into what a camera stores with
# that Orientation tag (the inverse of what a viewer applies).
STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


@pytest.fixture(scope="module")
def upright_scene() -> Image.Image:
    scene = Image.new("RGB", (240, 160), (150, 160, 170))
    scene.paste(fx.qr_code(scale=3), (140, 20))
    return scene


@pytest.mark.parametrize("orientation", list(STORED_AS))
def test_regions_land_where_the_user_saw_the_code_for_all_8_orientations(
    tmp_path: Path, upright_scene: Image.Image, orientation: int
) -> None:
    """A QR code drawn by zxing-cpp, stored as a phone would for each Orientation
    tag: the real code detector finds it and the export covers it where it appears."""
    src = tmp_path / "in"
    src.mkdir()
    method = STORED_AS[orientation]
    stored = upright_scene if method is None else upright_scene.transpose(method)
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(src / "label.jpg", quality=95, exif=exif.tobytes())

    scanner = Scanner(None, faces=False, codes=True)
    [result] = process(collect_inputs([src]), scanner, out_dir=tmp_path / "out")

    assert result.ok and (result.width, result.height) == (240, 160)
    assert result.regions, "the code was not found"
    box = result.regions[0].box
    assert 120 <= box.x <= 145 and 0 <= box.y <= 25  # upright coordinates
    out = np.asarray(Image.open(result.output))
    assert out.shape == (160, 240, 3)
    assert zxingcpp.read_barcodes(Image.fromarray(out)) == []
    modules = out[32:95, 152:215].astype(int)  # the code's dark modules, upright
    assert np.abs(modules - SOLID_COLOUR).max() < 16  # covered where the viewer saw the code
    assert np.abs(out[120:, :100].astype(int) - (150, 160, 170)).max() < 16  # the rest untouched


# ------------------------------------------------------------------------------- names

NAMES = [
    "Ünïcødé 患者 📷.jpg",
    "-rf.jpg",
    "--out=evil.jpg",
    "--help.png",
    "a\nb\x1b[2J.jpg",
    "x" * 250 + ".jpg",
    "ü" * 125 + ".png",
]


def test_odd_file_names_are_exported_and_never_read_as_options(tmp_path: Path, capsys, monkeypatch) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for name in NAMES:
        fx.photo().save(src / name)
    out = tmp_path / "out"
    code = main(
        ["redact", "--trust-unreviewed", "--no-faces", "--no-codes", "-j", "1", "--out", str(out), str(src)]
    )
    assert code == 0
    written = sorted(set(os.listdir(out)) - {manifest.NAME})
    assert len(written) == len(NAMES)
    assert all(len(os.fsencode(n)) <= 255 for n in written)
    assert "-rf.jpg" in written and "--out=evil.jpg" in written and "Ünïcødé 患者 📷.jpg" in written
    printed = capsys.readouterr()
    assert "\x1b" not in printed.out + printed.err  # a name cannot drive the terminal
    # named one by one after "--", leading dashes are file names too
    monkeypatch.chdir(src)
    args = ["redact", "--trust-unreviewed", "-q", "--no-faces", "--no-codes", "-j", "1"]
    args += ["--out", str(tmp_path / "o2")]
    assert main([*args, "--", "-rf.jpg", "--help.png"]) == 0
    assert sorted(os.listdir(tmp_path / "o2")) == ["--help.png", "-rf.jpg", manifest.NAME]


def test_two_names_longer_than_the_file_system_allows_get_distinct_short_names(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    long = "y" * 250  # a.heic is 255 bytes, the most allowed; a-1.jpg would be 256
    fx.flat((255, 0, 0)).save(src / f"{long}.jpg")
    fx.flat((0, 0, 255)).save(src / f"{long}.heic")
    results = list(process(collect_inputs([src]), fixed_scanner(), out_dir=tmp_path / "out"))
    assert all(r.ok for r in results), [r.error for r in results]
    names = {r.output.name for r in results}
    assert len(names) == 2 and all(len(os.fsencode(n)) <= 255 for n in names)
