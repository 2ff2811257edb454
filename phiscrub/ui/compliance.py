"""The compliance side of the app: consent references, the reviewer's sign-off,
the caption check and what the verification pass found in an export.

Dialogs here return the core's dataclasses (`Consent`, a reviewer string) and
never hold a patient's name: a consent is a form reference and a date, and the
dialog refuses a reference that reads like a name (phiscrub.review.Consent does).
The caption panel shows the user's own caption back to them with what to fix;
the text never leaves the panel (no logging, no report).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QKeySequence, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from phiscrub.caption import CaptionCheck, check_caption
from phiscrub.models import Kind
from phiscrub.review import Consent, ConsentError, Decision, PhotoReview
from phiscrub.verify import Verification, VerificationSummary, VerifyWarning, seen_inside

WARN_COLOUR = "#b00020"
OK_COLOUR = "#1e6b33"

# ---------------------------------------------------------------------- consent


class ConsentDialog(QDialog):
    """Asks for the consent form's reference and date. OK stays disabled until the
    core accepts the reference (it refuses names, phone numbers, emails...)."""

    def __init__(self, parent: QWidget | None = None, count: int = 1) -> None:
        super().__init__(parent)
        self.setWindowTitle("Consent on file")
        self.reference = QLineEdit()
        self.reference.setPlaceholderText("e.g. Form 22-114")
        self.reference.setToolTip("The consent form's number or code — never the person's name")
        self.has_date = QCheckBox("Signed on")
        self.has_date.setChecked(True)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.has_date.toggled.connect(self.date.setEnabled)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {WARN_COLOUR}")
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        what = "this region" if count == 1 else f"these {count} regions"
        intro = QLabel(
            f"Keep {what} visible in the export because written consent is on file. "
            "The report records the form reference and date only — never the person's name."
        )
        intro.setWordWrap(True)
        date_row = QHBoxLayout()
        date_row.addWidget(self.has_date)
        date_row.addWidget(self.date, 1)
        form = QFormLayout()
        form.addRow("Form reference:", self.reference)
        form.addRow("", self._wrap(date_row))
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.reference.textChanged.connect(self._validate)
        self.has_date.toggled.connect(self._validate)
        self.date.dateChanged.connect(self._validate)
        self._validate()

    @staticmethod
    def _wrap(layout: QHBoxLayout) -> QWidget:
        w = QWidget()
        layout.setContentsMargins(0, 0, 0, 0)
        w.setLayout(layout)
        return w

    def consent(self) -> Consent | None:
        """The consent as entered, or None while the core refuses it (reason in `problem`)."""
        date = self.date.date().toString("yyyy-MM-dd") if self.has_date.isChecked() else None
        try:
            return Consent(self.reference.text(), date)
        except ConsentError as exc:
            self.problem.setText(str(exc) if self.reference.text().strip() else "")
            return None

    def _validate(self, *_args: Any) -> None:
        ok = self.consent() is not None
        if ok:
            self.problem.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)


def ask_consent(parent: QWidget | None, count: int = 1) -> Consent | None:
    """The consent reference for `count` regions, or None when the user cancels."""
    dialog = ConsentDialog(parent, count)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.consent()


def ask_reviewer(parent: QWidget | None, current: str = "") -> str | None:
    """The reviewer's name or initials for the sign-off, or None when cancelled."""
    text, ok = QInputDialog.getText(
        parent,
        "Sign off this export",
        "You are signing off what is exported in this session.\nYour name or initials:",
        QLineEdit.EchoMode.Normal,
        current,
    )
    return text if ok else None


# ---------------------------------------------------------------------- region labels


def decision_note(decision: Decision, consent: Consent | None) -> str:
    """What a region's row says about its decision; a consent shows its reference only."""
    if decision is Decision.CHECK:
        return "check me"
    if decision is Decision.CONSENT and consent is not None:
        return f"consent {consent.reference}" + (f", {consent.date}" if consent.date else "")
    if decision is Decision.KEEP:
        return "kept"
    return "covered"


def review_counts(review: PhotoReview) -> str:
    """ "3 regions: 2 covered, 1 kept by consent, 1 check me left"."""
    n = len(review.items)
    counts = {d: sum(1 for i in review.items if i.decision is d) for d in Decision}
    text = f"{n} region{'s' if n != 1 else ''}: {counts[Decision.COVER]} covered"
    if counts[Decision.KEEP]:
        text += f", {counts[Decision.KEEP]} kept"
    if counts[Decision.CONSENT]:
        text += f", {counts[Decision.CONSENT]} kept by consent"
    if counts[Decision.CHECK]:
        text += f', {counts[Decision.CHECK]} "check me" left'
    return text


# ---------------------------------------------------------------------- verification


@dataclass(frozen=True)
class ExportCheck:
    """What the verification pass found in one export, as the app shows it: findings
    outside every kept region, and findings inside regions kept as "not PHI" (the
    reviewer's call, but the detector still reads something there). Findings in
    regions kept by consent are expected and only counted."""

    verification: Verification
    still_found: tuple[VerifyWarning, ...] = ()
    in_kept: tuple[VerifyWarning, ...] = ()
    by_consent: int = 0

    @classmethod
    def of(cls, verification: Verification, review: PhotoReview | None) -> ExportCheck:
        kept = [i.effective for i in (review.items if review else ()) if i.decision is Decision.KEEP]
        in_kept = seen_inside(verification.expected, kept)
        return cls(verification, verification.warnings, in_kept, len(verification.expected) - len(in_kept))

    @property
    def warns(self) -> bool:
        return bool(self.still_found or self.in_kept or self.verification.error)

    @property
    def summary(self) -> VerificationSummary:
        """What the review project keeps of this check (counts by kind)."""
        return VerificationSummary.of(self.verification, self.in_kept)

    def lines(self) -> list[str]:
        v = self.verification
        if v.error:
            return [f"Not verified: {v.error}. Check the export by eye before posting."]
        return _check_lines(
            v.engines,
            [w.describe() for w in self.still_found],
            [w.describe() for w in self.in_kept],
            self.by_consent,
            ("nothing found in the export", "still finds"),
        )


@dataclass(frozen=True)
class SavedCheck:
    """The verification of a photo's last export as a review project kept it, shown
    again in a later session: counts by kind (the boxes were not kept)."""

    summary: VerificationSummary

    @property
    def warns(self) -> bool:
        return not self.summary.clean

    def lines(self) -> list[str]:
        s = self.summary
        if s.failed:
            return ["Not verified: the last export was not double-checked. Check it by eye before posting."]
        return _check_lines(
            s.engines,
            [f"{Kind(kind).label}: {n}" for kind, n in s.still_found],
            [f"{Kind(kind).label}: {n}" for kind, n in s.in_kept],
            s.by_consent,
            ("nothing found in the last export", "still found in the last export"),
        )


def _check_lines(
    engines: tuple[str, ...] | list[str],
    found: list[str],
    kept: list[str],
    by_consent: int,
    wording: tuple[str, str],
) -> list[str]:
    """What a verification found, as lines for the review panel: `found` outside kept
    regions, `kept` inside regions the user kept visible; `wording` is (nothing
    found, still found) for a fresh check or one kept from an earlier session."""
    names = ", ".join(engines) or "face and code detectors only"
    clean, dirty = wording
    out = found + [f"{line}, inside a region you kept visible" for line in kept]
    if not out:
        out.append(f"Verification ({names}): {clean}.")
    else:
        out.insert(0, f"Check before posting — verification ({names}) {dirty}:")
    if by_consent:
        out.append(f"{by_consent} finding(s) in regions kept by consent (expected).")
    return out


# ---------------------------------------------------------------------- caption check


class CaptionPanel(QWidget):
    """A text box for the caption about to be posted, checked as it is typed: flagged
    names, dates, IDs and patient-revealing phrases are underlined and listed, and
    safe generic wording is offered instead. The check runs in a worker (`start`
    runs a function there and calls back on the GUI thread)."""

    checked = Signal(object)  # CaptionCheck

    DELAY_MS = 250

    def __init__(self, start: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._start = start
        self._generation = 0
        self.result: CaptionCheck | None = None
        self.editor = QPlainTextEdit()
        self.editor.setPlaceholderText("Paste or type the caption you are about to post…")
        self.editor.setToolTip("Checked as you type for names, dates, IDs and phrases that reveal a patient")
        self.status = QLabel("Type a caption to check it.")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.flags = QListWidget()
        self.flags.setToolTip("What to fix before posting")
        self.suggestions = QListWidget()
        self.suggestions.setWordWrap(True)
        self.suggestions.setToolTip("Safe generic wording (double-click or Ctrl+Shift+U to use it)")
        self.suggestions.itemDoubleClicked.connect(lambda _item: self.use_suggestion())
        self.use_button = QPushButton("Use This Wording")
        self.use_button.setToolTip("Replace the caption with the selected safe wording (Ctrl+Shift+U)")
        self.use_button.setShortcut(QKeySequence("Ctrl+Shift+U"))
        self.use_button.clicked.connect(self.use_suggestion)
        self.use_button.setEnabled(False)
        self.suggestions.currentRowChanged.connect(lambda row: self.use_button.setEnabled(row >= 0))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.editor, 2)
        layout.addWidget(self.status)
        layout.addWidget(self.flags, 1)
        self.suggest_title = QLabel("<b>Safe wording instead</b>")
        layout.addWidget(self.suggest_title)
        layout.addWidget(self.suggestions, 1)
        layout.addWidget(self.use_button)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DELAY_MS)
        self._timer.timeout.connect(self.check_now)
        self.editor.textChanged.connect(self._timer.start)
        self._show(None)

    def set_text(self, text: str) -> None:
        self.editor.setPlainText(text)

    def check_now(self) -> None:
        self._timer.stop()
        self._generation += 1
        text = self.editor.toPlainText()
        if not text.strip():
            self.result = None
            self._show(None)
            return
        self.status.setText("Checking…")
        self._start(self._generation, _check_job, text, ok=self._on_checked)

    @Slot(object, object)
    def _on_checked(self, generation: int, check: CaptionCheck) -> None:
        if generation != self._generation or check.text != self.editor.toPlainText():
            return  # typed on meanwhile: a newer check is coming
        self.result = check
        self._show(check)
        self.checked.emit(check)

    def _show(self, check: CaptionCheck | None) -> None:
        self.flags.clear()
        self.suggestions.clear()
        self.editor.setExtraSelections([])
        self.suggest_title.setVisible(bool(check and check.suggestions))
        self.suggestions.setVisible(bool(check and check.suggestions))
        self.use_button.setVisible(bool(check and check.suggestions))
        self.flags.setVisible(bool(check and check.flags))
        if check is None:
            self.status.setText("Type a caption to check it.")
            self.status.setStyleSheet("color: gray")
            return
        if check.clean:
            self.status.setText("✓ No names, dates, IDs or patient-revealing phrases found.")
            self.status.setStyleSheet(f"color: {OK_COLOUR}")
            return
        n = len(check.flags)
        self.status.setText(f"⚠ {n} thing{'s' if n != 1 else ''} to fix before posting")
        self.status.setStyleSheet(f"color: {WARN_COLOUR}; font-weight: bold")
        fmt = QTextCharFormat()
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        fmt.setUnderlineColor(QColor(WARN_COLOUR))
        fmt.setBackground(QColor(255, 220, 220))
        selections = []
        for flag in check.flags:
            label = "Phrase" if flag.kind == "phrase" else Kind(flag.kind).label
            item = QListWidgetItem(f"{label}: “{flag.text}” — {flag.reason}")
            item.setData(Qt.ItemDataRole.UserRole, flag.kind)
            self.flags.addItem(item)
            sel = QTextEdit.ExtraSelection()
            cursor = QTextCursor(self.editor.document())
            cursor.setPosition(flag.start)
            cursor.setPosition(flag.end, QTextCursor.MoveMode.KeepAnchor)
            sel.cursor, sel.format = cursor, fmt
            selections.append(sel)
        self.editor.setExtraSelections(selections)
        for template in check.suggestions:
            item = QListWidgetItem(f"{template.title}: {template.text}")
            item.setData(Qt.ItemDataRole.UserRole, template.text)
            self.suggestions.addItem(item)

    def flagged_kinds(self) -> Sequence[str]:
        return [f.kind for f in self.result.flags] if self.result else []

    def use_suggestion(self) -> None:
        item = self.suggestions.currentItem()
        if item is not None:
            self.editor.setPlainText(item.data(Qt.ItemDataRole.UserRole))
            self.check_now()


def _check_job(text: str, *, report: Any) -> CaptionCheck:
    return check_caption(text)
