"""The screen panel around a block of records (phiscrub/screens.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from phiscrub.models import Finding, Kind, Line, Polygon, Word
from phiscrub.screens import panel_around, panels

WALL = (205, 212, 200)
TEXT_H = 20


def _screen(dark: bool, wall=WALL, size=(1200, 1600)) -> np.ndarray:
    """A monitor on a wall: bezel (400, 300)-(1300, 900), panel 20 px inside it,
    rows of print in its upper left part only."""
    image = np.full((*size, 3), wall, np.uint8)
    panel = (30, 31, 34) if dark else (255, 255, 255)
    ink = (215, 218, 222) if dark else (25, 25, 25)
    cv2.rectangle(image, (400, 300), (1300, 900), (28, 28, 30), -1)
    cv2.rectangle(image, (420, 320), (1280, 860), panel, -1)
    cv2.rectangle(image, (420, 425), (1280, 455), (30, 90, 170), -1)  # a highlighted row
    for row in range(6):
        for col in range(3):
            x, y = 440 + col * 150, 340 + row * 30
            cv2.putText(image, "Abc 123", (x, y + TEXT_H), cv2.FONT_HERSHEY_SIMPLEX, 0.6, ink, 2)
    return image


BLOCK = [(430.0, 330.0), (900.0, 330.0), (900.0, 520.0), (430.0, 520.0)]


def _inside(polygon: Polygon, point) -> bool:
    return cv2.pointPolygonTest(np.float32(polygon.points), (float(point[0]), float(point[1])), False) >= 0


@pytest.mark.parametrize("dark", [False, True])
def test_the_whole_panel_is_found_around_a_block(dark):
    panel = panel_around(_screen(dark), BLOCK, TEXT_H)
    assert panel is not None
    # the far columns and the rows below the block, the highlighted one too
    for point in [(1250, 340), (1250, 840), (440, 840), (1250, 440)]:
        assert _inside(panel, point)
    # not the wall around the monitor
    for point in [(380, 600), (1320, 600), (800, 280), (800, 920)]:
        assert not _inside(panel, point)


def test_a_panel_of_the_walls_colour_is_not_taken():
    # A white screen on a white wall: nothing tells the panel from the wall.
    image = _screen(False, wall=(250, 250, 250))
    cv2.rectangle(image, (400, 300), (1300, 900), (250, 250, 250), -1)
    cv2.rectangle(image, (420, 320), (1280, 860), (255, 255, 255), -1)
    assert panel_around(image, BLOCK, TEXT_H) is None


def test_a_board_touching_the_screen_is_not_taken_for_it():
    # A whiteboard of the panel's white touching the screen's side, lower down:
    # the two together are no rectangle.
    image = _screen(False)
    cv2.rectangle(image, (1280, 600), (1560, 1150), (255, 255, 255), -1)
    assert panel_around(image, BLOCK, TEXT_H) is None


def _line(text: str, x: float, y: float) -> Line:
    poly = Polygon.of([(x, y), (x + 100, y), (x + 100, y + TEXT_H), (x, y + TEXT_H)])
    return Line((Word(text, poly, 0.9, "test"),), poly, 0.9, "test")


def test_panels_are_found_for_block_findings_only():
    image = _screen(True)
    lines = [_line("Abc 123", 440 + c * 150, 340 + r * 30) for r in range(6) for c in range(3)]
    block = Finding(Kind.TEXT, Polygon.of(BLOCK), 0.6, "rapidocr+blocks", "rows")
    other = Finding(Kind.NAME, Polygon.of(BLOCK), 0.9, "rapidocr+names", "a name")
    found = panels(image, lines, [block, other])
    assert len(found) == 1
    assert found[0].kind is Kind.TEXT and found[0].detector == "rapidocr+screen"
    assert _inside(found[0].polygon, (1250, 840))
