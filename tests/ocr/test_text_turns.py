"""Which way a photo's text stands (phiscrub.ocr.base.text_turns)."""

from __future__ import annotations

import pytest

from phiscrub.models import Line, Polygon, Word
from phiscrub.ocr.base import split_line, text_turns

TEXT = "Please wash your hands before entering this room"  # 41 letters


def line(turns: int, text: str = TEXT, x: float = 500, y: float = 500) -> Line:
    """A line of `text` on a photo turned so that `turns` quarter turns clockwise
    stand it upright; its polygon starts at the first letter's top-left corner."""
    length, height = 20.0 * len(text), 30.0
    level = [(0, 0), (length, 0), (length, height), (0, height)]
    # Turning the photo anticlockwise by `turns` quarter turns: (x, y) -> (y, -x).
    for _ in range(turns):
        level = [(py, -px) for px, py in level]
    return split_line(text, Polygon.of([(x + px, y + py) for px, py in level]), 0.9, "test")


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_the_way_most_text_stands_is_the_photos_turn(turns):
    assert text_turns([line(turns), line(turns, "Room 12")]) == turns


def test_a_little_text_says_nothing():
    assert text_turns([line(1, "EXIT")]) == 0


def test_text_standing_two_ways_says_nothing():
    assert text_turns([line(1), line(0), line(1, "Nurses Station")]) == 0


def test_a_tilted_photo_rounds_to_the_nearest_quarter_turn():
    tilted = Line(
        (Word(TEXT, Polygon.of([(0, 0), (60, 700), (30, 702), (-30, 2)]), 0.9, "t"),),
        Polygon.of([(0, 0), (60, 700), (30, 702), (-30, 2)]),
        0.9,
        "t",
    )
    assert text_turns([tilted]) == 3  # runs down, 5 degrees off: turned a quarter turn clockwise


def test_no_text_no_turn():
    assert text_turns([]) == 0
