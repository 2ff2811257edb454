"""Hostile, dirty and odd files the safety tests build for themselves.

Every builder writes real bytes (Pillow, zxing-cpp, or raw structures) under the
path it is given; none reads anything outside the test's tmp_path.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, PngImagePlugin, TiffImagePlugin

from phiscrub.models import Finding, Kind, Polygon
from phiscrub.scan import Scanner

#: Made-up PHI planted in metadata; it must never reach an export or a message.
SECRET = b"SMITH JOHN MRN 00482913"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="SMITH JOHN"'
    b' xmlns:GCamera="http://ns.google.com/photos/1.0/camera/" GCamera:MotionPhoto="1"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
#: Bytes that only metadata or a leaked trailer would put in an export.
FORBIDDEN = [
    b"SMITH",
    b"00482913",
    b"Exif\x00",
    b"xmpmeta",
    b"ICC_PROFILE",
    b"Photoshop 3.0",
    b"ftypmp42",
    b"GPSMARK",
    b"MakerNt",
]


# ----------------------------------------------------------------- scanning stand-in


class FixedRegions:
    """A stand-in detector: reports the same boxes on every image (a fake engine,
    so batch tests run in milliseconds while the export path stays the real one).
    `on_detect` runs before each detection (e.g. to delete a file mid-batch)."""

    def __init__(self, boxes: Iterable[Sequence[float]] = (), on_detect: Callable[[], None] | None = None):
        self.boxes = [tuple(float(v) for v in b) for b in boxes]
        self.on_detect = on_detect
        self.calls = 0

    def detect(self, pixels: np.ndarray) -> list[Finding]:
        self.calls += 1
        if self.on_detect is not None:
            self.on_detect()
        height, width = pixels.shape[:2]
        out = []
        for x0, y0, x1, y1 in self.boxes:
            x1, y1 = min(x1, width), min(y1, height)
            if x0 < x1 and y0 < y1:
                polygon = Polygon.of([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
                out.append(Finding(Kind.MANUAL, polygon, 1.0, "fixed"))
        return out


def fixed_scanner(boxes: Iterable[Sequence[float]] = (), **kwargs) -> Scanner:
    return Scanner(None, faces=FixedRegions(boxes, **kwargs), codes=False)


# -------------------------------------------------------------------------- pixels


def photo(width: int = 64, height: int = 48, seed: int = 0) -> Image.Image:
    """Noisy RGB with a red top-left marker, so orientation and content are visible."""
    rng = np.random.default_rng(seed)
    arr = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    arr[:8, :12] = (255, 0, 0)
    return Image.fromarray(arr)


def flat(colour: tuple[int, int, int], width: int = 32, height: int = 24) -> Image.Image:
    return Image.new("RGB", (width, height), colour)


def encoded(im: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kwargs)
    return buf.getvalue()


def qr_code(text: str = "MRN 00482913", scale: int = 4) -> Image.Image:
    """A QR code drawn by zxing-cpp, black on white, with its quiet zone."""
    import zxingcpp

    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    arr = np.asarray(zxingcpp.write_barcode_to_image(code, scale=scale, add_quiet_zones=True))
    return Image.fromarray(arr).convert("RGB")


# ------------------------------------------------------------------------ metadata


def icc_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def camera_exif(orientation: int = 1) -> bytes:
    """Raw EXIF as phones write it: IFD0 (Orientation, ImageDescription, pointers),
    an Exif IFD with a MakerNote, a GPS IFD, and IFD1 with a JPEG thumbnail."""
    thumb = encoded(flat((0, 200, 0), 16, 8), "JPEG")

    def entry(tag: int, typ: int, count: int, value: bytes) -> bytes:
        return struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\x00")

    maker = b"MakerNt" + SECRET
    ifd0 = 8
    exif_ifd = ifd0 + 2 + 5 * 12 + 4
    gps_ifd = exif_ifd + 2 + 1 * 12 + 4
    ifd1 = gps_ifd + 2 + 2 * 12 + 4
    desc = ifd1 + 2 + 3 * 12 + 4
    maker_at = desc + len(SECRET) + 1
    lat = maker_at + len(maker)
    thumb_at = lat + 24
    out = b"II*\x00" + struct.pack("<I", ifd0)
    out += struct.pack("<H", 5)
    out += entry(0x010E, 2, len(SECRET) + 1, struct.pack("<I", desc))  # ImageDescription
    out += entry(0x0112, 3, 1, struct.pack("<H", orientation))
    out += entry(0x0131, 2, 4, b"cam\x00")  # Software
    out += entry(0x8769, 4, 1, struct.pack("<I", exif_ifd))
    out += entry(0x8825, 4, 1, struct.pack("<I", gps_ifd))
    out += struct.pack("<I", ifd1)
    out += struct.pack("<H", 1) + entry(0x927C, 7, len(maker), struct.pack("<I", maker_at)) + bytes(4)
    out += struct.pack("<H", 2)
    out += entry(0x0001, 2, 2, b"N\x00")
    out += entry(0x0002, 5, 3, struct.pack("<I", lat))
    out += bytes(4)
    out += struct.pack("<H", 3)
    out += entry(0x0103, 3, 1, struct.pack("<H", 6))
    out += entry(0x0201, 4, 1, struct.pack("<I", thumb_at))
    out += entry(0x0202, 4, 1, struct.pack("<I", len(thumb)))
    out += bytes(4)
    assert len(out) == desc
    out += SECRET + b"\x00" + maker + struct.pack("<6I", 51, 1, 30, 1, 0, 1)
    assert len(out) == thumb_at
    return b"Exif\x00\x00" + out + thumb + b"GPSMARK"


def insert_jpeg_segment(jpeg: bytes, marker: int, payload: bytes) -> bytes:
    return jpeg[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def png_chunk(ctype: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + ctype + payload + struct.pack(">I", zlib.crc32(ctype + payload))


def with_png_chunk(png: bytes, ctype: bytes, payload: bytes) -> bytes:
    at = 8 + 25  # after the signature and IHDR
    return png[:at] + png_chunk(ctype, payload) + png[at:]


def iptc() -> bytes:
    record = b"\x1c\x02\x05" + struct.pack(">H", len(SECRET)) + SECRET  # IPTC 2:05 ObjectName
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(record)) + record
    return b"Photoshop 3.0\x00" + resource


def motion_photo_trailer() -> bytes:
    """What a Motion Photo appends after the JPEG: an MP4 with the clip."""
    return struct.pack(">I", 24) + b"ftypmp42" + bytes(12) + SECRET * 4


# ------------------------------------------------------------------ dirty originals


def dirty_jpeg(path: Path, im: Image.Image | None = None, orientation: int = 1) -> Path:
    """EXIF (GPS, MakerNote, IFD1 thumbnail), XMP, ICC, COM, IPTC and a Motion Photo trailer."""
    data = encoded(
        im or photo(),
        "JPEG",
        exif=camera_exif(orientation),
        xmp=XMP,
        icc_profile=icc_profile(),
        comment=SECRET,
    )
    path.write_bytes(insert_jpeg_segment(data, 0xED, iptc()) + motion_photo_trailer())
    return path


def dirty_png(path: Path, im: Image.Image | None = None) -> Path:
    """tEXt, iTXt, zTXt, eXIf, iCCP, tIME, and the leftover of a longer image after
    IEND (what aCropalypse-affected editors leave behind)."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET.decode())
    info.add_itxt("Comment", SECRET.decode(), lang="en")
    info.add_text("Description", SECRET.decode() * 20, zip=True)
    data = encoded(im or photo(), "PNG", pnginfo=info, exif=camera_exif(), icc_profile=icc_profile())
    data = with_png_chunk(data, b"tIME", bytes(7))
    leftover = encoded(photo(64, 200, seed=9), "PNG")[33:]  # IDATs + IEND of the uncropped image
    path.write_bytes(data + leftover)
    return path


def dirty_webp(path: Path, im: Image.Image | None = None) -> Path:
    data = encoded(im or photo(), "WEBP", exif=camera_exif(), xmp=XMP, icc_profile=icc_profile())
    path.write_bytes(data)
    return path


def dirty_tiff(path: Path, im: Image.Image | None = None) -> Path:
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[270] = SECRET.decode()  # ImageDescription
    ifd[305] = "cam"
    ifd[315] = SECRET.decode()  # Artist
    ifd[274] = 1
    ifd[700] = XMP
    ifd[33723] = iptc()
    (im or photo()).save(path, "TIFF", tiffinfo=ifd, icc_profile=icc_profile())
    return path


def dirty_bmp(path: Path, im: Image.Image | None = None) -> Path:
    path.write_bytes(encoded(im or photo(), "BMP") + SECRET)
    return path


def dirty_heic(path: Path, im: Image.Image | None = None) -> Path:
    """EXIF, XMP and a thumbnail image (pillow-heif cannot write depth maps; a
    second top-level image is refused, see the hostile-input tests)."""
    (im or photo()).save(path, "HEIF", exif=camera_exif(), xmp=XMP, thumbnails=[16])
    return path


def ultra_hdr_jpeg(path: Path, im: Image.Image | None = None) -> Path:
    """A primary JPEG with an MPF index and a second image (an HDR gain map, or an
    MPO's other view), with XMP describing it, and EXIF."""
    primary = im or photo()
    gain_map = flat((7, 7, 7), primary.width // 2, primary.height // 2)
    data = encoded(primary, "MPO", save_all=True, append_images=[gain_map], exif=camera_exif(), xmp=XMP)
    path.write_bytes(data)
    return path


DIRTY_ORIGINALS: dict[str, Callable[..., Path]] = {
    "phone.jpg": dirty_jpeg,
    "screen.png": dirty_png,
    "web.webp": dirty_webp,
    "scan.tif": dirty_tiff,
    "old.bmp": dirty_bmp,
    "iphone.heic": dirty_heic,
    "ultrahdr.jpg": ultra_hdr_jpeg,
}


# ------------------------------------------------------------------ hostile inputs


def png_header(width: int, height: int) -> bytes:
    """A PNG that announces width×height but holds one tiny IDAT: a decompression
    bomb's header, which must be refused before anything is decoded."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    chunks = png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def jpeg_with_size(width: int, height: int) -> bytes:
    """A small JPEG whose SOF0 header claims width×height."""
    data = bytearray(encoded(flat((90, 90, 90), 16, 16), "JPEG"))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def animated(fmt: str, frames: int = 3, **kwargs) -> bytes:
    images = [flat(c) for c in [(255, 0, 0), (0, 255, 0), (0, 0, 255), (9, 9, 9)][:frames]]
    return encoded(images[0], fmt, save_all=True, append_images=images[1:], **kwargs)
