"""How much a single word looks like a person's name.

Two sources: the US Census 1990 name lists shipped by the `names` package
(how common a first name or surname is among people) and `wordfreq` (how
common the word is in English text). Name usage is part of a word's text
frequency, so comparing the two says whether a word is mostly a name
("Smith", "Garcia"), a word that is sometimes a name ("Young", "Hill"), or a
word ("Wash", "Station"). Words in neither list that are rare in English are
most often names from elsewhere ("Oluwaseun", "Kjær", "Raghunathan").
"""

from __future__ import annotations

import enum
import functools
import logging
import math
import re
import unicodedata
from pathlib import Path

import names as _names_pkg
from wordfreq import zipf_frequency

from phiscrub.classify.labels import SIGN_WORDS

logger = logging.getLogger(__name__)


class NameClass(enum.IntEnum):
    """From least to most name-like; the value orders them."""

    SIGN = 0  # hospital signage vocabulary
    WORD = 1  # a common English word, not a census name
    UNCOMMON = 2  # not a census name, fairly rare in English ("Igor", "Ronaldo", "Lagoon")
    NAME_WORD = 3  # census name, but mostly used as a word ("May", "Will", "Hand")
    AMBIGUOUS = 4  # as much a name as a word ("Young", "White", "Hope")
    RARE = 5  # in no list and rare in English: likely a name from elsewhere
    NAME = 6  # mostly a name ("Smith", "John", "Nguyen")


# Evidence each class adds to a run of capitalised words (see names.py).
EVIDENCE = {
    NameClass.SIGN: 0.0,
    NameClass.WORD: 0.05,
    NameClass.UNCOMMON: 0.15,
    NameClass.NAME_WORD: 0.15,
    NameClass.AMBIGUOUS: 0.5,
    NameClass.RARE: 0.75,
    NameClass.NAME: 0.9,
}

# Calibrated on the two most common entries: "smith" (1.006 % of surnames) has
# zipf 4.89 and "john" (3.27 % of men, ~1.6 % of people) 5.38. A name's expected
# zipf is then about these offsets plus log10 of its census share.
_LAST_OFFSET = 4.6
_FIRST_OFFSET = 5.1
# Zipf above the name-only expectation: below NAME_MAX the word is mostly a
# name, up to AMBIGUOUS_MAX it is both, beyond it mostly a word.
_NAME_MAX = 1.0
_AMBIGUOUS_MAX = 2.4
# Below this zipf a word is too rare to be everyday English ("sanitize" 2.4 is
# the exception signage vocabulary takes care of); below the second it is not
# an everyday word either.
_RARE_ZIPF = 3.2
_UNCOMMON_ZIPF = 4.0
# English suffixes no name in the lists ends with; they mark a rare word that is
# still a word ("phlebotomy" no, but "orthopedics", "sanitization" yes).
_WORD_SUFFIXES = (
    "ology", "ologist", "tion", "tions", "sion", "ment", "ments", "ness", "ize", "izes", "ized",
    "ization", "ics", "ity", "ical", "ously", "ous", "able", "ible", "ful", "less", "ward", "wards",
)


@functools.lru_cache(maxsize=1)
def census() -> tuple[dict[str, float], dict[str, float]]:
    """First names and surnames from the `names` package's US Census 1990 lists,
    each mapped to its share of the population in percent (upper case keys)."""
    folder = Path(_names_pkg.__file__).parent
    first: dict[str, float] = {}
    for fname in ("dist.male.first", "dist.female.first"):
        for row in (folder / fname).read_text().splitlines():
            parts = row.split()
            if len(parts) >= 2:
                # each list is a share of one sex: halve it for a share of people
                first[parts[0]] = max(first.get(parts[0], 0.0), float(parts[1]) / 2)
    last: dict[str, float] = {}
    for row in (folder / "dist.all.last").read_text().splitlines():
        parts = row.split()
        if len(parts) >= 2:
            last[parts[0]] = float(parts[1])
    logger.debug("census lists: %d first names, %d surnames", len(first), len(last))
    return first, last


def fold(word: str) -> str:
    """Upper case without accents, as the census lists are written ("GARCIA")."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _excess(zipf: float, share: float, offset: float) -> float:
    # the lists print shares to 3 decimals: a listed name shown as 0.000 is ~0.0005 %
    return zipf - (offset + math.log10(max(share, 0.0005)))


# A lower-case letter followed by an upper-case one: where run-together words meet.
_CAMEL = re.compile(r"(?<=[a-zß-ÿ])(?=[A-ZÀ-Þ])")


@functools.lru_cache(maxsize=65536)
def name_class(word: str, signs: bool = True) -> NameClass:
    """Classify one alphabetic word (any case, accents allowed). With `signs=False`
    signage vocabulary is judged like any other word ("Hall" is then a surname)."""
    lower = word.lower().strip(".'’")
    if not lower:
        return NameClass.WORD
    if signs and lower in SIGN_WORDS:
        return NameClass.SIGN
    if "-" in lower:  # "García-López", "Al-Sayed": as name-like as its best part
        parts = [p for p in lower.split("-") if p]
        if len(parts) > 1:
            return max(name_class(p, signs) for p in parts)
    joined = _CAMEL.split(word.strip(".'’"))
    if len(joined) > 1:  # words the OCR ran together ("VisitorsPlease", "CheckIn"), "McDonald"
        return max(name_class(p, signs) for p in joined)
    first, last = census()
    key = fold(lower).replace("'", "").replace("’", "")
    zipf = zipf_frequency(lower, "en")
    non_ascii = not lower.isascii()
    in_first, in_last = key in first, key in last
    if in_first or in_last:
        excess = min(
            _excess(zipf, first[key], _FIRST_OFFSET) if in_first else math.inf,
            _excess(zipf, last[key], _LAST_OFFSET) if in_last else math.inf,
        )
        if excess <= _NAME_MAX:
            return NameClass.NAME
        if zipf < _RARE_ZIPF and not lower.endswith(_WORD_SUFFIXES):
            return NameClass.RARE
        return NameClass.AMBIGUOUS if excess <= _AMBIGUOUS_MAX else NameClass.NAME_WORD
    if (zipf < _RARE_ZIPF or non_ascii) and not lower.endswith(_WORD_SUFFIXES):
        return NameClass.RARE
    return NameClass.UNCOMMON if zipf < _UNCOMMON_ZIPF else NameClass.WORD

