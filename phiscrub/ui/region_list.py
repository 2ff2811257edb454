"""The side list of regions: one checkable row per region, by kind label only.

A row never shows recognised text, only what kind of thing was found ("Name",
"Face 93%") and the decision; checked means the region will be covered in the
export. A "check me" region (a weak detector hit nobody decided yet) is half
checked, orange and flagged; a region kept by consent shows its form reference
(never a name). The list can show only the "check me" rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from phiscrub.models import Kind, Region
from phiscrub.review import Decision, ReviewedRegion
from phiscrub.ui.canvas import CHECK_ME_COLOUR, CONSENT_COLOUR, KIND_COLOURS
from phiscrub.ui.compliance import decision_note

#: Detectors whose score is a confidence worth showing (a face detector's is;
#: a text classifier's fixed rule score is not).
_SCORED_KINDS = {Kind.FACE}
_CHECK_ROLE = Qt.ItemDataRole.UserRole + 1


def region_label(region: Region, decision: Decision | None = None) -> str:
    """ "Name", "Face 93%", "Drawn region"; never the text that was read. A "check me"
    region shows its score (the reason it is unsure)."""
    label = region.kind.label
    if region.kind in _SCORED_KINDS or decision is Decision.CHECK:
        label += f" {round(region.score * 100)}%"
    return label


def _swatch(colour: QColor) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(colour)
    return QIcon(pixmap)


class RegionList(QListWidget):
    """Emits `toggled(index, redacted)` when a checkbox is clicked and
    `selection_changed(indices)` when the user selects rows."""

    toggled = Signal(int, bool)
    selection_changed = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setToolTip(
            "Checked regions are covered in the export. Click a box to keep or cover.\n"
            "Orange \u26a0 rows are \"check me\": decide them (C cover, K keep, Shift+K consent)."
        )
        self.itemChanged.connect(self._on_item_changed)
        self.itemSelectionChanged.connect(lambda: self.selection_changed.emit(self.selected_indices()))
        self._updating = False
        self._check_only = False

    def set_check_only(self, on: bool) -> None:
        """Show only the "check me" rows (or all rows again)."""
        self._check_only = on
        self._apply_filter()

    def _apply_filter(self) -> None:
        for row in range(self.count()):
            item = self.item(row)
            is_check = item.data(_CHECK_ROLE) is True
            self.setRowHidden(row, self._check_only and item.data(Qt.ItemDataRole.UserRole) is not None
                              and not is_check)

    def set_regions(
        self,
        regions: Iterable[Region],
        placeholder: str = "",
        items: Iterable[ReviewedRegion] | None = None,
    ) -> None:
        """One row per region; `items` (the review, parallel to `regions`) adds decisions."""
        selected = set(self.selected_indices())
        self._updating = True
        self.blockSignals(True)
        try:
            self.clear()
            regions = tuple(regions)
            reviewed = tuple(items) if items is not None else (None,) * len(regions)
            for i, (region, rr) in enumerate(zip(regions, reviewed, strict=True)):
                decision = rr.decision if rr is not None else None
                label = region_label(region, decision)
                item = QListWidgetItem(_swatch(KIND_COLOURS[region.kind]), label)
                item.setData(Qt.ItemDataRole.UserRole, i)
                item.setData(_CHECK_ROLE, decision is Decision.CHECK)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if region.redacted else Qt.CheckState.Unchecked)
                tip = "Covered in the export" if region.redacted else "Kept (not covered)"
                if decision is Decision.CHECK:
                    item.setText(f"\u26a0 Check me: {label}")
                    item.setCheckState(Qt.CheckState.PartiallyChecked)
                    item.setForeground(CHECK_ME_COLOUR.darker(130))
                    item.setBackground(QColor(255, 236, 204))
                    tip = ("Check me: the detector is unsure. Covered until you decide "
                           "(C cover, K keep, Shift+K consent on file)")
                elif decision is Decision.CONSENT and rr is not None:
                    item.setText(f"{label} — {decision_note(decision, rr.consent)}")
                    item.setForeground(CONSENT_COLOUR.darker(120))
                    tip = f"Kept visible: {decision_note(decision, rr.consent)}"
                if region.reason:
                    tip += f"\nWhy: {region.reason}"  # reasons are content-free by contract
                item.setToolTip(tip)
                self.addItem(item)
                item.setSelected(i in selected)
            if not regions and placeholder:
                item = QListWidgetItem(placeholder)
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.addItem(item)
        finally:
            self.blockSignals(False)
            self._updating = False
        self._apply_filter()

    def selected_indices(self) -> list[int]:
        out = []
        for item in self.selectedItems():
            index = item.data(Qt.ItemDataRole.UserRole)
            if index is not None:
                out.append(int(index))
        return sorted(out)

    def select_indices(self, indices: Iterable[int]) -> None:
        wanted = set(indices)
        self.blockSignals(True)
        try:
            for row in range(self.count()):
                item = self.item(row)
                item.setSelected(item.data(Qt.ItemDataRole.UserRole) in wanted)
        finally:
            self.blockSignals(False)

    def row_for(self, index: int) -> QListWidgetItem | None:
        for row in range(self.count()):
            item = self.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == index:
                return item
        return None

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        if self._updating:
            return
        index = item.data(Qt.ItemDataRole.UserRole)
        if index is not None:
            self.toggled.emit(int(index), item.checkState() != Qt.CheckState.Unchecked)
