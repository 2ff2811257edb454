"""Exports as the user runs them: Export All cancelled part-way, the audit report of a
single-photo export, and what verification found kept across sessions."""

from __future__ import annotations

import json
import time
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt

from phiscrub import manifest
from phiscrub.ui.batch_view import BadgeRole
from tests.ui.conftest import SCAN_TIMEOUT_MS
from tests.ui.fakes import FakeScanner, FakeVerifier, make_photos


def badges(window) -> dict[str, str]:
    model = window.photo_model
    return {doc.path.name: model.index(row).data(BadgeRole)[1] for row, doc in enumerate(model.docs)}


def open_folder(qtbot, window, folder: Path) -> None:
    with qtbot.waitSignal(window.batch_finished, timeout=SCAN_TIMEOUT_MS):
        window.open_paths([folder])
    qtbot.wait(1)


def test_export_all_cancel_stops_within_a_second_and_keeps_whole_files(qtbot, make_window, tmp_path):
    folder = tmp_path / "gala"
    photos = make_photos(folder, 30, size=(640, 480))
    verifier = FakeVerifier(delay=0.15)  # about 5 s for the 30: time to cancel part-way
    window = make_window(scanner_override=FakeScanner(), verifier=verifier)
    open_folder(qtbot, window, folder)
    for doc in window.photo_model.docs[:-1]:
        doc.set_reviewed(True)  # the last one is left unreviewed: the gate refuses it
    assert not window.export_bar.isVisible()

    window.export_all_button.click()
    assert window.export_bar.isVisible() and window.export_cancel_button.isEnabled()
    assert window.act_cancel_export.isEnabled() and not window.export_all_button.isEnabled()
    qtbot.waitUntil(lambda: window.export_progress.value() >= 3, timeout=20_000)
    started = time.perf_counter()
    with qtbot.waitSignal(window.export_all_finished, timeout=5_000) as blocker:
        window.export_cancel_button.click()
    assert time.perf_counter() - started < 1.2
    summary = blocker.args[0]

    n = len(summary.exported)
    assert 3 <= n < 29
    assert len(summary.cancelled) == 29 - n
    assert dict(summary.skipped) == {photos[-1].name: "not marked reviewed"}
    assert summary.exported == [folder / "redacted" / p.name for p in photos[:n]]
    text = window.summary_box.text()
    assert "You cancelled the export" in text and f"{n} exported" in text
    assert f"the other {29 - n} reviewed photos were not exported" in text
    assert window.summary_box.windowTitle() == "Export cancelled"
    assert not window.export_bar.isVisible() and window.export_all_button.isEnabled()
    assert not window.act_cancel_export.isEnabled()

    # On disk: exactly the exported copies (each a whole image), the report and the
    # folder's export manifest; no temp files.
    out = folder / "redacted"
    on_disk = sorted(p.name for p in out.iterdir())
    assert on_disk == sorted(
        [p.name for p in photos[:n]] + [summary.report.name, summary.html.name, manifest.NAME]
    )
    for path in summary.exported:
        with Image.open(path) as im:
            im.load()  # raises on a truncated file
            assert im.size == (640, 480)
    # Nothing more is written once the summary is up.
    qtbot.wait(500)
    assert sorted(p.name for p in out.iterdir()) == on_disk
    report = json.loads(summary.report.read_text())
    assert report["cancelled"] == 29 - n and report["totals"]["cancelled"] == 29 - n
    assert report["totals"]["exported"] == n and report["totals"]["refused"] == 1

    # The photo in hand when Cancel came is written whole; it is verified, or says it is not.
    shown = badges(window)
    assert all(shown[p.name] in ("exported", "check export") for p in photos[:n])
    assert all(shown[p.name] == "reviewed" for p in photos[n:-1])
    last = window.docs[photos[n - 1].resolve()]
    if last.export_check.warns:
        assert "you cancelled the export" in last.export_check.lines()[0]
    assert len(verifier.verified) in (n - 1, n)

    # Export All again finishes the rest (the ones already exported are written again).
    window.summary_box.accept()
    with qtbot.waitSignal(window.export_all_finished, timeout=30_000) as blocker:
        window.export_all_button.click()
    assert len(blocker.args[0].exported) == 29 and not blocker.args[0].cancelled
    assert "cancelled" not in window.summary_box.text()


def test_single_photo_export_writes_its_audit_report_beside_the_copy(qtbot, make_window, tmp_path):
    folder = tmp_path / "ward"
    photos = make_photos(folder, 2)
    verifier = FakeVerifier(warn={photos[1].stem: ("name", 2)})
    window = make_window(scanner_override=FakeScanner(), verifier=verifier)
    open_folder(qtbot, window, folder)
    out = folder / "redacted"
    reports = []
    for photo in photos:
        window.show_photo(photo.resolve())
        qtbot.waitUntil(lambda: window.doc.pixels is not None, timeout=5_000)
        window.act_reviewed.trigger()
        with qtbot.waitSignal(window.export_finished, timeout=30_000) as blocker:
            window.act_export.trigger()  # Ctrl+E
        assert blocker.args[0] == out / photo.name
        assert window.last_report is not None and window.last_report[0].parent == out
        assert window.last_report[1].name in window.statusBar().currentMessage()
        reports.append(window.last_report)

    # One report per export, even two in the same second: the first is not overwritten.
    assert reports[0][0] != reports[1][0]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [p.name for p in photos] + [p.name for pair in reports for p in pair] + [manifest.NAME]
    )
    for (json_path, html_path), photo in zip(reports, photos, strict=True):
        report = json.loads(json_path.read_text())
        (entry,) = report["images"]
        assert Path(entry["source"]).name == photo.name and Path(entry["output"]) == out / photo.name
        assert entry["review"]["gate"] == "reviewed" and entry["review"]["covered"] == {"name": 1}
        assert report["reviewer"] == "T.E." and report["totals"]["exported"] == 1
        assert report["settings"]["source"] == "phiscrub-gui"
        assert report["settings"]["verify_engines"] == ["fake"]
        page = html_path.read_text()
        assert page.startswith("<!DOCTYPE html>") and "data:image/jpeg;base64," in page
    second = json.loads(reports[1][0].read_text())["images"][0]["verification"]
    assert [w["kind"] for w in second["warnings"]] == ["name", "name"]
    assert "check before posting" in reports[1][1].read_text()


def test_what_verification_found_is_shown_again_after_reopening_the_folder(qtbot, make_window, tmp_path):
    folder = tmp_path / "ward"
    photos = make_photos(folder, 3)
    verifier = FakeVerifier(warn={photos[1].stem: ("name", 2)})
    window = make_window(scanner_override=FakeScanner(), verifier=verifier)
    open_folder(qtbot, window, folder)
    for doc in window.photo_model.docs[:2]:
        doc.set_reviewed(True)
    with qtbot.waitSignal(window.export_all_finished, timeout=30_000) as blocker:
        window.export_all_button.click()
    assert [name for name, _ in blocker.args[0].warned] == [photos[1].name]
    window.summary_box.accept()
    before = badges(window)
    assert [before[p.name] for p in photos] == ["exported", "check export", "1 finding"]
    window.close()

    # The project file keeps kinds and counts, nothing read from the photos, no boxes.
    (stored,) = (tmp_path / "config" / "projects").glob("*.json")
    kept = {Path(p["name"]).name: p["verification"] for p in json.loads(stored.read_text())["photos"]}
    assert kept[photos[0].name] == {
        "engines": ["fake"], "still_found": {}, "in_kept": {}, "by_consent": 0, "failed": False
    }
    assert kept[photos[1].name]["still_found"] == {"name": 2}
    assert kept[photos[2].name] is None  # never exported

    # Reopened (verification off this time): the badges and the notes on the photos are back.
    again = make_window(scanner_override=FakeScanner())
    again.open_paths([folder])
    assert not again.batch_running()
    assert badges(again) == before
    warned = again.docs[photos[1].resolve()]
    again.show_photo(warned.path)
    assert again.verify_label.isVisible()
    shown = again.verify_label.text()
    assert shown.startswith("\u26a0 Check before posting") and "last export" in shown and "Name: 2" in shown
    tip = again.photo_model.index(again.photo_model.row_of(warned.path)).data(Qt.ItemDataRole.ToolTipRole)
    assert "Name: 2" in tip
    again.show_photo(photos[0].resolve())
    assert again.verify_label.text() == "\u2713 Verification (fake): nothing found in the last export."
    again.show_photo(photos[2].resolve())
    assert not again.verify_label.isVisible()


def reviewed_ward(qtbot, make_window, tmp_path: Path, photos: int):
    """A window showing a folder of small photos, each marked reviewed (ready for Export All)."""
    folder = tmp_path / "ward"
    make_photos(folder, photos, size=(320, 240))
    window = make_window(scanner_override=FakeScanner())
    open_folder(qtbot, window, folder)
    for doc in window.photo_model.docs:
        doc.set_reviewed(True)
    return window


def test_the_audit_report_is_written_off_the_gui_thread(qtbot, make_window, tmp_path, monkeypatch):
    # The HTML page reads every clean copy back for a thumbnail: seconds for a large
    # export, during which the window must keep answering.
    import phiscrub.audit as audit_module

    real = audit_module.write_html

    def slow_write_html(path, report, **kw):
        time.sleep(1.0)
        return real(path, report, **kw)

    monkeypatch.setattr(audit_module, "write_html", slow_write_html)
    window = reviewed_ward(qtbot, make_window, tmp_path, photos=2)
    ticks = []
    timer = window.startTimer(50)
    window.timerEvent = lambda _event: ticks.append(time.perf_counter())
    with qtbot.waitSignal(window.export_all_finished, timeout=20_000) as blocker:
        window.export_all_button.click()
    window.killTimer(timer)
    summary = blocker.args[0]
    assert summary.report.is_file() and summary.html.is_file() and summary.report_error is None
    # the event loop ran all through the second the report took
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) >= 10 and max(gaps) < 0.5
    assert not window.export_bar.isVisible() and window.export_all_button.isEnabled()


def test_a_report_that_cannot_be_written_is_said_in_the_summary(qtbot, make_window, tmp_path, monkeypatch):
    import phiscrub.audit as audit_module

    def failing_write_html(path, report, **kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(audit_module, "write_html", failing_write_html)
    window = reviewed_ward(qtbot, make_window, tmp_path, photos=1)
    with qtbot.waitSignal(window.export_all_finished, timeout=20_000) as blocker:
        window.export_all_button.click()
    assert blocker.args[0].report_error == "Permission denied"
    shown = window.summary_box.text() + window.summary_box.detailedText()
    assert "The report was not written: Permission denied" in shown
    assert window.export_all_button.isEnabled()
