"""Person names: patients, family, staff.

Rules, from most to least certain:
- a name label or form of address followed by capitalised words
  ("Patient: Rose Hill", "Dr. Young", "RN: Jessica");
- capitalised words followed by a credential ("Jane Doe, RN");
- "LAST, FIRST M" as printed on wristbands ("SMITH, JOHN A", "Zhang, Wei");
- runs of capitalised words whose census and word-frequency evidence adds up
  ("John Smith", "Oluwaseun Adeyemi", "Nguyễn Văn An"), and a lone word that is
  clearly a name ("Jessica").
Signage vocabulary never counts as evidence, so "Wash Your Hands" or "Nurses
Station" stay clear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wordfreq import zipf_frequency

from phiscrub.classify import labels as L
from phiscrub.classify._lexicon import EVIDENCE, NameClass, name_class
from phiscrub.classify._text import Hit, Text
from phiscrub.models import Kind

CLASSIFIER = "names"

_TOKEN = re.compile(
    r"(?P<alpha>[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?)|(?P<num>\d[\w/\-.:]*)|(?P<punct>[^\s\w])"
)
# Words that may sit between a label and the name: "Your nurse today is Jessica".
_FILLERS = frozenset("is today tonight today's todays this shift for am pm day night was will be".split())
# Words that say a role, not a person, before a credential: "Charge RN".
_ROLE_WORDS = frozenset("charge float travel primary agency relief night day your our the on call".split())
_MAX_NAME_WORDS = 5
_CREDENTIALS = frozenset(L.CREDENTIALS)


@dataclass
class _Tok:
    text: str
    start: int
    end: int
    alpha: bool
    label: str | None = None  # "name", "honorific", "credential", "other"

    @property
    def bare(self) -> str:
        return self.text.rstrip(".")

    @property
    def capitalised(self) -> bool:
        return self.alpha and self.text[0].isupper()

    @property
    def initial(self) -> bool:
        return self.alpha and len(self.bare) == 1 and self.text[0].isupper()

    @property
    def particle(self) -> bool:
        return self.alpha and self.text in L.NAME_PARTICLES


def _tokens(text: Text) -> list[_Tok]:
    toks = [
        _Tok(m.group(), m.start(), m.end(), m.lastgroup == "alpha") for m in _TOKEN.finditer(text.text)
    ]
    # mark label words; later families do not overwrite earlier ones
    families = (
        ("honorific", L.HONORIFIC_RE),
        ("name", L.NAME_LABEL_RE),
        ("credential", L.CREDENTIAL_RE),
        ("other", L.DATE_LABEL_RE),
        ("other", L.ID_LABEL_STRONG_RE),
        ("other", L.SSN_LABEL_RE),
        ("other", L.PHONE_LABEL_RE),
        ("other", L.ADDRESS_LABEL_RE),
    )
    for family, regex in families:
        for m in regex.finditer(text.text):
            if family == "credential" and not m.group(1)[0].isupper():
                continue  # "do", "ma", "pa" in running text are words
            for t in toks:
                if t.alpha and t.label is None and m.start(1) <= t.start and t.end <= m.end(1) + 1:
                    t.label = family
    return toks


def _evidence(tok: _Tok) -> float:
    if tok.initial:
        return 0.4
    if tok.particle:
        return 0.3
    return EVIDENCE[name_class(tok.bare)]


def _acceptable_value(tok: _Tok, strong: bool) -> bool:
    """May this word be (part of) a name written after a label or form of address?
    `strong` contexts ("Patient:", "Dr.") take capitalised English words too
    ("Mrs. Hand", "Nurse: Baron"); a bare label ("Resident Council") does not."""
    if not tok.alpha or tok.label in ("name", "other", "credential"):
        return False
    if tok.initial or tok.particle:
        return True
    raw = name_class(tok.bare, signs=False)
    if tok.bare.lower() in L.SIGN_WORDS and raw not in (NameClass.AMBIGUOUS, NameClass.NAME):
        return False  # "Patient Room", "Nurse Call", "Contact Droplet"; not "Dr. Hall"
    if strong:
        return tok.capitalised or raw >= NameClass.AMBIGUOUS
    return tok.capitalised and raw not in (NameClass.WORD, NameClass.NAME_WORD)


def _after_labels(toks: list[_Tok], text: Text) -> list[Hit]:
    hits = []
    for i, tok in enumerate(toks):
        if tok.label not in ("name", "honorific"):
            continue
        if i > 0 and toks[i - 1].label == tok.label and toks[i - 1].end + 1 >= tok.start:
            continue  # inside a multi-word label; handled from its first word
        j = i + 1
        while j < len(toks) and toks[j].label == tok.label and toks[j].start <= toks[j - 1].end + 1:
            j += 1  # rest of a multi-word label ("Emergency Contact")
        while j < len(toks) and (
            toks[j].text in (":", "-", "=", "#")
            or toks[j].label == "honorific"
            or toks[j].text.lower() in _FILLERS
        ):
            j += 1
        gap = text.text[tok.end : toks[j].start] if j < len(toks) else ""
        after_colon = ":" in gap or "=" in gap
        taken = []
        while j < len(toks) and len(taken) < _MAX_NAME_WORDS:
            t = toks[j]
            if t.text == "," and taken and len(taken) == 1:
                j += 1  # "Patient: SMITH, JOHN"
                continue
            if not _acceptable_value(t, after_colon or tok.label == "honorific"):
                break
            taken.append(t)
            j += 1
        while taken and (taken[-1].particle):
            taken.pop()
        if not taken:
            continue
        honorific = tok.label == "honorific"
        reason = "form of address + capitalised words" if honorific else "name label + following words"
        score = 0.9 if honorific or after_colon else 0.75
        hits.append(Hit(Kind.NAME, tok.start, taken[-1].end, score, CLASSIFIER, reason))
    return hits


def _before_credentials(toks: list[_Tok]) -> list[Hit]:
    hits = []
    for i, tok in enumerate(toks):
        is_credential = tok.label == "credential" or (
            tok.text[0].isupper() and tok.bare.lower() in _CREDENTIALS
        )
        if not is_credential or i == 0:
            continue
        j = i - 1
        if toks[j].text == ",":
            j -= 1
        taken = []
        while j >= 0 and len(taken) < 4:
            t = toks[j]
            if not t.capitalised or t.text.lower() in _ROLE_WORDS or not _acceptable_value(t, False):
                break
            taken.append(t)
            j -= 1
        if taken and not all(t.initial for t in taken):
            hits.append(
                Hit(Kind.NAME, taken[-1].start, tok.end, 0.85, CLASSIFIER, "capitalised words + credential")
            )
    return hits


def _last_comma_first(toks: list[_Tok]) -> list[Hit]:
    hits = []
    for i in range(len(toks) - 2):
        a, comma, b = toks[i], toks[i + 1], toks[i + 2]
        # A given name may also be a form of address ("DANG, ANH C": "anh" is one
        # in Vietnamese); after "LAST," it is the first name.
        if comma.text != "," or not (a.capitalised and b.capitalised) or a.label:
            continue
        if b.label and b.label != "honorific":
            continue
        if a.initial or b.initial:
            continue
        strength = EVIDENCE[name_class(a.bare, signs=False)] + EVIDENCE[name_class(b.bare, signs=False)]
        if strength < 0.55:
            continue
        end = b.end
        # a middle name or initial: "SMITH, JOHN A", "Garcia, Maria Luisa"
        for t in toks[i + 3 : i + 5]:
            if t.capitalised and not t.label and (t.initial or _evidence(t) >= 0.5):
                end = t.end
            else:
                break
        hits.append(Hit(Kind.NAME, a.start, end, 0.85, CLASSIFIER, "LAST, FIRST pattern"))
    return hits


def _capitalised_runs(toks: list[_Tok]) -> list[list[_Tok]]:
    runs, run = [], []
    for t in toks:
        inside = bool(run) and t.particle
        # a signage word that is also a real surname ("Hall", "West", "Day") may
        # sit in a run but adds no evidence of its own
        if t.alpha and not t.label and (t.capitalised or inside) and (
            t.initial
            or t.particle
            or name_class(t.bare) != NameClass.SIGN
            or name_class(t.bare, signs=False) >= NameClass.AMBIGUOUS
        ):
            run.append(t)
            continue
        if run:
            runs.append(run)
        run = []
    if run:
        runs.append(run)
    for r in runs:
        while r and r[-1].particle:
            r.pop()
    return [r for r in runs if r]


def _name_like_runs(toks: list[_Tok]) -> list[Hit]:
    hits = []
    for run in _capitalised_runs(toks):
        ev = [_evidence(t) for t in run]
        covered = [False] * len(run)
        for n in range(2, min(len(run), _MAX_NAME_WORDS) + 1):
            for a in range(0, len(run) - n + 1):
                window = ev[a : a + n]
                if sum(window) >= 0.45 * n and not all(run[k].initial for k in range(a, a + n)):
                    for k in range(a, a + n):
                        covered[k] = True
        k = 0
        while k < len(run):
            if not covered[k]:
                k += 1
                continue
            m = k
            while m + 1 < len(run) and covered[m + 1]:
                m += 1
            group = run[k : m + 1]
            census = any(name_class(t.bare) == NameClass.NAME for t in group)
            reason = "census names, capitalised" if census else "rare capitalised words"
            score = 0.8 if census else 0.65
            hits.append(Hit(Kind.NAME, group[0].start, group[-1].end, score, CLASSIFIER, reason))
            k = m + 1
        if len(run) == 1 and not run[0].initial:
            hits.extend(_lone_name(run[0]))
    return hits


def _lone_name(tok: _Tok) -> list[Hit]:
    word = tok.bare
    if len(word) < 3 or name_class(word) != NameClass.NAME:
        return []
    # frequent words that are also common names ("Mark", "John") are left to context
    if zipf_frequency(word.lower(), "en") >= 5.0:
        return []
    return [Hit(Kind.NAME, tok.start, tok.end, 0.5, CLASSIFIER, "census name alone, capitalised")]


def find(text: Text) -> list[Hit]:
    """Names in one line (or a label line joined with its value line)."""
    toks = _tokens(text)
    return _after_labels(toks, text) + _before_credentials(toks) + _last_comma_first(toks) + _name_like_runs(
        toks
    )
