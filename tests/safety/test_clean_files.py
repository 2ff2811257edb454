"""2. Clean files: exports are built from fresh pixels, carry one primary image and
nothing else, and the verifier catches every kind of leftover on its own."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin, TiffImagePlugin

from phiscrub import imageio
from phiscrub.batch import collect_inputs, process
from phiscrub.imageio import UnsafeExportError, save_clean, verify_clean
from tests.safety import fixtures as fx
from tests.safety.fixtures import FORBIDDEN, SECRET, XMP, fixed_scanner


def _assert_clean(path: Path) -> None:
    verify_clean(path)
    data = path.read_bytes()
    for needle in FORBIDDEN:
        assert needle not in data, needle
    if data[:2] == b"\xff\xd8":
        assert data.count(b"\xff\xd8\xff") == 1, "a second image (thumbnail, gain map, preview)"
        assert data.endswith(b"\xff\xd9")
    with Image.open(path) as im:
        assert getattr(im, "n_frames", 1) == 1
        assert im.mode == "RGB"
        assert not getattr(im, "text", None)
        assert not set(im.info) & {"exif", "xmp", "icc_profile", "comment", "photoshop", "XML:com.adobe.xmp"}
        if im.format == "TIFF":
            assert set(im.tag_v2) <= imageio._TIFF_ALLOWED_TAGS
        else:
            assert len(im.getexif()) == 0  # no Orientation either


@pytest.mark.parametrize("name", list(fx.DIRTY_ORIGINALS))
def test_export_of_a_dirty_original_holds_pixels_only(tmp_path: Path, name: str) -> None:
    src = tmp_path / "in"
    src.mkdir()
    original = fx.DIRTY_ORIGINALS[name](src / name)
    [result] = process(collect_inputs([src]), fixed_scanner([(0, 0, 8, 8)]), out_dir=tmp_path / "out")
    assert result.ok, result.error
    _assert_clean(result.output)
    with Image.open(result.output) as im:
        assert im.size == (64, 48)  # the primary image, not a thumbnail or gain map
    assert original.read_bytes().count(SECRET) >= 1  # the fixture really was dirty


def test_a_heic_exports_as_one_jpeg_without_its_thumbnail_or_metadata(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    fx.dirty_heic(src / "IMG_0001.HEIC")
    with Image.open(src / "IMG_0001.HEIC") as im:
        assert im.info["thumbnails"] and im.info["exif"] and im.info["xmp"]
    [result] = process(collect_inputs([src]), fixed_scanner(), out_dir=tmp_path / "out")
    assert result.output.name == "IMG_0001.jpg"
    _assert_clean(result.output)


def test_ultra_hdr_gain_map_and_mpo_views_never_reach_the_export(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    fx.ultra_hdr_jpeg(src / "hdr.jpg")
    with Image.open(src / "hdr.jpg") as im:
        assert im.format == "MPO" and im.n_frames == 2
    [result] = process(collect_inputs([src]), fixed_scanner(), out_dir=tmp_path / "out")
    data = result.output.read_bytes()
    assert b"MPF\x00" not in data
    _assert_clean(result.output)
    assert np.abs(np.asarray(Image.open(result.output)).astype(int) - 7).mean() > 40  # not the gain map


def test_jpeg_comment_is_not_carried_over_even_by_a_naive_save(tmp_path: Path) -> None:
    """Pillow copies im.info["comment"] into a JPEG save: what the export avoids."""
    source = fx.dirty_jpeg(tmp_path / "a.jpg")
    with Image.open(source) as im:
        im.save(tmp_path / "naive.jpg")
    assert SECRET in (tmp_path / "naive.jpg").read_bytes()
    with pytest.raises(UnsafeExportError, match="comment"):
        verify_clean(tmp_path / "naive.jpg")
    dest = save_clean(imageio.load_image(source).pixels, tmp_path / "out.jpg", "JPEG", source=source)
    _assert_clean(dest)


# ------------------------------------------------------------- the verifier, case by case


def _jpeg(**kw) -> bytes:
    return fx.encoded(fx.photo(), "JPEG", **kw)


def _png(**kw) -> bytes:
    return fx.encoded(fx.photo(), "PNG", **kw)


def _tiff_tag(tag: int, value) -> bytes:
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[tag] = value
    return fx.encoded(fx.photo(), "TIFF", tiffinfo=ifd)


def _gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}
    return exif.tobytes()


def _orientation_exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return exif.tobytes()


DIRTY = {
    # JPEG
    "jpeg exif+gps+makernote+thumbnail": (lambda: _jpeg(exif=fx.camera_exif()), "EXIF"),
    "jpeg gps only": (lambda: _jpeg(exif=_gps_exif()), "EXIF"),
    "jpeg orientation only": (lambda: _jpeg(exif=_orientation_exif()), "EXIF"),
    "jpeg xmp": (lambda: _jpeg(xmp=XMP), "XMP"),
    "jpeg icc": (lambda: _jpeg(icc_profile=fx.icc_profile()), "ICC"),
    "jpeg com": (lambda: _jpeg(comment=SECRET), "comment"),
    "jpeg iptc app13": (lambda: fx.insert_jpeg_segment(_jpeg(), 0xED, fx.iptc()), "APP13"),
    "jpeg adobe app14": (lambda: fx.insert_jpeg_segment(_jpeg(), 0xEE, b"Adobe" + bytes(7)), "APP14"),
    "jpeg mpf index": (lambda: fx.insert_jpeg_segment(_jpeg(), 0xE2, b"MPF\x00" + bytes(16)), "MPF"),
    "jpeg motion photo trailer": (lambda: _jpeg() + fx.motion_photo_trailer(), "after its end marker"),
    "jpeg second image after eoi": (lambda: _jpeg() + _jpeg(), "after its end marker"),
    "jpeg mpo gain map": (
        lambda: fx.encoded(fx.photo(), "MPO", save_all=True, append_images=[fx.flat((7, 7, 7))]),
        "preview",
    ),
    # PNG
    "png tEXt": (lambda: fx.with_png_chunk(_png(), b"tEXt", b"Author\x00" + SECRET), "tEXt"),
    "png iTXt": (lambda: fx.with_png_chunk(_png(), b"iTXt", b"C\x00\x00\x00en\x00\x00" + SECRET), "iTXt"),
    "png zTXt": (lambda: fx.with_png_chunk(_png(), b"zTXt", b"C\x00\x00" + zlib.compress(SECRET)), "zTXt"),
    "png eXIf": (lambda: _png(exif=_gps_exif()), "eXIf"),
    "png iCCP": (lambda: _png(icc_profile=fx.icc_profile()), "iCCP"),
    "png private chunk": (lambda: fx.with_png_chunk(_png(), b"prVt", SECRET), "prVt"),
    "png acropalypse leftover": (lambda: _png() + fx.encoded(fx.photo(64, 200), "PNG")[33:], "after its end"),
    "png animated": (lambda: fx.animated("PNG"), "acTL"),
    # WebP
    "webp exif": (lambda: fx.encoded(fx.photo(), "WEBP", exif=_gps_exif()), "EXIF"),
    "webp xmp": (lambda: fx.encoded(fx.photo(), "WEBP", xmp=XMP), "XMP"),
    "webp icc": (lambda: fx.encoded(fx.photo(), "WEBP", icc_profile=fx.icc_profile()), "ICC"),
    "webp trailer": (lambda: fx.encoded(fx.photo(), "WEBP") + SECRET, "after its end"),
    "webp animated": (lambda: fx.animated("WEBP"), "animation"),
    # TIFF
    "tiff description": (lambda: _tiff_tag(270, SECRET.decode()), "description"),
    "tiff artist": (lambda: _tiff_tag(315, SECRET.decode()), "artist"),
    "tiff orientation": (lambda: _tiff_tag(274, 6), "orientation"),
    "tiff xmp": (lambda: _tiff_tag(700, XMP), "XMP"),
    "tiff iptc": (lambda: _tiff_tag(33723, fx.iptc()), "IPTC"),
    "tiff icc": (lambda: fx.encoded(fx.photo(), "TIFF", icc_profile=fx.icc_profile()), "ICC"),
    "tiff trailer": (lambda: fx.encoded(fx.photo(), "TIFF") + SECRET, "outside its image data"),
    "tiff two pages": (lambda: fx.animated("TIFF", 2), "more than one page"),
    # BMP and the rest
    "bmp trailer": (lambda: fx.encoded(fx.photo(), "BMP") + SECRET, "after its end"),
    "heic container": (lambda: fx.encoded(fx.photo(), "HEIF"), "not a JPEG"),
    "gif": (lambda: fx.animated("GIF"), "not a JPEG"),
}


@pytest.mark.parametrize("case", list(DIRTY))
def test_the_verifier_catches_each_leftover_on_its_own(tmp_path: Path, case: str) -> None:
    make, expected = DIRTY[case]
    path = tmp_path / "export.bin"
    path.write_bytes(make())
    with pytest.raises(UnsafeExportError) as info:
        verify_clean(path)
    assert expected in str(info.value)
    assert "SMITH" not in str(info.value)


def _png_text() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET.decode())
    return info


# Each encoder made to leak one thing: the export must fail and leave no file behind.
LEAKY_ENCODERS = {
    "JPEG exif": ("JPEG", lambda: {"exif": _gps_exif()}),
    "JPEG comment": ("JPEG", lambda: {"comment": SECRET}),
    "JPEG icc": ("JPEG", lambda: {"icc_profile": fx.icc_profile()}),
    "PNG text": ("PNG", lambda: {"pnginfo": _png_text()}),
    "PNG exif": ("PNG", lambda: {"exif": _gps_exif()}),
    "WEBP xmp": ("WEBP", lambda: {"xmp": XMP}),
    "TIFF description": ("TIFF", lambda: {"description": SECRET.decode()}),
}


@pytest.mark.parametrize("case", list(LEAKY_ENCODERS))
def test_an_export_the_verifier_rejects_is_removed_and_never_named(tmp_path: Path, monkeypatch, case) -> None:
    fmt, leak = LEAKY_ENCODERS[case]
    real = imageio._encoder_options
    monkeypatch.setattr(imageio, "_encoder_options", lambda f, q: {**real(f, q), **leak()})
    dest = tmp_path / f"out{imageio._WRITE_SUFFIX[fmt]}"
    with pytest.raises(UnsafeExportError):
        save_clean(np.asarray(fx.photo()), dest, fmt)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "WEBP", "BMP"])
def test_an_export_with_bytes_appended_after_encoding_is_removed(tmp_path: Path, monkeypatch, fmt) -> None:
    real_save = Image.Image.save

    def save_then_append(self, fp, *args, **kwargs):
        real_save(self, fp, *args, **kwargs)
        fp.write(SECRET)

    monkeypatch.setattr(Image.Image, "save", save_then_append)
    with pytest.raises(UnsafeExportError):
        save_clean(np.asarray(fx.photo()), tmp_path / f"out{imageio._WRITE_SUFFIX[fmt]}", fmt)
    assert list(tmp_path.iterdir()) == []
