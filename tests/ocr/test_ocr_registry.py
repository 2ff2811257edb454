"""get_engine: names, caching per options, and refusals."""

from __future__ import annotations

import pytest

from phiscrub.ocr import ENGINE_NAMES, EngineUnavailable, OcrEngine, get_engine


def test_engine_names_are_the_three_engines_and_thorough_with_rapidocr_first():
    assert ENGINE_NAMES == ("rapidocr", "easyocr", "tesseract", "thorough")


def test_the_same_name_and_options_give_the_same_engine(rapid):
    assert get_engine("rapidocr") is rapid
    assert get_engine("rapidocr", det_max_side=1280) is get_engine("rapidocr", det_max_side=1280)


def test_different_options_give_a_different_engine(rapid):
    other = get_engine("rapidocr", det_max_side=1280)
    assert other is not rapid
    assert isinstance(other, OcrEngine) and other.name == "rapidocr"


def test_unknown_engine_name_is_a_value_error():
    with pytest.raises(ValueError, match="rapidocr"):
        get_engine("paddle")


def test_unavailable_engine_raises_and_is_not_cached(monkeypatch, tmp_path):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "missing"))
    with pytest.raises(EngineUnavailable):
        get_engine("tesseract", lang="eng")
    monkeypatch.undo()
    try:
        engine = get_engine("tesseract", lang="eng")
    except EngineUnavailable:
        pytest.skip("tesseract-ocr is not installed here")
    assert engine.name == "tesseract"
