"""Verification pass: scan an exported (clean) file again with every engine and warn
about anything still detected, before the user posts it.

Each OCR engine reads the export on its own (one engine missing a name the first
scan also missed is exactly what this is for), then the face and code detectors
run once. What lies inside a region the user deliberately kept visible (kept, or
kept by consent) is expected and listed apart; everything else is a warning.
Warnings hold kind, box and detector only, never text.

EasyOCR is thorough but slow on this class of machine (about 48 s per 6 MP photo),
so callers choose the engines: `ALL` available ones by default here, `FAST_ENGINES`
(RapidOCR, Tesseract) by default in the CLI.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from phiscrub.models import Box, Finding, Kind, Region

log = logging.getLogger(__name__)

FAST_ENGINES = ("rapidocr", "tesseract")
#: The OCR engines a verification can run, each reading the export on its own
#: ("thorough" is RapidOCR and EasyOCR together: ask for both instead).
VERIFY_ENGINES = ("rapidocr", "easyocr", "tesseract")
#: A finding with at least this share of its box inside a kept region is expected.
KEPT_OVERLAP = 0.5
#: A finding lying on covered regions is the fill itself (OCR reads solid blocks as
#: badly read text) when less than this share of it is outside them, or when what is
#: outside is blank (grey-level spread below INK_SPREAD).
OUTSIDE_SHARE = 0.05
INK_SPREAD = 10.0


def available_engines(candidates: Sequence[str] | None = None) -> tuple[str, ...]:
    """The OCR engines that can run here (a cheap check: packages, binary; no model load)."""
    from phiscrub.ocr import ENGINE_NAMES

    needs = {
        "rapidocr": lambda: importlib.util.find_spec("rapidocr_onnxruntime") is not None,
        "tesseract": lambda: importlib.util.find_spec("pytesseract") is not None
        and shutil.which("tesseract") is not None,
        "easyocr": lambda: importlib.util.find_spec("easyocr") is not None
        and importlib.util.find_spec("easyocr_en_models") is not None,
    }
    names = ENGINE_NAMES if candidates is None else candidates
    return tuple(n for n in names if n in needs and needs[n]())


@dataclass(frozen=True)
class VerifyWarning:
    """Something a detector still finds in an export."""

    kind: str
    box: Box
    detector: str
    score: float

    @classmethod
    def of(cls, finding: Finding) -> VerifyWarning:
        return cls(finding.kind.value, finding.box, finding.detector, float(finding.score))

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "box": self.box.to_list(), "detector": self.detector,
                "score": round(self.score, 3)}

    def describe(self) -> str:
        x, y, w, h = self.box.to_list()
        return f"{self.detector} still finds a {self.kind} at x={x} y={y} ({w}x{h} px)"


@dataclass(frozen=True)
class Verification:
    """The result of re-scanning one export."""

    engines: tuple[str, ...]
    warnings: tuple[VerifyWarning, ...] = ()
    expected: tuple[VerifyWarning, ...] = ()  # inside regions kept visible on purpose
    on_covered: tuple[VerifyWarning, ...] = ()  # read off the content-free fill, nothing behind it
    skipped: tuple[str, ...] = ()  # engines asked for but unavailable here
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.warnings and self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "engines": list(self.engines),
            "skipped_engines": list(self.skipped),
            "warnings": [w.to_json() for w in self.warnings],
            "kept_visible_and_seen": len(self.expected),
            "seen_on_covered_fill": len(self.on_covered),
            "error": self.error,
        }


def _kind_counts(found: Sequence[VerifyWarning]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(w.kind for w in found).items()))


@dataclass(frozen=True)
class VerificationSummary:
    """What the verification of a photo's last export found, as a review project keeps
    it between sessions: counts by kind only (no boxes, no text). `still_found`: outside
    every region kept visible; `in_kept`: inside regions kept as not PHI; `by_consent`:
    inside regions kept by consent (expected); `failed`: it did not run to the end."""

    engines: tuple[str, ...] = ()
    still_found: tuple[tuple[str, int], ...] = ()
    in_kept: tuple[tuple[str, int], ...] = ()
    by_consent: int = 0
    failed: bool = False

    def __post_init__(self) -> None:
        for pairs in (self.still_found, self.in_kept):
            for kind, count in pairs:
                Kind(kind)  # a kind, never anything read from a photo (ValueError otherwise)
                if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                    raise ValueError("a count of findings is a positive whole number")
        if not isinstance(self.by_consent, int) or self.by_consent < 0:
            raise ValueError("a count of findings is a whole number")
        if not all(isinstance(e, str) for e in self.engines):
            raise ValueError("engines are named by text")

    @classmethod
    def of(cls, verification: Verification, in_kept: Sequence[VerifyWarning] = ()) -> VerificationSummary:
        """The summary of `verification`; `in_kept`: which of its expected findings lie in
        regions kept as not PHI (see `seen_inside`); the other expected ones are by consent."""
        return cls(
            engines=tuple(verification.engines),
            still_found=_kind_counts(verification.warnings),
            in_kept=_kind_counts(in_kept),
            by_consent=len(verification.expected) - len(in_kept),
            failed=verification.error is not None,
        )

    @property
    def clean(self) -> bool:
        return not (self.still_found or self.in_kept or self.failed)

    def to_json(self) -> dict[str, Any]:
        return {
            "engines": list(self.engines),
            "still_found": dict(self.still_found),
            "in_kept": dict(self.in_kept),
            "by_consent": self.by_consent,
            "failed": self.failed,
        }

    @classmethod
    def from_json(cls, data: Any) -> VerificationSummary:
        if not isinstance(data, dict):
            raise ValueError("a verification entry is not an object")

        def counts(key: str) -> tuple[tuple[str, int], ...]:
            raw = data.get(key, {})
            if not isinstance(raw, dict):
                raise ValueError(f"{key} is not an object")
            return tuple(sorted((str(k), v) for k, v in raw.items()))

        engines = data.get("engines", [])
        if not isinstance(engines, list):
            raise ValueError("engines is not a list")
        return cls(
            engines=tuple(engines),
            still_found=counts("still_found"),
            in_kept=counts("in_kept"),
            by_consent=data.get("by_consent", 0),
            failed=bool(data.get("failed", False)),
        )


def _inside_kept(finding: Finding, kept: Sequence[Region]) -> bool:
    box = finding.box
    if box.area <= 0:
        return False
    return any(box.intersection_area(r.box) >= KEPT_OVERLAP * box.area for r in kept)


def seen_inside(found: Sequence[VerifyWarning], regions: Sequence[Region]) -> tuple[VerifyWarning, ...]:
    """The findings among `found` that lie in one of `regions` (by the same overlap
    that makes a finding "expected"): e.g. which of a Verification's `expected`
    findings sit in regions kept as not-PHI rather than kept by consent."""
    return tuple(
        w
        for w in found
        if w.box.area > 0
        and any(w.box.intersection_area(r.box) >= KEPT_OVERLAP * w.box.area for r in regions)
    )


def _on_covered(finding: Finding, covered: np.ndarray, gray: np.ndarray) -> bool:
    """Whether `finding` shows nothing but covered fill: almost all of it lies under
    covered pixels, or what lies outside them is blank."""
    import cv2

    height, width = covered.shape
    x, y, w, h = finding.box.clip(width, height).to_list()
    if w <= 0 or h <= 0:
        return False
    shape = np.zeros((h, w), np.uint8)
    pts = np.round(np.array(finding.polygon.points) - (x, y)).astype(np.int32)
    cv2.fillPoly(shape, [pts], 1)
    inside = shape.astype(bool)
    if not inside.any():
        return False
    outside = inside & ~covered[y : y + h, x : x + w]
    if outside.sum() < OUTSIDE_SHARE * inside.sum():
        return True
    return float(gray[y : y + h, x : x + w][outside].std()) < INK_SPREAD


class Verifier:
    """Re-scans exports. `engines`: OCR engine names, None for every available one.
    Models load on first use and are reused for every later file."""

    def __init__(
        self, engines: Sequence[str] | None = None, *, faces: bool = True, codes: bool = True
    ) -> None:
        wanted = tuple(engines) if engines is not None else available_engines()
        here = set(available_engines(wanted))
        self.engines = tuple(e for e in wanted if e in here)
        self.skipped = tuple(e for e in wanted if e not in here)
        self.faces, self.codes = faces, codes
        self._scanners: list[Any] | None = None

    def _build(self) -> list[Any]:
        from phiscrub.scan import Scanner

        if self._scanners is None:
            scanners = [Scanner(e, faces=False, codes=False) for e in self.engines]
            if self.faces or self.codes:
                scanners.append(Scanner(None, faces=self.faces, codes=self.codes))
            self._scanners = scanners
        return self._scanners

    def verify(self, path: str | Path, regions: Sequence[Region] = ()) -> Verification:
        """Scan the exported file at `path` with every engine. `regions` are those of
        the export: findings inside ones left visible on purpose (redacted=False) are
        expected, and findings read off the covered fill alone are not warnings."""
        from phiscrub.imageio import ImageLoadError, load_image
        from phiscrub.ocr import EngineUnavailable
        from phiscrub.redact import region_mask

        kept = [r for r in regions if not r.redacted]
        try:
            pixels = load_image(path).pixels
        except ImageLoadError as exc:
            return Verification(self.engines, skipped=self.skipped, error=f"cannot re-read the export: {exc}")
        covered = region_mask(pixels.shape[:2], [r for r in regions if r.redacted])
        gray = pixels.mean(axis=2)
        warnings, expected, on_covered, skipped = [], [], [], list(self.skipped)
        for scanner in self._build():
            try:
                findings = scanner.scan(pixels).findings
            except EngineUnavailable:
                skipped.append(scanner.engine_name or "detectors")
                continue
            for f in findings:
                if _inside_kept(f, kept):
                    expected.append(VerifyWarning.of(f))
                elif covered.any() and _on_covered(f, covered, gray):
                    on_covered.append(VerifyWarning.of(f))
                else:
                    warnings.append(VerifyWarning.of(f))
        used = tuple(e for e in self.engines if e not in skipped)
        log.debug("verify %s: %d warnings, %d expected", Path(path).name, len(warnings), len(expected))
        return Verification(used, tuple(warnings), tuple(expected), tuple(on_covered), tuple(skipped))
