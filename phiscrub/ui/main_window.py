"""The main window: open photos or a folder, watch the batch scan, review, export.

The window wires widgets to the current PhotoDocument and starts background jobs;
it holds no region state of its own. Each photo keeps its own document and undo
stack (collected in one QUndoGroup, so Undo/Redo act on the photo on screen).
Every scan goes through the core's batch generator (as the CLI's do), run by a
BatchRunner; the strip on the left lists the photos with thumbnails and badges.
Review state is saved to a project file per folder (phiscrub.project), in the
user's project folder, and restored when the folder is opened again.

Compliance: every export goes through the core's review gate (a photo is exported
only once marked reviewed, and it cannot be marked while a "check me" region is
undecided); the first export of a session asks for the reviewer's sign-off; each
export is scanned again (phiscrub.verify, fast engines) in the worker and what is
still found shows on the photo; every export (one photo, or Export All, which
can be cancelled) writes the audit report as JSON and HTML beside the clean
copies. A caption panel checks the text about to be posted.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shiboken6
from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QKeySequence, QUndoGroup
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from phiscrub import audit
from phiscrub.batch import FileResult, InputFile, collect_inputs, default_workers
from phiscrub.imageio import (
    SUPPORTED_SUFFIXES,
    ExportError,
    LoadedImage,
    format_for_suffix,
    output_format,
    sniff_format,
)
from phiscrub.project import (
    ExportJob,
    ExportOutcome,
    Project,
    ProjectError,
    load_project,
    project_path,
    save_project,
)
from phiscrub.redact import Style
from phiscrub.report import write_report
from phiscrub.review import Decision, ExportRefused, ReviewError, require_reviewed
from phiscrub.ui import compliance
from phiscrub.ui import preferences as prefs_io
from phiscrub.ui.batch_view import (
    BatchRunner,
    PhotoDelegate,
    PhotoFilter,
    PhotoListModel,
    RunnerSignals,
    ThumbnailLoader,
    ThumbnailSignals,
    needs_review,
)
from phiscrub.ui.canvas import PhotoView, pixmap_from_array
from phiscrub.ui.compliance import CaptionPanel, ExportCheck, review_counts
from phiscrub.ui.document import PhotoDocument, State
from phiscrub.ui.preferences import Preferences, PreferencesError
from phiscrub.ui.preferences_dialog import STYLE_NAMES, PreferencesDialog
from phiscrub.ui.region_list import RegionList
from phiscrub.ui.workers import (
    Job,
    Preview,
    SharedVerifier,
    Workers,
    export_all,
    export_one,
    load_photo,
    preload_scan_modules,
    render_clean,
    warm_up,
)

log = logging.getLogger(__name__)

ASSETS = Path(__file__).resolve().parents[2] / "assets"
NO_PHI_MESSAGE = "No PHI found — review the photo yourself before posting"
PROJECT_SAVE_DELAY_MS = 800


@dataclass
class ExportSummary:
    """What "Export all reviewed" did, as the summary dialog shows it."""

    exported: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # name, why
    failed: list[tuple[str, str]] = field(default_factory=list)  # name, reason
    warned: list[tuple[str, str]] = field(default_factory=list)  # name, what verification found
    cancelled: list[str] = field(default_factory=list)  # reviewed, not written: the user cancelled
    report: Path | None = None
    html: Path | None = None
    report_error: str | None = None

    def text(self) -> str:
        lines = []
        if self.cancelled:
            n = len(self.cancelled)
            lines.append(
                f"You cancelled the export. {len(self.exported)} exported; the other {n} reviewed "
                f"photo{'s were' if n != 1 else ' was'} not exported.",
            )
            lines.append("")
        lines += [
            f"Exported: {len(self.exported)}",
            *([f"Not exported (cancelled): {len(self.cancelled)}"] if self.cancelled else []),
            f"Skipped: {len(self.skipped)}",
            f"Failed: {len(self.failed)}",
        ]
        if self.warned:
            lines.append(
                f"Check before posting: verification still finds something in {len(self.warned)} "
                f"export{'s' if len(self.warned) != 1 else ''}"
            )
        if self.report is not None:
            lines.append(f"Report: {self.report}")
        if self.html is not None:
            lines.append(f"Report page: {self.html}")
        if self.report_error:
            lines.append(f"The report was not written: {self.report_error}")
        return "\n".join(lines)

    def details(self) -> str:
        out = [f"CHECK {name}: {what}" for name, what in self.warned]
        out += [f"FAILED {name}: {reason}" for name, reason in self.failed]
        out += [f"not exported {name}: you cancelled the export" for name in self.cancelled]
        out += [f"skipped {name}: {why}" for name, why in self.skipped]
        return "\n".join(out)


def _write_audit_files(
    folder: Path, audit_report: dict[str, Any], *, report: Any = None
) -> tuple[Path, Path]:
    """Write `audit_report` in `folder` as JSON and HTML under a name no earlier report
    has. `report` is a worker's progress callback, unused. A failure to write raises
    ExportError with the reason in words (a worker passes it on as it is)."""
    try:
        stem = _report_stem(folder)
        return (
            write_report(folder / f"{stem}.json", audit_report),
            audit.write_html(folder / f"{stem}.html", audit_report),
        )
    except OSError as exc:
        raise ExportError(exc.strerror or type(exc).__name__) from exc


def _report_stem(folder: Path) -> str:
    """The audit report's file name without suffix: phiscrub-report-<date>-<time>, with
    -2, -3... when a report of that second is there already (two single-photo exports
    in one second must not overwrite each other's report)."""
    base = time.strftime("phiscrub-report-%Y%m%d-%H%M%S")
    stem, n = base, 2
    while (folder / f"{stem}.json").exists() or (folder / f"{stem}.html").exists():
        stem, n = f"{base}-{n}", n + 1
    return stem


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
    export_refused = Signal(object, str)  # PhotoDocument, why
    export_checked = Signal(object)  # PhotoDocument whose export was verified (doc.export_check)
    error_shown = Signal(str)
    photo_failed = Signal(object)  # PhotoDocument that could not be loaded or scanned
    batch_progress = Signal(int, int)  # photos done, photos in the queue
    batch_finished = Signal(bool)  # cancelled
    thumbnail_ready = Signal(object)  # Path
    export_all_progress = Signal(int, int)
    export_all_finished = Signal(object)  # ExportSummary
    project_saved = Signal(object)  # Path of the project file

    def __init__(
        self,
        *,
        scanner: Any = None,
        settings: QSettings | None = None,
        prefs_path: Path | None = None,
        batch_workers: int | None = None,
        verifier: Any = None,
        check_me_below: float | None = None,
    ) -> None:
        """`verifier`: what re-scans each export (phiscrub.verify.Verifier); None builds
        one with the engines of the preferences on first export, False turns
        verification off. `check_me_below`: None takes the preferences' threshold."""
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.prefs_path = prefs_path or prefs_io.default_path()
        self.prefs = self._load_prefs()
        self._scanner = scanner
        self._scanner_engine = self.prefs.engine if scanner is not None else None
        self._preloaded: str | None | bool = False  # the engine whose modules are imported
        self.workers = Workers(self)
        self.undo_group = QUndoGroup(self)
        self.docs: dict[Path, PhotoDocument] = {}
        #: Worker processes for a batch of several photos (the core's default: one per core).
        self.batch_workers = batch_workers or default_workers()
        # Held by an in-process scan (a single photo) and the warm-up, never both at once.
        self._scanner_lock = threading.Lock()
        self._runner_signals = RunnerSignals(self)
        self._runner_signals.result.connect(self._on_batch_result)
        self._runner_signals.finished.connect(self._on_batch_run_finished)
        self._runner: BatchRunner | None = None
        self._run_ids = 0
        self._run_docs: list[PhotoDocument] = []  # the running batch's photos, in order
        self._run_done = 0
        self._pending: list[PhotoDocument] = []  # waiting for the next run
        self._batch_total = self._batch_done = 0
        self._thumb_signals = ThumbnailSignals(self)
        self._thumb_signals.ready.connect(self._on_thumbnail)
        self._thumbnails = ThumbnailLoader(self._thumb_signals)
        self.workers.adopt(self._thumbnails.stop)
        self.workers.adopt(self._stop_batch)
        self.workers.adopt(lambda: self._export_stop.set())  # the pool's wait then ends soon
        self.projects: dict[Path, Project] = {}
        self._dirty_projects: set[Path] = set()
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(PROJECT_SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_projects)
        self._syncing_strip = False
        self._exporting = False
        self._export_stop = threading.Event()  # set by Cancel; a new one per Export All
        self.doc: PhotoDocument | None = None
        self.redaction_style = self.prefs.redaction_style
        self.confirm_close = True
        self.check_me_below = self.prefs.check_me_below if check_me_below is None else check_me_below
        self._verifier_arg = verifier
        self._verifier: SharedVerifier | None = None
        #: Who signs off this session's exports; asked on the first export.
        self.signoff: audit.SignOff | None = None
        #: The audit report (JSON, HTML) of the last single-photo export.
        self.last_report: tuple[Path, Path] | None = None
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
        self.scanner()  # imports what scanning needs, here on the GUI thread (see workers)
        if scanner is None:
            # Load the models now so the first photo is not kept waiting for them.
            self._run(
                None, warm_up, self.scanner(), self._scanner_lock, failed=self._on_warm_up_failed, scan=True
            )

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
        self.check_only = QCheckBox('Only \u26a0 "check me"')
        self.check_only.setToolTip("List only the regions still to decide (Ctrl+Shift+F)")
        self.check_only.toggled.connect(self.region_list.set_check_only)
        self.verify_label = QLabel()
        self.verify_label.setWordWrap(True)
        self.verify_label.setTextFormat(Qt.TextFormat.PlainText)
        self.verify_label.hide()
        side_layout.addWidget(title)
        side_layout.addWidget(self.summary)
        side_layout.addWidget(self.verify_label)
        side_layout.addWidget(self.check_only)
        side_layout.addWidget(self.region_list, 1)
        hint = QLabel(
            "Checked = covered. C covers, K keeps, Shift+K keeps by consent, N goes to the next "
            "\u26a0 check me. Space toggles, Del deletes, R draws a new region."
        )
        hint.setWordWrap(True)
        hint.setStyleSheet("color: gray")
        side_layout.addWidget(hint)

        self.photo_model = PhotoListModel(self)
        self.photo_filter = PhotoFilter(self)
        self.photo_filter.setSourceModel(self.photo_model)
        self.strip = QListView()
        self.strip.setModel(self.photo_filter)
        self.strip.setItemDelegate(PhotoDelegate(self.strip))
        self.strip.setUniformItemSizes(True)
        # One pass (cheap with uniform rows): in batches, every thumbnail and scan result
        # re-laid the strip out batch by batch and threw its scroll position back to
        # the first batch while a big folder was scanned.
        self.strip.setLayoutMode(QListView.LayoutMode.SinglePass)
        self.strip.setToolTip("Photos opened in this window (Page Up / Page Down)")
        self.strip.selectionModel().currentChanged.connect(self._on_strip_current_changed)
        # Thumbnails of the rows in view come first: after a scroll, a resize, a new
        # filter or order, or more rows.
        self._thumb_timer = QTimer(self)
        self._thumb_timer.setSingleShot(True)
        self._thumb_timer.setInterval(30)
        self._thumb_timer.timeout.connect(self._prioritise_thumbnails)
        self.strip.verticalScrollBar().valueChanged.connect(self._thumb_timer.start)
        self.strip.verticalScrollBar().rangeChanged.connect(self._thumb_timer.start)
        self.photo_filter.layoutChanged.connect(self._thumb_timer.start)
        self.photo_filter.rowsInserted.connect(self._thumb_timer.start)
        self.filter_box = QComboBox()
        for mode, title in PhotoFilter.MODES.items():
            self.filter_box.addItem(title, mode)
        self.filter_box.setToolTip("Which photos the list shows, and in what order")
        self.filter_box.currentIndexChanged.connect(lambda _i: self.set_filter(self.filter_box.currentData()))
        self.queue_progress = QProgressBar()
        self.queue_progress.setFormat("%v of %m scanned")
        self.queue_progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop scanning; photos already scanned keep their results")
        self.cancel_button.clicked.connect(self.cancel_batch)
        batch_row = QHBoxLayout()
        batch_row.setContentsMargins(0, 0, 0, 0)
        batch_row.addWidget(self.queue_progress, 1)
        batch_row.addWidget(self.cancel_button)
        self.batch_bar = QWidget()
        self.batch_bar.setLayout(batch_row)
        self.batch_bar.hide()
        self.queue_status = QLabel()
        self.queue_status.setTextFormat(Qt.TextFormat.PlainText)
        self.queue_status.setStyleSheet("color: gray")
        self.export_all_button = QPushButton("Export All Reviewed")
        self.export_all_button.clicked.connect(self.export_all_reviewed)
        # Export All's own progress and Cancel, built like the scan's: both may run at once.
        self.export_progress = QProgressBar()
        self.export_progress.setTextVisible(True)
        self.export_cancel_button = QPushButton("Cancel")
        self.export_cancel_button.setToolTip(
            "Stop exporting; the copies already written are kept, complete, and listed in the report"
        )
        self.export_cancel_button.clicked.connect(self.cancel_export_all)
        export_row = QHBoxLayout()
        export_row.setContentsMargins(0, 0, 0, 0)
        export_row.addWidget(self.export_progress, 1)
        export_row.addWidget(self.export_cancel_button)
        self.export_bar = QWidget()
        self.export_bar.setLayout(export_row)
        self.export_bar.hide()
        self.file_list = QWidget()  # the queue panel: filter, batch progress, strip, export all
        panel = QVBoxLayout(self.file_list)
        panel.setContentsMargins(4, 4, 4, 4)
        panel.addWidget(self.filter_box)
        panel.addWidget(self.batch_bar)
        panel.addWidget(self.strip, 1)
        panel.addWidget(self.queue_status)
        panel.addWidget(self.export_bar)
        panel.addWidget(self.export_all_button)
        self.file_list.hide()

        self.splitter = QSplitter()
        self.splitter.addWidget(self.file_list)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([250, 1000, 260])
        self.setCentralWidget(self.splitter)

        self.caption_panel = CaptionPanel(self._start_caption_check)
        self.caption_dock = QDockWidget("Caption check", self)
        self.caption_dock.setObjectName("caption_dock")
        self.caption_dock.setWidget(self.caption_panel)
        self.caption_dock.setToolTip("Check the caption you are about to post (Ctrl+Shift+C)")
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.caption_dock)
        self.caption_dock.hide()

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
            "Write a redacted, metadata-free copy of this reviewed photo (never over the original) "
            "and its audit report",
            asset_icon("export.svg", std(sp.SP_DialogSaveButton)),
        )
        self.act_export_all = self._action(
            "Export &All Reviewed",
            "Ctrl+Shift+E",
            self.export_all_reviewed,
            "Write a clean copy of every photo marked reviewed, then the audit report (JSON and HTML)",
        )
        self.act_signoff = self._action(
            "&Sign Off As…", None, self.change_signoff, "Set the reviewer's name or initials for this session"
        )
        self.act_cancel_batch = self._action(
            "&Cancel Scanning", None, self.cancel_batch, "Stop the batch scan; finished photos are kept"
        )
        self.act_cancel_export = self._action(
            "Cancel E&xporting",
            None,
            self.cancel_export_all,
            "Stop Export All; the copies already written are kept, complete",
        )
        self.act_cancel_export.setEnabled(False)
        self.act_reviewed = self._action(
            "&Reviewed", "Ctrl+Shift+Return", None, "Mark this photo as reviewed (ready to export)"
        )
        self.act_reviewed.setCheckable(True)
        self.act_reviewed.toggled.connect(self._on_reviewed_toggled)
        self.act_review_next = self._action(
            "Mark Reviewed and &Next",
            ["Ctrl+Return", "Ctrl+Enter"],
            self.mark_reviewed_and_next,
            "Mark this photo reviewed and go to the next one needing review",
            asset_icon("toggle.svg", std(sp.SP_DialogYesButton)),
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
        self.act_cover = self._action(
            "&Cover Region",
            "C",
            lambda: self.decide_selected(Decision.COVER),
            "Cover the selected regions in the export",
        )
        self.act_keep = self._action(
            "&Keep Region",
            "K",
            lambda: self.decide_selected(Decision.KEEP),
            "Keep the selected regions visible (not PHI)",
        )
        self.act_consent = self._action(
            "Keep by &Consent on File…",
            "Shift+K",
            self.consent_selected,
            "Keep the selected regions visible: written consent on file (form reference and date)",
        )
        self.act_next_check = self._action(
            'Next "Check &Me" Region',
            "N",
            self.select_next_check,
            "Select the next region still to decide",
        )
        self.act_check_only = self._action(
            'Only "Check Me" Regions', "Ctrl+Shift+F", None, "List only the regions still to decide"
        )
        self.act_check_only.setCheckable(True)
        self.act_check_only.toggled.connect(self.check_only.setChecked)
        self.check_only.toggled.connect(self.act_check_only.setChecked)
        self.act_caption = self.caption_dock.toggleViewAction()
        self.act_caption.setText("Caption &Check")
        self.act_caption.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.act_caption.setToolTip(
            "Check the caption you are about to post for names, dates, IDs and patient phrases (Ctrl+Shift+C)"
        )
        self.act_caption.setIconText("Caption")
        self.act_caption.toggled.connect(lambda on: on and self.caption_panel.editor.setFocus())
        self.addAction(self.act_caption)
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
        m.addAction(self.act_export_all)
        m.addAction(self.act_signoff)
        m.addAction(self.act_cancel_batch)
        m.addAction(self.act_cancel_export)
        m.addSeparator()
        m.addActions([self.act_prefs, self.act_quit])
        m = menu.addMenu("&Edit")
        m.addActions([self.act_undo, self.act_redo])
        m.addSeparator()
        m.addActions([self.act_toggle, self.act_delete, self.act_add, self.act_select_all])
        m.addSeparator()
        m.addActions([self.act_cover, self.act_keep, self.act_consent, self.act_next_check])
        m.addSeparator()
        m.addActions([self.act_reviewed, self.act_review_next])
        m = menu.addMenu("&View")
        m.addActions([self.act_fit, self.act_actual, self.act_zoom_in, self.act_zoom_out])
        m.addSeparator()
        m.addAction(self.act_preview)
        m.addAction(self.act_check_only)
        m.addAction(self.act_caption)
        style_menu = m.addMenu("Redaction &Style")
        style_menu.addActions(self.style_actions.actions())
        m.addSeparator()
        m.addActions([self.act_next, self.act_prev])

        # Short toolbar labels (menus keep the full ones) so every control,
        # the style box included, fits a 1400-px window.
        for action, label in (
            (self.act_export, "Export"),
            (self.act_toggle, "Toggle"),
            (self.act_delete, "Delete"),
            (self.act_fit, "Fit"),
            (self.act_actual, "100%"),
            (self.act_preview, "Preview"),
        ):
            action.setIconText(label)
        tb = QToolBar("Main")
        tb.setObjectName("main_toolbar")
        tb.setIconSize(QSize(20, 20))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(tb)
        tb.addAction(self.act_open)
        tb.addAction(self.act_open_folder)
        tb.addAction(self.act_export)
        tb.addAction(self.act_review_next)
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
        tb.addAction(self.act_caption)

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
        # An injected Scanner is kept until the user picks another engine.
        if self._scanner is None or self._scanner_engine != self.prefs.engine:
            from phiscrub.scan import Scanner  # imports the OCR stack; only when needed

            self._scanner = Scanner(engine=self.prefs.engine)
            self._scanner_engine = self.prefs.engine
        if self._preloaded != self._scanner_engine:
            preload_scan_modules(getattr(self._scanner, "engine_name", None) or self._scanner_engine)
            self._preloaded = self._scanner_engine
        return self._scanner

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self.prefs, self)
        try:
            if dialog.exec() != PreferencesDialog.DialogCode.Accepted:
                return
            prefs = dialog.preferences()
        finally:
            dialog.deleteLater()  # a child of the window: not one more per visit
        self.apply_preferences(prefs)

    def apply_preferences(self, prefs: Preferences) -> None:
        try:
            prefs_io.save(prefs, self.prefs_path)
        except OSError as exc:
            self.show_error("Preferences not saved", f"Could not write {self.prefs_path} ({exc.strerror}).")
        if prefs.style != self.prefs.style:
            self.set_style(prefs.redaction_style)
        if prefs.verify_engines != self.prefs.verify_engines and self._verifier_arg is None:
            self._verifier = None  # the next export builds one with the new engines
        if prefs.check_me_below != self.prefs.check_me_below:
            self.set_check_me_below(prefs.check_me_below)
        self.prefs = prefs

    def set_check_me_below(self, threshold: float) -> None:
        """Photos scanned from now on mark findings under `threshold` "check me"; so do
        scanned photos nobody has started reviewing (decisions already made are kept)."""
        self.check_me_below = threshold
        for doc in self.docs.values():
            doc.set_check_me_below(threshold)
        self._update_queue_status()

    def _start_caption_check(self, tag: Any, fn: Any, *args: Any, ok: Any) -> None:
        self._run(tag, fn, *args, ok=ok)

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
        """Add photos (files, or the photos directly inside folders) to the queue, scan
        them in the background and show the first new one at once."""
        existing: list[Path] = []
        missing: list[str] = []
        for raw in paths:
            p = Path(raw).expanduser()
            if p.exists():
                existing.append(p)
            else:
                missing.append(p.name)
        if missing:
            self.show_error("Not found", "These could not be opened: " + ", ".join(missing))
        try:
            inputs = collect_inputs(existing)
        except OSError as exc:
            self.show_error("Cannot open", f"The folder could not be listed ({exc.strerror}).")
            return
        if not inputs:
            if not missing:
                self.show_error("No photos", "No photos were found there.")
            return
        self._remember_folder(inputs[0].path.parent.resolve())
        new_docs: list[PhotoDocument] = []
        first: Path | None = None
        for item in inputs:
            key = item.path.resolve()
            first = first or key
            if key in self.docs:
                continue
            doc = PhotoDocument(key, self, self.check_me_below)
            doc.input = InputFile(key, item.display, item.subdir)
            self.docs[key] = doc
            self.undo_group.addStack(doc.undo_stack)
            doc.state_changed.connect(self._on_any_doc_changed)
            doc.regions_changed.connect(self._on_any_doc_changed)
            self._restore(doc)
            new_docs.append(doc)
        self.photo_model.add(new_docs)
        self._thumbnails.add([d.path for d in new_docs])
        self.file_list.setVisible(len(self.docs) > 1)
        self._update_queue_status()
        self.show_photo(first)
        self._thumb_timer.start()
        self._enqueue([d for d in new_docs if d.state is State.QUEUED])

    def _row_of(self, path: Path) -> int | None:
        """The photo's row in the strip as shown (filtered and sorted), or None."""
        row = self.photo_model.row_of(Path(path))
        if row is None:
            return None
        index = self.photo_filter.mapFromSource(self.photo_model.index(row))
        return index.row() if index.isValid() else None

    def set_filter(self, mode: str) -> None:
        self.filter_box.blockSignals(True)
        self.filter_box.setCurrentIndex(self.filter_box.findData(mode))
        self.filter_box.blockSignals(False)
        self.photo_filter.set_mode(mode)
        self._select_in_strip(self.doc.path if self.doc else None)

    def visible_paths(self) -> list[Path]:
        """The photos in the strip, in the order shown."""
        return [
            Path(self.photo_filter.index(row, 0).data(Qt.ItemDataRole.UserRole))
            for row in range(self.photo_filter.rowCount())
        ]

    def strip_rows_in_view(self) -> list[Path]:
        """The photos whose rows are in view in the strip, top to bottom."""
        view = self.strip
        if not view.isVisible():
            return []
        area = view.viewport().rect()
        top = view.indexAt(area.topLeft() + QPoint(1, 1))
        if not top.isValid():
            return []
        bottom = view.indexAt(area.bottomLeft() + QPoint(1, -1))
        last = bottom.row() if bottom.isValid() else self.photo_filter.rowCount() - 1
        return [
            Path(self.photo_filter.index(row, 0).data(Qt.ItemDataRole.UserRole))
            for row in range(top.row(), last + 1)
        ]

    def _prioritise_thumbnails(self) -> None:
        """The photo on screen, then the rows in view; the rest follow in folder order."""
        first = [self.doc.path] if self.doc is not None else []
        self._thumbnails.prioritise(first + self.strip_rows_in_view())

    def _select_in_strip(self, path: Path | None) -> None:
        self._syncing_strip = True
        try:
            row = self._row_of(path) if path is not None else None
            if row is None:
                self.strip.selectionModel().clearSelection()
            else:
                index = self.photo_filter.index(row, 0)
                self.strip.selectionModel().setCurrentIndex(
                    index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                )
                self.strip.scrollTo(index)
        finally:
            self._syncing_strip = False

    def _on_strip_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._syncing_strip or not current.isValid():
            return
        self.show_photo(Path(current.data(Qt.ItemDataRole.UserRole)))

    def _step_photo(self, step: int) -> None:
        paths = self.visible_paths()
        if not paths:
            return
        row = self._row_of(self.doc.path) if self.doc is not None else None
        row = 0 if row is None and step > 0 else (-1 if row is None else row + step)
        self.show_photo(paths[row % len(paths)])

    def show_photo(self, path: Path) -> None:
        """Make `path` the photo on screen, loading its pixels (its scan comes from the queue)."""
        path = Path(path)
        if self.doc is not None and self.doc.path == path:
            self._select_in_strip(path)
            return
        self._select_in_strip(path)
        previous = self.doc
        if previous is not None:
            previous.regions_changed.disconnect(self._on_regions_changed)
            previous.state_changed.disconnect(self._on_state_changed)
            previous.release_pixels()  # only the photo on screen is kept in memory
        self.act_preview.setChecked(False)
        self.act_add.setChecked(False)
        self.view.clear()
        doc = self.docs[path]
        self.doc = doc
        self.undo_group.setActiveStack(doc.undo_stack)
        self._prioritise_thumbnails()  # its own thumbnail first; the rows around it follow
        doc.regions_changed.connect(self._on_regions_changed)
        doc.state_changed.connect(self._on_state_changed)
        if doc.state is State.CANCELLED:
            self._enqueue([doc], front=True)  # a photo the user wants to see gets scanned
        if doc.pixels is None and doc.state is not State.FAILED:
            self._opened_at[path] = time.perf_counter()
            self._run(
                doc,
                load_photo,
                path,
                ok=self._on_loaded,
                failed=self._on_load_failed,
                progress=self._on_load_progress,
            )
        elif doc.pixels is not None:
            self.view.set_photo(pixmap_from_array(doc.pixels), *doc.size)
            self.view.zoom_fit()
        self._on_regions_changed()
        self._on_state_changed()
        self._update_title()

    # ------------------------------------------------------------------ the batch queue

    def scanning(self) -> bool:
        """True while photos are being scanned or wait to be."""
        return self._runner is not None or bool(self._pending)

    def _enqueue(self, docs: list[PhotoDocument], *, front: bool = False) -> None:
        docs = [d for d in docs if d not in self._pending and d not in self._run_docs[self._run_done :]]
        if not docs:
            return
        for doc in docs:
            doc.set_state(State.QUEUED)
        self._pending = docs + self._pending if front else self._pending + docs
        self._batch_total += len(docs)
        self._start_next_run()
        self._update_batch_bar()

    def _start_next_run(self) -> None:
        if self._runner is not None or not self._pending or self.closing:
            return
        docs, self._pending = self._pending, []
        self._run_ids += 1
        workers = 1 if len(docs) == 1 else self.batch_workers
        self._run_docs, self._run_done = docs, 0
        self._runner = BatchRunner(
            self._run_ids,
            [doc.input for doc in docs],
            self.scanner(),
            workers,
            self._runner_signals,
            self._scanner_lock,
        )
        self._mark_scanning()
        log.info("batch of %d photos started with %d worker(s)", len(docs), workers)
        self._runner.start()

    def _mark_scanning(self) -> None:
        """The photos a worker is on now: results come in order, so they are the next
        `workers` of the run after the last one that came back."""
        if self._runner is None:
            return
        for doc in self._run_docs[self._run_done : self._run_done + max(1, self._runner.workers)]:
            if doc.state is State.QUEUED:
                doc.set_state(State.SCANNING)

    @Slot(int, object)
    def _on_batch_result(self, run_id: int, result: FileResult) -> None:
        runner = self._runner
        if runner is None or run_id != runner.run_id or runner.cancelled:
            return  # a late result of a cancelled run: what was cancelled stays cancelled
        doc = self.docs.get(result.input.path)
        self._run_done += 1
        self._batch_done += 1
        if doc is not None and doc.busy:
            if result.ok:
                doc.set_scan_result(result.regions, result.width, result.height)
                self._record(doc)
                if doc is self.doc:
                    self.statusBar().showMessage(" — ".join(self._summary_text(doc).splitlines()), 10_000)
                self.scan_finished.emit(doc)
            else:
                self._fail(doc, result.error or "unknown error")
        self._mark_scanning()
        self._update_batch_bar()

    @Slot(int, bool)
    def _on_batch_run_finished(self, run_id: int, cancelled: bool) -> None:
        runner = self._runner
        if runner is None or run_id != runner.run_id:
            return
        runner.join(5)
        self._runner = None
        self._run_docs, self._run_done = [], 0
        if self._pending:
            self._start_next_run()
        else:
            self.save_projects()
        self._update_batch_bar()
        if self._runner is None:
            self.batch_finished.emit(cancelled)

    def cancel_batch(self) -> None:
        """Stop scanning now: the photos not scanned yet are marked so (and scanned
        when shown); the ones done keep their results. The worker in flight finishes
        its photo in the background and its result is dropped."""
        if self._runner is None and not self._pending:
            return
        stopped = self._pending + (self._run_docs[self._run_done :] if self._runner else [])
        self._pending = []
        if self._runner is not None:
            self._runner.cancel()
        for doc in stopped:
            if doc.busy:
                doc.set_state(State.CANCELLED)
        self._batch_total = self._batch_done
        self.statusBar().showMessage(f"Scanning cancelled; {len(stopped)} photos not scanned", 10_000)
        self._update_batch_bar()
        self.save_projects()
        if self._runner is not None:
            self.batch_finished.emit(True)

    def _stop_batch(self) -> None:
        runner = self._runner
        self._pending = []
        if runner is not None:
            runner.cancel()
            runner.join(60)

    def _stop_batch_async(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
        self._pending = []

    def batch_running(self) -> bool:
        return self._runner is not None and not self._runner.cancelled

    def _update_batch_bar(self) -> None:
        running = self.batch_running() or bool(self._pending)
        self.batch_bar.setVisible(running)
        self.act_cancel_batch.setEnabled(running)
        if running:
            self.queue_progress.setRange(0, max(self._batch_total, 1))
            self.queue_progress.setValue(self._batch_done)
        else:
            self._batch_total = self._batch_done = 0
        self.batch_progress.emit(self._batch_done, self._batch_total)
        self._update_queue_status()

    def _update_queue_status(self) -> None:
        docs = self.photo_model.docs
        to_review = sum(1 for d in docs if needs_review(d))
        reviewed = sum(1 for d in docs if d.reviewed and d.state is State.READY)
        failed = sum(1 for d in docs if d.state is State.FAILED)
        text = f"{len(docs)} photos · {to_review} to review · {reviewed} reviewed"
        if failed:
            text += f" · {failed} failed"
        self.queue_status.setText(text)
        self.export_all_button.setEnabled(reviewed > 0 and not self._exporting)
        self.act_export_all.setEnabled(reviewed > 0 and not self._exporting)

    def _fail(self, doc: PhotoDocument, message: str) -> None:
        doc.fail(message)
        self._record(doc)
        self.photo_failed.emit(doc)
        if len(self.docs) == 1:  # one photo opened: say so; in a batch the badge says it
            self.show_error("Cannot open photo", f"{doc.path.name}: {message}.")
        elif doc is self.doc:
            self.statusBar().showMessage(f"{doc.path.name}: {message}", 10_000)

    @Slot(str, object)
    def _on_thumbnail(self, path: str, pixels: np.ndarray) -> None:
        self.photo_model.set_thumbnail(Path(path), pixmap_from_array(pixels))
        self.thumbnail_ready.emit(Path(path))

    def _on_any_doc_changed(self) -> None:
        doc = self.sender()
        if isinstance(doc, PhotoDocument):
            self.photo_model.doc_changed(doc)
            if doc.state is State.READY:
                self._record(doc)
        self._update_queue_status()

    # ------------------------------------------------------------------ job results

    @Slot(object, object)
    def _on_load_progress(self, doc: PhotoDocument, preview: Preview) -> None:
        if doc is self.doc and doc.pixels is None:
            self.view.set_photo(pixmap_from_array(preview.pixels), preview.full_width, preview.full_height)
            self._first_pixels_shown(doc)

    @Slot(object, object)
    def _on_loaded(self, doc: PhotoDocument, loaded: LoadedImage) -> None:
        if doc is not self.doc:
            return  # the user moved on; only the photo on screen holds pixels
        doc.set_image(loaded.pixels, loaded.format)
        self.view.set_photo(pixmap_from_array(loaded.pixels), *doc.size)
        self._first_pixels_shown(doc)
        self._on_regions_changed()
        self.photo_loaded.emit(doc)

    def _first_pixels_shown(self, doc: PhotoDocument) -> None:
        started = self._opened_at.pop(doc.path, None)
        if started is not None:
            self.open_timings[doc.path] = time.perf_counter() - started
            log.info("photo shown %.3f s after opening", self.open_timings[doc.path])
            self.photo_shown.emit(doc)

    @Slot(object, str)
    def _on_load_failed(self, doc: PhotoDocument, message: str) -> None:
        if doc.state is not State.FAILED:
            self._fail(doc, message)

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
        items = doc.review.items
        marks = {i: "check" for i in doc.check_me}
        marks.update({i: "consent" for i, item in enumerate(items) if item.decision is Decision.CONSENT})
        self.view.set_regions(doc.regions, editable=doc.editable, marks=marks)
        placeholder = {
            State.QUEUED: "Waiting to be scanned…",
            State.SCANNING: "Scanning…",
            State.READY: "Nothing found",
            State.FAILED: "Not scanned",
            State.CANCELLED: "Not scanned",
        }[doc.state]
        self.region_list.set_regions(doc.regions, placeholder, items)
        self.region_list.select_indices(self.view.selected_indices())
        self.summary.setText(self._summary_text(doc))
        self._update_notice()
        self._update_actions()
        if self.act_preview.isChecked():
            self._render_after()

    def _on_state_changed(self) -> None:
        doc = self.doc
        busy = doc is not None and (doc.busy or (doc.pixels is None and doc.state is not State.FAILED))
        self.progress.setVisible(busy)
        if doc is not None and doc.state is State.SCANNING:
            self.statusBar().showMessage(f"Scanning {doc.path.name} for PHI…")
        if doc is not None:
            self.summary.setText(self._summary_text(doc))
            if doc.state in (State.READY, State.FAILED):
                self._on_regions_changed()  # items become editable
            self.act_reviewed.blockSignals(True)
            self.act_reviewed.setChecked(doc.reviewed)
            self.act_reviewed.blockSignals(False)
        self._show_export_check(doc)
        self._update_notice()
        self._update_actions()

    def _summary_text(self, doc: PhotoDocument) -> str:
        if doc.state is State.QUEUED:
            return "Waiting in the queue to be scanned…"
        if doc.state is State.SCANNING:
            return "Scanning for names, dates, IDs, faces and barcodes…"
        if doc.state is State.FAILED:
            return f"Not scanned: {doc.error}"
        if doc.state is State.CANCELLED:
            return "Not scanned (scanning was cancelled)"
        if not doc.regions and not doc.found:
            text = NO_PHI_MESSAGE
        else:
            text = review_counts(doc.review)
        if doc.reviewed:
            text += "\nReviewed."
        elif doc.check_me:
            text += '\nDecide every \u26a0 "check me" region (N), then mark reviewed (Ctrl+Shift+Return).'
        else:
            text += "\nNot reviewed yet: mark reviewed (Ctrl+Shift+Return) before exporting."
        if doc.exported_to is not None:
            text += f"\nExported to {doc.exported_to}"
        return text

    def _show_export_check(self, doc: PhotoDocument | None) -> None:
        """The verification of the photo's last export, on the photo: red when something
        is still found, green when nothing is."""
        check = doc.export_check if doc is not None else None
        if check is None:
            self.verify_label.hide()
            return
        lines = check.lines()
        lines[0] = ("\u26a0 " if check.warns else "\u2713 ") + lines[0]
        self.verify_label.setText("\n".join(lines))
        colour = compliance.WARN_COLOUR if check.warns else compliance.OK_COLOUR
        self.verify_label.setStyleSheet(f"color: {colour}" + ("; font-weight: bold" if check.warns else ""))
        self.verify_label.show()

    def _update_notice(self) -> None:
        doc = self.doc
        if doc is None:
            self.view.set_busy(None)
        elif doc.pixels is None and doc.state is not State.FAILED and not self.view.has_photo():
            self.view.set_busy("Opening…")
        elif doc.state is State.QUEUED:
            self.view.set_busy("Waiting to be scanned…  (other photos are being scanned)")
        elif doc.state is State.SCANNING:
            self.view.set_busy("Scanning for PHI…  (you can zoom and pan meanwhile)")
        elif doc.state is State.FAILED:
            self.view.set_busy(f"Error: {doc.error}")
        elif doc.state is State.CANCELLED:
            self.view.set_busy("Not scanned")
        elif doc.state is State.READY and not doc.regions and not doc.found:
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
        loaded = ready and doc.pixels is not None
        self.act_export.setEnabled(loaded)
        self.act_toggle.setEnabled(has_sel)
        for act in (self.act_cover, self.act_keep, self.act_consent):
            act.setEnabled(has_sel)
        self.act_next_check.setEnabled(ready and bool(doc.check_me))
        self.act_delete.setEnabled(has_sel and not previewing)
        self.act_add.setEnabled(ready and not previewing)
        self.act_preview.setEnabled(loaded)
        self.act_select_all.setEnabled(ready)
        self.act_reviewed.setEnabled(ready)
        self.act_review_next.setEnabled(ready)

    def _update_modified(self, *_args: Any) -> None:
        self.setWindowModified(any(d.modified for d in self.docs.values()))
        if self.doc is not None:
            self.photo_model.doc_changed(self.doc)  # the "•" of unexported edits

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

    def decide_selected(self, decision: Decision) -> None:
        if doc := self._editable_doc():
            doc.decide(self.view.selected_indices(), decision)

    def consent_selected(self) -> None:
        """Keep the selected regions visible by consent, asking for the form reference."""
        doc = self._editable_doc()
        chosen = self.view.selected_indices() if doc else []
        if not chosen:
            return
        consent = compliance.ask_consent(self, len(chosen))
        if consent is not None and doc is self.doc:
            doc.decide(chosen, Decision.CONSENT, consent)

    def select_next_check(self) -> None:
        """Select (and show) the next "check me" region after the current selection."""
        doc = self._editable_doc()
        if doc is None or not doc.check_me:
            return
        current = max(self.view.selected_indices(), default=-1)
        index = next((i for i in doc.check_me if i > current), doc.check_me[0])
        self.view.select_indices([index])
        self.region_list.select_indices([index])
        items = self.view.region_items()
        if index < len(items):
            self.view.ensureVisible(items[index])
        self._update_actions()

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

    def verifier(self) -> SharedVerifier | None:
        """The window's one verifier (fast engines unless one was given), or None when off."""
        if self._verifier_arg is False:
            return None
        if self._verifier is None:
            verifier = self._verifier_arg
            if verifier is None:
                from phiscrub.verify import Verifier  # no model loads until first use

                verifier = Verifier(self.prefs.verify_engines)
            self._verifier = SharedVerifier(verifier)
        return self._verifier

    def ensure_signoff(self) -> bool:
        """Ask once per session who signs off the exports; False when the user cancels."""
        while self.signoff is None:
            name = compliance.ask_reviewer(self)
            if name is None:
                self.statusBar().showMessage("Not exported: an export needs the reviewer's sign-off", 10_000)
                return False
            try:
                self.signoff = audit.SignOff.now(name)
            except audit.SignOffError as exc:
                self.show_error("Sign-off", str(exc))
        return True

    def change_signoff(self) -> None:
        name = compliance.ask_reviewer(self, self.signoff.reviewer if self.signoff else "")
        if name is not None:
            try:
                self.signoff = audit.SignOff.now(name)
            except audit.SignOffError as exc:
                self.show_error("Sign-off", str(exc))
                return
            self.statusBar().showMessage(f"Exports are signed off by {self.signoff.reviewer}", 10_000)

    def export_current(self) -> None:
        """Export the photo on screen through the review gate, then verify the export."""
        doc = self.doc
        if doc is None or doc.state is not State.READY or doc.pixels is None:
            return
        try:
            require_reviewed(doc.review)
        except ExportRefused as exc:
            self._refuse(doc, str(exc))
            return
        try:
            dest = self.prefs.destination(doc.path, output_format(doc.format or "JPEG"))
        except (ValueError, OSError) as exc:
            self.show_error("Cannot export", str(exc))
            return
        if not self.ensure_signoff():
            return
        verifier = self.verifier()
        self.statusBar().showMessage(
            f"Exporting {doc.path.name}" + (" and checking the export…" if verifier else "…")
        )
        self.act_export.setEnabled(False)
        # The stack index records which edit this export contains (clean mark).
        tag = (doc, doc.undo_stack.index())
        self._run(
            tag,
            export_one,
            ExportJob.of(doc.input, doc.review, dest),
            self.redaction_style,
            verifier,
            ok=self._on_exported,
            failed=self._on_export_failed,
        )

    def _refuse(self, doc: PhotoDocument, why: str) -> None:
        hint = (
            'Decide every \u26a0 "check me" region (N selects the next one; C covers, K keeps, '
            "Shift+K keeps by consent), then mark the photo reviewed (Ctrl+Shift+Return)."
            if doc.check_me
            else "Review the regions, then mark the photo reviewed (Ctrl+Shift+Return)."
        )
        self.statusBar().showMessage(f"Not exported: {doc.path.name} is not marked reviewed", 10_000)
        self.export_refused.emit(doc, why)
        self.show_error(
            "Not exported", f"{doc.path.name} was not exported: it is not marked reviewed.\n{hint}"
        )

    @Slot(object, object)
    def _on_exported(self, tag: tuple[PhotoDocument, int], outcome: ExportOutcome) -> None:
        doc, index = tag
        self._update_actions()
        result = outcome.result
        if outcome.refused or not result.ok or result.output is None:
            self._on_export_failed(tag, result.error or "unknown error")
            return
        dest = result.output
        if doc.undo_stack.index() == index:
            doc.undo_stack.setClean()
        check = ExportCheck.of(outcome.verification, outcome.review) if outcome.verification else None
        doc.mark_exported(dest, check)
        self._record(doc)
        # The audit report of this one photo, as Export All writes one for its photos.
        try:
            self.last_report = self.write_audit(dest.parent, [outcome])
        except ExportError as exc:
            self.last_report = None
            why = str(exc)
            self.show_error(
                "Report not written", f"The clean copy was written, but its audit report was not ({why})."
            )
        report_note = f"; report {self.last_report[1].name}" if self.last_report else ""
        self.statusBar().showMessage(f"Exported clean copy to {dest}{report_note}")
        self.export_finished.emit(dest)
        if check is not None:
            self.export_checked.emit(doc)
            if check.warns:
                self.show_error("Check before posting", f"{doc.path.name}:\n" + "\n".join(check.lines()))

    @Slot(object, str)
    def _on_export_failed(self, tag: Any, message: str) -> None:
        self._update_actions()
        self.statusBar().showMessage("Export failed")
        self.show_error("Export failed", f"The clean copy was not written: {message}.")

    # ------------------------------------------------------------------ review and export all

    def _on_reviewed_toggled(self, on: bool) -> None:
        if (doc := self._editable_doc()) is not None:
            self.mark_reviewed(doc, on)
            self.act_reviewed.blockSignals(True)
            self.act_reviewed.setChecked(doc.reviewed)
            self.act_reviewed.blockSignals(False)

    def mark_reviewed(self, doc: PhotoDocument, reviewed: bool = True) -> bool:
        """Mark `doc` reviewed (undoable); refused, with the first "check me" region
        selected, while any is undecided."""
        try:
            doc.set_reviewed(reviewed)
        except ReviewError as exc:
            if doc is self.doc and doc.check_me:
                self.view.select_indices(())
                self.select_next_check()
            self.show_error("Not marked reviewed", str(exc))
            return False
        return True

    def mark_reviewed_and_next(self) -> None:
        """Mark the photo on screen reviewed and go to the next photo needing review
        (in the strip's order, after this one; wrapping round)."""
        doc = self._editable_doc()
        if doc is None:
            return
        order = self.visible_paths()
        start = order.index(doc.path) if doc.path in order else -1
        if not self.mark_reviewed(doc):
            return
        after = order[start + 1 :] + order[: start + 1]
        nxt = next((p for p in after if p != doc.path and needs_review(self.docs[p])), None)
        if nxt is None:  # nothing scanned left to review: the next one still in the queue
            nxt = next((p for p in after if p != doc.path and self.docs[p].busy), None)
        if nxt is not None:
            self.show_photo(nxt)
        else:
            self._select_in_strip(doc.path)
            self.statusBar().showMessage("Every scanned photo is reviewed", 10_000)

    def audit_settings(self) -> dict[str, Any]:
        """What the audit report records about how the photos were processed."""
        verifier = self.verifier()
        return {
            "source": "phiscrub-gui",
            "engine": self.prefs.engine,
            "style": self.redaction_style.value,
            "check_me_below": self.check_me_below,
            "review_gate": "required",
            "verify_engines": list(verifier.engines) if verifier else "off",
        }

    def export_all_reviewed(self) -> None:
        """Write a clean copy of every reviewed photo with its reviewed decisions, through
        the core's gated export (with verification), then show a summary and write the
        audit report as JSON and HTML. Scanned photos not marked reviewed go to the gate
        too, which refuses them; the report lists them as refused."""
        if self._exporting:
            return
        summary = ExportSummary()
        jobs: list[ExportJob] = []
        tags: list[tuple[PhotoDocument, int]] = []
        taken: set[Path] = set(self.docs)  # never a destination equal to an input
        for doc in self.photo_model.docs:
            if doc.state is not State.READY:
                why = {
                    State.FAILED: f"could not be scanned ({doc.error})",
                    State.CANCELLED: "not scanned",
                    State.QUEUED: "not scanned yet",
                    State.SCANNING: "not scanned yet",
                }[doc.state]
                summary.skipped.append((doc.path.name, why))
                continue
            try:
                fmt = format_for_suffix(doc.path.suffix)
            except ValueError:
                fmt = sniff_format(doc.path)
            try:
                if fmt is None:
                    raise ValueError("cannot tell this image's format from its name")
                # Only reviewed photos reserve a name; the gate writes nothing for the rest.
                dest = self.prefs.destination(doc.path, output_format(fmt), taken if doc.reviewed else None)
            except (ValueError, OSError) as exc:
                summary.failed.append((doc.path.name, str(exc)))
                continue
            jobs.append(ExportJob.of(doc.input, doc.review, dest))
            tags.append((doc, doc.undo_stack.index()))
        if not any(doc.reviewed for doc, _ in tags):
            self._finish_export_all(summary, tags, [self._refused_now(j) for j in jobs])
            return
        if not self.ensure_signoff():
            return
        verifier = self.verifier()
        self._exporting = True
        self._export_stop = threading.Event()
        self._export_total = len(jobs)
        self._export_done = 0
        self._update_queue_status()
        self.export_progress.setFormat("%v of %m exported")
        self.export_progress.setRange(0, len(jobs))
        self.export_progress.setValue(0)
        self.export_bar.show()
        self.export_cancel_button.setEnabled(True)
        self.act_cancel_export.setEnabled(True)
        self.statusBar().showMessage(
            f"Exporting {sum(d.reviewed for d, _ in tags)} reviewed photos"
            + (" and double-checking each copy…" if verifier else "…")
        )
        self._run(
            (summary, tags, jobs),
            export_all,
            jobs,
            self.redaction_style,
            verifier,
            self._export_stop,
            ok=self._on_export_all_done,
            failed=self._on_export_all_failed,
            progress=self._on_export_all_progress,
        )

    @staticmethod
    def _refused_now(job: ExportJob) -> ExportOutcome:
        from phiscrub.project import export_gated

        return next(export_gated([job]))  # unreviewed: refused at once, nothing read or written

    def cancel_export_all(self) -> None:
        """Stop Export All after the photo being written (its file is complete, as every
        export is written to a temp file and renamed); the summary and the report list
        what was exported and say the rest was not because the user cancelled."""
        if not self._exporting or self._export_stop.is_set():
            return
        self._export_stop.set()
        self.export_cancel_button.setEnabled(False)
        self.act_cancel_export.setEnabled(False)
        self.statusBar().showMessage("Cancelling the export; the photo being written is finished first…")

    @Slot(object, object)
    def _on_export_all_progress(self, _tag: Any, outcome: ExportOutcome) -> None:
        self._export_done += 1
        self.export_progress.setValue(self._export_done)
        self.export_all_progress.emit(self._export_done, self._export_total)

    @Slot(object, object)
    def _on_export_all_done(self, tag: tuple[ExportSummary, list, list], outcomes: list) -> None:
        summary, tags, jobs = tag
        self._finish_export_all(summary, tags, list(outcomes), jobs)

    @Slot(object, str)
    def _on_export_all_failed(self, tag: tuple[ExportSummary, list, list], message: str) -> None:
        summary, _tags, _jobs = tag
        summary.failed.append(("(export)", message))
        self._finish_export_all(summary, [], [])

    def _finish_export_all(
        self,
        summary: ExportSummary,
        tags: list[tuple[PhotoDocument, int]],
        outcomes: list[ExportOutcome],
        jobs: list[ExportJob] | None = None,
    ) -> None:
        self._exporting = False
        self.export_bar.hide()
        self.act_cancel_export.setEnabled(False)
        if len(outcomes) < len(tags):  # cancelled before these were reached
            rest = list(zip(tags[len(outcomes) :], (jobs or [])[len(outcomes) :], strict=True))
            tags = tags[: len(outcomes)]
            for (doc, index), job in rest:
                if job.review is not None and job.review.reviewed:
                    summary.cancelled.append(doc.path.name)
                else:  # the gate refuses it anyway, at once: the report lists it as refused
                    tags.append((doc, index))
                    outcomes.append(self._refused_now(job))
        for (doc, index), outcome in zip(tags, outcomes, strict=True):
            result = outcome.result
            if outcome.refused:
                summary.skipped.append((doc.path.name, "not marked reviewed"))
            elif result.ok and result.output is not None:
                summary.exported.append(result.output)
                if doc.undo_stack.index() == index:
                    doc.undo_stack.setClean()
                check = ExportCheck.of(outcome.verification, outcome.review) if outcome.verification else None
                doc.mark_exported(result.output, check)
                if check is not None and check.warns:
                    summary.warned.append((doc.path.name, "; ".join(check.lines()[1:])))
                self._record(doc)
                if check is not None:
                    self.export_checked.emit(doc)
            else:
                summary.failed.append((doc.path.name, result.error or "unknown error"))
        self.save_projects()
        self._update_queue_status()
        if not summary.exported:
            self._show_export_summary(summary)
            return
        extra = {"skipped": len(summary.skipped)}
        if summary.cancelled:
            extra["cancelled"] = len(summary.cancelled)
        # The report is built here (it reads the sign-off and the settings) and written
        # on a worker: its HTML page reads every clean copy back for a thumbnail, which
        # took seconds at the end of a large export when it ran on the GUI thread.
        report = self.audit_report(outcomes, extra)
        self._exporting = True  # no second export until the report is on disk
        self._update_queue_status()
        self.export_progress.setRange(0, 0)
        self.export_progress.setFormat("Writing the audit report…")
        self.export_cancel_button.setEnabled(False)
        self.export_bar.show()
        self.statusBar().showMessage("Writing the audit report…")
        self._run(
            summary,
            _write_audit_files,
            summary.exported[0].parent,
            report,
            ok=self._on_audit_written,
            failed=self._on_audit_failed,
        )

    @Slot(object, object)
    def _on_audit_written(self, summary: ExportSummary, paths: tuple[Path, Path]) -> None:
        summary.report, summary.html = paths
        self._show_export_summary(summary)

    @Slot(object, str)
    def _on_audit_failed(self, summary: ExportSummary, message: str) -> None:
        summary.report_error = message
        self._show_export_summary(summary)

    def _show_export_summary(self, summary: ExportSummary) -> None:
        self._exporting = False
        self.export_bar.hide()
        self._update_queue_status()
        self.statusBar().showMessage(
            ("Export cancelled: " if summary.cancelled else "")
            + f"exported {len(summary.exported)}, "
            + (f"not exported {len(summary.cancelled)}, " if summary.cancelled else "")
            + f"skipped {len(summary.skipped)}, failed {len(summary.failed)}",
            15_000,
        )
        box = QMessageBox(
            QMessageBox.Icon.Warning
            if summary.failed or summary.warned or summary.cancelled
            else QMessageBox.Icon.Information,
            "Export cancelled" if summary.cancelled else "Export all reviewed",
            summary.text(),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        if summary.failed or summary.skipped or summary.warned or summary.cancelled:
            box.setDetailedText(summary.details())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.summary_box = box
        self.export_all_finished.emit(summary)

    def audit_report(
        self, outcomes: list[ExportOutcome], extra: dict[str, int] | None = None
    ) -> dict[str, Any]:
        """The audit report of `outcomes`. `extra` counts (photos skipped, or not
        exported because the user cancelled) go into the report and its totals."""
        report = audit.build_audit(
            audit.photo_entries(outcomes), signoff=self.signoff, settings=self.audit_settings()
        )
        for key, count in (extra or {}).items():
            report[key] = count
            if key != "skipped":  # "refused" in the totals already counts those
                report["totals"][key] = count
        return report

    def write_audit(
        self, folder: Path, outcomes: list[ExportOutcome], extra: dict[str, int] | None = None
    ) -> tuple[Path, Path]:
        """The audit report of `outcomes` written in `folder` (beside the clean copies):
        JSON, and an HTML page with thumbnails of the clean exports only. Never over an
        earlier report. Raises ExportError."""
        return _write_audit_files(folder, self.audit_report(outcomes, extra))

    # ------------------------------------------------------------------ review projects

    def project_store(self) -> Path:
        return self.prefs.project_folder(self.prefs_path.parent / "projects")

    def _project_for(self, doc: PhotoDocument) -> Project:
        folder = doc.path.parent
        project = self.projects.get(folder)
        if project is None:
            where = project_path(folder, self.project_store())
            try:
                project = load_project(where, folder)
            except ProjectError as exc:
                # Kept aside, never overwritten: the user may want it back.
                aside = where.with_name(where.name + time.strftime(".damaged-%Y%m%d-%H%M%S"))
                try:
                    where.rename(aside)
                except OSError:
                    pass
                self.show_error("Review not restored", f"{exc}. It was set aside as {aside.name}.")
                project = Project(folder.resolve())
            self.projects[folder] = project
        return project

    def _restore(self, doc: PhotoDocument) -> None:
        state = self._project_for(doc).get(doc.path)
        if state is None:
            return
        if state.status == "error":
            doc.fail(state.error or "could not be scanned")
            return
        exported = Path(state.exported_to) if state.exported_to else None
        check = compliance.SavedCheck(state.verification) if state.verification is not None else None
        doc.restore(state.found, state.review(), state.width, state.height, exported, check)

    def _record(self, doc: PhotoDocument) -> None:
        """Put the photo's review state into its project (saved shortly after)."""
        if doc.state not in (State.READY, State.FAILED):
            return
        project = self._project_for(doc)
        state = project.state_for(
            doc.path,
            status="ok" if doc.state is State.READY else "error",
            error=doc.error if doc.state is State.FAILED else None,
            width=doc.width or None,
            height=doc.height or None,
            found=doc.found or (),
            exported_to=str(doc.exported_to) if doc.exported_to else None,
            verification=doc.export_check.summary if doc.export_check is not None else None,
        )
        if state is not None and doc.state is State.READY:
            state = state.with_review(doc.review)
        if state is not None and project.photos.get(state.name) != state:
            project.put(state)
            self._dirty_projects.add(doc.path.parent)
            self._save_timer.start()

    def save_projects(self) -> None:
        """Write every changed project now (atomically; an error is shown once, not per photo)."""
        self._save_timer.stop()
        for folder in sorted(self._dirty_projects):
            where = project_path(folder, self.project_store())
            try:
                save_project(self.projects[folder], where)
            except OSError as exc:
                self.show_error(
                    "Review not saved",
                    f"The review of {folder.name} could not be saved to {where.parent} ({exc.strerror}).",
                )
                continue
            self._dirty_projects.discard(folder)
            self.project_saved.emit(where)

    # ------------------------------------------------------------------ errors

    def show_error(self, title: str, text: str) -> None:
        """A window-modal message that does not block the event loop (tests, workers)."""
        log.warning("%s: %s", title, text)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.error_box = box
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
        self._stop_batch_async()
        self.save_projects()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
        super().closeEvent(event)
