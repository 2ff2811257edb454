"""Background work: loading, scanning, rendering the preview, exporting and verifying.

Each job is a QRunnable on a QThreadPool that reports through a small QObject of
signals (queued into the GUI thread). Only numpy arrays and the core's frozen
dataclasses cross threads; QPixmaps are made by the receiver on the GUI thread.
Error messages are plain sentences: the core's own for load/export failures, and
only the exception's type otherwise, because an unexpected message could quote
recognised text.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot

from phiscrub.imageio import ExportError, ImageLoadError, LoadedImage, load_image
from phiscrub.models import Region
from phiscrub.project import ExportJob, ExportOutcome, export_gated
from phiscrub.redact import Style, redact

log = logging.getLogger(__name__)

#: Photos with more pixels than this get a quick downscaled preview first, so the
#: photo appears at once while the full decode (0.1-0.4 s for 12 MP) runs.
PREVIEW_ABOVE_PIXELS = 3_000_000
PREVIEW_LONG_SIDE = 1600


@dataclass(frozen=True)
class Preview:
    """A downscaled upright copy of a photo, and the photo's full upright size."""

    pixels: np.ndarray
    full_width: int
    full_height: int


class JobSignals(QObject):
    """What a job reports, each with the job's `tag` (e.g. the document it is for)
    so the receiver can be a bound method of a GUI-thread QObject: slots then run
    on the GUI thread (a queued connection), never on the worker's."""

    progress = Signal(object, object)  # tag, intermediate result (a Preview)
    succeeded = Signal(object, object)  # tag, result
    failed = Signal(object, str)  # tag, a plain sentence
    finished = Signal(int)  # job id


class Job(QRunnable):
    """Runs `fn(*args, report=...)` on a pool thread and reports by signals."""

    _next_id = 0

    def __init__(self, tag: Any, fn: Callable[..., Any], *args: Any) -> None:
        super().__init__()
        Job._next_id += 1
        self.id = Job._next_id
        self.tag, self.fn, self.args = tag, fn, args
        self.signals = JobSignals()

    def run(self) -> None:
        tag, signals = self.tag, self.signals
        try:
            result = self.fn(*self.args, report=lambda value: signals.progress.emit(tag, value))
        except (ImageLoadError, ExportError) as exc:
            signals.failed.emit(tag, str(exc))
        except MemoryError:
            signals.failed.emit(tag, "not enough memory for this photo")
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            log.debug("job %s failed", getattr(self.fn, "__name__", "?"), exc_info=True)
            signals.failed.emit(tag, f"internal error ({type(exc).__name__}); please report it")
        else:
            signals.succeeded.emit(tag, result)
        finally:
            signals.finished.emit(self.id)


class Workers(QObject):
    """Owns the pools. Scans run one at a time on their own pool: the Scanner's
    models are loaded once and are not meant to run two images at once."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.scan_pool = QThreadPool(self)
        self.scan_pool.setMaxThreadCount(1)
        # Python owns each job's signal holder; keep it alive until the job's
        # queued signals were delivered (finished is emitted last, same receiver thread).
        self._running: dict[int, Job] = {}
        self._stoppers: list[Callable[[], Any]] = []

    def adopt(self, stop: Callable[[], Any]) -> None:
        """Call `stop` (which must return only once its thread ended) on shutdown."""
        self._stoppers.append(stop)

    def start(self, job: Job, *, scan: bool = False) -> Job:
        self._running[job.id] = job
        job.signals.finished.connect(self._forget)
        (self.scan_pool if scan else self.pool).start(job)
        return job

    @Slot(int)
    def _forget(self, job_id: int) -> None:
        self._running.pop(job_id, None)

    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, msecs: int = 60_000) -> bool:
        return self.pool.waitForDone(msecs) and self.scan_pool.waitForDone(msecs)

    def shutdown(self, msecs: int = 60_000) -> None:
        """Drop queued jobs, wait for running ones and deliver their last signals,
        so no pool thread outlives the window (or the interpreter)."""
        self.pool.clear()
        self.scan_pool.clear()
        for stop in self._stoppers:
            stop()
        self.wait(msecs)
        QCoreApplication.sendPostedEvents(self)
        self._running.clear()


# ------------------------------------------------------------------ job functions


def load_photo(path: Path, *, report: Callable[[object], None]) -> LoadedImage:
    """The core's upright pixels; a quick downscaled Preview is reported first for big photos."""
    try:
        preview = quick_preview(path)
    except Exception:  # noqa: BLE001 - the preview is optional; load_image says what is wrong
        preview = None
    if preview is not None:
        report(preview)
    return load_image(path)


def quick_preview(path: Path) -> Preview | None:
    """A fast, upright, downscaled decode (JPEG's DCT scaling), or None for small photos.

    It is only shown until the core's full decode arrives; everything that is
    scanned, edited and exported uses the core's pixels.
    """
    with Image.open(path) as im:
        w, h = im.size
        if w * h <= PREVIEW_ABOVE_PIXELS:
            return None
        im.draft("RGB", (w * PREVIEW_LONG_SIDE // max(w, h), h * PREVIEW_LONG_SIDE // max(w, h)))
        orientation = im.getexif().get(0x0112, 1)
        small = ImageOps.exif_transpose(im).convert("RGB")
    full_w, full_h = (h, w) if orientation in (5, 6, 7, 8) else (w, h)
    small.thumbnail((PREVIEW_LONG_SIDE, PREVIEW_LONG_SIDE))
    return Preview(np.ascontiguousarray(np.asarray(small)), full_w, full_h)


# What a scan imports, by OCR engine. Imported on the GUI thread before any worker
# runs: a first import on a worker thread while the GUI thread is inside Qt's event
# loop crashed the process (a segmentation fault during wordfreq/ftfy's import in
# about 1 of 8 runs of the batch tests, 0 of 20 once imported up front; later one
# in Pillow's plugin imports, see below).
_SCAN_MODULES = (
    "multiprocessing",
    "concurrent.futures",
    "phiscrub.scan",
    "phiscrub.classify",
    "phiscrub.faces",
    "phiscrub.codes",
    "phiscrub.verify",
    "phiscrub.caption",
    "cv2",
    "zxingcpp",
    "onnxruntime",
)
_ENGINE_MODULES = {
    "rapidocr": (
        "phiscrub.ocr.rapid",
        "rapidocr_onnxruntime.ch_ppocr_det.utils",
        "rapidocr_onnxruntime.ch_ppocr_rec.utils",
    ),
    "easyocr": ("phiscrub.ocr.easy", "torch", "easyocr", "easyocr_en_models"),
    "tesseract": ("phiscrub.ocr.tesseract", "pytesseract"),
}
_ENGINE_MODULES["thorough"] = (
    "phiscrub.ocr.combined",
    *_ENGINE_MODULES["rapidocr"],
    *_ENGINE_MODULES["easyocr"],
)


def preload_scan_modules(engine: str | None) -> None:
    """Import every module a scan with `engine` needs, here on the calling (GUI) thread.

    A module that is missing is skipped: building the engine reports it properly."""
    for name in (*_SCAN_MODULES, *_ENGINE_MODULES.get(engine or "", ())):
        try:
            importlib.import_module(name)
        except ImportError:
            log.debug("preload: %s not importable", name)
    # Pillow imports its format plugins on the first open of a file it does not
    # know yet: three worker threads doing that at once crashed the same way.
    Image.init()


def warm_up(scanner: Any, lock: Any, *, report: Callable[[object], None]) -> None:
    """Load the models while the user is still choosing a photo (holding `lock`, which
    an in-process batch scan takes too, so the two never build the models twice)."""
    with lock:
        scanner.warm_up()


def render_clean(
    pixels: np.ndarray, regions: tuple[Region, ...], style: Style, *, report: Callable
) -> np.ndarray:
    """Exactly the pixels an export writes (the preview shows this array)."""
    return redact(pixels, regions, style)


class SharedVerifier:
    """One Verifier for the window, used by one export job at a time: its models
    load once (on first use, in a worker) and are not meant to scan two images at once."""

    def __init__(self, verifier: Any) -> None:
        self.verifier = verifier
        self._lock = threading.Lock()

    @property
    def engines(self) -> tuple[str, ...]:
        return tuple(getattr(self.verifier, "engines", ()))

    def verify(self, path: Path, regions: Any) -> Any:
        with self._lock:
            return self.verifier.verify(path, regions)


def export_one(
    job: ExportJob, style: Style, verifier: Any, *, report: Callable[[object], None]
) -> ExportOutcome:
    """One photo through the core's review gate (refused unless marked reviewed),
    exported and, with a `verifier`, scanned again."""
    (outcome,) = export_gated([job], style, verifier=verifier)
    return outcome


#: What verification says about the photo that was being written when the user
#: cancelled: its file is complete, but nobody re-scanned it.
NOT_CHECKED_CANCELLED = "not run, because you cancelled the export"


class _UnlessStopped:
    """A verifier that does not start once `stop` is set: a cancelled export keeps the
    photo it was writing (complete, through save_clean's rename) without spending
    seconds re-scanning it, and says so instead of claiming it was checked."""

    def __init__(self, verifier: Any, stop: threading.Event) -> None:
        self.verifier, self.stop = verifier, stop

    @property
    def engines(self) -> tuple[str, ...]:
        return tuple(getattr(self.verifier, "engines", ()))

    def verify(self, path: Path, regions: Any) -> Any:
        if self.stop.is_set():
            from phiscrub.verify import Verification

            return Verification(self.engines, error=NOT_CHECKED_CANCELLED)
        return self.verifier.verify(path, regions)


def export_all(
    jobs: list[ExportJob],
    style: Style,
    verifier: Any,
    stop: threading.Event | None = None,
    *,
    report: Callable[[object], None],
) -> list[ExportOutcome]:
    """Every job through the core's review gate, reporting each ExportOutcome as it is
    written (and verified). Once `stop` is set no further photo is started (the
    generator is closed between yields) and the one being written is not verified;
    the outcomes so far are returned, in the order of `jobs`."""
    outcomes: list[ExportOutcome] = []
    if stop is not None and stop.is_set():
        return outcomes
    checked = _UnlessStopped(verifier, stop) if verifier is not None and stop is not None else verifier
    results = export_gated(jobs, style, verifier=checked)
    try:
        for outcome in results:
            report(outcome)
            outcomes.append(outcome)
            if stop is not None and stop.is_set():
                break
    finally:
        results.close()
    return outcomes
