"""Default deny: words not known to be safe are covered, whole lines when mostly flagged."""

import pytest

from phiscrub.classify import classify
from phiscrub.classify.unknown import glued_words, poorly_read, token_kind
from phiscrub.models import Kind, Line, Polygon, Word

from .conftest import CHAR_W, HEIGHT, covered_words, make_line, make_lines


@pytest.mark.parametrize(
    "token",
    [
        "87.cheminPaulLevy.02988JacquetVille",
        "ALEXANDREAntoinetteOB:",
        "CHRUSZCZTOBIASZ",
        "LorinEne",
        "erWeiB",
        "1/28/55MRN：MR558433Allergies:",
        "Oluwaseun",
        "Szymanowskiego",
    ],
)
def test_glued_rare_and_code_tokens_are_flagged(token):
    assert token_kind(token) is not None


@pytest.mark.parametrize(
    "token",
    [
        "Welcometoyourroom",
        "YOURHANDS",
        "NursesStation",
        "ClinicOne-Unit5North-Patient",
        "Don't",
        "12",
        "4B",
        "7:00",
        "9am",
        "3rd",
        "—",
        "Extingusher",  # one OCR slip from a signage word
        "Nephrology",
        "Mark",  # a census name, but this common in English it needs context
    ],
)
def test_safe_tokens_are_left(token):
    assert token_kind(token) is None


def test_glued_common_words_are_words_but_glued_names_are_not():
    assert glued_words("Authorizedpersonnelonly")
    assert not glued_words("Descamps")
    assert not glued_words("Newman")  # a surname, whatever its parts


def test_a_glued_name_is_not_read_as_words_and_abbreviations():
    # Seed 1025 photo 011's wristband: "MELET SANDER" read without its space.
    # "me lets and ER" would make it words if "ER" counted as one.
    assert not glued_words("MELETSANDER")
    assert token_kind("MELETSANDER") is Kind.NAME
    assert glued_words("Thankyouforwaiting") and glued_words("Iamhere")


@pytest.mark.parametrize(
    "token, kind",
    [("MR558433", Kind.ID), ("Kowalczyk", Kind.NAME), ("jo@x.org", Kind.EMAIL), ("www.abc.org/x", Kind.URL)],
)
def test_kind_comes_from_the_shape(token, kind):
    assert token_kind(token) == kind


@pytest.mark.parametrize(
    "line",
    [
        "Viaduto Manuela Andrade, 86",
        "5, rue de Descamps, 15225 Sainte Olivie",
        "Prolongación Sur Santana 738 Edif. 104",
        "48, Bali Road, Siwan-203009",
        "ulica Szymanowskiego 32/95, 72-812 Gdynia",
        "Olympijská 96, 556 76 Hodkovice nad Mohelkou",
    ],
)
def test_international_address_line_is_covered_whole(line):
    lines = make_lines(line)
    findings = classify(lines)
    assert covered_words(findings, lines) == line.split()
    assert Kind.ADDRESS in {f.kind for f in findings}


def test_glued_name_line_is_covered_whole():
    lines = make_lines("ALEXANDREAntoinetteOB: 1/28/55MRN：MR558433Allergies: PCN")
    assert covered_words(classify(lines), lines) == lines[0].text.split()


def test_mostly_flagged_line_is_covered_end_to_end_with_padding():
    line = make_line("Kowalczyk Wiśniewska de Oliveira")
    findings = classify([line])
    assert covered_words(findings, [line]) == line.text.split()
    box = line.polygon.box
    assert min(f.box.x for f in findings) <= box.x - 0.4 * HEIGHT
    assert max(f.box.x2 for f in findings) >= box.x2 + 0.4 * HEIGHT


def test_neighbouring_flagged_words_of_different_kinds_meet_without_a_gap():
    line = make_line("Kowalczyk MR558433")
    findings = classify([line])
    assert len(findings) == 2
    (a, b) = sorted(findings, key=lambda f: f.box.x)
    assert a.box.x2 >= b.box.x


def test_a_lone_unknown_word_in_a_long_neutral_line_is_covered_alone():
    lines = make_lines("Please remember to wash your hands Kowalczyk")
    assert covered_words(classify(lines), lines) == ["Kowalczyk"]


def test_broken_phone_number_is_covered():
    lines = make_lines("Call +1 587 740 6376 today")
    assert covered_words(classify(lines), lines)[:5] == ["Call", "+1", "587", "740", "6376"]


def test_short_numbers_alone_stay():
    assert classify(make_lines("Room 12 Bed 4")) == []


def _line(text: str, length: float, score: float = 0.9) -> Line:
    quad = Polygon(((0.0, 0.0), (length, 0.0), (length, HEIGHT), (0.0, HEIGHT)))
    return Line((Word(text, quad, score, "test"),), quad, score, "test")


def test_line_whose_box_is_far_too_long_for_its_text_is_covered_whole():
    line = _line("3", 40 * HEIGHT)  # a whole address box read as one character
    assert poorly_read(line)
    (finding,) = classify([line])
    assert finding.kind == Kind.TEXT and finding.box.w >= line.polygon.box.w
    assert "poorly" in finding.reason


def test_well_read_and_confident_line_is_not_poorly_read():
    assert not poorly_read(make_line("Welcome to your room"))
    assert poorly_read(_line("Welcome", 7 * 0.6 * HEIGHT, score=0.3))


def test_reasons_of_unknown_words_hold_no_text():
    lines = make_lines("Kowalczyk MR558433", "5, rue de Descamps, 15225 Sainte Olivie")
    for f in classify(lines):
        assert not any(w.lower() in f.reason.lower() for w in ("kowalczyk", "descamps", "558433", "rue"))


def _table(angle: float = 0.0) -> list[Line]:
    """An EHR list: a header row, two rows of cells, each cell its own OCR line."""
    from .conftest import LINE_GAP

    columns = [("Name", 100.0), ("Phone", 500.0), ("Address", 800.0)]
    rows = [
        ["Will Young", "555 0100", "73 Carr Island"],
        ["Hope White", "555 0199", "Main Street"],
    ]
    lines = [make_line(h, x=x, y=100.0, angle=angle) for h, x in columns]
    for r, cells in enumerate(rows, start=1):
        for (_, x), cell in zip(columns, cells, strict=True):
            lines.append(make_line(cell, x=x, y=100.0 + r * LINE_GAP, angle=angle))
    return lines


@pytest.mark.parametrize("angle", [0, 15, 180])
def test_cells_under_a_table_header_take_its_kind(angle):
    lines = _table(angle)
    findings = classify(lines)
    names = covered_words(findings, lines, Kind.NAME)
    assert all(w in names for w in ["Will", "Young", "Hope", "White"]), names
    addresses = covered_words(findings, lines, Kind.ADDRESS)
    assert all(w in addresses for w in ["73", "Carr", "Island", "Main", "Street"]), addresses
    # (the header cells go with their first value, as any label does)


def test_a_lone_header_word_far_above_text_does_not_reach_it():
    from .conftest import LINE_GAP

    lines = [make_line("Name", y=100.0), make_line("Will Young", y=100.0 + 6 * LINE_GAP)]
    assert classify(lines) == []


def test_address_continues_on_the_next_line():
    lines = make_lines("Address: 73 Carr Island", "Rose Valley")
    expected = ["Address:", "73", "Carr", "Island", "Rose", "Valley"]
    assert covered_words(classify(lines), lines, Kind.ADDRESS) == expected


def test_the_end_of_an_address_read_apart_on_its_row_is_covered():
    # Seed 1025 photo 005: the OCR read the province after a wide gap as a line of its own.
    address = make_line("Via Stefania, 59 Appartamento 4, 46020, Pegognaga")
    tail = make_line("(MN)", x=address.polygon.points[1][0] + 2 * CHAR_W)
    far = make_line("(MN)", x=address.polygon.points[1][0] + 6 * HEIGHT)
    lines = [address, tail, far]
    covered = covered_words(classify(lines), lines, Kind.ADDRESS)
    assert covered.count("(MN)") == 1, covered


def test_line_after_an_address_that_has_its_own_label_is_not_taken_as_address():
    lines = make_lines("Address: 73 Carr Island", "Room: 12")
    assert "Room:" not in covered_words(classify(lines), lines, Kind.ADDRESS)
