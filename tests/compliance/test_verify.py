"""Verification pass: a deliberately unredacted region is caught in the export."""

from __future__ import annotations

import pytest

from phiscrub.models import Kind
from phiscrub.project import ExportJob, export_gated
from phiscrub.review import Consent, Decision, PhotoReview
from phiscrub.verify import FAST_ENGINES, Verifier, available_engines
from tests.compliance.conftest import DOB, MRN, NAME

pytestmark = pytest.mark.skipif("rapidocr" not in available_engines(), reason="RapidOCR not installed")


def _overlaps(warning, box) -> bool:
    return warning.box.intersection_area(box) > 0.3 * min(warning.box.area, box.area)


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier(["rapidocr"], faces=False, codes=False)


def test_verification_warns_about_a_region_left_unredacted(card, tmp_path, verifier):
    # The name line is left out of the review, as if every detector had missed it.
    review = PhotoReview.of([card.region(DOB, Kind.DATE), card.region(MRN, Kind.ID)]).mark_reviewed()
    (outcome,) = export_gated(
        [ExportJob.of(card.input, review, tmp_path / "out" / "a.png")], verifier=verifier
    )
    check = outcome.verification
    assert check is not None and not check.ok and check.engines == ("rapidocr",)
    assert any(_overlaps(w, card.boxes[NAME]) for w in check.warnings), check.warnings
    assert not any(_overlaps(w, card.boxes[DOB]) or _overlaps(w, card.boxes[MRN]) for w in check.warnings)
    assert "text" not in check.to_json()["warnings"][0]  # kind, box, detector, score only


def test_a_region_kept_by_consent_is_expected_not_a_warning(card, tmp_path, verifier):
    review = PhotoReview.of(
        [card.region(NAME, Kind.NAME), card.region(DOB, Kind.DATE), card.region(MRN, Kind.ID)]
    )
    review = review.decide(0, Decision.CONSENT, Consent("Form 9", "2024-05-01")).mark_reviewed()
    (outcome,) = export_gated([ExportJob.of(card.input, review, tmp_path / "o" / "a.png")], verifier=verifier)
    check = outcome.verification
    assert check.ok and check.expected
    assert check.to_json()["kept_visible_and_seen"] >= 1


def test_fully_covered_export_verifies_clean(card, tmp_path, verifier):
    review = PhotoReview.of([card.region(t, Kind.TEXT) for t in (NAME, DOB, MRN)]).mark_reviewed()
    (outcome,) = export_gated([ExportJob.of(card.input, review, tmp_path / "o" / "a.png")], verifier=verifier)
    assert outcome.verification.ok, outcome.verification.warnings


def test_engines_are_chosen_fast_ones_by_default_in_the_cli_and_missing_ones_skipped():
    assert "easyocr" not in FAST_ENGINES
    v = Verifier(["rapidocr", "no-such-engine"], faces=False, codes=False)
    assert v.engines == ("rapidocr",) and v.skipped == ("no-such-engine",)


def test_verify_reports_an_unreadable_export_instead_of_passing_it(tmp_path, verifier):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    check = verifier.verify(bad)
    assert not check.ok and check.error


def test_seen_inside_picks_the_findings_lying_in_given_regions():
    from phiscrub.models import Box, Region
    from phiscrub.verify import VerifyWarning, seen_inside

    inside = VerifyWarning("name", Box(10, 10, 40, 10), "rapidocr", 0.9)
    half_out = VerifyWarning("date", Box(45, 10, 40, 10), "rapidocr", 0.9)
    elsewhere = VerifyWarning("id", Box(300, 300, 20, 10), "rapidocr", 0.9)
    kept = [Region(kind=Kind.NAME, box=Box(0, 0, 60, 30), redacted=False)]
    assert seen_inside([inside, half_out, elsewhere], kept) == (inside,)
    assert seen_inside([inside], []) == ()
