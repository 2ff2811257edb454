"""Words of one or two OCR lines joined into one searchable string.

Classifiers run regular expressions over plain strings; `Text` keeps the map
from every character back to the word it came from, so a match becomes a set
of words, whatever spaces or gluing the OCR produced ("DOB:03/14/1962" is
one word, "03/14/ 1962" two).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from phiscrub.models import Kind, Line, Polygon

WordRef = tuple[int, int]  # (line index, word index) in the list given to classify()


@dataclass(frozen=True)
class Hit:
    """A classifier's match, as a character span of a `Text` (not yet geometry)."""

    kind: Kind
    start: int
    end: int
    score: float
    classifier: str
    reason: str


# OCR reads 0 as O/o/D/Q and 1 as l/I/|; only fixed next to digits or date
# separators, so ordinary words ("Oak", "Ill") keep their letters.
_DIGIT_LOOKALIKE = {"O": "0", "o": "0", "Q": "0", "D": "0", "l": "1", "I": "1", "|": "1", "i": "1"}


def _fix_digits(token: str) -> str:
    """Same-length copy of `token` with digit look-alikes next to digits replaced."""
    if sum(c.isdigit() for c in token) < 2:
        return token
    chars = list(token)
    # repeat so that runs of look-alikes ("OO482913") are fixed from the digit outwards
    for _ in range(3):
        changed = False
        for i, c in enumerate(chars):
            if c not in _DIGIT_LOOKALIKE:
                continue
            left = chars[i - 1] if i > 0 else ""
            right = chars[i + 1] if i + 1 < len(chars) else ""
            # a real letter beside it means a word ("DOB", "Oct"), leave it alone
            word_like = any(s.isalpha() and s not in _DIGIT_LOOKALIKE for s in (left, right))
            if (left.isdigit() or right.isdigit()) and not word_like:
                chars[i] = _DIGIT_LOOKALIKE[c]
                changed = True
        if not changed:
            break
    return "".join(chars)


class Text:
    """The words of one line (or a label line and its value line) joined by single
    spaces. `text` is what the OCR read; `norm` is the same length with digit
    look-alikes fixed, for the numeric patterns."""

    def __init__(self, refs: Sequence[WordRef], words: Sequence[str]):
        self.refs = tuple(refs)
        self.words = tuple(words)
        starts, pos = [], 0
        for w in self.words:
            starts.append(pos)
            pos += len(w) + 1
        self.starts = tuple(starts)
        self.ends = tuple(s + len(w) for s, w in zip(self.starts, self.words, strict=True))
        self.text = " ".join(self.words)
        self.norm = " ".join(_fix_digits(w) for w in self.words)

    def word_index(self, pos: int) -> int:
        """Index of the word holding character `pos` (a space belongs to the word after it)."""
        return max(bisect.bisect_right(self.starts, pos) - 1, 0)

    def span_words(self, start: int, end: int) -> range:
        """Indices of the words a character span [start, end) touches."""
        if end <= start:
            end = start + 1
        first = self.word_index(start)
        if start >= self.ends[first]:  # span starts on the space after a word
            first += 1
        last = self.word_index(end - 1)
        return range(first, max(last, first) + 1)

    def span_refs(self, start: int, end: int) -> tuple[WordRef, ...]:
        return tuple(self.refs[i] for i in self.span_words(start, end))


def line_text(line: Line, index: int) -> Text:
    return Text([(index, j) for j in range(len(line.words))], [w.text for w in line.words])


def joined_text(lines: Sequence[Line], first: int, *rest: int) -> Text:
    """A label line followed by the line (or the parts of a line) that holds its value."""
    order = (first, *rest)
    refs = [(li, j) for li in order for j in range(len(lines[li].words))]
    words = [w.text for li in order for w in lines[li].words]
    return Text(refs, words)


# ---------------------------------------------------------------- geometry of lines


def _frame(polygon: Polygon) -> tuple[tuple[float, float], tuple[float, float], float]:
    """Unit vector along a text quad, unit vector down across it, and its height."""
    pts = polygon.points if len(polygon.points) == 4 else polygon.box.to_polygon().points
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts
    ux, uy = (x1 - x0) + (x2 - x3), (y1 - y0) + (y2 - y3)
    n = math.hypot(ux, uy) or 1.0
    ux, uy = ux / n, uy / n
    vx, vy = -uy, ux  # perpendicular; make it point from top edge to bottom edge
    if vx * ((x3 - x0) + (x2 - x1)) + vy * ((y3 - y0) + (y2 - y1)) < 0:
        vx, vy = -vx, -vy
    height = (math.hypot(x3 - x0, y3 - y0) + math.hypot(x2 - x1, y2 - y1)) / 2
    return (ux, uy), (vx, vy), max(height, 1.0)


def frame_height(polygon: Polygon) -> float:
    """The height of a text quad, across its line."""
    return _frame(polygon)[2]


def extent(line: Line, frame) -> tuple[float, float, float]:
    """Where `line` lies in a line's `frame` (`_frame`): its first and last point
    along the frame's line, and its midline across it."""
    (ux, uy), (vx, vy), _ = frame
    us = [x * ux + y * uy for x, y in line.polygon.points]
    vs = [x * vx + y * vy for x, y in line.polygon.points]
    return min(us), max(us), sum(vs) / len(vs)


def right_after(dv: float, gap: float, h: float, reach: float, band: float = 0.0) -> bool:
    """Whether a box sits right after a line on the same line: its midline within
    0.6 of the line's height `h` of the line's own (or within `band`, when larger),
    and starting from half a height inside the line's end to `reach` heights past
    it. `dv` and `gap` are measured in the line's frame."""
    return abs(dv) < max(0.6 * h, band) and -0.5 * h < gap < reach * h


def value_line_after(lines: Sequence[Line], i: int, labels: frozenset[int] = frozenset()) -> int | None:
    """The line that most plausibly continues line `i` (whose text ends with a label):
    right beside it on the same baseline, or just below it starting near its left
    edge; never one of the `labels` (lines that are only a label: on a whiteboard's
    column of "Patient:", "Room:", "Nurse:" the value sits beside each label, and
    the label below is nearer). Measured in line i's own frame, so rotated and
    upside-down text works."""
    src = lines[i]
    if not src.words:
        return None
    frame = _frame(src.polygon)
    h = frame[2]
    u0, u1, vmid = extent(src, frame)
    best, best_cost = None, math.inf
    for j, other in enumerate(lines):
        if j == i or j in labels or not other.words:
            continue
        ou0, ou1, ovmid = extent(other, frame)
        dv = ovmid - vmid
        # Beside: on the same midline, or (a larger handwritten value) with the
        # label's midline inside the value's own height.
        if right_after(dv, ou0 - u1, h, 6, band=0.45 * _frame(other.polygon)[2]):
            cost = (ou0 - u1) / h
        elif 0.5 * h < dv < 2.6 * h and ou0 < u1 and ou1 > u0 - h:  # below, overlapping
            cost = dv / h + abs(ou0 - u0) / (4 * h)
        else:
            continue
        if cost < best_cost:
            best, best_cost = j, cost
    return best


# A handwritten value may sit this many of its label's heights above or below
# the label's midline (see `rows_beside`).
_DRIFT = 1.1


def rows_beside(lines: Sequence[Line], i: int, labels: frozenset[int] = frozenset()) -> list[int]:
    """The lines after line `i` (a label) whose midlines lie within `_DRIFT` of its
    height of its own, the nearest above and the nearest below: where the
    value written after a label may be. On a whiteboard the handwriting drifts
    off the printed labels' rows (seed 23 photo 002: every value half a row
    above its label, the date of birth 0.98 heights above "DOB:" and the
    nurse's name 0.54 below it, so the label took the name for its value).
    `classify` covers them only when the value it found for a PHI label reads
    as another kind of PHI: over 481 photos of earlier seeds, taking them for
    every label gave 150 lines on 115 photos a label's kind (room numbers and
    care goals among them) and covered no more PHI."""
    src = lines[i]
    if not src.words:
        return []
    frame = _frame(src.polygon)
    h = frame[2]
    _, u1, vmid = extent(src, frame)
    nearest: dict[bool, tuple[float, int]] = {}
    for j, other in enumerate(lines):
        if j == i or j in labels or not other.words:
            continue
        ou0, _, ovmid = extent(other, frame)
        gap, dv = ou0 - u1, ovmid - vmid
        if abs(dv) < _DRIFT * h and -0.5 * h < gap < 6 * h:
            below = dv >= 0
            if below not in nearest or abs(dv) < nearest[below][0]:
                nearest[below] = (abs(dv), j)
    return sorted(j for _, j in nearest.values())


# A value the detector split into boxes (a handwritten "Angel  Ababei" after
# "Patient:"): boxes within _VALUE_GAP of their heights after the last part, on
# its line, of a height within _VALUE_SIZE times its own (handwritten words differ:
# 63 and 90 px there), up to _VALUE_PARTS in all, are parts of it.
_VALUE_GAP = 1.5
_VALUE_SIZE = 1.6
_VALUE_PARTS = 3


def value_lines_after(lines: Sequence[Line], i: int, labels: frozenset[int] = frozenset()) -> list[int]:
    """The value line of line `i` (`value_line_after`) and the boxes that continue
    it on its line: speed seed 1019 photo 010, a whiteboard's "Patient:" with the
    name written after it read as two boxes, "Angel" and "Ababei", of which only
    the first was taken for the value."""
    j = value_line_after(lines, i, labels)
    if j is None:
        return []
    parts = [j]
    while len(parts) < _VALUE_PARTS:
        last = lines[parts[-1]]
        frame = _frame(last.polygon)
        h = frame[2]
        _, u1, vmid = extent(last, frame)
        best, best_gap = None, math.inf
        for k, other in enumerate(lines):
            if k == i or k in parts or k in labels or not other.words:
                continue
            oh = _frame(other.polygon)[2]
            if not 1 / _VALUE_SIZE < oh / h < _VALUE_SIZE:
                continue
            ou0, _, ovmid = extent(other, frame)
            gap, dv = ou0 - u1, ovmid - vmid
            if right_after(dv, gap, h, _VALUE_GAP, band=0.45 * oh) and gap < best_gap:
                best, best_gap = k, gap
        if best is None:
            break
        parts.append(best)
    return parts
