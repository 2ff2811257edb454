"""The audit report: sign-off, settings and counts in JSON without PHI text, and an
HTML page that embeds thumbnails of the clean exports only."""

from __future__ import annotations

import base64
import io
import json
from html.parser import HTMLParser

import numpy as np
from PIL import Image

from phiscrub.audit import THUMBNAIL_PX, SignOff, build_audit, photo_entries, render_html, write_html
from phiscrub.batch import FileResult, InputFile
from phiscrub.models import Kind
from phiscrub.project import ExportJob, export_gated
from phiscrub.review import PhotoReview
from tests.compliance.conftest import DOB, MRN, NAME, draw


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.srcs.append(dict(attrs)["src"])

    def handle_data(self, data):
        self.text.append(data)


def _decode(src: str) -> np.ndarray:
    assert src.startswith("data:image/jpeg;base64,")
    data = base64.b64decode(src.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def _thumb(path) -> np.ndarray:
    im = Image.open(path).convert("RGB")
    im.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    return np.asarray(im).astype(int)


def _report(card, tmp_path):
    review = PhotoReview.of(
        [card.region(NAME, Kind.NAME), card.region(DOB, Kind.DATE), card.region(MRN, Kind.ID)]
    ).mark_reviewed()
    refused = draw(tmp_path / "ward" / "second.png", lines=("DOE, JANE", DOB))
    jobs = [
        ExportJob.of(card.input, review, tmp_path / "out" / "wristband.png"),
        ExportJob.of(refused.input, PhotoReview.of([refused.region(DOB, Kind.DATE)]), tmp_path / "b.png"),
    ]
    outcomes = list(export_gated(jobs))
    entries = photo_entries(outcomes)
    broken = FileResult(InputFile(tmp_path / "x.jpg", "x.jpg"), "error", error="not an image")
    entries += photo_entries([type(outcomes[0])(broken, None)])
    settings = {"style": "solid", "engine": "rapidocr", "check_me_below": 0.7}
    return build_audit(entries, signoff=SignOff.now("A.B."), settings=settings), outcomes


def test_report_json_has_sign_off_settings_counts_and_no_phi_text(card, tmp_path):
    report, _ = _report(card, tmp_path)
    assert report["tool"] == "phiscrub" and report["version"]
    assert report["reviewer"] == "A.B." and report["signed_at"]
    assert report["settings"]["engine"] == "rapidocr"
    assert report["totals"]["exported"] == 1 and report["totals"]["refused"] == 1
    assert report["totals"]["failed"] == 1 and report["totals"]["covered"] >= 3
    first = report["images"][0]
    assert first["review"]["covered"] == {"date": 1, "id": 1, "name": 1}
    text = json.dumps(report)
    for drawn in ("SMITH", "JOHN", "DOE, JANE", "JANE", "03/14/1962", "00482913"):
        assert drawn not in text


def test_html_embeds_only_thumbnails_of_the_clean_exports(card, tmp_path):
    report, outcomes = _report(card, tmp_path)
    page = write_html(tmp_path / "report.html", report)
    parser = _Images()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    assert len(parser.srcs) == 1  # one export; the refused and the broken photo have none
    shown = _decode(parser.srcs[0])
    clean, original = _thumb(outcomes[0].result.output), _thumb(card.path)
    assert shown.shape == clean.shape
    assert np.abs(shown - clean).mean() < 3  # the clean export, JPEG-encoded
    assert np.abs(shown - original).mean() > 3 * np.abs(shown - clean).mean()
    words = " ".join(parser.text)
    assert "A.B." in words and "not exported" in words
    for drawn in ("SMITH", "JOHN", "JANE", "03/14/1962", "00482913"):
        assert drawn not in page.read_text()


def test_unsigned_report_says_so():
    report = build_audit([], signoff=None, settings={})
    assert report["reviewer"] is None and "not signed off" in render_html(report)
