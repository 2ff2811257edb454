"""The compliance rules in the app: the review gate, "check me" regions, consent,
sign-off, the caption check and the verification pass after export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from phiscrub.models import Kind
from phiscrub.review import Consent, Decision
from phiscrub.ui import compliance
from phiscrub.ui.batch_view import BadgeRole
from phiscrub.ui.document import State
from tests.ui.conftest import SCAN_TIMEOUT_MS
from tests.ui.fakes import RED, FakeScanner, make_photos, two_squares

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def open_folder(qtbot, window, folder: Path) -> None:
    with qtbot.waitSignal(window.batch_finished, timeout=SCAN_TIMEOUT_MS):
        window.open_paths([folder])
    qtbot.wait(1)


def show(qtbot, window, path: Path):
    window.show_photo(Path(path).resolve())
    qtbot.waitUntil(lambda: window.doc.pixels is not None, timeout=5_000)
    return window.doc


def key(qtbot, window, k, mods=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press on the photo, as the user gives it: to the active window (a message
    box just closed leaves none active offscreen until the window is activated)."""
    if not window.isActiveWindow():
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=2_000)
    qtbot.keyClick(window.view.viewport(), k, mods)


def mark_reviewed_key(qtbot, window) -> None:
    key(qtbot, window, Qt.Key.Key_Return, CTRL | SHIFT)


def export_all(qtbot, window):
    with qtbot.waitSignal(window.export_all_finished, timeout=30_000) as blocker:
        key(qtbot, window, Qt.Key.Key_E, CTRL | SHIFT)
    window.summary_box.accept()  # as the user would, before going on
    return blocker.args[0]


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def red_mask(path: Path) -> np.ndarray:
    return np.all(pixels(path) == RED, axis=2)


def test_gate_refuses_unreviewed_photos_in_single_export_and_export_all(qtbot, make_window, tmp_path):
    folder = tmp_path / "ward"
    photos = make_photos(folder, 2)
    window = make_window(scanner_override=FakeScanner())
    open_folder(qtbot, window, folder)
    out = folder / "redacted"

    # Single Export (Ctrl+E) of a photo nobody marked reviewed: refused, nothing written.
    show(qtbot, window, photos[0])
    with qtbot.waitSignal(window.export_refused, timeout=2_000):
        key(qtbot, window, Qt.Key.Key_E, CTRL)
    assert "not marked reviewed" in window.error_box.text()
    window.error_box.accept()
    assert not out.exists()
    # Export All with nothing reviewed: everything refused, nothing written, no report.
    assert not window.act_export_all.isEnabled()
    with qtbot.waitSignal(window.export_all_finished, timeout=5_000) as blocker:
        window.export_all_reviewed()  # even when called directly
    assert blocker.args[0].exported == [] and blocker.args[0].report is None
    window.summary_box.accept()
    assert not out.exists()

    # Mark only the second reviewed: Export All writes that one and refuses the first.
    show(qtbot, window, photos[1])
    mark_reviewed_key(qtbot, window)
    assert window.doc.reviewed and not window.docs[photos[0].resolve()].reviewed
    summary = export_all(qtbot, window)
    assert summary.exported == [out / photos[1].name]
    assert dict(summary.skipped) == {photos[0].name: "not marked reviewed"}
    assert not (out / photos[0].name).exists()
    report = json.loads(summary.report.read_text())
    gates = {Path(e["source"]).name: e["review"]["gate"] for e in report["images"]}
    assert gates == {photos[0].name: "refused: not reviewed", photos[1].name: "reviewed"}

    # An edit after marking reviewed takes the mark away again: refused once more.
    window.doc.set_redacted([0], False)
    assert not window.doc.reviewed
    with qtbot.waitSignal(window.export_refused, timeout=2_000):
        window.act_export.trigger()


def test_check_me_regions_must_be_decided_before_mark_reviewed_and_undo_covers_it(
    qtbot, make_window, tmp_path
):
    photo = two_squares(tmp_path / "ward" / "bay.png")
    window = make_window(scanner_override=FakeScanner())
    with qtbot.waitSignal(window.scan_finished, timeout=SCAN_TIMEOUT_MS):
        window.open_paths([photo])
    doc = window.doc
    qtbot.waitUntil(lambda: doc.pixels is not None, timeout=5_000)
    assert [r.kind for r in doc.regions] == [Kind.NAME, Kind.FACE]
    assert doc.decisions == (Decision.COVER, Decision.CHECK)
    assert doc.regions[1].redacted  # covered until someone decides

    # Shown as "check me": flagged row, half-checked, and the filter lists only it.
    row = window.region_list.item(1)
    assert row.text().startswith("\u26a0 Check me") and "50%" in row.text()
    assert row.checkState() == Qt.CheckState.PartiallyChecked
    assert "check me" in window.summary.text()
    assert [i.mark for i in window.view.region_items()] == ["", "check"]
    window.act_check_only.trigger()
    assert window.check_only.isChecked()
    assert window.region_list.isRowHidden(0) and not window.region_list.isRowHidden(1)
    window.act_check_only.trigger()
    assert not window.region_list.isRowHidden(0)

    # Mark Reviewed (Ctrl+Shift+Return, and Ctrl+Return "and next") is refused while it is undecided.
    with qtbot.waitSignal(window.error_shown, timeout=2_000) as blocker:
        mark_reviewed_key(qtbot, window)
    assert "check me" in blocker.args[0] and not doc.reviewed
    assert window.view.selected_indices() == [1]  # the undecided region is selected for you
    assert not window.act_reviewed.isChecked()
    window.error_box.accept()
    with qtbot.waitSignal(window.error_shown, timeout=2_000):
        key(qtbot, window, Qt.Key.Key_Return, CTRL)
    window.error_box.accept()
    assert not doc.reviewed

    # N selects the next "check me" region, K keeps it; now it can be marked reviewed.
    window.view.select_indices([])
    key(qtbot, window, Qt.Key.Key_N)
    assert window.view.selected_indices() == [1]
    key(qtbot, window, Qt.Key.Key_K)
    assert doc.decisions == (Decision.COVER, Decision.KEEP) and not doc.regions[1].redacted
    assert not window.act_next_check.isEnabled()
    mark_reviewed_key(qtbot, window)
    assert doc.reviewed and window.act_reviewed.isChecked()
    assert window.photo_model.index(0).data(BadgeRole)[1] == "reviewed"

    # Undo (Ctrl+Z) takes back the mark, then the decision: "check me" again.
    key(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert not doc.reviewed and doc.decisions == (Decision.COVER, Decision.KEEP)
    key(qtbot, window, Qt.Key.Key_Z, CTRL)
    assert doc.decisions == (Decision.COVER, Decision.CHECK)
    key(qtbot, window, Qt.Key.Key_Z, CTRL | SHIFT)
    assert doc.decisions == (Decision.COVER, Decision.KEEP)
    # C covers the selection.
    window.view.select_indices([1])
    key(qtbot, window, Qt.Key.Key_C)
    assert doc.decisions == (Decision.COVER, Decision.COVER)


def test_consent_keeps_the_region_visible_and_the_report_records_its_reference(
    qtbot, make_window, tmp_path, monkeypatch
):
    folder = tmp_path / "ward"
    (photo,) = make_photos(folder, 1)
    asked = []
    monkeypatch.setattr(
        compliance,
        "ask_consent",
        lambda parent, count=1: asked.append(count) or Consent("Form 22-114", "2024-05-01"),
    )
    window = make_window(scanner_override=FakeScanner())
    with qtbot.waitSignal(window.scan_finished, timeout=SCAN_TIMEOUT_MS):
        window.open_paths([photo])
    doc = window.doc
    qtbot.waitUntil(lambda: doc.pixels is not None, timeout=5_000)

    window.view.select_indices([0])
    key(qtbot, window, Qt.Key.Key_K, SHIFT)  # Keep by Consent on File…
    assert asked == [1]
    assert doc.decisions == (Decision.CONSENT,) and doc.review.items[0].consent.reference == "Form 22-114"
    assert "consent Form 22-114, 2024-05-01" in window.region_list.item(0).text()
    assert "1 kept by consent" in window.summary.text()
    mark_reviewed_key(qtbot, window)

    summary = export_all(qtbot, window)
    (out,) = summary.exported
    assert (pixels(out)[red_mask(photo)] == RED).all()  # kept visible, pixel for pixel
    report = json.loads(summary.report.read_text())
    (entry,) = report["images"]
    assert entry["review"]["kept_by_consent"] == {"name": 1}
    assert entry["review"]["consents"] == [
        {"kind": "name", "box": entry["regions"][0]["box"], "reference": "Form 22-114", "date": "2024-05-01"}
    ]
    assert "Form 22-114" in summary.html.read_text()

    # Reopening restores the consent from the saved review project.
    window.close()
    again = make_window(scanner_override=FakeScanner())
    again.open_paths([photo])
    assert again.doc.review.items[0].consent == Consent("Form 22-114", "2024-05-01")


def test_consent_dialog_refuses_a_name_and_accepts_a_form_number(qtbot):
    dialog = compliance.ConsentDialog()
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.reference.setText("John Smith")
    assert not ok.isEnabled() and "name" in dialog.problem.text()
    dialog.reference.setText("Form 22-114")
    assert ok.isEnabled() and dialog.problem.text() == ""
    dialog.has_date.setChecked(False)
    assert dialog.consent() == Consent("Form 22-114", None)


def test_signoff_is_asked_once_per_session_and_recorded_in_the_report(
    qtbot, make_window, tmp_path, reviewer_prompts
):
    folder = tmp_path / "ward"
    photos = make_photos(folder, 2)
    window = make_window(scanner_override=FakeScanner())
    open_folder(qtbot, window, folder)
    for photo in photos:
        show(qtbot, window, photo)
        mark_reviewed_key(qtbot, window)

    # Cancelling the sign-off exports nothing.
    reviewer_prompts.answers = [None]
    window.export_all_reviewed()
    assert len(reviewer_prompts.asked) == 1 and not (folder / "redacted").exists()
    assert window.signoff is None

    reviewer_prompts.answers = ["  A.B.  "]
    with qtbot.waitSignal(window.export_finished, timeout=30_000):
        window.act_export.trigger()
    assert len(reviewer_prompts.asked) == 2 and window.signoff.reviewer == "A.B."
    summary = export_all(qtbot, window)  # not asked again
    window.doc.set_redacted([0], False)
    mark_reviewed_key(qtbot, window)
    export_all(qtbot, window)
    assert len(reviewer_prompts.asked) == 2
    report = json.loads(summary.report.read_text())
    assert report["reviewer"] == "A.B." and report["signed_at"] == window.signoff.signed_at
    assert report["version"] and report["settings"]["style"] == "solid"
    assert report["settings"]["review_gate"] == "required"
    assert "A.B." in summary.html.read_text()


def test_caption_box_flags_a_name_and_a_phrase_and_passes_clean_text(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_C, CTRL | SHIFT)
    panel = window.caption_panel
    assert window.caption_dock.isVisible()

    with qtbot.waitSignal(panel.checked, timeout=10_000) as blocker:
        qtbot.keyClicks(panel.editor, "Our patient John Smith went home today!")
    check = blocker.args[0]
    assert {"name", "phrase"} <= {f.kind for f in check.flags}
    assert "to fix before posting" in panel.status.text()
    shown = [panel.flags.item(i).text() for i in range(panel.flags.count())]
    assert any("John Smith" in t for t in shown) and any("Our patient" in t for t in shown)
    assert len(panel.editor.extraSelections()) == len(check.flags)  # underlined in the text
    assert panel.suggestions.count() > 0 and panel.suggestions.isVisible()

    # Use the safe wording offered: it replaces the caption and checks clean.
    panel.suggestions.setCurrentRow(0)
    with qtbot.waitSignal(panel.checked, timeout=10_000) as blocker:
        panel.use_button.click()
    assert blocker.args[0].clean and panel.editor.toPlainText() == panel.result.text

    with qtbot.waitSignal(panel.checked, timeout=10_000) as blocker:
        panel.set_text("Proud of our team for the care they bring to work every day.")
    assert blocker.args[0].clean
    assert panel.status.text().startswith("\u2713") and panel.flags.count() == 0
    assert panel.editor.extraSelections() == []


@pytest.fixture(scope="module")
def verifier():
    from phiscrub.verify import Verifier, available_engines

    if "rapidocr" not in available_engines():
        pytest.skip("RapidOCR not installed")
    return Verifier(["rapidocr"], faces=False, codes=False)


def test_verification_warns_on_the_photo_about_a_text_region_kept_visible(
    qtbot, make_window, card_photo, verifier
):
    window = make_window(verifier=verifier)
    with qtbot.waitSignal(window.scan_finished, timeout=SCAN_TIMEOUT_MS):
        window.open_paths([card_photo])
    doc = window.doc
    qtbot.waitUntil(lambda: doc.pixels is not None, timeout=5_000)
    name = next(i for i, r in enumerate(doc.regions) if r.kind is Kind.NAME)
    # The card the name is on is a region of its own (screens.cards): keep both.
    cards = [i for i, r in enumerate(doc.regions) if r.detector.endswith("+card")]
    window.view.select_indices([name, *cards])
    key(qtbot, window, Qt.Key.Key_K)  # deliberately kept visible
    mark_reviewed_key(qtbot, window)
    assert doc.reviewed

    with qtbot.waitSignal(window.export_checked, timeout=60_000):
        window.act_export.trigger()
    check = doc.export_check
    assert check.warns and check.in_kept
    assert any(w.box.intersection_area(doc.regions[name].box) > 0 for w in check.in_kept)
    assert window.verify_label.isVisible()
    shown = window.verify_label.text()
    assert shown.startswith("\u26a0 Check before posting") and "inside a region you kept visible" in shown
    assert "SMITH" not in shown and "JOHN" not in shown  # kinds and boxes, never the text
    assert "Check before posting" in window.error_box.text()
    assert window.photo_model.index(0).data(BadgeRole)[1] == "check export"
    assert doc.state is State.READY


def test_verification_of_a_fully_covered_export_is_shown_clean(qtbot, make_window, card_photo, verifier):
    window = make_window(verifier=verifier)
    with qtbot.waitSignal(window.scan_finished, timeout=SCAN_TIMEOUT_MS):
        window.open_paths([card_photo])
    doc = window.doc
    qtbot.waitUntil(lambda: doc.pixels is not None, timeout=5_000)
    mark_reviewed_key(qtbot, window)
    with qtbot.waitSignal(window.export_checked, timeout=60_000):
        window.act_export.trigger()
    assert not doc.export_check.warns, doc.export_check.lines()
    assert window.verify_label.text().startswith("\u2713 Verification (rapidocr): nothing found")
    assert window.photo_model.index(0).data(BadgeRole)[1] == "exported"
