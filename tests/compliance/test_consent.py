"""Consent exceptions: a region kept because consent is on file stays visible in the
export, and the report records the form reference, never the person's name."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from phiscrub.audit import SignOff, build_audit, photo_entries, render_html
from phiscrub.models import Kind
from phiscrub.project import ExportJob, export_gated
from phiscrub.redact import SOLID_COLOUR
from phiscrub.review import Consent, ConsentError, Decision, PhotoReview, ReviewError
from tests.compliance.conftest import DOB, MRN, NAME, inside


def _export(card, tmp_path):
    # The "name" line stands in for a face whose owner signed a consent form.
    review = PhotoReview.of(
        [card.region(NAME, Kind.FACE), card.region(DOB, Kind.DATE), card.region(MRN, Kind.ID)]
    )
    review = review.decide(0, Decision.CONSENT, Consent("Form 22-114", "2024-05-01")).mark_reviewed()
    dest = tmp_path / "out" / "wristband.png"
    outcomes = list(export_gated([ExportJob.of(card.input, review, dest)]))
    return outcomes, dest


def test_region_kept_by_consent_stays_visible_the_rest_is_covered(card, tmp_path):
    (outcome,), dest = _export(card, tmp_path)
    assert outcome.result.ok
    exported = np.asarray(Image.open(dest).convert("RGB"))
    kept = card.boxes[NAME].pad(-12)  # clear of the block-grid padding of the covered neighbours
    assert np.array_equal(inside(exported, kept), inside(card.pixels, kept))
    for text in (DOB, MRN):
        assert (inside(exported, card.boxes[text]) == SOLID_COLOUR).all()


def test_report_records_the_consent_reference_and_counts_but_no_name(card, tmp_path):
    outcomes, _ = _export(card, tmp_path)
    report = build_audit(photo_entries(outcomes), signoff=SignOff.now("RN K.L."), settings={"style": "solid"})
    entry = report["images"][0]
    assert entry["review"]["gate"] == "reviewed"
    assert entry["review"]["kept_by_consent"] == {"face": 1}
    assert entry["review"]["covered"] == {"date": 1, "id": 1}
    (consent,) = entry["review"]["consents"]
    assert consent["reference"] == "Form 22-114" and consent["date"] == "2024-05-01"
    assert consent["kind"] == "face" and len(consent["box"]) == 4
    assert [r["decision"] for r in entry["regions"]] == ["consent", "cover", "cover"]
    assert [r["redacted"] for r in entry["regions"]] == [False, True, True]
    text = json.dumps(report) + render_html(report)
    for word in ("SMITH", "JOHN", "03/14/1962", "00482913"):
        assert word not in text
    assert "Form 22-114" in render_html(report)


@pytest.mark.parametrize(
    "reference", ["John Smith", "Jane Doe consent", "jane.doe@example.org", "555-201-3344"]
)
def test_a_consent_reference_that_names_or_reaches_a_person_is_refused(reference):
    with pytest.raises(ConsentError):
        Consent(reference, "2024-05-01")


@pytest.mark.parametrize("reference", ["Form 22-114", "CF-2024-0117", "MR-7781", "consent form 7"])
def test_form_numbers_are_accepted(reference):
    assert Consent(reference).reference == reference


def test_consent_needs_a_reference_and_an_iso_date():
    with pytest.raises(ConsentError):
        Consent("   ")
    with pytest.raises(ConsentError):
        Consent("Form 1", "05/01/2024")


def test_keeping_by_consent_without_a_reference_is_refused(card):
    review = PhotoReview.of([card.region(NAME, Kind.FACE)])
    with pytest.raises(ReviewError):
        review.decide(0, Decision.CONSENT)
