"""The project's vocabulary: geometry, OCR words, findings, regions, scan results.

All coordinates are float pixels of the *upright* image (after EXIF orientation),
x to the right, y down. Everything here is immutable and Qt-free.

Glossary:
- Word: a piece of text an OCR engine read, with its polygon.
- Line: words an engine read as one line, in reading order.
- Finding: something a detector flagged (a name, a face, a barcode ...).
- Region: what gets redacted: an accepted finding, or one the user drew.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum


class Kind(str, Enum):
    NAME = "name"
    DATE = "date"
    ID = "id"
    SSN = "ssn"
    PHONE = "phone"
    EMAIL = "email"
    URL = "url"
    ADDRESS = "address"
    FACE = "face"
    BARCODE = "barcode"
    TEXT = "text"  # any text, from --all-text
    MANUAL = "manual"  # drawn by a person

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Kind.NAME: "Name",
    Kind.DATE: "Date",
    Kind.ID: "ID / MRN",
    Kind.SSN: "SSN",
    Kind.PHONE: "Phone",
    Kind.EMAIL: "Email",
    Kind.URL: "URL",
    Kind.ADDRESS: "Address",
    Kind.FACE: "Face",
    Kind.BARCODE: "Barcode",
    Kind.TEXT: "Text",
    Kind.MANUAL: "Drawn region",
}

# The kinds of PHI the text classifiers name (not a face or code, nor text
# covered for another reason).
TEXT_PHI_KINDS = frozenset(
    {Kind.NAME, Kind.DATE, Kind.ID, Kind.SSN, Kind.PHONE, Kind.EMAIL, Kind.URL, Kind.ADDRESS}
)


@dataclass(frozen=True)
class Box:
    """Axis-aligned rectangle: top-left corner plus width and height."""

    x: float
    y: float
    w: float
    h: float

    @property
    def x2(self) -> float:
        return self.x + self.w

    @property
    def y2(self) -> float:
        return self.y + self.h

    @property
    def area(self) -> float:
        return max(self.w, 0.0) * max(self.h, 0.0)

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    @classmethod
    def from_corners(cls, x1: float, y1: float, x2: float, y2: float) -> Box:
        return cls(min(x1, x2), min(y1, y2), abs(x2 - x1), abs(y2 - y1))

    def pad(self, dx: float, dy: float | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(self.x - dx, self.y - dy, self.w + 2 * dx, self.h + 2 * dy)

    def scale(self, factor: float) -> Box:
        """Grow (or shrink) about the centre by `factor`."""
        cx, cy = self.center
        w, h = self.w * factor, self.h * factor
        return Box(cx - w / 2, cy - h / 2, w, h)

    def union(self, other: Box) -> Box:
        return Box.from_corners(
            min(self.x, other.x), min(self.y, other.y), max(self.x2, other.x2), max(self.y2, other.y2)
        )

    def intersection_area(self, other: Box) -> float:
        w = min(self.x2, other.x2) - max(self.x, other.x)
        h = min(self.y2, other.y2) - max(self.y, other.y)
        return w * h if w > 0 and h > 0 else 0.0

    def iou(self, other: Box) -> float:
        inter = self.intersection_area(other)
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def clip(self, width: float, height: float) -> Box:
        return Box.from_corners(
            min(max(self.x, 0.0), width),
            min(max(self.y, 0.0), height),
            min(max(self.x2, 0.0), width),
            min(max(self.y2, 0.0), height),
        )

    def to_polygon(self) -> Polygon:
        return Polygon(((self.x, self.y), (self.x2, self.y), (self.x2, self.y2), (self.x, self.y2)))

    def to_list(self) -> list[int]:
        """[x, y, w, h] rounded outward to whole pixels, as the report holds it."""
        x1, y1 = math.floor(self.x), math.floor(self.y)
        x2, y2 = math.ceil(self.x2), math.ceil(self.y2)
        return [x1, y1, x2 - x1, y2 - y1]


@dataclass(frozen=True)
class Polygon:
    """A closed polygon, usually a quadrilateral around text (TL, TR, BR, BL)."""

    points: tuple[tuple[float, float], ...]

    @classmethod
    def of(cls, points: Iterable[Sequence[float]]) -> Polygon:
        return cls(tuple((float(p[0]), float(p[1])) for p in points))

    @property
    def box(self) -> Box:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        return Box.from_corners(min(xs), min(ys), max(xs), max(ys))

    @property
    def area(self) -> float:
        pts = self.points
        s = 0.0
        for i in range(len(pts)):
            x1, y1 = pts[i]
            x2, y2 = pts[(i + 1) % len(pts)]
            s += x1 * y2 - x2 * y1
        return abs(s) / 2

    @property
    def center(self) -> tuple[float, float]:
        n = len(self.points)
        return (sum(p[0] for p in self.points) / n, sum(p[1] for p in self.points) / n)

    def offset(self, dx: float, dy: float) -> Polygon:
        return Polygon(tuple((x + dx, y + dy) for x, y in self.points))

    def scale_about_center(self, factor: float) -> Polygon:
        cx, cy = self.center
        return Polygon(tuple((cx + (x - cx) * factor, cy + (y - cy) * factor) for x, y in self.points))

    def pad_quad(self, along: float, across: float) -> Polygon:
        """Grow a text quadrilateral (TL, TR, BR, BL) by pixels along and across its baseline."""
        if len(self.points) != 4:
            return self.box.pad(max(along, across)).to_polygon()
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = self.points
        ux, uy = _unit((x1 - x0) + (x2 - x3), (y1 - y0) + (y2 - y3))  # along the text
        vx, vy = _unit((x3 - x0) + (x2 - x1), (y3 - y0) + (y2 - y1))  # down across it
        return Polygon(
            (
                (x0 - ux * along - vx * across, y0 - uy * along - vy * across),
                (x1 + ux * along - vx * across, y1 + uy * along - vy * across),
                (x2 + ux * along + vx * across, y2 + uy * along + vy * across),
                (x3 - ux * along + vx * across, y3 - uy * along + vy * across),
            )
        )

    def to_list(self) -> list[list[int]]:
        return [[round(x), round(y)] for x, y in self.points]


def _unit(x: float, y: float) -> tuple[float, float]:
    n = math.hypot(x, y)
    return (x / n, y / n) if n > 0 else (1.0, 0.0)


def span_polygon(polygons: Sequence[Polygon]) -> Polygon:
    """One quadrilateral over consecutive word quads of one line (first word's left
    edge to last word's right edge); falls back to the bounding box otherwise."""
    if len(polygons) == 1:
        return polygons[0]
    if all(len(p.points) == 4 for p in polygons):
        first, last = polygons[0].points, polygons[-1].points
        quad = Polygon((first[0], last[1], last[2], first[3]))
        if quad.area > 0:
            return quad
    box = polygons[0].box
    for p in polygons[1:]:
        box = box.union(p.box)
    return box.to_polygon()


@dataclass(frozen=True)
class Word:
    """One OCR word. `text` is PHI: it never leaves memory (no logs, no reports)."""

    text: str
    polygon: Polygon
    score: float
    engine: str


@dataclass(frozen=True)
class Line:
    """Words an engine read as one line, in reading order."""

    words: tuple[Word, ...]
    polygon: Polygon
    score: float
    engine: str

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


@dataclass(frozen=True)
class Finding:
    """Something a detector flagged. `reason` says why in words that hold no PHI
    (e.g. "label DOB + date pattern"), so it may be logged and reported."""

    kind: Kind
    polygon: Polygon
    score: float
    detector: str
    reason: str = ""

    @property
    def box(self) -> Box:
        return self.polygon.box


@dataclass(frozen=True)
class Region:
    """What gets redacted (or, with redacted=False, deliberately kept)."""

    kind: Kind
    box: Box
    polygon: Polygon | None = None
    score: float = 1.0
    detector: str = "manual"
    redacted: bool = True
    reason: str = ""

    @classmethod
    def from_finding(cls, finding: Finding) -> Region:
        return cls(
            kind=finding.kind,
            box=finding.box,
            polygon=finding.polygon,
            score=finding.score,
            detector=finding.detector,
            redacted=True,
            reason=finding.reason,
        )

    def with_redacted(self, redacted: bool) -> Region:
        return replace(self, redacted=redacted)

    def moved_to(self, box: Box) -> Region:
        """The region with a new box; a hand-moved region drops its tight polygon."""
        return replace(self, box=box, polygon=None)

    @property
    def shape(self) -> Polygon:
        """What is filled: the tight polygon when there is one, else the box."""
        return self.polygon if self.polygon is not None else self.box.to_polygon()


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan of one image found."""

    width: int
    height: int
    findings: tuple[Finding, ...]
    timings: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def regions(self) -> tuple[Region, ...]:
        return tuple(Region.from_finding(f) for f in self.findings)
