"""The compliance rules through the real CLI: check-text exit codes, the review gate
for redact, exporting from the app's review project, sign-off in the report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phiscrub import manifest
from phiscrub.cli import main
from phiscrub.models import Kind
from phiscrub.project import Project, save_project
from phiscrub.redact import SOLID_COLOUR
from phiscrub.review import Consent, Decision, PhotoReview
from tests.compliance.conftest import DOB, MRN, NAME, draw, inside

ROOT = Path(__file__).resolve().parents[2]


def _check_text(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "phiscrub", "check-text", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120,
    )


def test_check_text_exit_codes_via_the_real_cli(tmp_path):
    flagged = tmp_path / "caption.txt"
    caption = "Our patient John Smith was treated here on 03/14/2024. MRN 00482913\n"
    flagged.write_text(caption, encoding="utf-8")
    run = _check_text(str(flagged))
    assert run.returncode == 1, run.stderr
    for shown in ("Our patient", "John Smith", "was treated", "03/14/2024", "00482913"):
        assert shown in run.stdout
    assert "our team strives to provide quality care" in run.stdout or "policy" in run.stdout

    clean = _check_text("-", stdin="Proud of our team for the care they bring to work every day.\n")
    assert clean.returncode == 0 and "No names" in clean.stdout

    assert _check_text(str(tmp_path / "missing.txt")).returncode == 2
    assert _check_text().returncode == 2
    assert _check_text("a.txt", "b.txt").returncode == 2


def test_check_text_json_from_stdin():
    run = _check_text("-", "--json", stdin="Thank you for visiting us, Mr. Thompson!")
    assert run.returncode == 1
    data = json.loads(run.stdout)
    assert not data["clean"] and {f["kind"] for f in data["flags"]} >= {"phrase", "name"}
    assert data["suggestions"]


def test_redact_without_review_or_explicit_trust_refuses_and_writes_nothing(card, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["redact", str(card.path), "--out", str(out), "-q"]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "--trust-unreviewed" in err and "--project" in err


def _project(tmp_path, cards, reviews) -> Path:
    project = Project(cards[0].path.parent.resolve())
    for card, review in zip(cards, reviews, strict=True):
        project.put(project.state_for(card.path, width=1000, height=640).with_review(review))
    return save_project(project, tmp_path / "store" / "ward.phiscrub-project.json")


def test_redact_exports_what_the_app_reviewed_and_refuses_the_rest(card, tmp_path, capsys):
    other = draw(card.path.parent / "board.png", lines=("Bed 4", DOB))
    review = PhotoReview.of(
        [card.region(NAME, Kind.FACE), card.region(DOB, Kind.DATE), card.region(MRN, Kind.ID)]
    )
    review = review.decide(0, Decision.CONSENT, Consent("Form 22-114", "2024-05-01")).mark_reviewed()
    unreviewed = PhotoReview.of([other.region(DOB, Kind.DATE)])
    where = _project(tmp_path, [card, other], [review, unreviewed])
    out, report, page = tmp_path / "out", tmp_path / "report.json", tmp_path / "report.html"

    args = ["redact", "--project", str(where), str(card.path.parent), "--out", str(out), "-q"]
    with pytest.raises(SystemExit) as exc:  # a reviewed export is signed off
        main(args)
    assert exc.value.code == 2 and not out.exists()
    code = main([*args, "--reviewer", "K.L.", "--report", str(report), "--audit-html", str(page)])
    assert code == 1  # the unreviewed photo was refused
    assert sorted(p.name for p in out.iterdir()) == [manifest.NAME, "wristband.png"]
    exported = np.asarray(Image.open(out / "wristband.png").convert("RGB"))
    kept = card.boxes[NAME].pad(-12)
    assert np.array_equal(inside(exported, kept), inside(card.pixels, kept))
    assert (inside(exported, card.boxes[MRN]) == SOLID_COLOUR).all()

    data = json.loads(report.read_text())
    assert data["reviewer"] == "K.L." and data["signed_at"] and data["version"]
    assert data["settings"]["review_gate"] == "project" and data["totals"]["refused"] == 1
    by_name = {Path(e["source"]).name: e for e in data["images"]}
    assert by_name["wristband.png"]["review"]["gate"] == "reviewed"
    assert by_name["wristband.png"]["review"]["consents"][0]["reference"] == "Form 22-114"
    assert by_name["board.png"]["output"] is None and "not marked reviewed" in by_name["board.png"]["error"]
    assert "board.png" in capsys.readouterr().err
    assert "K.L." in page.read_text()


def test_trusted_redact_records_that_nobody_reviewed(card, tmp_path):
    out, report = tmp_path / "out", tmp_path / "r.json"
    code = main(["redact", "--trust-unreviewed", "--no-faces", "--no-codes", "-j", "1", str(card.path),
                 "--out", str(out), "--report", str(report), "-q"])
    assert code == 0
    data = json.loads(report.read_text())
    assert data["reviewer"] is None and data["settings"]["trust_unreviewed"] is True
    entry = data["images"][0]
    assert entry["review"]["gate"].startswith("unreviewed") and not entry["review"]["marked_reviewed"]
    text = report.read_text()
    for word in ("SMITH", "JOHN", "03/14/1962", "00482913"):
        assert word not in text
