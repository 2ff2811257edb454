"""One photo under review: its pixels, its regions and its undo history.

The document owns an immutable tuple of Regions; every edit builds a new tuple
and pushes one SetRegionsCommand that swaps the tuple before/after, so undo and
redo are one line each and no widget ever mutates a region in place. Widgets
listen to `regions_changed` and redraw.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from phiscrub.models import Box, Kind, Region, ScanResult


class State(Enum):
    LOADING = "loading"
    SCANNING = "scanning"
    READY = "ready"  # scanned: findings are regions, editing allowed
    FAILED = "failed"


class SetRegionsCommand(QUndoCommand):
    """Replace the document's regions with `after`; undo puts `before` back."""

    def __init__(self, doc: PhotoDocument, before: tuple[Region, ...], after: tuple[Region, ...], text: str):
        super().__init__(text)
        self.doc, self.before, self.after = doc, before, after

    def redo(self) -> None:
        self.doc._set_regions(self.after)

    def undo(self) -> None:
        self.doc._set_regions(self.before)


class PhotoDocument(QObject):
    """A photo being reviewed. Coordinates are pixels of the upright image."""

    regions_changed = Signal()
    state_changed = Signal()

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.pixels: np.ndarray | None = None
        self.format: str | None = None
        self.state = State.LOADING
        self.error: str | None = None
        self.scan_result: ScanResult | None = None
        self.exported_to: Path | None = None
        self._regions: tuple[Region, ...] = ()
        self.undo_stack = QUndoStack(self)

    # ---------------------------------------------------------------- state

    @property
    def regions(self) -> tuple[Region, ...]:
        return self._regions

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the upright image; (0, 0) before it is loaded."""
        if self.pixels is None:
            return (0, 0)
        return (int(self.pixels.shape[1]), int(self.pixels.shape[0]))

    @property
    def editable(self) -> bool:
        return self.state is State.READY

    def set_image(self, pixels: np.ndarray, fmt: str) -> None:
        self.pixels, self.format = pixels, fmt
        self._set_state(State.SCANNING)

    def set_scan_result(self, result: ScanResult) -> None:
        """The findings become the starting regions; that is not an undoable edit."""
        self.scan_result = result
        self._regions = result.regions()
        self.undo_stack.clear()
        self.regions_changed.emit()
        self._set_state(State.READY)

    def fail(self, message: str) -> None:
        self.error = message
        self._set_state(State.FAILED)

    def _set_state(self, state: State) -> None:
        self.state = state
        self.state_changed.emit()

    def _set_regions(self, regions: tuple[Region, ...]) -> None:
        self._regions = regions
        self.regions_changed.emit()

    # ---------------------------------------------------------------- edits

    def _push(self, after: Iterable[Region], text: str) -> None:
        after = tuple(after)
        if after != self._regions:
            self.undo_stack.push(SetRegionsCommand(self, self._regions, after, text))

    def set_redacted(self, indices: Iterable[int], redacted: bool) -> None:
        chosen = set(indices)
        self._push(
            (r.with_redacted(redacted) if i in chosen else r for i, r in enumerate(self._regions)),
            "Redact region" if redacted else "Keep region",
        )

    def toggle(self, indices: Iterable[int]) -> None:
        """Flip each region; several at once all follow the first one, as checkboxes do."""
        chosen = sorted(set(indices))
        if chosen:
            self.set_redacted(chosen, not self._regions[chosen[0]].redacted)

    def delete(self, indices: Iterable[int]) -> None:
        chosen = set(indices)
        if chosen:
            self._push((r for i, r in enumerate(self._regions) if i not in chosen), "Delete region")

    def add(self, box: Box) -> None:
        region = Region(kind=Kind.MANUAL, box=self._clip(box), detector="manual")
        self._push(self._regions + (region,), "Draw region")

    def move(self, index: int, box: Box) -> None:
        regions = list(self._regions)
        regions[index] = regions[index].moved_to(self._clip(box))
        self._push(regions, "Move region")

    def _clip(self, box: Box) -> Box:
        w, h = self.size
        return box.clip(w, h) if w and h else box

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()
