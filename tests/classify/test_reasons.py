import re

from faker import Faker

from phiscrub.classify import classify
from phiscrub.classify.labels import SIGN_WORDS, is_label_word

from .conftest import make_lines

# Words the rules' own descriptions use ("number + street suffix"): an input
# word equal to one of them says nothing about the input.
REASON_VOCABULARY = {"street", "date", "name", "number", "label", "phone", "address", "words", "pattern"}


def _inputs() -> list[str]:
    texts = []
    for locale in ("en_US", "de_DE", "vi_VN"):
        fake = Faker(locale)
        fake.seed_instance(99)
        for _ in range(60):
            first, last = fake.first_name(), fake.last_name()
            texts += [
                f"Patient: {first} {last}",
                f"{last.upper()}, {first.upper()} DOB: {fake.date(pattern='%m/%d/%Y')}",
                f"Dr. {last} MRN {fake.numerify('########')}",
                f"{first} {last}, RN {fake.date(pattern='%d %b %Y')}",
            ]
    fake = Faker("en_US")
    fake.seed_instance(5)
    for _ in range(60):
        texts += [
            fake.street_address(),
            f"{fake.city()}, {fake.state_abbr()} {fake.zipcode()}",
            f"Email: {fake.email()} Phone: {fake.phone_number()}",
            f"SSN {fake.ssn()} www.{fake.domain_name()}",
        ]
    return texts


def test_reasons_never_contain_recognised_text():
    texts = _inputs()
    reasons = set()
    for text in texts:
        findings = classify(make_lines(text))
        assert findings, text
        tokens = {
            t.lower()
            for t in re.findall(r"[^\W_]+", text)
            if len(t) >= 3 and not is_label_word(t) and t.lower() not in SIGN_WORDS | REASON_VOCABULARY
        }
        for f in findings:
            assert not any(c.isdigit() for c in f.reason), f.reason
            leaked = {t for t in tokens if re.search(rf"\b{re.escape(t)}\b", f.reason.lower())}
            assert not leaked, (f.reason, leaked)
            reasons.add(f.reason)
    # reasons are a small fixed vocabulary, not built from what was read
    assert len(reasons) < 40, reasons
