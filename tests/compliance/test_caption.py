"""Caption check: the photo classifiers and a phrase list over the text to be posted."""

from __future__ import annotations

import pytest

from phiscrub.caption import check_caption, data_path, load_phrases, load_templates


def _flagged(text: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in check_caption(text).flags:
        out.setdefault(f.kind, set()).add(f.text)
        assert text[f.start : f.end] == f.text
    return out


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("Happy retirement to John Smith after 30 years!", "name", "John Smith"),
        ("Thank you for visiting us today, Mr. Thompson!", "name", "Mr. Thompson"),
        ("Born 03/14/1962 and still going strong", "date", "03/14/1962"),
        ("Discharged on March 3, 2024 after a long stay", "date", "March 3, 2024"),
        ("Chart MRN: 00482913 is ready", "id", "MRN: 00482913"),
        ("Questions? Call 555-201-3344", "phone", "Call 555-201-3344"),
        ("Write to rose.hill@gmail.com", "email", "rose.hill@gmail.com"),
        ("SSN 123-45-6789 on file", "ssn", "SSN 123-45-6789"),
    ],
)
def test_caption_flags_identifiers_with_the_photo_classifiers(text, kind, expected):
    found = _flagged(text)
    assert any(expected in t or t in expected for t in found.get(kind, ())), found


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("So proud of our patient for walking again", "our patient"),
        ("She was treated in our ER last week", "was treated"),
        ("Thank you for visiting us, we loved having you", "Thank you for visiting us"),
        ("Wishing him a speedy recovery after his surgery", "his surgery"),
        ("Our NICU grads came back for a reunion", "Our NICU grads"),
        ("Sorry to hear about your wait. Our records show you came in Tuesday", "Our records show"),
    ],
)
def test_caption_flags_phrases_that_reveal_a_patient(text, phrase):
    phrases = {t.lower() for t in _flagged(text).get("phrase", ())}
    assert phrase.lower() in phrases


@pytest.mark.parametrize(
    "text",
    [
        "Proud of our team for the care and compassion they bring to work every day.",
        "Happy Nurses Week to everyone on 4 West! Cake in the break room at 3 pm.",
        "Thank you for your kind words — our team strives to provide quality care to everyone we serve.",
        "",
    ],
)
def test_clean_text_passes(text):
    check = check_caption(text)
    assert check.clean and check.flags == () and check.suggestions == ()


def test_every_shipped_template_passes_the_check_itself():
    for template in load_templates():
        assert check_caption(template.text).clean, template.key


def test_flagged_text_gets_safe_wording_for_its_kind_of_phrase():
    check = check_caption("Thank you for your visit, Mrs. Alvarez!")
    assert not check.clean
    keys = {t.key for t in check.suggestions}
    assert "thanks-kind-words" in keys
    review = check_caption("We checked your records and the wait was 10 minutes")
    assert "discuss-privately" in {t.key for t in review.suggestions}
    only_name = check_caption("Congratulations Maria Garcia!")
    assert only_name.suggestions and all("general" in t.use_for for t in only_name.suggestions)


def test_templates_and_phrases_are_package_data_and_editable(tmp_path):
    assert data_path("safe_wording.ini").is_file() and data_path("caption_phrases.txt").is_file()
    assert len(load_templates()) >= 4 and len(load_phrases()) >= 10
    mine = tmp_path / "mine.ini"
    mine.write_text("[short]\ntitle = Short\nuse_for = patient\ntext = Thanks!\n", encoding="utf-8")
    phrases = tmp_path / "phrases.txt"
    phrases.write_text("# mine\npatient: best visitor\n", encoding="utf-8")
    check = check_caption(
        "Our best visitor this week", phrases=load_phrases(phrases), templates=load_templates(mine)
    )
    assert [f.kind for f in check.flags] == ["phrase"]
    assert [t.text for t in check.suggestions] == ["Thanks!"]


def test_a_broken_phrase_file_says_which_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("patient: ok\nno category here\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        load_phrases(bad)
