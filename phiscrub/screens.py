"""The screen around a block of records, the label around flagged rows: covered whole.

`classify` finds blocks of records from the OCR's lines alone (rows of one size,
most of them flagged; `classify.tables.record_blocks`), and covers the lines it
read with a margin. On a screen across the room the OCR boxes some columns and
not others: seed 7 photo 013 had a screen's name column never boxed, photo 019
its email and SSN columns, photo 039 a white-on-blue highlighted row, all beside
a block that was found. This module widens each block to the panel it is shown
on, found in the pixels:

- the panel's colour is the commonest colour inside the block (the screen's
  background, not its print);
- the panel is every pixel of about that colour (a dark screen's bezel too),
  its print filled in, in the parts that overlap the block, and it must stand
  clear of the search window around the block (else it ran into a wall of the
  same colour; a screen whose left columns alone were read is looked for once
  more in a wider window), not be many times larger than the block, and be
  roughly a rectangle or, in perspective, a four-sided shape (else it ran into
  a whiteboard touching the screen).

Any doubt leaves the block as it was.

`dark_screens` covers a dark screen whole around print the OCR boxed but could
not read (seed 20 photo 030: a small, blurred EHR across the room, 38 PHI words,
none read) or around flagged cells that made no block of records (speed seed
1020 photo 011: its highlighted row and title left unread).

`cards` does the same for a small card (a patient label, a wristband's label)
behind two or more flagged lines that are not on a screen: the label's rows
the OCR read only in part or not at all are covered with it.

Works on one RGB array; no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from phiscrub.models import TEXT_PHI_KINDS, Finding, Kind, Line, Polygon

SCREENS = "screen"

# The search window reaches this many times the block's larger side around it.
_REACH = 1.0
# The window is looked at with its longer side at most this many pixels.
_WORK_SIDE = 600
# A pixel is of the panel's colour when no channel differs by more than this.
_TOLERANCE = 28
# Print inside the panel is filled in by closing over this many text heights.
_FILL = 0.6
# Parts of the panel's colour that overlap the block by at least this share of
# it are the panel; together they must overlap at least _MIN_COVER of it.
_MIN_PART = 0.05
_MIN_COVER = 0.5
# The panel is at most this many times the block's area, and fills at least
# this share of its smallest enclosing rectangle or of the four-sided polygon
# around it (cv2.approxPolyN), whichever is smaller: seed 1011 photo 007, a
# light screen in perspective, filled 0.79 of its rectangle. Full scans of
# seeds 0-5, 7-11, 1011-1012 (464 photos): rectangle alone, 177 PHI words
# missed and 10 neutral covered; either, 165 and 10, one photo changed.
_MAX_GROWTH = 6.0
_MIN_RECTANGULAR = 0.8
# A panel that runs on out of the window is looked for once more in a window
# this many times the block's larger side around it, and may then be this many
# times the block's area: on a dark screen across the room the OCR may read
# only its left columns (seed 1012 photo 005: a block a seventh of the screen).
_WIDE_REACH = 2.5
_WIDE_GROWTH = 15.0


def panel_around(
    pixels: np.ndarray,
    quad: Sequence[Sequence[float]],
    text_height: float,
    *,
    reach: float = _REACH,
    max_growth: float = _MAX_GROWTH,
    fill_holes: bool = False,
    work_side: int = _WORK_SIDE,
    widen: bool = False,
) -> Polygon | None:
    """The outline (convex, image pixels) of the screen panel a block of records
    (`quad`, print `text_height` pixels high) is shown on, or None when no panel
    can be told apart from what is around it. With `widen`, a panel that runs on
    out of the search window is looked for once more in a wider one."""
    height, width = pixels.shape[:2]
    q = np.asarray(quad, np.float64)
    (x0, y0), (x1, y1) = q.min(axis=0), q.max(axis=0)
    reach = reach * max(x1 - x0, y1 - y0)
    wx0, wy0 = int(max(0, x0 - reach)), int(max(0, y0 - reach))
    wx1, wy1 = int(min(width, x1 + reach)), int(min(height, y1 + reach))
    if wx1 - wx0 < 8 or wy1 - wy0 < 8:
        return None
    window = pixels[wy0:wy1, wx0:wx1]
    scale = min(1.0, work_side / max(window.shape[:2]))
    small = window
    if scale < 1:
        small = cv2.resize(window, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    inside = np.zeros(small.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round((q - (wx0, wy0)) * scale).astype(np.int32)], 1)
    block_area = int(inside.sum())
    if block_area < 16:
        return None
    values = small[inside > 0].astype(np.int32)
    bins = (values // 16) @ np.array([256, 16, 1])
    background = np.median(values[bins == np.bincount(bins).argmax()], axis=0)
    # Every channel within the tolerance (cv2.inRange: a tenth of numpy's time).
    low = tuple(float(v) for v in np.clip(np.ceil(background - _TOLERANCE), 0, 255))
    high = tuple(float(v) for v in np.clip(np.floor(background + _TOLERANCE), 0, 255))
    mask = (cv2.inRange(np.ascontiguousarray(small), low, high) > 0).astype(np.uint8)
    k = max(3, int(round(_FILL * text_height * scale)) | 1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    count, labels = cv2.connectedComponents(mask, connectivity=4)
    overlap = np.bincount(labels[inside > 0], minlength=count)
    overlap[0] = 0
    parts = np.flatnonzero(overlap >= _MIN_PART * block_area)
    if overlap[parts].sum() < _MIN_COVER * block_area:
        return None
    panel = np.isin(labels, parts).astype(np.uint8)
    if fill_holes:  # a barcode or photo printed on the card
        outer, _ = cv2.findContours(panel, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(panel, outer, -1, 1, cv2.FILLED)
    ys, xs = np.nonzero(panel)
    if xs.min() == 0 or ys.min() == 0 or xs.max() == small.shape[1] - 1 or ys.max() == small.shape[0] - 1:
        if widen and reach < _WIDE_REACH * max(x1 - x0, y1 - y0):
            return panel_around(
                pixels,
                quad,
                text_height,
                reach=_WIDE_REACH,
                max_growth=max(max_growth, _WIDE_GROWTH),
                fill_holes=fill_holes,
                work_side=work_side,
            )
        return None  # it runs on out of the window: a wall or desk of the screen's colour
    if len(xs) > max_growth * block_area:
        return None
    contours, _ = cv2.findContours(panel, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    points = np.concatenate(contours)
    _centre, (rw, rh), _angle = cv2.minAreaRect(points)
    # A screen seen in perspective is a trapezoid: its smallest enclosing
    # rectangle is larger than it, the quadrilateral around it is not.
    hull = cv2.convexHull(points)
    quad_area = float(cv2.contourArea(cv2.approxPolyN(hull, 4))) if len(hull) >= 4 else 0.0
    if len(xs) < _MIN_RECTANGULAR * min(rw * rh, quad_area or rw * rh):
        return None  # not a screen's shape: it ran into a board or sign touching it
    hull = cv2.approxPolyDP(hull, 0.01 * cv2.arcLength(hull, True), True).reshape(-1, 2).astype(np.float64)
    return Polygon.of((hull / scale + (wx0, wy0)).tolist())


def panels(pixels: np.ndarray, lines: Sequence[Line], findings: Sequence[Finding]) -> list[Finding]:
    """A finding for the screen panel around each block of records among
    `findings` (see `classify.tables.record_blocks`), where one is found."""
    from phiscrub.classify._text import frame_height
    from phiscrub.classify.tables import BLOCKS

    out = []
    for block in findings:
        if not block.detector.endswith("+" + BLOCKS):
            continue
        area = np.float32(block.polygon.points)
        heights = [
            frame_height(line.polygon)
            for line in lines
            if line.words and cv2.pointPolygonTest(area, tuple(map(float, line.polygon.center)), False) >= 0
        ]
        if not heights:
            continue
        panel = panel_around(pixels, block.polygon.points, float(np.median(heights)), widen=True)
        if panel is not None:
            out.append(
                Finding(
                    Kind.TEXT,
                    panel,
                    block.score,
                    block.detector.removesuffix(BLOCKS) + SCREENS,
                    "the screen showing rows of records, covered whole",
                )
            )
    return out


# A seed (a text area the detector boxed and the recogniser could not read, or a
# cluster of flagged findings) whose median grey is at most _DARK, on a panel of
# its colour at least _SCREEN_MIN_GROWTH and at most _SCREEN_MAX_GROWTH times its
# area, of which at least _DARK_SHARE is that dark (a screen's sparse light print
# on a dark ground), is on a dark screen. Seed 20 photo 030's screen: 14.8 times
# its unread area, 0.88 dark. On tuned seeds 10-14, 17, 19 and speed seeds 1013,
# 1014, 1019 (442 photos) the unread areas that dark were on barcodes (the
# detector boxes bars as print); on a panel of their colour, each was the code's
# bars, 1.5 to 6.5 times the area and 0.50 to 0.56 dark. With flagged clusters as
# seeds too, on 477 tuned photos: 4 screens, neutral words covered unchanged.
_DARK = 90
_DARK_SHARE = 0.75
_SCREEN_MIN_GROWTH = 4.0
_SCREEN_MAX_GROWTH = 40.0


def dark_screens(pixels: np.ndarray, areas: Sequence[Polygon], findings: Sequence[Finding]) -> list[Finding]:
    """A finding for each dark screen panel (see `panel_around`) around text
    `areas` the OCR found but could not read, or around a cluster of flagged
    findings, that is not covered whole already: a small or blurred EHR whose
    print no reading came of, or whose rows the OCR read cell by cell so no block
    of records was made of them (its highlighted row and header left unread)."""
    from phiscrub.classify._text import frame_height

    taken = [np.float32(f.polygon.points) for f in findings if f.detector.endswith("+" + SCREENS)]
    flagged, clusters = _flagged_clusters(findings)
    seeds = [(np.asarray(a.points, np.float64), frame_height(a), "unread") for a in areas]
    for members, quad, height in clusters:
        source = flagged[members[0]].detector.split("+", 1)[0]
        seeds.append((np.asarray(quad, np.float64), height, source))
    out: list[Finding] = []
    for q, text_height, source in seeds:
        centre = tuple(map(float, q.mean(axis=0)))
        if any(cv2.pointPolygonTest(t, centre, False) >= 0 for t in taken):
            continue
        if _dark_share(pixels, q)[0] > _DARK:
            continue
        panel = panel_around(pixels, q.tolist(), text_height, max_growth=_SCREEN_MAX_GROWTH, widen=True)
        if panel is None:
            continue
        outline = np.float32(panel.points)
        if cv2.contourArea(outline) < _SCREEN_MIN_GROWTH * cv2.contourArea(np.float32(q)):
            continue  # the bars of a barcode, boxed as print: not a screen
        if _dark_share(pixels, outline)[1] < _DARK_SHARE:
            continue  # half dark, half light: bars, not print on a screen
        taken.append(outline)
        out.append(
            Finding(
                Kind.TEXT,
                panel,
                0.5,
                source + "+" + SCREENS,
                "a dark screen with print on it, covered whole",
            )
        )
    return out


def _dark_share(pixels: np.ndarray, polygon) -> tuple[float, float]:
    """Median grey under `polygon`, and the share of it at most `_DARK`."""
    pts = np.round(np.asarray(polygon, np.float64)).astype(np.int32)
    x, y, w, h = cv2.boundingRect(pts)
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + w, pixels.shape[1]), min(y + h, pixels.shape[0])
    if x1 <= x0 or y1 <= y0:
        return 255.0, 0.0
    crop = np.ascontiguousarray(pixels[y0:y1, x0:x1])
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY) if crop.ndim == 3 else crop
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [pts - (x0, y0)], 1)
    values = gray[mask > 0]
    if values.size == 0:
        return 255.0, 0.0
    return float(np.median(values)), float(np.mean(values <= _DARK))


CARDS = "card"

# PHI found on lines closer than this many text heights (gap between their
# boxes) belongs to one card.
_CARD_JOIN = 2.5
# The card is looked for this many times the cluster's larger side around it
# (a wristband's label runs on past its print to the barcode).
_CARD_REACH = 2.0
# A card's shorter side is at most this many text heights (a whiteboard is more).
_CARD_MAX_SIDE = 12.0
# At most this many lines on the card may hold nothing flagged (a heading).
_CARD_UNFLAGGED = 1


def cards(pixels: np.ndarray, lines: Sequence[Line], findings: Sequence[Finding]) -> list[Finding]:
    """A finding for the card (a patient label, a wristband's label, a sticker)
    around each cluster of two or more flagged lines, covered whole.

    On a wristband or chart label of small print the OCR often reads a line
    only in part or boxes a row not at all (seed 9 photo 008: the first name
    of a 15-px name row outside its box; photo 009: an MRN row never read),
    while the rows beside it are flagged. The card is the panel of one colour
    behind the cluster (`panel_around`, holes such as its barcode filled); it is
    taken only when it is small (shorter side at most 12 text heights) and
    holds at most one line with nothing flagged on it, so whiteboards, signs
    and badges with their headings are left as they were. A line whose middle
    lies on a flagged finding counts as flagged: the detector may box part of a
    flagged row a second time (seed 23 photo 033: "A75Y", the end of a DOB row).

    Clusters of PHI findings are looked at first. Then print flagged because it
    could not be read (a line read poorly, a box beside a flagged line that no
    reading came of) joins the clusters too: on a motion-blurred label the
    name row may be the only one read, or none (seed 22 photo 027: a
    sticker's name, two rows boxed unread and a third boxed two-thirds along;
    a wristband whose rows read "SEE", "HE", "E"). Such print is covered line
    by line already; the card adds what its boxes missed. These clusters count
    a line as flagged when any finding is on it, and are skipped when they lie
    on a card already taken."""
    out: list[Finding] = []
    outlines: list[np.ndarray] = []
    looked: dict[bytes, Polygon | None] = {}  # a cluster both passes form is looked for once
    for unreadable in (False, True):
        flagged, clusters = _flagged_clusters(findings, unreadable=unreadable)
        marked = flagged
        if unreadable:  # a line anything was flagged on
            marked = [f for f in findings if f.kind in TEXT_PHI_KINDS or f.kind == Kind.TEXT]
        centres = [tuple(map(float, np.asarray(f.polygon.points, np.float64).mean(axis=0))) for f in marked]
        shapes = [np.float32(f.polygon.points) for f in marked]
        for members, quad, height in clusters:
            middle = tuple(map(float, quad.mean(axis=0)))
            if unreadable and any(cv2.pointPolygonTest(o, middle, False) >= 0 for o in outlines):
                continue
            key = np.float32([*quad.ravel(), height]).tobytes()
            if key not in looked:
                looked[key] = panel_around(pixels, quad.tolist(), height, reach=_CARD_REACH, fill_holes=True)
            panel = looked[key]
            if panel is None:
                continue
            outline = np.float32(panel.points)
            if min(cv2.minAreaRect(outline)[1]) > _CARD_MAX_SIDE * height:
                continue
            unflagged = 0
            for line in lines:
                centre = tuple(map(float, line.polygon.center))
                if not line.words or cv2.pointPolygonTest(outline, centre, False) < 0:
                    continue
                shape = np.float32(line.polygon.points)
                if not any(cv2.pointPolygonTest(shape, c, False) >= 0 for c in centres) and not any(
                    cv2.pointPolygonTest(s, centre, False) >= 0 for s in shapes
                ):
                    unflagged += 1
            if unflagged > _CARD_UNFLAGGED:
                continue
            outlines.append(outline)
            first = flagged[members[0]]
            out.append(
                Finding(
                    Kind.TEXT,
                    panel,
                    max(flagged[i].score for i in members),
                    first.detector.split("+", 1)[0] + "+" + CARDS,
                    "the label holding flagged lines, covered whole",
                )
            )
    return out


def _flagged_clusters(findings: Sequence[Finding], unreadable: bool = False):
    """The PHI findings not on a screen covered whole, and their clusters of two or
    more (gaps under `_CARD_JOIN` text heights, heights within a factor of 2), each
    as (member indices, the quad around them, their median text height).

    `unreadable`: print flagged because it could not be read (`unknown`'s lines
    read poorly, `tables`' unread boxes beside a flagged line) is taken too."""
    from phiscrub.classify._text import frame_height
    from phiscrub.classify.tables import BLOCKS, UNREAD
    from phiscrub.classify.unknown import CLASSIFIER as UNKNOWN

    unread = ("+" + UNREAD, "+" + UNKNOWN)

    covered_whole = ("+" + SCREENS, "+" + BLOCKS)
    taken = [np.float32(f.polygon.points) for f in findings if f.detector.endswith(covered_whole)]
    flagged = []
    for f in findings:
        taken_too = unreadable and f.kind == Kind.TEXT and f.detector.endswith(unread)
        if f.kind not in TEXT_PHI_KINDS and not taken_too:
            continue
        centre = tuple(map(float, f.polygon.center))
        if any(cv2.pointPolygonTest(area, centre, False) >= 0 for area in taken):
            continue  # on a screen already covered whole
        flagged.append(f)
    if len(flagged) < 2:
        return flagged, []
    pts = [np.asarray(f.polygon.points, np.float64) for f in flagged]
    lo = np.array([p.min(axis=0) for p in pts])
    hi = np.array([p.max(axis=0) for p in pts])
    h = np.array([frame_height(f.polygon) for f in flagged])
    # Gap between two findings' boxes (0 where they overlap), along x and y.
    gaps = np.maximum(0, np.maximum(lo[:, None], lo[None, :]) - np.minimum(hi[:, None], hi[None, :]))
    gap = np.hypot(gaps[..., 0], gaps[..., 1])
    ratio = h[:, None] / np.maximum(h[None, :], 1e-6)
    near = (gap < _CARD_JOIN * np.maximum(h[:, None], h[None, :])) & (ratio > 0.5) & (ratio < 2.0)
    count, group = _components(near)
    clusters = []
    for g in range(count):
        members = np.flatnonzero(group == g)
        if len(members) < 2:
            continue
        cluster = np.concatenate([pts[i] for i in members]).astype(np.float32)
        quad = cv2.boxPoints(cv2.minAreaRect(cluster))
        clusters.append((members, quad, float(np.median(h[members]))))
    return flagged, clusters


def _components(adjacent: np.ndarray) -> tuple[int, np.ndarray]:
    """Connected components of a symmetric boolean adjacency matrix."""
    n = len(adjacent)
    group = np.full(n, -1)
    count = 0
    for start in range(n):
        if group[start] >= 0:
            continue
        group[start] = count
        stack = [start]
        while stack:
            i = stack.pop()
            for j in np.flatnonzero(adjacent[i] & (group < 0)):
                group[j] = count
                stack.append(j)
        count += 1
    return count, group
