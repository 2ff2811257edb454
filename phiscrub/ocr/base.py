"""The one interface every OCR engine implements, and helpers they share."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from phiscrub.models import Line, Polygon, Word


class EngineUnavailable(RuntimeError):
    """An engine cannot run here (missing binary, package or weights); the message says what to install."""


@runtime_checkable
class OcrEngine(Protocol):
    name: str

    def read(self, image: np.ndarray) -> list[Line]:
        """Read all text in an upright RGB uint8 image (H, W, 3); polygons in its pixels."""
        ...


_TOKEN = re.compile(r"\S+")


def split_line(text: str, polygon: Polygon, score: float, engine: str) -> Line:
    """Split one recognised line into words, placing each word along the line's
    quadrilateral in proportion to its character offsets (engines such as RapidOCR
    return lines only). Works for rotated and perspective quads (TL, TR, BR, BL)."""
    text = text.strip()
    pts = polygon.points if len(polygon.points) == 4 else polygon.box.to_polygon().points
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts
    n = max(len(text), 1)

    def at(t: float) -> tuple[tuple[float, float], tuple[float, float]]:
        top = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
        bottom = (x3 + (x2 - x3) * t, y3 + (y2 - y3) * t)
        return top, bottom

    words = []
    for m in _TOKEN.finditer(text):
        (tl, bl), (tr, br) = at(m.start() / n), at(m.end() / n)
        words.append(Word(m.group(), Polygon((tl, tr, br, bl)), score, engine))
    return Line(tuple(words), Polygon(tuple(pts)), score, engine)


def lines_from_words(words: Sequence[Word], engine: str) -> list[Line]:
    """Group words that share a text line (engines that return words, e.g. Tesseract)
    is engine-specific; this wraps each word in its own line as a safe default."""
    return [Line((w,), w.polygon, w.score, engine) for w in words]


# How much of the text read (by characters) must stand one way, and how many
# characters at least, before that says which way the photo is turned. On the
# synthetic photos of seeds 0-3 (32 of 160 turned by 90, 180 or 270 degrees),
# the way most text stood was the photo's turn on every photo, by 97-100% of
# its characters; the one upright photo below 90% held 26 characters.
_TURN_SHARE = 0.8
_TURN_MIN_CHARS = 40


def text_turns(lines: Sequence[Line]) -> int:
    """Quarter turns clockwise that would stand most of the text in `lines` upright:
    0 for an upright photo, 1 for one turned a quarter turn anticlockwise, and so on.
    Needs each line's polygon to start at its first character's top-left corner
    and run along the text (as RapidOCR's lines do); 0 when the text says nothing
    clear."""
    chars = [0, 0, 0, 0]
    for line in lines:
        pts = line.polygon.points
        if len(pts) != 4:
            continue
        dx, dy = pts[1][0] - pts[0][0], pts[1][1] - pts[0][1]
        # Image y runs down: a reading direction of +90 degrees is text running down.
        angle = np.degrees(np.arctan2(dy, dx))
        chars[round(-angle / 90) % 4] += sum(len(w.text) for w in line.words)
    total = sum(chars)
    best = max(range(4), key=chars.__getitem__)
    if total < _TURN_MIN_CHARS or chars[best] < _TURN_SHARE * total:
        return 0
    return best
