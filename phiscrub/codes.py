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
_MIN_ENERGY = 8000.0  # mean squared Sobel gradient: many edges per window (blurred ones too)
_ONE_SIGNED = 0.15  # (mean gradient)^2 / mean squared gradient: a lone edge is ~0.13-0.3
_MIN_REGION_COHERENCE = 0.5  # share of a candidate's gradient energy across its bars
# A candidate from _BLURRED_COHERENCE up to that passes only on square lines that
# agree this well over this many dark bars. Codes alone on seeds 0-5, 7-21 and
# speed 1013, 1014, 1019 (1017 codes): 996 -> 997 covered, no other region added,
# neutral words under code regions unchanged; the floor at 0.45 with the usual
# test instead added 10 regions where there is no code.
_BLURRED_COHERENCE = 0.4
_BLURRED_AGREEMENT = 0.9
_BLURRED_BARS = 12
_MIN_ROW_AGREEMENT = 0.45  # median correlation of lines across the code with their median
_LINES = 15  # lines sampled across a candidate, each the mean of three
# Slants (degrees from square to the bars) at which a sheared code's lines are
# drawn, and how much more a slanted reading must show.
_SLANTS = (-60, -45, -30, -15, 15, 30, 45, 60)
_SLANTED_BARS = 2
_SLANTED_AGREEMENT = 0.6
# Candidates that fail the bar test are read once more straightened (most
# coherent first), at most this many per photo. Seed 17 photo 001: a sharp Code
# 128 at the end of a wristband, joined with the print beside it into one
# candidate, the 28th and least coherent of its photo. Over seeds 3 and 10-17
# (360 photos) the photos have up to 28 such candidates. Reading all of them
# instead of 12 cost 0.02 s a photo on seed 17 (0.25 s on the worst photo),
# measured with another process busy on both cores.
_MAX_STRAIGHTENED = 40
# A located code is grown along its length over windows of bars, at most this many
# times its length on each side, while the lines through a window agree this well.
_ALONG_REACH = 2.0
_ALONG_AGREEMENT = 0.8
# A located outline is merged with a code read inside it up to this many times
# the read code's padded area. Measured on seeds 0-5 and 7-10 (461 codes): at 6,
# 453 covered as with no limit, neutral words under code regions 9 -> 6; at 3,
# two sheared codes lost part of their cover.
_MAX_WIDENING = 6.0
# A candidate framed in its gradient's frame may come out this many times the
# area of its own rectangle (a code's bars pull that frame off when a band's
# edge joins the blob); then the rectangle on its own axes is offered first.
_MAX_REFRAMING = 1.5
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
            located, doubtful = self._locate(work, gray, scale)
            for quad, theta in doubtful[:_MAX_STRAIGHTENED]:
                if any(_overlap(quad, c.quad) > 0.3 for c in codes if c.decoded):
                    continue
                code = self._read_straightened(gray, quad, theta)
                if code is not None:
                    # The candidate is kept as well: on a sheared code zxing's band,
                    # even grown, covers only part of the bars (seed 0: 70%).
                    codes += [code, _Code(quad, "", False, False, OPENCV)]
            for quad, theta in located:
                read = [c for c in codes if c.decoded and _overlap(quad, c.quad) > 0.3]
                if read:
                    # Already read; its located outline still widens the region when
                    # merged, unless it is many times the code (the rows of print
                    # beside a wristband's code taken for bars with it).
                    largest = max(_area(self._pad(c)) for c in read)
                    if _area(quad) <= _MAX_WIDENING * largest:
                        codes.append(_Code(quad, "", False, False, OPENCV))
                    continue
                codes.extend(self._refine(gray, quad, theta))
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

    def _locate(
        self, work: np.ndarray, gray: np.ndarray, scale: float
    ) -> tuple[list[np.ndarray], list[tuple[np.ndarray, float]]]:
        """Undecoded linear-code candidates that look like bars at full size, as 4x2
        quads in full-size pixels with their bar angle; and the candidates that did
        not pass that test, most coherent first (for `_read_straightened`)."""
        field = _Tensor(work)
        quads = []
        ok, points = self._cv.detect(work)
        if ok and points is not None:
            quads += [np.asarray(p, np.float64).reshape(4, 2) for p in points]
        quads += _bar_pattern_regions(field)
        out: list[np.ndarray] = []
        angles: list[float] = []
        doubtful: list[tuple[float, np.ndarray, float]] = []
        # Square lines first, then slanted ones on what is left: a large candidate
        # that passes only slanted must not shadow a code inside it that passes square.
        left = []
        for q in quads:
            # cv2's detector and the bar-pattern locator often find the same code.
            if any(_overlap(q, o) > 0.5 for o in out):
                continue
            orientation = field.orientation(q)
            if _looks_like_bars(gray, q / scale, orientation, self.min_bars):
                out.append(q)
                angles.append(orientation[0])
            else:
                left.append((q, orientation))
        for q, orientation in left:
            if not any(_overlap(q, o) > 0.5 for o in out) and _looks_like_bars(
                gray, q / scale, orientation, self.min_bars, slanted=True
            ):
                out.append(q)
                angles.append(orientation[0])
            else:
                doubtful.append((-orientation[1], q / scale, orientation[0]))
        doubtful.sort(key=lambda d: d[0])
        located = [(q / scale, theta) for q, theta in zip(out, angles, strict=True)]
        return located, [(q, theta) for _c, q, theta in doubtful]

    def _read_straightened(self, gray: np.ndarray, quad: np.ndarray, theta: float) -> _Code | None:
        """zxing on a full-size crop around `quad` turned so its bars stand upright.

        zxing reads a linear code along pixel rows, so one slanted by more than its
        height allows is not read at all, and the bar test can fail on it too (a
        35-degree sharp Code128 on seed 0 counted 7 swings along the estimated
        angle). The bar angle `theta` from the gradients is only an estimate, so
        the crop is also tried 15 degrees either way. Only a decoded code counts."""
        crop, x0, y0 = _crop_around(gray, quad)
        if crop.size == 0 or max(crop.shape) > 1500:
            return None
        ch, cw = crop.shape
        for delta in (0.0, -15.0, 15.0):
            turn = cv2.getRotationMatrix2D((cw / 2, ch / 2), math.degrees(theta) + delta, 1.0)
            cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
            nw, nh = int(ch * sin + cw * cos) + 1, int(ch * cos + cw * sin) + 1
            turn[0, 2] += nw / 2 - cw / 2
            turn[1, 2] += nh / 2 - ch / 2
            upright = cv2.warpAffine(
                crop, turn, (nw, nh), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
            )
            back = cv2.invertAffineTransform(turn)
            for result in _read(upright):
                code = self._from_zxing(result, 1.0)
                upright_quad = code.quad
                if code.format not in _MATRIX and code.format not in _STACKED:
                    upright_quad = _grow_to_bars(upright, upright_quad)
                pts = np.hstack([upright_quad, np.ones((4, 1))]) @ back.T + [x0, y0]
                if _overlap(pts, quad) > 0.2:
                    return _Code(pts, code.format, True, True, ZXING)
        return None

    def _refine(self, gray: np.ndarray, quad: np.ndarray, theta: float) -> list[_Code]:
        """Give zxing one more try on a full-size crop around a located code, as it is
        and then straightened (`theta`: the bar angle). The located region is kept too
        (merged later): zxing may frame only part of it."""
        crop, x0, y0 = _crop_around(gray, quad)
        grown = _grow_across(gray, _grow_along(gray, quad, theta), theta)
        located = _Code(grown, "", False, False, OPENCV)
        if crop.size and max(crop.shape) <= 3000:
            for result in _read(crop):
                code = self._from_zxing(result, 1.0, (x0, y0))
                if _overlap(code.quad, quad) > 0.2:
                    return [code, located]
        code = self._read_straightened(gray, quad, theta)
        return [located] if code is None else [code, located]

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


def _crop_around(gray: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The full-size pixels around `quad` with a quarter of its size as margin, and
    the crop's top-left corner in the image."""
    x, y, w, h = cv2.boundingRect(quad.astype(np.float32))
    pad = max(w, h) // 4
    x0, y0 = max(x - pad, 0), max(y - pad, 0)
    x1, y1 = min(x + w + pad, gray.shape[1]), min(y + h + pad, gray.shape[0])
    return gray[y0:y1, x0:x1], x0, y0


def _resize(gray: np.ndarray, scale: float) -> np.ndarray:
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _read(gray: np.ndarray) -> list:
    try:
        return zxingcpp.read_barcodes(gray)
    except Exception:  # a decoder failure must not fail the whole scan; the locators still run
        log.exception("zxing failed")
        return []


class _Tensor:
    """Smoothed structure tensor of a grey image, and the mean gradient over the same
    window: a barcode has strong gradients all along one axis whose signs alternate
    (the mean is near zero); a single straight edge (a card's outline, a door frame)
    is just as strong and coherent but one-signed."""

    def __init__(self, gray: np.ndarray, win: int = 7, step: int = 2) -> None:
        g = gray.astype(np.float32)
        gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
        # Gradients at full `gray` size (fine bars), averaged on a grid `step` times
        # coarser: the window (win * step pixels of `gray`) is smooth anyway, and the
        # rest costs a quarter.
        size = (max(gray.shape[1] // step, 1), max(gray.shape[0] // step, 1))
        self.step = step

        def smooth(a: np.ndarray) -> np.ndarray:
            return cv2.boxFilter(cv2.resize(a, size, interpolation=cv2.INTER_AREA), -1, (win, win))

        self.jxx = smooth(cv2.multiply(gx, gx))
        self.jyy = smooth(cv2.multiply(gy, gy))
        self.jxy = smooth(cv2.multiply(gx, gy))
        mx, my = smooth(gx), smooth(gy)
        self.energy = self.jxx + self.jyy
        self.coherence = np.sqrt((self.jxx - self.jyy) ** 2 + 4 * self.jxy**2) / (self.energy + 1e-3)
        self.one_signed = (mx * mx + my * my) / (self.energy + 1e-3)

    def orientation(self, quad: np.ndarray) -> tuple[float, float]:
        """Dominant gradient angle (radians: across the bars) over the quad, and how
        much of the gradient energy points that way (1 = all of it)."""
        h, w = self.jxx.shape
        quad = quad / self.step
        x, y, bw, bh = cv2.boundingRect(quad.astype(np.float32))
        x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + bw, w), min(y + bh, h)
        if x1 <= x0 or y1 <= y0:
            return 0.0, 0.0
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(mask, [np.int32(np.round(quad - [x0, y0]))], 1)
        m = mask.astype(bool)
        if not m.any():
            return 0.0, 0.0
        sxx = float(self.jxx[y0:y1, x0:x1][m].sum())
        syy = float(self.jyy[y0:y1, x0:x1][m].sum())
        sxy = float(self.jxy[y0:y1, x0:x1][m].sum())
        coherence = math.sqrt((sxx - syy) ** 2 + 4 * sxy**2) / (sxx + syy + 1e-6)
        return 0.5 * math.atan2(2 * sxy, sxx - syy), coherence


def _bar_pattern_regions(field: _Tensor) -> list[np.ndarray]:
    """Candidate regions of strong, parallel, sign-alternating gradients.

    Text is mixed, so its coherence is low; an outline is one-signed. Pieces of one
    code split by a wide bar or a smudge (nothing to see inside a wide blurred bar)
    are also offered joined. Runs at `work` size: halving again would blur 2-px bars
    away; whether a candidate really has bars is decided at full size."""
    mask = (
        (field.energy > _MIN_ENERGY) & (field.coherence > 0.75) & (field.one_signed < _ONE_SIGNED)
    ).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    pieces = []
    for c in _contours(mask):
        rect = cv2.minAreaRect(c)
        if not _solid(c, rect):
            # Often a code joined by a card's outline or a line of print beside it:
            # a thicker opening cuts those thin ribbons off the solid block of bars.
            x, y, w, h = cv2.boundingRect(c)
            part = np.zeros((h, w), np.uint8)
            cv2.drawContours(part, [c], -1, 1, -1, offset=(-x, -y))
            part &= mask[y : y + h, x : x + w]
            part = cv2.morphologyEx(part, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
            for inner in _contours(part):
                inner = inner + [x, y]
                inner_rect = cv2.minAreaRect(inner)
                if _solid(inner, inner_rect):
                    pieces.extend(_rect_quads(inner_rect, field))
            continue
        pieces.extend(_rect_quads(rect, field))
    # A stroke or a line, not a run of bars.
    pieces = [q for q in pieces if np.linalg.norm(q[1] - q[0]) >= 12]
    return _joined(pieces, field) + pieces


def _contours(mask: np.ndarray) -> list[np.ndarray]:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return [c for c in contours if cv2.contourArea(c) >= 40]


def _solid(contour: np.ndarray, rect) -> bool:
    (w, h) = rect[1]
    return min(w, h) >= 3 and cv2.contourArea(contour) >= 0.4 * w * h


def _joined(pieces: list[np.ndarray], field: _Tensor) -> list[np.ndarray]:
    """Pieces that lie end to end along the same bar direction, joined (chains too)."""
    joined: list[np.ndarray] = []
    groups = [[q] for q in pieces]
    changed = True
    while changed and len(groups) > 1:
        changed = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if any(_end_to_end(a, b) for a in groups[i] for b in groups[j]):
                    groups[i] += groups.pop(j)
                    changed = True
                    break
            if changed:
                break
    for group in groups:
        if len(group) > 1:
            pts = (np.concatenate(group) / field.step).astype(np.float32)
            joined.append(_rect_quad(cv2.minAreaRect(pts), field))
    return joined


def _end_to_end(a: np.ndarray, b: np.ndarray) -> bool:
    along_a, along_b = _unit(a[1] - a[0]), _unit(b[1] - b[0])
    if abs(float(along_a @ along_b)) < math.cos(math.radians(10)):
        return False
    across = np.array([-along_a[1], along_a[0]])
    d = b.mean(axis=0) - a.mean(axis=0)
    len_a, len_b = np.linalg.norm(a[1] - a[0]), np.linalg.norm(b[1] - b[0])
    h_a, h_b = np.linalg.norm(a[3] - a[0]), np.linalg.norm(b[3] - b[0])
    gap = abs(float(d @ along_a)) - (len_a + len_b) / 2
    return abs(float(d @ across)) < 0.6 * max(h_a, h_b) and gap < 0.6 * max(h_a, h_b)


def _looks_like_bars(
    gray: np.ndarray, quad: np.ndarray, orientation, min_bars: int, slanted: bool = False
) -> bool:
    """Whether the full-size pixels under `quad` are a linear barcode: its gradients
    mostly cross one axis, the grey level along that axis swings dark/light at least
    `min_bars` times, and it does so the same way on every line across the code (bars
    run the whole height; letters, handwriting and print do not).

    `slanted`: the code may be sheared (seen at a steep angle, its bars slant against
    its length), so a line square to the bars leaves it after a few of them (seed 13
    photo 005: 6 bars counted of about 30). The lines are drawn slanted instead, at
    each of `_SLANTS`; such a reading must be more convincing (`_SLANTED_BARS` times
    the bars, `_SLANTED_AGREEMENT`), as more tries give print more chances
    (handwriting read slanted counted 8 bars)."""
    theta, coherence = orientation
    if coherence < _MIN_REGION_COHERENCE:
        # Motion blur along a code mixes its gradients with its label's edges
        # (seed 21 photo 039: 0.47); its bars still run the height of it.
        if slanted or coherence < _BLURRED_COHERENCE:
            return False
        evidence = _bar_evidence(gray, quad, theta)
        return evidence is not None and evidence[0] >= _BLURRED_AGREEMENT and evidence[1] >= _BLURRED_BARS
    if not slanted:
        evidence = _bar_evidence(gray, quad, theta)
        return evidence is not None and evidence[0] >= _MIN_ROW_AGREEMENT and evidence[1] >= min_bars
    _along, _across, _centre, a, _c = _code_frame(quad, theta)
    if a.max() - a.min() < 4 * _SLANTED_BARS * min_bars:  # no room for that many bars
        return False
    for degrees in _SLANTS:
        evidence = _bar_evidence(gray, quad, theta, math.tan(math.radians(degrees)))
        if (
            evidence is not None
            and evidence[0] >= _SLANTED_AGREEMENT
            and evidence[1] >= _SLANTED_BARS * min_bars
        ):
            return True
    return False


def _code_frame(quad: np.ndarray, theta: float):
    """Unit vectors along a code (across its bars, at angle `theta`) and across it,
    the quad's centre, and its corners' coordinates along and across from there."""
    along = np.array([math.cos(theta), math.sin(theta)])
    across = np.array([-along[1], along[0]])
    centre = quad.mean(axis=0)
    rel = quad - centre
    return along, across, centre, rel @ along, rel @ across


def _sample(
    gray: np.ndarray,
    along: np.ndarray,
    across: np.ndarray,
    centre: np.ndarray,
    uu: np.ndarray,
    vv: np.ndarray,
    border: int = cv2.BORDER_REPLICATE,
) -> np.ndarray:
    """`gray` at the points `uu` along and `vv` across a code's frame (see
    `_code_frame`), bilinearly, as float32 of their shape; outside the image
    as `border` says (BORDER_CONSTANT: black)."""
    xs = (centre[0] + uu * along[0] + vv * across[0]).astype(np.float32)
    ys = (centre[1] + uu * along[1] + vv * across[1]).astype(np.float32)
    return cv2.remap(gray, xs, ys, cv2.INTER_LINEAR, borderMode=border, borderValue=0).astype(np.float32)


def _frame_quad(
    along: np.ndarray, across: np.ndarray, centre: np.ndarray, u0: float, u1: float, v0: float, v1: float
) -> np.ndarray:
    """The quad spanning u0..u1 along and v0..v1 across a code's frame, in image pixels."""
    corners = [(u0, v0), (u1, v0), (u1, v1), (u0, v1)]
    return np.array([centre + u * along + v * across for u, v in corners], np.float64)


def _bar_evidence(
    gray: np.ndarray, quad: np.ndarray, theta: float, slant: float = 0.0
) -> tuple[float, int] | None:
    """(agreement of the lines across the code, dark bars) under `quad`, whose bars
    are square to angle `theta`, or None when it is too small or too flat to tell.
    The lines run at `slant` (tangent of their angle to `theta`) within the quad."""
    along, across, centre, a, c = _code_frame(quad, theta)
    length, height = float(a.max() - a.min()), float(c.max() - c.min())
    thickness = height - abs(slant) * length  # of the band the slanted lines sweep
    if length < 16 or thickness < 4:
        return None
    n = int(min(length, 3000))
    us = np.linspace(a.min(), a.max(), n)
    offsets = np.linspace(-thickness / 2, thickness / 2, 3 * _LINES + 2)[1:-1]
    uu, ss = np.meshgrid(us, offsets)
    vv = ss + slant * (uu - (a.min() + a.max()) / 2) + (c.min() + c.max()) / 2
    lines = _sample(gray, along, across, centre, uu, vv).reshape(_LINES, 3, n).mean(axis=1)
    lo, hi = np.percentile(lines, 5), np.percentile(lines, 95)
    if hi - lo < 30:
        return None
    # The candidate may hold print beside the code: keep the longest run of lines
    # that agree with one line of it (the code's lines agree with each other).
    z = lines - lines.mean(axis=1, keepdims=True)
    z /= np.linalg.norm(z, axis=1, keepdims=True) + 1e-6
    agree = (z @ z.T) >= _MIN_ROW_AGREEMENT
    start, stop = max((_run_around(agree[k], k) for k in range(_LINES)), key=lambda r: r[1] - r[0])
    if stop - start < 3:
        return 0.0, 0
    band = lines[start:stop]
    profile = np.median(band, axis=0)
    lo, hi = np.percentile(profile, 5), np.percentile(profile, 95)
    agreement = float(np.median([_correlation(line, profile) for line in band]))
    return agreement, _swings(profile, 0.2 * (hi - lo))


def _run_around(flags: np.ndarray, k: int) -> tuple[int, int]:
    """The run of True in `flags` that contains index k, as (start, stop)."""
    start, stop = k, k + 1
    while start > 0 and flags[start - 1]:
        start -= 1
    while stop < len(flags) and flags[stop]:
        stop += 1
    return start, stop


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    d = math.sqrt(float((a * a).sum() * (b * b).sum()))
    return float((a * b).sum()) / d if d > 0 else 0.0


def _swings(profile: np.ndarray, step: float) -> int:
    """Dark bars along a profile: falls of at least `step` below the last peak, each
    followed by a rise of `step` before the next counts. Relative to the last
    extreme, not to fixed levels, so narrow bars that blur or uneven light keep
    from reaching the code's full contrast still count."""
    bars, falling = 0, False
    peak = trough = float(profile[0])
    for v in profile.tolist():
        if not falling:
            if v > peak:
                peak = v
            elif v < peak - step:
                falling, trough, bars = True, v, bars + 1
        elif v < trough:
            trough = v
        elif v > trough + step:
            falling, peak = False, v
    return bars


def _rect_quads(rect, field: _Tensor) -> list[np.ndarray]:
    """The quads to offer for a rotated rectangle (`field` grid) of the bar mask:
    `_rect_quad`'s, framed by the dominant gradient; and first, when that frame
    makes it more than `_MAX_REFRAMING` times the rectangle's own area, the
    rectangle itself on its own axes (TL->TR along the axis nearer the
    gradient). On a sheared code the gradient's frame is the right one (its
    bars slant against the code's length, and only lines square to them pass
    the bar test); on the first sample photo's wristband the band's lower edge
    joined the code's blob and pulled the gradient 20 degrees off, framing a
    391 x 70 px blob as 396 x 165. `_locate` keeps the first offered that passes
    the bar test and skips the other, as it does overlapping candidates."""
    pts = cv2.boxPoints(rect).astype(np.float64) * field.step
    gradient = _gradient_along(pts, field)
    framed = _frame_box(pts, gradient)
    width, height = rect[1]
    if _area(framed) <= _MAX_REFRAMING * width * height * field.step**2:
        return [framed]
    axes = (_unit(pts[1] - pts[0]), _unit(pts[3] - pts[0]))
    along = max(axes, key=lambda e: abs(float(e @ gradient)))
    return [_frame_box(pts, along), framed]


def _frame_box(pts: np.ndarray, along: np.ndarray) -> np.ndarray:
    """The box around `pts` whose sides run along and across the unit vector
    `along`, as TL, TR, BR, BL with TL->TR along it, pointing right (or down)."""
    if along[0] < 0 or (along[0] == 0 and along[1] < 0):
        along = -along
    across = np.array([-along[1], along[0]])
    centre = pts.mean(axis=0)
    rel = pts - centre
    amax, cmax = float(np.abs(rel @ along).max()), float(np.abs(rel @ across).max())
    return _frame_quad(along, across, centre, -amax, amax, -cmax, cmax)


def _gradient_along(pts: np.ndarray, field: _Tensor) -> np.ndarray:
    """The dominant gradient's direction over `pts` (work pixels): across the bars,
    along the code."""
    theta, _ = field.orientation(pts)
    return np.array([math.cos(theta), math.sin(theta)])


def _rect_quad(rect, field: _Tensor) -> np.ndarray:
    """Corners of a rotated rectangle (`field` grid) in `work` pixels, ordered TL, TR,
    BR, BL with TL->TR across the bars."""
    pts = cv2.boxPoints(rect).astype(np.float64) * field.step
    return _frame_box(pts, _gradient_along(pts, field))


def _grow_across(gray: np.ndarray, quad: np.ndarray, theta: float) -> np.ndarray:
    """A located code's quad grown along its bars while lines parallel to its length
    repeat the bar pattern (correlation >= 0.6 with the middle line), up to its own
    height again on each side. The locators can frame a blurred code as a band
    through its middle (seed 1: a code 82% covered, its bars' ends outside)."""
    along, across, centre, a, c = _code_frame(quad, theta)
    length, height = float(a.max() - a.min()), float(c.max() - c.min())
    if length < 16 or height < 4:
        return quad
    n = int(min(length, 2000))
    us = np.linspace(a.min(), a.max(), n)

    def line(v: float) -> np.ndarray:
        return _sample(gray, along, across, centre, us[None, :], np.full((1, n), v))[0]

    ref = np.median([line(v) for v in np.linspace(c.min(), c.max(), 5)[1:-1]], axis=0)
    step = max(1.0, height / 20)
    lo, hi = float(c.min()), float(c.max())
    while lo > c.min() - height and _correlation(line(lo - step), ref) >= 0.6:
        lo -= step
    while hi < c.max() + height and _correlation(line(hi + step), ref) >= 0.6:
        hi += step
    if lo == c.min() and hi == c.max():
        return quad
    return _frame_quad(along, across, centre, float(a.min()), float(a.max()), lo, hi)


def _grow_along(gray: np.ndarray, quad: np.ndarray, theta: float) -> np.ndarray:
    """A located code's quad grown along its length, beyond each end, window by
    window while the lines through its middle still repeat one pattern of bars there
    (bars that run the height of the band, with the code's contrast), up to
    `_ALONG_REACH` times its length on each side. The bar-pattern locator can split a
    sharp code where its bars crowd together and keep one piece (speed seed 1019
    photo 009: 101 of a Code128's 194 px framed). A window of quiet zone, print or
    background stops it."""
    along, across, centre, a, c = _code_frame(quad, theta)
    length, height = float(a.max() - a.min()), float(c.max() - c.min())
    if length < 16 or height < 8:
        return quad
    reach = _ALONG_REACH * length
    us = np.arange(a.min() - reach, a.max() + reach + 1.0, 1.0)
    vs = np.linspace(c.min() + 0.2 * height, c.max() - 0.2 * height, 7)
    uu, vv = np.meshgrid(us, vs)
    lines = _sample(gray, along, across, centre, uu, vv, cv2.BORDER_CONSTANT)
    inside = np.median(lines[:, (us >= a.min()) & (us <= a.max())], axis=0)
    contrast = float(np.percentile(inside, 95) - np.percentile(inside, 5))
    if contrast < 30:
        return quad
    window = max(8, int(height / 2))

    def bars(i0: int, i1: int) -> bool:
        if i0 < 0 or i1 > len(us):
            return False
        seg = lines[:, i0:i1]
        profile = np.median(seg, axis=0)
        if float(profile.max() - profile.min()) < 0.5 * contrast:
            return False
        agreement = float(np.median([_correlation(row, profile) for row in seg]))
        return agreement >= _ALONG_AGREEMENT and _swings(profile, 0.25 * contrast) >= 2

    start = int(np.searchsorted(us, a.min()))
    stop = int(np.searchsorted(us, a.max()))
    while bars(start - window, start):
        start -= window // 2
    while bars(stop, stop + window):
        stop += window // 2
    u0, u1 = float(us[start]), float(us[min(stop, len(us) - 1)])
    if u0 >= a.min() and u1 <= a.max():
        return quad
    u0, u1 = min(u0, float(a.min())), max(u1, float(a.max()))
    return _frame_quad(along, across, centre, u0, u1, float(c.min()), float(c.max()))


def _grow_to_bars(upright: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The band zxing read across an upright linear code, grown up and down over the
    rows that repeat its bars (correlation >= 0.6 with the band's mean row): the
    code's full height, which `_thicken` can only guess."""
    xs, ys = quad[:, 0], quad[:, 1]
    x0, x1 = max(int(xs.min()), 0), min(int(math.ceil(xs.max())), upright.shape[1])
    top, bottom = max(int(ys.min()), 0), min(int(math.ceil(ys.max())), upright.shape[0] - 1)
    if x1 - x0 < 8 or bottom < top:
        return quad
    rows = upright[:, x0:x1].astype(np.float32)
    ref = rows[top : bottom + 1].mean(axis=0)
    while top > 0 and _correlation(rows[top - 1], ref) >= 0.6:
        top -= 1
    while bottom < len(rows) - 1 and _correlation(rows[bottom + 1], ref) >= 0.6:
        bottom += 1
    grown = np.array([[x0, top], [x1, top], [x1, bottom + 1], [x0, bottom + 1]], np.float64)
    return grown if bottom + 1 - top > ys.max() - ys.min() else quad


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


def _area(quad: np.ndarray) -> float:
    return float(cv2.contourArea(np.asarray(quad, np.float32)))


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
