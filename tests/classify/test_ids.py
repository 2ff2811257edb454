import pytest

from phiscrub.models import Kind


@pytest.mark.parametrize(
    "line",
    [
        "MRN: 00482913",
        "MRN:00482913",
        "MRN00482913",
        "MRN: 004 829 13",
        "Acct # 55512",
        "Account 7731",
        "Pt ID: A-2231",
        "Enc 99812",
        "Encounter: 1234567",
        "ID: 8812345",
        "CSN 1000238",
    ],
)
def test_id_label_and_its_value_are_an_id(covered, line):
    assert covered(line, kind=Kind.ID) == line.split()


@pytest.mark.parametrize("value", ["A00482913", "00482913", "H-123-456", "OO482913", "12345678"])
def test_long_identifier_without_label_is_an_id(covered, value):
    assert value in covered(f"Bed 4 {value}", kind=Kind.ID)
    # beside a longer neutral text only the identifier is covered
    assert covered(f"Please ask at the nursing station {value}", kind=Kind.ID) == [value]


def test_seven_digit_number_without_label_is_covered_as_phone_or_id(covered):
    assert "1234567" in covered("Bed 4 1234567")


def test_short_numbers_without_label_are_not_ids(covered):
    assert covered("Room 12") == []
    assert covered("Bay 3 Bed 14") == []


@pytest.mark.parametrize(
    "line", ["123-45-6789", "123 45 6789", "SSN: 123456789", "SSN 123-45-6789", "XXX-XX-1234", "***-**-1234"]
)
def test_ssn_in_any_usual_form_is_an_ssn(covered, line):
    assert covered(line, kind=Kind.SSN) == line.split()


@pytest.mark.parametrize(
    "line",
    [
        "(555) 123-4567",
        "555-123-4567",
        "555.123.4567",
        "(555) 123-4567 x1234",
        "+44 20 7946 0958",
        "Phone: 555 123 4567",
        "Cell 5551234567",
        "Pager 4567",
        "Call x4567",
    ],
)
def test_phone_number_is_a_phone(covered, line):
    words = covered(line, kind=Kind.PHONE)
    digits = [w for w in line.split() if any(c.isdigit() for c in w)]
    assert all(w in words for w in digits), words


def test_phone_label_is_covered_with_the_number(covered):
    assert covered("Phone: 555 123 4567", kind=Kind.PHONE) == ["Phone:", "555", "123", "4567"]


@pytest.mark.parametrize("line", ["john.doe@gmail.com", "Email: j.smith+ward4@stmarys.org", "r.hill@nhs.net"])
def test_email_is_an_email(covered, line):
    assert covered(line, kind=Kind.EMAIL)[-1] == line.split()[-1]


@pytest.mark.parametrize(
    "line",
    [
        "www.stmarys.org",
        "https://mychart.hospital.org/patient?id=4",
        "http://example.com",
        "mychart.hospital.org/patient",
        "stmarys.org/portal",
        "Visit us at WWW.CITYHEALTH.COM",
    ],
)
def test_web_address_is_a_url(covered, line):
    # the address may take the whole line with it when it is most of the line
    assert line.split()[-1] in covered(line, kind=Kind.URL)


def test_abbreviations_with_dots_are_not_urls(covered):
    assert covered("Pt.Care e.g. Dr.Smith", kind=Kind.URL) == []
