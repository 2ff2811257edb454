"""Dates: of birth, admission, discharge, surgery, appointments.

Full dates are found anywhere (numeric in either day/month order, ISO, with
month names or abbreviations); partial ones ("3/14", "11/24", "Mar 62") and
digit runs broken by the OCR ("03/1-" "4/1962") only next to a date label.
A month the OCR misread ("San 9, ZCU5" for a handwritten "Jan 9, 2025")
counts when a year after it or a date label before it vouches for it.
The label is covered together with the date.
"""

from __future__ import annotations

import re

from phiscrub.classify import labels as L
from phiscrub.classify._text import Hit, Text
from phiscrub.models import Kind

CLASSIFIER = "dates"

_SEP = r"\s?[/\-.]\s?"
_YEAR = r"(?:\d{4}|\d{2})"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|[s5]ep(?:t(?:ember)?)?|[o0]ct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# The O of "Oct" and the S of "Sep" are often read as digits ("0ctober2nd").
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"

# The numeric patterns run on the digit-fixed text (O->0, l->1); word boundaries
# are "no digit beside", so a glued label ("DOB:03/14/1962") does not hide a date.
_NUMERIC = re.compile(rf"(?<!\d)(\d{{1,2}}){_SEP}(\d{{1,2}}){_SEP}({_YEAR})(?!\d)")
_ISO = re.compile(rf"(?<!\d)((?:19|20)\d{{2}}){_SEP}(\d{{1,2}}){_SEP}(\d{{1,2}})(?!\d)")
_DAY_MONTH = re.compile(
    rf"(?<![\w])({_DAY})[\s\-/.]*{_MONTH}(?![a-z])(?:[\s\-/.,]*{_YEAR}(?!\d))?", re.IGNORECASE
)
_MONTH_DAY = re.compile(
    rf"(?<![^\W\d_]){_MONTH}(?![a-z])[\s\-/.]*({_DAY})(?![\d:])(?:,?[\s\-/.]*{_YEAR}(?!\d))?",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(rf"(?<![^\W\d_]){_MONTH}(?![a-z])[\s\-/.,']*(\d{{4}})(?!\d)", re.IGNORECASE)
# Only after a label: "3/14", "11/24", "03/62", "Mar 62".
_PARTIAL = re.compile(r"(?<!\d)(\d{1,2})\s?[/\-.]\s?(\d{1,4})(?!\d)")
_ANY_DIGITS = re.compile(r"[\dOoIl|/\-.]*\d[\dOoIl|/\-.]*")
# After a label only: a day or month and a separator, then a part the OCR misread
# ("DC 3/26" handwritten, read "DC3/L").
_MISREAD_PARTIAL = re.compile(r"\d{1,2}\s?[/\-.]\s?\w{1,3}")
# After a label only, as its whole value: two short pieces around a slash, read
# or misread ("DC 10/20" handwritten, read "m/I").
_MISREAD_SLASHED = re.compile(r"[^\W_]{1,2}/[^\W_]{1,4}")
# A numeric date one of whose parts the OCR misread ("1/27/73" handwritten, read
# "1/VT/73"): digits at both ends, the same separator twice.
_MISREAD_NUMERIC = re.compile(r"(?<![\w/])(\d{1,2})([/.\-])(\w{1,2})\2((?:19|20)?\d{2})(?![\w/])")
_MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = (
    "january", "february", "march", "april", "june", "july", "august", "sept", "september",
    "october", "november", "december",
)  # fmt: skip
# Digits the OCR reads for the letters of a month name ("0ctober", "5ept").
_LETTER_LOOKALIKE = str.maketrans({"0": "o", "5": "s", "1": "l", "8": "b", "6": "b"})
# A year, with a word of three letters before it that is one letter away from a
# month ("20 JUN 1998" handwritten, read "ZU SUN 1998"), and an optional short
# word before that (the day, read or misread).
_MISREAD_MONTH_YEAR = re.compile(
    r"(?:(?<!\S)\S{1,3}\s+)?(?<![^\W_])([A-Za-z0-9]{3})\.?[\s\-/.,']*((?:19|20)\d{2})(?!\d)"
)
# A word of three characters one away from a month, then a day, then maybe a
# year, read or misread ("Jan 9, 2025" handwritten, read "San 9, ZCU5"). It is a
# date when the year is a real one or a date label stands right before it.
_MISREAD_MONTH_DAY = re.compile(
    r"(?<![^\W_])([A-Za-z0-9]{3})\.?[\s\-/.]*([0-3]?\d)(?:st|nd|rd|th)?(?![\w:/])"
    r"(?:,?[\s\-/.]*([A-Za-z0-9]{2,4})(?!\w))?"
)


def _valid_numeric(a: int, b: int) -> bool:
    # month/day or day/month, whichever the photo's country uses
    return (1 <= a <= 12 and 1 <= b <= 31) or (1 <= b <= 12 and 1 <= a <= 31)


def _label_before(text: Text, start: int) -> int | None:
    """Start of a date label that ends right before `start` (glued or one space before)."""
    window_start = max(0, start - 40)
    for m in L.DATE_LABEL_RE.finditer(text.text, window_start, start + 1):
        if m.end() >= start - 1 and m.start() < start:
            return m.start()
    return None


def _full_dates(text: Text) -> list[tuple[int, int, str]]:
    found = []
    for m in _NUMERIC.finditer(text.norm):
        if _valid_numeric(int(m.group(1)), int(m.group(2))):
            found.append((m.start(), m.end(), "numeric date pattern"))
    for m in _ISO.finditer(text.norm):
        if 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
            found.append((m.start(), m.end(), "ISO date pattern"))
    for regex in (_DAY_MONTH, _MONTH_DAY):
        for m in regex.finditer(text.norm):
            day = int(re.match(r"\d+", m.group(1)).group())
            if 1 <= day <= 31:
                found.append((m.start(), m.end(), "month name date pattern"))
    for m in _MONTH_YEAR.finditer(text.norm):
        found.append((m.start(), m.end(), "month name date pattern"))
    for m in _MISREAD_NUMERIC.finditer(text.norm):
        if not m.group(3).isdigit() and 1 <= int(m.group(1)) <= 31:
            found.append((m.start(), m.end(), "numeric date with a misread part"))
    for m in _MISREAD_MONTH_YEAR.finditer(text.norm):
        if _near_month(m.group(1)):
            found.append((m.start(), m.end(), "year after a misread month"))
    return found


def _near_month(word: str) -> bool:
    """A three-character word that is a month abbreviation but for one character."""
    word = word.lower()
    if sum(c.isalpha() for c in word) < 2:
        return False
    return any(sum(a != b for a, b in zip(word, month, strict=True)) <= 1 for month in _MONTH_ABBREVIATIONS)


def _near_month_name(word: str) -> bool:
    """A word of four or more characters at most one edit from a month name
    ("Jine", "Agust", "0ctober"), or a three-character one a letter from an
    abbreviation ("Feh")."""
    word = word.lower().rstrip(".,").translate(_LETTER_LOOKALIKE)
    if len(word) == 3:
        return _near_month(word)
    if len(word) < 4 or not word.isalpha():
        return False
    return any(_one_edit(word, name) for name in _MONTH_NAMES)


def _one_edit(a: str, b: str) -> bool:
    """True when `a` and `b` differ by at most one substitution, insertion or deletion."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _after_label(text: Text) -> list[tuple[int, int, str]]:
    """Whatever digit-bearing words follow a date label: partial dates, broken pieces."""
    found = []
    for m in L.DATE_LABEL_RE.finditer(text.text):
        pos = m.end()
        # the value: up to three following words made of digits and separators
        # ("3/14", "03/1- 4/1962", "O3/14/62") or a month name and digits
        end = pos
        k = text.word_index(pos) if pos < len(text.text) else len(text.words)
        if k < len(text.words) and text.starts[k] < pos:  # label glued to its value
            rest = text.norm[pos : text.ends[k]]
            if _ANY_DIGITS.fullmatch(rest) or _PARTIAL.match(rest) or _MISREAD_PARTIAL.fullmatch(rest):
                end = text.ends[k]
            k += 1
        taken = 0
        while k < len(text.words) and taken < 3:
            word = text.norm[text.starts[k] : text.ends[k]].strip(",;")
            month_word = taken == 0 and (re.fullmatch(_MONTH, word, re.IGNORECASE) or _near_month_name(word))
            misread = taken == 0 and _MISREAD_PARTIAL.fullmatch(word)
            # a short word with a digit in it is a date part the OCR misread
            # ("DOB: Jine 24h161" for a handwritten "June 24th 1961")
            mangled = len(word) <= 12 and any(c.isdigit() for c in word)
            if not (_ANY_DIGITS.fullmatch(word) or month_word or misread or mangled):
                break
            end = text.ends[k]
            taken += 1
            k += 1
        if end > pos:
            value = text.norm[pos:end]
            digits = sum(c.isdigit() for c in value)
            if digits >= 2 or (digits == 1 and re.search(r"\d\s?[/\-.]|[/\-.]\s?\d", value)):
                found.append((m.start(), end, "date label + partial date"))
    return found


def find(text: Text) -> list[Hit]:
    """Dates in one line (or a label line joined with its value line)."""
    hits = []
    for start, end, reason in _full_dates(text):
        label = _label_before(text, start)
        if label is not None:
            hits.append(Hit(Kind.DATE, label, end, 0.95, CLASSIFIER, "date label + " + reason))
        else:
            hits.append(Hit(Kind.DATE, start, end, 0.85, CLASSIFIER, reason))
    for start, end, reason in _after_label(text):
        hits.append(Hit(Kind.DATE, start, end, 0.8, CLASSIFIER, reason))
    hits.extend(_broken_runs(text))
    hits.extend(_misread_month_day(text))
    hits.extend(_misread_slashed(text))
    return hits


def _misread_slashed(text: Text) -> list[Hit]:
    """A date label whose whole value is two short pieces around a slash that the
    OCR read as letters ("Discharge: m/I"); "n/a" says there is no date."""
    hits = []
    for m in L.DATE_LABEL_RE.finditer(text.text):
        if m.end() >= len(text.text) or text.text[m.end() - 1] != " ":
            continue  # nothing after the label, or glued to it (handled as a partial date)
        k = text.word_index(m.end())
        word = text.norm[text.starts[k] : text.ends[k]].rstrip(",;.")
        if k == len(text.words) - 1 and _MISREAD_SLASHED.fullmatch(word) and word.lower() != "n/a":
            hits.append(Hit(Kind.DATE, m.start(), text.ends[k], 0.7, CLASSIFIER, "date label + misread date"))
    return hits


def _misread_month_day(text: Text) -> list[Hit]:
    """A misread month and a day ("San 9"), vouched for by a year after it or by a
    date label before it; the label also vouches for a misread year after the day
    (a short word with a digit: "ZCU5"). Words of signage ("Bay 4", "Day 2") are
    never taken for a month."""
    hits = []
    for m in _MISREAD_MONTH_DAY.finditer(text.norm):
        word = m.group(1)
        if (
            not _near_month(word)
            or re.fullmatch(_MONTH, word, re.IGNORECASE)
            or word.lower() in L.SIGN_WORDS
            or not 1 <= int(m.group(2)) <= 31
        ):
            continue
        year = m.group(3)
        if year and re.fullmatch(r"(?:19|20)\d{2}", year):
            hits.append(Hit(Kind.DATE, m.start(), m.end(), 0.8, CLASSIFIER, "misread month, day and year"))
            continue
        label = _label_before(text, m.start())
        if label is None:
            continue
        end = m.end() if year and any(c.isdigit() for c in year) else m.end(2)
        hits.append(Hit(Kind.DATE, label, end, 0.8, CLASSIFIER, "date label + misread month and day"))
    return hits


def _broken_runs(text: Text) -> list[Hit]:
    """Neighbouring words of digits and separators that read as a date once joined
    ("03/1-" "4/1962"): 4-8 digits and at least two separators."""
    hits = []
    k = 0
    n = len(text.words)
    while k < n:
        m = k
        while m < n and re.fullmatch(r"[\d/\-.]+", text.norm[text.starts[m] : text.ends[m]]):
            m += 1
        if m - k >= 2:
            joined = text.norm[text.starts[k] : text.ends[m - 1]].replace(" ", "")
            digits = sum(c.isdigit() for c in joined)
            seps = sum(c in "/-." for c in joined)
            if 4 <= digits <= 8 and seps >= 2 and not re.search(r"\d{3}-\d{2}-\d{4}", joined):
                hits.append(
                    Hit(Kind.DATE, text.starts[k], text.ends[m - 1], 0.6, CLASSIFIER, "date split over words")
                )
        k = max(m, k + 1)
    return hits
