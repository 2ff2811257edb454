import pytest

from phiscrub.classify import all_text, classify
from phiscrub.models import Kind, Line, Polygon, Word

from .conftest import HEIGHT, covered_words, covers, make_line, make_lines, perspective_line


@pytest.mark.parametrize("angle", [0, 8, 35, -35, 90, -90, 180])
def test_rotated_entities_are_covered_whole(covered, angle):
    assert covered("DOB: 03/14/ 1962", kind=Kind.DATE, angle=angle) == ["DOB:", "03/14/", "1962"]
    assert covered("SMITH, JOHN A", kind=Kind.NAME, angle=angle) == ["SMITH,", "JOHN", "A"]
    assert covered("MRN: 004 829 13", kind=Kind.ID, angle=angle) == ["MRN:", "004", "829", "13"]


def test_entity_on_a_line_in_perspective_is_covered_whole():
    line = perspective_line("Patient: Oluwaseun Adeyemi DOB 3/14/62")
    findings = classify([line])
    assert covered_words(findings, [line]) == line.text.split()


def test_finding_is_padded_beyond_its_words():
    line = make_line("John Smith")
    (finding,) = classify([line])
    box, words = finding.box, line.polygon.box
    assert box.x <= words.x - 0.1 * HEIGHT and box.x2 >= words.x2 + 0.1 * HEIGHT
    assert box.y <= words.y - 0.1 * HEIGHT and box.y2 >= words.y2 + 0.1 * HEIGHT
    assert box.w < words.w + 2 * HEIGHT  # padded a little, not a lot


def test_label_line_and_value_line_give_one_finding_per_line():
    lines = make_lines("Patient:", "Rose Hill", angle=90)
    findings = [f for f in classify(lines) if f.kind == Kind.NAME]
    assert len(findings) == 2
    assert covered_words(findings, lines) == ["Patient:", "Rose", "Hill"]


def test_value_beside_its_label_in_a_separate_ocr_box_is_found():
    label = make_line("DOB", x=100)
    value = make_line("3/14", x=100 + 5 * 20)
    findings = classify([label, value])
    assert covered_words(findings, [label, value], Kind.DATE) == ["DOB", "3/14"]


def test_value_beside_its_label_wins_over_the_label_below():
    # A whiteboard's column of labels, each with its value written beside it: the
    # label below is nearer than the value, but a bare label is nobody's value.
    labels = make_lines("Patient:", "Room:")
    value = make_line("Bond, Joan", x=100 + 12 * 20)
    lines = [*labels, value]
    assert covered_words(classify(lines), lines, Kind.NAME) == ["Patient:", "Bond,", "Joan"]


def test_a_value_written_a_row_off_its_label_is_covered_when_the_label_took_another():
    # Seed 23 photo 002: a whiteboard's handwritten values run half a row above
    # the printed labels. "DOB:" found the nurse's name 0.5 heights below its
    # midline and took it for its value; its date, 1.0 heights above and read
    # as "C8/L CC3", was left showing.
    dob = make_line("DOB:", x=100, y=100)
    date = make_line("C8/L CC3", x=100 + 8 * 20, y=100 - 1.0 * HEIGHT)
    nurse = make_line("Cencepcin D.", x=100 + 8 * 20, y=100 + 0.5 * HEIGHT)
    lines = [dob, date, nurse]
    assert covered_words(classify(lines), lines, Kind.DATE) == ["C8/L", "CC3"]
    assert covered_words(classify(lines), lines, Kind.NAME) == ["Cencepcin", "D."]
    # A label whose value is no other kind of PHI leaves the rows beside it alone.
    date = make_line("bbl NS", x=100 + 8 * 20, y=100 + 0.2 * HEIGHT)
    goal = make_line("walk today", x=100 + 8 * 20, y=100 - 1.0 * HEIGHT)
    lines = [dob, date, goal]
    assert covered_words(classify(lines), lines) == ["bbl", "NS"]


def _scaled_line(text: str, x: float, y: float, scale: float) -> Line:
    """A line `scale` times the size of make_line's (a value written large by hand)."""
    base = make_line(text, x=0.0, y=0.0)

    def moved(polygon: Polygon) -> Polygon:
        return Polygon(tuple((x + px * scale, y + py * scale) for px, py in polygon.points))

    words = tuple(Word(w.text, moved(w.polygon), w.score, w.engine) for w in base.words)
    return Line(words, moved(base.polygon), base.score, base.engine)


def test_large_handwritten_value_sitting_low_beside_its_label_is_found():
    # The label's midline (y 115) is inside the value's height (95 to 179) though
    # the value's own midline is 22 px lower, more than the label's 0.6 heights.
    label = make_line("DOB:", x=100, y=100)
    value = _scaled_line("04 JAN 1949", x=100 + 6 * 20, y=95, scale=2.8)
    assert covered_words(classify([label, value]), [label, value], Kind.DATE) == ["DOB:", "04", "JAN", "1949"]


def test_a_value_the_detector_split_into_boxes_is_covered_whole():
    # Speed seed 1019 photo 010: "Patient:" on a whiteboard with the name written
    # after it, read as two boxes of different heights, "Angel" and "Ababei"; the
    # second was left uncovered.
    label = make_line("Patient:", x=100, y=100)
    first = make_line("Angel", x=100 + 10 * 20, y=100)
    second = _scaled_line("Ababei", x=100 + 16 * 20, y=92, scale=1.4)
    lines = [label, first, second]
    assert covered_words(classify(lines), lines, Kind.NAME) == ["Patient:", "Angel", "Ababei"]
    # a box far along the line is not part of the value
    far = make_line("Ababei", x=100 + 30 * 20, y=100)
    lines = [label, first, far]
    assert covered_words(classify(lines), lines, Kind.NAME) == ["Patient:", "Angel"]


def test_the_parts_of_a_split_value_are_covered_as_tall_as_the_tallest():
    # The same photo: "Angel" was boxed 60 px high, "Ababei" 90; the first box
    # left out the top of the "A" and the tail of the "g" (75% of it covered).
    label = make_line("Patient:", x=100, y=100)
    first = make_line("Angel", x=100 + 10 * 20, y=100)
    second = _scaled_line("Ababei", x=100 + 16 * 20, y=100 - 0.25 * HEIGHT, scale=1.5)
    (finding,) = [f for f in classify([label, first, second]) if first.polygon.box.x in _xs(f)]
    tall, short = second.polygon.box, first.polygon.box
    assert finding.box.y <= short.y - 0.25 * HEIGHT - 0.2 * tall.h + 0.5
    assert finding.box.y2 >= short.y2 + 0.25 * HEIGHT + 0.2 * tall.h - 0.5
    # a value in one box keeps its own height
    (alone,) = [f for f in classify([label, first]) if first.polygon.box.x in _xs(f)]
    assert alone.box.h < short.h * 1.5


def _xs(finding) -> range:
    return range(int(finding.box.x), int(finding.box.x2) + 1)


def test_value_beside_a_phi_label_is_covered_whatever_the_ocr_read():
    # A handwritten "24 JAN 1998" the OCR read as "bbl NS": it is still the value
    # of the date-of-birth label beside it.
    lines = [make_line("DOB:", x=100), make_line("bbl NS", x=100 + 6 * 20)]
    assert covered_words(classify(lines), lines, Kind.DATE) == ["bbl", "NS"]
    # A label that does not ask for PHI leaves its everyday value alone.
    lines = [make_line("Goals:", x=100), make_line("walk today", x=100 + 8 * 20)]
    assert classify(lines) == []
    # A long value is left to the classifiers.
    lines = [make_line("Patient:", x=100), make_line("is asked to walk the hall today", x=100 + 10 * 20)]
    assert covered_words(classify(lines), lines) == []


def test_label_does_not_reach_a_line_far_away():
    label = make_line("DOB", y=100)
    far = make_line("3/14", y=100 + 10 * HEIGHT)
    assert classify([label, far]) == []


def test_detector_names_engine_and_classifier():
    lines = make_lines("Patient: Rose Hill", "DOB 03/14/1962", "MRN 00482913", "1234 Oak Street")
    detectors = {f.detector for f in classify(lines, engine="rapidocr")}
    assert detectors == {"rapidocr+names", "rapidocr+dates", "rapidocr+ids", "rapidocr+address"}


def test_scores_are_between_zero_and_one():
    lines = make_lines("Patient: Rose Hill DOB 03/14/1962", "Jessica", "555-123-4567", "XXX-XX-1234")
    assert all(0.0 < f.score <= 1.0 for f in classify(lines))


def test_empty_input_gives_no_findings():
    assert classify([]) == []
    assert classify([Line((), Polygon(((0, 0), (1, 0), (1, 1), (0, 1))), 0.5, "x")]) == []


def test_all_text_gives_one_text_finding_per_word_covering_it():
    lines = make_lines("Wash your hands", "Rose Hill", angle=20)
    findings = all_text(lines, engine="tesseract")
    words = [w for line in lines for w in line.words]
    assert len(findings) == len(words) == 5
    assert all(f.kind == Kind.TEXT and f.detector == "tesseract+alltext" for f in findings)
    assert all(covers(f, w) for f, w in zip(findings, words, strict=True))


def test_all_text_also_covers_text_areas_nothing_was_read_from():
    lines = make_lines("Wash your hands", angle=20)
    read = lines[0].words[1].polygon  # an area whose words were read: already covered
    unread = Polygon(((600, 600), (760, 600), (760, 640), (600, 640)))
    findings = all_text(lines, engine="rapidocr", areas=[read, unread])
    assert len(findings) == 3 + 1
    extra = findings[-1]
    assert extra.kind == Kind.TEXT and extra.detector == "rapidocr+alltext"
    assert "could not read" in extra.reason
    # with a margin of 0.3 text heights (40 px high: 12 px) on every side
    assert extra.box.to_list() == [588, 588, 184, 64]


def test_all_text_findings_reach_a_margin_past_their_words():
    (line,) = make_lines("Wash your hands")
    for finding, word in zip(all_text([line]), line.words, strict=True):
        box, inked = finding.box, word.polygon.box
        margin = 0.3 * inked.h
        assert box.x <= inked.x - margin and box.x2 >= inked.x2 + margin
        assert box.y <= inked.y - margin and box.y2 >= inked.y2 + margin


def test_right_after_is_on_the_line_and_within_reach():
    from phiscrub.classify._text import right_after

    assert right_after(dv=0.0, gap=2.0, h=10.0, reach=6)
    assert right_after(dv=5.5, gap=-4.0, h=10.0, reach=6)  # a little inside the line's end
    assert not right_after(dv=0.0, gap=-6.0, h=10.0, reach=6)  # overlapping the line itself
    assert not right_after(dv=0.0, gap=61.0, h=10.0, reach=6)  # beyond reach
    assert not right_after(dv=7.0, gap=2.0, h=10.0, reach=6)  # on another line
    assert right_after(dv=7.0, gap=2.0, h=10.0, reach=6, band=9.0)  # a large value's band
