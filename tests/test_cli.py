"""The CLI end to end, as a user runs it, on a folder with one corrupt file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phiscrub.cli import main
from tests.conftest import draw_card

PHI_LINES = ["SMITH, JOHN A", "DOB: 03/14/1962", "MRN: 00482913"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def ward(tmp_path: Path) -> Path:
    folder = tmp_path / "ward party"
    (folder / "sub").mkdir(parents=True)
    Image.fromarray(draw_card(PHI_LINES)).save(folder / "wristband.jpg", quality=95)
    Image.fromarray(draw_card(["WASH YOUR HANDS"])).save(folder / "sub" / "sign.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    return folder


def test_redact_folder_exports_clean_copies_reports_the_bad_file_and_exits_1(ward, tmp_path, capsys):
    before = {p: _digest(p) for p in ward.rglob("*") if p.is_file()}
    out, report = tmp_path / "clean", tmp_path / "report.json"
    code = main(
        ["redact", "--trust-unreviewed", str(ward), "--recursive", "--out", str(out)]
        + ["--report", str(report), "-q"]
    )
    assert code == 1
    data = json.loads(report.read_text())
    assert data["tool"] == "phiscrub"
    by_name = {Path(e["source"]).name: e for e in data["images"]}
    assert set(by_name) == {"wristband.jpg", "sign.png", "broken.jpg"}
    assert by_name["broken.jpg"]["status"] == "error" and by_name["broken.jpg"]["error"]
    assert by_name["broken.jpg"]["output"] is None
    band = by_name["wristband.jpg"]
    assert band["status"] == "ok" and band["error"] is None
    kinds = {r["kind"] for r in band["regions"]}
    assert {"name", "date", "id"} <= kinds
    for region in band["regions"]:
        assert len(region["box"]) == 4 and region["redacted"] is True
    assert Path(band["output"]).is_file() and Path(band["output"]).parent == out
    # the subfolder is mirrored, not flattened
    assert Path(by_name["sign.png"]["output"]).parent == out / "sub"
    # originals untouched
    assert before == {p: _digest(p) for p in ward.rglob("*") if p.is_file()}
    # the report never holds the recognised text
    text = report.read_text()
    for word in ("SMITH", "JOHN", "03/14/1962", "00482913"):
        assert word not in text
    assert "broken.jpg" in capsys.readouterr().err


def test_redacted_export_has_the_phi_covered(ward, tmp_path):
    out = tmp_path / "clean"
    main(["redact", "--trust-unreviewed", str(ward / "wristband.jpg"), "--out", str(out), "-q"])
    exported = np.asarray(Image.open(out / "wristband.jpg").convert("RGB")).astype(int)
    original = draw_card(PHI_LINES).astype(int)
    assert exported.shape == original.shape
    # the card's dark text pixels are gone: nothing near-black remains as thin strokes on the card
    changed = np.abs(exported - original).sum(axis=2) > 60
    assert changed.mean() > 0.01


def test_scan_writes_no_images_and_exits_0(ward, tmp_path):
    report = tmp_path / "scan.json"
    code = main(["scan", str(ward / "wristband.jpg"), "--report", str(report), "-q"])
    assert code == 0
    entry = json.loads(report.read_text())["images"][0]
    assert entry["output"] is None and entry["regions"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scan.json", "ward party"]


def test_redact_without_out_is_a_usage_error(ward):
    with pytest.raises(SystemExit) as exc:
        main(["redact", str(ward)])
    assert exc.value.code == 2


def test_out_equal_to_input_folder_never_overwrites_an_original(ward, tmp_path):
    src = ward / "wristband.jpg"
    digest = _digest(src)
    main(["redact", "--trust-unreviewed", str(src), "--out", str(ward), "-q"])
    assert _digest(src) == digest
