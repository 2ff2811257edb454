"""Scanner: one upright RGB image in, every PHI finding out.

Engines are injected (an OCR engine, a face detector, a code detector); the
defaults are built lazily on first use and reused for every later image, so a
batch pays for loading models once.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from phiscrub.models import Finding, Kind, ScanResult

log = logging.getLogger(__name__)

DEFAULT_ENGINE = "rapidocr"
_THREADED_ENGINES = ("rapidocr", "easyocr", "thorough")


_SIDE_POOL: ThreadPoolExecutor | None = None
_SIDE_LOCK = threading.Lock()


def _side_pool() -> ThreadPoolExecutor:
    """One thread, shared by every Scanner of the process, for faces and codes."""
    global _SIDE_POOL
    with _SIDE_LOCK:
        if _SIDE_POOL is None:
            _SIDE_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="phiscrub-detect")
        return _SIDE_POOL


class Scanner:
    """Finds PHI in images.

    `engine` is an OCR engine name (see `phiscrub.ocr.ENGINE_NAMES`) or an object
    with `.name` and `.read(image) -> list[Line]`; None disables OCR. `faces` and
    `codes` are detectors with `.detect(image) -> list[Finding]`, True for the
    default one, or False/None to skip. A face detector that also has `.search`
    (see `phiscrub.faces.FaceDetector`) is told when the photo's text stands
    sideways or upside down, and searches that way too. With `all_text`, every
    piece of text is flagged, not only classified PHI.
    """

    def __init__(
        self,
        engine: str | Any | None = DEFAULT_ENGINE,
        *,
        faces: Any = True,
        codes: Any = True,
        all_text: bool = False,
        threads: int | None = None,
    ) -> None:
        self._engine_spec = engine
        # CPU threads per model; None lets each engine decide. Batch workers set 1
        # so that one process per core does not oversubscribe the machine.
        self.threads = threads
        self._faces_spec = faces
        self._codes_spec = codes
        self.all_text = all_text
        self._engine: Any = None
        self._faces: Any = None
        self._codes: Any = None

    @property
    def engine_name(self) -> str | None:
        spec = self._engine_spec
        if spec is None:
            return None
        return spec if isinstance(spec, str) else getattr(spec, "name", "ocr")

    def _ocr(self) -> Any:
        if self._engine is None and self._engine_spec is not None:
            if isinstance(self._engine_spec, str):
                from phiscrub.ocr import get_engine

                options = {}
                if self.threads is not None and self._engine_spec in _THREADED_ENGINES:
                    options["threads"] = self.threads
                self._engine = get_engine(self._engine_spec, **options)
            else:
                self._engine = self._engine_spec
        return self._engine

    def _face_detector(self) -> Any:
        if self._faces is None and self._faces_spec:
            if self._faces_spec is True:
                from phiscrub.faces import FaceDetector

                self._faces = FaceDetector(threads=self.threads)
            else:
                self._faces = self._faces_spec
        return self._faces

    def _code_detector(self) -> Any:
        if self._codes is None and self._codes_spec:
            if self._codes_spec is True:
                from phiscrub.codes import CodeDetector

                self._codes = CodeDetector()
            else:
                self._codes = self._codes_spec
        return self._codes

    def __getstate__(self) -> dict[str, Any]:
        # A Scanner travels to batch worker processes as its settings only; each
        # process loads its own models on first use.
        state = self.__dict__.copy()
        state.update(_engine=None, _faces=None, _codes=None)
        return state

    def with_threads(self, threads: int | None) -> Scanner:
        """A fresh, unloaded Scanner with the same settings and `threads` per model."""
        clone = Scanner.__new__(Scanner)
        clone.__dict__.update(self.__getstate__())
        clone.threads = threads
        return clone

    def warm_up(self) -> None:
        """Load every model now (e.g. in a worker before the first photo arrives)."""
        self._ocr()
        self._face_detector()
        self._code_detector()

    def scan(self, pixels: np.ndarray) -> ScanResult:
        """Scan an upright RGB uint8 array (H, W, 3)."""
        from phiscrub import screens
        from phiscrub.classify import all_text, classify
        from phiscrub.ocr.base import text_turns

        if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
            raise ValueError("scan() takes an RGB uint8 array of shape (H, W, 3)")
        height, width = pixels.shape[:2]
        findings: list[Finding] = []
        timings: dict[str, float] = {}

        ocr = self._ocr()
        faces, codes = self._face_detector(), self._code_detector()

        def detect(turns: int = 0) -> tuple[list[Finding], Any, dict[str, float]]:
            found, face_search, took = [], None, {}
            if faces is not None:
                t = time.perf_counter()
                if hasattr(faces, "search"):
                    face_search = faces.search(pixels, turns=(turns,) if turns else ())
                    found += face_search.findings
                else:
                    found += faces.detect(pixels)
                took["faces"] = time.perf_counter() - t
            if codes is not None:
                t = time.perf_counter()
                found += codes.detect(pixels)
                took["codes"] = time.perf_counter() - t
            return found, face_search, took

        # Faces and codes run beside the OCR: its models leave part of the CPUs idle
        # between and inside their runs (1.75 of 2 cores busy on a 12 MP photo).
        # Batch workers run one thread per model and one process per core already.
        side = None
        if ocr is not None and (faces is not None or codes is not None) and self.threads != 1:
            side = _side_pool().submit(detect)
        turns = 0
        if ocr is not None:
            t = time.perf_counter()
            if hasattr(ocr, "read_text_areas"):
                # Boxes on text the OCR could not read count too: all of them in
                # all-text mode, those beside flagged lines otherwise.
                lines, unread = ocr.read_text_areas(pixels)
            else:
                lines, unread = ocr.read(pixels), []
            timings["ocr"] = time.perf_counter() - t
            t = time.perf_counter()
            name = ocr.name
            if self.all_text:
                findings += all_text(lines, engine=name, areas=unread)
            else:
                findings += classify(lines, engine=name, areas=unread)
                findings += screens.panels(pixels, lines, findings)
                findings += screens.cards(pixels, lines, findings)
                findings += screens.dark_screens(pixels, unread, findings)
            timings["classify"] = time.perf_counter() - t
            # Text standing sideways or upside down says the photo is turned; the
            # face detector's probes miss small faces in such a photo.
            turns = text_turns(lines)
        if side is None:
            found, _, took = detect(turns)
        else:
            found, face_search, took = side.result()
            if turns and face_search is not None and turns not in face_search.searched:
                t = time.perf_counter()
                face_search = faces.search(pixels, turns=(turns,), after=face_search)
                found = [f for f in found if f.kind is not Kind.FACE] + list(face_search.findings)
                took["faces_turned"] = time.perf_counter() - t
        findings += found
        timings.update(took)

        log.debug("scan %dx%d: %d findings in %s", width, height, len(findings), timings)
        return ScanResult(width=width, height=height, findings=tuple(findings), timings=timings)
