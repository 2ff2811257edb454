"""One photo under review: its review (regions and decisions), its undo history and,
while on screen, its pixels.

The document owns an immutable `PhotoReview` (phiscrub.review): every region with
its decision (cover, keep, consent with a form reference, or "check me"), and
whether the photo was marked reviewed. Every edit builds a new review and pushes
one SetReviewCommand that swaps it before/after, so undo and redo are one line
each, cover decisions and the reviewed mark alike, and no widget ever mutates a
region in place. Widgets listen to `regions_changed` and redraw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from phiscrub.batch import InputFile
from phiscrub.models import Box, Kind, Region
from phiscrub.review import CHECK_ME_BELOW, Consent, Decision, PhotoReview, ReviewedRegion


class State(Enum):
    """Where the photo is in the scan queue (independent of whether its pixels are loaded)."""

    QUEUED = "queued"
    SCANNING = "scanning"
    READY = "ready"  # scanned: findings are regions, editing allowed
    FAILED = "failed"  # could not be loaded or scanned; `error` says why
    CANCELLED = "cancelled"  # the batch was cancelled before this photo was scanned


class SetReviewCommand(QUndoCommand):
    """Replace the document's review with `after`; undo puts `before` back."""

    def __init__(self, doc: PhotoDocument, before: PhotoReview, after: PhotoReview, text: str):
        super().__init__(text)
        self.doc, self.before, self.after = doc, before, after

    def redo(self) -> None:
        self.doc._set_review(self.after)

    def undo(self) -> None:
        self.doc._set_review(self.before)


class PhotoDocument(QObject):
    """A photo being reviewed. Coordinates are pixels of the upright image."""

    regions_changed = Signal()
    state_changed = Signal()

    def __init__(
        self, path: Path, parent: QObject | None = None, check_me_below: float = CHECK_ME_BELOW
    ) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.input = InputFile(self.path, str(self.path))  # as the batch and the report name it
        self.check_me_below = check_me_below
        # Only the photo on screen holds its pixels; the others are reloaded when
        # shown again, so a folder of 1,000 photos never sits in memory at once.
        self.pixels: np.ndarray | None = None
        self.format: str | None = None
        self.state = State.QUEUED
        self.error: str | None = None
        self.found: tuple[Region, ...] | None = None  # what the scan found, before review
        self.width = self.height = 0
        self.exported_to: Path | None = None
        #: The verification pass over the last export (phiscrub.ui.compliance.ExportCheck).
        self.export_check: Any = None
        self._review = PhotoReview()
        self.undo_stack = QUndoStack(self)

    # ---------------------------------------------------------------- state

    @property
    def review(self) -> PhotoReview:
        return self._review

    @property
    def regions(self) -> tuple[Region, ...]:
        """The regions as the export draws them: covered ones redacted, kept ones not."""
        return self._review.regions()

    @property
    def decisions(self) -> tuple[Decision, ...]:
        return tuple(item.decision for item in self._review.items)

    @property
    def check_me(self) -> tuple[int, ...]:
        return self._review.check_me

    @property
    def reviewed(self) -> bool:
        return self._review.reviewed

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
        """The findings become the starting regions (weak ones "check me"); that is not
        an undoable edit."""
        self.found = tuple(regions)
        if width and height:
            self.width, self.height = int(width), int(height)
        self.error = None
        self._review = PhotoReview.of(self.found, self.check_me_below)
        self.undo_stack.clear()
        self.regions_changed.emit()
        self._set_state(State.READY)

    def restore(
        self,
        found: tuple[Region, ...],
        review: PhotoReview,
        width: int | None,
        height: int | None,
        exported_to: Path | None,
        export_check: Any = None,
    ) -> None:
        """Review state saved by an earlier session: the saved review is the starting
        point (the saved state is clean; undo starts here). `export_check`: what
        verifying the last export found (phiscrub.ui.compliance.SavedCheck)."""
        self.set_scan_result(found, width, height)
        self._review = review
        self.exported_to = exported_to
        self.export_check = export_check if exported_to is not None else None
        self.regions_changed.emit()
        self.state_changed.emit()

    def set_check_me_below(self, threshold: float) -> None:
        """Findings under `threshold` are "check me" from now on: in the scan still to come
        and, when nobody has started reviewing this photo (no edit, not marked reviewed),
        in its current regions too. Decisions a person made are never redone."""
        before, self.check_me_below = self.check_me_below, threshold
        if self.found is None or threshold == before or self.undo_stack.count() or self.reviewed:
            return
        if self._review != PhotoReview.of(self.found, before):
            return  # a saved review with decisions in it
        self._review = PhotoReview.of(self.found, threshold)
        self.regions_changed.emit()

    def fail(self, message: str) -> None:
        self.error = message
        self._set_state(State.FAILED)

    def set_reviewed(self, reviewed: bool) -> None:
        """Mark (or unmark) the photo reviewed, as an undoable step. Raises
        phiscrub.review.ReviewError while a "check me" region is undecided."""
        if reviewed == self.reviewed:
            return
        after = self._review.mark_reviewed() if reviewed else self._review.unmark_reviewed()
        self._push(after, "Mark reviewed" if reviewed else "Unmark reviewed")

    def mark_exported(self, dest: Path, check: Any = None) -> None:
        self.exported_to = Path(dest)
        self.export_check = check
        self.state_changed.emit()

    def _set_state(self, state: State) -> None:
        self.state = state
        self.state_changed.emit()

    def _set_review(self, review: PhotoReview) -> None:
        was_reviewed = self._review.reviewed
        self._review = review
        self.regions_changed.emit()
        if review.reviewed != was_reviewed:
            self.state_changed.emit()

    # ---------------------------------------------------------------- edits

    def _push(self, after: PhotoReview, text: str) -> None:
        if after != self._review:
            self.undo_stack.push(SetReviewCommand(self, self._review, after, text))

    def decide(self, indices: Iterable[int], decision: Decision, consent: Consent | None = None) -> None:
        """Decide the regions at `indices` (CONSENT needs `consent`, and it is recorded
        for each of them)."""
        review = self._review
        chosen = sorted(set(indices))
        for i in chosen:
            review = review.decide(i, decision, consent)
        if chosen:
            self._push(review, {
                Decision.COVER: "Cover region",
                Decision.KEEP: "Keep region",
                Decision.CONSENT: "Keep region by consent",
                Decision.CHECK: "Mark region \"check me\"",
            }[Decision(decision)])

    def set_redacted(self, indices: Iterable[int], redacted: bool) -> None:
        self.decide(indices, Decision.COVER if redacted else Decision.KEEP)

    def toggle(self, indices: Iterable[int]) -> None:
        """Flip each region between covered and kept; several at once all follow the
        first one, as checkboxes do. An undecided "check me" region counts as covered."""
        chosen = sorted(set(indices))
        if chosen:
            self.set_redacted(chosen, not self.regions[chosen[0]].redacted)

    def delete(self, indices: Iterable[int]) -> None:
        review = self._review
        for i in sorted(set(indices), reverse=True):
            review = review.remove(i)
        if review.items != self._review.items:
            self._push(review, "Delete region")

    def add(self, box: Box) -> None:
        region = Region(kind=Kind.MANUAL, box=self._clip(box), detector="manual")
        self._push(self._review.add(region), "Draw region")

    def move(self, index: int, box: Box) -> None:
        items = list(self._review.items)
        item = items[index]
        moved = item.region.moved_to(self._clip(box))
        if moved == item.region:
            return
        items[index] = ReviewedRegion(moved, item.decision, item.consent)
        self._push(replace(self._review, items=tuple(items), reviewed=False), "Move region")

    def _clip(self, box: Box) -> Box:
        w, h = self.size
        return box.clip(w, h) if w and h else box

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()
