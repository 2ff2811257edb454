"""Preferences: a TOML file with known keys only, and the dialog that edits it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from phiscrub.ui import preferences as prefs_io
from phiscrub.ui.document import State
from phiscrub.ui.preferences import Preferences, PreferencesError
from phiscrub.ui.preferences_dialog import PreferencesDialog
from tests.ui.conftest import SCAN_TIMEOUT_MS


def test_preferences_round_trip_through_toml(tmp_path):
    path = tmp_path / "deep" / "preferences.toml"
    prefs = Preferences(style="blur", engine="tesseract", output_dir='~/Clean "photos"', name_suffix="-ok")
    prefs_io.save(prefs, path)
    assert prefs_io.load(path) == prefs
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
