"""Redaction: content-free styles, exact coverage, block padding, no mutation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from phiscrub.models import Box, Kind, Polygon, Region
from phiscrub.redact import SOLID_COLOUR, Style, redact, region_mask


def _rotated_quad(cx: float, cy: float, w: float, h: float, angle: float) -> Polygon:
    c, s = math.cos(angle), math.sin(angle)
    corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
    return Polygon.of([(cx + c * x - s * y, cy + s * x + c * y) for x, y in corners])


def _region(poly: Polygon, redacted: bool = True, kind: Kind = Kind.NAME) -> Region:
    return Region(kind=kind, box=poly.box, polygon=poly, redacted=redacted)


def _random_regions(rng: np.random.Generator, height: int, width: int, n: int) -> list[Region]:
    regions = []
    for _ in range(n):
        poly = _rotated_quad(
            rng.uniform(0, width),
            rng.uniform(0, height),
            rng.uniform(3, 40),
            rng.uniform(2, 15),
            rng.uniform(-0.7, 0.7),
        )
        regions.append(_region(poly))
    return regions


@pytest.mark.parametrize("block", [16, 1])
@pytest.mark.parametrize("style", list(Style))
def test_every_style_is_content_free(style: Style, block: int) -> None:
    """Changing the pixels under the regions must not change a single output byte."""
    rng = np.random.default_rng(7)
    for _ in range(4):
        image = rng.integers(0, 256, (70, 90, 3), dtype=np.uint8)
        regions = _random_regions(rng, 70, 90, 3)
        mask = region_mask(image.shape[:2], regions, block=block)
        assert mask.any()
        tampered = image.copy()
        tampered[mask] = rng.integers(0, 256, (int(mask.sum()), 3), dtype=np.uint8)

        assert np.array_equal(
            redact(image, regions, style, block=block), redact(tampered, regions, style, block=block)
        )


@pytest.mark.parametrize("style", list(Style))
def test_redact_returns_new_array_and_leaves_input_untouched(style: Style) -> None:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    image.setflags(write=False)  # loaded images are read-only; redact must still work
    before = image.copy()

    out = redact(image, [Region(Kind.FACE, Box(10, 10, 20, 20))], style)

    assert out is not image and not np.shares_memory(out, image)
    assert np.array_equal(image, before)
    assert out.flags.writeable and out.flags.c_contiguous and out.dtype == np.uint8


@pytest.mark.parametrize("style", list(Style))
def test_only_masked_pixels_change(style: Style) -> None:
    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (64, 80, 3), dtype=np.uint8)
    regions = _random_regions(rng, 64, 80, 2)
    mask = region_mask(image.shape[:2], regions)

    out = redact(image, regions, style)

    assert np.array_equal(out[~mask], image[~mask])
    # Inside, the original noise is gone (a refill can match a pixel by chance, rarely).
    assert np.mean(np.all(out[mask] == image[mask], axis=1)) < 0.05


def test_solid_fills_with_the_neutral_colour() -> None:
    image = np.full((32, 32, 3), 200, dtype=np.uint8)
    out = redact(image, [Region(Kind.ID, Box(2, 2, 4, 4))], Style.SOLID)
    assert np.all(out[:16, :16] == SOLID_COLOUR)
    assert np.all(out[16:, :] == 200) and np.all(out[:, 16:] == 200)


def test_unredacted_regions_are_not_filled() -> None:
    image = np.full((48, 48, 3), 123, dtype=np.uint8)
    kept = Region(Kind.NAME, Box(5, 5, 20, 20), redacted=False)

    assert not region_mask(image.shape[:2], [kept]).any()
    assert np.array_equal(redact(image, [kept]), image)


def test_rotated_polygon_is_fully_covered() -> None:
    """Every pixel a rotated text quad reaches into is in the mask (block padding off)."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        cx, cy = rng.uniform(10, 70, 2)
        w, h = rng.uniform(0.2, 40), rng.uniform(0.2, 10)
        angle = rng.uniform(0, 2 * math.pi)
        poly = _rotated_quad(cx, cy, w, h, angle)
        mask = region_mask((80, 80), [_region(poly)], block=1)

        # Sample points inside the quad, keep those not within 0.01 px of a pixel edge
        # (the mask's tolerance is 0.001 px), and look up the pixel each one falls in.
        u = rng.uniform(-0.5, 0.5, (3000, 2))
        c, s = math.cos(angle), math.sin(angle)
        px = cx + c * u[:, 0] * w - s * u[:, 1] * h
        py = cy + s * u[:, 0] * w + c * u[:, 1] * h
        inside = (px >= 0) & (px < 80) & (py >= 0) & (py < 80)
        fx, fy = px - np.floor(px), py - np.floor(py)
        clear = (fx > 0.01) & (fx < 0.99) & (fy > 0.01) & (fy < 0.99)
        keep = inside & clear
        assert mask[np.floor(py[keep]).astype(int), np.floor(px[keep]).astype(int)].all()
        # And the mask stays tight: no more than a one-pixel rim around the quad.
        assert mask.sum() <= w * h + 2 * (w + h) + 4


def test_box_on_whole_pixels_covers_exactly_its_pixels() -> None:
    mask = region_mask((40, 40), [Region(Kind.DATE, Box(10, 12, 10, 5))], block=1)
    expected = np.zeros((40, 40), dtype=bool)
    expected[12:17, 10:20] = True
    assert np.array_equal(mask, expected)


def test_tiny_or_degenerate_regions_still_cover_their_pixel() -> None:
    dot = region_mask((20, 20), [Region(Kind.MANUAL, Box(7.3, 4.6, 0.1, 0.0))], block=1)
    assert dot[4, 7] and dot.sum() == 1
    line = Region(Kind.ID, Box(0, 0, 1, 1), polygon=Polygon.of([(2.5, 2.5), (9.5, 2.5)]))
    assert region_mask((20, 20), [line], block=1)[2, 2:10].all()


def test_block_padding_aligns_to_the_grid() -> None:
    mask = region_mask((64, 64), [Region(Kind.NAME, Box(20, 30, 3, 3))], block=16)
    expected = np.zeros((64, 64), dtype=bool)
    expected[16:48, 16:32] = True  # rows 30-32 span cells 1 and 2; columns 20-22 cell 1
    assert np.array_equal(mask, expected)

    rng = np.random.default_rng(4)
    mask = region_mask((100, 90), _random_regions(rng, 100, 90, 5), block=8)
    for y in range(0, 100, 8):
        for x in range(0, 90, 8):
            cell = mask[y : y + 8, x : x + 8]
            assert cell.all() or not cell.any()


def test_block_padding_is_clipped_at_the_image_edge() -> None:
    mask = region_mask((40, 50), [Region(Kind.FACE, Box(45, 35, 10, 10))], block=16)
    assert mask.shape == (40, 50)
    assert mask[32:, 32:].all() and mask.sum() == 8 * 18


def test_regions_outside_the_image_are_clipped_or_ignored() -> None:
    assert not region_mask((30, 30), [Region(Kind.NAME, Box(100, 100, 5, 5))]).any()
    assert region_mask((30, 30), [Region(Kind.NAME, Box(-1e9, -1e9, 2e9, 2e9))], block=1).all()


def test_soft_styles_refill_from_the_surroundings() -> None:
    image = np.zeros((64, 64, 3), dtype=np.uint8)
    image[:] = (40, 160, 220)
    rng = np.random.default_rng(5)
    image[24:40, 24:40] = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    regions = [Region(Kind.FACE, Box(24, 24, 16, 16))]
    for style in (Style.PIXELATE, Style.BLUR):
        out = redact(image, regions, style)
        assert np.abs(out[24:40, 24:40].astype(int) - (40, 160, 220)).max() <= 2


@pytest.mark.parametrize("style", [Style.PIXELATE, Style.BLUR])
def test_soft_styles_without_any_surroundings_fall_back_to_solid(style: Style) -> None:
    image = np.random.default_rng(6).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    out = redact(image, [Region(Kind.MANUAL, Box(0, 0, 30, 20))], style)
    assert np.all(out == SOLID_COLOUR)


def test_style_may_be_given_by_name() -> None:
    image = np.full((16, 16, 3), 90, dtype=np.uint8)
    out = redact(image, [Region(Kind.ID, Box(0, 0, 4, 4))], "pixelate")  # type: ignore[arg-type]
    assert out.shape == image.shape
    with pytest.raises(ValueError):
        redact(image, [], "smudge")  # type: ignore[arg-type]


def test_a_region_with_a_non_finite_coordinate_is_an_error_not_skipped() -> None:
    bad = Region(Kind.NAME, Box(float("nan"), 0, 5, 5))
    with pytest.raises(ValueError):
        redact(np.zeros((16, 16, 3), dtype=np.uint8), [bad])


def test_redact_rejects_arrays_that_are_not_rgb_uint8() -> None:
    with pytest.raises(ValueError):
        redact(np.zeros((16, 16), dtype=np.uint8), [])
    with pytest.raises(ValueError):
        redact(np.zeros((16, 16, 3), dtype=np.float32), [])


def _random_regions(rng: np.random.Generator, height: int, width: int, n: int) -> list[Region]:
    regions = []
    for _ in range(n):
        cx, cy = rng.uniform(-20, width + 20), rng.uniform(-20, height + 20)
        w, h, a = rng.uniform(0.2, 90), rng.uniform(0.2, 40), rng.uniform(0, math.pi)
        c, s = math.cos(a), math.sin(a)
        pts = [(cx + x * c - y * s, cy + x * s + y * c) for x, y in ((-w, -h), (w, -h), (w, h), (-w, h))]
        poly = Polygon.of(pts)
        regions.append(Region(Kind.NAME, poly.box, poly, redacted=bool(rng.random() < 0.85)))
    return regions


@pytest.mark.parametrize("seed", range(6))
def test_block_cells_are_exactly_the_grown_pixel_mask(seed):
    # Regions are rasterised in windows of whole cells only; the result must be the
    # exact pixel mask grown to cells, at the image's edges too (sizes not multiples
    # of the block).
    rng = np.random.default_rng(seed)
    height, width = int(rng.integers(30, 300)), int(rng.integers(30, 300))
    regions = _random_regions(rng, height, width, 12)
    exact = region_mask((height, width), regions, block=1)
    rows, cols = math.ceil(height / 16), math.ceil(width / 16)
    padded = np.zeros((rows * 16, cols * 16), bool)
    padded[:height, :width] = exact
    cells = padded.reshape(rows, 16, cols, 16).any(axis=(1, 3))
    grown = np.repeat(np.repeat(cells, 16, axis=0), 16, axis=1)[:height, :width]
    assert np.array_equal(region_mask((height, width), regions), grown)

    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    expected = image.copy()
    expected[grown] = SOLID_COLOUR
    assert np.array_equal(redact(image, regions, Style.SOLID), expected)
