"""OCR engines behind one interface (`OcrEngine.read(image) -> list[Line]`).

    from phiscrub.ocr import get_engine
    engine = get_engine("rapidocr")          # built once per process, then reused
    lines = engine.read(rgb_array)           # words with polygons in image pixels

Engines import their heavy dependencies (onnxruntime, torch) only when built.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from phiscrub.ocr.base import EngineUnavailable, OcrEngine, split_line

log = logging.getLogger(__name__)

ENGINE_NAMES = ("rapidocr", "easyocr", "tesseract", "thorough")
DEFAULT_ENGINE = "rapidocr"

_cache: dict[tuple, OcrEngine] = {}
_lock = threading.RLock()  # re-entrant: the thorough engine builds its parts through get_engine


def _factory(name: str) -> Callable[..., OcrEngine]:
    if name == "rapidocr":
        from phiscrub.ocr.rapid import RapidOcrEngine

        return RapidOcrEngine
    if name == "easyocr":
        from phiscrub.ocr.easy import EasyOcrEngine

        return EasyOcrEngine
    if name == "tesseract":
        from phiscrub.ocr.tesseract import TesseractEngine

        return TesseractEngine
    if name == "thorough":
        from phiscrub.ocr.combined import CombinedEngine

        return CombinedEngine
    raise ValueError(f"unknown OCR engine {name!r}; choose one of {', '.join(ENGINE_NAMES)}")


def _freeze(value: object) -> object:
    """A hashable stand-in for an option value (lists and dicts become tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set)):
        return tuple(_freeze(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def get_engine(name: str = DEFAULT_ENGINE, **options: object) -> OcrEngine:
    """The engine `name` built with `options`, cached per (name, options) so that
    its models load once per process. Raises EngineUnavailable (the message says
    what to install) when it cannot run here, ValueError for an unknown name."""
    key = (name, _freeze(options))
    engine = _cache.get(key)
    if engine is not None:
        return engine
    factory = _factory(name)
    # One lock for all engines: building two at once would only make both slower.
    with _lock:
        engine = _cache.get(key)
        if engine is None:
            engine = factory(**options)
            _cache[key] = engine
            log.debug("built OCR engine %s", name)
    return engine


def clear_cache() -> None:
    """Forget built engines (tests; freeing model memory)."""
    with _lock:
        _cache.clear()


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINE_NAMES",
    "EngineUnavailable",
    "OcrEngine",
    "clear_cache",
    "get_engine",
    "split_line",
]
