"""The review queue: the batch scan running behind the window, thumbnails, and the photo strip.

`BatchRunner` runs the core's `batch.process` generator (the one the CLI uses) on a
Python thread and reports each FileResult by a queued signal; it cancels between
yields, and closing the generator cancels the files not yet started. Thumbnails are
decoded on their own thread, small (the JPEG decoder's DCT scaling does most of
the work) and kept in memory only: a thumbnail of a ward photo is still PHI, so it
is never written to a cache on disk.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QRect,
    QSize,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from phiscrub.batch import FileResult, InputFile, process
from phiscrub.ui.document import PhotoDocument, State

log = logging.getLogger(__name__)

THUMB_SIZE = QSize(96, 72)
ROW_HEIGHT = THUMB_SIZE.height() + 10


# ---------------------------------------------------------------------- background threads


class RunnerSignals(QObject):
    result = Signal(int, object)  # run id, FileResult
    finished = Signal(int, bool)  # run id, cancelled


class BatchRunner:
    """One batch scan on a thread. `workers` > 1 spreads the photos over that many
    processes (the core spawns them); with 1 the scan runs on this thread with the
    window's own Scanner, taking `lock` so no other job uses that Scanner meanwhile."""

    def __init__(
        self,
        run_id: int,
        inputs: Sequence[InputFile],
        scanner: Any,
        workers: int,
        signals: RunnerSignals,
        lock: threading.Lock,
    ) -> None:
        self.run_id = run_id
        self.inputs = list(inputs)
        self.workers = workers
        self._scanner, self._signals, self._lock = scanner, signals, lock
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"phiscrub-batch-{run_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        lock = self._lock if self.workers <= 1 else None
        try:
            if lock is not None:
                lock.acquire()
            results = process(self.inputs, self._scanner, workers=self.workers)
            try:
                for result in results:
                    if self._cancel.is_set():
                        break
                    self._signals.result.emit(self.run_id, result)
                    if self._cancel.is_set():
                        break
            finally:
                results.close()  # cancels what has not started; waits for the photos in flight
        except Exception as exc:  # noqa: BLE001 - e.g. worker processes could not start
            log.debug("batch run failed", exc_info=True)
            reason = f"the scan could not run ({type(exc).__name__})"
            for item in self.inputs:
                if self._cancel.is_set():
                    break
                self._signals.result.emit(self.run_id, FileResult(item, "error", error=reason))
        finally:
            if lock is not None:
                lock.release()
            self._signals.finished.emit(self.run_id, self._cancel.is_set())


def make_thumbnail(path: Path, size: QSize = THUMB_SIZE) -> np.ndarray:
    """A small upright RGB copy of the photo at `path` (EXIF orientation applied)."""
    with Image.open(path) as im:
        im.draft("RGB", (size.width() * 2, size.height() * 2))
        small = ImageOps.exif_transpose(im).convert("RGB")
    small.thumbnail((size.width(), size.height()))
    return np.ascontiguousarray(np.asarray(small))


class ThumbnailSignals(QObject):
    ready = Signal(str, object)  # path, RGB array
    failed = Signal(str)


class ThumbnailLoader:
    """Makes thumbnails one by one on a thread, in the order asked; `prioritise`
    moves photos to the front (the ones in view in the strip, the one on screen)."""

    def __init__(self, signals: ThumbnailSignals, make: Callable[[Path], np.ndarray] | None = None):
        self._signals = signals
        self._make = make if make is not None else make_thumbnail
        self._queue: deque[Path] = deque()
        self._wake = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="phiscrub-thumbnails", daemon=True)
        self._thread.start()

    def add(self, paths: Sequence[Path]) -> None:
        with self._wake:
            self._queue.extend(paths)
            self._wake.notify()

    def prioritise(self, paths: Sequence[Path]) -> None:
        """Make the thumbnails of `paths` next, in that order; the rest keep theirs.
        Paths already made (or being made) are left alone."""
        with self._wake:
            if not self._queue:
                return
            waiting = set(self._queue)
            first = [p for p in dict.fromkeys(paths) if p in waiting]
            if not first or list(self._queue)[: len(first)] == first:
                return
            chosen = set(first)
            self._queue = deque(first + [p for p in self._queue if p not in chosen])

    def pending(self) -> int:
        with self._wake:
            return len(self._queue)

    def stop(self, timeout: float = 10.0) -> None:
        with self._wake:
            self._stop = True
            self._queue.clear()
            self._wake.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._stop:
                    self._wake.wait()
                if self._stop:
                    return
                path = self._queue.popleft()
            try:
                pixels = self._make(path)
            except Exception:  # noqa: BLE001 - the scan says what is wrong with the file
                self._signals.failed.emit(str(path))
            else:
                self._signals.ready.emit(str(path), pixels)


# ---------------------------------------------------------------------- model


DocRole = Qt.ItemDataRole.UserRole + 1
RankRole = Qt.ItemDataRole.UserRole + 2
BadgeRole = Qt.ItemDataRole.UserRole + 3

#: badge text colour / background per status key
BADGE_COLOURS = {
    "queued": ("#555555", "#e0e0e0"),
    "scanning": ("#ffffff", "#2f6fb5"),
    "found": ("#ffffff", "#d35400"),
    "nothing": ("#1e5b2e", "#cdebd3"),
    "error": ("#ffffff", "#c0392b"),
    "cancelled": ("#555555", "#f3e2b3"),
    "reviewed": ("#ffffff", "#27864a"),
    "exported": ("#ffffff", "#5b3fa6"),
    "check_me": ("#000000", "#ff9800"),
    "warning": ("#ffffff", "#b00020"),
}


def badge(doc: PhotoDocument) -> tuple[str, str]:
    """(status key, badge text) for a photo: its place in the queue and the review."""
    if doc.state is State.QUEUED:
        return "queued", "queued"
    if doc.state is State.SCANNING:
        return "scanning", "scanning…"
    if doc.state is State.FAILED:
        return "error", "error"
    if doc.state is State.CANCELLED:
        return "cancelled", "not scanned"
    if doc.exported_to is not None and not doc.modified:
        check = doc.export_check
        if check is not None and check.warns:
            return "warning", "check export"
        return "exported", "exported"
    if doc.reviewed:
        return "reviewed", "reviewed"
    if doc.check_me:
        return "check_me", f"{len(doc.check_me)} to check"
    n = sum(1 for r in doc.regions if r.redacted)
    if not doc.found and not doc.regions:
        return "nothing", "nothing found"
    return "found", f"{n} finding{'s' if n != 1 else ''}"


def needs_review(doc: PhotoDocument) -> bool:
    return doc.state is State.READY and not doc.reviewed


def review_rank(doc: PhotoDocument) -> int:
    """Sort key for "needs review first": photos with findings to check, then clean-
    looking ones (still to be looked at), then the queue, problems, and done ones."""
    if doc.state is State.READY and not doc.reviewed:
        return 0 if (doc.found or doc.regions) else 1
    if doc.busy:
        return 2
    if doc.state in (State.FAILED, State.CANCELLED):
        return 3
    return 4


class PhotoListModel(QAbstractListModel):
    """The open photos in the order they were opened, with thumbnails and badges."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.docs: list[PhotoDocument] = []
        self._rows: dict[Path, int] = {}
        self._thumbs: dict[Path, QPixmap] = {}
        self._placeholder = _placeholder_pixmap()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.docs)

    def add(self, docs: Sequence[PhotoDocument]) -> None:
        if not docs:
            return
        first = len(self.docs)
        self.beginInsertRows(QModelIndex(), first, first + len(docs) - 1)
        for doc in docs:
            self._rows[doc.path] = len(self.docs)
            self.docs.append(doc)
        self.endInsertRows()

    def row_of(self, path: Path) -> int | None:
        return self._rows.get(Path(path))

    def doc_changed(self, doc: PhotoDocument) -> None:
        row = self._rows.get(doc.path)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def set_thumbnail(self, path: Path, pixmap: QPixmap) -> None:
        path = Path(path)
        self._thumbs[path] = pixmap
        row = self._rows.get(path)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def has_thumbnail(self, path: Path) -> bool:
        return Path(path) in self._thumbs

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.docs):
            return None
        doc = self.docs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return ("• " if doc.modified else "") + doc.path.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbs.get(doc.path, self._placeholder)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = str(doc.path)
            if doc.state is State.FAILED and doc.error:
                tip += f"\nError: {doc.error}"
            if doc.exported_to is not None:
                tip += f"\nExported to {doc.exported_to}"
            if doc.export_check is not None and doc.export_check.warns:
                tip += "\n" + "\n".join(doc.export_check.lines())
            return tip
        if role == Qt.ItemDataRole.UserRole:
            return str(doc.path)
        if role == DocRole:
            return doc
        if role == RankRole:
            return review_rank(doc)
        if role == BadgeRole:
            return badge(doc)
        return None


def _placeholder_pixmap() -> QPixmap:
    pixmap = QPixmap(THUMB_SIZE)
    pixmap.fill(QColor(70, 72, 78))
    return pixmap


class PhotoFilter(QSortFilterProxyModel):
    """The strip's order and filter: all photos in folder order, needs-review first,
    only those needing review, or only problems."""

    MODES = {
        "all": "All photos",
        "review_first": "Needs review first",
        "review_only": "Needs review only",
        "problems": "Errors and not scanned",
    }

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mode = "all"
        self.setDynamicSortFilter(True)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.invalidate()
        self.sort(0 if mode != "all" else -1)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:  # noqa: N802
        if self.mode not in ("review_only", "problems"):
            return True
        doc = self.sourceModel().docs[source_row]
        if self.mode == "review_only":
            return needs_review(doc)
        return doc.state in (State.FAILED, State.CANCELLED)

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:  # noqa: N802
        if self.mode == "all":
            return left.row() < right.row()
        a, b = left.data(RankRole), right.data(RankRole)
        return (a, left.row()) < (b, right.row())


class PhotoDelegate(QStyledItemDelegate):
    """A row of the strip: thumbnail, file name and a coloured status badge."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        return QSize(220, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        painter.save()
        rect = option.rect
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, option.palette.highlight())
            text_colour = option.palette.highlightedText().color()
        else:
            text_colour = option.palette.text().color()
        pixmap: QPixmap = index.data(Qt.ItemDataRole.DecorationRole)
        thumb = QRect(rect.left() + 4, rect.top() + 5, THUMB_SIZE.width(), THUMB_SIZE.height())
        if pixmap is not None and not pixmap.isNull():
            scaled = pixmap.size().scaled(thumb.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(thumb.center())
            painter.drawPixmap(target, pixmap)
        x = thumb.right() + 8
        width = rect.right() - x - 4
        name_font = QFont(option.font)
        painter.setFont(name_font)
        painter.setPen(text_colour)
        metrics = painter.fontMetrics()
        name = index.data(Qt.ItemDataRole.DisplayRole) or ""
        name = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width)
        painter.drawText(QRect(x, rect.top() + 8, width, metrics.height()), Qt.AlignmentFlag.AlignLeft, name)
        key, text = index.data(BadgeRole) or ("queued", "")
        fg, bg = BADGE_COLOURS[key]
        badge_font = QFont(option.font)
        badge_font.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.85))
        badge_font.setBold(True)
        painter.setFont(badge_font)
        bm = painter.fontMetrics()
        pill = QRect(x, rect.top() + 14 + metrics.height(), bm.horizontalAdvance(text) + 12, bm.height() + 4)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(bg))
        painter.drawRoundedRect(pill, 6, 6)
        painter.setPen(QColor(fg))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()
