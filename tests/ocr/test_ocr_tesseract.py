"""Tesseract engine: the real binary on a flat card, and the missing-binary path."""

from __future__ import annotations

import pytest
from ocr_synth import missed, name_card_image

from phiscrub.ocr import EngineUnavailable
from phiscrub.ocr.tesseract import TesseractEngine, lines_from_data


def _engine() -> TesseractEngine:
    try:
        return TesseractEngine()
    except EngineUnavailable:
        pytest.skip("tesseract-ocr is not installed here")


def test_reads_a_flat_card_with_word_boxes_over_the_drawn_words():
    image, drawn = name_card_image(0)
    lines = _engine().read(image)
    # Tesseract boxes hug each word's own ink ("A" has no descender), the drawn
    # boxes span the line's ink, so the bar is lower than for RapidOCR.
    assert missed(lines, drawn, min_cover=0.7) == []
    assert [len(line.words) for line in lines] == [3, 4]  # grouped into Tesseract's lines
    assert all(w.engine == "tesseract" and 0 <= w.score <= 1 for line in lines for w in line.words)


def test_missing_binary_is_engine_unavailable_with_install_hint(monkeypatch, tmp_path):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-such-tesseract"))
    with pytest.raises(EngineUnavailable, match="apt-get install tesseract-ocr"):
        TesseractEngine()


def test_rows_group_by_block_paragraph_line_and_skip_empty_and_layout_rows():
    data = {
        "level": [1, 5, 5, 5, 5, 5],
        "block_num": [0, 1, 1, 1, 1, 2],
        "par_num": [0, 1, 1, 1, 1, 1],
        "line_num": [0, 1, 1, 1, 2, 1],
        "left": [0, 50, 10, 90, 10, 10],
        "top": [0, 10, 10, 10, 40, 80],
        "width": [500, 30, 30, 5, 40, 40],
        "height": [300, 12, 12, 12, 12, 12],
        "conf": [-1, 91, 88.5, 40, "95", -1],
        "text": ["", "JOHN", "SMITH,", "  ", "DOB", "ignored"],
    }
    lines = lines_from_data(data)
    assert [[w.text for w in line.words] for line in lines] == [["SMITH,", "JOHN"], ["DOB"]]
    smith = lines[0].words[0]
    assert smith.polygon.points == ((10.0, 10.0), (40.0, 10.0), (40.0, 22.0), (10.0, 22.0))
    assert smith.score == pytest.approx(0.885)
    assert lines[0].polygon.box.x == 10 and lines[0].polygon.box.x2 == 80
