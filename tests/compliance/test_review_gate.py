"""The review gate: nothing goes out unreviewed unless explicitly trusted, and
"check me" regions are decided before a photo can be marked reviewed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from phiscrub.models import Kind
from phiscrub.project import ExportJob, Project, export_gated, load_project, save_project
from phiscrub.redact import SOLID_COLOUR
from phiscrub.review import (
    CHECK_ME_BELOW,
    Consent,
    Decision,
    ExportRefused,
    PhotoReview,
    ReviewError,
    require_reviewed,
)
from tests.compliance.conftest import DOB, MRN, NAME, inside


def test_gate_refuses_a_photo_not_marked_reviewed_and_writes_nothing(card, tmp_path):
    review = PhotoReview.of([card.region(NAME, Kind.NAME), card.region(DOB, Kind.DATE)])
    dest = tmp_path / "out" / "wristband.png"
    (outcome,) = export_gated([ExportJob.of(card.input, review, dest)])
    assert outcome.refused and not outcome.result.ok
    assert "not marked reviewed" in outcome.result.error
    assert not dest.exists() and not dest.parent.exists()


def test_gate_refuses_a_job_without_any_review(card, tmp_path):
    dest = tmp_path / "out" / "wristband.png"
    job = ExportJob(card.input, (card.region(NAME, Kind.NAME),), dest)
    (outcome,) = export_gated([job])
    assert outcome.refused and not dest.exists()
    with pytest.raises(ExportRefused):
        require_reviewed(None)


def test_gate_passes_unreviewed_photos_only_when_explicitly_trusted(card, tmp_path):
    review = PhotoReview.of([card.region(NAME, Kind.NAME)])
    dest = tmp_path / "out" / "wristband.png"
    (outcome,) = export_gated([ExportJob.of(card.input, review, dest)], allow_unreviewed=True)
    assert outcome.result.ok and not outcome.refused and dest.is_file()


def test_gate_passes_a_reviewed_photo_and_covers_its_regions(card, tmp_path):
    review = PhotoReview.of([card.region(NAME, Kind.NAME)]).mark_reviewed()
    dest = tmp_path / "out" / "wristband.png"
    (outcome,) = export_gated([ExportJob.of(card.input, review, dest)])
    assert outcome.result.ok
    from PIL import Image

    exported = np.asarray(Image.open(dest).convert("RGB"))
    assert (inside(exported, card.boxes[NAME]) == SOLID_COLOUR).all()


def test_weak_hits_are_check_me_and_block_marking_reviewed_until_decided(card):
    weak = card.region(MRN, Kind.ID, score=CHECK_ME_BELOW - 0.2)
    strong = card.region(NAME, Kind.NAME, score=0.95)
    drawn = card.region(DOB, Kind.MANUAL, score=0.1, detector="manual")
    review = PhotoReview.of([weak, strong, drawn])
    assert review.check_me == (0,)
    assert [i.decision for i in review.items] == [Decision.CHECK, Decision.COVER, Decision.COVER]
    with pytest.raises(ReviewError, match="check me"):
        review.mark_reviewed()
    # until decided, a check-me region is covered, never shown
    assert review.regions()[0].redacted
    decided = review.decide(0, Decision.KEEP)
    assert decided.check_me == () and decided.mark_reviewed().reviewed


def test_check_me_threshold_is_a_setting(card):
    region = card.region(NAME, Kind.NAME, score=0.8)
    assert PhotoReview.of([region]).check_me == ()
    assert PhotoReview.of([region], check_me_below=0.9).check_me == (0,)


def test_any_change_after_marking_reviewed_takes_the_mark_away(card):
    review = PhotoReview.of([card.region(NAME, Kind.NAME)]).mark_reviewed()
    assert review.reviewed
    assert not review.decide(0, Decision.KEEP).reviewed
    assert not review.add(card.region(DOB, Kind.MANUAL)).reviewed
    assert not review.remove(0).reviewed


def test_undecided_photo_is_refused_with_the_reason(card, tmp_path):
    review = PhotoReview.of([card.region(MRN, Kind.ID, score=0.3)])
    (outcome,) = export_gated([ExportJob.of(card.input, review, tmp_path / "o" / "a.png")])
    assert outcome.refused and "check me" in outcome.result.error


def test_project_file_keeps_decisions_consent_and_the_reviewed_mark(card, tmp_path):
    review = PhotoReview.of([card.region(NAME, Kind.FACE), card.region(MRN, Kind.ID, score=0.4)])
    review = review.decide(0, Decision.CONSENT, Consent("Form 22-114", "2024-05-01"))
    review = review.decide(1, Decision.COVER).mark_reviewed()
    project = Project(card.path.parent.resolve())
    state = project.state_for(card.path, width=1000, height=640, found=(), regions=())
    project.put(state.with_review(review))
    where = save_project(project, tmp_path / "store" / "p.json")

    saved = json.loads(where.read_text())["photos"][0]["regions"]
    assert [r["decision"] for r in saved] == ["consent", "cover"]
    assert saved[0]["consent"] == {"reference": "Form 22-114", "date": "2024-05-01"}

    again = load_project(where, card.path.parent).get(card.path).review()
    assert again.reviewed
    assert [i.decision for i in again.items] == [Decision.CONSENT, Decision.COVER]
    assert again.items[0].consent == Consent("Form 22-114", "2024-05-01")


def test_project_saved_reviewed_with_a_check_me_left_is_not_reviewed(card, tmp_path):
    project = Project(card.path.parent.resolve())
    state = project.state_for(
        card.path, regions=(card.region(MRN, Kind.ID),), decisions=(Decision.CHECK,), reviewed=True
    )
    assert not state.review().reviewed


def test_project_saved_before_decisions_existed_still_loads(card, tmp_path):
    """Files the app wrote before this change: the redacted flag decides."""
    project = Project(card.path.parent.resolve())
    regions = (card.region(NAME, Kind.NAME), card.region(DOB, Kind.DATE).with_redacted(False))
    project.put(project.state_for(card.path, regions=regions, reviewed=True))
    where = save_project(project, tmp_path / "p.json")
    assert "decision" not in where.read_text()
    review = load_project(where, card.path.parent).get(card.path).review()
    assert review.reviewed
    assert [i.decision for i in review.items] == [Decision.COVER, Decision.KEEP]
