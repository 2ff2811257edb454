"""Photos the compliance tests draw: text at known places, so a test knows which
pixels each region covers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from phiscrub.batch import InputFile
from phiscrub.models import Box, Kind, Region
from tests.conftest import font

NAME = "SMITH, JOHN A"
DOB = "DOB: 03/14/1962"
MRN = "MRN: 00482913"


@dataclass(frozen=True)
class Card:
    path: Path
    pixels: np.ndarray
    boxes: dict[str, Box]  # text drawn -> its box (padded a little)

    @property
    def input(self) -> InputFile:
        return InputFile(self.path, self.path.name)

    def region(self, text: str, kind: Kind, score: float = 0.95, detector: str = "rapidocr+test") -> Region:
        return Region(kind=kind, box=self.boxes[text], score=score, detector=detector)


def draw(path: Path, lines=(NAME, DOB, MRN), size: int = 44, canvas=(1000, 640)) -> Card:
    img = Image.new("RGB", canvas, (120, 128, 135))
    d = ImageDraw.Draw(img)
    f = font(size)
    d.rectangle([60, 60, canvas[0] - 60, canvas[1] - 60], fill=(250, 250, 245))
    boxes = {}
    for i, text in enumerate(lines):
        x, y = 110, 110 + i * int(size * 2)
        d.text((x, y), text, fill=(10, 10, 10), font=f)
        x1, y1, x2, y2 = d.textbbox((x, y), text, font=f)
        boxes[text] = Box.from_corners(x1 - 8, y1 - 8, x2 + 8, y2 + 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)  # PNG: exports compare pixel for pixel
    return Card(path, np.asarray(img), boxes)


@pytest.fixture
def card(tmp_path: Path) -> Card:
    return draw(tmp_path / "ward" / "wristband.png")


def inside(pixels: np.ndarray, box: Box) -> np.ndarray:
    x, y, w, h = box.to_list()
    return pixels[y : y + h, x : x + w]
