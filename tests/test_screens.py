"""The screen panel around a block of records (phiscrub/screens.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from phiscrub.models import Finding, Kind, Line, Polygon, Word
from phiscrub.screens import cards, dark_screens, panel_around, panels

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


@pytest.mark.parametrize("dark", [False, True])
def test_a_screen_read_only_in_its_left_columns_is_found_in_a_wider_window(dark):
    # Seed 1012 photo 005: the OCR read a dark screen's left columns only, so
    # the block is a seventh of the screen and the panel runs out of the
    # window searched around it.
    narrow = [(430.0, 330.0), (750.0, 330.0), (750.0, 520.0), (430.0, 520.0)]
    assert panel_around(_screen(dark), narrow, TEXT_H) is None
    panel = panel_around(_screen(dark), narrow, TEXT_H, widen=True)
    assert panel is not None
    for point in [(1250, 340), (1250, 840), (440, 840)]:
        assert _inside(panel, point)
    for point in [(380, 600), (1320, 600), (800, 280), (800, 920)]:
        assert not _inside(panel, point)


@pytest.mark.parametrize("widen", [False, True])
def test_a_panel_of_the_walls_colour_is_not_taken(widen):
    # A white screen on a white wall: nothing tells the panel from the wall.
    image = _screen(False, wall=(250, 250, 250))
    cv2.rectangle(image, (400, 300), (1300, 900), (250, 250, 250), -1)
    cv2.rectangle(image, (420, 320), (1280, 860), (255, 255, 255), -1)
    assert panel_around(image, BLOCK, TEXT_H, widen=widen) is None


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


# -- cards: a label or wristband around flagged lines --------------------------

LABEL_H = 16


def _wristband(wall=WALL) -> np.ndarray:
    """A light blue band with a white label (300, 400)-(680, 480) on a wall: three
    rows of small print on its left, a barcode filling its right half."""
    image = np.full((900, 1200, 3), wall, np.uint8)
    cv2.rectangle(image, (200, 415), (800, 465), (235, 215, 190), -1)  # the band
    cv2.rectangle(image, (300, 400), (680, 480), (250, 250, 250), -1)  # the label
    for row, text in enumerate(["Brandusa P. Dobre", "DOB: 26.08.1948", "MRN MR238422"]):
        cv2.putText(image, text, (310, 418 + row * 22), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (40, 40, 50), 1)
    for x in range(500, 660, 28):  # wide bars, wider than the print is high
        cv2.rectangle(image, (x, 405), (x + 24, 475), (0, 0, 0), -1)
    return image


def _flag(kind: Kind, x0: float, y0: float, x1: float, y1: float) -> Finding:
    return Finding(kind, Polygon.of([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]), 0.8, "rapidocr+names", "test")


def _label_line(text: str, x0: float, y0: float, x1: float) -> Line:
    poly = Polygon.of([(x0, y0), (x1, y0), (x1, y0 + LABEL_H), (x0, y0 + LABEL_H)])
    return Line((Word(text, poly, 0.9, "test"),), poly, 0.9, "test")


# The OCR read the name row only from its middle, and the MRN row not at all.
LABEL_LINES = [_label_line("usaP.Dobr", 360, 404, 460), _label_line("26.68.1948", 345, 426, 440)]
LABEL_FLAGS = [_flag(Kind.NAME, 355, 400, 465, 424), _flag(Kind.DATE, 340, 422, 445, 446)]


def test_the_label_around_flagged_rows_is_covered_whole_barcode_and_unread_row_too():
    # One line on it holds nothing flagged (the MRN row read as "MRN"): still a label.
    lines = [*LABEL_LINES, _label_line("MRN", 310, 450, 345)]
    found = cards(_wristband(), lines, LABEL_FLAGS)
    assert len(found) == 1
    card = found[0]
    assert card.kind is Kind.TEXT and card.detector == "rapidocr+card"
    # the first name's start, the MRN row, the barcode: all on the label
    for point in [(305, 405), (310, 470), (510, 440), (675, 475)]:
        assert _inside(card.polygon, point), point
    # not the band beyond the label, not the wall
    for point in [(250, 440), (760, 440), (490, 390), (490, 490)]:
        assert not _inside(card.polygon, point), point


def test_one_flagged_line_is_no_card():
    assert cards(_wristband(), LABEL_LINES, LABEL_FLAGS[:1]) == []


def test_a_panel_holding_two_lines_with_nothing_flagged_is_not_covered_whole():
    # A whiteboard or sign with its heading and a goal beside the flagged values:
    # left to line-by-line cover.
    lines = [*LABEL_LINES, _label_line("MRN", 310, 450, 345), _label_line("Goals", 470, 450, 520)]
    assert cards(_wristband(), lines, LABEL_FLAGS) == []


def test_a_second_reading_of_part_of_a_flagged_row_counts_as_flagged():
    # Seed 23 photo 033: the detector boxed the end of the DOB row again ("A75Y"),
    # a box too small to hold the row's finding's centre, and split "PreiB, Claus"
    # in two; with the name's first half, two lines seemed to hold nothing flagged.
    end_again = _label_line("8.1948", 400, 426, 440)
    lines = [*LABEL_LINES, end_again, _label_line("MRN", 310, 450, 345)]
    found = cards(_wristband(), lines, LABEL_FLAGS)
    assert len(found) == 1
    assert _inside(found[0].polygon, (675, 475))


def test_flagged_lines_on_a_covered_screen_make_no_card():
    outline = Polygon.of([(290, 390), (690, 390), (690, 490), (290, 490)])
    screen = Finding(Kind.TEXT, outline, 0.6, "rapidocr+screen", "")
    assert cards(_wristband(), LABEL_LINES, [*LABEL_FLAGS, screen]) == []


def test_a_large_panel_is_no_card():
    # Print on a white wall: the "card" is the whole wall, and is not taken.
    image = np.full((900, 1200, 3), (250, 250, 250), np.uint8)
    assert cards(image, LABEL_LINES, LABEL_FLAGS) == []


def _unreadable(detector: str, x0: float, y0: float, x1: float, y1: float) -> Finding:
    return Finding(Kind.TEXT, Polygon.of([(x0, y0), (x1, y0), (x1, y1), (x0, y1)]), 0.4, detector, "test")


# Seed 22 photo 027: a motion-blurred label whose name row alone was read. The
# DOB row was read as "SEE" (flagged as a line read poorly), the MRN row boxed
# and not read at all (flagged as unread print beside the name).
BLURRED_LINES = [_label_line("usaP.Dobr", 360, 404, 460), _label_line("SEE", 345, 426, 440)]
BLURRED_FLAGS = [
    _flag(Kind.NAME, 355, 400, 465, 424),
    _unreadable("rapidocr+unknown", 340, 422, 445, 446),
    _unreadable("rapidocr+unread", 305, 446, 420, 470),
]


def test_a_label_whose_rows_could_not_be_read_is_covered_whole_around_its_name():
    assert cards(_wristband(), BLURRED_LINES, BLURRED_FLAGS[:1]) == []  # the name alone
    found = cards(_wristband(), BLURRED_LINES, BLURRED_FLAGS)
    assert len(found) == 1
    assert found[0].detector == "rapidocr+card"
    for point in [(305, 405), (310, 470), (675, 475)]:
        assert _inside(found[0].polygon, point), point
    for point in [(250, 440), (760, 440)]:
        assert not _inside(found[0].polygon, point), point


def test_a_label_of_print_read_poorly_only_is_covered_whole():
    # The name row was not read either: the label's unreadable rows alone.
    found = cards(_wristband(), BLURRED_LINES, BLURRED_FLAGS[1:])
    assert len(found) == 1
    assert _inside(found[0].polygon, (675, 475))


def test_text_flagged_for_other_reasons_joins_no_card():
    # A table's cells (covered whole by `classify`) do not make a card with a name.
    table = _unreadable("rapidocr+tables", 340, 422, 445, 446)
    assert cards(_wristband(), BLURRED_LINES, [BLURRED_FLAGS[0], table]) == []


def test_a_label_found_from_its_phi_is_not_found_again_with_its_unreadable_rows():
    flags = [*LABEL_FLAGS, _unreadable("rapidocr+unread", 305, 446, 420, 470)]
    lines = [*LABEL_LINES, _label_line("MRN", 310, 450, 345)]
    assert len(cards(_wristband(), lines, flags)) == 1


def _screen_in_perspective(dark: bool) -> np.ndarray:
    """A monitor seen from below and to the side: its panel a trapezoid whose top
    edge is 55% of its bottom edge (it fills 0.78 of its smallest rectangle)."""
    image = np.full((1200, 1600, 3), WALL, np.uint8)
    panel = (30, 31, 34) if dark else (255, 255, 255)
    ink = (215, 218, 222) if dark else (25, 25, 25)
    bezel = np.int32([(600, 280), (1100, 280), (1320, 900), (400, 900)])
    inner = np.int32([(615, 300), (1085, 300), (1295, 880), (425, 880)])
    cv2.fillPoly(image, [bezel], (28, 28, 30))
    cv2.fillPoly(image, [inner], panel)
    for row in range(6):
        for col in range(3):
            x, y = 660 + col * 130, 320 + row * 30
            cv2.putText(image, "Abc 12", (x, y + TEXT_H), cv2.FONT_HERSHEY_SIMPLEX, 0.6, ink, 2)
    return image


@pytest.mark.parametrize("dark", [False, True])
def test_a_screen_in_perspective_is_found_whole(dark):
    # Seed 1011 photo 007: a light screen in perspective filled 0.79 of its
    # smallest enclosing rectangle, under the 0.8 that keeps boards out.
    block = [(650.0, 310.0), (1060.0, 310.0), (1060.0, 500.0), (650.0, 500.0)]
    panel = panel_around(_screen_in_perspective(dark), block, TEXT_H)
    assert panel is not None
    for point in [(640, 320), (1060, 320), (1270, 860), (450, 860)]:
        assert _inside(panel, point)
    for point in [(500, 500), (1200, 500), (850, 270), (850, 920)]:
        assert not _inside(panel, point)


def _blurred_screen() -> np.ndarray:
    """Seed 20 photo 030: a small dark EHR across the room, its rows of print a few
    pixels high and blurred past reading."""
    image = _screen(True)
    return cv2.GaussianBlur(image, (0, 0), 2.0)


# Two rows the detector boxed on it and the recogniser could not read.
UNREAD = [Polygon.of([(435, 335), (740, 335), (740, 390), (435, 390)])]


def test_a_dark_screen_with_print_no_reading_came_of_is_covered_whole():
    found = dark_screens(_blurred_screen(), UNREAD, [])
    assert len(found) == 1
    screen = found[0]
    assert screen.kind is Kind.TEXT and screen.detector == "unread+screen"
    for point in [(1250, 340), (1250, 840), (440, 840), (1250, 440)]:
        assert _inside(screen.polygon, point), point
    for point in [(380, 600), (1320, 600), (800, 280), (800, 920)]:
        assert not _inside(screen.polygon, point), point


def test_unread_print_on_a_light_sign_or_barcode_bars_make_no_screen():
    # Unread print on a light screen or sign: left to line-by-line cover.
    assert dark_screens(cv2.GaussianBlur(_screen(False), (0, 0), 2.0), UNREAD, []) == []
    # The detector boxed a barcode's bars as print: the dark "panel" is the bars
    # alone, about the box's size ...
    bars = [Polygon.of([(500, 405), (660, 405), (660, 475), (500, 475)])]
    assert dark_screens(_wristband(), bars, []) == []
    # ... or, boxed in part, many times the box but half of it light.
    image = np.full((900, 1200, 3), 250, np.uint8)
    for x in range(420, 600, 12):
        cv2.rectangle(image, (x, 400), (x + 6, 500), (0, 0, 0), -1)
    part = [Polygon.of([(480, 430), (540, 430), (540, 470), (480, 470)])]
    assert panel_around(image, part[0].points, 40.0, max_growth=40, widen=True) is not None
    assert dark_screens(image, part, []) == []
    # A block of the screen already covered whole is not found twice.
    covered = Finding(
        Kind.TEXT, Polygon.of([(400, 300), (1300, 300), (1300, 900), (400, 900)]), 0.6, "x+screen", ""
    )
    assert dark_screens(_blurred_screen(), UNREAD, [covered]) == []


def test_a_dark_screen_read_cell_by_cell_is_covered_whole_around_its_flagged_cells():
    # Speed seed 1020 photo 011: the OCR read a dark screen's rows cell by cell,
    # each flagged, so no block of records was made; its highlighted row and its
    # title were not read. The flagged cells are a cluster on a dark panel.
    cells = [
        _flag(Kind.NAME, 440, 340, 580, 362),
        _flag(Kind.DATE, 590, 340, 720, 362),
        _flag(Kind.NAME, 440, 370, 580, 392),
        _flag(Kind.PHONE, 590, 370, 720, 392),
    ]
    found = dark_screens(_screen(True), [], cells)
    assert [f.detector for f in found] == ["rapidocr+screen"]
    for point in [(1250, 340), (1250, 840), (440, 840), (1250, 440)]:
        assert _inside(found[0].polygon, point), point
    # The same cells on a light screen: left to the rules for light panels.
    assert dark_screens(_screen(False), [], cells) == []
    # One flagged cell is no cluster.
    assert dark_screens(_screen(True), [], cells[:1]) == []
