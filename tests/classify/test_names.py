import logging

import pytest
from faker import Faker

from phiscrub.classify import classify
from phiscrub.models import Kind

from .conftest import covered_words, make_lines

logger = logging.getLogger(__name__)


def test_lastname_comma_firstname_on_wristband_is_a_name(covered):
    assert covered("SMITH, JOHN A", kind=Kind.NAME) == ["SMITH,", "JOHN", "A"]


def test_a_first_name_that_is_also_a_form_of_address_keeps_the_last_name(covered):
    # speed12 seed 1014 photo 003: "anh" is a Vietnamese form of address, so only
    # the words after it were taken and the family name before the comma was left.
    assert covered("DANG, ANH C", kind=Kind.NAME) == ["DANG,", "ANH", "C"]


def test_glued_lastname_comma_firstname_is_a_name(covered):
    assert covered("GARCIA,MARIA", kind=Kind.NAME) == ["GARCIA,MARIA"]


def test_surnames_that_are_also_words_are_names_in_comma_form(covered):
    assert covered("Hill, Rose", kind=Kind.NAME) == ["Hill,", "Rose"]
    assert covered("YOUNG, GRANT", kind=Kind.NAME) == ["YOUNG,", "GRANT"]


@pytest.mark.parametrize(
    "line, name",
    [
        ("Patient: Rose Hill", ["Rose", "Hill"]),
        ("Pt: White, Hope", ["White,", "Hope"]),
        ("Name:SMITH,JOHN", ["Name:SMITH,JOHN"]),
        ("Resident: Kowalski Agnieszka", ["Kowalski", "Agnieszka"]),
        ("RN: Jessica", ["Jessica"]),
        ("Attending: Priya Raghunathan", ["Priya", "Raghunathan"]),
        ("Emergency Contact: Mohammed Al-Sayed", ["Mohammed", "Al-Sayed"]),
        ("Your nurse today is Young", ["Young"]),
        ("Guardian - Aoife Ní Bhriain", ["Aoife", "Ní", "Bhriain"]),
        ("name: john smith", ["john", "smith"]),
    ],
)
def test_words_after_a_name_label_are_a_name(covered, line, name):
    words = covered(line, kind=Kind.NAME)
    assert all(w in words for w in name), words


def test_name_label_is_covered_with_the_name(covered):
    assert covered("Patient: Rose Hill", kind=Kind.NAME) == ["Patient:", "Rose", "Hill"]


@pytest.mark.parametrize("line", ["Dr. Young", "Mrs. White", "Mr Hill", "Dr. West"])
def test_form_of_address_makes_a_word_a_name(covered, line):
    assert covered(line, kind=Kind.NAME) == line.split()


@pytest.mark.parametrize("line", ["Jane Doe, RN", "Rose Hill RN", "Giulia Esposito, MD"])
def test_capitalised_words_before_a_credential_are_a_name(covered, line):
    assert covered(line, kind=Kind.NAME) == line.split()


@pytest.mark.parametrize(
    "name",
    [
        "John Smith",
        "Nguyen Thi Mai",
        "Oluwaseun Adeyemi",
        "Zhang Wei",
        "Søren Kjær",
        "Priya Raghunathan",
        "José García-López",
        "Aoife Ní Bhriain",
        "Mohammed Al-Sayed",
        "Giulia Esposito",
        "Kowalski Agnieszka",
        "Nguyễn Văn An",
        "Gregory Hall",
        "Jessica M.",
        "J. Smith",
    ],
)
def test_name_without_any_label_is_found(covered, name):
    assert covered(name, kind=Kind.NAME) == name.split()
    assert covered(name.upper(), kind=Kind.NAME) == name.upper().split()


def test_name_inside_a_sentence_is_found_without_the_sentence(covered):
    words = covered("Thank you John Smith for your help", kind=Kind.NAME)
    assert words == ["John", "Smith"]


def test_lone_first_name_on_a_whiteboard_is_found(covered):
    assert covered("Jessica", kind=Kind.NAME) == ["Jessica"]


def test_label_on_its_own_line_names_the_next_line(covered):
    assert covered("Patient:", "Rose Hill", kind=Kind.NAME) == ["Patient:", "Rose", "Hill"]


@pytest.mark.parametrize("line", ["Patient Room", "Nurse Call", "Family Lounge", "Contact Precautions"])
def test_label_word_followed_by_a_sign_word_is_not_a_name(covered, line):
    assert covered(line) == []


LOCALES = ["en_US", "es_ES", "de_DE", "fr_FR", "it_IT", "pl_PL", "vi_VN", "en_IN"]
PER_LOCALE = 500


def _recall(fake: Faker, form: str) -> float:
    hits = 0
    for _ in range(PER_LOCALE):
        first, last = fake.first_name(), fake.last_name()
        text = {
            "plain": f"{first} {last}",
            "wristband": f"{last.upper()}, {first.upper()}",
            "label": f"Patient: {first} {last}",
        }[form]
        lines = make_lines(text)
        words = covered_words(classify(lines), lines, Kind.NAME)
        need = text.split()[1:] if form == "label" else text.split()
        hits += all(w in words for w in need)
    return hits / PER_LOCALE


@pytest.mark.parametrize("locale", LOCALES)
def test_faker_names_recall_per_locale(locale):
    """Each name alone on a line, 500 per locale and form. Measured with seed 1234:
    plain "First Last" 0.988 (en_IN) to 1.000; "LAST, FIRST" 0.996-1.000;
    "Patient: First Last" 0.996-1.000. Misses are names made of English words
    ("Allison Good", "Simon Master") or of label words ("Triveni Date")."""
    fake = Faker(locale)
    fake.seed_instance(1234)
    recall = {form: _recall(fake, form) for form in ("plain", "wristband", "label")}
    logger.info("name recall %s: %s", locale, recall)
    assert recall["plain"] >= 0.98, recall
    assert recall["wristband"] >= 0.99, recall
    assert recall["label"] >= 0.99, recall


@pytest.mark.parametrize("name", ["JohnSmith", "Patient: DeShawn McDonald", "LaToya MacArthur"])
def test_names_with_a_capital_inside_or_run_together_are_still_names(covered, name):
    assert covered(name, kind=Kind.NAME), name
