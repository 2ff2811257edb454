"""Hand-built OCR lines for the classifier tests: no OCR engine, no images."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import pytest

from phiscrub.classify import classify
from phiscrub.models import Finding, Kind, Line, Polygon, Word

CHAR_W = 20.0
HEIGHT = 30.0
LINE_GAP = 1.6 * HEIGHT


def _rotate(points, angle_deg: float, center: tuple[float, float]):
    a = math.radians(angle_deg)
    cx, cy = center
    c, s = math.cos(a), math.sin(a)
    return tuple((cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c) for x, y in points)


def make_line(
    text: str,
    x: float = 100.0,
    y: float = 100.0,
    angle: float = 0.0,
    center: tuple[float, float] = (500.0, 500.0),
    engine: str = "test",
) -> Line:
    """One OCR line: words laid left to right, CHAR_W pixels per character and one
    character of space between words, then rotated by `angle` degrees about `center`
    (reading order and TL,TR,BR,BL corner order rotate with the text)."""
    words = []
    cursor = x
    for token in text.split():
        w = len(token) * CHAR_W
        quad = ((cursor, y), (cursor + w, y), (cursor + w, y + HEIGHT), (cursor, y + HEIGHT))
        words.append(Word(token, Polygon(_rotate(quad, angle, center)), 0.9, engine))
        cursor += w + CHAR_W
    outline = ((x, y), (cursor - CHAR_W, y), (cursor - CHAR_W, y + HEIGHT), (x, y + HEIGHT))
    return Line(tuple(words), Polygon(_rotate(outline, angle, center)), 0.9, engine)


def make_lines(*texts: str, angle: float = 0.0, x: float = 100.0, y: float = 100.0) -> list[Line]:
    """Lines stacked top to bottom, left aligned, all rotated together."""
    return [make_line(t, x=x, y=y + i * LINE_GAP, angle=angle) for i, t in enumerate(texts)]


def perspective_line(text: str) -> Line:
    """A line photographed at an angle: words shrink and climb towards its right end."""
    words = []
    cursor = 100.0
    for token in text.split():
        w = len(token) * CHAR_W

        def warp(px: float, py: float) -> tuple[float, float]:
            t = (px - 100.0) / 800.0
            scale = 1.0 - 0.3 * t
            return (100.0 + (px - 100.0) * (1.0 - 0.15 * t), 300.0 - 60.0 * t + (py - 300.0) * scale)

        quad = ((cursor, 300.0), (cursor + w, 300.0), (cursor + w, 330.0), (cursor, 330.0))
        words.append(Word(token, Polygon(tuple(warp(*p) for p in quad)), 0.9, "test"))
        cursor += w + CHAR_W
    first, last = words[0].polygon.points, words[-1].polygon.points
    outline = Polygon((first[0], last[1], last[2], first[3]))
    return Line(tuple(words), outline, 0.9, "test")


def inside(point: tuple[float, float], polygon: Polygon, tol: float = 1e-6) -> bool:
    """Point in a convex polygon (either winding)."""
    pts = polygon.points
    sign = 0
    for i in range(len(pts)):
        (x1, y1), (x2, y2) = pts[i], pts[(i + 1) % len(pts)]
        cross = (x2 - x1) * (point[1] - y1) - (y2 - y1) * (point[0] - x1)
        if abs(cross) <= tol:
            continue
        s = 1 if cross > 0 else -1
        if sign and s != sign:
            return False
        sign = s
    return True


def covers(finding: Finding, word: Word) -> bool:
    return all(inside(p, finding.polygon) for p in word.polygon.points)


def covered_words(findings: Iterable[Finding], lines: Sequence[Line], kind: Kind | None = None) -> list[str]:
    """Texts of the words some finding (of `kind`, if given) wholly covers, in reading order."""
    fs = [f for f in findings if kind is None or f.kind == kind]
    return [w.text for line in lines for w in line.words if any(covers(f, w) for f in fs)]


def scan(*texts: str, angle: float = 0.0) -> tuple[list[Finding], list[Line]]:
    lines = make_lines(*texts, angle=angle)
    return classify(lines, engine="test"), lines


def kinds(findings: Iterable[Finding]) -> set[Kind]:
    return {f.kind for f in findings}


@pytest.fixture
def covered():
    """covered("text line", ..., kind=Kind.X) -> the words covered by findings of that kind."""

    def run(*texts: str, kind: Kind | None = None, angle: float = 0.0) -> list[str]:
        findings, lines = scan(*texts, angle=angle)
        return covered_words(findings, lines, kind)

    return run
