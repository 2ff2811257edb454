"""Whole EHR tables covered, cells OCR could not read included (classify/tables.py)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from phiscrub.classify import classify, tables
from phiscrub.classify.tables import table_areas
from phiscrub.models import Kind, Line, Polygon, Word

from .conftest import HEIGHT, LINE_GAP, covers, make_line

# Columns of an EHR list: x of each header; rows under Name, MRN and Phone were
# read, the Address column was not (print too small or blurred on the photo).
COLUMNS = {"Name": 100, "MRN": 500, "Phone": 800, "Address": 1150, "Email": 2000}
ROWS = [("Fritz, Evan", "34019917", "552-404-4862"), ("Norris, Ashlee", "43464240", "501-442-4764")]


def ehr_table(angle: float = 0.0):
    lines = [make_line(h, x=x, y=100, angle=angle) for h, x in COLUMNS.items()]
    for r, (name, mrn, phone) in enumerate(ROWS, start=1):
        y = 100 + r * LINE_GAP
        lines += [
            make_line(t, x=x, y=y, angle=angle)
            for t, x in zip((name, mrn, phone), (100, 500, 800), strict=True)
        ]
    return lines


def covered(quad, point) -> bool:
    return cv2.pointPolygonTest(np.float32(quad), (float(point[0]), float(point[1])), False) >= 0


@pytest.mark.parametrize("angle", [0.0, -4.0, 180.0])
def test_the_unread_cells_of_a_table_are_inside_its_area(angle):
    areas = table_areas(ehr_table(angle))
    assert len(areas) == 1
    quad, kinds = areas[0]
    assert set(kinds) >= {"name", "id", "phone", "address", "email"}
    centre = np.array([500.0, 500.0])
    a = np.radians(angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    for x, y in [(1300, 100 + LINE_GAP + HEIGHT / 2), (1300, 100 + 2 * LINE_GAP + HEIGHT / 2), (2050, 100)]:
        assert covered(quad, (np.array([x, y]) - centre) @ rot.T + centre), (x, y)


def test_the_table_area_is_a_finding_of_classify():
    findings = [f for f in classify(ehr_table()) if f.kind is Kind.TEXT]
    assert len(findings) == 1
    assert "table" in findings[0].reason and "Fritz" not in findings[0].reason


def test_a_form_of_stacked_labels_is_not_a_table():
    lines = [
        make_line(t, x=100, y=100 + i * LINE_GAP)
        for i, t in enumerate(["Patient:", "DOB:", "MRN:", "Phone:"])
    ]
    assert table_areas(lines) == []


def test_a_header_row_with_nothing_read_under_it_is_not_enough():
    lines = [make_line(h, x=x, y=100) for h, x in COLUMNS.items()]
    assert table_areas(lines) == []


def test_labels_of_another_size_at_the_same_level_do_not_join_the_row():
    # A whiteboard label level with a screen's header row across the room: twice the size.
    big = make_line("Discharge:", x=-2000, y=100)
    big = type(big)(
        big.words,
        type(big.polygon)(tuple((x, 100 + (y - 100) * 2.2) for x, y in big.polygon.points)),
        0.9,
        "test",
    )
    areas = table_areas([big, *ehr_table()])
    assert len(areas) == 1
    quad, _kinds = areas[0]
    assert min(x for x, _ in quad) > -500


def test_a_screens_address_bar_above_the_header_row_is_inside_its_area():
    # The chart's address bar (a URL with the MRN in it) and the patient's banner
    # sit a row or two above the column headers, in print too small to read.
    quad, _kinds = table_areas(ehr_table())[0]
    assert covered(quad, (300, 100 - 2 * LINE_GAP))
    assert not covered(quad, (300, 100 - 5 * LINE_GAP))


def test_a_form_s_labels_in_a_row_reach_nothing_above_them():
    # A whiteboard turned on its side: its labels "Patient:", "DOB:" stand in a row,
    # with their values under them; a sign above is not part of it.
    labels = [make_line(t, x=x, y=100) for t, x in (("Patient:", 100), ("DOB:", 500), ("MRN:", 800))]
    values = [make_line(t, x=x, y=100 + LINE_GAP) for t, x in (("Rose Hill", 100), ("3/14/62", 500))]
    areas = table_areas(labels + values)
    assert len(areas) == 1
    assert not covered(areas[0][0], (300, 100 - 2 * LINE_GAP))


def test_the_labels_of_two_whiteboards_side_by_side_are_not_one_row():
    # Seed 17 photo 011: two whiteboards turned on their side, their labels level
    # but 30 label heights apart; a welcome sign between them must stay visible.
    far = 100 + 30 * HEIGHT
    lines = [make_line("DOB:", x=100, y=100), make_line("Rose Hill", x=100, y=100 + LINE_GAP)]
    lines += [make_line("Patient:", x=far, y=100), make_line("3/14/62", x=far, y=100 + LINE_GAP)]
    assert table_areas(lines) == []
    # the same labels a value apart are one row of a form
    x2 = 100 + 12 * HEIGHT
    near = [make_line("DOB:", x=100, y=100), make_line("Patient:", x=x2, y=100)]
    near += [make_line("Rose Hill", x=100, y=100 + LINE_GAP), make_line("3/14/62", x=x2, y=100 + LINE_GAP)]
    assert len(table_areas(near)) == 1


def test_a_form_label_level_with_a_header_row_does_not_join_it():
    # A whiteboard's "Patient:" level with a screen's header row across the room.
    label = make_line("Patient:", x=2600, y=100)
    areas = table_areas([label, *ehr_table()])
    assert len(areas) == 1
    assert max(x for x, _ in areas[0][0]) < 2500


def _screen_rows(middle: str):
    # Two columns of a blurred screen, names and record numbers, one cell of the
    # name column read as something else.
    names = ["Lawrence, Jemma", "Hernandez, Veer", middle, "Moralen, Iordan"]
    ids = ["MR0B5131", "MR7715871", "MR6609180", "MR1341179"]
    lines = []
    for i, (name, mrn) in enumerate(zip(names, ids, strict=True)):
        lines += [make_line(name, x=100, y=100 + i * LINE_GAP), make_line(mrn, x=430, y=100 + i * LINE_GAP)]
    return lines, lines[4]


def test_a_misread_line_among_flagged_lines_of_the_same_print_is_covered():
    lines, odd = _screen_rows("ie 043 ao 1o2 ab")
    findings = classify(lines)
    assert any("among flagged lines" in f.reason for f in findings)
    assert all(any(covers(f, w) for f in findings) for w in odd.words)


def test_a_heading_of_everyday_words_among_flagged_lines_is_not_taken_for_a_record():
    lines, odd = _screen_rows("Welcome back all")
    findings = classify(lines)
    line_findings = [f for f in findings if not f.detector.endswith(tables.BLOCKS)]
    assert not any(any(covers(f, w) for f in line_findings) for w in odd.words)


def _ehr_list(rows: int, x: float = 100.0, y: float = 100.0):
    # An EHR list with no header row read: names, record numbers and phones.
    people = [
        ("Lawrence, Jemma", "MR0B5131", "552-404-4862"),
        ("Hernandez, Veer", "MR7715871", "501-442-4764"),
        ("Novak, Alice", "MR6609180", "376-885-6598"),
        ("Moralen, Iordan", "MR1341179", "970-508-9116"),
        ("Russell, Sheila", "MR2287710", "608-234-7450"),
    ]
    lines = []
    for i, (name, mrn, phone) in enumerate(people[:rows]):
        row_y = y + i * LINE_GAP
        lines += [
            make_line(t, x=x + dx, y=row_y) for t, dx in zip((name, mrn, phone), (0, 330, 600), strict=True)
        ]
    return lines


def test_rows_of_flagged_records_are_covered_whole_with_their_unread_cells():
    lines = _ehr_list(4)
    blocks = [f for f in classify(lines) if f.detector.endswith(tables.BLOCKS)]
    assert len(blocks) == 1
    quad = blocks[0].polygon.points
    right = max(p[0] for line in lines for p in line.polygon.points)
    # The email column the OCR never boxed, just right of the phones, stays
    # outside; the banner row above and a highlighted row below are inside.
    assert covered(quad, (150, 100 - LINE_GAP + HEIGHT / 2))
    assert covered(quad, (150, 100 + 4 * LINE_GAP + HEIGHT / 2))
    assert not covered(quad, (right + 2 * HEIGHT, 150))
    assert not covered(quad, (150, 100 - 3 * LINE_GAP))


def test_a_turned_list_is_covered_in_its_own_frame():
    lines = [
        make_line(line.text, x=line.polygon.points[0][0], y=line.polygon.points[0][1], angle=180.0)
        for line in _ehr_list(4)
    ]
    assert [f for f in classify(lines) if f.detector.endswith(tables.BLOCKS)]


def test_a_whiteboards_column_of_values_is_no_block():
    # One value per row beside its label, as on a whiteboard: each line is
    # covered on its own, the board's heading is not.
    lines = [make_line("Welcome to your room", x=100, y=50)]
    for i, (label, value) in enumerate(
        [("Patient:", "Maria Ortiz"), ("DOB:", "03/14/1962"), ("MRN:", "MR0B5131"), ("Doctor:", "Dr. Swift")]
    ):
        lines += [
            make_line(label, x=100, y=100 + i * LINE_GAP),
            make_line(value, x=700, y=100 + i * LINE_GAP),
        ]
    findings = classify(lines)
    assert not [f for f in findings if f.detector.endswith(tables.BLOCKS)]
    assert not any(covers(f, w) for f in findings for w in lines[0].words)


def test_two_rows_are_not_enough_for_a_block():
    assert not tables.record_blocks(_ehr_list(2), set(range(6)))


def _surrounded_pair_by_pair(lines, flagged):
    """`surrounded` as first written, one pair of lines at a time: the reference."""
    from phiscrub.classify._text import _frame
    from phiscrub.classify.tables import _FLAGGED_SHARE, _MIN_NEIGHBOURS, _NEAR

    boxes = [line.polygon.box if line.words else None for line in lines]
    heights = [_frame(line.polygon)[2] if line.words else 0.0 for line in lines]
    out = set()
    for i, box in enumerate(boxes):
        if box is None or i in flagged:
            continue
        near = []
        for j, other in enumerate(boxes):
            if j == i or other is None or not 0.7 < heights[j] / heights[i] < 1.4:
                continue
            dx = max(other.x - (box.x + box.w), box.x - (other.x + other.w), 0.0)
            dy = max(other.y - (box.y + box.h), box.y - (other.y + other.h), 0.0)
            if max(dx, dy) <= _NEAR * heights[i]:
                near.append(j)
        if len(near) >= _MIN_NEIGHBOURS and sum(j in flagged for j in near) >= _FLAGGED_SHARE * len(near):
            out.add(i)
    return out


@pytest.mark.parametrize("seed", range(20))
def test_lines_among_flagged_lines_are_found_as_pair_by_pair(seed):
    from phiscrub.classify.tables import surrounded

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 80))
    lines = []
    for _ in range(n):
        x, y = rng.uniform(0, 1500, 2)
        h, w = float(rng.choice([30, 34, 40, 60])), float(rng.uniform(40, 400))
        # level, or reading downwards (TL, TR, BR, BL turned a quarter turn)
        quad = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
        if rng.random() < 0.3:
            quad = [(x + h, y), (x + h, y + w), (x, y + w), (x, y)]
        polygon = Polygon.of(quad)
        lines.append(Line((Word("x", polygon, 0.9, "t"),), polygon, 0.9, "t"))
    flagged = {i for i in range(n) if rng.random() < 0.7}
    assert set(surrounded(lines, flagged)) == _surrounded_pair_by_pair(lines, flagged)


def misread_header_table(*extra):
    """An EHR list whose header row was read as "Na", "MRN", "Address", "NSS": only
    MRN and Address are headers; the Name column lies left of them and the email
    and SSN columns right of the widest row under them."""
    lines = [
        make_line(h, x=x, y=100) for h, x in (("Na", 100), ("MRN", 500), ("Address", 800), ("NSS", 2000))
    ]
    rows = [("Ojeda, Abigail", "E9878295", "Andador Robles 187", "abigail@outlook.com", "454-69-2907")]
    rows += [("Morar, Amaira", "18810420", "95/08 Gulab Path", "amaira@icloud.com", "530-14-9579")]
    for r, cells in enumerate(rows, start=1):
        y = 100 + r * LINE_GAP
        lines += [make_line(t, x=x, y=y) for t, x in zip(cells, (100, 500, 800, 1400, 2000), strict=True)]
    return lines + list(extra)


def test_cells_of_the_rows_beyond_the_header_cells_read_are_inside_the_area():
    areas = table_areas(misread_header_table())
    assert len(areas) == 1
    quad, _kinds = areas[0]
    for x in (110, 1450, 2050):  # name, email and SSN cells of the second row
        assert covered(quad, (x, 100 + 2 * LINE_GAP + HEIGHT / 2)), x


def test_a_sign_level_with_a_table_and_cells_far_beyond_it_stay_outside():
    sign = make_line("Nurses Station", x=2500, y=100 + LINE_GAP)
    far = make_line("Room 12", x=-1200, y=100 + LINE_GAP)
    quad, _kinds = table_areas(misread_header_table(sign, far))[0]
    assert not covered(quad, (2550, 100 + LINE_GAP + HEIGHT / 2))
    assert not covered(quad, (-1150, 100 + LINE_GAP + HEIGHT / 2))


def _box(x: float, y: float, w: float, h: float = HEIGHT) -> Polygon:
    return Polygon(((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


@pytest.mark.parametrize("angle", [0, 30, 180])
def test_unread_rows_under_a_flagged_name_on_a_label_are_covered(angle):
    # A chart label: the name is read and flagged; the detector boxes the tiny
    # DOB and MRN rows under it, and no reading comes of them.
    name = make_line("RACKHAM SELINA", x=100, y=100, angle=angle)
    rows = [_box(100, 100 + k * LINE_GAP, w) for k, w in ((1, 300), (2, 260), (3, 280))]
    rows = [Polygon(tuple(_turn(p, angle) for p in r.points)) for r in rows]
    findings = classify([name], areas=rows)
    taken = [f for f in findings if f.detector.endswith("+" + tables.UNREAD)]
    assert len(taken) == 3
    for row, finding in zip(rows, taken, strict=True):
        outline = np.float32(finding.polygon.points)
        assert all(cv2.pointPolygonTest(outline, p, False) >= 0 for p in row.points)


def _turn(point, angle):
    a = np.radians(angle)
    x, y = point[0] - 500.0, point[1] - 500.0
    return (500.0 + x * np.cos(a) - y * np.sin(a), 500.0 + x * np.sin(a) + y * np.cos(a))


def test_unread_text_away_from_flagged_lines_or_of_another_size_is_left():
    name = make_line("RACKHAM SELINA", x=100, y=100)
    far = _box(100, 100 + 6 * HEIGHT, 300)  # a gap of rows below
    aside = _box(900, 100 + LINE_GAP, 300)  # under nothing flagged
    big = _box(100, 100 + LINE_GAP, 300, 4 * HEIGHT)  # a sign's lettering
    findings = classify([name], areas=[far, aside, big])
    assert not [f for f in findings if f.detector.endswith("+" + tables.UNREAD)]
    # Nothing flagged: no unread box is covered.
    assert classify([make_line("Welcome")], areas=[_box(100, 100 + LINE_GAP, 300)]) == []
