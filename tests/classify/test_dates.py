import pytest

from phiscrub.models import Kind


@pytest.mark.parametrize(
    "line",
    [
        "03/14/1962",
        "3/14/62",
        "14.03.1962",
        "31/12/2023",
        "2024-03-14",
        "03-14-1962",
        "14 MAR 1962",
        "14 Mar 1962",
        "Mar 14, 1962",
        "March 14th 1962",
        "14-Mar-62",
        "march 14 1962",
        "SEPT 3 2021",
        "1 January 2020",
        "0ctober 2nd 2025",  # O read as a zero
        "5EPT 3 2021",
    ],
)
def test_full_date_is_found_anywhere(covered, line):
    assert covered(line, kind=Kind.DATE) == line.split()


@pytest.mark.parametrize(
    "line",
    ["DOB: 03/14/1962", "DOB:03/14/1962", "D.O.B. 3/14/62", "Date of Birth: 14.03.1962", "Admit 2024-03-14"],
)
def test_date_label_is_covered_with_the_date(covered, line):
    assert covered(line, kind=Kind.DATE) == line.split()


@pytest.mark.parametrize(
    "line", ["D/C 11/24", "DOB 3/14", "Adm: 3/14", "Admitted 11/24", "DOS 12/2", "Surgery 4/5", "Next 3/21"]
)
def test_partial_date_next_to_a_date_label_is_found(covered, line):
    assert covered(line, kind=Kind.DATE) == line.split()


@pytest.mark.parametrize("line", ["DC3/L", "DC 3/2G", "DOB 7/l"])
def test_misread_partial_date_after_a_date_label_is_found(covered, line):
    # handwritten "DC 3/26" read as "DC3/L": the label and a digit before a slash
    assert covered(line, kind=Kind.DATE) == line.split()


@pytest.mark.parametrize("line", ["ZU SUN 1998", "2O JUN 1998", "Mav 2001", "3 0CT 1962"])
def test_year_after_a_misread_month_is_a_date(covered, line):
    assert covered(line, kind=Kind.DATE) == line.split()


@pytest.mark.parametrize("line", ["1/VT/73", "12-Ja-1962", "3.l4.62"])
def test_numeric_date_with_a_misread_part_is_a_date(covered, line):
    assert covered(line, kind=Kind.DATE) == line.split()


@pytest.mark.parametrize("line", ["The 1998 Act", "Est. 1998", "Open 24/7", "1/VT/7", "10/AB/4", "99/VT/73"])
def test_year_after_an_ordinary_word_is_not_a_date(covered, line):
    assert covered(line, kind=Kind.DATE) == []


def test_partial_date_without_label_is_left_alone(covered):
    assert covered("Open 24/7") == []


@pytest.mark.parametrize(
    "line, words",
    [
        ("O3/14/1962", ["O3/14/1962"]),
        ("DOB:O3/l4/1962", ["DOB:O3/l4/1962"]),
        ("03/14/ 1962", ["03/14/", "1962"]),
        ("03/1- 4/1962", ["03/1-", "4/1962"]),
        ("DOB 03/1- 4/1962", ["DOB", "03/1-", "4/1962"]),
        ("03 / 14 / 1962", ["03", "/", "14", "/", "1962"]),
    ],
)
def test_ocr_noise_and_split_dates_are_covered_whole(covered, line, words):
    assert covered(line, kind=Kind.DATE) == words


def test_date_on_line_after_its_label_is_found(covered):
    assert covered("Discharge", "11/24", kind=Kind.DATE) == ["Discharge", "11/24"]


def test_times_and_room_numbers_are_not_dates(covered):
    assert covered("14:30", kind=Kind.DATE) == []
    assert covered("Room 12", kind=Kind.DATE) == []


def test_month_word_without_a_number_is_not_a_date(covered):
    assert covered("May I help you?") == []
    assert covered("March for Babies") == []


@pytest.mark.parametrize(
    "lines",
    [
        ("Discharge: San 9, ZCU5",),  # handwritten "Jan 9, 2025"
        ("Discharge:", "San 9, ZCU5"),
        ("DOB Feh 3",),
        ("San 9, 2025",),
        ("Ju13,1960",),
    ],
)
def test_misread_month_and_day_vouched_for_by_a_label_or_a_year_is_a_date(covered, lines):
    assert covered(*lines, kind=Kind.DATE) == " ".join(lines).split()


@pytest.mark.parametrize("line", ["Surgery Bay 4", "Next: Day 2", "Run 5", "Fan 9, ZCU5", "Visit: Room 5"])
def test_signage_and_unvouched_month_lookalikes_are_not_dates(covered, line):
    assert covered(line, kind=Kind.DATE) == []


@pytest.mark.parametrize("lines", [("Discharge: m/I",), ("Discharge:", "m/I"), ("DOB 3/l4",)])
def test_a_date_labels_whole_value_around_a_slash_is_a_date(covered, lines):
    # handwritten "DC 10/20" read "m/I"
    assert covered(*lines, kind=Kind.DATE) == " ".join(lines).split()


@pytest.mark.parametrize("line", ["Discharge: n/a", "Surgery: s/p appendectomy", "Room m/I"])
def test_slashed_words_not_alone_after_a_date_label_are_not_dates(covered, line):
    assert covered(line, kind=Kind.DATE) == []


@pytest.mark.parametrize(
    "line",
    [
        "Adm: 0ctober2nd 2025",  # "October 2nd", the O a zero and the space lost
        "DOB: Jine 24h161",  # handwritten "June 24th 1961"
        "DOB: Agust 3, 1977",
        "Discharge: Nov3 2O25",
    ],
)
def test_a_date_labels_misread_month_and_numbers_are_a_date(covered, line):
    assert covered(line, kind=Kind.DATE) == line.split()


@pytest.mark.parametrize("line", ["Admit: Ward 3B", "Adm: Bed 4", "Visit: Room 5", "DOB: Jine"])
def test_a_date_label_before_a_word_that_is_no_month_is_not_a_date(covered, line):
    assert covered(line, kind=Kind.DATE) == []
