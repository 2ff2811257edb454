import pytest

from phiscrub.models import Kind


@pytest.mark.parametrize(
    "line",
    [
        "1234 Oak Street",
        "56 W. Elm Ave Apt 4B",
        "900 Martin Luther King Jr Blvd",
        "12 5th Ave",
        "77 SUNSET BLVD SUITE 200",
        "PO Box 123",
        "P.O. Box 4410",
        "Springfield, IL 62704",
        "Springfield IL 62704",
        "Boston, Massachusetts 02115",
        "Portland, OR 97201",
        "Albany, NY",
    ],
)
def test_street_address_and_city_state_zip_are_addresses(covered, line):
    assert covered(line, kind=Kind.ADDRESS) == line.split()


def test_address_label_covers_the_rest_of_the_line(covered):
    assert covered("Address: 4 Rue de la Paix", kind=Kind.ADDRESS) == "Address: 4 Rue de la Paix".split()


def test_address_spread_over_two_lines_is_covered_on_both(covered):
    words = covered("1234 Oak Street", "Springfield, IL 62704", kind=Kind.ADDRESS)
    assert words == "1234 Oak Street Springfield, IL 62704".split()


@pytest.mark.parametrize(
    "line",
    ["Welcome to 4 West", "Room 12", "2 North Tower", "Jane Doe, MD", "Pre-Op, OR", "4 Nurses Station"],
)
def test_ward_names_and_credentials_are_not_addresses(covered, line):
    assert covered(line, kind=Kind.ADDRESS) == []
