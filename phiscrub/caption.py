"""Caption check: the text about to be posted with a photo, checked with the same
classifiers as the photos (names, dates, IDs, phones, emails, URLs, SSNs,
addresses) plus a list of phrases that reveal someone is a patient ("our
patient", "was treated", "thank you for visiting"), and safe generic wording
offered instead.

The photo classifiers take OCR `Line`s; here each line of the text becomes a
`Line` of words laid out on a grid (one unit per character, lines one below the
other), so labels and their values join across lines as on a card, and every
flag maps back to a character span of the text. Phrases and templates are
editable data files shipped in the package (`phiscrub/data/`); callers may pass
their own.

Unlike the photo pipeline, this module hands the flagged text back: it is the
user's own caption, shown to them on their screen. Never log it.
"""

from __future__ import annotations

import configparser
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from phiscrub.models import Kind, Line, Polygon, Word

log = logging.getLogger(__name__)

PHRASES_FILE = "caption_phrases.txt"
TEMPLATES_FILE = "safe_wording.ini"
_ENGINE = "caption"
_CHAR, _HEIGHT, _LEADING = 10.0, 10.0, 20.0  # grid: char width, text height, line pitch
_TOKEN = re.compile(r"\S+")
_EDGE_PUNCT = "\"'“”‘’()[]{}<>,.;:!?"


@dataclass(frozen=True)
class Flag:
    """Something in the text that should not be posted: `kind` is a photo kind
    ("name", "date", "id", ...) or "phrase"; `start`/`end` index the text."""

    kind: str
    start: int
    end: int
    text: str
    reason: str
    category: str | None = None  # phrases: patient, care, visit, review


@dataclass(frozen=True)
class Phrase:
    category: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    text: str
    use_for: tuple[str, ...]


@dataclass(frozen=True)
class CaptionCheck:
    text: str
    flags: tuple[Flag, ...]
    suggestions: tuple[Template, ...]

    @property
    def clean(self) -> bool:
        return not self.flags


# ---------------------------------------------------------------------- data files


def data_path(name: str) -> Path:
    """A file shipped in the package's data folder (works installed or from a checkout)."""
    return Path(str(resources.files("phiscrub") / "data" / name))


def load_phrases(path: str | Path | None = None) -> tuple[Phrase, ...]:
    """Phrases from `path` (default: the packaged list): "category: regex" per line."""
    path = Path(path) if path is not None else data_path(PHRASES_FILE)
    phrases = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        category, sep, pattern = line.partition(":")
        if not sep or not pattern.strip():
            raise ValueError(f"{path.name} line {n}: expected 'category: phrase'")
        try:
            rx = re.compile(rf"(?<!\w)(?:{pattern.strip()})(?!\w)", re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"{path.name} line {n}: {exc}") from exc
        phrases.append(Phrase(category.strip().lower(), rx))
    return tuple(phrases)


def load_templates(path: str | Path | None = None) -> tuple[Template, ...]:
    """Safe-wording templates from an INI file (default: the packaged set)."""
    path = Path(path) if path is not None else data_path(TEMPLATES_FILE)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    templates = []
    for key in parser.sections():
        sec = parser[key]
        if "text" not in sec:
            raise ValueError(f"{path.name}: template [{key}] has no text")
        text = " ".join(sec["text"].split())
        use_for = tuple(c.strip().lower() for c in sec.get("use_for", "general").split(",") if c.strip())
        templates.append(Template(key, sec.get("title", key), text, use_for or ("general",)))
    return tuple(templates)


@lru_cache(maxsize=1)
def _default_phrases() -> tuple[Phrase, ...]:
    return load_phrases()


@lru_cache(maxsize=1)
def _default_templates() -> tuple[Template, ...]:
    return load_templates()


# ---------------------------------------------------------------------- text -> lines


def text_lines(text: str) -> tuple[list[Line], dict[tuple[int, int], tuple[int, int]]]:
    """The text as OCR-like Lines on a character grid, and the character span of
    every (line index, word index)."""
    lines: list[Line] = []
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    offset = 0
    for raw in text.splitlines(keepends=True):
        li = len(lines)
        y = li * _LEADING
        words = []
        for m in _TOKEN.finditer(raw):
            x0, x1 = m.start() * _CHAR, m.end() * _CHAR
            quad = Polygon(((x0, y), (x1, y), (x1, y + _HEIGHT), (x0, y + _HEIGHT)))
            spans[(li, len(words))] = (offset + m.start(), offset + m.end())
            words.append(Word(m.group(), quad, 1.0, _ENGINE))
        if words:
            x0, x1 = words[0].polygon.points[0][0], words[-1].polygon.points[1][0]
            quad = Polygon(((x0, y), (x1, y), (x1, y + _HEIGHT), (x0, y + _HEIGHT)))
        else:
            quad = Polygon(((0, y), (_CHAR, y), (_CHAR, y + _HEIGHT), (0, y + _HEIGHT)))
        lines.append(Line(tuple(words), quad, 1.0, _ENGINE))
        offset += len(raw)
    return lines, spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow a span to drop punctuation around it ("Smith," -> "Smith")."""
    while end > start and text[end - 1] in _EDGE_PUNCT:
        end -= 1
    while start < end and text[start] in _EDGE_PUNCT:
        start += 1
    return start, end


def identifier_flags(text: str) -> list[Flag]:
    """What the photo classifiers flag in `text` (names, dates, IDs, ...), as spans."""
    # The classifiers' span finder is the text entry point: it gives the words each
    # match covers before geometry (padding, whole-line cover) is added for photos.
    from phiscrub.classify import _spans as classifier_spans

    lines, spans = text_lines(text)
    flags = []
    for li, found in sorted(classifier_spans(lines).items()):
        for hit, a, b in found:
            start, end = _trim(text, spans[(li, a)][0], spans[(li, b)][1])
            if end <= start:
                continue
            kind = hit.kind.value
            flags.append(Flag(kind, start, end, text[start:end], hit.reason))
    return flags


def identifying_kinds(text: str) -> set[Kind]:
    """The kinds of identifier the classifiers see in a short `text` (e.g. to refuse
    a consent reference that names a person)."""
    return {Kind(f.kind) for f in identifier_flags(text)}


def phrase_flags(text: str, phrases: Sequence[Phrase] | None = None) -> list[Flag]:
    phrases = _default_phrases() if phrases is None else phrases
    flags = []
    for phrase in phrases:
        for m in phrase.pattern.finditer(text):
            start, end = _trim(text, m.start(), m.end())
            if end > start:
                reason = f"phrase that reveals a patient ({phrase.category})"
                flags.append(Flag("phrase", start, end, text[start:end], reason, phrase.category))
    return flags


def _dedupe(flags: list[Flag]) -> tuple[Flag, ...]:
    """Sorted by position; a flag lying inside another of the same kind is dropped."""
    flags.sort(key=lambda f: (f.start, -(f.end - f.start), f.kind))
    kept: list[Flag] = []
    for f in flags:
        if any(k.kind == f.kind and k.start <= f.start and f.end <= k.end for k in kept):
            continue
        kept.append(f)
    return tuple(kept)


def suggest(flags: Sequence[Flag], templates: Sequence[Template] | None = None) -> tuple[Template, ...]:
    """Templates fitting the flagged phrases' categories; the general ones when only
    identifiers were flagged; none for clean text."""
    if not flags:
        return ()
    templates = _default_templates() if templates is None else templates
    wanted = {f.category for f in flags if f.category} or {"general"}
    return tuple(t for t in templates if wanted & set(t.use_for))


def check_caption(
    text: str,
    *,
    phrases: Sequence[Phrase] | None = None,
    templates: Sequence[Template] | None = None,
) -> CaptionCheck:
    """Flag names, dates, IDs and other identifiers (same classifiers as photos) and
    patient-revealing phrases in `text`, and offer safe wording instead."""
    flags = _dedupe(identifier_flags(text) + phrase_flags(text, phrases))
    log.debug("caption check: %d characters, %d flags", len(text), len(flags))
    return CaptionCheck(text, flags, suggest(flags, templates))


def format_check(check: CaptionCheck) -> str:
    """A plain-text account of a check, as the CLI prints it (for the user's own screen)."""
    if check.clean:
        return "No names, dates, IDs or patient-revealing phrases found."
    out = [f"{len(check.flags)} thing{'s' if len(check.flags) != 1 else ''} to fix before posting:"]
    for f in check.flags:
        line = check.text.count("\n", 0, f.start) + 1
        label = "phrase" if f.kind == "phrase" else Kind(f.kind).label.lower()
        out.append(f"  line {line}: {label}: {f.text!r} — {f.reason}")
    if check.suggestions:
        out.append("")
        out.append("Safe wording you could use instead (never confirm that someone is a patient):")
        for t in check.suggestions:
            out.append(f"  [{t.title}] {t.text}")
    return "\n".join(out)
