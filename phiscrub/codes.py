"""Barcodes and 2-D codes: decoded with zxing-cpp, located even when they cannot be read.

A code need not be decoded to be redacted, so three sources are merged:
- `zxingcpp.read_barcodes` on a half-size grey copy of a large photo (all
  formats; it tries rotations and smaller copies itself). Decoding is certainty.
- `cv2.barcode.BarcodeDetector().detect` (linear codes, ~0.01 s) and a
  bar-pattern locator (regions whose gradients are strong and all parallel, with
  many bars along a line through them) for blurred or skewed linear codes that
  zxing cannot read. Each such region is first cropped from the full-size image
  and given to zxing once more.
- Overlapping results are merged into one finding.

Regions are padded: a quiet zone around every code, and under (or, when the
code's orientation is unknown, on both sides of) a linear barcode enough room for
its human-readable digits. The decoded text is PHI: it is never logged, put in a
reason, or kept.

Known gaps (measured on synthetic 12 MP scenes): zxing-cpp reads PDF417 only
within ~5 degrees of a right angle, and the locators find linear codes only, so
a heavily blurred QR, Data Matrix or PDF417 that zxing cannot read is missed.
cv2.QRCodeDetector is not used: its detectMulti took 358 s on one cluttered photo.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from phiscrub.models import Finding, Kind, Polygon

log = logging.getLogger(__name__)

ZXING = "zxing"
OPENCV = "opencv-barcode"

# Formats zxing writes on a 2-D grid: padded by a quiet zone only, no digits below.
_MATRIX = {"QR Code", "Micro QR Code", "rMQR Code", "Data Matrix", "Aztec", "MaxiCode", "DX Film Edge"}
_MIN_ENERGY = 20000.0  # mean squared Sobel gradient: many sharp edges per window
_STACKED = {"PDF417", "Compact PDF417", "MicroPDF417", "DataBar Stacked", "DataBar Stacked Omni"}


@dataclass(frozen=True)
class _Code:
    quad: np.ndarray  # 4x2 float, image pixels: TL, TR, BR, BL in the code's own frame
    format: str  # zxing's format name, or "" when not decoded
    decoded: bool
    oriented: bool  # True when "down" (towards the digits) is known
    source: str


class CodeDetector:
    """Finds barcodes and 2-D codes in an RGB image. Cheap to build; reuse it anyway.

    `work_side`: the long side zxing and the locators see first (a 4032-px photo is
    read at 2016 px: a 2-px module becomes 1 px, still readable, at a quarter of
    the cost). `locate_undecoded=False` keeps only what zxing decodes."""

    def __init__(
        self,
        *,
        work_side: int = 2016,
        locate_undecoded: bool = True,
        quiet_zone: float = 0.08,
        digits_below: float = 0.45,
        min_bars: int = 8,
    ) -> None:
        self.work_side = work_side
        self.locate_undecoded = locate_undecoded
        self.quiet_zone = quiet_zone
        self.digits_below = digits_below
        self.min_bars = min_bars
        self._cv = cv2.barcode.BarcodeDetector()

    def detect(self, image: np.ndarray) -> list[Finding]:
        """Codes in `image` (H x W x 3 RGB uint8, or grey) as padded polygons."""
        gray = _as_gray(image)
        height, width = gray.shape
        if min(height, width) < 16:
            return []
        scale = min(1.0, self.work_side / max(height, width))
        work = gray if scale == 1.0 else _resize(gray, scale)

        codes = [self._from_zxing(r, 1 / scale) for r in _read(work)]
        if self.locate_undecoded:
            for quad in self._locate(work):
                quad = quad / scale
                if any(_overlap(quad, c.quad) > 0.3 for c in codes if c.decoded):
                    # Already read; its located outline still widens the region when merged.
                    codes.append(_Code(quad, "", False, False, OPENCV))
                    continue
                codes.extend(self._refine(gray, quad))
        merged = _merge([(self._pad(c), c) for c in codes])
        findings = []
        for poly, code in merged:
            poly = _clip(poly, width, height)
            if cv2.contourArea(poly.astype(np.float32)) <= 0:
                continue
            reason = f"{code.format} decoded" if code.decoded else "barcode located, not decoded"
            findings.append(
                Finding(
                    kind=Kind.BARCODE,
                    polygon=Polygon.of(poly.tolist()),
                    score=1.0 if code.decoded else 0.6,
                    detector=code.source,
                    reason=reason,
                )
            )
        log.debug("codes: %d found (%d decoded)", len(findings), sum(c.decoded for _, c in merged))
        return findings

    # -- sources ---------------------------------------------------------------

    def _from_zxing(self, result, factor: float, offset=(0.0, 0.0)) -> _Code:
        p = result.position
        quad = np.array(
            [[q.x, q.y] for q in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)], np.float64
        )
        quad = quad * factor + offset
        fmt = str(result.format)
        linear = fmt not in _MATRIX and fmt not in _STACKED
        if linear:
            quad = _thicken(quad)
        return _Code(quad, fmt, True, True, ZXING)

    def _locate(self, work: np.ndarray) -> list[np.ndarray]:
        """Undecoded linear-code candidates in `work` pixels, as 4x2 quads."""
        quads = []
        ok, points = self._cv.detect(work)
        if ok and points is not None:
            quads += [np.asarray(p, np.float64).reshape(4, 2) for p in points]
        quads += _bar_pattern_regions(work, self.min_bars)
        # cv2's detector and the bar-pattern locator often find the same code.
        out: list[np.ndarray] = []
        for q in quads:
            if not any(_overlap(q, o) > 0.5 for o in out):
                out.append(q)
        return out

    def _refine(self, gray: np.ndarray, quad: np.ndarray) -> list[_Code]:
        """Give zxing one more try on a full-size crop around a located code. The
        located region is kept too (merged later): zxing may frame only part of it."""
        x, y, w, h = cv2.boundingRect(quad.astype(np.float32))
        pad = max(w, h) // 4
        x0, y0 = max(x - pad, 0), max(y - pad, 0)
        x1, y1 = min(x + w + pad, gray.shape[1]), min(y + h + pad, gray.shape[0])
        crop = gray[y0:y1, x0:x1]
        located = _Code(quad, "", False, False, OPENCV)
        if crop.size and max(crop.shape) <= 3000:
            for result in _read(crop):
                code = self._from_zxing(result, 1.0, (x0, y0))
                if _overlap(code.quad, quad) > 0.2:
                    return [code, located]
        return [located]

    # -- geometry --------------------------------------------------------------

    def _pad(self, code: _Code) -> np.ndarray:
        """Quiet zone all round; room for the digits under a linear code."""
        tl, tr, br, bl = code.quad
        along = _unit((tr - tl) + (br - bl))
        across = _unit((bl - tl) + (br - tr))
        length = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
        height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
        if code.format in _MATRIX or code.format in _STACKED:
            a = c_up = c_down = self.quiet_zone * max(length, height) + 2
            return _grow(code.quad, along, across, a, c_up, c_down)
        a = self.quiet_zone * length + 2
        below = self.digits_below * height + 2
        if code.oriented:
            return _grow(code.quad, along, across, a, 0.1 * height + 2, below)
        # Not decoded: the digits may be on either side (the code may be upside down).
        return _grow(code.quad, along, across, a, below, below)


def _resize(gray: np.ndarray, scale: float) -> np.ndarray:
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _read(gray: np.ndarray) -> list:
    try:
        return zxingcpp.read_barcodes(gray)
    except Exception:  # a decoder failure must not fail the whole scan; the locators still run
        log.exception("zxing failed")
        return []


def _bar_pattern_regions(work: np.ndarray, min_bars: int) -> list[np.ndarray]:
    """Regions of strong, parallel gradients with many bars across them.

    The structure tensor of a barcode is large and coherent (every edge points the
    same way); text is mixed, and a drawn line has only two edges, which the bar
    count rejects. Runs at `work` size: halving again would blur 2-px bars away."""
    g = work.astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    win = (15, 15)
    jxx = cv2.boxFilter(gx * gx, -1, win)
    jyy = cv2.boxFilter(gy * gy, -1, win)
    jxy = cv2.boxFilter(gx * gy, -1, win)
    energy = jxx + jyy
    coherence = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / (energy + 1e-3)
    mask = ((energy > _MIN_ENERGY) & (coherence > 0.75)).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    quads = []
    for c in contours:
        area = cv2.contourArea(c)
        if area < 400:
            continue
        rect = cv2.minAreaRect(c)
        (w, h) = rect[1]
        if min(w, h) < 6 or area < 0.4 * w * h:
            continue
        if _count_bars(work, rect) < min_bars:
            continue
        quads.append(_rect_quad(rect, jxx, jyy, jxy))
    return quads


def _count_bars(gray: np.ndarray, rect) -> int:
    """Dark bars crossed by the line through the rectangle's centre along its longer
    run of edges (whichever axis crosses more bars)."""
    (cx, cy), (w, h), angle = rect
    best = 0
    for length, theta in ((w, angle), (h, angle + 90)):
        t = math.radians(theta)
        n = max(int(length), 8)
        s = np.linspace(-length / 2, length / 2, n)
        xs = (cx + s * math.cos(t)).astype(np.float32)
        ys = (cy + s * math.sin(t)).astype(np.float32)
        profile = cv2.remap(gray, xs.reshape(1, -1), ys.reshape(1, -1), cv2.INTER_LINEAR)[0]
        profile = profile.astype(np.float32)
        lo, hi = np.percentile(profile, 10), np.percentile(profile, 90)
        if hi - lo < 30:
            continue
        # Hysteresis so that noise on a flat stretch is not counted as bars.
        dark, bars = False, 0
        for v in profile:
            if not dark and v < lo + 0.35 * (hi - lo):
                dark, bars = True, bars + 1
            elif dark and v > lo + 0.65 * (hi - lo):
                dark = False
        best = max(best, bars)
    return best


def _rect_quad(rect, jxx, jyy, jxy) -> np.ndarray:
    """Corners of a rotated rectangle ordered TL, TR, BR, BL with TL->TR across the bars."""
    (cx, cy), _size, _angle = rect
    pts = cv2.boxPoints(rect).astype(np.float64)
    x, y = int(np.clip(cx, 0, jxx.shape[1] - 1)), int(np.clip(cy, 0, jxx.shape[0] - 1))
    # Dominant gradient direction = across the bars = along the code.
    theta = 0.5 * math.atan2(2 * jxy[y, x], jxx[y, x] - jyy[y, x])
    along = np.array([math.cos(theta), math.sin(theta)])
    if along[0] < 0 or (along[0] == 0 and along[1] < 0):
        along = -along
    across = np.array([-along[1], along[0]])
    centre = pts.mean(axis=0)
    rel = pts - centre
    a, c = rel @ along, rel @ across
    amax, cmax = np.abs(a).max(), np.abs(c).max()
    return centre + np.array(
        [
            -amax * along - cmax * across,
            amax * along - cmax * across,
            amax * along + cmax * across,
            -amax * along + cmax * across,
        ]
    )


def _thicken(quad: np.ndarray) -> np.ndarray:
    """zxing reports a linear code as the band of scan lines it read, often a sliver of
    the bars. Linear codes are rarely shorter than ~0.3 of their length, so grow the
    band to that about its middle."""
    tl, tr, br, bl = quad
    length = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    want = 0.3 * length
    if height >= want:
        return quad
    across = _unit((bl - tl) + (br - tr))
    if not np.any(across):  # a single scan line: perpendicular to it, pointing "down"
        along = _unit(tr - tl)
        across = np.array([-along[1], along[0]])
    extra = (want - height) / 2
    return np.array([tl - extra * across, tr - extra * across, br + extra * across, bl + extra * across])


def _grow(quad, along, across, a: float, up: float, down: float) -> np.ndarray:
    tl, tr, br, bl = quad
    return np.array(
        [
            tl - a * along - up * across,
            tr + a * along - up * across,
            br + a * along + down * across,
            bl - a * along + down * across,
        ]
    )


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-9 else np.zeros(2)


def _hull(*quads: np.ndarray) -> np.ndarray:
    pts = np.concatenate(quads).astype(np.float32)
    hull = cv2.convexHull(pts).reshape(-1, 2)
    if len(hull) <= 4:
        return np.asarray(hull, np.float64)
    return cv2.boxPoints(cv2.minAreaRect(pts)).astype(np.float64)


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection area over the smaller polygon's area."""
    pa, pb = a.astype(np.float32), b.astype(np.float32)
    area_a, area_b = abs(cv2.contourArea(pa)), abs(cv2.contourArea(pb))
    if min(area_a, area_b) <= 0:
        return 0.0
    inter, _ = cv2.intersectConvexConvex(cv2.convexHull(pa), cv2.convexHull(pb))
    return float(inter) / min(area_a, area_b)


def _merge(items: list[tuple[np.ndarray, _Code]]) -> list[tuple[np.ndarray, _Code]]:
    """One finding per code: overlapping regions become their hull; a decoded code
    names the merged finding."""
    items = sorted(items, key=lambda it: not it[1].decoded)
    out: list[tuple[np.ndarray, _Code]] = []
    for poly, code in items:
        for i, (kept, kcode) in enumerate(out):
            if _overlap(poly, kept) > 0.3:
                out[i] = (_hull(kept, poly), kcode)
                break
        else:
            out.append((poly, code))
    return out


def _clip(poly: np.ndarray, width: int, height: int) -> np.ndarray:
    return np.stack([np.clip(poly[:, 0], 0, width), np.clip(poly[:, 1], 0, height)], axis=1)


def _as_gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return np.ascontiguousarray(image)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
