"""Text classifiers: OCR lines -> findings of names, dates, IDs, SSNs, phone
numbers, emails, URLs and street addresses.

Each classifier module (names, dates, ids, address) matches patterns over the
text of one line, or of a line that ends in a label joined with the line that
holds its value ("Patient:" above "Rose Hill"). Matches become sets of words;
overlapping ones are merged, and each is covered by one padded quadrilateral
per OCR line it touches. Recognised text never leaves this package: reasons
name the rule that fired, not what it read.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

import cv2
import numpy as np

from phiscrub.classify import address, dates, ids, names, tables, unknown
from phiscrub.classify._spans import cover
from phiscrub.classify._text import (
    Hit,
    Text,
    WordRef,
    frame_height,
    joined_text,
    line_text,
    rows_beside,
    value_lines_after,
)
from phiscrub.classify.labels import ends_with_label, is_label
from phiscrub.models import TEXT_PHI_KINDS, Finding, Kind, Line, Polygon

__all__ = ["classify", "all_text"]

logger = logging.getLogger(__name__)

_CLASSIFIERS = (names, dates, ids, address)
# When two matches cover the same words, the more specific kind names the finding.
_PRIORITY = {
    Kind.SSN: 0,
    Kind.EMAIL: 1,
    Kind.URL: 2,
    Kind.PHONE: 3,
    Kind.DATE: 4,
    Kind.NAME: 5,
    Kind.ADDRESS: 6,
    Kind.ID: 7,
    Kind.TEXT: 8,
}


def _label_only(line: Line) -> bool:
    """A line that is a label and nothing more ("Patient:", "Room:", "Date of birth")."""
    return (
        0 < len(line.words) <= 3 and ends_with_label(line.text) and not any(ch.isdigit() for ch in line.text)
    )


def _asks_for_value(line: Line) -> bool:
    """A line whose value may be on another line: it ends in a colon ("Seen by Dr:"),
    or it is only a label ("DOB", "Patient Name"). A heading that merely ends in a
    label word ("Your Care Team") is not joined to whatever is written under it."""
    text = line.text.rstrip()
    if not line.words or not ends_with_label(text):
        return False
    return text.endswith(":") or is_label(text)


def _label_lines(lines: Sequence[Line]) -> frozenset[int]:
    """The lines that are only a label (see `_label_only`)."""
    return frozenset(i for i, line in enumerate(lines) if _label_only(line))


def _texts(lines: Sequence[Line], labels: frozenset[int]) -> list[Text]:
    texts = [line_text(line, i) for i, line in enumerate(lines) if line.words]
    for i, line in enumerate(lines):
        if _asks_for_value(line):
            parts = value_lines_after(lines, i, labels)
            if parts:
                texts.append(joined_text(lines, i, *parts))
    return texts


def _merge(matches: list[tuple[Hit, frozenset[WordRef]]]) -> list[tuple[Hit, frozenset[WordRef]]]:
    """Drop a match whose words another match already covers; bigger first, and
    between equal ones a pattern over an unknown word, then the more specific
    kind, then the higher score, wins."""
    matches.sort(
        key=lambda m: (
            -len(m[1]),
            m[0].classifier == unknown.CLASSIFIER,
            _PRIORITY.get(m[0].kind, 9),
            -m[0].score,
        )
    )
    kept: list[tuple[Hit, frozenset[WordRef]]] = []
    for hit, refs in matches:
        if any(refs <= other for _, other in kept):
            continue
        kept.append((hit, refs))
    return kept


# A line whose words are mostly flagged is covered end to end: OCR splits a line
# into words in proportion to characters, so word boxes inside it are only
# approximate, and the words left between flagged ones are usually part of the
# same value ("5, rue de Descamps").
WHOLE_LINE_SHARE = 0.5
# The most words a label's value line may have to be covered for the label alone.
_LABEL_VALUE_WORDS = 4
# Padding along the line, in text heights, for a span inside a line and for the
# ends of a line that is covered whole.
SPAN_PAD_ALONG = 0.5
LINE_PAD_ALONG = 0.8


def _spans(
    lines: Sequence[Line], labels: frozenset[int] | None = None
) -> dict[int, list[tuple[Hit, int, int]]]:
    """PHI spans per line; `labels` (the label-only lines) are found when not given."""
    matches = []
    for text in _texts(lines, _label_lines(lines) if labels is None else labels):
        for module in _CLASSIFIERS:
            for hit in module.find(text):
                refs = frozenset(text.span_refs(hit.start, hit.end))
                if refs:
                    matches.append((hit, refs))
    for i, line in enumerate(lines):
        if line.words:
            text = line_text(line, i)
            hits = unknown.find(text)
            if unknown.poorly_read(line):
                hits.append(unknown.line_hit(text))
            for hit in hits:
                matches.append((hit, frozenset(text.span_refs(hit.start, hit.end))))
    by_line: dict[int, list[tuple[Hit, int, int]]] = defaultdict(list)
    for hit, refs in _merge(matches):
        words: dict[int, list[int]] = defaultdict(list)
        for li, wi in refs:
            words[li].append(wi)
        for li, wis in words.items():
            by_line[li].append((hit, min(wis), max(wis)))
    return by_line


def _label_values(
    lines: Sequence[Line],
    labels: frozenset[int],
    by_line: dict[int, list[tuple[Hit, int, int]]] | None = None,
) -> dict[int, tuple[Kind, str]]:
    """The value line of each line that is only a PHI label ("DOB:", "Patient:",
    "MRN"), whatever the OCR made of it: a handwritten "24 JAN 1998" read as
    "bbl NS" is still the date of birth. Values longer than a few words are left
    to the classifiers."""
    found = {}
    for i in labels:
        kind = tables.header_kind(lines[i].text)
        if kind is None:
            continue
        parts = value_lines_after(lines, i, labels)
        if parts and sum(len(lines[j].words) for j in parts) <= _LABEL_VALUE_WORDS:
            for j in parts:
                found[j] = (kind, f"beside a {kind.value} label")
        # A value the classifiers took for another kind of PHI ("DOB:" beside a
        # name): the label's own may be written a row off it (`rows_beside`).
        taken = (by_line or {}).get(parts[0], []) if parts else []
        if any(h.kind in TEXT_PHI_KINDS and h.kind != kind for h, _, _ in taken):
            for j in rows_beside(lines, i, labels):
                if j not in parts and len(lines[j].words) <= _LABEL_VALUE_WORDS:
                    found.setdefault(j, (kind, f"beside a {kind.value} label, a row off it"))
    return found


def _value_heights(lines: Sequence[Line], labels: frozenset[int]) -> dict[int, float]:
    """The height to cover each part of a label's value at, where the detector
    split the value into boxes of different heights: the tallest part's. Speed
    seed 1019 photo 010: a handwritten "Angel  Ababei" after "Patient:", boxed 60
    and 90 px high; the first box left out the top of its "A" and the tail of its
    "g", and only 75% of the word was covered."""
    heights: dict[int, float] = {}
    for i in labels:
        if tables.header_kind(lines[i].text) is None:
            continue
        parts = value_lines_after(lines, i, labels)
        if len(parts) > 1:
            tallest = max(frame_height(lines[j].polygon) for j in parts)
            for j in parts:
                heights[j] = max(heights.get(j, 0.0), tallest)
    return heights


def _context(
    lines: Sequence[Line], by_line: dict[int, list[tuple[Hit, int, int]]], labels: frozenset[int]
) -> dict[int, Hit]:
    """Whole lines to cover because of where they are: in a table column under a
    header, beside a label, or on the line after an address."""
    context = tables.column_values(lines)
    for li, found in _label_values(lines, labels, by_line).items():
        context.setdefault(li, found)
    address_lines = {
        li
        for li, spans in by_line.items()
        if any(h.kind == Kind.ADDRESS for h, _, _ in spans)
        or unknown.address_line(tuple(w.text for w in lines[li].words))
    }
    for li, found in tables.address_continuations(lines, address_lines).items():
        context.setdefault(li, found)
    return {
        li: Hit(kind, 0, len(lines[li].text), 0.6, tables.CLASSIFIER, reason)
        for li, (kind, reason) in context.items()
    }


def _edge(word, side: int) -> tuple[float, float]:
    """Middle of a word quad's left (side 0) or right (side 1) edge."""
    pts = word.polygon.points if len(word.polygon.points) == 4 else word.polygon.box.to_polygon().points
    a, b = (pts[0], pts[3]) if side == 0 else (pts[1], pts[2])
    return ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)


def _line_findings(
    line: Line,
    spans: list[tuple[Hit, int, int]],
    engine: str,
    context: Hit | None = None,
    min_height: float = 0.0,
) -> list[Finding]:
    """Findings for the flagged spans of one line. Neighbouring spans reach into
    each other's first word; when most of the line is flagged, or it reads as an
    address, the spans tile the whole line, from its first word to its last (the
    words left between them go to both neighbours)."""
    words = line.words
    flagged = set()
    for _, a, b in spans:
        flagged.update(range(a, b + 1))
    total = sum(len(w.text) for w in words) or 1
    share = sum(len(words[i].text) for i in flagged) / total
    address = unknown.address_line(tuple(w.text for w in words))
    whole = (
        context is not None
        or share >= WHOLE_LINE_SHARE
        or address
        or any(hit.kind == Kind.ADDRESS for hit, _, _ in spans)
    )
    spans = sorted(spans, key=lambda s: (s[1], s[2]))
    findings = []
    for k, (hit, a, b) in enumerate(spans):
        reach = []
        prev_end = max((s[2] for s in spans[:k]), default=None)
        next_start = min((s[1] for s in spans[k + 1 :] if s[1] > b), default=None)
        if prev_end is not None and prev_end < a and (whole or prev_end == a - 1):
            reach.append(_edge(words[prev_end], 1))
        elif whole and prev_end is None:
            reach.append(_edge(words[0], 0))
            reach += [line.polygon.points[0], line.polygon.points[-1]] if a == 0 else []
        if next_start is not None and (whole or next_start == b + 1):
            reach.append(_edge(words[next_start], 0))
        elif whole and next_start is None and b >= max(s[2] for s in spans):
            reach.append(_edge(words[-1], 1))
        ends = (whole and (k == 0 or b == len(words) - 1)) or a == 0 or b == len(words) - 1
        polygon = cover(
            [w.polygon for w in words[a : b + 1]],
            reach,
            pad_along=LINE_PAD_ALONG if ends and whole else SPAN_PAD_ALONG,
            min_height=min_height,
        )
        kind, reason = hit.kind, hit.reason
        if address and kind in (Kind.NAME, Kind.ID, Kind.TEXT):
            kind, reason = Kind.ADDRESS, reason + "; on an address line"
        elif (
            context is not None
            and context is not hit
            and (
                hit.classifier == unknown.CLASSIFIER
                or (context.kind == Kind.ADDRESS and hit.classifier == names.CLASSIFIER)
            )
        ):
            kind, reason = context.kind, reason + "; " + context.reason
        reason += "; line mostly flagged, covered whole" if whole else ""
        findings.append(Finding(kind, polygon, hit.score, f"{engine}+{hit.classifier}", reason))
    return findings


def classify(lines: Sequence[Line], engine: str = "ocr", areas: Sequence[Polygon] = ()) -> list[Finding]:
    """Findings for every piece of PHI the classifiers recognise in OCR `lines`
    (reading order), and for every word not known to be safe. Each finding
    covers whole words, label included when the value had one, with one finding
    per OCR line an entity spans. Text `areas` the OCR found but could not read
    are covered where they continue a flagged line (`tables.unread_beside`)."""
    labels = _label_lines(lines)
    by_line = _spans(lines, labels)
    context = _context(lines, by_line, labels)
    for li, (kind, reason) in tables.surrounded(lines, set(by_line) | set(context)).items():
        if not unknown.plain_words(lines[li]):
            context[li] = Hit(kind, 0, len(lines[li].text), 0.75, tables.CLASSIFIER, reason)
    heights = _value_heights(lines, labels)
    findings = []
    for li in sorted(set(by_line) | set(context)):
        spans = by_line.get(li, [])
        if li in context and not spans:
            spans = [(context[li], 0, len(lines[li].words) - 1)]
        findings += _line_findings(lines[li], spans, engine, context.get(li), heights.get(li, 0.0))
    for quad, kinds in tables.table_areas(lines):
        findings.append(
            Finding(
                Kind.TEXT,
                Polygon.of(quad),
                0.75,
                f"{engine}+{tables.CLASSIFIER}",
                f"a table with {', '.join(kinds)} columns, covered whole (cells OCR could not read too)",
            )
        )
    flagged = set(by_line) | set(context)
    for k in tables.unread_beside(lines, flagged, areas):
        findings.append(
            Finding(
                Kind.TEXT,
                _margin(areas[k]),
                0.5,
                f"{engine}+{tables.UNREAD}",
                "text the OCR could not read, beside or under a flagged line",
            )
        )
    for quad in tables.record_blocks(lines, flagged):
        findings.append(
            Finding(
                Kind.TEXT,
                Polygon.of(quad),
                0.6,
                f"{engine}+{tables.BLOCKS}",
                "rows of records, most of them flagged, covered whole (cells OCR could not read too)",
            )
        )
    logger.debug("classify: %d lines -> %d findings", len(lines), len(findings))
    return findings


def all_text(lines: Sequence[Line], engine: str = "ocr", areas: Sequence[Polygon] = ()) -> list[Finding]:
    """One Kind.TEXT finding per word, for redacting every piece of text, and
    one per text area the OCR found but could not read (`areas`) unless the
    words already cover all but _UNREAD_SLACK of it. Every one reaches
    ALL_TEXT_MARGIN text heights past its text: this mode is asked to leave no
    text showing, and scene text is often larger than its OCR box (tall
    capitals, a word the recogniser clipped)."""
    findings = [
        Finding(Kind.TEXT, _margin(cover([w.polygon])), w.score, f"{engine}+alltext", "all text mode")
        for line in lines
        for w in line.words
    ]
    for area in areas:
        padded = _margin(area)
        if _uncovered_share(padded, [f.polygon for f in findings]) > _UNREAD_SLACK:
            findings.append(
                Finding(
                    Kind.TEXT,
                    padded,
                    0.5,
                    f"{engine}+alltext",
                    "all text mode: text the OCR found but could not read",
                )
            )
    return findings


# Extra margin of every all-text region, in text heights (its short side), on
# each side along and across the text. On ICDAR 2015 (250 photos, OCR alone,
# tuned there): 0 -> 92.9% of legible words covered, 0.1 -> 93.6%, 0.2 -> 94.6%,
# 0.3 -> 95.1%.
ALL_TEXT_MARGIN = 0.3
# An unread text area is covered unless words read already cover all but this
# share of it (a box the second look split into lines that were read).
_UNREAD_SLACK = 0.02


def _margin(polygon: Polygon) -> Polygon:
    pts = np.asarray(polygon.points, np.float64)
    if len(pts) != 4:
        return polygon
    short = float(min(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[0] - pts[3])))
    return polygon.pad_quad(ALL_TEXT_MARGIN * short, ALL_TEXT_MARGIN * short)


def _uncovered_share(area: Polygon, covers: Sequence[Polygon]) -> float:
    """Share of `area` that no polygon of `covers` overlaps, rasterised at 1 px."""
    box = area.box
    x0, y0 = int(np.floor(box.x)), int(np.floor(box.y))
    w, h = int(np.ceil(box.x2)) - x0 + 1, int(np.ceil(box.y2)) - y0 + 1
    inside = np.zeros((h, w), np.uint8)
    cv2.fillPoly(inside, [np.round(np.asarray(area.points) - (x0, y0)).astype(np.int32)], 1)
    total = int(inside.sum())
    if total == 0:
        return 0.0
    covered = np.zeros_like(inside)
    for poly in covers:
        pb = poly.box
        if pb.x > box.x2 or pb.x2 < box.x or pb.y > box.y2 or pb.y2 < box.y:
            continue
        cv2.fillPoly(covered, [np.round(np.asarray(poly.points) - (x0, y0)).astype(np.int32)], 1)
    return float((inside & ~covered.astype(bool)).sum()) / total
