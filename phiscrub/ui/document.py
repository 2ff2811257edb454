"""One photo under review: its regions, its undo history and, while on screen, its pixels.

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

from phiscrub.batch import InputFile
from phiscrub.models import Box, Kind, Region


class State(Enum):
    """Where the photo is in the scan queue (independent of whether its pixels are loaded)."""

    QUEUED = "queued"
    SCANNING = "scanning"
    READY = "ready"  # scanned: findings are regions, editing allowed
    FAILED = "failed"  # could not be loaded or scanned; `error` says why
    CANCELLED = "cancelled"  # the batch was cancelled before this photo was scanned


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
        self.input = InputFile(self.path, str(self.path))  # as the batch and the report name it
        # Only the photo on screen holds its pixels; the others are reloaded when
        # shown again, so a folder of 1,000 photos never sits in memory at once.
        self.pixels: np.ndarray | None = None
        self.format: str | None = None
        self.state = State.QUEUED
        self.error: str | None = None
        self.found: tuple[Region, ...] | None = None  # what the scan found, before review
        self.width = self.height = 0
        self.reviewed = False
        self.exported_to: Path | None = None
        self._regions: tuple[Region, ...] = ()
        self.undo_stack = QUndoStack(self)

    # ---------------------------------------------------------------- state

    @property
    def regions(self) -> tuple[Region, ...]:
        return self._regions

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the upright image; (0, 0) while unknown."""
        if self.pixels is not None:
            return (int(self.pixels.shape[1]), int(self.pixels.shape[0]))
        return (self.width, self.height)

    @property
    def editable(self) -> bool:
        return self.state is State.READY

    @property
    def busy(self) -> bool:
        return self.state in (State.QUEUED, State.SCANNING)

    def set_image(self, pixels: np.ndarray, fmt: str) -> None:
        self.pixels, self.format = pixels, fmt
        self.height, self.width = (int(v) for v in pixels.shape[:2])

    def release_pixels(self) -> None:
        self.pixels = None

    def set_state(self, state: State) -> None:
        if state is not self.state:
            self._set_state(state)

    def set_scan_result(self, regions: tuple[Region, ...], width: int | None, height: int | None) -> None:
        """The findings become the starting regions; that is not an undoable edit."""
        self.found = tuple(regions)
        if width and height:
            self.width, self.height = int(width), int(height)
        self.error = None
        self._regions = self.found
        self.undo_stack.clear()
        self.regions_changed.emit()
        self._set_state(State.READY)

    def restore(
        self,
        found: tuple[Region, ...],
        regions: tuple[Region, ...],
        width: int | None,
        height: int | None,
        reviewed: bool,
        exported_to: Path | None,
    ) -> None:
        """Review state saved by an earlier session: the reviewed regions are the
        starting point (the saved state is clean; undo starts here)."""
        self.set_scan_result(found, width, height)
        self._regions = tuple(regions)
        self.reviewed = reviewed
        self.exported_to = exported_to
        self.regions_changed.emit()
        self.state_changed.emit()

    def fail(self, message: str) -> None:
        self.error = message
        self._set_state(State.FAILED)

    def set_reviewed(self, reviewed: bool) -> None:
        if reviewed != self.reviewed:
            self.reviewed = reviewed
            self.state_changed.emit()

    def mark_exported(self, dest: Path) -> None:
        self.exported_to = Path(dest)
        self.state_changed.emit()

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
