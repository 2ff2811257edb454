"""The main window: open photos, watch the scan, review regions, preview, export.

The window wires widgets to the current PhotoDocument and starts background jobs;
it holds no region state of its own. Each photo keeps its own document and undo
stack (collected in one QUndoGroup, so Undo/Redo act on the photo on screen).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from phiscrub.imageio import SUPPORTED_SUFFIXES, LoadedImage, output_format
from phiscrub.models import ScanResult
from phiscrub.redact import Style
from phiscrub.ui import preferences as prefs_io
from phiscrub.ui.canvas import PhotoView, pixmap_from_array
from phiscrub.ui.document import PhotoDocument, State
from phiscrub.ui.preferences import Preferences, PreferencesError
from phiscrub.ui.preferences_dialog import STYLE_NAMES, PreferencesDialog
from phiscrub.ui.region_list import RegionList
from phiscrub.ui.workers import (
    Job,
    Preview,
    Workers,
    export_clean,
    load_photo,
    render_clean,
    scan_photo,
    warm_up,
)

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parents[2] / "assets"
NO_PHI_MESSAGE = "No PHI found — review the photo yourself before posting"
PHOTO_FILTER = "Photos ({})".format(" ".join(f"*{s}" for s in sorted(SUPPORTED_SUFFIXES)))


def asset_icon(name: str, fallback: QIcon) -> QIcon:
    path = ASSETS / name
    return QIcon(str(path)) if path.exists() else fallback


class MainWindow(QMainWindow):
    """Signals let tests (and the screenshot hook) wait on the background work."""

    photo_shown = Signal(object)  # PhotoDocument, first pixels on screen (maybe a preview)
    photo_loaded = Signal(object)  # PhotoDocument, the core's full pixels
    scan_finished = Signal(object)  # PhotoDocument, findings are regions now
    preview_rendered = Signal(object)  # the exact export pixels shown as "after"
    export_finished = Signal(object)  # Path written
    error_shown = Signal(str)

    def __init__(
        self,
        *,
        scanner: Any = None,
        settings: QSettings | None = None,
        prefs_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.prefs_path = prefs_path or prefs_io.default_path()
        self.prefs = self._load_prefs()
        self._scanner = scanner
        self._scanner_engine = getattr(scanner, "engine_name", None)
        self.workers = Workers(self)
        self.undo_group = QUndoGroup(self)
        self.docs: dict[Path, PhotoDocument] = {}
        self.doc: PhotoDocument | None = None
        self.redaction_style = self.prefs.redaction_style
        self.confirm_close = True
        self.closing = False
        self._render_generation = 0
        self._after_ready = False
        self._opened_at: dict[Path, float] = {}
        self.open_timings: dict[Path, float] = {}  # seconds from open to first pixels shown

        self.setWindowTitle("phiscrub[*]")
        self.setWindowIcon(asset_icon("phiscrub.svg", QIcon()))
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_actions()
        self._restore_geometry()
        self._update_actions()
        self.undo_group.cleanChanged.connect(self._update_modified)
        if scanner is None:
            # Load the models now so the first photo is not kept waiting for them.
            self._run(None, warm_up, self.scanner(), failed=self._on_warm_up_failed, scan=True)

    # ------------------------------------------------------------------ building

    def _build_widgets(self) -> None:
        self.view = PhotoView()
        self.region_list = RegionList()
        self.summary = QLabel("Open a photo to review it.")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 6, 6, 6)
        title = QLabel("<b>Found in this photo</b>")
        side_layout.addWidget(title)
        side_layout.addWidget(self.summary)
        side_layout.addWidget(self.region_list, 1)
        hint = QLabel("Checked = covered. Space toggles, Del deletes, R draws a new region.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: gray")
        side_layout.addWidget(hint)

        self.file_list = QListWidget()
        self.file_list.setToolTip("Photos opened in this window (Page Up / Page Down)")
        self.file_list.currentItemChanged.connect(self._on_file_chosen)
        self.file_list.hide()

        self.splitter = QSplitter()
        self.splitter.addWidget(self.file_list)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([180, 1000, 260])
        self.setCentralWidget(self.splitter)

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # indeterminate: the scan reports no steps
        self.progress.setMaximumWidth(140)
        self.progress.hide()
        self.zoom_label = QLabel()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.zoom_label)
        self.view.zoom_changed.connect(lambda z: self.zoom_label.setText(f"{z * 100:.0f}%"))

        scene = self.view.photo_scene
        # Queued: a gesture's item is rebuilt by the edit, so the edit must run
        # after the item's own mouse handler has returned.
        queued = Qt.ConnectionType.QueuedConnection
        scene.region_edited.connect(self._on_region_edited, queued)
        scene.region_drawn.connect(self._on_region_drawn, queued)
        scene.toggle_requested.connect(self._on_toggle_requested, queued)
        scene.selectionChanged.connect(self._sync_list_selection)
        self.region_list.toggled.connect(self._on_list_toggled, queued)
        self.region_list.selection_changed.connect(self.view.select_indices)

    def _action(
        self, text: str, shortcut: Any = None, slot: Any = None, tip: str = "", icon: Any = None
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if slot is not None:
            action.triggered.connect(slot)
        if icon is not None:
            action.setIcon(icon)
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip or text.replace('&', '').rstrip('…')}" + (f" ({keys})" if keys else ""))
        action.setStatusTip(tip)
        self.addAction(action)  # shortcuts work even when the toolbar is hidden
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap

        def std(pixmap):
            return QApplication.style().standardIcon(pixmap)

        self.act_open = self._action(
            "&Open…",
            QKeySequence.StandardKey.Open,
            self.open_dialog,
            "Open photos",
            std(sp.SP_DialogOpenButton),
        )
        self.act_open_folder = self._action(
            "Open &Folder…",
            "Ctrl+Shift+O",
            self.open_folder_dialog,
            "Open every photo in a folder",
            std(sp.SP_DirOpenIcon),
        )
        self.act_export = self._action(
            "&Export Clean Copy",
            "Ctrl+E",
            self.export_current,
            "Write a redacted, metadata-free copy (never over the original)",
            asset_icon("export.svg", std(sp.SP_DialogSaveButton)),
        )
        self.act_prefs = self._action(
            "&Preferences…", QKeySequence.StandardKey.Preferences, self.edit_preferences, "Preferences"
        )
        if self.act_prefs.shortcut().isEmpty():
            self.act_prefs.setShortcut(QKeySequence("Ctrl+,"))
        self.act_quit = self._action("&Quit", QKeySequence.StandardKey.Quit, self.close, "Quit phiscrub")

        self.act_undo = self.undo_group.createUndoAction(self, "&Undo")
        self.act_undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.act_undo.setIcon(std(sp.SP_ArrowBack))
        self.act_redo = self.undo_group.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.act_redo.setIcon(std(sp.SP_ArrowForward))
        self.addAction(self.act_undo)
        self.addAction(self.act_redo)

        self.act_toggle = self._action(
            "&Toggle Redaction",
            "Space",
            self.toggle_selected,
            "Keep or cover the selected regions",
            asset_icon("toggle.svg", std(sp.SP_DialogApplyButton)),
        )
        self.act_delete = self._action(
            "&Delete Region",
            [QKeySequence.StandardKey.Delete, "Backspace"],
            self.delete_selected,
            "Delete the selected regions",
            std(sp.SP_TrashIcon),
        )
        self.act_add = self._action(
            "&Add Region",
            "R",
            None,
            "Drag on the photo to add a region to cover",
            asset_icon("add-region.svg", std(sp.SP_FileDialogNewFolder)),
        )
        self.act_add.setCheckable(True)
        self.act_add.toggled.connect(self.view.set_drawing)
        self.act_leave = self._action("Leave Drawing", "Esc", lambda: self.act_add.setChecked(False))
        self.act_select_all = self._action(
            "Select &All Regions",
            QKeySequence.StandardKey.SelectAll,
            lambda: self.view.select_indices(range(len(self.doc.regions) if self.doc else 0)),
        )

        self.act_fit = self._action("&Fit to Window", ["Ctrl+0", "F"], self.view.zoom_fit, "Fit the photo")
        self.act_actual = self._action("&Actual Size (100%)", "Ctrl+1", self.view.zoom_actual, "Zoom to 100%")
        self.act_zoom_in = self._action(
            "Zoom &In", [QKeySequence.StandardKey.ZoomIn, "Ctrl+="], lambda: self.view.zoom_by(1.25)
        )
        self.act_zoom_out = self._action(
            "Zoom &Out", QKeySequence.StandardKey.ZoomOut, lambda: self.view.zoom_by(0.8)
        )
        self.act_preview = self._action(
            "&Preview Export (After)",
            "P",
            None,
            "Show exactly the pixels the export will write",
            asset_icon("preview.svg", std(sp.SP_DesktopIcon)),
        )
        self.act_preview.setCheckable(True)
        self.act_preview.toggled.connect(self._on_preview_toggled)
        self.act_next = self._action("&Next Photo", "PgDown", lambda: self._step_photo(1))
        self.act_prev = self._action("P&revious Photo", "PgUp", lambda: self._step_photo(-1))

        self.style_actions = QActionGroup(self)
        for n, (style, title) in enumerate(STYLE_NAMES.items(), start=1):
            act = self._action(title, f"Alt+{n}", None, f"Cover regions with a {title.lower()} fill")
            act.setCheckable(True)
            act.setData(style.value)
            act.setChecked(style is self.redaction_style)
            self.style_actions.addAction(act)
        self.style_actions.triggered.connect(lambda act: self.set_style(Style(act.data())))

        menu = self.menuBar()
        m = menu.addMenu("&File")
        m.addActions([self.act_open, self.act_open_folder])
        m.addSeparator()
        m.addAction(self.act_export)
        m.addSeparator()
        m.addActions([self.act_prefs, self.act_quit])
        m = menu.addMenu("&Edit")
        m.addActions([self.act_undo, self.act_redo])
        m.addSeparator()
        m.addActions([self.act_toggle, self.act_delete, self.act_add, self.act_select_all])
        m = menu.addMenu("&View")
        m.addActions([self.act_fit, self.act_actual, self.act_zoom_in, self.act_zoom_out])
        m.addSeparator()
        m.addAction(self.act_preview)
        style_menu = m.addMenu("Redaction &Style")
        style_menu.addActions(self.style_actions.actions())
        m.addSeparator()
        m.addActions([self.act_next, self.act_prev])

        tb = QToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.setIconSize(QSize(20, 20))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(tb)
        tb.addAction(self.act_open)
        tb.addAction(self.act_export)
        tb.addSeparator()
        tb.addAction(self.act_undo)
        tb.addAction(self.act_redo)
        tb.addSeparator()
        tb.addAction(self.act_add)
        tb.addAction(self.act_toggle)
        tb.addAction(self.act_delete)
        tb.addSeparator()
        tb.addAction(self.act_fit)
        tb.addAction(self.act_actual)
        tb.addSeparator()
        tb.addWidget(QLabel(" Style: "))
        self.style_box = QComboBox()
        for style, title in STYLE_NAMES.items():
            self.style_box.addItem(title, style.value)
        self.style_box.setCurrentIndex(self.style_box.findData(self.redaction_style.value))
        self.style_box.setToolTip("How regions are covered in the export (Alt+1, Alt+2, Alt+3)")
        self.style_box.currentIndexChanged.connect(
            lambda _i: self.set_style(Style(self.style_box.currentData()))
        )
        tb.addWidget(self.style_box)
        tb.addAction(self.act_preview)

    # ------------------------------------------------------------------ settings

    def _load_prefs(self) -> Preferences:
        try:
            return prefs_io.load(self.prefs_path)
        except PreferencesError as exc:
            message = f"{exc}\nUsing the defaults."  # `exc` is unbound once the except block ends
            QTimer.singleShot(0, lambda: self.show_error("Preferences not loaded", message))
            return Preferences()

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
            state = self.settings.value("window/state")
            if state is not None:
                self.restoreState(state)
        else:
            self.resize(1400, 900)

    def last_folder(self) -> str:
        folder = self.settings.value("files/last_folder", "")
        return str(folder) if folder and Path(str(folder)).is_dir() else str(Path.home())

    def _remember_folder(self, folder: Path) -> None:
        self.settings.setValue("files/last_folder", str(folder))

    def scanner(self) -> Any:
        """The app's one Scanner, rebuilt only when the engine preference changes."""
        if self._scanner is None or self._scanner_engine != self.prefs.engine:
            from phiscrub.scan import Scanner  # imports the OCR stack; only when needed

            self._scanner = Scanner(engine=self.prefs.engine)
            self._scanner_engine = self.prefs.engine
        return self._scanner

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self.prefs, self)
        if dialog.exec() != PreferencesDialog.DialogCode.Accepted:
            return
        self.apply_preferences(dialog.preferences())

    def apply_preferences(self, prefs: Preferences) -> None:
        try:
            prefs_io.save(prefs, self.prefs_path)
        except OSError as exc:
            self.show_error("Preferences not saved", f"Could not write {self.prefs_path} ({exc.strerror}).")
        if prefs.style != self.prefs.style:
            self.set_style(prefs.redaction_style)
        self.prefs = prefs

    def _run(
        self,
        tag: Any,
        fn: Any,
        *args: Any,
        ok: Any = None,
        failed: Any = None,
        progress: Any = None,
        scan: bool = False,
    ) -> Job:
        """Start `fn(*args)` in a worker; results arrive at bound slots of this window,
        which run on the GUI thread."""
        job = Job(tag, fn, *args)
        if ok is not None:
            job.signals.succeeded.connect(ok)
        if failed is not None:
            job.signals.failed.connect(failed)
        if progress is not None:
            job.signals.progress.connect(progress)
        return self.workers.start(job, scan=scan)

    # ------------------------------------------------------------------ opening

    def open_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Open photos", self.last_folder(), PHOTO_FILTER)
        if paths:
            self.open_paths(paths)

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of photos", self.last_folder())
        if folder:
            self.open_paths([folder])

    def open_paths(self, paths: list[str | Path]) -> None:
        """Add photos (files, or the photos directly inside folders) and show the first new one."""
        found: list[Path] = []
        missing: list[str] = []
        for raw in paths:
            p = Path(raw).expanduser()
            if p.is_dir():
                found += sorted(
                    c for c in p.iterdir() if c.suffix.lower() in SUPPORTED_SUFFIXES and c.is_file()
                )
            elif p.is_file():
                found.append(p)
            else:
                missing.append(p.name)
        if missing:
            self.show_error("Not found", "These could not be opened: " + ", ".join(missing))
        if not found:
            if not missing:
                self.show_error("No photos", "No photos were found there.")
            return
        self._remember_folder(found[0].parent.resolve())
        first = None
        for p in found:
            key = p.resolve()
            if self._row_of(key) is None:
                item = QListWidgetItem(p.name)
                item.setData(Qt.ItemDataRole.UserRole, str(key))
                item.setToolTip(str(key))
                self.file_list.addItem(item)
            first = first or key
        self.file_list.setVisible(self.file_list.count() > 1)
        self.show_photo(first)

    def _row_of(self, path: Path) -> int | None:
        for row in range(self.file_list.count()):
            if self.file_list.item(row).data(Qt.ItemDataRole.UserRole) == str(path):
                return row
        return None

    def _on_file_chosen(self, current: QListWidgetItem | None, _previous: Any) -> None:
        if current is not None:
            self.show_photo(Path(current.data(Qt.ItemDataRole.UserRole)))

    def _step_photo(self, step: int) -> None:
        n = self.file_list.count()
        if n:
            self.file_list.setCurrentRow((self.file_list.currentRow() + step) % n)

    def show_photo(self, path: Path) -> None:
        """Make `path` the photo on screen, loading and scanning it the first time."""
        path = Path(path)
        if self.doc is not None and self.doc.path == path:
            return
        row = self._row_of(path)
        if row is not None and self.file_list.currentRow() != row:
            self.file_list.blockSignals(True)
            self.file_list.setCurrentRow(row)
            self.file_list.blockSignals(False)
        if self.doc is not None:
            self.doc.regions_changed.disconnect(self._on_regions_changed)
            self.doc.state_changed.disconnect(self._on_state_changed)
        self.act_preview.setChecked(False)
        self.act_add.setChecked(False)
        self.view.clear()
        doc = self.docs.get(path)
        if doc is None:
            doc = PhotoDocument(path, self)
            self.docs[path] = doc
            self.undo_group.addStack(doc.undo_stack)
            self._opened_at[path] = time.perf_counter()
            self._run(
                doc,
                load_photo,
                path,
                ok=self._on_loaded,
                failed=self._on_load_failed,
                progress=self._on_load_progress,
            )
        self.doc = doc
        self.undo_group.setActiveStack(doc.undo_stack)
        doc.regions_changed.connect(self._on_regions_changed)
        doc.state_changed.connect(self._on_state_changed)
        if doc.pixels is not None:
            self.view.set_photo(pixmap_from_array(doc.pixels), *doc.size)
            self.view.zoom_fit()
        self._on_regions_changed()
        self._on_state_changed()
        self._update_title()

    # ------------------------------------------------------------------ job results

    @Slot(object, object)
    def _on_load_progress(self, doc: PhotoDocument, preview: Preview) -> None:
        if doc is self.doc and doc.pixels is None:
            self.view.set_photo(pixmap_from_array(preview.pixels), preview.full_width, preview.full_height)
            self._first_pixels_shown(doc)

    @Slot(object, object)
    def _on_loaded(self, doc: PhotoDocument, loaded: LoadedImage) -> None:
        doc.set_image(loaded.pixels, loaded.format)
        if doc is self.doc:
            self.view.set_photo(pixmap_from_array(loaded.pixels), *doc.size)
            self._first_pixels_shown(doc)
        self.photo_loaded.emit(doc)
        if self.closing:
            return
        self._run(
            doc,
            scan_photo,
            self.scanner(),
            loaded.pixels,
            ok=self._on_scanned,
            failed=self._on_scan_failed,
            scan=True,
        )

    def _first_pixels_shown(self, doc: PhotoDocument) -> None:
        started = self._opened_at.pop(doc.path, None)
        if started is not None:
            self.open_timings[doc.path] = time.perf_counter() - started
            log.info("photo shown %.3f s after opening", self.open_timings[doc.path])
            self.photo_shown.emit(doc)

    @Slot(object, str)
    def _on_load_failed(self, doc: PhotoDocument, message: str) -> None:
        doc.fail(message)
        self.show_error("Cannot open photo", f"{doc.path.name}: {message}.")

    @Slot(object, object)
    def _on_scanned(self, doc: PhotoDocument, result: ScanResult) -> None:
        doc.set_scan_result(result)
        if doc is self.doc:
            self.statusBar().showMessage(self._summary_text(doc), 10_000)
        self.scan_finished.emit(doc)

    @Slot(object, str)
    def _on_scan_failed(self, doc: PhotoDocument, message: str) -> None:
        doc.fail(message)
        self.show_error("Scan failed", f"{doc.path.name} could not be scanned: {message}.")

    @Slot(object, str)
    def _on_warm_up_failed(self, _tag: Any, message: str) -> None:
        self.show_error("Models not loaded", f"The detectors could not be loaded: {message}.")

    @Slot(object, str)
    def _on_render_failed(self, _tag: Any, message: str) -> None:
        self.show_error("Preview failed", f"The preview could not be rendered: {message}.")

    # ------------------------------------------------------------------ document → widgets

    def _on_regions_changed(self) -> None:
        doc = self.doc
        if doc is None:
            self.view.set_regions((), editable=False)
            self.region_list.set_regions(())
            return
        self.view.set_regions(doc.regions, editable=doc.editable)
        placeholder = {
            State.LOADING: "Opening…",
            State.SCANNING: "Scanning…",
            State.READY: "Nothing found",
            State.FAILED: "Not scanned",
        }[doc.state]
        self.region_list.set_regions(doc.regions, placeholder)
        self.region_list.select_indices(self.view.selected_indices())
        self.summary.setText(self._summary_text(doc))
        self._update_notice()
        self._update_actions()
        if self.act_preview.isChecked():
            self._render_after()

    def _on_state_changed(self) -> None:
        doc = self.doc
        busy = doc is not None and doc.state in (State.LOADING, State.SCANNING)
        self.progress.setVisible(busy)
        if doc is not None and doc.state is State.SCANNING:
            self.statusBar().showMessage(f"Scanning {doc.path.name} for PHI…")
        if doc is not None:
            self.summary.setText(self._summary_text(doc))
            if doc.state is State.READY:
                self._on_regions_changed()  # items become editable
        self._update_notice()
        self._update_actions()

    def _summary_text(self, doc: PhotoDocument) -> str:
        if doc.state is State.LOADING:
            return "Opening…"
        if doc.state is State.SCANNING:
            return "Scanning for names, dates, IDs, faces and barcodes…"
        if doc.state is State.FAILED:
            return f"Not scanned: {doc.error}"
        if not doc.regions and not (doc.scan_result and doc.scan_result.findings):
            return NO_PHI_MESSAGE
        covered = sum(r.redacted for r in doc.regions)
        kept = len(doc.regions) - covered
        text = f"{len(doc.regions)} region{'s' if len(doc.regions) != 1 else ''}: {covered} covered"
        return text + (f", {kept} kept" if kept else "")

    def _update_notice(self) -> None:
        doc = self.doc
        if doc is None:
            self.view.set_busy(None)
        elif doc.state is State.LOADING:
            self.view.set_busy("Opening…")
        elif doc.state is State.SCANNING:
            self.view.set_busy("Scanning for PHI…  (you can zoom and pan meanwhile)")
        elif doc.state is State.READY and not doc.regions and not doc.scan_result.findings:
            self.view.set_busy(NO_PHI_MESSAGE)
        elif self.act_preview.isChecked():
            self.view.set_busy("After: exactly what the export writes" if self._after_ready else "Rendering…")
        else:
            self.view.set_busy(None)

    def _update_actions(self) -> None:
        doc = self.doc
        ready = doc is not None and doc.state is State.READY
        has_sel = ready and bool(self.view.selected_indices())
        previewing = self.act_preview.isChecked()
        self.act_export.setEnabled(ready)
        self.act_toggle.setEnabled(has_sel)
        self.act_delete.setEnabled(has_sel and not previewing)
        self.act_add.setEnabled(ready and not previewing)
        self.act_preview.setEnabled(ready)
        self.act_select_all.setEnabled(ready)

    def _update_modified(self, *_args: Any) -> None:
        self.setWindowModified(any(d.modified for d in self.docs.values()))
        for path, doc in self.docs.items():
            row = self._row_of(path)
            if row is not None:
                self.file_list.item(row).setText(("• " if doc.modified else "") + path.name)

    def _update_title(self) -> None:
        name = self.doc.path.name if self.doc else ""
        self.setWindowTitle(f"{name}[*] — phiscrub" if name else "phiscrub[*]")

    def _sync_list_selection(self) -> None:
        if not shiboken6.isValid(self.region_list):  # the window is being torn down
            return
        self.region_list.select_indices(self.view.selected_indices())
        self._update_actions()

    # ------------------------------------------------------------------ edits

    def _editable_doc(self) -> PhotoDocument | None:
        return self.doc if self.doc is not None and self.doc.editable else None

    def toggle_selected(self) -> None:
        if doc := self._editable_doc():
            doc.toggle(self.view.selected_indices())

    def delete_selected(self) -> None:
        if doc := self._editable_doc():
            doc.delete(self.view.selected_indices())
            self.view.select_indices(())

    @Slot(int, object)
    def _on_region_edited(self, index: int, box: Any) -> None:
        if (doc := self._editable_doc()) and index < len(doc.regions):
            doc.move(index, box)

    @Slot(object)
    def _on_region_drawn(self, box: Any) -> None:
        if doc := self._editable_doc():
            doc.add(box)
            self.view.select_indices([len(doc.regions) - 1])

    @Slot(int)
    def _on_toggle_requested(self, index: int) -> None:
        if (doc := self._editable_doc()) and index < len(doc.regions):
            doc.toggle([index])

    @Slot(int, bool)
    def _on_list_toggled(self, index: int, redacted: bool) -> None:
        if (doc := self._editable_doc()) and index < len(doc.regions):
            doc.set_redacted([index], redacted)

    # ------------------------------------------------------------------ style, preview, export

    def set_style(self, style: Style) -> None:
        if style is self.redaction_style:
            return
        self.redaction_style = style
        self.style_box.blockSignals(True)
        self.style_box.setCurrentIndex(self.style_box.findData(style.value))
        self.style_box.blockSignals(False)
        for act in self.style_actions.actions():
            act.setChecked(act.data() == style.value)
        if self.act_preview.isChecked():
            self._render_after()

    def _on_preview_toggled(self, on: bool) -> None:
        if on:
            self.act_add.setChecked(False)
            self._render_after()
        self.view.show_after(on)
        self._update_notice()
        self._update_actions()

    def _render_after(self) -> None:
        doc = self.doc
        if doc is None or doc.pixels is None:
            return
        self._render_generation += 1
        self._after_ready = False
        self.view.set_after(None)  # never show a stale "after"
        self._update_notice()
        tag = (doc, self._render_generation)
        self._run(
            tag,
            render_clean,
            doc.pixels,
            doc.regions,
            self.redaction_style,
            ok=self._on_rendered,
            failed=self._on_render_failed,
        )

    @Slot(object, object)
    def _on_rendered(self, tag: tuple[PhotoDocument, int], pixels: np.ndarray) -> None:
        doc, generation = tag
        if doc is not self.doc or generation != self._render_generation or not self.act_preview.isChecked():
            return
        self.view.set_after(pixmap_from_array(pixels))
        self._after_ready = True
        self._update_notice()
        self.preview_rendered.emit(pixels)

    def export_current(self) -> None:
        doc = self.doc
        if doc is None or doc.state is not State.READY or doc.pixels is None:
            return
        try:
            dest = self.prefs.destination(doc.path, output_format(doc.format or "JPEG"))
        except (ValueError, OSError) as exc:
            self.show_error("Cannot export", str(exc))
            return
        self.statusBar().showMessage(f"Exporting {doc.path.name}…")
        self.act_export.setEnabled(False)
        # The stack index records which edit this export contains (clean mark).
        tag = (doc, doc.undo_stack.index())
        self._run(
            tag,
            export_clean,
            doc.pixels,
            doc.regions,
            self.redaction_style,
            dest,
            doc.path,
            ok=self._on_exported,
            failed=self._on_export_failed,
        )

    @Slot(object, object)
    def _on_exported(self, tag: tuple[PhotoDocument, int], dest: Path) -> None:
        doc, index = tag
        doc.exported_to = dest
        if doc.undo_stack.index() == index:
            doc.undo_stack.setClean()
        self._update_actions()
        self.statusBar().showMessage(f"Exported clean copy to {dest}")
        self.export_finished.emit(dest)

    @Slot(object, str)
    def _on_export_failed(self, tag: Any, message: str) -> None:
        self._update_actions()
        self.statusBar().showMessage("Export failed")
        self.show_error("Export failed", f"The clean copy was not written: {message}.")

    # ------------------------------------------------------------------ errors

    def show_error(self, title: str, text: str) -> None:
        """A window-modal message that does not block the event loop (tests, workers)."""
        log.warning("%s: %s", title, text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.error_shown.emit(text)

    # ------------------------------------------------------------------ drag and drop, closing

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.confirm_close and any(d.modified for d in self.docs.values()):
            answer = QMessageBox.question(
                self,
                "Unsaved review",
                "Some photos have review changes that were not exported. Quit anyway?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                event.ignore()
                return
        self.closing = True  # results still arriving start no new work
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
        super().closeEvent(event)
