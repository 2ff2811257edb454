"""The side list of regions: one checkable row per region, by kind label only.

A row never shows recognised text, only what kind of thing was found ("Name",
"Face 93%"); checked means the region will be covered in the export.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from phiscrub.models import Kind, Region
from phiscrub.ui.canvas import KIND_COLOURS

#: Detectors whose score is a confidence worth showing (a face detector's is;
#: a text classifier's fixed rule score is not).
_SCORED_KINDS = {Kind.FACE}


def region_label(region: Region) -> str:
    """ "Name", "Face 93%", "Drawn region"; never the text that was read."""
    label = region.kind.label
    if region.kind in _SCORED_KINDS:
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
        self.setToolTip("Checked regions are covered in the export. Click a box to keep or redact.")
        self.itemChanged.connect(self._on_item_changed)
        self.itemSelectionChanged.connect(lambda: self.selection_changed.emit(self.selected_indices()))
        self._updating = False

    def set_regions(self, regions: Iterable[Region], placeholder: str = "") -> None:
        selected = set(self.selected_indices())
        self._updating = True
        self.blockSignals(True)
        try:
            self.clear()
            regions = tuple(regions)
            for i, region in enumerate(regions):
                item = QListWidgetItem(_swatch(KIND_COLOURS[region.kind]), region_label(region))
                item.setData(Qt.ItemDataRole.UserRole, i)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if region.redacted else Qt.CheckState.Unchecked)
                tip = "Covered in the export" if region.redacted else "Kept (not covered)"
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
            self.toggled.emit(int(index), item.checkState() == Qt.CheckState.Checked)
