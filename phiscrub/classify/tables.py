"""Context across lines: EHR tables and values that run over several lines.

- A table header cell ("Name", "DOB", "MRN", "Phone", "Address", "Email")
  names the kind of every value below it in its column: the lines under it,
  measured in the header's own frame (rotated and upside-down screens work),
  starting near its left edge, row after row until the column breaks off.
  Every cell of such a column is covered whole, whatever its words ("Will
  Young" under "Name", "73 Carr Island" under "Address").
- An address continues on the line right under it ("Flat 0, Shaw Glens," /
  "South Tomas"): that line is covered as an address too, unless it starts
  with a label of its own.
- A line of print among lines of the same size that are nearly all flagged is
  part of the same record, however it was read (`surrounded`).
- Rows of records of one size, most of them flagged, are covered whole with a
  margin, unread cells between and around them too (`record_blocks`).

- Text boxes the detector found but the OCR could not read, beside or under a
  flagged line and of its size, are the rest of the same label or record
  (`unread_beside`).

Works on OCR lines only; returns which lines to cover and why, never text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from phiscrub.classify import labels as L
from phiscrub.classify import unknown
from phiscrub.classify._text import _frame, extent, right_after
from phiscrub.models import Kind, Line, Polygon

CLASSIFIER = "tables"
BLOCKS = "blocks"

_HEADERS = (
    (Kind.SSN, L.SSN_LABEL_RE),
    (Kind.EMAIL, L.label_regex(("email", "e-mail", "emall", "emal", "mail"))),
    (Kind.PHONE, L.PHONE_LABEL_RE),
    (Kind.ADDRESS, L.ADDRESS_LABEL_RE),
    (Kind.ID, L.ID_LABEL_STRONG_RE),
    (
        Kind.DATE,
        L.label_regex(
            (
                "dob",
                "d.o.b",
                "date of birth",
                "birth date",
                "admit",
                "adm",
                "admitted",
                "discharge",
                "date",
                "dos",
                "appt",
            )
        ),
    ),
    (
        Kind.NAME,
        L.label_regex(
            (
                "name",
                "patient",
                "patient name",
                "pt name",
                "full name",
                "last name",
                "first name",
                "surname",
                "resident",
                "contact",
                "family",
            )
        ),
    ),
)
# Rows of a column: each next row at most this many header heights below the
# last one taken, and its left edge within this many heights of the header's.
_ROW_GAP = 3.0
_COLUMN_SLACK = 1.5
_MAX_ROWS = 12


def header_kind(text: str) -> Kind | None:
    """The kind a line announces when it is nothing but a label ("Phone", "DOB:")."""
    text = text.strip()
    if not text or len(text) > 24:
        return None
    for kind, regex in _HEADERS:
        m = regex.match(text)
        if m and m.end() == len(text):
            return kind
    return None


def column_values(lines: Sequence[Line]) -> dict[int, tuple[Kind, str]]:
    """Lines that sit in a column under a header cell, with the header's kind."""
    out: dict[int, tuple[Kind, str]] = {}
    headers = {i: header_kind(line.text) for i, line in enumerate(lines) if line.words}
    for i, kind in headers.items():
        if kind is None:
            continue
        frame = _frame(lines[i].polygon)
        h = frame[2]
        u0, _, v = extent(lines[i], frame)
        below = []
        for j, other in enumerate(lines):
            if j == i or not other.words or headers.get(j) is not None or other.text.rstrip().endswith(":"):
                continue  # a label ("Room:" under "Patient:" on a form) is nobody's value
            ou0, _, ov = extent(other, frame)
            if ov - v > 0.5 * h and abs(ou0 - u0) < _COLUMN_SLACK * h:
                below.append((ov, j))
        last = v
        for ov, j in sorted(below)[:_MAX_ROWS]:
            if ov - last > _ROW_GAP * h:
                break
            last = ov
            out.setdefault(j, (kind, "value in a table column under a header"))
    return out


_STARTS_WITH_LABEL = re.compile(r"^\W*[^\W\d_]{2,}(?:\s[^\W\d_]+)?\s?[:#]")


# The end of an address the OCR read as a line of its own, after a wide gap
# ("..., 46020, Pegognaga" then "(MN)"): at most this many words, starting
# within this many of the address's heights of its end, and about as tall.
_TAIL_WORDS = 3
_TAIL_REACH = 2.5
_TAIL_HEIGHTS = (0.6, 1.6)


def address_continuations(lines: Sequence[Line], address_lines: set[int]) -> dict[int, tuple[Kind, str]]:
    """The line right under an address line, starting near it (the address's
    next line), and a short line right after its end on the same row (its end,
    read apart: a province, state or country)."""
    out: dict[int, tuple[Kind, str]] = {}
    for i in address_lines:
        frame = _frame(lines[i].polygon)
        h = frame[2]
        u0, u1, v = extent(lines[i], frame)
        best, best_dv = None, None
        for j, other in enumerate(lines):
            if j == i or j in address_lines or not other.words:
                continue
            ou0, ou1, ov = extent(other, frame)
            dv = ov - v
            if 0.5 * h < dv < 2.0 * h and ou0 < u1 and ou1 > u0 and (best_dv is None or dv < best_dv):
                best, best_dv = j, dv
            elif (
                len(other.words) <= _TAIL_WORDS
                and right_after(dv, ou0 - u1, h, _TAIL_REACH)
                and _TAIL_HEIGHTS[0] * h <= _frame(other.polygon)[2] <= _TAIL_HEIGHTS[1] * h
                and not _STARTS_WITH_LABEL.match(other.text)
            ):
                out[j] = (Kind.ADDRESS, "end of an address, read apart")
        if best is not None and not _STARTS_WITH_LABEL.match(lines[best].text):
            out[best] = (Kind.ADDRESS, "next line of an address")
    return out


# A header row: header cells of at least this many kinds on one line of a table.
_MIN_HEADER_KINDS = 2


def table_areas(lines: Sequence[Line]) -> list[tuple[list[tuple[float, float]], tuple[str, ...]]]:
    """Whole tables: a header row of PHI columns ("Name  MRN  Phone  Address") and
    every row under it, as a quadrilateral in image pixels, with the header kinds.

    The column rule above covers the cells OCR read; on an EHR screen across the
    room it reads some cells of a row and not others (seed 1: 76 address cells
    never seen on three screens whose headers and names were read). The area runs
    from _ABOVE_ROWS row pitches above the header row (unless its cells are a
    form's labels, "DOB:") down to one row pitch past
    the last row read, and across
    from the first header to the right end of the widest row, in the header's own
    frame, so a turned or slanted screen works."""
    headers = [(i, header_kind(line.text)) for i, line in enumerate(lines) if line.words]
    headers = [(i, kind) for i, kind in headers if kind is not None]
    used: set[int] = set()
    areas = []
    for i, _kind in headers:
        if i in used:
            continue
        row = _header_row(lines, headers, i)
        if len({kind for _j, kind in row}) < _MIN_HEADER_KINDS:
            continue
        used.update(j for j, _kind in row)
        frame = _row_frame([lines[j] for j, _kind in row], _frame(lines[i].polygon))
        (ux, uy), (vx, vy), h = frame
        v = sum(extent(lines[j], frame)[2] for j, _kind in row) / len(row)
        u_min = min(extent(lines[j], frame)[0] for j, _kind in row)
        u_max = max(extent(lines[j], frame)[1] for j, _kind in row)
        members = {j for j, _kind in row}
        below = []
        for j, other in enumerate(lines):
            if j in members or not other.words:
                continue
            ou0, ou1, ov = extent(other, frame)
            if ov - v > 0.5 * h and ou0 > u_min - _COLUMN_SLACK * h and ou0 < u_max + _COLUMN_SLACK * h:
                below.append((ov, ou1))
        last, right, rows = v, u_max, [v]
        for ov, ou1 in sorted(below):
            if ov - last > _ROW_GAP * h:
                break
            if ov - last > 0.5 * h:
                rows.append(ov)
            last, right = ov, max(right, ou1)
        if len(rows) < 2:
            continue  # a header row with nothing under it read: not enough to go on
        pitch = (rows[-1] - rows[0]) / (len(rows) - 1)
        # Cells ending in a colon are a form's labels (a whiteboard's "Patient:",
        # "DOB:"), with nothing of a screen above them.
        screen = not any(lines[j].text.rstrip().endswith(":") for j, _kind in row)
        above = _ABOVE_ROWS * max(pitch, h) if screen else 0.0
        top, bottom = v - h - above, last + max(pitch, h) + 0.5 * h
        left, right = _widen(lines, frame, v - 0.5 * h, bottom, u_min - 0.5 * h, right + 0.5 * h)
        corners = [(left, top), (right, top), (right, bottom), (left, bottom)]
        quad = [(u * ux + w * vx, u * uy + w * vy) for u, w in corners]
        areas.append((quad, tuple(sorted({kind.value for _j, kind in row}))))
    return areas


def _widen(
    lines: Sequence[Line], frame, top: float, bottom: float, left: float, right: float
) -> tuple[float, float]:
    """`left` and `right` of a table area moved out, in `frame`, over the cells of
    its rows that lie beyond them: columns whose header the OCR did not read as one
    ("Na" for Name, "NSS" for SSN, an Email header it missed), each at most
    _ROW_REACH header heights beyond the last. Seed 0 photo 034: an EHR list read
    under "MRN" and "Address" only, its names, emails and SSNs outside the area."""
    h = frame[2]
    cells = []
    for line in lines:
        if not line.words or not 0.75 < _frame(line.polygon)[2] / h < 1.33 or unknown.plain_words(line):
            continue  # print of another size, or a sign beside the screen ("Nurses Station")
        u0, u1, v = extent(line, frame)
        if top < v < bottom:
            cells.append((u0, u1))
    grew = True
    while grew:
        grew = False
        for u0, u1 in cells:
            if u1 > right and u0 - right < _ROW_REACH * h:
                right, grew = u1 + 0.5 * h, True
            if u0 < left and left - u1 < _ROW_REACH * h:
                left, grew = u0 - 0.5 * h, True
    return left, right


# Cells of a table's rows beyond its header cells are taken in when at most this
# many header heights lie between them and the area (EHR columns are far apart).
_ROW_REACH = 10.0

# An EHR screen shows the patient's banner and the chart's address bar (a URL
# with the MRN or the name in it) just above its column headers, in print as
# small as the rows': the area reaches this many row pitches above the header.
_ABOVE_ROWS = 3.0

# Header cells of one row: each within this many of its heights along the row of
# another cell of it. A form's labels ("DOB:  MRN:") have one value between them,
# so they are chained over _LABEL_GAP heights at most: seed 17 photo 011, two
# whiteboards side by side, had their labels 26-31 heights apart chained into one
# row, and the table area between them covered "Welcome to your room".
_HEADER_GAP = 40.0
_LABEL_GAP = 20.0


def _header_row(lines: Sequence[Line], headers: list[tuple[int, Kind]], start: int) -> list[tuple[int, Kind]]:
    """The header cells on the same row as `start`, chained cell to cell: of the same
    size and sort (label with a colon or bare header) as a neighbour, level in its
    frame (allowing for the error of an angle measured on one short word, about 3
    degrees) and at most `_HEADER_GAP` of its heights from it along the row
    (`_LABEL_GAP` between labels)."""
    kinds = dict(headers)
    row = [start]
    grew = True
    while grew:
        grew = False
        for j, _kind in headers:
            if j in row:
                continue
            for k in row:
                frame = _frame(lines[k].polygon)
                h = frame[2]
                ku0, ku1, kv = extent(lines[k], frame)
                ju0, ju1, jv = extent(lines[j], frame)
                gap = max(ju0 - ku1, ku0 - ju1, 0.0)
                same_size = 0.75 < _frame(lines[j].polygon)[2] / h < 1.33
                # a form's labels ("Patient:") and a table's headers ("Name") are
                # never one row: a whiteboard level with a screen across the room
                label = lines[k].text.rstrip().endswith(":")
                same_sort = lines[j].text.rstrip().endswith(":") == label
                reach = _LABEL_GAP if label else _HEADER_GAP
                if same_size and same_sort and gap < reach * h and abs(jv - kv) < 0.6 * h + 0.05 * gap:
                    row.append(j)
                    grew = True
                    break
    return [(j, kinds[j]) for j in row]


def _row_frame(cells: Sequence[Line], frame):
    """`frame` turned to run through the centres of a header row's first and last
    cells when they are far enough apart to measure the angle better."""
    (ux, uy), (vx, vy), h = frame
    centres = sorted((c.polygon.center for c in cells), key=lambda p: p[0] * ux + p[1] * uy)
    (x0, y0), (x1, y1) = centres[0], centres[-1]
    dx, dy = x1 - x0, y1 - y0
    n = (dx * dx + dy * dy) ** 0.5
    if n < 5 * h:
        return frame
    ux, uy = dx / n, dy / n
    nvx, nvy = -uy, ux
    if nvx * vx + nvy * vy < 0:
        nvx, nvy = -nvx, -nvy
    return (ux, uy), (nvx, nvy), h


def _pairs(lines: Sequence[Line], idx: Sequence[int]):
    """For the lines `idx`, every pair at once (a dense screen holds a few hundred
    lines): their heights, ratio[i, j] (j's height over i's), and the gaps dx, dy
    between their bounding boxes (0 where they overlap)."""
    boxes = [lines[i].polygon.box for i in idx]
    x1, y1, x2, y2 = np.array([(b.x, b.y, b.x2, b.y2) for b in boxes], dtype=np.float64).T
    h = np.array([_frame(lines[i].polygon)[2] for i in idx], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = h[None, :] / h[:, None]
    dx = np.maximum(np.maximum(x1[None, :] - x2[:, None], x1[:, None] - x2[None, :]), 0.0)
    dy = np.maximum(np.maximum(y1[None, :] - y2[:, None], y1[:, None] - y2[None, :]), 0.0)
    return h, ratio, dx, dy


# A line is surrounded when at least _MIN_NEIGHBOURS lines of about its height lie
# within _NEAR of its heights around it and at least _FLAGGED_SHARE of them are flagged.
_MIN_NEIGHBOURS = 3
_NEAR = 1.5
_FLAGGED_SHARE = 0.75


def surrounded(lines: Sequence[Line], flagged: set[int]) -> dict[int, tuple[Kind, str]]:
    """Lines not flagged that sit among flagged lines of the same print.

    A blurred EHR screen read badly is flagged line by line as names, dates and
    unknown words, except a few lines whose misreading looks harmless ("Lawrene
    jenna" for LAWRENCE, Jemma; "Novemer 1#h1803"), and those were the misses (seed
    3 photo 020); on another screen an address read as "9508.Gu Path Kiran
    Sukeman Nagar" among flagged cells (seed 0 photo 034)."""
    read = [i for i, line in enumerate(lines) if line.words]
    if not read:
        return {}
    h, ratio, dx, dy = _pairs(lines, read)
    is_flagged = np.array([i in flagged for i in read])
    near = (ratio > 0.7) & (ratio < 1.4) & (np.maximum(dx, dy) <= _NEAR * h[:, None])
    np.fill_diagonal(near, False)
    count = near.sum(axis=1)
    among = (near & is_flagged[None, :]).sum(axis=1)
    out: dict[int, tuple[Kind, str]] = {}
    for k in np.flatnonzero(~is_flagged & (count >= _MIN_NEIGHBOURS) & (among >= _FLAGGED_SHARE * count)):
        out[read[k]] = (Kind.TEXT, "among flagged lines of the same print")
    return out


# A block of records: lines of one size, each within _BLOCK_ALONG of their heights
# of another along x and _BLOCK_ACROSS along y, at least _BLOCK_MIN_LINES of them,
# _BLOCK_MIN_FLAGGED and _BLOCK_FLAGGED_SHARE of them flagged, in at least
# _BLOCK_ROWS rows of two cells or more (an EHR list, not a whiteboard's column of
# values). Its area reaches _BLOCK_PAD heights past its lines along them and
# _BLOCK_PAD_ACROSS heights above and below (a banner or a highlighted row the
# OCR did not read).
_BLOCK_ALONG = 3.0
_BLOCK_ACROSS = 1.5
_BLOCK_SIZE_RATIO = 0.7
_BLOCK_MIN_LINES = 4
_BLOCK_MIN_FLAGGED = 3
_BLOCK_FLAGGED_SHARE = 0.5
_BLOCK_ROWS = 3
_BLOCK_PAD = 0.5
_BLOCK_PAD_ACROSS = 1.5


def record_blocks(lines: Sequence[Line], flagged: set[int]) -> list[list[tuple[float, float]]]:
    """Areas of the photo holding rows of records of which many lines are flagged,
    each as a quadrilateral in image pixels, to be covered whole.

    On an EHR screen the OCR reads some cells and not others, and a cell read
    badly is not flagged: seed 7 had three screens each half covered, their
    unread banner, highlighted row or far columns showing (photos 013, 019, 039).
    The table rule needs a header row read; this one needs only the records'
    own flagged cells. Everyday words ("Welcome to your room") are never part of
    a block, so a whiteboard's heading stays out of it."""
    members = [i for i, line in enumerate(lines) if line.words and not unknown.plain_words(line)]
    if len(members) < _BLOCK_MIN_LINES:
        return []
    h, ratio, dx, dy = _pairs(lines, members)
    low = np.minimum(h[:, None], h[None, :])
    near = (
        (ratio > _BLOCK_SIZE_RATIO)
        & (ratio < 1 / _BLOCK_SIZE_RATIO)
        & (dx <= _BLOCK_ALONG * low)
        & (dy <= _BLOCK_ACROSS * low)
    )
    parent = list(range(len(members)))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in zip(*np.nonzero(np.triu(near, 1)), strict=True):
        parent[root(int(a))] = root(int(b))
    groups: dict[int, list[int]] = {}
    for k in range(len(members)):
        groups.setdefault(root(k), []).append(members[k])
    areas = []
    for group in groups.values():
        marked = sum(i in flagged for i in group)
        if (
            len(group) < _BLOCK_MIN_LINES
            or marked < _BLOCK_MIN_FLAGGED
            or marked < _BLOCK_FLAGGED_SHARE * len(group)
        ):
            continue
        quad = _block_quad([lines[i] for i in group])
        if quad is not None:
            areas.append(quad)
    return areas


def _block_quad(group: Sequence[Line]) -> list[tuple[float, float]] | None:
    """The padded area of a block's lines in their common frame, or None when they
    do not stand in _BLOCK_ROWS rows of two cells or more."""
    # The common direction: the lines' own directions averaged at twice their
    # angle, so upside-down lines count the same as upright ones.
    frames = [_frame(line.polygon) for line in group]
    c2 = sum(fx * fx - fy * fy for (fx, fy), _v, _h in frames)
    s2 = sum(2 * fx * fy for (fx, fy), _v, _h in frames)
    angle = 0.5 * np.arctan2(s2, c2)
    ux, uy = float(np.cos(angle)), float(np.sin(angle))
    vx, vy = -uy, ux
    heights = [hl for _u, _v, hl in frames]
    centres = sorted(
        (line.polygon.center[0] * vx + line.polygon.center[1] * vy, hl)
        for line, hl in zip(group, heights, strict=True)
    )
    rows, run = 0, [centres[0]]
    for v, hl in centres[1:]:
        if v - run[-1][0] < 0.5 * hl:
            run.append((v, hl))
            continue
        rows += len(run) >= 2
        run = [(v, hl)]
    rows += len(run) >= 2
    if rows < _BLOCK_ROWS:
        return None
    pts = np.array([p for line in group for p in line.polygon.points], dtype=np.float64)
    u = pts @ (ux, uy)
    v = pts @ (vx, vy)
    h = float(np.median(heights))
    left, right = u.min() - _BLOCK_PAD * h, u.max() + _BLOCK_PAD * h
    top, bottom = v.min() - _BLOCK_PAD_ACROSS * h, v.max() + _BLOCK_PAD_ACROSS * h
    corners = [(left, top), (right, top), (right, bottom), (left, bottom)]
    return [(a * ux + b * vx, a * uy + b * vy) for a, b in corners]


UNREAD = "unread"
# An unread box continues a flagged line when it is at most _UNREAD_ACROSS of the
# line's heights above or below it and overlaps _UNREAD_OVERLAP of the shorter
# one along it, or sits on its midline at most _UNREAD_GAP heights after its end;
# it is _UNREAD_HEIGHTS[0] to [1] times as high and turned the same way. Boxes
# taken reach on to the next ones, _UNREAD_STEPS times at most (a label's rows).
_UNREAD_ACROSS = 2.2
_UNREAD_OVERLAP = 0.3
_UNREAD_GAP = 3.0
_UNREAD_HEIGHTS = (0.5, 2.0)
_UNREAD_TURN = 0.95  # |cos| of the angle between the two
_UNREAD_STEPS = 3


def _quad(points) -> np.ndarray:
    return np.asarray(points, dtype=np.float64)


def unread_beside(lines: Sequence[Line], flagged: set[int], areas: Sequence[Polygon]) -> list[int]:
    """Indices of the unread text `areas` that continue a flagged line.

    On a small chart label or wristband the OCR reads the name and flags it, and
    the detector boxes the tiny DOB and MRN rows under it that no reading came of
    (seed 8 photo 026's label, photo 007's wristband). Those boxes are the same
    label: covered as text. Measured in the flagged line's own frame."""
    quads = [_quad(a.points) for a in areas if len(a.points) == 4]
    index = [k for k, a in enumerate(areas) if len(a.points) == 4]
    frames = [_frame(Polygon.of(q.tolist())) for q in quads]
    sources = [
        (_quad(lines[i].polygon.points), _frame(lines[i].polygon))
        for i in sorted(flagged)
        if lines[i].words and len(lines[i].polygon.points) == 4
    ]
    taken: set[int] = set()
    for _ in range(_UNREAD_STEPS):
        new = []
        for src, ((ux, uy), (vx, vy), h) in sources:
            us, vs = src @ (ux, uy), src @ (vx, vy)
            u0, u1, vmid = us.min(), us.max(), vs.mean()
            for k, q in enumerate(quads):
                (qx, qy), _, qh = frames[k]
                if k in taken or k in new or abs(qx * ux + qy * uy) < _UNREAD_TURN:
                    continue
                if not _UNREAD_HEIGHTS[0] * h <= qh <= _UNREAD_HEIGHTS[1] * h:
                    continue
                qu, qv = q @ (ux, uy), q @ (vx, vy)
                q0, q1, dv = qu.min(), qu.max(), qv.mean() - vmid
                along = min(u1, q1) - max(u0, q0)
                under = abs(dv) <= _UNREAD_ACROSS * h and along >= _UNREAD_OVERLAP * min(u1 - u0, q1 - q0)
                if under or right_after(dv, q0 - u1, h, _UNREAD_GAP):
                    new.append(k)
        if not new:
            break
        taken.update(new)
        sources = [(quads[k], frames[k]) for k in new]
    return sorted(index[k] for k in taken)
