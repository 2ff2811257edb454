"""The Preferences dialog: redaction style, OCR engine, output folder, naming, where
reviews are kept, when a finding is "check me" and what re-checks each export."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from phiscrub.ocr import ENGINE_NAMES
from phiscrub.redact import Style
from phiscrub.ui.preferences import DEFAULT_OUTPUT_SUBFOLDER, Preferences, PreferencesError
from phiscrub.verify import FAST_ENGINES, VERIFY_ENGINES, available_engines

STYLE_NAMES = {Style.SOLID: "Solid", Style.PIXELATE: "Pixelate", Style.BLUR: "Blur"}
ENGINE_TITLES = {
    "rapidocr": "RapidOCR (default)",
    "easyocr": "EasyOCR (slow)",
    "tesseract": "Tesseract",
    "thorough": "Thorough: RapidOCR + EasyOCR (slowest)",
}
RECHECK_TITLES = {"rapidocr": "RapidOCR", "easyocr": "EasyOCR (slow)", "tesseract": "Tesseract"}
RECHECK_TIPS = {
    "rapidocr": "Quick; the text reader the scan uses by default",
    "tesseract": "Quick; good at screenshots and printed documents",
    "easyocr": "Thorough but slow: about a minute for each exported photo",
}


class PreferencesDialog(QDialog):
    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._prefs = prefs
        form = QFormLayout(self)

        self.style_box = QComboBox()
        for style, title in STYLE_NAMES.items():
            self.style_box.addItem(title, style.value)
        self.style_box.setCurrentIndex(self.style_box.findData(prefs.style))
        self.style_box.setToolTip("How covered regions look; every style hides the content completely")
        form.addRow("Default &style:", self.style_box)

        self.engine_box = QComboBox()
        for name in ENGINE_NAMES:
            self.engine_box.addItem(ENGINE_TITLES.get(name, name), name)
        self.engine_box.setCurrentIndex(self.engine_box.findData(prefs.engine))
        self.engine_box.setToolTip("The text reader used for photos scanned from now on")
        form.addRow("Text &engine:", self.engine_box)

        self.output_edit = QLineEdit(prefs.output_dir)
        self.output_edit.setPlaceholderText(f'a "{DEFAULT_OUTPUT_SUBFOLDER}" folder beside each photo')
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.output_edit)
        row.addWidget(browse)
        form.addRow(_label("&Output folder:", self.output_edit), row)

        self.suffix_edit = QLineEdit(prefs.name_suffix)
        self.suffix_edit.setPlaceholderText("e.g. -clean")
        self.suffix_edit.setToolTip("Added to each exported file's name; originals are never overwritten")
        form.addRow("Name &suffix:", self.suffix_edit)

        self.project_edit = QLineEdit(prefs.project_dir)
        self.project_edit.setPlaceholderText("the app's own data folder")
        self.project_edit.setToolTip(
            "Where each folder's review (regions, reviewed flags) is kept between sessions; "
            "it holds no text read from the photos"
        )
        browse_project = QPushButton("Browse…")
        browse_project.clicked.connect(self._browse_project)
        row = QHBoxLayout()
        row.addWidget(self.project_edit)
        row.addWidget(browse_project)
        form.addRow(_label("&Review projects:", self.project_edit), row)

        self.check_spin = QSpinBox()
        self.check_spin.setRange(0, 100)
        self.check_spin.setPrefix("findings under ")
        self.check_spin.setSuffix("% sure")
        self.check_spin.setValue(round(prefs.check_me_below * 100))
        self.check_spin.setToolTip(
            'A finding the detectors are less sure of than this is marked \u26a0 "check me": it stays '
            "covered until you decide it (cover, keep or consent), and the photo cannot be marked "
            "reviewed before that. Higher: more to decide; lower: fewer. Decisions you already "
            "made are kept."
        )
        form.addRow("Ask me to &decide:", self.check_spin)

        self.recheck_boxes: dict[str, QCheckBox] = {}
        installed = set(available_engines())
        row = QHBoxLayout()
        # The quick ones first: the order they run in and are reported in.
        for name in sorted(VERIFY_ENGINES, key=lambda n: (n not in FAST_ENGINES, VERIFY_ENGINES.index(n))):
            box = QCheckBox(RECHECK_TITLES.get(name, name))
            box.setChecked(name in prefs.verify_engines)
            box.setToolTip(
                "Read each clean copy again with this text reader and warn about anything still "
                f"found. {RECHECK_TIPS.get(name, '')}"
            )
            if name not in installed:
                box.setText(box.text() + " (not installed)")
                box.setEnabled(False)
            self.recheck_boxes[name] = box
            row.addWidget(box)
        row.addStretch(1)
        form.addRow(_label("Double-chec&k exports with:", next(iter(self.recheck_boxes.values()))), row)
        note = QLabel("Faces and barcodes are always double-checked.")
        note.setStyleSheet("color: gray")
        form.addRow("", note)

        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #c0392b")
        form.addRow(self.error_label)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Output folder", self.output_edit.text())
        if folder:
            self.output_edit.setText(folder)

    def _browse_project(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Review projects folder", self.project_edit.text())
        if folder:
            self.project_edit.setText(folder)

    def preferences(self) -> Preferences:
        """The edited preferences (raises PreferencesError for invalid input)."""
        return Preferences(
            style=self.style_box.currentData(),
            engine=self.engine_box.currentData(),
            output_dir=self.output_edit.text().strip(),
            name_suffix=self.suffix_edit.text().strip(),
            project_dir=self.project_edit.text().strip(),
            check_me_below=self._threshold(),
            verify_engines=tuple(n for n, box in self.recheck_boxes.items() if box.isChecked()),
        )

    def _threshold(self) -> float:
        # The box shows whole percents: an untouched box keeps a finer value from the file.
        if self.check_spin.value() == round(self._prefs.check_me_below * 100):
            return self._prefs.check_me_below
        return self.check_spin.value() / 100

    def accept(self) -> None:
        try:
            self._prefs = self.preferences()
        except PreferencesError as exc:
            self.error_label.setText(str(exc))
            return
        super().accept()


def _label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose Alt+letter goes to `buddy` (a row holding a layout has none,
    and would show the "&")."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label
