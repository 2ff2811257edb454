"""The thorough engine: lines of two engines merged, duplicates dropped."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from phiscrub.models import Polygon
from phiscrub.ocr import EngineUnavailable, clear_cache, get_engine
from phiscrub.ocr.base import split_line
from phiscrub.ocr.combined import CombinedEngine


def box(x: float, y: float, w: float = 200, h: float = 30) -> Polygon:
    return Polygon(((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


class Fake:
    def __init__(self, name: str, lines: list[tuple[str, Polygon]]) -> None:
        self.name = name
        self._lines = [split_line(text, poly, 0.9, name) for text, poly in lines]

    def read(self, image: np.ndarray):
        return list(self._lines)


def combined(*engines: Fake) -> CombinedEngine:
    engine = CombinedEngine.__new__(CombinedEngine)
    engine._engines = list(engines)
    return engine


def test_a_line_only_the_second_engine_read_is_added():
    first = Fake("a", [("Nurses Station", box(0, 0))])
    second = Fake("b", [("Nurses Station", box(2, 1)), ("DOB 03/14/1962", box(0, 300))])
    texts = [line.text for line in combined(first, second).read(np.zeros((10, 10, 3), np.uint8))]
    assert texts == ["Nurses Station", "DOB 03/14/1962"]


def test_a_different_reading_of_the_same_place_is_kept_for_the_classifiers():
    # One engine misreads the name; the other reading is classified too.
    first = Fake("a", [("J0HN SM1TH", box(0, 0))])
    second = Fake("b", [("JOHN SMITH", box(0, 0))])
    texts = [line.text for line in combined(first, second).read(np.zeros((10, 10, 3), np.uint8))]
    assert texts == ["J0HN SM1TH", "JOHN SMITH"]


def test_the_same_text_elsewhere_in_the_photo_is_not_a_duplicate():
    first = Fake("a", [("Room 12", box(0, 0))])
    second = Fake("b", [("Room 12", box(0, 500))])
    assert len(combined(first, second).read(np.zeros((10, 10, 3), np.uint8))) == 2


_EASYOCR = importlib.util.find_spec("easyocr") and importlib.util.find_spec("easyocr_en_models")


@pytest.mark.skipif(bool(_EASYOCR), reason="EasyOCR is installed here")
def test_without_easyocr_the_thorough_mode_says_what_is_missing():
    clear_cache()
    with pytest.raises(EngineUnavailable, match="thorough mode needs easyocr"):
        get_engine("thorough")


@pytest.mark.skipif(not _EASYOCR, reason="EasyOCR is not installed")
def test_the_thorough_engine_builds_through_the_registry_and_reads():
    # get_engine("thorough") builds its parts through get_engine: that once hung on
    # a non-reentrant registry lock, so it is built on a thread with a deadline.
    import threading

    from tests.ocr.ocr_synth import make_card

    clear_cache()
    built: list = []
    thread = threading.Thread(target=lambda: built.append(get_engine("thorough")), daemon=True)
    thread.start()
    thread.join(180)
    assert built, "building the thorough engine hung"
    card, _drawn = make_card(["Patient Margaret Okafor", "MRN 48213377"], 40)
    lines = built[0].read(card)
    engines = {line.engine for line in lines}
    texts = " ".join(line.text for line in lines)
    assert "rapidocr" in engines
    assert "Okafor" in texts and "48213377" in texts
