"""5. Nothing overwritten: an export replaces a file in the output folder only when
that file is an unchanged export phiscrub wrote there. The user's own files, and
exports edited since, keep their bytes; the export takes the next free name and
every report names the file actually written."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from phiscrub import imageio, manifest
from phiscrub.batch import InputFile, collect_inputs, process
from phiscrub.cli import main
from phiscrub.imageio import export_path, save_clean, verify_clean
from phiscrub.project import ExportJob, export_reviewed
from tests.conftest import draw_card
from tests.safety import fixtures as fx
from tests.safety.fixtures import fixed_scanner

RED, BLUE = (255, 0, 0), (0, 0, 255)
#: What a user's own photo in the output folder looks like (never a phiscrub export).
USERS_OWN = fx.encoded(fx.flat((10, 200, 10)), "JPEG", quality=80)


def _ward(tmp_path: Path, colour=RED) -> Path:
    """An input folder with ward.jpg, and an empty output folder beside it."""
    src = tmp_path / "in"
    src.mkdir(exist_ok=True)
    fx.flat(colour).save(src / "ward.jpg")
    (tmp_path / "out").mkdir(exist_ok=True)
    return src


def _run(src: Path, out: Path, **kwargs) -> list:
    results = list(process(collect_inputs([src]), fixed_scanner(), out_dir=out, **kwargs))
    assert all(r.ok for r in results), [r.error for r in results]
    return results


def _colour(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3).mean(axis=0)


def _files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


# ---------------------------------------------------------------- a file that is not ours


@pytest.mark.parametrize("workers", [1, 2])
def test_an_unrelated_file_with_the_exports_name_survives_and_the_export_lands_beside_it(
    tmp_path: Path, workers: int
) -> None:
    src = _ward(tmp_path)
    fx.flat(BLUE).save(src / "round.png")
    out = tmp_path / "out"
    (out / "ward.jpg").write_bytes(USERS_OWN)

    results = _run(src, out, workers=workers)

    assert (out / "ward.jpg").read_bytes() == USERS_OWN
    [ward] = [r for r in results if r.input.path.name == "ward.jpg"]
    [round_] = [r for r in results if r.input.path.name == "round.png"]
    assert ward.output == out / "ward-1.jpg"
    assert round_.output == out / "round.png"
    assert np.abs(_colour(ward.output) - RED).max() < 8
    verify_clean(ward.output)
    assert sorted(p.name for p in out.iterdir()) == [manifest.NAME, "round.png", "ward-1.jpg", "ward.jpg"]


@pytest.mark.parametrize("kind", ["another photo", "a text file", "a link to another file", "a folder"])
def test_save_clean_never_replaces_what_it_did_not_write_and_returns_the_name_it_wrote(
    tmp_path: Path, kind: str
) -> None:
    """save_clean checks on its own, whatever name the caller planned."""
    elsewhere = tmp_path / "elsewhere.jpg"
    elsewhere.write_bytes(USERS_OWN)
    out = tmp_path / "out"
    out.mkdir()
    dest = out / "ward.jpg"
    if kind == "another photo":
        dest.write_bytes(USERS_OWN)
    elif kind == "a text file":
        dest.write_text("the user's notes\n")
    elif kind == "a link to another file":
        dest.symlink_to(elsewhere)
    else:
        dest.mkdir()
        (dest / "inside.txt").write_text("kept")
    before = _files(out), _files(tmp_path), os.path.islink(dest)

    written = save_clean(np.asarray(fx.flat(RED)), dest, "JPEG")

    assert written == out / "ward-1.jpg"
    assert np.abs(_colour(written) - RED).max() < 8
    after = _files(out), _files(tmp_path), os.path.islink(dest)
    new = {name: after[0][name] for name in ("ward-1.jpg", manifest.NAME)}
    assert after[0] == {**before[0], **new}
    assert after[1:] == before[1:]
    assert elsewhere.read_bytes() == USERS_OWN
    if kind == "a folder":
        assert (dest / "inside.txt").read_text() == "kept"


def test_a_second_identical_run_rewrites_its_own_outputs_without_numbered_copies(tmp_path: Path) -> None:
    src = _ward(tmp_path)
    fx.flat(BLUE).save(src / "round.png")
    out = tmp_path / "out"
    (out / "round.png").write_bytes(fx.encoded(fx.flat((9, 9, 9)), "PNG"))  # the user's

    first = _run(src, out)
    after_first = _files(out)
    second = _run(src, out, workers=2)
    third = _run(src, out)

    assert [r.output for r in first] == [out / "round-1.png", out / "ward.jpg"]
    assert [r.output for r in second] == [r.output for r in first] == [r.output for r in third]
    assert _files(out) == after_first
    assert sorted(after_first) == [manifest.NAME, "round-1.png", "round.png", "ward.jpg"]


def test_a_rerun_after_the_input_changed_replaces_its_own_export(tmp_path: Path) -> None:
    src = _ward(tmp_path, RED)
    out = tmp_path / "out"
    _run(src, out)
    fx.flat(BLUE).save(src / "ward.jpg")
    [result] = _run(src, out)
    assert result.output == out / "ward.jpg"
    assert np.abs(_colour(out / "ward.jpg") - BLUE).max() < 8
    assert sorted(p.name for p in out.iterdir()) == [manifest.NAME, "ward.jpg"]


@pytest.mark.parametrize("edit", ["saved again", "same size, other bytes", "appended to"])
def test_an_export_the_user_edited_afterwards_is_not_replaced(tmp_path: Path, edit: str) -> None:
    src = _ward(tmp_path)
    out = tmp_path / "out"
    _run(src, out)
    export = out / "ward.jpg"
    if edit == "saved again":
        Image.open(export).rotate(90).save(export, quality=70)
    elif edit == "same size, other bytes":
        data = bytearray(export.read_bytes())
        data[len(data) // 2] ^= 0xFF
        export.write_bytes(bytes(data))
    else:
        with open(export, "ab") as fh:
            fh.write(b"user's note")
    edited = export.read_bytes()

    [result] = _run(src, out)

    assert export.read_bytes() == edited
    assert result.output == out / "ward-1.jpg"
    # and the new export counts as ours from now on
    [again] = _run(src, out)
    assert again.output == out / "ward-1.jpg"
    assert sorted(p.name for p in out.iterdir()) == [manifest.NAME, "ward-1.jpg", "ward.jpg"]


# ---------------------------------------------------------------- the manifest fails safe


def _mangle(path: Path, how: str) -> None:
    if how == "missing":
        path.unlink()
    elif how == "not JSON":
        path.write_bytes(b"\x00\xffnot json{")
    elif how == "cut short":
        path.write_text(path.read_text()[:40])
    elif how == "entries of the wrong shape":
        data = json.loads(path.read_text())
        data["files"] = {"ward.jpg": {"size": "big", "sha256": 7}}
        path.write_text(json.dumps(data))
    elif how == "another hash":
        data = json.loads(path.read_text())
        data["files"]["ward.jpg"]["sha256"] = "0" * 64
        path.write_text(json.dumps(data))
    elif how == "another program's file":
        path.write_text('{"files": {}}')
    elif how == "a newer phiscrub's":
        data = json.loads(path.read_text())
        data["format_version"] = manifest.FORMAT_VERSION + 1
        path.write_text(json.dumps(data))
    elif how == "a folder":
        path.unlink()
        path.mkdir()
    elif how == "a link":
        target = path.parent.parent / "elsewhere.json"
        target.write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(target)
    else:
        raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "missing",
        "not JSON",
        "cut short",
        "entries of the wrong shape",
        "another hash",
        "another program's file",
        "a newer phiscrub's",
        "a folder",
        "a link",
    ],
)
def test_a_missing_or_damaged_manifest_fails_safe(tmp_path: Path, how: str) -> None:
    src = _ward(tmp_path)
    out = tmp_path / "out"
    _run(src, out)
    earlier = (out / "ward.jpg").read_bytes()
    _mangle(out / manifest.NAME, how)
    record = (out / manifest.NAME).read_bytes() if (out / manifest.NAME).is_file() else None

    [result] = _run(src, out)

    assert (out / "ward.jpg").read_bytes() == earlier  # not known to be ours: kept
    assert result.output == out / "ward-1.jpg"
    if how in ("another program's file", "a newer phiscrub's", "a link"):
        assert (out / manifest.NAME).read_bytes() == record  # not ours to rewrite
    if how == "a link":
        assert (out / manifest.NAME).is_symlink()
    if how == "a folder":
        assert (out / manifest.NAME).is_dir()


def test_a_manifest_that_cannot_be_written_fails_safe(tmp_path: Path, monkeypatch, caplog) -> None:
    src = _ward(tmp_path)
    out = tmp_path / "out"

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(manifest, "write_text_atomic", full_disk)
        [first] = _run(src, out)  # the export itself still succeeds
    assert first.output == out / "ward.jpg" and not (out / manifest.NAME).exists()
    assert "manifest" in caplog.text
    earlier = (out / "ward.jpg").read_bytes()

    [second] = _run(src, out)

    assert (out / "ward.jpg").read_bytes() == earlier
    assert second.output == out / "ward-1.jpg"


def test_the_manifest_holds_only_names_sizes_and_hashes(tmp_path: Path) -> None:
    src = tmp_path / "SMITH JOHN MRN 00482913"
    src.mkdir()
    fx.flat(RED).save(src / "ward.jpg")
    out = tmp_path / "out"
    _run(src, out)
    text = (out / manifest.NAME).read_text()
    assert "SMITH" not in text and str(tmp_path) not in text and "/" not in text
    data = json.loads(text)
    assert set(data) == {"format", "format_version", "files"}
    [(name, entry)] = data["files"].items()
    assert name == "ward.jpg"
    assert entry == {
        "size": (out / "ward.jpg").stat().st_size,
        "sha256": hashlib.sha256((out / "ward.jpg").read_bytes()).hexdigest(),
    }


def test_entries_for_files_that_are_gone_are_dropped(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    save_clean(np.asarray(fx.flat(RED)), out / "a.jpg", "JPEG")
    (out / "a.jpg").unlink()
    save_clean(np.asarray(fx.flat(RED)), out / "b.jpg", "JPEG")
    assert list(json.loads((out / manifest.NAME).read_text())["files"]) == ["b.jpg"]


# ---------------------------------------------------------------------------- races


def test_a_file_appearing_between_the_check_and_the_rename_is_kept(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dest = out / "ward.jpg"
    real_link = os.link

    def link(src, dst, *args, **kwargs):
        if Path(dst) == dest and not dest.exists():
            dest.write_bytes(USERS_OWN)  # the user saves a file just now
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", link)
    written = save_clean(np.asarray(fx.flat(RED)), dest, "JPEG")

    assert dest.read_bytes() == USERS_OWN
    assert written == out / "ward-1.jpg"
    assert sorted(p.name for p in out.iterdir()) == [manifest.NAME, "ward-1.jpg", "ward.jpg"]


def test_a_name_taken_during_a_batch_never_costs_another_photo_its_export(tmp_path: Path) -> None:
    """a.jpg and a.heic are planned as a.jpg and a-1.jpg; the user then puts a file at
    a.jpg. a.jpg's export must not take a-1.jpg, which belongs to a.heic."""
    src = tmp_path / "in"
    src.mkdir()
    fx.flat(RED).save(src / "a.jpg")
    fx.flat(BLUE).save(src / "a.heic")
    out = tmp_path / "out"
    out.mkdir()

    def user_saves_a_file() -> None:
        if not (out / "a.jpg").exists():
            (out / "a.jpg").write_bytes(USERS_OWN)

    scanner = fixed_scanner(on_detect=user_saves_a_file)
    results = list(process(collect_inputs([src / "a.jpg", src / "a.heic"]), scanner, out_dir=out))

    assert all(r.ok for r in results), [r.error for r in results]
    assert (out / "a.jpg").read_bytes() == USERS_OWN
    by_input = {r.input.path.name: r.output for r in results}
    assert by_input == {"a.jpg": out / "a-2.jpg", "a.heic": out / "a-1.jpg"}
    assert np.abs(_colour(by_input["a.jpg"]) - RED).max() < 8
    assert np.abs(_colour(by_input["a.heic"]) - BLUE).max() < 8


def test_reviewed_exports_report_the_name_actually_written(tmp_path: Path) -> None:
    src = _ward(tmp_path)
    out = tmp_path / "out"
    (out / "ward.jpg").write_bytes(USERS_OWN)
    job = ExportJob(InputFile(src / "ward.jpg", "ward.jpg"), (), out / "ward.jpg")
    taken = {out / "ward-1.jpg"}  # reserved for another photo
    [result] = export_reviewed([job], reserved={job.dest, *taken})
    assert result.ok and result.output == out / "ward-2.jpg"
    assert (out / "ward.jpg").read_bytes() == USERS_OWN


# ---------------------------------------------------------------- file systems and names


def test_without_hard_links_the_name_is_still_claimed_without_replacing_anything(
    tmp_path: Path, monkeypatch
) -> None:
    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    src = _ward(tmp_path)
    out = tmp_path / "out"
    (out / "ward.jpg").write_bytes(USERS_OWN)
    [first] = _run(src, out)
    [second] = _run(src, out)
    assert (out / "ward.jpg").read_bytes() == USERS_OWN
    assert first.output == second.output == out / "ward-1.jpg"
    assert sorted(p.name for p in out.iterdir()) == [manifest.NAME, "ward-1.jpg", "ward.jpg"]


def test_a_long_name_taken_by_the_user_gets_a_numbered_name_that_still_fits(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dest = out / f"{'患' * 83}ab.jpg"
    assert len(os.fsencode(dest.name)) == 255
    dest.write_bytes(USERS_OWN)
    written = save_clean(np.asarray(fx.flat(RED)), dest, "JPEG")
    assert dest.read_bytes() == USERS_OWN
    assert written != dest and written.name.endswith("-1.jpg") and len(os.fsencode(written.name)) <= 255


def test_naming_passes_over_a_file_that_is_not_ours(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "ward.jpg").write_bytes(USERS_OWN)
    assert export_path(tmp_path / "ward.jpg", out).name == "ward-1.jpg"
    ours = save_clean(np.asarray(fx.flat(RED)), out / "round.jpg", "JPEG")
    assert export_path(tmp_path / "round.jpg", out) == ours


def test_temp_files_of_a_killed_manifest_write_are_swept(tmp_path: Path) -> None:
    stale = tmp_path / ".phiscrub-999999999-abc_1.json"
    stale.write_text("{")
    imageio._swept.clear()
    save_clean(np.asarray(fx.flat(RED)), tmp_path / "x.jpg", "JPEG")
    assert not stale.exists()


# ---------------------------------------------------------------------------- the CLI


def test_cli_keeps_an_unrelated_file_in_out_and_reports_where_the_export_went(tmp_path: Path, capsys) -> None:
    src = tmp_path / "ward"
    src.mkdir()
    Image.fromarray(draw_card(["SMITH, JOHN A", "MRN: 00482913"], canvas=(800, 400))).save(src / "ward.jpg")
    out, report = tmp_path / "out", tmp_path / "report.json"
    out.mkdir()
    (out / "ward.jpg").write_bytes(USERS_OWN)
    args = ["redact", "--trust-unreviewed", "--no-faces", "--no-codes", "-j", "1"]
    args += ["--out", str(out), "--report", str(report), str(src)]

    assert main(args) == 0

    assert (out / "ward.jpg").read_bytes() == USERS_OWN
    printed = capsys.readouterr().out
    assert f"-> {out / 'ward-1.jpg'}" in printed
    [entry] = json.loads(report.read_text())["images"]
    assert entry["status"] == "ok" and entry["output"] == str(out / "ward-1.jpg")
    verify_clean(out / "ward-1.jpg")
    first = (out / "ward-1.jpg").read_bytes()

    # the same command again rewrites its own export, and still keeps the user's file
    assert main(args) == 0
    assert (out / "ward.jpg").read_bytes() == USERS_OWN
    assert (out / "ward-1.jpg").read_bytes() == first
    assert json.loads(report.read_text())["images"][0]["output"] == str(out / "ward-1.jpg")
    assert sorted(p.name for p in out.iterdir()) == [manifest.NAME, "ward-1.jpg", "ward.jpg"]
