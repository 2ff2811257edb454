"""Shared fixtures: images the tests draw themselves, and the shared evaluation data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SHARED_DATA = Path(
    os.environ.get("PHISCRUB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)


def font(size: int) -> ImageFont.FreeTypeFont:
    if FONT_PATH.exists():
        return ImageFont.truetype(str(FONT_PATH), size)
    return ImageFont.load_default(size=size)


def draw_card(lines: list[str], *, size: int = 40, canvas: tuple[int, int] = (1200, 800)) -> np.ndarray:
    """A grey photo with a white card holding `lines` of black text."""
    img = Image.new("RGB", canvas, (120, 128, 135))
    d = ImageDraw.Draw(img)
    f = font(size)
    width = max(d.textlength(t, font=f) for t in lines) + 2 * size
    height = len(lines) * size * 1.5 + size
    x0, y0 = (canvas[0] - width) / 2, (canvas[1] - height) / 2
    d.rectangle([x0, y0, x0 + width, y0 + height], fill=(250, 250, 245))
    for i, t in enumerate(lines):
        d.text((x0 + size, y0 + size / 2 + i * size * 1.5), t, fill=(10, 10, 10), font=f)
    return np.asarray(img)


@pytest.fixture(scope="session", autouse=True)
def _int8_cache(tmp_path_factory):
    """Build the int8 models into a folder of this test run, not the user's cache."""
    before = os.environ.get("PHISCRUB_CACHE_DIR")
    os.environ["PHISCRUB_CACHE_DIR"] = str(tmp_path_factory.mktemp("int8-cache"))
    yield
    if before is None:
        os.environ.pop("PHISCRUB_CACHE_DIR", None)
    else:
        os.environ["PHISCRUB_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared evaluation data not found at {SHARED_DATA}")
    return SHARED_DATA
