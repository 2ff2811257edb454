"""RapidOCR (PP-OCRv4 ONNX models) rebuilt for 12 MP scene photos.

The stock `RapidOCR()` pipeline shrinks the whole photo to 2000 px before it
both detects and *recognises*, so small print is read from a blurred copy, and
it spends most of its time detecting on a larger image than it needs. Here:

1. detection runs on a downscaled copy (`det_max_side`), padded rather than
   stretched to the network's multiple of 32, normalised in float32; when
   most lines found run up or down (a photo turned 90 degrees), detection
   runs again on the copy turned a quarter turn and the two box sets merge;
   areas of the copy dense with sharp edges but holding no box (print too
   small for the copy, such as an EHR table across the room) are detected
   again at full resolution or up to twice it, within a pixel budget, and
   where the small print found there runs off the edge of such an area (a
   list longer or wider than its busy corner) beside it too, a few rounds; a
   photo small enough to be detected at full size (ICDAR's 1280x720) is
   also detected on a copy twice as large (`enlarge_pixels`) and, with its
   local contrast evened out (CLAHE), at 1x and 1.5x;
2. each detected quadrilateral is scaled back to full resolution and cropped
   from the *full-resolution* photo, so recognition sees every pixel;
3. tall crops are turned 90° and the 0/180° classifier (plus a second
   recognition pass for doubtful lines) settles which way up the text is;
4. boxes that could not be read, or that the detector was unsure of (on
   the copy or in a busy area detected again), get a second look:
   straightened, at full resolution, detected again;
5. per-character CTC column positions give word boxes, and wide gaps between
   characters split words the recogniser ran together. Boxes nothing could
   be read from are returned by `read_text_areas` (for "cover every text
   region", where a box on text matters more than what it says).

Measured on synthetic 12 MP photos (tests/ocr/ocr_synth.py: 40 words on 8
cards, 18- to 60-px type, turned 0/±90/180/20° with perspective) on a shared
2-core machine: 0.55-0.8 s warm per photo (about 1.1-1.4 s of CPU over two
threads) against 1.0-1.1 s (2.1 s CPU) for stock RapidOCR; 0.8-1.4 s cold
including model loading; all 40 words read. The name card is read at every
multiple of 15° from -180° to 165° except one line at -120°.

The engine holds no per-call state: one instance may serve several threads.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Sequence

import cv2
import numpy as np

from phiscrub.int8 import int8_model
from phiscrub.int8 import preferred as int8_preferred
from phiscrub.models import Line, Polygon, Word
from phiscrub.ocr.base import EngineUnavailable, split_line
from phiscrub.ort import cpu_session, session_options, with_fused_hardswish

log = logging.getLogger(__name__)

NAME = "rapidocr"

# Rotating a crop 90 degrees when it is this much taller than wide mirrors
# RapidOCR's own rule; the 0/180 classifier then fixes +90 versus -90.
_TALL_RATIO = 1.5
# Crops are resized to 48 px high by the recogniser; warping much larger
# crops only costs time, so they are shrunk (with area averaging) to this.
_CROP_MAX_HEIGHT = 96

_DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
_CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_infer.onnx"
_REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"
_CLS_SHAPE = (48, 192)  # height, width the 0/180 classifier was trained on
_CLS_THRESH = 0.9  # RapidOCR's default confidence to turn a crop over
_REC_HEIGHT = 48
_REC_MIN_RATIO = 320 / 48  # the recogniser's smallest trained width:height
_REC_BATCH = 8
# Boxes the detector scores below box_thresh get a second look when their
# short side is at least this many full-resolution pixels (merged lines),
# at most this many per photo (largest first) to bound the cost on clutter.
_MIN_WEAK_SIDE = 24
# A box read as this many characters or fewer with less than recheck_score
# confidence gets a second look too: two lines merged into one box (a skewed
# card of 18-px print) were read as one letter at 0.34.
_SHORT_READ = 2
_MAX_WEAK_BOXES = 8
# Areas of the detector copy dense with sharp edges but holding no box are
# detected again at up to _ZOOM_MAX times full resolution, enlarged so that
# together they hold about _ZOOM_PIXELS pixels; at most _ZOOM_AREAS of them
# per photo (largest first).
_ZOOM_MAX = 2.0
_ZOOM_PIXELS = 1_000_000
_ZOOM_AREAS = 6
# A zoom under _ZOOM_GAIN times the detector copy's scale shows print barely
# larger than the copy did. When areas of a shrunk photo are too large together
# for _ZOOM_PIXELS to reach that, they are zoomed at _ZOOM_FLOOR times the
# copy's scale instead, largest first, up to _ZOOM_PIXELS_CAP pixels: skipping
# them all is a cliff. Seed 13 photo 023 (a light EHR screen, turned) sat at
# 1.54 times; a detector whose boxes differed a little put it at 1.39, zoomed
# nothing and lost the screen's 68 PHI words (benchmarks/NOTES.md, session 17).
_ZOOM_GAIN = 1.5
_ZOOM_FLOOR = 1.6
_ZOOM_PIXELS_CAP = 3_000_000
# A zoomed area whose boxes (at least _CLOSER_MIN_BOXES) are mostly under
# _CLOSER_PRINT pixels high at that zoom is detected once more at a zoom that
# brings them to _CLOSER_TARGET (within _ZOOM_MAX and _ZOOM_PIXELS_CAP), when
# that is at least _CLOSER_GAIN times the first zoom. Seed 11 photo 026: a dark
# EHR screen of 12-px grey type, tilted, where the detector found 6 boxes at
# 1.14x and all 16 lines at 1.5x.
_CLOSER_MIN_BOXES = 3
_CLOSER_PRINT = 17
_CLOSER_TARGET = 24
_CLOSER_GAIN = 1.25
_EDGE_CELL = 16  # detector-copy pixels over which edge density is measured
# Parts of a shrunk detector copy whose mean grey over _DARK_CELL pixels is
# under _DARK (a dark screen) are also tested for edges with their lightness
# evened out: dim grey print there is too faint for the plain test.
_DARK_CELL = 32
_DARK = 60
# A zoomed area whose median grey is under _DARK and whose boxes cover under
# _DARK_BOXED of it is detected again with PaddleOCR's normalisation. Seed 1017
# photo 008: a blurred dark EHR screen of light 20-px type, where the boxes
# covered 3% of the area (4 lines) with RapidOCR's normalisation and PaddleOCR's
# found 18 more. Of the other 37 dark zoomed areas of speed seeds 1013-1017 and
# seed 11, 30 had boxes over 11-40% of them, 6 small slivers none, and seed 11
# photo 026's first zoom 1%; a second pass on every dark area cost 6% more OCR
# time and found no other word.
_DARK_BOXED = 0.08
# A monitor's screen on a shrunk detector copy: a part darker than _SCREEN_DARK
# (mean grey over _DARK_CELL pixels) of at least _SCREEN_AREA of the copy, filling
# _SCREEN_FILL of its bounding box. When under _SCREEN_BUSY of that box, grown by
# _SCREEN_GROW of its sides, passed the busy tests below, edges over _SCREEN_EDGE
# grey levels count there too, not only those over 48: blurred print on a screen
# is too soft for the plain test and, with a highlighted row and light type, too
# light on average for the dark one. Seed 18 photo 012: a blurred dark EHR list
# of 13-px print, 0.6% busy, never zoomed (38 of 81 PHI words read; 80 with the
# softer edges). Screens that were busy already are left as they were: speed
# seed 1017 photo 008's (12% busy) grew into a larger zoomed area the detector
# boxed worse (168 -> 129 words). Of 122 such screens on seeds 10-18 and speed
# seeds 1013-1018 (432 photos), 107 were under 3% busy and 12 over 5%.
_SCREEN_DARK = 80
_SCREEN_AREA = 0.01
_SCREEN_FILL = 0.6
_SCREEN_GROW = 0.1
_SCREEN_BUSY = 0.03
_SCREEN_EDGE = 32
# Small print (under _GROW_PRINT full-image pixels high) that a zoomed area cut
# through is detected again beside it, in areas reaching _GROW_REACH of its
# heights around it, for up to _GROW_ROUNDS more rounds; slivers under
# _GROW_MIN_AREA full-image pixels are left out. Seed 6 photo 001: an EHR list
# of 20-px print whose first zoomed areas held its top-left corner only.
_GROW_PRINT = 40
_GROW_REACH = 6.0
_GROW_ROUNDS = 4
_GROW_MIN_AREA = 4096
_GROW_MIN_LINES = 3
# Boxes of print under _SMALL_PRINT detector-copy pixels high mark areas of small
# print; the area reaches _SMALL_PRINT_REACH detector-copy pixels around them.
_SMALL_PRINT = 16
_SMALL_PRINT_REACH = 48
# Detect a second time on the copy turned 90 degrees when at least this share
# of the text (by line length) runs up or down. On the synthetic benchmark
# (seed 0) upright and 180-degree photos had no such lines at all; photos
# turned 90 or 270 degrees had 26-100% of their text so.
_TURN_SHARE = 0.15
# A photo whose detector copy is at full size (no side over det_max_side) is
# also detected on a copy enlarged to hold up to enlarge_pixels, at most
# _ENLARGE_MAX times, and not at all when that would be under _ENLARGE_MIN.
_ENLARGE_MAX = 2.0
_ENLARGE_MIN = 1.25
# Such a photo is detected twice more, with local contrast evened out (CLAHE
# on its lightness) at these scales; boxes are added where none were found.
_EVEN_SCALES = (1.0, 1.5)
# PaddleOCR feeds its detector BGR pixels normalised with ImageNet's mean and
# deviation (tools/infer/predict_det.py); RapidOCR 1.4 uses (x - 127.5) / 127.5.
# Each finds text the other misses: on ICDAR 2015 PaddleOCR's alone covered
# 88.2% of the words by OCR against 85.8%, but on dicom_burnin it lost 5% of
# the PHI words (white print on black). So the main pass keeps RapidOCR's and
# the enlarged pass, which only adds boxes, uses PaddleOCR's.
_PADDLE_MEAN = np.array([0.485, 0.456, 0.406], np.float32) * 255
_PADDLE_STD = np.array([0.229, 0.224, 0.225], np.float32) * 255


class RapidOcrEngine:
    """PP-OCRv4 detection on a downscaled copy, recognition on full-resolution crops.

    Options (all keyword-only, part of the engine cache key):
    - det_max_side: longest side of the copy the detector sees. 18-px type on
      a 4032-px photo (7 px on the copy) is found at 1600 and lost at 1280;
      2016 costs about 45% more CPU and found nothing more in the tests.
    - text_score: lines whose mean character confidence is below this are
      dropped; kept low because recall comes first (scores are returned).
    - box_thresh: detector confidence needed to keep a text box (stock 0.5).
    - recheck_score: lines read with less confidence than this are also read
      upside down, and the better reading wins.
    - zoom: detect busy areas without boxes again at a larger scale (see
      _busy_areas); costs recognition time in proportion to the text it finds.
    - enlarge_pixels: a photo small enough to be detected at full size
      (ICDAR 2015's 1280x720) is detected again on a copy enlarged to hold
      up to this many pixels (at most twice its size); 0 turns it off. Scene
      text 10-40 px high that the detector finds no box for at 1x is often
      found at 2x. Never runs on a photo larger than det_max_side.
    - threads: onnxruntime intra-op threads (default: up to 4 of the CPUs).
    - int8: detect with the int8 copy of the detector that phiscrub.int8
      builds (and caches) on first use; None (default) as
      phiscrub.int8.preferred() says ($PHISCRUB_INT8=1). Falls back to the
      float model when it cannot be built. benchmarks/NOTES.md (sessions 15
      and 16) has what it was measured to save and cost, and why it is off.
    """

    name = NAME

    def __init__(
        self,
        *,
        det_max_side: int = 1600,
        text_score: float = 0.3,
        box_thresh: float = 0.4,
        unclip_ratio: float = 1.6,
        recheck_score: float = 0.85,
        zoom: bool = True,
        enlarge_pixels: int = 3_700_000,
        threads: int | None = None,
        int8: bool | None = None,
    ) -> None:
        try:
            import onnxruntime  # noqa: F401  (a clear error here when it is missing)
            from rapidocr_onnxruntime.ch_ppocr_det.utils import DBPostProcess
            from rapidocr_onnxruntime.ch_ppocr_rec.utils import CTCLabelDecode
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise EngineUnavailable(
                "RapidOCR is not installed: pip install 'rapidocr-onnxruntime>=1.4,<1.5'"
            ) from exc

        self.det_max_side = int(det_max_side)
        self.text_score = float(text_score)
        self.recheck_score = float(recheck_score)
        self.box_thresh = float(box_thresh)
        self.zoom = bool(zoom)
        self.enlarge_pixels = int(enlarge_pixels)
        if threads is None:
            threads = max(1, min(4, os.cpu_count() or 1))

        started = time.perf_counter()
        opts = session_options(threads)
        try:
            det_float = with_fused_hardswish(_model_path(_DET_MODEL))
            use_int8 = int8_preferred() if int8 is None else int8
            det_int8 = int8_model("det", det_float) if use_int8 else None
            self._det = _Session(det_int8 or det_float, opts)
            self._cls = _Session(_model_path(_CLS_MODEL), opts)
            self._rec = _Session(with_fused_hardswish(_model_path(_REC_MODEL)), opts)
            charset = self._rec.session.get_modelmeta().custom_metadata_map["character"].splitlines()
        except Exception as exc:  # onnxruntime raises several types for a bad model file
            raise EngineUnavailable(
                f"RapidOCR models could not be loaded ({type(exc).__name__}); reinstall rapidocr-onnxruntime"
            ) from exc
        self._db = DBPostProcess(
            thresh=0.3,
            box_thresh=min(box_thresh, 0.15),  # weaker boxes are sorted out in _detect_split
            max_candidates=1000,
            unclip_ratio=unclip_ratio,
            score_mode="fast",
            use_dilation=True,
        )
        self._ctc = CTCLabelDecode(character=charset)
        # PaddleOCR's normalisation (the enlarged pass on small photos) reaches
        # outside the input range the int8 detector was built for, so that
        # pass runs on the float model, loaded when first needed.
        self.int8 = det_int8 is not None
        self._det_float_model = det_float if self.int8 else None
        self._det_float: _Session | None = None if self.int8 else self._det
        self._opts = opts
        self._det_lock = threading.Lock()
        log.debug("RapidOCR models loaded in %.2f s (%d threads)", time.perf_counter() - started, threads)

    # -- public -------------------------------------------------------------

    def read(self, image: np.ndarray) -> list[Line]:
        """Read all text in an RGB uint8 image; word polygons in its pixels."""
        return self._read(image)[0]

    def read_text_areas(self, image: np.ndarray) -> tuple[list[Line], list[Polygon]]:
        """The lines `read` returns, and the text boxes the detector found that
        no reading came of (too blurred, too small or too stylised to read):
        for "cover every text region", where a box on text matters more than
        what it says."""
        lines, unread = self._read(image)
        return lines, [Polygon.of(q) for q in unread]

    def _read(self, image: np.ndarray) -> tuple[list[Line], list[np.ndarray]]:
        image = _as_rgb(image)
        t0 = time.perf_counter()
        small, scale = self._det_copy(image)
        quads, weak = self._det_boxes(small, scale, image.shape[:2])
        enlarge = self._enlargement(image.shape[:2], scale)
        if enlarge:
            # A small photo (ICDAR 2015's 0.9 MP): the detector copy is the
            # photo itself, and scene text the detector finds no box for at
            # that size is often found on a copy twice as large.
            big = cv2.resize(
                np.ascontiguousarray(small), None, fx=enlarge, fy=enlarge, interpolation=cv2.INTER_CUBIC
            )
            more, weak2 = self._det_boxes(big, enlarge, image.shape[:2], paddle_norm=True)
            quads = _add_uncovered(quads, more)
            weak = sorted(weak + weak2, key=lambda q: -cv2.contourArea(q.astype(np.float32)))
            # Faint or low-contrast scene text (a sign in shade, print on glass)
            # is often found once local contrast is evened out.
            even = _even_contrast(small)
            for factor in _EVEN_SCALES:
                copy = cv2.resize(even, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
                quads = _add_uncovered(quads, self._det_boxes(copy, factor * scale, image.shape[:2])[0])
        turned = _sideways_share(quads) >= _TURN_SHARE
        zoom_weak: list[np.ndarray] = []
        if turned:
            # A photo turned 90 degrees: its text runs up or down the image, and
            # the detector, trained on level lines, misses or merges dense
            # columns of it. Detect again on the copy turned a quarter turn.
            quads2, weak2 = self._det_boxes(small, scale, image.shape[:2], turn=1)
            quads = _merge_turned(quads, quads2)
            weak = sorted(weak + weak2, key=lambda q: -cv2.contourArea(q.astype(np.float32)))
        if self.zoom:
            # Print too small for the detector copy (an EHR table across the
            # room) leaves dense edges and no box: detect those areas again
            # at full resolution or more.
            rects = _merge_rects(
                _busy_areas(small, quads + weak, scale) + _small_print_areas(quads, scale, small.shape[:2]),
                image.shape[:2],
            )
            done: list[tuple[int, int, int, int]] = []
            closer: list[tuple[tuple[int, int, int, int], float]] = []
            for _round in range(1 + _GROW_ROUNDS):
                rects, zoom = _zoom_plan(rects, scale)
                if not rects:
                    break
                edge = []
                for rect in rects:
                    found, faint = self._detect_zoomed(image, rect, zoom, turn=1 if turned else 0)
                    quads = _add_uncovered(quads, found)
                    zoom_weak += faint
                    edge += _at_cut_edge(found, rect, image.shape[:2])
                    again = _closer_zoom(found, rect, zoom)
                    if again:
                        closer.append((rect, again))
                done += rects
                # Print the zoomed area cut through (an EHR list running on past
                # it) goes on beside it: detect there too, a few rounds at most.
                rects = _beyond(edge, done, image.shape[:2])
            # Print still small at the zoom it was found at (dim grey type on a
            # dark screen, 12 px high): the detector found only part of it.
            for rect, again in closer:
                found, faint = self._detect_zoomed(image, rect, again, turn=1 if turned else 0)
                quads = _add_uncovered(quads, found)
                zoom_weak += faint
        t1 = time.perf_counter()
        results, orders = self._read_quads(image, quads)
        t2 = time.perf_counter()
        # Look again inside boxes that could not be read and boxes the
        # detector was unsure of (often two lines merged into one blob).
        redo = [
            q
            for q, r in zip(quads, results, strict=True)
            if r[1] < self.text_score
            or not r[0].strip()
            or (len(r[0].strip()) <= _SHORT_READ and r[1] < self.recheck_score)
        ]
        redo += weak[:_MAX_WEAK_BOXES]
        # Boxes a zoomed pass was unsure of too, counted apart: they are small
        # and would lose to the blobs of the main pass.
        redo += sorted(zoom_weak, key=lambda q: -cv2.contourArea(q.astype(np.float32)))[:_MAX_WEAK_BOXES]
        more = [sub for quad in redo for sub in self._redetect(image, quad)]
        if more:
            more_results, more_orders = self._read_quads(image, more)
            results, orders = results + more_results, orders + more_orders
        t3 = time.perf_counter()

        lines, unread = [], []
        for (text, score, cols, ncols), order in zip(results, orders, strict=True):
            if score < self.text_score or not text.strip():
                unread.append(order)
                continue
            lines.append(_make_line(text, score, cols, ncols, order))
        lines = _drop_duplicates(lines)
        lines.sort(key=_reading_key)
        log.debug(
            "rapidocr: %d boxes (+%d on a second look), %d lines%s; det %.3f s, read %.3f s, again %.3f s",
            len(quads),
            len(more),
            len(lines),
            ", turned pass" if turned else "",
            t1 - t0,
            t2 - t1,
            t3 - t2,
        )
        return lines, unread

    def detect(self, image: np.ndarray, max_side: int | None = None) -> list[np.ndarray]:
        """Text quadrilaterals (4x2 float, TL, TR, BR, BL) in full-image pixels of an
        RGB image, found on a copy shrunk to `max_side` (default `det_max_side`)."""
        return self._detect_split(image, max_side)[0]

    def _detect_split(
        self, image: np.ndarray, max_side: int | None = None
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(boxes scoring at least box_thresh, weaker but sizeable boxes, largest first)."""
        small, scale = self._det_copy(image, max_side)
        return self._det_boxes(small, scale, image.shape[:2])

    def _det_copy(self, image: np.ndarray, max_side: int | None = None) -> tuple[np.ndarray, float]:
        """The BGR copy the detector sees, and its scale against `image`."""
        h, w = image.shape[:2]
        scale = min(1.0, (max_side or self.det_max_side) / max(h, w))
        if scale < 1.0:
            small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        else:
            small = image
        return small[..., ::-1], scale  # to BGR, on the small copy only

    def _enlargement(self, shape: tuple[int, int], scale: float) -> float:
        """How many times larger a second detector copy of a photo of `shape`
        should be, or 0.0 for none (the photo was shrunk for the detector, or
        the pixel budget leaves too little room)."""
        if scale < 1.0 or self.enlarge_pixels <= 0:
            return 0.0
        enlarge = min(_ENLARGE_MAX, math.sqrt(self.enlarge_pixels / max(shape[0] * shape[1], 1)))
        return enlarge if enlarge >= _ENLARGE_MIN else 0.0

    def _det_boxes(
        self,
        small: np.ndarray,
        scale: float,
        full: tuple[int, int],
        turn: int = 0,
        paddle_norm: bool = False,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Detect on `small` (the detector copy of an image of size `full`),
        turned `turn` quarter turns counter-clockwise first, its pixels
        normalised as PaddleOCR does when `paddle_norm` (else as RapidOCR
        does); quads come back in the full image's pixels."""
        h, w = full
        if turn:
            small = np.rot90(small, turn)
        sh, sw = small.shape[:2]
        # Pad (not stretch) to the multiple of 32 the network needs: a fixed
        # shape per photo size also lets onnxruntime reuse its buffers.
        ph, pw = _ceil32(max(sh, 32)), _ceil32(max(sw, 32))
        blob = np.zeros((1, 3, ph, pw), np.float32)
        mean, std = (_PADDLE_MEAN, _PADDLE_STD) if paddle_norm else (127.5, 127.5)
        blob[0, :, :sh, :sw] = ((small.astype(np.float32) - mean) / std).transpose(2, 0, 1)
        pred = (self._float_detector() if paddle_norm else self._det)(blob)[:, :, :sh, :sw]
        boxes, scores = self._db(pred, (sh, sw))
        strong, weak = [], []
        for box, score in zip(boxes, scores, strict=True):
            quad = _order_clockwise(_unturn(np.asarray(box, np.float64), turn, (sh, sw)))
            short = _short_side(quad)
            if short <= 2:
                continue
            quad = quad / scale
            quad[:, 0] = np.clip(quad[:, 0], 0, w - 1)
            quad[:, 1] = np.clip(quad[:, 1], 0, h - 1)
            if score >= self.box_thresh:
                strong.append(quad)
            elif short / scale >= _MIN_WEAK_SIDE:
                weak.append(quad)
        weak.sort(key=lambda q: -cv2.contourArea(q.astype(np.float32)))
        return strong, weak

    def _float_detector(self) -> _Session:
        with self._det_lock:
            if self._det_float is None:
                self._det_float = _Session(self._det_float_model, self._opts)
            return self._det_float

    def _detect_zoomed(
        self, image: np.ndarray, rect: tuple[int, int, int, int], zoom: float, turn: int = 0
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Detect inside `rect` (x, y, w, h in full-image pixels) enlarged `zoom`
        times: (boxes scoring at least box_thresh, weaker but sizeable boxes)."""
        x, y, w, h = rect
        patch = image[y : y + h, x : x + w]
        interp = cv2.INTER_CUBIC if zoom > 1 else cv2.INTER_AREA
        big = cv2.resize(patch, None, fx=zoom, fy=zoom, interpolation=interp)[..., ::-1]
        strong, weak = self._det_boxes(big, zoom, (h, w), turn=turn)
        boxed = sum(cv2.contourArea(q.astype(np.float32)) for q in strong) / max(w * h, 1)
        if boxed < _DARK_BOXED and _median_grey(big) < _DARK:
            # A dark screen of light type, blurred, with few boxes: with
            # PaddleOCR's normalisation the detector boxes lines that
            # RapidOCR's leaves out.
            more, weak2 = self._det_boxes(big, zoom, (h, w), turn=turn, paddle_norm=True)
            strong = _add_uncovered(strong, more)
            weak += weak2
        return [q + (x, y) for q in strong], [q + (x, y) for q in weak]

    def _redetect(self, image: np.ndarray, quad: np.ndarray) -> list[np.ndarray]:
        """Detect again inside `quad`, at full resolution and turned level.

        Two cases need it, both measured: on the shrunken copy two 26-px lines
        8 px apart on a skewed card merged into one box the recogniser could
        not read; and two lines at 120 degrees merged into one blob the
        detector scored below box_thresh. Straightened and at full size, the
        lines separate. Such boxes are few and small, so this costs little."""
        width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
        height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
        pad = 0.15 * min(width, height) + 4
        # Corners pushed outwards along the quad's own axes.
        u = (quad[1] - quad[0]) / max(np.linalg.norm(quad[1] - quad[0]), 1e-6)
        v = (quad[3] - quad[0]) / max(np.linalg.norm(quad[3] - quad[0]), 1e-6)
        src = np.array(
            [
                quad[0] - pad * (u + v),
                quad[1] + pad * (u - v),
                quad[2] + pad * (u + v),
                quad[3] - pad * (u - v),
            ],
            np.float32,
        )
        factor = min(1.0, self.det_max_side / max(width + 2 * pad, height + 2 * pad))
        cw = max(int(round((width + 2 * pad) * factor)), 8)
        ch = max(int(round((height + 2 * pad) * factor)), 8)
        dst = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
        m = cv2.getPerspectiveTransform(src, dst)
        level = cv2.warpPerspective(
            image, m, (cw, ch), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        inv = np.linalg.inv(m)
        h, w = image.shape[:2]
        out = []
        for sub in self._detect_split(level)[0]:
            back = cv2.perspectiveTransform(sub.reshape(1, 4, 2).astype(np.float64), inv)[0]
            back[:, 0] = np.clip(back[:, 0], 0, w - 1)
            back[:, 1] = np.clip(back[:, 1], 0, h - 1)
            out.append(_order_clockwise(back))
        return out

    # -- stages -------------------------------------------------------------

    def _read_quads(self, image: np.ndarray, quads: list[np.ndarray]) -> tuple[list, list[np.ndarray]]:
        """Crop each quad from the full-resolution image, turn it upright, read it."""
        if not quads:
            return [], []
        crops, orders = [], []
        for quad in quads:
            crop, order = _crop(image, quad)
            crops.append(np.ascontiguousarray(crop[..., ::-1]))  # PP-OCR models were trained on BGR
            orders.append(order)
        crops, orders = self._upright(crops, orders)
        results = self._recognise(crops)
        results = self._recheck(crops, orders, results)
        return results, orders

    def _upright(
        self, crops: list[np.ndarray], orders: list[np.ndarray]
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Turn crops the 0/180 classifier is sure are upside down."""
        ch, cw = _CLS_SHAPE
        out_crops, out_orders = list(crops), list(orders)
        for start in range(0, len(crops), _REC_BATCH):
            idx = range(start, min(start + _REC_BATCH, len(crops)))
            batch = np.zeros((len(idx), 3, ch, cw), np.float32)
            for k, i in enumerate(idx):
                batch[k] = _norm_resize(crops[i], ch, cw)
            probs = self._cls(batch)
            for k, i in enumerate(idx):
                # label 1 is "180"
                if probs[k].argmax() == 1 and probs[k, 1] > _CLS_THRESH:
                    out_crops[i], out_orders[i] = _rot180(crops[i], orders[i])
        return out_crops, out_orders

    def _recognise(self, crops: Sequence[np.ndarray]) -> list[tuple[str, float, list[int], float]]:
        """(text, score, column of each character, number of columns) per crop.

        Crops are batched with others of similar width so that little of each
        batch is padding (the recogniser's cost grows with the padded width)."""
        ratios = [max(c.shape[1] / c.shape[0], _REC_MIN_RATIO) for c in crops]
        order = sorted(range(len(crops)), key=ratios.__getitem__)
        out: list[tuple[str, float, list[int], float]] = [("", 0.0, [], 1.0)] * len(crops)
        batches: list[list[int]] = []
        for i in order:
            if batches and len(batches[-1]) < _REC_BATCH and ratios[i] <= 1.25 * ratios[batches[-1][0]]:
                batches[-1].append(i)
            else:
                batches.append([i])
        for batch in batches:
            max_ratio = max(ratios[i] for i in batch)
            width = int(math.ceil(_REC_HEIGHT * max_ratio))
            blob = np.zeros((len(batch), 3, _REC_HEIGHT, width), np.float32)
            for k, i in enumerate(batch):
                rw = min(width, int(math.ceil(_REC_HEIGHT * crops[i].shape[1] / crops[i].shape[0])))
                blob[k, :, :, :rw] = _norm_resize(crops[i], _REC_HEIGHT, rw)
            preds = self._rec(blob)
            # The decoder scales column counts by true width / padded width.
            true_ratios = [crops[i].shape[1] / crops[i].shape[0] for i in batch]
            decoded = self._ctc(preds, True, wh_ratio_list=true_ratios, max_wh_ratio=width / _REC_HEIGHT)
            for i, res in zip(batch, decoded, strict=True):
                text, score = res[0], float(res[1])
                ncols, _words, word_cols, _states, _conf = res[2]
                cols = [c for wc in word_cols for c in wc]
                if len(cols) != len(text):  # not expected; words then fall back to proportional
                    cols = []
                out[i] = (text, score, cols, float(ncols))
        return out

    def _recheck(
        self,
        crops: list[np.ndarray],
        orders: list[np.ndarray],
        results: list[tuple[str, float, list[int], float]],
    ) -> list[tuple[str, float, list[int], float]]:
        """Read doubtful lines upside down too; keep whichever reading scores higher.

        The 0/180 classifier is small and its threshold high, so a sideways or
        upside-down line it is unsure of would otherwise be read backwards."""
        todo = [i for i, r in enumerate(results) if r[1] < self.recheck_score]
        if not todo:
            return results
        flipped = [_rot180(crops[i], orders[i]) for i in todo]
        again = self._recognise([c for c, _ in flipped])
        results = list(results)
        for i, (_flipped_crop, order), res in zip(todo, flipped, again, strict=True):
            if res[1] > results[i][1]:
                results[i] = res
                orders[i] = order
        return results


# -- model plumbing ---------------------------------------------------------


class _Session:
    """One onnxruntime session with a single input and output."""

    def __init__(self, path: str | bytes, opts) -> None:
        self.session = cpu_session(path, opts)
        self._input = self.session.get_inputs()[0].name

    def __call__(self, blob: np.ndarray) -> np.ndarray:
        return self.session.run(None, {self._input: blob})[0]


def _model_path(filename: str) -> str:
    """The ONNX models packaged inside the rapidocr-onnxruntime wheel (no download)."""
    from pathlib import Path

    import rapidocr_onnxruntime

    path = Path(rapidocr_onnxruntime.__file__).resolve().parent / "models" / filename
    if not path.is_file():
        raise EngineUnavailable(f"RapidOCR model {filename} is missing: reinstall rapidocr-onnxruntime")
    return str(path)


def _norm_resize(crop: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize a BGR crop to fit (height, width), keep its aspect, scale to [-1, 1]
    and return CHW, left-aligned in a zero pad as PP-OCR expects."""
    ratio = crop.shape[1] / crop.shape[0]
    rw = max(1, min(width, int(math.ceil(height * ratio))))
    resized = cv2.resize(crop, (rw, height), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    out = np.zeros((3, height, width), np.float32)
    out[:, :, :rw] = ((resized - 127.5) / 127.5).transpose(2, 0, 1)
    return out


def _order_clockwise(pts: np.ndarray) -> np.ndarray:
    """TL, TR, BR, BL from four corners in any order (as RapidOCR orders them)."""
    by_x = pts[np.argsort(pts[:, 0], kind="stable")]
    left = by_x[:2][np.argsort(by_x[:2, 1], kind="stable")]
    right = by_x[2:][np.argsort(by_x[2:, 1], kind="stable")]
    return np.array([left[0], right[0], right[1], left[1]], dtype=np.float64)


# -- geometry helpers -------------------------------------------------------


def _as_rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return np.stack([image] * 3, axis=-1)
    if image.ndim == 3 and image.shape[2] == 4:
        return image[..., :3]
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an RGB image (H, W, 3), got shape {image.shape}")
    return image


def _even_contrast(bgr: np.ndarray) -> np.ndarray:
    """`bgr` with its lightness equalised tile by tile (CLAHE), colours kept."""
    lab = cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2LAB)
    lab[..., 0] = _even_lightness(np.ascontiguousarray(lab[..., 0]))
    return cv2.cvtColor(lab, cv2.COLOR_LAB2BGR)


def _even_lightness(grey: np.ndarray) -> np.ndarray:
    """A single-channel image equalised tile by tile (CLAHE, 8 x 8 tiles)."""
    return cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(grey)


def _median_grey(bgr: np.ndarray) -> float:
    return float(np.median(cv2.cvtColor(np.ascontiguousarray(bgr), cv2.COLOR_BGR2GRAY)))


def _short_side(quad: np.ndarray) -> float:
    """The shorter of a quad's first two sides: the height of a line's box."""
    return float(min(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[0] - quad[3])))


def _ceil32(n: int) -> int:
    return int(math.ceil(n / 32) * 32)


def _crop(image: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Perspective-crop `quad` out of the full-resolution image.

    Returns the crop and the quad reordered so that its corners are the crop's
    TL, TR, BR, BL: the text's own reading frame once the crop is upright."""
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    tall = height >= _TALL_RATIO * width
    short_side = width if tall else height
    factor = min(1.0, _CROP_MAX_HEIGHT / max(short_side, 1.0))

    x0 = max(int(math.floor(quad[:, 0].min())), 0)
    y0 = max(int(math.floor(quad[:, 1].min())), 0)
    x1 = min(int(math.ceil(quad[:, 0].max())) + 1, image.shape[1])
    y1 = min(int(math.ceil(quad[:, 1].max())) + 1, image.shape[0])
    patch = image[y0:y1, x0:x1]
    local = (quad - (x0, y0)).astype(np.float32)
    if factor < 1.0:
        # Area-average big text down first: warpPerspective would alias it.
        patch = cv2.resize(patch, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        local *= factor
    cw = max(int(round(width * factor)), 2)
    ch = max(int(round(height * factor)), 2)
    dst = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    m = cv2.getPerspectiveTransform(local, dst)
    crop = cv2.warpPerspective(patch, m, (cw, ch), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    order = quad.copy()
    if tall:
        # np.rot90 turns counter-clockwise: the crop's old top-right corner
        # becomes its top-left, so the corner order shifts by one.
        crop = np.ascontiguousarray(np.rot90(crop))
        order = np.roll(order, -1, axis=0)
    return crop, order


def _run(quad: np.ndarray) -> tuple[float, int]:
    """(length, direction) of a text quad's long side: direction 1 when it runs
    more up-down than across, 0 when it runs more across, -1 when the quad is
    too square to tell. Measured on the long side itself, since the corner
    order of a steep quad (sorted by x) does not follow the text."""
    a, b = quad[1] - quad[0], quad[3] - quad[0]
    la, lb = float(np.hypot(*a)), float(np.hypot(*b))
    long, short, d = (la, lb, a) if la >= lb else (lb, la, b)
    if long < _TALL_RATIO * short:
        return long, -1
    return long, int(abs(d[1]) > abs(d[0]))


def _sideways_share(quads: Sequence[np.ndarray]) -> float:
    """Share of the text (summed long sides) in boxes that run up or down."""
    runs = [_run(q) for q in quads]
    tall = sum(n for n, d in runs if d == 1)
    wide = sum(n for n, d in runs if d == 0)
    return tall / (tall + wide) if tall + wide > 0 else 0.0


def _covered(quad: np.ndarray, others: Sequence[np.ndarray]) -> float:
    """Share of `quad`'s area that `others` overlap (overlaps among them counted twice)."""
    q = quad.astype(np.float32)
    area = cv2.contourArea(q)
    if area <= 0:
        return 1.0
    lo, hi = quad.min(axis=0), quad.max(axis=0)
    total = 0.0
    for o in others:
        if (o.max(axis=0) < lo).any() or (o.min(axis=0) > hi).any():
            continue
        inter, _ = cv2.intersectConvexConvex(q, o.astype(np.float32))
        total += inter
    return total / area


def _add_uncovered(kept: list[np.ndarray], more: Sequence[np.ndarray]) -> list[np.ndarray]:
    """`kept` plus each box of `more` that the boxes so far cover less than half of."""
    kept = list(kept)
    for q in more:
        if _covered(q, kept) < 0.5:
            kept.append(q)
    return kept


def _merge_turned(level: list[np.ndarray], turned: list[np.ndarray]) -> list[np.ndarray]:
    """Boxes of a photo detected as it is (`level`) and turned 90 degrees (`turned`),
    both in the photo's pixels.

    Each pass is trusted for text that ran level in the copy it saw: boxes
    running across from the first, up or down from the second; the turned
    pass, asked for because most text ran up or down, goes first. A box is
    dropped when boxes already kept cover half of it: a duplicate, or a blob
    of lines the other pass separated. A blob that nothing separated stays,
    so that the second look (read()) can split it at full resolution."""
    kept: list[np.ndarray] = []
    for q in (
        [q for q in turned if _run(q)[1] == 1]
        + [q for q in level if _run(q)[1] == 0]
        + [q for q in level if _run(q)[1] != 0]
        + [q for q in turned if _run(q)[1] != 1]
    ):
        if _covered(q, kept) < 0.5:
            kept.append(q)
    return kept


def _busy_areas(
    small: np.ndarray, quads: Sequence[np.ndarray], scale: float
) -> list[tuple[int, int, int, int]]:
    """Rectangles (x, y, w, h, full-image pixels) of the detector copy `small`
    (BGR) where a third or more of the pixels are on sharp edges, away from any
    box the detector found: print too small for the copy, but also faces,
    barcodes and clutter, so they are few and capped (_ZOOM_AREAS)."""
    grey = cv2.cvtColor(np.ascontiguousarray(small), cv2.COLOR_BGR2GRAY)
    dense = _edge_dense(grey)
    found = np.zeros(grey.shape, np.uint8)
    for q in quads:
        cv2.fillPoly(found, [np.round(q * scale).astype(np.int32)], 1)
    free = cv2.dilate(found, np.ones((9, 9), np.uint8)) == 0
    if scale < 1.0:
        # Dim print on a dark screen, shrunk for the detector copy, has too
        # little contrast for the threshold until the lightness is evened out
        # tile by tile. Only dark parts count: evened out, the texture of
        # lighter scenes turns busy too (a photo the detector sees whole is
        # detected on an evened copy instead).
        dark = cv2.blur(grey, (_DARK_CELL, _DARK_CELL)) < _DARK
        if dark.any():
            evened = _even_lightness(grey)
            dense |= _edge_dense(evened) & dark
        soft = None
        for box in _screens(grey):
            if (dense[box] & free[box]).sum() < _SCREEN_BUSY * free[box].sum():
                soft = _edge_dense(grey, _SCREEN_EDGE) if soft is None else soft
                dense[box] |= soft[box]
    mask = dense.astype(np.uint8)
    mask[~free] = 0
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    mask = cv2.dilate(mask, np.ones((15, 15), np.uint8))
    _n, _labels, stats, _c = cv2.connectedComponentsWithStats(mask)
    blobs = sorted((s for s in stats[1:] if s[4] >= 400), key=lambda s: -s[4])[:_ZOOM_AREAS]
    sh, sw = small.shape[:2]
    rects = []
    for x, y, w, h, _area in blobs:
        x0, y0 = int(max(x - 8, 0) / scale), int(max(y - 8, 0) / scale)
        x1, y1 = int(math.ceil(min(x + w + 8, sw) / scale)), int(math.ceil(min(y + h + 8, sh) / scale))
        rects.append((x0, y0, x1 - x0, y1 - y0))
    return rects


def _edge_dense(grey: np.ndarray, edge: int = 48) -> np.ndarray:
    """Where a third or more of the pixels around (an _EDGE_CELL square) are on
    edges (a morphological gradient over `edge` grey levels)."""
    grad = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    return cv2.boxFilter((grad > edge).astype(np.float32), -1, (_EDGE_CELL, _EDGE_CELL)) > 0.3


def _screens(grey: np.ndarray) -> list[tuple[slice, slice]]:
    """Where the detector copy `grey` looks like a dark screen: the bounding boxes,
    grown by _SCREEN_GROW, of its dark parts (mean grey under _SCREEN_DARK) of at
    least _SCREEN_AREA of it that fill _SCREEN_FILL of their box."""
    dark = (cv2.blur(grey, (_DARK_CELL, _DARK_CELL)) < _SCREEN_DARK).astype(np.uint8)
    _n, _labels, stats, _c = cv2.connectedComponentsWithStats(dark)
    out = []
    for x, y, w, h, area in stats[1:]:
        if area >= _SCREEN_AREA * grey.size and area >= _SCREEN_FILL * w * h:
            gx, gy = int(_SCREEN_GROW * w), int(_SCREEN_GROW * h)
            out.append((slice(max(y - gy, 0), y + h + gy), slice(max(x - gx, 0), x + w + gx)))
    return out


def _at_cut_edge(
    found: Sequence[np.ndarray], rect: tuple[int, int, int, int], shape: tuple[int, int]
) -> list[np.ndarray]:
    """Boxes of small print (short side under _GROW_PRINT full-image pixels)
    found in `rect` that reach within their own height of one of its sides,
    unless that side is the image's edge: lines the rectangle cut through."""
    x, y, w, h = rect
    height, width = shape
    out = []
    for q in found:
        short = _short_side(q)
        if short >= _GROW_PRINT:
            continue
        (x0, y0), (x1, y1) = q.min(axis=0), q.max(axis=0)
        if (
            (x > 0 and x0 - x < short)
            or (y > 0 and y0 - y < short)
            or (x + w < width and x + w - x1 < short)
            or (y + h < height and y + h - y1 < short)
        ):
            out.append(q)
    return out


def _beyond(
    edge: Sequence[np.ndarray], done: Sequence[tuple[int, int, int, int]], shape: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    """Rectangles (x, y, w, h, full-image pixels) reaching _GROW_REACH of their
    heights around the boxes in `edge`, less what `done` already covers."""
    if len(edge) < _GROW_MIN_LINES:
        return []
    height, width = shape
    f = 8  # a mask at 1/8 scale is fine enough for rectangles
    mask = np.zeros((height // f + 1, width // f + 1), np.uint8)
    for q in edge:
        short = _short_side(q)
        (x0, y0), (x1, y1) = q.min(axis=0) - _GROW_REACH * short, q.max(axis=0) + _GROW_REACH * short
        mask[max(int(y0 // f), 0) : int(y1 // f) + 1, max(int(x0 // f), 0) : int(x1 // f) + 1] = 1
    for x, y, w, h in done:
        mask[y // f : (y + h) // f, x // f : (x + w) // f] = 0
    # slivers along what was done (under 40 px) would join areas around its corners
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    _n, _labels, stats, _c = cv2.connectedComponentsWithStats(mask)
    rects = [(x * f, y * f, w * f, h * f) for x, y, w, h, area in stats[1:] if area * f * f >= _GROW_MIN_AREA]
    return _merge_rects(rects, shape)


def _small_print_areas(
    quads: Sequence[np.ndarray], scale: float, shape: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    """Rectangles (x, y, w, h, full-image pixels) around clusters of boxes whose
    print is under _SMALL_PRINT pixels high on the detector copy (`shape`): where
    the detector just managed to find some small print, it has usually missed
    more of it (the columns of an EHR table across the room). On the synthetic
    set, seed 1, three such screens held 90 of the 196 missed PHI words; with
    these areas detected again PHI-word recall went from 91.0% to 92.9%."""
    mask = np.zeros(shape, np.uint8)
    for q in quads:
        short = _short_side(q) * scale
        if short < _SMALL_PRINT:
            cv2.fillPoly(mask, [np.round(q * scale).astype(np.int32)], 1)
    if not mask.any():
        return []
    mask = cv2.dilate(mask, np.ones((2 * _SMALL_PRINT_REACH + 1,) * 2, np.uint8))
    _n, _labels, stats, _c = cv2.connectedComponentsWithStats(mask)
    return [
        (int(x / scale), int(y / scale), int(math.ceil(w / scale)), int(math.ceil(h / scale)))
        for x, y, w, h, _area in stats[1:]
    ]


def _zoom_plan(
    rects: list[tuple[int, int, int, int]], scale: float
) -> tuple[list[tuple[int, int, int, int]], float]:
    """The areas of `rects` to detect again and the zoom to detect them at,
    for a detector copy at `scale` of the photo: all of them at the zoom that
    makes them hold _ZOOM_PIXELS together (at most _ZOOM_MAX); when that is
    not more than _ZOOM_GAIN times `scale` and the photo was shrunk for the
    detector, the largest of them at _ZOOM_FLOOR times `scale`, up to
    _ZOOM_PIXELS_CAP pixels (the largest always); otherwise none."""
    total = sum(w * h for _x, _y, w, h in rects)
    zoom = min(_ZOOM_MAX, math.sqrt(_ZOOM_PIXELS / max(total, 1)))
    if not rects or zoom > _ZOOM_GAIN * scale:
        return rects, zoom
    if scale >= 1.0:
        # The detector saw the photo whole: left as it was (most such photos
        # have an enlarged detector copy instead).
        return [], zoom
    zoom = _ZOOM_FLOOR * scale
    kept, pixels = [], 0.0
    for rect in sorted(rects, key=lambda r: -r[2] * r[3]):
        area = rect[2] * rect[3] * zoom * zoom
        if kept and pixels + area > _ZOOM_PIXELS_CAP:
            continue
        kept.append(rect)
        pixels += area
    return kept, zoom


def _closer_zoom(found: Sequence[np.ndarray], rect: tuple[int, int, int, int], zoom: float) -> float:
    """The zoom to detect `rect` at again when the boxes `found` in it at `zoom`
    are mostly of print too small for the detector to find all of it (box
    heights under _CLOSER_PRINT pixels at that zoom), or 0.0: enough to bring
    them to _CLOSER_TARGET, at most _ZOOM_MAX and _ZOOM_PIXELS_CAP pixels."""
    if len(found) < _CLOSER_MIN_BOXES:
        return 0.0
    shorts = [_short_side(q) for q in found]
    short = float(np.median(shorts))
    if short * zoom >= _CLOSER_PRINT:
        return 0.0
    cap = math.sqrt(_ZOOM_PIXELS_CAP / max(rect[2] * rect[3], 1))
    again = min(_ZOOM_MAX, _CLOSER_TARGET / max(short, 1.0), cap)
    return again if again >= _CLOSER_GAIN * zoom else 0.0


def _merge_rects(
    rects: Sequence[tuple[int, int, int, int]], shape: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    """Overlapping rectangles joined into their bounding rectangles, clipped to
    the image (`shape`), largest first, at most _ZOOM_AREAS."""
    boxes = [list(r) for r in rects]
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                (ax, ay, aw, ah), (bx, by, bw, bh) = boxes[i], boxes[j]
                if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
                    x0, y0 = min(ax, bx), min(ay, by)
                    boxes[i] = [x0, y0, max(ax + aw, bx + bw) - x0, max(ay + ah, by + bh) - y0]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    h, w = shape
    out = []
    for x, y, bw, bh in boxes:
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + bw, w), min(y + bh, h)
        if x1 > x0 and y1 > y0:
            out.append((x0, y0, x1 - x0, y1 - y0))
    out.sort(key=lambda r: -r[2] * r[3])
    return out[:_ZOOM_AREAS]


def _unturn(points: np.ndarray, turn: int, shape: tuple[int, int]) -> np.ndarray:
    """Points (N x 2, x y) of an array turned by np.rot90(a, turn), shape (h, w)
    after the turn, mapped back to the unturned array's pixels."""
    h, w = shape
    for _ in range(turn % 4):
        # np.rot90 once: new[i, j] = old[j, W - 1 - i], W the old width (now the
        # height), so a point (x, y) was at (W - y, x) before the turn.
        points = np.stack([h - points[:, 1], points[:, 0]], axis=1)
        h, w = w, h
    return points


def _rot180(crop: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(crop[::-1, ::-1]), np.roll(order, -2, axis=0)


def _make_line(text: str, score: float, cols: list[int], ncols: float, order: np.ndarray) -> Line:
    """A Line whose words sit where the recogniser saw their characters."""
    polygon = Polygon.of(order)
    if not cols:
        return split_line(text, polygon, score, NAME)
    spans = _word_spans(text, cols, ncols)
    if not spans:
        return split_line(text, polygon, score, NAME)
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = order.tolist()

    def at(t: float) -> tuple[tuple[float, float], tuple[float, float]]:
        return (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t), (x3 + (x2 - x3) * t, y3 + (y2 - y3) * t)

    words = []
    for word, start, end in spans:
        (tl, bl), (tr, br) = at(start), at(end)
        words.append(Word(word, Polygon((tl, tr, br, bl)), score, NAME))
    return Line(tuple(words), polygon, score, NAME)


def _word_spans(text: str, cols: list[int], ncols: float) -> list[tuple[str, float, float]]:
    """Split a recognised line into words with their extent along the line (0..1).

    Words split at spaces; where the recogniser ran words together, also at
    a gap between characters far wider than the line's character pitch, and
    after a label's colon or a surname's comma glued to the next word
    ("Allergies:PENICILLIN", "SMITH,JOHN"). A word reaches halfway into the
    gap on each side, and the first and last words reach the detector's line
    ends, so word boxes err on the side of covering the text."""
    chars: list[tuple[str, int]] = []
    breaks: set[int] = set()  # indexes into `chars` that start a new word
    for c, col in zip(text, cols, strict=True):
        if c.isspace():
            breaks.add(len(chars))
        else:
            chars.append((c, col))
    if not chars or ncols <= 0:
        return []
    steps = [b[1] - a[1] for a, b in zip(chars, chars[1:])]  # noqa: B905 - one shorter by design
    pitch = max(float(np.median(steps)) if steps else 2.0, 1.0)
    # CTC columns are 1/6 of the text height apart; a wide letter ("m") can
    # span 4-5 of them, a missing space adds about 2, so the bar is high.
    wide_gap = max(2.5 * pitch, pitch + 4)
    for k in range(1, len(chars)):
        prev, cur = chars[k - 1][0], chars[k][0]
        glued = prev in ":," and k >= 2 and chars[k - 2][0].isalpha() and cur.isalnum()
        if glued and prev == "," and not cur.isalpha():
            glued = False  # "1,234" or "A,1" is not a name list
        if chars[k][1] - chars[k - 1][1] >= wide_gap or glued:
            breaks.add(k)

    groups: list[list[tuple[str, int]]] = [[]]
    for k, ch in enumerate(chars):
        if k in breaks and groups[-1]:
            groups.append([])
        groups[-1].append(ch)

    spans = []
    for g, group in enumerate(groups):
        first, last = group[0][1], group[-1][1]
        # Column k covers [k, k + 1); boundaries sit midway between neighbours.
        start = 0.0 if g == 0 else (groups[g - 1][-1][1] + first) / 2 + 0.5
        end = ncols if g == len(groups) - 1 else (last + groups[g + 1][0][1]) / 2 + 0.5
        spans.append(("".join(c for c, _ in group), max(start / ncols, 0.0), min(end / ncols, 1.0)))
    return spans


def _drop_duplicates(lines: list[Line]) -> list[Line]:
    """A second look can re-read a line already read; keep the better-scored copy."""
    kept: list[Line] = []
    for line in sorted(lines, key=lambda ln: -ln.score):
        box = line.polygon.box
        if any(box.iou(k.polygon.box) > 0.5 and k.text == line.text for k in kept):
            continue
        kept.append(line)
    return kept


def _reading_key(line: Line) -> tuple[float, float]:
    box = line.polygon.box
    # Lines whose tops are within half a line height share a row.
    return (round(box.y / max(box.h, 1.0) / 2), box.x)
