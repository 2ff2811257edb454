"""Synthetic scene-text images with known word polygons, drawn with Pillow.

Shared by the OCR tests (via conftest fixtures) and by ad-hoc speed measurements.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from shapely.geometry import Polygon as ShapelyPolygon

from phiscrub.models import Line, Word

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans when installed (Debian fonts-dejavu-core), else Pillow's built-in font."""
    if FONT_PATH.exists():
        return ImageFont.truetype(str(FONT_PATH), size)
    return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class DrawnWord:
    text: str
    quad: np.ndarray  # (4, 2) float: TL, TR, BR, BL in image pixels


def make_card(lines: list[str], size: int) -> tuple[np.ndarray, list[DrawnWord]]:
    """A white card (RGB) with black text lines; word quads in card pixels."""
    f = font(size)
    pad = size // 2
    gap = size // 3
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    widths = [probe.textbbox((0, 0), ln, font=f)[2] for ln in lines]
    w = max(widths) + 2 * pad
    h = len(lines) * (size + gap) - gap + 2 * pad
    img = Image.new("RGB", (w, h), (250, 250, 246))
    draw = ImageDraw.Draw(img)
    words: list[DrawnWord] = []
    y = pad
    for ln in lines:
        draw.text((pad, y), ln, font=f, fill=(15, 15, 20))
        # Ink extent of the whole line, so every word gets the same height.
        _, y0, _, y1 = draw.textbbox((pad, y), ln, font=f)
        start = 0
        for token in ln.split():
            i = ln.index(token, start)
            start = i + len(token)
            x1 = draw.textbbox((pad, y), ln[:i] + token, font=f)[2]
            x0 = x1 - (draw.textbbox((0, 0), token, font=f)[2])
            quad = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
            words.append(DrawnWord(token, quad))
        y += size + gap
    return np.asarray(img), words


def background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A noisy grey-brown gradient, standing in for a ward wall or desk."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = 110 + 40 * (xx / width) + 25 * np.sin(yy / height * math.pi)
    img = np.stack([base + 8, base, base - 12], axis=-1)
    img += rng.normal(0, 9, size=(height, width, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def place(
    canvas: np.ndarray,
    card: np.ndarray,
    words: list[DrawnWord],
    center: tuple[float, float],
    angle: float = 0.0,
    scale: float = 1.0,
    skew: float = 0.0,
) -> list[DrawnWord]:
    """Warp `card` onto `canvas` in place: rotated by `angle` degrees (counter-clockwise,
    as a viewer sees it), scaled, with `skew` (fraction of the card height) of
    perspective that narrows its right edge. Returns the words' quads on the canvas."""
    h, w = card.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    d = skew * h
    local = np.array(
        [[-w / 2, -h / 2], [w / 2, -h / 2 + d], [w / 2, h / 2 - d], [-w / 2, h / 2]], dtype=np.float64
    ) * scale
    a = math.radians(angle)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])
    dst = (local @ rot.T + np.array(center)).astype(np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    size = (canvas.shape[1], canvas.shape[0])
    warped = cv2.warpPerspective(card, m, size, flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, size) > 127
    canvas[mask] = warped[mask]
    out = []
    for word in words:
        q = cv2.perspectiveTransform(word.quad.reshape(1, -1, 2).astype(np.float32), m)[0]
        out.append(DrawnWord(word.text, q.astype(np.float64)))
    return out


NAME_CARD = ["SMITH, JOHN A", "DOB: 03/14/1962 MRN: 00482913"]


def name_card_image(
    angle: float = 0.0, size: int = 40, canvas: tuple[int, int] = (900, 700)
) -> tuple[np.ndarray, list[DrawnWord]]:
    """The name card on a grey background, rotated by `angle` degrees."""
    card, words = make_card(NAME_CARD, size)
    img = np.full((canvas[1], canvas[0], 3), 128, np.uint8)
    placed = place(img, card, words, (canvas[0] / 2, canvas[1] / 2), angle)
    return img, placed


def ward_photo(width: int = 4032, height: int = 3024, seed: int = 0) -> tuple[np.ndarray, list[DrawnWord]]:
    """A 'photo' with several cards at different sizes and rotations, including small
    text (about 20 px high at 4032 px wide) that a 2000-px downscale loses."""
    img = background(width, height, seed)
    sx, sy = width / 4032, height / 3024
    specs = [
        # lines, font px, centre, angle, skew
        (NAME_CARD, 60, (1100, 600), 8, 0.05),
        (["Patient: GARCIA, MARIA", "Room 4127 Bed B"], 34, (2900, 500), -4, 0.0),
        (["Allergies: PENICILLIN", "Attending: Dr. PATEL"], 22, (900, 1500), 2, 0.0),
        (["MRN 55120934", "DOB 11/02/1975"], 18, (2300, 1400), 0, 0.0),
        (["WONG, DAVID", "Tel 555-867-5309"], 30, (3500, 1700), 90, 0.0),
        (["LEE, SARAH", "SSN 123-45-6789"], 30, (300, 2300), -90, 0.0),
        (["JONES, ROBERT", "Ward 7 North"], 32, (1700, 2600), 180, 0.0),
        (["Email: jdoe@example.org", "Adm 02/28/2024"], 26, (2900, 2600), 20, 0.1),
    ]
    placed: list[DrawnWord] = []
    for lines, size, (cx, cy), angle, skew in specs:
        card, words = make_card(lines, max(8, round(size * sx)))
        placed += place(img, card, words, (cx * sx, cy * sy), angle, skew=skew)
    return img, placed


# -- checking what an engine read -------------------------------------------


def norm(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


def coverage(word: Word, drawn: DrawnWord) -> float:
    """Share of the drawn word's area inside the recognised word's polygon."""
    got = ShapelyPolygon(word.polygon.points)
    want = ShapelyPolygon(drawn.quad)
    if not got.is_valid or want.area <= 0:
        return 0.0
    return got.intersection(want).area / want.area


def found(lines: list[Line], drawn: DrawnWord, min_cover: float = 0.85) -> bool:
    """Was the drawn word read with a polygon over it? A word the engine glued to
    its neighbour ("Adm02/28/2024") counts: its polygon covers both, which is
    what redaction needs."""
    want = norm(drawn.text)
    return any(
        want in norm(w.text) and coverage(w, drawn) >= min_cover for line in lines for w in line.words
    )


def missed(lines: list[Line], drawn: list[DrawnWord], min_cover: float = 0.85) -> list[str]:
    return [d.text for d in drawn if not found(lines, d, min_cover)]


# An EHR patient list: small, dense rows of names, dates, MRNs and phones.
TABLE_ROWS = [
    "Name              DOB         MRN        Phone",
    "Cabezas, Teobaldo  02/01/1934  MR399721  633-943-0475",
    "Meucci, Pina       06/19/2012  97125183  324-960-5450",
    "Paredes, Encarna   07/24/2000  41410118  715-432-0201",
    "Soylu, Beyda       05/19/2012  99388685  410-555-6981",
    "Pascal, Emile      01/07/1994  03754738  851-381-9023",
    "Okafor, Chidi      11/30/1987  55120934  202-555-0147",
    "Lindqvist, Maja    08/15/1979  66231450  617-555-0199",
]


def table_photo(
    angle: float = 0.0, size: int = 22, width: int = 4032, height: int = 3024
) -> tuple[np.ndarray, list[DrawnWord]]:
    """TABLE_ROWS in `size`-px type on a photo, turned by `angle` degrees."""
    img = background(width, height, seed=3)
    card, words = make_card(TABLE_ROWS, size)
    return img, place(img, card, words, (width / 2, height / 2), angle)
