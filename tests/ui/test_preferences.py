"""Preferences: a TOML file with known keys only, and the dialog that edits it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from phiscrub.review import Decision
from phiscrub.ui import preferences as prefs_io
from phiscrub.ui.document import State
from phiscrub.ui.preferences import Preferences, PreferencesError
from phiscrub.ui.preferences_dialog import PreferencesDialog
from tests.ui.conftest import SCAN_TIMEOUT_MS
from tests.ui.fakes import FakeScanner, two_squares


def test_preferences_round_trip_through_toml(tmp_path):
    path = tmp_path / "deep" / "preferences.toml"
    prefs = Preferences(
        style="blur",
        engine="tesseract",
        output_dir='~/Clean "photos"',
        name_suffix="-ok",
        check_me_below=0.85,
        verify_engines=("easyocr",),
    )
    prefs_io.save(prefs, path)
    assert prefs_io.load(path) == prefs
    assert 'verify_engines = ["easyocr"]' in path.read_text()
    prefs_io.save(Preferences(verify_engines=()), path)
    assert prefs_io.load(path).verify_engines == ()
    assert list(path.parent.iterdir()) == [path]  # no temp file left behind


def test_missing_file_gives_defaults(tmp_path):
    assert prefs_io.load(tmp_path / "none.toml") == Preferences()


@pytest.mark.parametrize(
    "text, complaint",
    [
        ('style = "solid"\ncolour = "red"\n', "unknown setting"),
        ('style = "sepia"\n', "style must be"),
        ('engine = "gpt"\n', "engine must be"),
        ("name_suffix = 3\n", "must be text"),
        ('name_suffix = "/x"\n', "slashes"),
        ("style = \n", "cannot read"),
        ("check_me_below = 70\n", "from 0 to 1"),
        ('check_me_below = "high"\n', "from 0 to 1"),
        ("check_me_below = true\n", "from 0 to 1"),
        ('verify_engines = "rapidocr"\n', "list of engine names"),
        ('verify_engines = ["rapidocr", "gpt"]\n', "verify_engines may list"),
        ('verify_engines = ["thorough"]\n', "verify_engines may list"),
        ('verify_engines = ["rapidocr", "rapidocr"]\n', "verify_engines may list"),
    ],
)
def test_unknown_keys_and_bad_values_are_refused(tmp_path, text, complaint):
    path = tmp_path / "preferences.toml"
    path.write_text(text)
    with pytest.raises(PreferencesError, match=complaint):
        prefs_io.load(path)


def test_destination_uses_folder_and_suffix_and_never_the_source(tmp_path):
    source = tmp_path / "IMG_1.jpeg"
    source.write_bytes(b"x")
    assert Preferences().destination(source, "JPEG") == tmp_path / "redacted" / "IMG_1.jpeg"
    out = tmp_path / "out"
    assert Preferences(output_dir=str(out), name_suffix="-clean").destination(source, "JPEG") == (
        out / "IMG_1-clean.jpeg"
    )
    # Output folder = the photo's own folder and no suffix: export_path picks another name.
    dest = Preferences(output_dir=str(tmp_path)).destination(source, "JPEG")
    assert dest != source and dest.parent == tmp_path


def test_bad_preferences_file_is_reported_and_defaults_used(qtbot, make_window, tmp_path):
    path = tmp_path / "config" / "preferences.toml"
    path.parent.mkdir()
    path.write_text('style = "solid"\nfavourite = 1\n')
    window = make_window()
    assert window.prefs == Preferences()

    def dialog_text() -> str:
        boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
        return boxes[0].text() if boxes else ""

    qtbot.waitUntil(lambda: "favourite" in dialog_text(), timeout=2_000)


def test_dialog_changes_style_output_folder_and_suffix_of_the_export(qtbot, window, card_photo, tmp_path):
    out = tmp_path / "clean"

    def fill_in() -> None:
        dialog = window.findChild(PreferencesDialog)
        dialog.style_box.setCurrentIndex(dialog.style_box.findData("pixelate"))
        dialog.output_edit.setText(str(out))
        dialog.suffix_edit.setText("-shared")
        dialog.accept()

    QTimer.singleShot(100, fill_in)
    window.edit_preferences()  # modal; fill_in accepts it
    assert window.redaction_style.value == "pixelate"
    assert window.style_box.currentData() == "pixelate"
    assert prefs_io.load(window.prefs_path) == window.prefs
    assert window.prefs.name_suffix == "-shared"

    window.open_paths([card_photo])
    qtbot.waitUntil(lambda: window.doc.state is State.READY, timeout=SCAN_TIMEOUT_MS)
    window.act_reviewed.trigger()  # the review gate: only a reviewed photo is exported
    with qtbot.waitSignal(window.export_finished, timeout=30_000) as blocker:
        window.act_export.trigger()
    assert Path(blocker.args[0]) == out / "card-shared.jpg"


def test_dialog_refuses_invalid_input(qtbot):
    dialog = PreferencesDialog(Preferences())
    qtbot.addWidget(dialog)
    dialog.suffix_edit.setText("a/b")
    dialog.accept()
    assert dialog.result() != PreferencesDialog.DialogCode.Accepted
    assert "slashes" in dialog.error_label.text()


def change_preferences(qtbot, window, fill_in) -> None:
    """Open Preferences from the menu action, as the user does, let `fill_in` edit the
    dialog and press OK."""

    def edit() -> None:
        (dialog,) = [d for d in window.findChildren(PreferencesDialog) if d.isVisible()]
        fill_in(dialog)
        dialog.accept()

    QTimer.singleShot(100, edit)
    window.act_prefs.trigger()  # modal; edit() accepts it


def test_check_me_threshold_from_preferences_applies_to_new_and_untouched_photos(
    qtbot, make_window, tmp_path
):
    folder = tmp_path / "ward"
    first, second = two_squares(folder / "a.png"), two_squares(folder / "b.png")
    window = make_window(scanner_override=FakeScanner())
    with qtbot.waitSignal(window.batch_finished, timeout=SCAN_TIMEOUT_MS):
        window.open_paths([folder])
    a, b = window.docs[first.resolve()], window.docs[second.resolve()]
    assert a.decisions == b.decisions == (Decision.COVER, Decision.CHECK)  # the face at 0.5

    dialog = PreferencesDialog(window.prefs)
    qtbot.addWidget(dialog)
    assert dialog.check_spin.value() == 70 and dialog.check_spin.text() == "findings under 70% sure"
    assert "check me" in dialog.check_spin.toolTip()

    a.decide([1], Decision.KEEP)  # the reviewer has started on a.png: that decision stays
    change_preferences(qtbot, window, lambda d: d.check_spin.setValue(40))
    assert window.prefs.check_me_below == 0.4
    assert prefs_io.load(window.prefs_path).check_me_below == 0.4
    assert b.decisions == (Decision.COVER, Decision.COVER) and not b.check_me  # nothing under 40%
    assert a.decisions == (Decision.COVER, Decision.KEEP)
    window.show_photo(b.path)
    assert "check me" not in window.summary.text()

    change_preferences(qtbot, window, lambda d: d.check_spin.setValue(95))
    assert b.decisions == (Decision.CHECK, Decision.CHECK)  # even the name at 90% now
    assert window.audit_settings()["check_me_below"] == 0.95
    # A photo opened afterwards is scanned with it too.
    third = two_squares(tmp_path / "more" / "c.png")
    with qtbot.waitSignal(window.scan_finished, timeout=SCAN_TIMEOUT_MS):
        window.open_paths([third])
    assert window.doc.decisions == (Decision.CHECK, Decision.CHECK)
    window.close()

    # Kept for the next session.
    again = make_window(scanner_override=FakeScanner())
    assert again.check_me_below == 0.95
    dialog = PreferencesDialog(again.prefs)
    qtbot.addWidget(dialog)
    assert dialog.check_spin.value() == 95


def test_double_check_engines_from_preferences_are_the_ones_that_verify_the_export(
    qtbot, make_window, card_photo
):
    from phiscrub.verify import available_engines

    if not {"rapidocr", "tesseract"} <= set(available_engines()):
        pytest.skip("needs RapidOCR and Tesseract")
    window = make_window(verifier=None)  # built from the preferences, as in the app
    assert window.verifier().engines == ("rapidocr", "tesseract")  # the default: both quick ones

    def only_rapidocr(dialog) -> None:
        assert dialog.recheck_boxes["rapidocr"].isChecked() and dialog.recheck_boxes["tesseract"].isChecked()
        assert not dialog.recheck_boxes["easyocr"].isChecked()
        dialog.recheck_boxes["tesseract"].setChecked(False)

    change_preferences(qtbot, window, only_rapidocr)
    assert window.prefs.verify_engines == ("rapidocr",)
    assert prefs_io.load(window.prefs_path).verify_engines == ("rapidocr",)

    window.open_paths([card_photo])
    qtbot.waitUntil(lambda: window.doc.state is State.READY and window.doc.pixels is not None,
                    timeout=SCAN_TIMEOUT_MS)
    window.act_reviewed.trigger()
    with qtbot.waitSignal(window.export_checked, timeout=60_000):
        window.act_export.trigger()
    assert window.doc.export_check.verification.engines == ("rapidocr",)
    assert window.verify_label.text().startswith("\u2713 Verification (rapidocr): nothing found")
    assert window.audit_settings()["verify_engines"] == ["rapidocr"]
