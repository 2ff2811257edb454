"""Default deny: every word that is not known to be safe.

The pattern classifiers recognise PHI they have a rule for; OCR hands them
names of every origin, codes, addresses from any country and tokens glued
together when it drops spaces ("ALEXANDREAntoinetteDOB:", "87.cheminPaulLevy").
Recall comes first (a missed name is a HIPAA violation, an extra box only a
nuisance), so this classifier flags every word that is not *safe*:

- a common English word by `wordfreq` that is not mainly a census name
  ("Station", "Young", "Check"; not "Smith", "Irena" or "Oluwaseun");
- a word of the label, signage and clinical vocabulary ("DOB", "Sanitizer",
  "Nephrology"), or a misreading one letter away from a long one;
- a short number (room and bed numbers, up to three digits), a clock time,
  an ordinal, punctuation.

A token is split at punctuation, digit/letter changes and case changes
("ClinicOne-Unit5North" is Clinic, One, Unit, 5, North) and is safe only when
every piece is. Its kind comes from its shape: letters a name, digits an
identifier, "@" an email, a web address a URL; on a line that reads like an
address every flagged word is an address.
"""

from __future__ import annotations

import functools
import re

from wordfreq import zipf_frequency

from phiscrub.classify import labels as L
from phiscrub.classify._lexicon import NameClass, census, fold, name_class
from phiscrub.classify._text import Hit, Text, _frame
from phiscrub.models import Kind, Line

CLASSIFIER = "unknown"

# A word this common in English is safe even when it is also a census name
# ("Mark Your Calendar", "Will", "John" alone); names need context then.
_ALWAYS_COMMON_ZIPF = 5.0
# Below this a word is not everyday English.
_COMMON_ZIPF = 3.0
# Numbers: up to this many digits in a token are a room, bed or count.
_MAX_SAFE_DIGITS = 3

# Clinical and signage words rarer in general English than _COMMON_ZIPF.
CLINICAL_WORDS = frozenset(
    """
    soiled cath vac huddle huddles valet distancing podiatry interventional sedation audiology
    nephrology endocrinology gastroenterology otolaryngology sanitizer sanitizers sanitiser
    extinguisher extinguishers defib defibrillator nkda npo oob prn bid tid qid qhs qd po iv im sq
    subq ivpb pca ng ngt peg picc cvc tpn ekg ecg eeg emg abg cbc bmp cmp inr ptt hgb hct wbc plt
    bun bnp tsh hba1c uti dvt pe chf copd cad htn dm mrsa vre cdiff c.diff esbl tb rsv
    ambulate ambulating ambulation incentive spirometer spirometry telemetry tele bipap cpap
    ostomy trach foley catheter heplock saline lactated ringers vitals spo2 bp hr rr temp wt ht
    ortho neuro cardio pulm gi gu ent obgyn ob/gyn peds nicu picu sicu micu cvicu pacu icu ccu
    mammo mammography radiology ultrasound sonography fluoroscopy echocardiogram echo cath
    phlebotomy venipuncture dialysis hemodialysis infusion chemo oncology hematology rheumatology
    pulmonology cardiology neurology urology dermatology ophthalmology orthopaedics orthopedics
    kudos wifi atm recertification preceptor preceptee huddle rounding bedside handoff sbar
    allergies allergy sulfa pcn latex nsaids nsaid opioid opioids narcotic narcotics
    """.split()
)
# Street words of many countries: a line holding one is an address line.
STREET_WORDS = frozenset(
    """
    street st str straße strasse str. road rd avenue ave av avenida av. boulevard blvd lane ln drive dr
    way court ct place pl square sq terrace crescent close circle loop path parkway highway hwy
    rue chemin allée allee impasse boulevard bd quai cours place route
    calle carrera carretera camino paseo plaza prolongación prolongacion cerrada privada andador
    callejón callejon avenida pasaje ronda glorieta
    rua travessa viaduto alameda largo praça praca rodovia estrada beco
    via viale vicolo piazza corso strada contrada borgo largo
    ulica ul al aleja osiedle os plac
    straat laan weg plein gracht kade dijk steeg
    gasse weg platz allee ring damm ufer
    đường duong phố pho ngõ ngo hẻm hem xã xa phường phuong quận quan huyện huyen tỉnh tinh
    flat apt apartment suite ste unit bldg edif edificio depto departamento piso interior
    appartamento apartamento bl sc ap et etaj nr
    """.split()
)

_TIME = re.compile(
    r"(?<!\d)\d{1,2}(?::\d{2})?\s?(?:am|pm|a\.m\.|p\.m\.|h)(?![a-z])|(?<!\d)\d{1,2}:\d{2}(?!\d)", re.I
)
_ORDINAL = re.compile(r"\d{1,3}(?:st|nd|rd|th)", re.I)
_WEB = re.compile(r"(?:www|https?)|\.(?:com|org|net|edu|gov)\b|/[^\W\d_]\w*/", re.I)
_PIECE = re.compile(r"[^\W\d_]+|\d+")
_LETTER_PIECE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def _camel_parts(piece: str) -> list[str]:
    """Split a run of letters where its case changes: "ALEXANDREAntoinette" ->
    ALEXANDRE, Antoinette; "ClinicOne" -> Clinic, One; "iPhone" stays whole
    when the first part is a single letter."""
    parts, start = [], 0
    for i in range(1, len(piece)):
        prev, cur = piece[i - 1], piece[i]
        nxt = piece[i + 1] if i + 1 < len(piece) else ""
        if (prev.islower() and cur.isupper()) or (prev.isupper() and cur.isupper() and nxt.islower()):
            if i - start >= 2:
                parts.append(piece[start:i])
                start = i
    parts.append(piece[start:])
    return parts


@functools.lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    label_words = {w.strip(".:#") for p in L.ALL_LABELS + L.HONORIFICS + L.CREDENTIALS for w in p.split()}
    return frozenset(L.SIGN_WORDS | CLINICAL_WORDS | label_words | STREET_WORDS_EN)


# Street words that are also everyday English ("Road", "Court") are safe on
# their own; whole address lines are covered by the line rule in __init__.
STREET_WORDS_EN = frozenset("street road avenue lane drive way court place square terrace circle".split())


@functools.lru_cache(maxsize=1)
def _long_vocabulary() -> dict[int, tuple[str, ...]]:
    by_len: dict[int, list[str]] = {}
    for w in _vocabulary() | frozenset(L.SIGN_WORDS):
        if len(w) >= 6 and w.isalpha():
            by_len.setdefault(len(w), []).append(w)
    return {k: tuple(v) for k, v in by_len.items()}


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one substitution, insertion or deletion."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _near_vocabulary(lower: str) -> bool:
    """A long word one OCR slip away from a vocabulary word ("Extingusher")."""
    if len(lower) < 7:
        return False
    vocab = _long_vocabulary()
    lengths = (len(lower) - 1, len(lower), len(lower) + 1)
    return any(_one_edit(lower, w) for n in lengths for w in vocab.get(n, ()))


@functools.lru_cache(maxsize=65536)
def plain_words(line: Line) -> bool:
    """Every word of the line is an everyday word without digits ("Welcome to your
    room", a whiteboard's heading among the patient's details written under it, a
    sign beside a screen)."""
    words = [w.text.strip(".,:;!?'\"()[]-") for w in line.words]
    return all(w.isalpha() and safe_word(w) for w in words if w)


def safe_word(word: str) -> bool:
    """Is this run of letters safe to leave uncovered without any other context?"""
    lower = word.lower()
    if len(lower) <= 1:
        return True  # a lone letter: initials are found next to names, by names.py
    if lower in _vocabulary():
        return True
    zipf = zipf_frequency(lower, "en")
    cls = name_class(word, signs=False)
    if cls == NameClass.NAME:
        return zipf >= _ALWAYS_COMMON_ZIPF
    if cls == NameClass.RARE:
        first, last = census()
        key = fold(lower)
        if zipf >= _COMMON_ZIPF and lower.isascii() and key not in first and key not in last:
            return True
        return _near_vocabulary(lower) or glued_words(lower)
    if zipf >= _COMMON_ZIPF or cls == NameClass.UNCOMMON:
        return True
    return _near_vocabulary(lower) or glued_words(lower)


def _digit_count(token: str) -> int:
    rest = _TIME.sub(" ", token)
    rest = _ORDINAL.sub(" ", rest)
    return sum(c.isdigit() for c in rest)


@functools.lru_cache(maxsize=65536)
def token_kind(token: str) -> Kind | None:
    """None when an OCR word is safe, else the kind its shape suggests."""
    core = token.strip()
    if not any(c.isalnum() for c in core):
        return None  # punctuation
    if "@" in core and re.search(r"[^\W\d_]", core):
        return Kind.EMAIL
    if _WEB.search(core) and re.search(r"[^\W\d_]{3}", core):
        return Kind.URL
    digits = _digit_count(core)
    letters = _LETTER_PIECE.findall(core)
    if digits > _MAX_SAFE_DIGITS:
        return Kind.ID
    unsafe = False
    for piece in letters:
        parts = _camel_parts(piece)
        if len(parts) == 1:
            unsafe |= not safe_word(piece)
        else:  # glued by the OCR: each part must be a word on its own
            unsafe |= not all(_glued_part_safe(p) for p in parts)
    if not unsafe:
        return None
    return Kind.ID if digits else Kind.NAME


def _glued_part_safe(part: str) -> bool:
    lower = part.lower()
    if lower in _GLUE_SHORT or lower in _vocabulary():
        return True
    if len(lower) == 3:  # "One", "New", "Day"; not "Ene", "Wei"
        return zipf_frequency(lower, "en") >= _GLUE_ZIPF and safe_word(part)
    return len(lower) >= 4 and safe_word(part)


# ", 556 76 Hodkovice", ", 72-812 Gdynia", ", 15225 Sainte Olivie", ", 84771 Pages"
_POSTCODE_AFTER_COMMA = re.compile(r",\s*(?:\d{2,3}[\s\-]\d{2,3}|\d{4,6})\s+[^\W\d_]{3}")


def address_line(words: tuple[str, ...]) -> bool:
    """Does a line read like a street address: a street word and a number, or a
    postcode-like code after a comma?"""
    pieces = [p.lower() for w in words for p in _PIECE.findall(w)]
    has_number = any(p.isdigit() for p in pieces)
    has_street = any(p in STREET_WORDS for p in pieces)
    return (has_number and has_street) or bool(_POSTCODE_AFTER_COMMA.search(" ".join(words)))


_NUMBERISH = re.compile(r"[\d+()\-./,:#]*\d[\d+()\-./,:#]*")


def _number_runs(words: tuple[str, ...]) -> list[tuple[int, int]]:
    """Runs of neighbouring number words holding four digits or more between them
    ("+1 587 740", "05 16 41"): a phone number or date the OCR broke up."""
    runs, k = [], 0
    while k < len(words):
        m = k
        while m < len(words) and _NUMBERISH.fullmatch(words[m]) and not _TIME.fullmatch(words[m]):
            m += 1
        if m - k >= 2 and sum(_digit_count(w) for w in words[k:m]) > _MAX_SAFE_DIGITS:
            runs.append((k, m))
        k = max(m, k + 1)
    return runs


def find(text: Text) -> list[Hit]:
    """One hit per word that is not safe (use on single OCR lines)."""
    hits = []
    is_address = address_line(text.words)
    kinds = [token_kind(w) for w in text.words]
    for a, b in _number_runs(text.words):
        for i in range(a, b):
            kinds[i] = kinds[i] or Kind.ID
    for i, kind in enumerate(kinds):
        if kind is None:
            continue
        if is_address and kind in (Kind.NAME, Kind.ID):
            kind, reason = Kind.ADDRESS, "unknown word on an address line"
        else:
            reason = "unknown word (not common English or known vocabulary)"
        hits.append(Hit(kind, text.starts[i], text.ends[i], 0.5, CLASSIFIER, reason))
    return hits


# Short words that may sit inside a glued run ("Welcometoyourroom").
_GLUE_SHORT = frozenset("a i to of in on at by is it or no we us my do be an as up so if me our am".split())
_GLUE_ZIPF = 4.0


def _glue_piece(lower: str) -> bool:
    if lower in _GLUE_SHORT:
        return True
    if lower in L.SIGN_WORDS or lower in CLINICAL_WORDS:
        # Not a two-letter abbreviation ("ER", "IV", "GI"): they let almost any
        # run of letters be read as words ("MELETSANDER", a name, as "me lets
        # and ER").
        return len(lower) > 2
    if len(lower) < 4:
        return False
    return zipf_frequency(lower, "en") >= _GLUE_ZIPF and name_class(lower, signs=False) in (
        NameClass.WORD,
        NameClass.NAME_WORD,
    )


@functools.lru_cache(maxsize=16384)
def glued_words(word: str) -> bool:
    """True when a run of letters OCR glued together reads as common words only
    ("Welcometoyourroom", "YOURHANDS"): the fewest pieces, each one a common
    English word or a signage word, never a name."""
    lower = word.lower()
    n = len(lower)
    if n < 5 or n > 40:
        return False
    first, last = census()
    if fold(lower) in first or fold(lower) in last:
        return False
    best = [0] + [None] * n  # fewest pieces covering lower[:i]
    for i in range(1, n + 1):
        for j in range(max(0, i - 20), i):
            if best[j] is not None and _glue_piece(lower[j:i]):
                if best[i] is None or best[j] + 1 < best[i]:
                    best[i] = best[j] + 1
    return best[n] is not None and best[n] >= 2


# A line's text against its size: printed text runs at about 1.5-2.5 characters
# per text height. Far fewer means the OCR lost most of what is there (a box
# round a whole address read as "3"); a low score means it may have misread it.
_MIN_CHARS_PER_HEIGHT = 0.7
_MIN_LINE_SCORE = 0.6


def poorly_read(line: Line) -> bool:
    """True when the OCR cannot have read a line's text: what is there is unknown."""
    (ux, uy), _, height = _frame(line.polygon)
    us = [x * ux + y * uy for x, y in line.polygon.points]
    length = max(us) - min(us)
    chars = len(line.text.replace(" ", ""))
    if length <= 0:
        return False
    return chars / (length / height) < _MIN_CHARS_PER_HEIGHT or line.score < _MIN_LINE_SCORE


def line_hit(text: Text) -> Hit:
    """One hit over a whole poorly read line."""
    return Hit(Kind.TEXT, 0, len(text.text), 0.4, CLASSIFIER, "line read poorly, text unknown")
