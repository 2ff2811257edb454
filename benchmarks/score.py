"""The scorer: how much of the ground truth a set of report regions covers.

Exactly the rules of DESIGN.md "How recall is measured":

- the regions with `redacted: true` (each region's "polygon" when present,
  else its "box" [x, y, w, h]) are rasterised (cv2.fillPoly, on a 4x finer
  grid around each ground-truth item) into one mask;
- a ground-truth PHI word is covered when at least 85% of its polygon area
  lies under the mask; a face when at least 80% of its box does; a barcode
  when at least 85% of its polygon does;
- a neutral word (signage that must stay) is a false redaction when 50% or
  more of it lies under the mask;
- an image is clean when every PHI word, face and barcode in it is covered.

Words of kind "either" are not scored. The "text" kind (every legible word,
for the ICDAR set in all-text mode) is scored like a PHI kind. Everything here
is a pure function of (ground truth dict, list of report-style region dicts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

WORD_COVERED = 0.85
FACE_COVERED = 0.80
BARCODE_COVERED = 0.85
NEUTRAL_FALSE = 0.50

PHI_KINDS = ("name", "date", "id", "ssn", "phone", "email", "url", "address")
SCORED_KINDS = PHI_KINDS + ("text",)
_SUPER = 4  # polygons are rasterised on a 4x finer grid, so edges are exact to a quarter pixel
_SHIFT = 4  # and fillPoly gets their corners to 1/16 of a (fine) pixel


def region_points(region: dict) -> np.ndarray | None:
    """A region's outline: its polygon when it has one, else its box."""
    if region.get("polygon"):
        return np.asarray(region["polygon"], np.float64)
    box = region.get("box")
    if box is None:
        return None
    return box_points(box)


def box_points(box: Sequence[float]) -> np.ndarray:
    x, y, w, h = (float(v) for v in box)
    return np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float64)


def _fill(canvas: np.ndarray, pts: np.ndarray, x0: int, y0: int) -> None:
    # A fine pixel (i, j) stands for the square [i, i+1) x [j, j+1) / _SUPER, hence the
    # half-pixel shift. fillPoly lights both end pixels of every span, one too many;
    # _trim takes that last column and row off again.
    fine = (np.asarray(pts, np.float64) - [x0, y0]) * _SUPER - 0.5
    cv2.fillPoly(canvas, [np.round(fine * (1 << _SHIFT)).astype(np.int32).reshape(-1, 1, 2)], 1, shift=_SHIFT)


_TRIM = np.ones((2, 2), np.uint8)


def _trim(mask: np.ndarray) -> np.ndarray:
    return cv2.erode(mask, _TRIM, anchor=(0, 0), borderType=cv2.BORDER_REPLICATE)


class Coverage:
    """The union of the regions with `redacted: true`, clipped to the image."""

    def __init__(self, regions: Iterable[dict], width: int, height: int):
        self.width, self.height = int(width), int(height)
        self.shapes: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for region in regions:
            if not region.get("redacted", False):
                continue
            pts = region_points(region)
            if pts is not None and len(pts) >= 3:
                self.shapes.append((pts, pts.min(0), pts.max(0)))

    def fraction(self, points: Sequence[Sequence[float]]) -> float:
        """The share of the polygon's area under the regions; area outside the image is uncovered."""
        pts = np.asarray(points, np.float64)
        lo, hi = pts.min(0), pts.max(0)
        x0, y0 = np.floor(lo).astype(int)
        x1, y1 = np.ceil(hi).astype(int)
        w, h = max(x1 - x0, 1), max(y1 - y0, 1)
        target = np.zeros((h * _SUPER, w * _SUPER), np.uint8)
        _fill(target, pts, x0, y0)
        target = _trim(target)
        total = int(target.sum())
        if total == 0:
            return 0.0
        under = np.zeros_like(target)
        for shape, slo, shi in self.shapes:
            if shi[0] <= lo[0] or slo[0] >= hi[0] or shi[1] <= lo[1] or slo[1] >= hi[1]:
                continue
            _fill(under, shape, x0, y0)
        under = _trim(under)
        # Nothing outside the image can be covered.
        ix0, iy0 = max(0, -x0) * _SUPER, max(0, -y0) * _SUPER
        ix1, iy1 = (min(w, self.width - x0)) * _SUPER, (min(h, self.height - y0)) * _SUPER
        inside = np.zeros_like(target)
        if ix1 > ix0 and iy1 > iy0:
            inside[iy0:iy1, ix0:ix1] = 1
        return float((target & under & inside).sum()) / total


@dataclass
class ImageScore:
    """Counts for one image. `kinds` maps kind -> [covered, total]."""

    kinds: dict[str, list[int]] = field(default_factory=dict)
    faces: list[int] = field(default_factory=lambda: [0, 0])
    barcodes: list[int] = field(default_factory=lambda: [0, 0])
    neutral: list[int] = field(default_factory=lambda: [0, 0])  # [falsely covered, total]
    scored_items: int = 0
    clean: bool = True

    def to_dict(self) -> dict:
        return {
            "kinds": self.kinds,
            "faces": self.faces,
            "barcodes": self.barcodes,
            "neutral": self.neutral,
            "scored_items": self.scored_items,
            "clean": self.clean,
        }


def score_image(gt: dict, regions: Iterable[dict]) -> ImageScore:
    """Score one image's regions (report-style dicts) against its ground truth."""
    mask = Coverage(regions, int(gt["width"]), int(gt["height"]))
    out = ImageScore()
    for word in gt.get("words", ()):
        kind = word["kind"]
        frac = mask.fraction(word["polygon"])
        if kind == "neutral":
            out.neutral[1] += 1
            out.neutral[0] += frac >= NEUTRAL_FALSE
        elif kind in SCORED_KINDS:
            hit = frac >= WORD_COVERED
            counts = out.kinds.setdefault(kind, [0, 0])
            counts[0] += hit
            counts[1] += 1
            out.scored_items += 1
            out.clean &= hit
    for face in gt.get("faces", ()):
        hit = mask.fraction(box_points(face["box"])) >= FACE_COVERED
        out.faces[0] += hit
        out.faces[1] += 1
        out.scored_items += 1
        out.clean &= hit
    for code in gt.get("barcodes", ()):
        hit = mask.fraction(code["polygon"]) >= BARCODE_COVERED
        out.barcodes[0] += hit
        out.barcodes[1] += 1
        out.scored_items += 1
        out.clean &= hit
    return out


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def summarize(scores: Sequence[ImageScore]) -> dict:
    """Totals over a set of images.

    The clean-image rate is taken over images with at least one scored item
    (an image with nothing to cover proves nothing); both counts are reported.
    """
    kinds: dict[str, list[int]] = {}
    faces, codes, neutral = [0, 0], [0, 0], [0, 0]
    clean = with_items = 0
    for s in scores:
        for kind, (hit, total) in s.kinds.items():
            acc = kinds.setdefault(kind, [0, 0])
            acc[0] += hit
            acc[1] += total
        for acc, part in ((faces, s.faces), (codes, s.barcodes), (neutral, s.neutral)):
            acc[0] += part[0]
            acc[1] += part[1]
        if s.scored_items:
            with_items += 1
            clean += s.clean
    phi_hit = sum(kinds[k][0] for k in kinds if k in PHI_KINDS)
    phi_total = sum(kinds[k][1] for k in kinds if k in PHI_KINDS)
    return {
        "images": len(scores),
        "images_with_scored_items": with_items,
        "recall_by_kind": {
            k: {"covered": v[0], "total": v[1], "recall": _ratio(*v)} for k, v in sorted(kinds.items())
        },
        "phi_word_recall": _ratio(phi_hit, phi_total),
        "phi_words": {"covered": phi_hit, "total": phi_total},
        "text_word_recall": _ratio(*kinds["text"]) if "text" in kinds else None,
        "face_recall": _ratio(*faces),
        "faces": {"covered": faces[0], "total": faces[1]},
        "barcode_recall": _ratio(*codes),
        "barcodes": {"covered": codes[0], "total": codes[1]},
        "clean_images": clean,
        "clean_image_rate": _ratio(clean, with_items),
        "neutral_false_redactions": neutral[0],
        "neutral_words": neutral[1],
        "neutral_false_redaction_rate": _ratio(*neutral),
    }
