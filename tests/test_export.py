"""Export: clean files from fresh pixels, a verifier that catches metadata, atomic
writes, originals never touched, and export names that never collide."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image, PngImagePlugin, TiffImagePlugin

from phiscrub import imageio
from phiscrub.imageio import (
    ExportError,
    UnsafeExportError,
    export_path,
    load_image,
    output_format,
    save_clean,
    verify_clean,
)

# A made-up location and text that must never reach an export.
GPS_MARKER = b"GPSMARK"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="SMITH JOHN"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
SECRET = b"SMITH JOHN MRN 00482913"
FORBIDDEN = [b"Exif", b"http://ns.adobe.com/xap", b"ICC_PROFILE", GPS_MARKER, b"SMITH", b"xmpmeta"]


def _photo(width: int = 48, height: int = 32) -> Image.Image:
    rng = np.random.default_rng(0)
    arr = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    arr[:8, :12] = (255, 0, 0)
    return Image.fromarray(arr)


def _thumbnail_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 8), (0, 200, 0)).save(buf, "JPEG")
    return buf.getvalue()


def _exif_with_gps_and_thumbnail(orientation: int = 6) -> bytes:
    """Raw EXIF (APP1 payload): IFD0 with Orientation, ImageDescription and a GPS
    IFD pointer; a GPS IFD; and IFD1 holding a JPEG thumbnail, as cameras write it."""
    thumb = _thumbnail_jpeg()

    def entry(tag: int, typ: int, count: int, value: bytes) -> bytes:
        return struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\x00")

    ifd0, gps = 8, 8 + 2 + 4 * 12 + 4
    desc = gps + 2 + 3 * 12 + 4
    lat = desc + len(SECRET) + 1
    ifd1 = lat + 24
    thumb_at = ifd1 + 2 + 3 * 12 + 4
    out = b"II*\x00" + struct.pack("<I", ifd0)
    out += struct.pack("<H", 4)
    out += entry(0x010E, 2, len(SECRET) + 1, struct.pack("<I", desc))  # ImageDescription
    out += entry(0x0112, 3, 1, struct.pack("<H", orientation))
    out += entry(0x0131, 2, 4, b"GPS\x00")  # Software
    out += entry(0x8825, 4, 1, struct.pack("<I", gps))
    out += struct.pack("<I", ifd1)
    out += struct.pack("<H", 3)
    out += entry(0x0000, 1, 4, bytes([2, 3, 0, 0]))  # GPSVersionID
    out += entry(0x0001, 2, 2, b"N\x00")
    out += entry(0x0002, 5, 3, struct.pack("<I", lat))
    out += struct.pack("<I", 0)
    out += SECRET + b"\x00"
    out += struct.pack("<6I", 51, 1, 30, 1, 0, 1)
    out += struct.pack("<H", 3)
    out += entry(0x0103, 3, 1, struct.pack("<H", 6))
    out += entry(0x0201, 4, 1, struct.pack("<I", thumb_at))
    out += entry(0x0202, 4, 1, struct.pack("<I", len(thumb)))
    out += struct.pack("<I", 0)
    assert len(out) == thumb_at
    out += thumb
    return b"Exif\x00\x00" + out + GPS_MARKER


def _icc() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _dirty_jpeg(path: Path) -> Path:
    _photo().save(
        path, "JPEG", exif=_exif_with_gps_and_thumbnail(), xmp=XMP, icc_profile=_icc(), comment=SECRET
    )
    return path


def _dirty_png(path: Path) -> Path:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET.decode())
    info.add_itxt("Comment", SECRET.decode(), lang="en")
    info.add_text("Description", SECRET.decode() * 20, zip=True)
    _photo().save(path, "PNG", pnginfo=info, exif=_exif_with_gps_and_thumbnail(), icc_profile=_icc())
    return path


def _dirty_webp(path: Path) -> Path:
    _photo().save(path, "WEBP", exif=_exif_with_gps_and_thumbnail(), xmp=XMP, icc_profile=_icc())
    return path


def _dirty_tiff(path: Path) -> Path:
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[270] = SECRET.decode()  # ImageDescription
    ifd[274] = 1  # Orientation
    ifd[700] = XMP
    _photo().save(path, "TIFF", tiffinfo=ifd, icc_profile=_icc())
    return path


def _dirty_bmp(path: Path) -> Path:
    _photo().save(path, "BMP")
    path.write_bytes(path.read_bytes() + SECRET)
    return path


def _dirty_heic(path: Path) -> Path:
    _photo().save(path, "HEIF", exif=_exif_with_gps_and_thumbnail(), xmp=XMP)
    return path


DIRTY = {
    "photo.jpg": _dirty_jpeg,
    "photo.png": _dirty_png,
    "photo.webp": _dirty_webp,
    "photo.tif": _dirty_tiff,
    "photo.bmp": _dirty_bmp,
    "photo.heic": _dirty_heic,
}


def _assert_clean(path: Path) -> None:
    verify_clean(path)
    data = path.read_bytes()
    for needle in FORBIDDEN:
        assert needle not in data, needle
    with Image.open(path) as im:
        assert not set(im.info) & {"exif", "xmp", "icc_profile", "comment", "photoshop", "XML:com.adobe.xmp"}
        assert not getattr(im, "text", None)
        if im.format != "TIFF":  # a TIFF's getexif() lists its own image-structure tags
            assert len(im.getexif()) == 0
        assert getattr(im, "n_frames", 1) == 1


# ------------------------------------------------------------------ clean exports


@pytest.mark.parametrize("name", list(DIRTY))
def test_export_of_a_metadata_laden_photo_is_clean(tmp_path: Path, name: str) -> None:
    source = DIRTY[name](tmp_path / name)
    loaded = load_image(source)
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    dest = save_clean(
        loaded.pixels, export_path(source, out_dir), output_format(loaded.format), source=source
    )

    assert dest.parent == out_dir and dest.exists()
    _assert_clean(dest)


def test_exported_jpeg_has_no_exif_gps_or_thumbnail(tmp_path: Path) -> None:
    source = _dirty_jpeg(tmp_path / "ward.jpg")
    with Image.open(source) as im:  # the fixture really is dirty
        exif = im.getexif()
        assert exif[0x0112] == 6 and exif.get_ifd(ExifTags.IFD.GPSInfo)
        assert 0x0201 in exif.get_ifd(ExifTags.IFD.IFD1)  # the embedded thumbnail
        assert im.info.get("comment") == SECRET and im.info.get("xmp") and im.info.get("icc_profile")

    dest = save_clean(load_image(source).pixels, tmp_path / "clean.jpg", "JPEG", source=source)

    data = dest.read_bytes()
    assert data.count(b"\xff\xd8") == 1, "a second SOI would be an embedded thumbnail"
    assert b"\xff\xe1" not in data[: data.find(b"\xff\xda")]  # no APP1 before the scan
    _assert_clean(dest)


def test_export_keeps_the_upright_pixels_and_drops_the_orientation_tag(tmp_path: Path) -> None:
    source = _dirty_jpeg(tmp_path / "sideways.jpg")  # stored 48×32, Orientation 6

    dest = save_clean(load_image(source).pixels, tmp_path / "upright.png", "PNG", source=source)

    with Image.open(dest) as im:
        assert im.size == (32, 48)
        assert 0x0112 not in im.getexif()


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "BMP"])
def test_lossless_exports_keep_pixels_exactly(tmp_path: Path, fmt: str) -> None:
    pixels = np.asarray(_photo())
    dest = save_clean(pixels, tmp_path / f"x{imageio._WRITE_SUFFIX[fmt]}", fmt)
    assert np.array_equal(load_image(dest).pixels, pixels)


def test_jpeg_export_is_faithful_at_quality_92(tmp_path: Path) -> None:
    pixels = np.zeros((64, 64, 3), dtype=np.uint8)
    pixels[:, 32:] = (200, 120, 40)
    dest = save_clean(pixels, tmp_path / "x.jpg", "JPEG")
    assert np.abs(load_image(dest).pixels.astype(int) - pixels).mean() < 3


def test_exports_get_ordinary_file_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        dest = save_clean(np.asarray(_photo()), tmp_path / "x.png", "PNG")
    finally:
        os.umask(old)
    assert dest.stat().st_mode & 0o777 == 0o644


# ----------------------------------------------------------------------- verifier


def _jpeg_with(**kwargs) -> bytes:
    buf = io.BytesIO()
    _photo().save(buf, "JPEG", **kwargs)
    return buf.getvalue()


def _insert_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    return jpeg[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def _png_chunk(ctype: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(ctype + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", crc)


def _png_with_chunk(ctype: bytes, payload: bytes) -> bytes:
    buf = io.BytesIO()
    _photo().save(buf, "PNG")
    data = buf.getvalue()
    at = 8 + 25  # after the signature and IHDR
    return data[:at] + _png_chunk(ctype, payload) + data[at:]


def _png_bytes(**kwargs) -> bytes:
    buf = io.BytesIO()
    _photo().save(buf, "PNG", **kwargs)
    return buf.getvalue()


def _other(fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    _photo().save(buf, fmt, **kwargs)
    return buf.getvalue()


def _gps_only_exif() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}
    return exif.tobytes()


def _orientation_only_exif() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 1
    return exif.tobytes()


def _tiff_with(tag: int, value) -> bytes:
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[tag] = value
    return _other("TIFF", tiffinfo=ifd)


def _jfif_with_thumbnail() -> bytes:
    jpeg = _jpeg_with()
    # Rewrite the JFIF APP0 to declare a 1×1 thumbnail (3 bytes of RGB) after its header.
    length = struct.unpack(">H", jpeg[4:6])[0]
    jfif = bytearray(jpeg[6 : 4 + length])
    jfif[12:14] = b"\x01\x01"
    payload = bytes(jfif[:14]) + b"\x10\x20\x30"
    return jpeg[:2] + b"\xff\xe0" + struct.pack(">H", len(payload) + 2) + payload + jpeg[4 + length :]


DIRTY_BYTES = {
    "jpeg-exif-gps-thumbnail": (lambda: _jpeg_with(exif=_exif_with_gps_and_thumbnail()), "EXIF data (APP1)"),
    "jpeg-gps-only": (lambda: _jpeg_with(exif=_gps_only_exif()), "EXIF data (APP1)"),
    "jpeg-orientation-only": (lambda: _jpeg_with(exif=_orientation_only_exif()), "EXIF data (APP1)"),
    "jpeg-xmp": (lambda: _jpeg_with(xmp=XMP), "XMP metadata (APP1)"),
    "jpeg-icc": (lambda: _jpeg_with(icc_profile=_icc()), "ICC colour profile (APP2)"),
    "jpeg-comment": (lambda: _jpeg_with(comment=SECRET), "comment"),
    "jpeg-iptc": (lambda: _insert_segment(_jpeg_with(), 0xED, b"Photoshop 3.0\x00" + SECRET), "APP13"),
    "jpeg-app15": (lambda: _insert_segment(_jpeg_with(), 0xEF, SECRET), "APP15"),
    "jpeg-jfxx-thumbnail": (lambda: _insert_segment(_jpeg_with(), 0xE0, b"JFXX\x00\x10" + bytes(8)), "APP0"),
    "jpeg-jfif-thumbnail": (_jfif_with_thumbnail, "thumbnail"),
    "jpeg-bytes-after-eoi": (lambda: _jpeg_with() + SECRET, "after its end marker"),
    "jpeg-second-image-after-eoi": (lambda: _jpeg_with() + _thumbnail_jpeg(), "after its end marker"),
    "jpeg-mpo-previews": (lambda: _other("MPO", save_all=True, append_images=[_photo(24, 16)]), "preview"),
    "png-text": (lambda: _png_with_chunk(b"tEXt", b"Author\x00" + SECRET), "tEXt"),
    "png-itxt": (lambda: _png_with_chunk(b"iTXt", b"Comment\x00\x00\x00en\x00\x00" + SECRET), "iTXt"),
    "png-ztxt": (lambda: _png_with_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(SECRET)), "zTXt"),
    "png-exif": (lambda: _png_bytes(exif=_gps_only_exif()), "eXIf"),
    "png-icc": (lambda: _png_bytes(icc_profile=_icc()), "iCCP"),
    "png-time": (lambda: _png_with_chunk(b"tIME", bytes(7)), "tIME"),
    "png-private-chunk": (lambda: _png_with_chunk(b"prVt", SECRET), "prVt"),
    "png-bytes-after-iend": (lambda: _png_bytes() + SECRET, "after its end chunk"),
    "png-animated": (
        lambda: _other("PNG", save_all=True, append_images=[Image.new("RGB", (48, 32))]),
        "acTL",
    ),
    "webp-exif": (lambda: _other("WEBP", exif=_gps_only_exif()), "EXIF data"),
    "webp-xmp": (lambda: _other("WEBP", xmp=XMP), "XMP metadata"),
    "webp-icc": (lambda: _other("WEBP", icc_profile=_icc()), "ICC colour profile"),
    "webp-bytes-after-end": (lambda: _other("WEBP") + SECRET, "after its end"),
    "tiff-description": (lambda: _tiff_with(270, SECRET.decode()), "image description"),
    "tiff-xmp": (lambda: _tiff_with(700, XMP), "XMP"),
    "tiff-orientation": (lambda: _tiff_with(274, 6), "orientation"),
    "tiff-icc": (lambda: _other("TIFF", icc_profile=_icc()), "ICC"),
    "tiff-two-pages": (
        lambda: _other("TIFF", save_all=True, append_images=[Image.new("RGB", (48, 32))]),
        "more than one page",
    ),
    "bmp-bytes-after-end": (lambda: _other("BMP") + SECRET, "after its end"),
    "gif": (lambda: _other("GIF"), "not a JPEG, PNG"),
}


@pytest.mark.parametrize("case", list(DIRTY_BYTES))
def test_verifier_catches_each_dirty_file(tmp_path: Path, case: str) -> None:
    make, expected = DIRTY_BYTES[case]
    path = tmp_path / "dirty.bin"
    path.write_bytes(make())
    with pytest.raises(UnsafeExportError) as info:
        verify_clean(path)
    assert expected in str(info.value)
    assert "SMITH" not in str(info.value)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF", "WEBP", "BMP"])
def test_verifier_passes_plain_pillow_files_built_from_pixels(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "plain"
    path.write_bytes(_other(fmt, **imageio._encoder_options(fmt, 92)))
    verify_clean(path)


def test_verifier_refuses_a_truncated_export(tmp_path: Path) -> None:
    path = tmp_path / "cut.jpg"
    path.write_bytes(_jpeg_with()[:-50])
    with pytest.raises(UnsafeExportError):
        verify_clean(path)


# ----------------------------------------------------------- safety of the writes


def test_originals_keep_their_bytes_and_mtime_after_export(tmp_path: Path) -> None:
    sources = [DIRTY[name](tmp_path / name) for name in DIRTY]
    for source in sources:
        os.utime(source, (1_000_000_000, 1_000_000_000))
    before = {source: source.read_bytes() for source in sources}
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    taken: set[Path] = set()

    for source in sources:
        loaded = load_image(source)
        save_clean(loaded.pixels, export_path(source, out_dir, taken=taken), output_format(loaded.format))

    for source in sources:
        assert source.read_bytes() == before[source]
        assert source.stat().st_mtime == 1_000_000_000


def test_export_onto_the_source_is_refused(tmp_path: Path) -> None:
    source = _dirty_jpeg(tmp_path / "a.jpg")
    before = source.read_bytes()
    pixels = load_image(source).pixels

    with pytest.raises(ExportError, match="original"):
        save_clean(pixels, source, "JPEG", source=source)
    with pytest.raises(ExportError, match="original"):
        save_clean(pixels, tmp_path / "." / "a.jpg", "JPEG", source=source)

    link = tmp_path / "out" / "a.jpg"
    link.parent.mkdir()
    link.symlink_to(source)
    with pytest.raises(ExportError, match="original"):
        save_clean(pixels, link, "JPEG", source=source)

    hard = tmp_path / "hard.jpg"
    os.link(source, hard)
    with pytest.raises(ExportError, match="original"):
        save_clean(pixels, hard, "JPEG", source=source)

    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "hard.jpg", "out"]


def _existing_dest(tmp_path: Path) -> tuple[Path, bytes]:
    dest = tmp_path / "out.jpg"
    dest.write_bytes(b"previous export")
    return dest, dest.read_bytes()


def test_failed_encoding_leaves_the_old_file_and_no_temp_file(tmp_path: Path, monkeypatch) -> None:
    dest, before = _existing_dest(tmp_path)

    def broken_save(self, fp, *args, **kwargs):
        fp.write(b"half an image")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(ExportError, match="No space left on device"):
        save_clean(np.asarray(_photo()), dest, "JPEG")

    assert dest.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.jpg"]


def test_encoder_errors_become_export_errors(tmp_path: Path, monkeypatch) -> None:
    def broken_save(self, fp, *args, **kwargs):
        raise ValueError("encoder exploded")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(ExportError, match="^could not encode the image as PNG$"):
        save_clean(np.asarray(_photo()), tmp_path / "x.png", "PNG")
    assert list(tmp_path.iterdir()) == []


def test_an_export_failing_verification_never_takes_the_final_name(tmp_path: Path, monkeypatch) -> None:
    dest, before = _existing_dest(tmp_path)
    monkeypatch.setattr(imageio, "_encoder_options", lambda fmt, quality: {"exif": _gps_only_exif()})

    with pytest.raises(UnsafeExportError, match="EXIF"):
        save_clean(np.asarray(_photo()), dest, "JPEG")

    assert dest.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.jpg"]


def test_an_earlier_export_is_replaced_but_a_file_phiscrub_did_not_write_is_not(tmp_path: Path) -> None:
    dest = tmp_path / "out.jpg"
    assert save_clean(np.asarray(_photo()), dest, "JPEG") == dest
    assert save_clean(np.zeros((40, 50, 3), dtype=np.uint8), dest, "JPEG") == dest
    _assert_clean(dest)
    assert Image.open(dest).size == (50, 40)

    (tmp_path / "mine").mkdir()
    mine, before = _existing_dest(tmp_path / "mine")
    written = save_clean(np.asarray(_photo()), mine, "JPEG")
    assert written == mine.with_name("out-1.jpg")
    assert mine.read_bytes() == before
    _assert_clean(written)


def test_save_clean_refuses_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ExportError):
        save_clean(np.zeros((8, 8), dtype=np.uint8), tmp_path / "x.png", "PNG")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ExportError):
        save_clean(np.zeros((8, 8, 3), dtype=np.float64), tmp_path / "x.png", "PNG")
    with pytest.raises(ExportError):
        save_clean(np.zeros((8, 8, 3), dtype=np.uint8), tmp_path / "x.gif", "GIF")
    with pytest.raises(ExportError, match="HEIF"):
        save_clean(np.zeros((8, 8, 3), dtype=np.uint8), tmp_path / "x.heic", "HEIF")
    with pytest.raises(ExportError, match="^the output folder does not exist$"):
        save_clean(np.zeros((8, 8, 3), dtype=np.uint8), tmp_path / "missing" / "x.png", "PNG")


# ------------------------------------------------------------------- naming exports


def test_output_format_is_the_input_format_except_heif() -> None:
    assert [output_format(f) for f in ["JPEG", "PNG", "TIFF", "WEBP", "BMP"]] == [
        "JPEG",
        "PNG",
        "TIFF",
        "WEBP",
        "BMP",
    ]
    assert output_format("HEIF") == "JPEG"
    with pytest.raises(ValueError):
        output_format("GIF")


def test_export_names_in_one_batch_never_collide(tmp_path: Path) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    taken: set[Path] = set()
    names = [
        export_path(src / name, out, taken=taken).name
        for name in ["a.jpg", "a.png", "a.heic", "A.JPG", "a.jpeg", "b.tif", "B.tif"]
    ]
    assert names == ["a.jpg", "a.png", "a-1.jpg", "A-2.JPG", "a.jpeg", "b.tif", "B-1.tif"]
    assert len({n.casefold() for n in names}) == len(names)
    assert {p.name for p in taken} == set(names)


def test_export_name_uses_the_output_format_extension(tmp_path: Path) -> None:
    assert export_path(tmp_path / "IMG_1.HEIC", tmp_path / "o").name == "IMG_1.jpg"
    assert export_path(tmp_path / "scan.bmp", tmp_path / "o", fmt="PNG").name == "scan.png"


def test_export_name_is_never_the_source_or_a_link_to_it(tmp_path: Path) -> None:
    source = tmp_path / "a.jpg"
    source.write_bytes(b"x")
    assert export_path(source, tmp_path) == tmp_path / "a-1.jpg"

    out = tmp_path / "out"
    out.mkdir()
    (out / "a.jpg").symlink_to(source)
    assert export_path(source, out) == out / "a-1.jpg"
