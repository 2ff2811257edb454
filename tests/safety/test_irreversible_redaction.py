"""1. Redaction that cannot be undone: every style is content-free down to the
exported bytes, boxes are padded to the JPEG block grid, and alpha is flattened."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phiscrub.batch import collect_inputs, process
from phiscrub.imageio import load_image
from phiscrub.models import Box, Kind, Polygon, Region
from phiscrub.redact import SOLID_COLOUR, Style, redact, region_mask
from tests.safety.fixtures import fixed_scanner, photo

STYLES = list(Style)
# Odd positions and sizes, off the block grid, one at the image edge, one tilted.
BOXES = [(5, 7, 29, 19), (37, 21, 58, 45), (0, 40, 13, 50)]
TILTED = Region(Kind.NAME, Box(30, 2, 30, 16), Polygon.of([(31, 10), (52, 2), (58, 12), (37, 19)]))


# So the inputs differ only where the regions are (the export re-encodes anyway).
LOSSLESS = {".jpg": {"quality": 100, "subsampling": 0}, ".webp": {"lossless": True}}


def _regions() -> list[Region]:
    return [Region(Kind.MANUAL, Box.from_corners(*b)) for b in BOXES] + [TILTED]


def _scramble_inside(pixels: np.ndarray, mask: np.ndarray, seed: int) -> np.ndarray:
    other = pixels.copy()
    rng = np.random.default_rng(seed)
    other[mask] = rng.integers(0, 256, (int(mask.sum()), 3), dtype=np.uint8)
    return other


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("block", [16, 8, 1])
def test_redacted_pixels_do_not_depend_on_the_pixels_they_cover(style: Style, block: int) -> None:
    pixels = np.asarray(photo(61, 53, seed=1))
    mask = region_mask(pixels.shape[:2], _regions(), block=block)
    first = redact(pixels, _regions(), style, block=block)
    for seed in range(5):
        again = redact(_scramble_inside(pixels, mask, seed), _regions(), style, block=block)
        assert np.array_equal(first, again)
    assert np.array_equal(first[~mask], pixels[~mask])


@pytest.mark.parametrize("style", STYLES)
def test_soft_styles_take_their_colours_from_around_the_region(style: Style) -> None:
    # Guards the test above against a style that is trivially constant.
    pixels = np.full((64, 64, 3), 200, dtype=np.uint8)
    region = [Region(Kind.MANUAL, Box(24, 24, 16, 16))]
    bright = redact(pixels, region, style)
    darker = redact(np.where(pixels > 0, 60, 0).astype(np.uint8), region, style)
    if style is Style.SOLID:
        assert (bright[30, 30] == SOLID_COLOUR).all() and (darker[30, 30] == SOLID_COLOUR).all()
    else:
        assert abs(int(bright[30, 30, 0]) - 200) <= 2 and abs(int(darker[30, 30, 0]) - 60) <= 2


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp", ".tif", ".bmp"])
def test_exported_file_is_byte_identical_whatever_the_region_held(
    tmp_path: Path, style: Style, suffix: str
) -> None:
    """The whole export path (load, redact, encode, verify): scrambling the pixels
    under the regions changes not one byte of the file, so neither the style nor
    JPEG ringing nor chroma subsampling carries anything of them out."""
    base = np.asarray(photo(70, 50, seed=2))
    mask = region_mask(base.shape[:2], [Region(Kind.MANUAL, Box.from_corners(*b)) for b in BOXES])
    outputs = []
    for seed in range(3):
        src = tmp_path / f"in{seed}"
        src.mkdir()
        pixels = base if seed == 0 else _scramble_inside(base, mask, seed)
        Image.fromarray(pixels).save(src / f"photo{suffix}", **LOSSLESS.get(suffix, {}))
        out = tmp_path / f"out{seed}"
        [result] = process(collect_inputs([src]), fixed_scanner(BOXES), out_dir=out, style=style)
        assert result.ok, result.error
        outputs.append(result.output.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_regions_are_padded_out_to_the_16_pixel_jpeg_grid() -> None:
    mask = region_mask((100, 100), [Region(Kind.MANUAL, Box(17, 33, 3, 2))])
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    assert (rows[0], rows[-1], cols[0], cols[-1]) == (32, 47, 16, 31)
    # a box straddling a grid line takes both cells
    mask = region_mask((100, 100), [Region(Kind.MANUAL, Box(30, 30, 4, 4))])
    assert mask.sum() == 32 * 32
    # cut at the image edge, never wrapped
    mask = region_mask((40, 40), [Region(Kind.MANUAL, Box(38, 38, 2, 2))])
    assert mask.sum() == 8 * 8 and mask[39, 39]


def test_jpeg_export_of_a_redacted_photo_changes_nothing_outside_the_padded_cells(tmp_path: Path) -> None:
    pixels = np.asarray(photo(96, 64, seed=3))
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(pixels).save(src / "p.png")
    [result] = process(collect_inputs([src]), fixed_scanner([(20, 20, 26, 26)]), out_dir=tmp_path / "out")
    out = load_image(result.output).pixels
    assert (out[16:32, 16:32] == SOLID_COLOUR).all()
    untouched = np.ones(pixels.shape[:2], dtype=bool)
    untouched[16:32, 16:32] = False
    assert np.array_equal(out[untouched], pixels[untouched])


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_content_hidden_under_transparency_never_reaches_the_export(tmp_path: Path, mode: str) -> None:
    """'Erasing' to transparent keeps the colour values; loading flattens alpha onto
    white, so what was hidden is gone, and exports never carry an alpha channel."""
    rgba = np.zeros((32, 48, 4), dtype=np.uint8)
    rgba[..., :3] = (250, 10, 250)  # a colour that must not survive
    rgba[..., 3] = 0  # fully transparent
    rgba[:, 24:, 3] = 255
    rgba[:, 24:, :3] = (30, 120, 60)
    im = Image.fromarray(rgba, "RGBA")
    if mode == "LA":
        im = im.convert("LA")
    src = tmp_path / "in"
    src.mkdir()
    if mode == "P":  # palette entry 0 is the hidden colour, marked transparent
        im = Image.fromarray((rgba[..., 3] > 0).astype(np.uint8), "P")
        im.putpalette([250, 10, 250, 30, 120, 60])
        im.save(src / "erased.png", transparency=0)
    else:
        im.save(src / "erased.png")
    [result] = process(collect_inputs([src]), fixed_scanner(), out_dir=tmp_path / "out")
    with Image.open(result.output) as out:
        assert out.mode == "RGB"
        arr = np.asarray(out)
    assert (arr[:, :24] == 255).all()
    assert not (np.abs(arr.astype(int) - (250, 10, 250)).sum(axis=2) < 60).any()
