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

from phiscrub.classify import address, dates, ids, names
from phiscrub.classify._spans import cover
from phiscrub.classify._text import Hit, Text, WordRef, joined_text, line_text, value_line_after
from phiscrub.classify.labels import ends_with_label
from phiscrub.models import Finding, Kind, Line

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
}


def _texts(lines: Sequence[Line]) -> list[Text]:
    texts = [line_text(line, i) for i, line in enumerate(lines) if line.words]
    for i, line in enumerate(lines):
        if line.words and ends_with_label(line.text):
            j = value_line_after(lines, i)
            if j is not None:
                texts.append(joined_text(lines, i, j))
    return texts


def _merge(matches: list[tuple[Hit, frozenset[WordRef]]]) -> list[tuple[Hit, frozenset[WordRef]]]:
    """Drop a match whose words another match already covers; bigger first, and
    between equal ones the more specific kind, then the higher score, wins."""
    matches.sort(key=lambda m: (-len(m[1]), _PRIORITY.get(m[0].kind, 9), -m[0].score))
    kept: list[tuple[Hit, frozenset[WordRef]]] = []
    for hit, refs in matches:
        if any(refs <= other for _, other in kept):
            continue
        kept.append((hit, refs))
    return kept


def classify(lines: Sequence[Line], engine: str = "ocr") -> list[Finding]:
    """Findings for every piece of PHI the classifiers recognise in OCR `lines`
    (reading order). Each finding covers whole words, label included when the
    value had one, with one finding per OCR line an entity spans."""
    matches = []
    for text in _texts(lines):
        for module in _CLASSIFIERS:
            for hit in module.find(text):
                refs = frozenset(text.span_refs(hit.start, hit.end))
                if refs:
                    matches.append((hit, refs))
    findings = []
    for hit, refs in _merge(matches):
        by_line: dict[int, list[int]] = defaultdict(list)
        for li, wi in refs:
            by_line[li].append(wi)
        for li in sorted(by_line):
            first, last = min(by_line[li]), max(by_line[li])
            polygon = cover([w.polygon for w in lines[li].words[first : last + 1]])
            findings.append(
                Finding(hit.kind, polygon, hit.score, f"{engine}+{hit.classifier}", hit.reason)
            )
    logger.debug("classify: %d lines -> %d findings", len(lines), len(findings))
    return findings


def all_text(lines: Sequence[Line], engine: str = "ocr") -> list[Finding]:
    """One Kind.TEXT finding per word, for redacting every piece of text."""
    return [
        Finding(Kind.TEXT, cover([w.polygon]), w.score, f"{engine}+alltext", "all text mode")
        for line in lines
        for w in line.words
    ]
