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
