"""The "thorough" engine: RapidOCR and EasyOCR on the same photo, their lines merged.

The two engines miss different text: RapidOCR's PP-OCR detector and EasyOCR's
CRAFT detector were trained on different data and fail on different blur, size
and slant. Every line of the first engine is kept; a line of a later engine is
added unless a line already kept covers most of it *and* reads the same (so a
name one engine misreads and the other reads right is classified from both
readings). It costs the sum of both engines' time: see the engine rows of
docs/BENCHMARKS.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import cv2
import numpy as np

from phiscrub.models import Line
from phiscrub.ocr.base import EngineUnavailable, OcrEngine

log = logging.getLogger(__name__)

NAME = "thorough"
PARTS = ("rapidocr", "easyocr")
# A later engine's line is a duplicate when a kept line with the same text
# covers at least this share of its box.
_SAME_PLACE = 0.5


class CombinedEngine:
    """Runs each engine of `parts` (names, built through `phiscrub.ocr.get_engine`)
    and merges their lines. Raises EngineUnavailable when one of them cannot run."""

    name = NAME

    def __init__(self, *, parts: Sequence[str] = PARTS, threads: int | None = None) -> None:
        from phiscrub.ocr import get_engine

        if len(parts) < 2:
            raise ValueError("a combined engine needs at least two engines")
        engines: list[OcrEngine] = []
        for part in parts:
            options = {"threads": threads} if threads is not None else {}
            try:
                engines.append(get_engine(part, **options))
            except EngineUnavailable as exc:
                raise EngineUnavailable(f"the thorough mode needs {part}: {exc}") from exc
        self._engines = engines

    def read(self, image: np.ndarray) -> list[Line]:
        kept: list[Line] = []
        for engine in self._engines:
            lines = engine.read(image)
            if not kept:
                kept = list(lines)
                continue
            added = [line for line in lines if not _duplicate(line, kept)]
            log.debug("thorough: %s added %d of %d lines", engine.name, len(added), len(lines))
            kept.extend(added)
        return kept


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).casefold()


def _duplicate(line: Line, kept: Sequence[Line]) -> bool:
    text = _norm(line.text)
    pts = np.asarray(line.polygon.points, np.float32)
    area = float(cv2.contourArea(pts))
    if area <= 0:
        return any(_norm(k.text) == text for k in kept)
    for other in kept:
        if _norm(other.text) != text:
            continue
        inter, _ = cv2.intersectConvexConvex(pts, np.asarray(other.polygon.points, np.float32))
        if inter >= _SAME_PLACE * area:
            return True
    return False
