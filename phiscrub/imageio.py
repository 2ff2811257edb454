"""Loading photos as upright RGB arrays, and exporting clean, metadata-free copies.

Loading turns any supported file into one array of upright pixels (EXIF orientation
applied), so every coordinate elsewhere in phiscrub refers to what a person sees.

Exporting builds a new file from those pixels only: nothing from the original file
(EXIF with GPS and thumbnails, XMP, IPTC, ICC profiles, comments, text chunks) can
ride along, because nothing of the original file is handed to the encoder. A verifier
then re-reads every written file and refuses it if anything but pixels is there, and
the file only takes its final name after it passed.

Originals are opened read-only and never written to; an export onto a source (or a
link to it) is refused. An existing file in the output folder is replaced only when
it is an unchanged export phiscrub wrote there (see phiscrub.manifest); anything else
keeps its name and the export takes the next free one.
"""

from __future__ import annotations

import io
import logging
import os
import re
import stat
import struct
import tempfile
import warnings
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from phiscrub import manifest

logger = logging.getLogger(__name__)

pillow_heif.register_heif_opener()

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".heic", ".heif"}
)

#: Files larger than this are refused before they are read (a 200 MP phone photo
#: is ~60 MB as JPEG; raw TIFFs of that size are ~600 MB and too big to scan anyway).
MAX_FILE_BYTES = 200 * 1024 * 1024

#: Decoders Pillow may use. Restricting them keeps obscure parsers away from
#: untrusted files, and makes a .gif or .pdf fail with a clear message.
#: (The JPEG decoder also opens MPO: a JPEG carrying extra preview images, see load_image.)
_DECODERS = ("JPEG", "PNG", "TIFF", "WEBP", "BMP", "HEIF")

#: What each suffix means, for naming exports before a file is opened.
_SUFFIX_FORMAT = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".png": "PNG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
    ".bmp": "BMP",
    ".heic": "HEIF",
    ".heif": "HEIF",
}

#: Formats save_clean writes, with the extension an export gets.
_WRITE_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "TIFF": ".tif", "WEBP": ".webp", "BMP": ".bmp"}

_NEUTRAL_BACKGROUND = (255, 255, 255)  # transparent areas are shown on white by most viewers


class ImageLoadError(Exception):
    """A file could not be read as a photo. ``str(e)`` is one plain sentence for the
    person using the tool; it never holds image content (nor the path: callers add it)."""


class ExportError(Exception):
    """A clean copy could not be written. Every file in the output folder is intact."""


class UnsafeExportError(ExportError):
    """The verifier found something other than pixels (metadata, extra frames, trailing
    bytes) in an export. The message names what was found, never its content."""


@dataclass(frozen=True)
class LoadedImage:
    """An upright RGB photo: ``pixels`` is H×W×3 uint8, C-contiguous and read-only."""

    pixels: np.ndarray
    format: str
    path: Path

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


# --------------------------------------------------------------------------- loading


def load_image(path: str | Path) -> LoadedImage:
    """Read a photo as upright RGB pixels.

    EXIF orientation is applied, every colour mode becomes RGB (transparency is
    flattened onto white), and the file is opened read-only. Raises ImageLoadError
    with a plain sentence for anything that is not a single, intact, supported image.
    """
    path = Path(path)
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Set globally by some other library; a partial photo would be scanned and
        # exported with a grey band without anyone noticing.
        logger.warning("Pillow's LOAD_TRUNCATED_IMAGES is on: truncated photos may load partially")
    data = _read_capped(path)
    try:
        # Pillow only warns between its limit and twice its limit; a warning is
        # still a decompression bomb for a tool that runs unattended on folders.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=_DECODERS)
            fmt = _format_name(im)
            _refuse_multi_frame(im)
            im.load()
            upright = _upright(im)
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError(_too_large_message(exc)) from exc
    except UnidentifiedImageError as exc:
        raise ImageLoadError(_not_an_image_message(data)) from exc
    except MemoryError as exc:
        raise ImageLoadError("the image is too large to fit in memory") from exc
    except Exception as exc:  # noqa: BLE001 - decoders raise OSError, SyntaxError, ValueError, struct.error ...
        logger.debug("decoder failed: %s", type(exc).__name__)
        raise ImageLoadError("the image is truncated or corrupt") from exc

    pixels = _to_rgb_array(upright)
    pixels.setflags(write=False)
    logger.debug("loaded %s image %dx%d", fmt, pixels.shape[1], pixels.shape[0])
    return LoadedImage(pixels=pixels, format=fmt, path=path)


def _read_capped(path: Path) -> bytes:
    """The file's bytes, read once through a read-only handle, refusing anything that
    is not a regular file of sensible size (directories, devices, FIFOs, huge files)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise ImageLoadError("the file is a link to something that does not exist") from None
        raise ImageLoadError("the file does not exist") from None
    except PermissionError:
        raise ImageLoadError("the file cannot be read (permission denied)") from None
    except OSError as exc:
        raise ImageLoadError(f"the file cannot be read ({exc.strerror or 'unknown error'})") from None
    _check_regular(st)
    try:
        # O_NONBLOCK: if the file was swapped for a FIFO since stat(), open() must not
        # wait for a writer; the fstat below then refuses it.
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        raise ImageLoadError("the file disappeared before it could be read") from None
    except PermissionError:
        raise ImageLoadError("the file cannot be read (permission denied)") from None
    except OSError as exc:
        raise ImageLoadError(f"the file cannot be read ({exc.strerror or 'unknown error'})") from None
    try:
        with os.fdopen(fd, "rb") as fh:
            _check_regular(os.fstat(fh.fileno()))
            # Read with a cap: the file may grow between fstat() and read().
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImageLoadError(f"the file cannot be read ({exc.strerror or 'unknown error'})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ImageLoadError(_file_too_large_message(len(data)))
    if not data:
        raise ImageLoadError("the file is empty")
    return data


#: Read-only, never the controlling terminal, never blocking on a FIFO.
_READ_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
)


def _check_regular(st: os.stat_result) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise ImageLoadError("this is a folder, not an image file")
    if not stat.S_ISREG(st.st_mode):
        # Devices and pipes could stream forever or block on open.
        raise ImageLoadError("this is not a regular file")
    if st.st_size == 0:
        raise ImageLoadError("the file is empty")
    if st.st_size > MAX_FILE_BYTES:
        raise ImageLoadError(_file_too_large_message(st.st_size))


def _file_too_large_message(size: int) -> str:
    return f"the file is too large ({size / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES / 2**20:.0f} MB)"


def _format_name(im: Image.Image) -> str:
    # An MPO is a JPEG whose extra images are previews of the same picture (or a
    # phone's HDR gain map); the file itself is an ordinary JPEG photo.
    return "JPEG" if im.format == "MPO" else str(im.format)


def _upright(im: Image.Image) -> Image.Image:
    """Apply EXIF orientation so pixels are as a person sees the photo."""
    try:
        # In place: without an orientation to apply, exif_transpose would return a
        # copy of the photo (23 ms for 12 MP) for nothing.
        ImageOps.exif_transpose(im, in_place=True)
        return im
    except Exception:  # noqa: BLE001 - malformed EXIF must not make a readable photo unusable
        # The export is built from the same pixels that are scanned, so coordinates
        # stay consistent; the photo may just be shown sideways.
        logger.warning("could not read the EXIF orientation; using the stored pixel order")
        return im


def _refuse_multi_frame(im: Image.Image) -> None:
    """Refuse animations and multi-page files rather than silently export frame 1."""
    if im.format == "MPO":
        # The extra MPO images are derived from the primary one (previews, gain
        # maps); an export never contains them, so nothing unredacted leaves.
        logger.info("ignoring %d embedded preview image(s) in a JPEG", getattr(im, "n_frames", 1) - 1)
        return
    frames = getattr(im, "n_frames", 1)
    if frames > 1:
        raise ImageLoadError(
            f"animated/multi-page images are not supported yet: this file has {frames} frames"
        )


def _too_large_message(exc: BaseException) -> str:
    limit_mp = (Image.MAX_IMAGE_PIXELS or 0) / 1e6
    found = re.search(r"\((\d+) pixels\)", str(exc))
    if found:
        return (
            f"the image is too large ({int(found.group(1)) / 1e6:.0f} megapixels; "
            f"the limit is {limit_mp:.0f} megapixels)"
        )
    return f"the image is too large (the limit is {limit_mp:.0f} megapixels)"


def _not_an_image_message(data: bytes) -> str:
    """Say what the file looks like instead, from its first bytes only."""
    head = data[:64]
    known = [
        (b"GIF8", "GIF images are not supported"),
        (b"%PDF", "not an image file (it looks like a PDF document)"),
        (b"PK\x03\x04", "not an image file (it looks like a ZIP archive or Office document)"),
        (b"ID3", "not an image file (it looks like audio)"),
        (b"fLaC", "not an image file (it looks like audio)"),
        (b"OggS", "not an image file (it looks like audio or video)"),
        (b"\x1aE\xdf\xa3", "not an image file (it looks like video)"),
        (b"8BPS", "Photoshop files are not supported"),
    ]
    for magic, message in known:
        if head.startswith(magic):
            return message
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"AVI "):
        return "not an image file (it looks like audio or video)"
    if head[4:8] == b"ftyp":
        return "not a supported image (it looks like a video or an unsupported HEIF/AVIF variant)"
    if head[:2] == b"\xff\xd8" or head[:8] == b"\x89PNG\r\n\x1a\n":
        return "the image is truncated or corrupt"
    if _looks_like_text(data[:4096]):
        return "not an image file (it looks like text)"
    return "not an image file, or an image format phiscrub does not support"


def _looks_like_text(sample: bytes) -> bool:
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character cut at the end of the sample is still text.
        try:
            text = sample[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return bool(text) and printable / len(text) > 0.95


def _to_rgb_array(im: Image.Image) -> np.ndarray:
    """Any Pillow mode as an H×W×3 uint8 RGB array; alpha is flattened onto white."""
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        return _high_depth_gray_to_rgb(im)
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode == "PA":
        im = im.convert("RGBA")
    elif mode in ("1", "L"):
        im = im.convert("RGB")
    elif mode == "LA":
        im = im.convert("RGBA")
    elif mode == "RGBa":
        im = im.convert("RGBA")
    if im.mode == "RGBA":
        background = Image.new("RGBA", im.size, (*_NEUTRAL_BACKGROUND, 255))
        im = Image.alpha_composite(background, im)
    if im.mode != "RGB":
        try:
            im = im.convert("RGB")
        except (ValueError, OSError) as exc:
            raise ImageLoadError(f"images in colour mode {mode} are not supported") from exc
    # One C-contiguous array over the decoded bytes; load_image makes it read-only
    # anyway, so it is not copied once more (13 ms for 12 MP).
    return np.ascontiguousarray(np.asarray(im, dtype=np.uint8))


def _high_depth_gray_to_rgb(im: Image.Image) -> np.ndarray:
    """16-bit, 32-bit and float grayscale scaled to 8 bits. Pillow's own conversion
    clips at 255, which turns most 16-bit scans white."""
    arr = np.asarray(im).astype(np.float64)  # astype also normalises big-endian I;16B
    arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
    if im.mode.startswith("I;16"):
        scaled = arr / 257.0
    elif im.mode == "F" and arr.size and 0 <= arr.min() and arr.max() <= 1.0:
        scaled = arr * 255.0  # floating-point images usually hold 0..1
    else:
        lo, hi = float(arr.min()), float(arr.max())
        if lo >= 0 and hi <= 255:
            scaled = arr
        elif lo >= 0 and hi <= 65535:
            scaled = arr / 257.0
        else:
            scaled = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
    gray = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2))


# ---------------------------------------------------------------------- export naming


def output_format(input_format: str) -> str:
    """The format an export of a file in `input_format` is written in.

    The same as the input, except HEIF, which becomes JPEG: the verifier can check a
    JPEG marker by marker, while a HEIF container holds metadata, thumbnails, depth
    maps and auxiliary images as separate items that are much harder to prove absent;
    JPEG is also what the places these photos get posted to accept everywhere.
    """
    fmt = input_format.upper()
    if fmt in ("HEIF", "HEIC", "MPO", "JPG"):
        return "JPEG"
    if fmt == "TIF":
        return "TIFF"
    if fmt in _WRITE_SUFFIX:
        return fmt
    raise ValueError(f"unsupported image format: {input_format!r}")


def format_for_suffix(suffix: str) -> str:
    """The output format an export named with `suffix` is written in (".jpeg" -> "JPEG")."""
    fmt = _SUFFIX_FORMAT.get(suffix.lower())
    if fmt is None:
        raise ValueError(f"not an image extension: {suffix!r}")
    return output_format(fmt)


_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis")


def sniff_format(path: str | Path) -> str | None:
    """The image format a file's first bytes announce ("JPEG", "PNG" ...), or None.

    For naming the export of a file whose name has no image extension before it
    is loaded; the file is opened read-only and only its first 16 bytes are read.
    """
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        head = os.read(fd, 16)
    except OSError:
        return None
    finally:
        os.close(fd)
    if head[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[:2] == b"BM":
        return "BMP"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "HEIF"
    return None


def export_path(source: Path, out_dir: Path, fmt: str | None = None, taken: set[Path] | None = None) -> Path:
    """A destination in `out_dir` for the clean copy of `source`.

    Same stem, extension of the output format (the source's own spelling is kept
    when it already fits, e.g. ``.jpeg``). The result never is the source nor a link
    to it, and never collides with a path in `taken`, compared case-insensitively
    because macOS and Windows folders are; the result is added to `taken`, so a batch
    can pass one set for all files: ``a.heic`` and ``a.jpg`` both export as JPEG and
    become ``a.jpg`` and ``a-1.jpg``.
    An existing file is passed over unless it looks like an export phiscrub wrote
    there (re-running a batch rewrites its own outputs); save_clean checks that for
    certain before it replaces anything, and may still choose another name.
    """
    source = Path(source)
    out_dir = Path(out_dir)
    if fmt is None:
        in_fmt = _SUFFIX_FORMAT.get(source.suffix.lower())
        if in_fmt is None:
            raise ValueError(f"cannot tell the image format from the extension {source.suffix!r}")
        fmt = output_format(in_fmt)
    else:
        fmt = output_format(fmt)
    suffix = _WRITE_SUFFIX[fmt]
    if _SUFFIX_FORMAT.get(source.suffix.lower()) == fmt:
        suffix = source.suffix
    taken_keys = {_path_key(p) for p in taken} if taken else set()
    outputs = manifest.read(out_dir)
    n = 0
    while True:
        tail = suffix if n == 0 else f"-{n}{suffix}"
        candidate = out_dir / f"{_fit_stem(source.stem, tail)}{tail}"
        if (
            _path_key(candidate) not in taken_keys
            and not _is_same_file(candidate, source)
            and (_lstat(candidate) is None or outputs.might_be_ours(candidate))
        ):
            break
        n += 1
    if taken is not None:
        taken.add(candidate)
    return candidate


#: Longest file name (in bytes) most file systems accept.
_NAME_MAX = 255


def _fit_stem(stem: str, tail: str) -> str:
    """`stem` cut so that stem + tail fits in a file name, never mid-character."""
    room = _NAME_MAX - len(os.fsencode(tail))
    encoded = os.fsencode(stem)
    if len(encoded) <= room:
        return stem
    cut = encoded[:room]
    for drop in range(4):  # a UTF-8 character is at most 4 bytes
        try:
            return cut[: len(cut) - drop].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return os.fsdecode(cut)  # not UTF-8 to begin with: keep the bytes as they were


def _path_key(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path)).casefold()


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


def _is_same_file(a: Path, b: Path) -> bool:
    """True when `a` and `b` name the same file: same resolved path (symlinks
    followed, even dangling ones) or same inode (hard links)."""
    try:
        if Path(a).resolve() == Path(b).resolve():
            return True
    except (OSError, RuntimeError):  # a symlink loop: treat as "could be anything"
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# ----------------------------------------------------------------------------- export


def save_clean(
    pixels: np.ndarray,
    dest: str | Path,
    fmt: str,
    *,
    source: Path | None = None,
    quality: int = 92,
    taken: Collection[Path] = (),
) -> Path:
    """Write `pixels` (H×W×3 uint8 RGB) as a new, metadata-free file named `dest`,
    or beside it; returns the path actually written.

    The file is built from the pixels alone, written to a temporary file beside
    `dest`, fsynced, checked with verify_clean, and only then given its name. An
    existing `dest` is replaced only when it is an unchanged export phiscrub wrote
    there (its bytes match the folder's manifest); otherwise the export takes the
    next free name (``ward-1.jpg`` ...), never one in `taken` (names a batch reserved
    for its other files), and the name is claimed without replacing anything, so a
    file that appears meanwhile is kept too. On any failure the temporary file is
    removed and the folder is as it was; one left by a process killed mid-write is
    removed by the next export into that folder. A `dest` that is `source` (or a
    link to it) is refused.
    """
    dest = Path(dest)
    requested = fmt
    fmt = {"JPG": "JPEG", "TIF": "TIFF"}.get(fmt.upper(), fmt.upper())
    if fmt not in _WRITE_SUFFIX:
        # Not silently mapped (HEIF -> JPEG): the caller named `dest` for this format.
        raise ExportError(f"cannot write images in the {requested} format (see output_format)")
    pixels = _check_pixels(pixels)
    if source is not None and _is_same_file(dest, Path(source)):
        raise ExportError("refusing to overwrite the original photo: choose a different output folder")
    if not dest.parent.is_dir():
        raise ExportError("the output folder does not exist")

    options = _encoder_options(fmt, quality)
    _sweep_stale_temps(dest.parent)
    tmp_name: str | None = None
    try:
        with tempfile.NamedTemporaryFile(
            dir=dest.parent, prefix=f"{_TEMP_PREFIX}{os.getpid()}-", suffix=_WRITE_SUFFIX[fmt], delete=False
        ) as fh:
            tmp_name = fh.name
            # fromarray: a fresh image with an empty `info`, so the encoder has
            # nothing of the original (EXIF, ICC, comment ...) to copy.
            Image.fromarray(pixels).save(fh, format=fmt, **options)
            fh.flush()
            os.fsync(fh.fileno())
            _make_readable_like_a_normal_file(fh.fileno())
        data = _read_back(Path(tmp_name))
        size = _verify_bytes(data)
        if size != (pixels.shape[1], pixels.shape[0]):
            raise UnsafeExportError("the written image does not have the expected size")
        # Locked so parallel workers never interleave check, rename and manifest update.
        with manifest.locked(dest.parent):
            outputs = manifest.read(dest.parent)
            written, replaced = _place(Path(tmp_name), dest, outputs, source, taken)
            if replaced:
                tmp_name = None
            _fsync_dir(dest.parent)
            # A recorded `dest` that was not replaced has changed since: no longer ours.
            stale = dest.name if written != dest else None
            manifest.record(outputs, written.name, manifest.Written.of(data), forget=stale)
    except ExportError:  # includes UnsafeExportError: already a clear sentence
        raise
    except OSError as exc:
        raise ExportError(f"could not write the image ({exc.strerror or type(exc).__name__})") from exc
    except Exception as exc:  # noqa: BLE001 - encoders raise ValueError, KeyError ...
        raise ExportError(f"could not encode the image as {fmt}") from exc
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                logger.warning("could not remove a temporary export file in the output folder")
    logger.debug("exported a clean %s image %dx%d", fmt, pixels.shape[1], pixels.shape[0])
    return written


#: How many "-<n>" names save_clean tries before giving up.
_MAX_NAME_TRIES = 10_000


def _place(
    tmp: Path, dest: Path, outputs: manifest.Manifest, source: Path | None, taken: Collection[Path]
) -> tuple[Path, bool]:
    """Give the verified temp file its final name: `dest` when it is free or an
    unchanged export of ours (then replaced), else the first free "-<n>" name.
    Returns that name and whether `tmp` was renamed (else it is still a second link)."""
    reserved: set[str] | None = None  # built only when needed: most exports keep `dest`
    for n in range(_MAX_NAME_TRIES):
        if n == 0:
            candidate = dest
        else:
            if reserved is None:
                reserved = {_path_key(p) for p in taken}
            tail = f"-{n}{dest.suffix}"
            candidate = dest.with_name(f"{_fit_stem(dest.stem, tail)}{tail}")
            if _path_key(candidate) in reserved or (source is not None and _is_same_file(candidate, source)):
                continue
        if _lstat(candidate) is not None:
            # Only `dest` itself may be replaced: another "-<n>" export of ours may
            # be a different photo's from an earlier run.
            if n == 0 and outputs.is_ours(candidate):
                os.replace(tmp, candidate)
                return candidate, True
            continue
        try:
            _link_no_clobber(tmp, candidate)
        except FileExistsError:  # appeared since the check
            continue
        if n:
            logger.info("kept a file phiscrub did not write (or that changed since) under the export's name")
        return candidate, False
    raise ExportError("no free name for the export in the output folder")


def _link_no_clobber(tmp: Path, dest: Path) -> None:
    """Make `dest` a name of the file `tmp`, raising FileExistsError, atomically, if
    anything has that name already (a rename would silently replace it)."""
    try:
        os.link(tmp, dest)
        return
    except FileExistsError:
        raise
    except OSError as exc:
        # No hard links here (FAT, exFAT, some network shares): claim the name with an
        # exclusive create, then rename onto that empty placeholder, which is ours.
        logger.debug("cannot hard-link in the output folder (%s); claiming the name first", exc.strerror)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    placeholder = os.fstat(fd)
    os.close(fd)
    try:
        os.replace(tmp, dest)
    except BaseException:
        st = _lstat(dest)
        if st is not None and st.st_size == 0 and os.path.samestat(st, placeholder):
            os.unlink(dest)
        raise


#: Temporary exports (and manifests) are named ".phiscrub-<pid>-<random><suffix>": a process
#: killed while writing leaves one behind, which the next export into that folder removes.
_TEMP_PREFIX = ".phiscrub-"
_TEMP_NAME = re.compile(r"^\.phiscrub-(\d+)-[A-Za-z0-9_]+\.(?:jpg|png|tif|webp|bmp|json)$")
_swept: set[str] = set()


def _sweep_stale_temps(folder: Path) -> None:
    """Remove temporary exports left in `folder` by phiscrub processes that died
    mid-write (once per folder and process; a live process's files are kept)."""
    key = os.path.realpath(folder)
    if key in _swept:
        return
    _swept.add(key)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        found = _TEMP_NAME.match(name)
        if found is None or _process_alive(int(found.group(1))):
            continue
        try:
            os.unlink(os.path.join(folder, name))
            logger.info("removed a temporary file left by an interrupted export")
        except OSError:
            pass


def _process_alive(pid: int) -> bool:
    if pid == os.getpid() or os.name != "posix":
        return True  # (on Windows os.kill(pid, 0) would terminate the process)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # exists but is someone else's, or cannot tell: keep the file
    return True


def _check_pixels(pixels: np.ndarray) -> np.ndarray:
    if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8 or pixels.ndim != 3:
        raise ExportError("cannot export: the pixels must be an H×W×3 array of 8-bit values")
    if pixels.shape[2] != 3 or pixels.shape[0] == 0 or pixels.shape[1] == 0:
        raise ExportError("cannot export: the pixels must be an H×W×3 array of 8-bit values")
    return np.ascontiguousarray(pixels)


def _encoder_options(fmt: str, quality: int) -> dict:
    """Only pixel-encoding options; every metadata option is explicitly empty."""
    if fmt == "JPEG":
        # 4:2:0 matches what cameras write. No Huffman optimisation: on a 12 MP photo it
        # took 0.12 instead of 0.06 s for a file 8% smaller, and the photo is bound for
        # social media, which re-encodes it anyway.
        return {"quality": quality, "optimize": False, "subsampling": 2, "exif": b"", "comment": b""}
    if fmt == "PNG":
        return {"compress_level": 6}
    if fmt == "TIFF":
        return {"compression": "tiff_lzw"}
    if fmt == "WEBP":
        return {"quality": quality, "method": 4, "exif": b"", "xmp": b"", "icc_profile": b""}
    return {}  # BMP has nowhere to put metadata except a V5 header, which Pillow never writes


def _make_readable_like_a_normal_file(fd: int) -> None:
    # NamedTemporaryFile creates 0600; an export should get the usual 0666 & ~umask.
    if not hasattr(os, "fchmod"):
        return
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)
    except OSError:
        logger.debug("could not set export permissions")


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); harmless to skip where unsupported."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- verifier

# Byte strings that only occur in metadata. The structural checks below already
# catch them; this is a second, format-agnostic net.
_TELLTALE_BYTES = {
    b"Exif\x00\x00": "EXIF data",
    b"http://ns.adobe.com/xap/1.0/": "XMP metadata",
    b"<x:xmpmeta": "XMP metadata",
    b"ICC_PROFILE\x00": "an ICC colour profile",
    b"Photoshop 3.0\x00": "IPTC/Photoshop metadata",
}

_INFO_KEYS = {
    "exif": "EXIF data",
    "xmp": "XMP metadata",
    "XML:com.adobe.xmp": "XMP metadata",
    "icc_profile": "an ICC colour profile",
    "comment": "a comment",
    "photoshop": "IPTC/Photoshop metadata",
    "iptc": "IPTC metadata",
    "adobe": "an Adobe marker",
}


def verify_clean(path: str | Path) -> None:
    """Re-read an exported file and raise UnsafeExportError if it holds anything but
    one frame of pixels: EXIF (any tag, GPS, thumbnail), XMP, IPTC, ICC profile,
    comments, text chunks, unknown chunks or markers, or bytes after the image end."""
    _verify(Path(path))


def _verify(path: Path) -> tuple[int, int]:
    """verify_clean, returning the decoded (width, height)."""
    return _verify_bytes(_read_back(path))


def _read_back(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UnsafeExportError(f"the export cannot be read back ({exc.strerror})") from exc


def _verify_bytes(data: bytes) -> tuple[int, int]:
    """verify_clean on a file's bytes, returning the decoded (width, height)."""
    if data[:2] == b"\xff\xd8":
        _verify_jpeg_structure(data)
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        _verify_png_structure(data)
    elif data[:4] in (b"II*\x00", b"MM\x00*"):
        _verify_tiff_structure(data)  # the tags themselves are checked below
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        _verify_webp_structure(data)
    elif data[:2] == b"BM":
        _verify_bmp_structure(data)
    else:
        raise UnsafeExportError("the export is not a JPEG, PNG, TIFF, WebP or BMP file phiscrub can check")

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=("JPEG", "PNG", "TIFF", "WEBP", "BMP")) as im:
                if getattr(im, "n_frames", 1) > 1:
                    raise UnsafeExportError(f"the export has {im.n_frames} frames")
                for key, what in _INFO_KEYS.items():
                    if im.info.get(key):
                        raise UnsafeExportError(f"the export contains {what}")
                if getattr(im, "text", None):
                    raise UnsafeExportError("the export contains text chunks")
                if im.format == "TIFF":
                    _verify_tiff_tags(im)  # a TIFF's getexif() is its own IFD0, checked tag by tag
                elif len(im.getexif()):
                    raise UnsafeExportError("the export contains EXIF data")
                size = im.size
                if im.format == "JPEG":
                    # Decoded at an eighth of its size: the decoder still reads every
                    # coefficient of every scan, so a truncated or damaged file fails
                    # the same, at a quarter of the time (12 MP: 50 -> 12 ms).
                    im.draft(im.mode, (max(1, size[0] // 8), max(1, size[1] // 8)))
                im.load()
    except UnsafeExportError:
        raise
    except Exception as exc:  # noqa: BLE001 - any decoder failure means the file is not right
        raise UnsafeExportError("the export cannot be decoded again") from exc

    for needle, what in _TELLTALE_BYTES.items():
        if needle in data:
            raise UnsafeExportError(f"the export contains {what}")
    return size


_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7: markers without a length
_JPEG_ALLOWED = {
    *(m for m in range(0xC0, 0xD0) if m != 0xC8),  # SOF0-15 with DHT (C4) and DAC (CC); C8 is reserved
    0xDB,  # DQT
    0xDD,  # DRI
    0xDA,  # SOS
    0xE0,  # APP0, checked to be a JFIF header without thumbnail
}


def _verify_jpeg_structure(data: bytes) -> None:
    """Walk the JPEG markers: only image-coding segments and a bare JFIF APP0 may
    appear, and the file must end at the EOI marker."""
    pos = 2
    n = len(data)
    while True:
        if pos + 1 >= n:
            raise UnsafeExportError("the JPEG export has no end marker")
        if data[pos] != 0xFF:
            raise UnsafeExportError("the JPEG export has an unreadable marker structure")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == 0xD9:  # EOI
            if pos + 2 != n:
                raise UnsafeExportError(f"the JPEG export has {n - pos - 2} bytes after its end marker")
            return
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        if pos + 4 > n:
            raise UnsafeExportError("the JPEG export is truncated")
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segment = data[pos + 4 : pos + 2 + length]
        if marker not in _JPEG_ALLOWED:
            raise UnsafeExportError(f"the JPEG export contains {_jpeg_segment_name(marker, segment)}")
        if marker == 0xE0:
            _check_jfif(segment)
        pos += 2 + length
        if marker == 0xDA:
            pos = _skip_entropy_coded(data, pos)


def _check_jfif(segment: bytes) -> None:
    if segment[:5] != b"JFIF\x00":
        raise UnsafeExportError(
            "the JPEG export contains an APP0 segment that is not JFIF (e.g. a thumbnail)"
        )
    # Bytes 12 and 13 are the thumbnail width and height.
    if len(segment) > 14 or (len(segment) >= 14 and (segment[12] or segment[13])):
        raise UnsafeExportError("the JPEG export contains a JFIF thumbnail")


def _skip_entropy_coded(data: bytes, pos: int) -> int:
    """Position of the first real marker after scan data (FF00 is a stuffed byte,
    FFD0-FFD7 are restart markers inside the scan)."""
    n = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= n:
            raise UnsafeExportError("the JPEG export has no end marker")
        nxt = data[pos + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            pos += 1 if nxt == 0xFF else 2
            continue
        return pos


def _jpeg_segment_name(marker: int, segment: bytes) -> str:
    """Name a forbidden segment by what it holds (from its identifier, not its content)."""
    if marker == 0xE1:
        if segment.startswith(b"Exif\x00"):
            return "EXIF data (APP1)"
        if segment.startswith(b"http://ns.adobe.com/xap/") or segment.startswith(b"http://ns.adobe.com/xmp"):
            return "XMP metadata (APP1)"
        return "an APP1 segment"
    if marker == 0xE2:
        if segment.startswith(b"ICC_PROFILE\x00"):
            return "an ICC colour profile (APP2)"
        if segment.startswith(b"MPF\x00"):
            return "embedded preview images (MPF, APP2)"
        return "an APP2 segment"
    if marker == 0xED:
        return "IPTC/Photoshop metadata (APP13)"
    if marker == 0xEE:
        return "an Adobe segment (APP14)"
    if 0xE0 <= marker <= 0xEF:
        return f"an APP{marker - 0xE0} segment"
    if marker == 0xFE:
        return "a comment (COM segment)"
    return f"an unexpected marker 0xFF{marker:02X}"


_PNG_ALLOWED = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"pHYs", b"sRGB", b"gAMA", b"cHRM", b"sBIT"}
_PNG_NAMES = {
    b"tEXt": "a text chunk (tEXt)",
    b"iTXt": "a text chunk (iTXt)",
    b"zTXt": "a text chunk (zTXt)",
    b"eXIf": "EXIF data (eXIf chunk)",
    b"iCCP": "an ICC colour profile (iCCP chunk)",
    b"tIME": "a timestamp (tIME chunk)",
    b"acTL": "animation frames (acTL chunk)",
}


def _verify_png_structure(data: bytes) -> None:
    """Walk the PNG chunks: only image chunks may appear, and nothing after IEND."""
    pos = 8
    n = len(data)
    while pos + 8 <= n:
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > n:
            raise UnsafeExportError("the PNG export is truncated")
        if ctype not in _PNG_ALLOWED:
            name = _PNG_NAMES.get(ctype, f"an unexpected {ctype.decode('latin-1')!r} chunk")
            raise UnsafeExportError(f"the PNG export contains {name}")
        if ctype == b"IEND":
            if end != n:
                raise UnsafeExportError(f"the PNG export has {n - end} bytes after its end chunk")
            return
        pos = end
    raise UnsafeExportError("the PNG export has no end chunk")


# Baseline image-structure tags; anything else (ImageDescription, Make, DateTime,
# Orientation, XMP, EXIF/GPS IFDs, IPTC, ICC, SubIFDs ...) fails the export.
_TIFF_ALLOWED_TAGS = {
    254,
    256,
    257,
    258,
    259,
    262,
    273,
    277,
    278,
    279,
    282,
    283,
    284,
    296,
    317,
    322,
    323,
    324,
    325,
    338,
    339,
}
_TIFF_NAMES = {
    270: "an image description",
    274: "an orientation tag",
    305: "a software tag",
    306: "a date/time tag",
    315: "an artist tag",
    700: "XMP metadata",
    33432: "a copyright tag",
    33723: "IPTC metadata",
    34377: "Photoshop metadata",
    34665: "EXIF data",
    34675: "an ICC colour profile",
    34853: "GPS data",
    330: "sub-images (SubIFDs)",
}


def _verify_tiff_tags(im: Image.Image) -> None:
    for tag in im.tag_v2.keys():
        if tag not in _TIFF_ALLOWED_TAGS:
            what = _TIFF_NAMES.get(tag, f"the metadata tag {tag}")
            raise UnsafeExportError(f"the TIFF export contains {what}")


_TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}


def _verify_tiff_structure(data: bytes) -> None:
    """Account for every byte of a single-page TIFF: header, the one IFD, its tag
    values and its strips or tiles. Bytes nothing points at (a trailer, or data
    tucked between the parts) fail the export; only zero padding is allowed."""
    order = "<" if data[:2] == b"II" else ">"
    n = len(data)
    try:
        (ifd,) = struct.unpack(order + "I", data[4:8])
        (count,) = struct.unpack(order + "H", data[ifd : ifd + 2])
        used = [(0, 8), (ifd, ifd + 2 + 12 * count + 4)]
        values: dict[int, tuple[int, ...]] = {}
        for i in range(count):
            at = ifd + 2 + 12 * i
            tag, typ, num = struct.unpack(order + "HHI", data[at : at + 8])
            size = _TIFF_TYPE_SIZES.get(typ, 1) * num
            where = at + 8 if size <= 4 else struct.unpack(order + "I", data[at + 8 : at + 12])[0]
            if size > 4:
                used.append((where, where + size))
            if tag in (273, 279, 324, 325) and typ in (3, 4):
                fmt = order + ("H" if typ == 3 else "I") * num
                values[tag] = struct.unpack(fmt, data[where : where + size])
        (next_ifd,) = struct.unpack(order + "I", data[ifd + 2 + 12 * count : ifd + 6 + 12 * count])
    except struct.error as exc:
        raise UnsafeExportError("the TIFF export is truncated") from exc
    if next_ifd:
        raise UnsafeExportError("the TIFF export has more than one page")
    offsets = values.get(273) or values.get(324) or ()
    lengths = values.get(279) or values.get(325) or ()
    if len(offsets) != len(lengths):
        raise UnsafeExportError("the TIFF export has an unreadable strip layout")
    used += [(o, o + length) for o, length in zip(offsets, lengths, strict=True)]
    if any(end > n for _, end in used):
        raise UnsafeExportError("the TIFF export is truncated")
    covered = np.zeros(n, dtype=bool)
    for start, end in used:
        covered[start:end] = True
    stray = np.flatnonzero(~covered)
    if stray.size and (np.frombuffer(data, dtype=np.uint8)[stray].any() or stray.size > len(used)):
        raise UnsafeExportError(f"the TIFF export has {stray.size} bytes outside its image data")


_WEBP_ALLOWED = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH"}
_WEBP_NAMES = {
    b"EXIF": "EXIF data",
    b"XMP ": "XMP metadata",
    b"ICCP": "an ICC colour profile",
    b"ANIM": "animation frames",
    b"ANMF": "animation frames",
}


_VP8X_FLAGS = {
    0x20: "an ICC colour profile",
    0x08: "EXIF data",
    0x04: "XMP metadata",
    0x02: "animation frames",
}


def _verify_webp_structure(data: bytes) -> None:
    """Walk the RIFF chunks: only image chunks, no metadata flags, nothing after the end."""
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size
    if end != len(data):
        raise UnsafeExportError(
            "the WebP export has bytes after its end" if end < len(data) else "the WebP export is truncated"
        )
    pos = 12
    while pos + 8 <= end:
        ctype = data[pos : pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        if ctype not in _WEBP_ALLOWED:
            what = _WEBP_NAMES.get(ctype, f"an unexpected {ctype.decode('latin-1')!r} chunk")
            raise UnsafeExportError(f"the WebP export contains {what}")
        if ctype == b"VP8X" and length >= 1:
            for bit, what in _VP8X_FLAGS.items():
                if data[pos + 8] & bit:
                    raise UnsafeExportError(f"the WebP export contains {what}")
        pos += 8 + length + (length & 1)  # chunks are padded to even sizes


def _verify_bmp_structure(data: bytes) -> None:
    """BMP can only hide an ICC profile (V5 header) or bytes past its declared size."""
    if len(data) < 18:
        raise UnsafeExportError("the BMP export is truncated")
    (file_size,) = struct.unpack("<I", data[2:6])
    if file_size != len(data):
        raise UnsafeExportError("the BMP export has bytes after its end")
    (header_size,) = struct.unpack("<I", data[14:18])
    if header_size >= 108 and len(data) >= 14 + 60:
        cs_type = data[14 + 56 : 14 + 60]
        if cs_type in (b"MBED", b"LINK", b"DEBM", b"KNIL"):
            raise UnsafeExportError("the BMP export contains an ICC colour profile")
