"""OCR engines behind one interface (`OcrEngine.read(image) -> list[Line]`)."""

from phiscrub.ocr.base import EngineUnavailable, OcrEngine, split_line

__all__ = ["EngineUnavailable", "OcrEngine", "split_line"]
