"""The Preferences dialog: redaction style, OCR engine, output folder, naming."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from phiscrub.ocr import ENGINE_NAMES
from phiscrub.redact import Style
from phiscrub.ui.preferences import DEFAULT_OUTPUT_SUBFOLDER, Preferences, PreferencesError

STYLE_NAMES = {Style.SOLID: "Solid", Style.PIXELATE: "Pixelate", Style.BLUR: "Blur"}
ENGINE_TITLES = {
    "rapidocr": "RapidOCR (default)",
    "easyocr": "EasyOCR (slow)",
    "tesseract": "Tesseract",
    "thorough": "Thorough: RapidOCR + EasyOCR (slowest)",
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
        form.addRow("&Output folder:", row)

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
        form.addRow("&Review projects:", row)

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
        )

    def accept(self) -> None:
        try:
            self._prefs = self.preferences()
        except PreferencesError as exc:
            self.error_label.setText(str(exc))
            return
        super().accept()
