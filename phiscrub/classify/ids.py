"""Identifiers and contact details: MRN and other IDs, SSN, phone, email, URL."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency

from phiscrub.classify import labels as L
from phiscrub.classify._text import Hit, Text
from phiscrub.models import Kind

CLASSIFIER = "ids"

# ------------------------------------------------------------------ SSN
_SSN = re.compile(r"(?<![\d\-])\d{3}([\- ])\d{2}\1\d{4}(?![\d\-])")
# Partly masked SSNs still tell the last four digits: "XXX-XX-1234", "***-**-1234".
_SSN_MASKED = re.compile(r"(?<![\w*#•])[Xx*#•]{3}[\- ]?[Xx*#•]{2}[\- ]?\d{4}(?!\d)")

# ------------------------------------------------------------------ email, URL
_EMAIL = re.compile(r"[\w.+\-]+\s?@\s?[\w\-]+(?:\.[\w\-]+)+", re.UNICODE)
# Bare domains ("stmarys.org/portal") only with endings that are not also short
# words OCR glues after a dot ("Pt.Care", "e.g.in").
_TLDS = "com|org|net|edu|gov|mil|info|biz|io|uk|ca|au|nz|ie|de|fr|nl|pl|vn|jp|cn|health|online"
_URL = re.compile(
    r"(?:https?://|www\.)[^\s]+"
    rf"|(?<![@\w.\-])[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:{_TLDS})(?![a-z0-9\-])(?:/[^\s]*)?",
    re.IGNORECASE,
)

# ------------------------------------------------------------------ IDs
# A word that looks like an identifier on its own: 6+ digits, or letters and 5+
# digits ("A00482913", "H-123-456"); separators inside are allowed.
_ID_TOKEN = re.compile(r"(?<![\w\-])[A-Za-z]{0,5}[\-#]?\d[\d\-]*[A-Za-z]?(?![\w\-])")
_EXTENSION = re.compile(r"(?<![\w])(?:ext\.?|x)\s?\d{3,5}(?!\d)", re.IGNORECASE)
_VALUE_WORD = re.compile(r"[\w\-#/.]*\d[\w\-#/.]*")


def _digits(s: str) -> int:
    return sum(c.isdigit() for c in s)


def _label_value(text: Text, label_end: int, max_words: int = 4) -> tuple[int, int]:
    """The digit-bearing words right after a label, as a character span; a value
    glued to the label ("MRN:00482913") counts. Returns (end, digit count)."""
    end, count = label_end, 0
    k = text.word_index(label_end) if label_end < len(text.text) else len(text.words)
    if k < len(text.words) and text.starts[k] < label_end:  # glued
        rest = text.norm[label_end : text.ends[k]]
        if _VALUE_WORD.fullmatch(rest):
            end, count = text.ends[k], _digits(rest)
        k += 1
    taken = 0
    while k < len(text.words) and taken < max_words:
        word = text.norm[text.starts[k] : text.ends[k]].strip(",;:")
        if not _VALUE_WORD.fullmatch(word):
            break
        end, count = text.ends[k], count + _digits(word)
        taken += 1
        k += 1
    return end, count


def _ssn(text: Text) -> list[Hit]:
    hits = []
    for m in _SSN.finditer(text.norm):
        hits.append(Hit(Kind.SSN, m.start(), m.end(), 0.9, CLASSIFIER, "SSN pattern"))
    for m in _SSN_MASKED.finditer(text.norm):
        hits.append(Hit(Kind.SSN, m.start(), m.end(), 0.9, CLASSIFIER, "masked SSN pattern"))
    for m in L.SSN_LABEL_RE.finditer(text.text):
        end, count = _label_value(text, m.end(), max_words=3)
        masked = _SSN_MASKED.search(text.norm, m.end(), end + 1)
        if count >= 4 or masked:
            hits.append(Hit(Kind.SSN, m.start(), end, 0.95, CLASSIFIER, "SSN label + number"))
    return hits


def _phones(text: Text) -> list[Hit]:
    hits = []
    for match in phonenumbers.PhoneNumberMatcher(text.norm, "US", leniency=Leniency.POSSIBLE):
        end = match.end
        ext = _EXTENSION.match(text.norm, end + 1) or _EXTENSION.match(text.norm, end)
        if ext:
            end = ext.end()
        hits.append(Hit(Kind.PHONE, match.start, end, 0.85, CLASSIFIER, "phone number pattern"))
    # bare 10-digit groupings the matcher may reject as invalid (e.g. 555 exchanges)
    for m in re.finditer(r"(?<![\d\-])\(?\d{3}\)?[\s.\-]?\d{3}[\s.\-]\d{4}(?!\d)", text.norm):
        hits.append(Hit(Kind.PHONE, m.start(), m.end(), 0.75, CLASSIFIER, "phone number pattern"))
    for m in _EXTENSION.finditer(text.norm):
        hits.append(Hit(Kind.PHONE, m.start(), m.end(), 0.6, CLASSIFIER, "phone extension"))
    for m in L.PHONE_LABEL_RE.finditer(text.text):
        end, count = _label_value(text, m.end(), max_words=4)
        if count >= 4:
            hits.append(Hit(Kind.PHONE, m.start(), end, 0.9, CLASSIFIER, "phone label + number"))
    return hits


def _web(text: Text) -> list[Hit]:
    hits = []
    emails = []
    for m in _EMAIL.finditer(text.text):
        emails.append((m.start(), m.end()))
        hits.append(Hit(Kind.EMAIL, m.start(), m.end(), 0.95, CLASSIFIER, "email pattern"))
    for m in _URL.finditer(text.text):
        if any(s <= m.start() < e for s, e in emails):
            continue
        hits.append(Hit(Kind.URL, m.start(), m.end(), 0.9, CLASSIFIER, "web address pattern"))
    return hits


def _ids(text: Text) -> list[Hit]:
    hits = []
    for regex, min_digits, reason in (
        (L.ID_LABEL_STRONG_RE, 1, "ID label + value"),
        (L.ID_LABEL_WEAK_RE, 4, "ID label + long number"),
    ):
        for m in regex.finditer(text.text):
            end, count = _label_value(text, m.end())
            if count >= min_digits:
                hits.append(Hit(Kind.ID, m.start(), end, 0.9, CLASSIFIER, reason))
    for m in _ID_TOKEN.finditer(text.norm):
        token = m.group()
        digits = _digits(token)
        letters = sum(c.isalpha() for c in token)
        if digits >= 6 or (letters and digits >= 5):
            hits.append(Hit(Kind.ID, m.start(), m.end(), 0.7, CLASSIFIER, "long identifier pattern"))
    return hits


def find(text: Text) -> list[Hit]:
    """IDs, SSNs, phone numbers, emails and URLs in one line (or a label line
    joined with its value line)."""
    return _ssn(text) + _phones(text) + _web(text) + _ids(text)
