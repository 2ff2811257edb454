"""Review projects (the app's sidecar file) and exporting reviewed regions, without Qt."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phiscrub.batch import InputFile
from phiscrub.models import Box, Kind, Polygon, Region
from phiscrub.project import (
    ExportJob,
    ProjectError,
    export_reviewed,
    load_project,
    project_path,
    save_project,
)
from phiscrub.project import Project as ReviewProject
from phiscrub.redact import SOLID_COLOUR, Style, region_mask
from phiscrub.verify import Verification, VerificationSummary, VerifyWarning


def _photo(path: Path, colour=(200, 200, 200)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((96, 128, 3), colour, np.uint8)).save(path)
    return path


def _regions() -> tuple[Region, ...]:
    name = Region(
        kind=Kind.NAME,
        box=Box(np.float32(10.25), np.int64(12), 40.0, 10.0),  # detectors may give numpy scalars
        polygon=Polygon.of([(10.25, 12.5), (50.25, 12.5), (50.25, 22.5), (10.25, 22.5)]),
        score=0.93,
        detector="rapidocr+names",
        reason="label NAME + census first name",
    )
    drawn = Region(kind=Kind.MANUAL, box=Box(60, 60, 20, 20), redacted=False)
    return name, drawn


def test_review_state_round_trips_exactly_but_without_reason_text(tmp_path):
    photo = _photo(tmp_path / "ward" / "a.png")
    project = ReviewProject(photo.parent.resolve())
    found = _regions()
    reviewed = (found[0].with_redacted(False), found[1])
    project.put(
        project.state_for(
            photo, width=128, height=96, found=found, regions=reviewed, reviewed=True, exported_to="/x/a.png"
        )
    )
    where = project_path(photo.parent, tmp_path / "store")
    save_project(project, where)

    text = where.read_text()
    assert "census" not in text and "label NAME" not in text  # reasons are left out
    again = load_project(where, photo.parent)
    state = again.get(photo)
    assert state.found[0].box == Box(10.25, 12.0, 40.0, 10.0)
    assert state is not None and state.reviewed and state.exported_to == "/x/a.png"
    assert state.regions == tuple(r.__class__(**{**r.__dict__, "reason": ""}) for r in reviewed)
    assert [r.box for r in state.found] == [r.box for r in found]
    assert state.found[0].polygon == found[0].polygon
    assert (state.width, state.height) == (128, 96)


def test_verification_of_the_last_export_is_kept_as_counts_by_kind_without_boxes(tmp_path):
    photo = _photo(tmp_path / "ward" / "a.png")
    warnings = tuple(VerifyWarning(k, Box(3, 4, 5, 6), "rapidocr", 0.8) for k in ("name", "name", "date"))
    kept_face = VerifyWarning("face", Box(60, 60, 20, 20), "centerface", 0.9)
    verification = Verification(("rapidocr",), warnings, expected=(kept_face, kept_face))
    summary = VerificationSummary.of(verification, in_kept=(kept_face,))
    assert summary.still_found == (("date", 1), ("name", 2)) and summary.in_kept == (("face", 1),)
    assert summary.by_consent == 1 and not summary.clean
    assert VerificationSummary(("rapidocr",)).clean
    assert not VerificationSummary.of(Verification((), error="cannot re-read the export")).clean

    project = ReviewProject(photo.parent.resolve())
    project.put(project.state_for(photo, regions=_regions(), exported_to="/x/a.png", verification=summary))
    where = save_project(project, project_path(photo.parent, tmp_path / "store"))
    (entry,) = json.loads(where.read_text())["photos"]
    assert entry["verification"] == {
        "engines": ["rapidocr"],
        "still_found": {"date": 1, "name": 2},
        "in_kept": {"face": 1},
        "by_consent": 1,
        "failed": False,
    }
    assert load_project(where, photo.parent).get(photo).verification == summary

    # Only kinds and counts are read back: anything else makes the entry damaged.
    for bad in ({"still_found": {"John Smith": 1}}, {"still_found": {"name": "two"}}, {"in_kept": ["name"]}):
        entry["verification"] = bad
        where.write_text(json.dumps({"format": "phiscrub-project", "format_version": 1, "photos": [entry]}))
        with pytest.raises(ProjectError, match="damaged"):
            load_project(where, photo.parent)


def test_project_lives_in_the_store_never_beside_the_photos(tmp_path):
    folder = tmp_path / "ward"
    folder.mkdir()
    where = project_path(folder, tmp_path / "store")
    assert where.parent == tmp_path / "store"
    assert where.name.startswith("ward-")
    # Two folders with the same name get different files.
    other = tmp_path / "b" / "ward"
    other.mkdir(parents=True)
    assert project_path(other, tmp_path / "store") != where


def test_a_photo_changed_since_the_last_session_loses_its_saved_state(tmp_path):
    photo = _photo(tmp_path / "ward" / "a.png")
    project = ReviewProject(photo.parent.resolve())
    project.put(project.state_for(photo, regions=_regions(), reviewed=True))
    assert project.get(photo) is not None
    _photo(photo, colour=(10, 10, 10))
    os.utime(photo, ns=(1, 1))  # a different modification time, whatever the clock does
    assert project.get(photo) is None


def test_missing_project_is_empty_and_damaged_one_is_refused_with_a_sentence(tmp_path):
    assert load_project(tmp_path / "none.json", tmp_path).photos == {}
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    with pytest.raises(ProjectError, match="cannot be read"):
        load_project(bad, tmp_path)
    bad.write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(ProjectError, match="not a phiscrub project"):
        load_project(bad, tmp_path)
    bad.write_text(
        json.dumps({"format": "phiscrub-project", "format_version": 1, "photos": [{"name": "a.png"}]})
    )
    with pytest.raises(ProjectError, match="damaged"):
        load_project(bad, tmp_path)


def test_export_reviewed_covers_the_given_regions_and_reports_failures(tmp_path):
    good = _photo(tmp_path / "in" / "a.png")
    broken = tmp_path / "in" / "b.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n broken")
    regions = _regions()
    jobs = [
        ExportJob(InputFile(good, "a.png"), regions, tmp_path / "out" / "a.png"),
        ExportJob(InputFile(broken, "b.png"), (), tmp_path / "out" / "b.png"),
    ]
    results = list(export_reviewed(jobs, Style.SOLID))
    assert [r.status for r in results] == ["ok", "error"]
    assert results[0].output == tmp_path / "out" / "a.png"
    assert results[1].error and not (tmp_path / "out" / "b.png").exists()
    out = np.asarray(Image.open(results[0].output).convert("RGB"))
    covered = region_mask(out.shape[:2], [r for r in regions if r.redacted])
    assert (out[covered] == SOLID_COLOUR).all()
    kept = region_mask(out.shape[:2], [regions[1].with_redacted(True)], block=1) & ~covered
    assert (out[kept] == 200).all()  # the region the person kept is untouched


def test_project_module_imports_with_qt_blocked():
    import subprocess
    import sys

    from tests.test_core_has_no_qt import BLOCK_QT

    code = BLOCK_QT.replace("import phiscrub.faces", "import phiscrub.project, phiscrub.faces")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
