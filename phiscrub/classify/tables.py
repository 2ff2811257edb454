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

Works on OCR lines only; returns which lines to cover and why, never text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from phiscrub.classify import labels as L
from phiscrub.classify._text import _frame
from phiscrub.models import Kind, Line

CLASSIFIER = "tables"

_HEADERS = (
    (Kind.SSN, L.SSN_LABEL_RE),
    (Kind.EMAIL, L.label_regex(("email", "e-mail", "emall", "mail"))),
    (Kind.PHONE, L.PHONE_LABEL_RE),
    (Kind.ADDRESS, L.ADDRESS_LABEL_RE),
    (Kind.ID, L.ID_LABEL_STRONG_RE),
    (Kind.DATE, L.label_regex(("dob", "d.o.b", "date of birth", "birth date", "admit", "adm", "admitted",
                               "discharge", "date", "dos", "appt"))),
    (Kind.NAME, L.label_regex(("name", "patient", "patient name", "pt name", "full name", "last name",
                               "first name", "surname", "resident", "contact", "family"))),
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


def _extent(line: Line, frame) -> tuple[float, float, float]:
    (ux, uy), (vx, vy), _ = frame
    us = [x * ux + y * uy for x, y in line.polygon.points]
    vs = [x * vx + y * vy for x, y in line.polygon.points]
    return min(us), max(us), sum(vs) / len(vs)


def column_values(lines: Sequence[Line]) -> dict[int, tuple[Kind, str]]:
    """Lines that sit in a column under a header cell, with the header's kind."""
    out: dict[int, tuple[Kind, str]] = {}
    headers = {i: header_kind(line.text) for i, line in enumerate(lines) if line.words}
    for i, kind in headers.items():
        if kind is None:
            continue
        frame = _frame(lines[i].polygon)
        h = frame[2]
        u0, _, v = _extent(lines[i], frame)
        below = []
        for j, other in enumerate(lines):
            if j == i or not other.words or headers.get(j) is not None:
                continue
            ou0, _, ov = _extent(other, frame)
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


def address_continuations(lines: Sequence[Line], address_lines: set[int]) -> dict[int, tuple[Kind, str]]:
    """The line right under an address line, starting near it: the address's next line."""
    out: dict[int, tuple[Kind, str]] = {}
    for i in address_lines:
        frame = _frame(lines[i].polygon)
        h = frame[2]
        u0, u1, v = _extent(lines[i], frame)
        best, best_dv = None, None
        for j, other in enumerate(lines):
            if j == i or j in address_lines or not other.words:
                continue
            ou0, ou1, ov = _extent(other, frame)
            dv = ov - v
            if 0.5 * h < dv < 2.0 * h and ou0 < u1 and ou1 > u0 and (best_dv is None or dv < best_dv):
                best, best_dv = j, dv
        if best is not None and not _STARTS_WITH_LABEL.match(lines[best].text):
            out[best] = (Kind.ADDRESS, "next line of an address")
    return out
