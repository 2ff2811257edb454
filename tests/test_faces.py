"""FaceDetector on real faces (dlib's faces set, read from ../shared/data) and on
12 MP canvases built from them in memory."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import cv2
import numpy as np
import pytest

from phiscrub.faces import FaceDetector, HeadMargins, _unturn
from phiscrub.models import Box, Kind

SHARED = Path(os.environ.get("PHISCRUB_SHARED_DATA", Path(__file__).parents[2] / "shared" / "data"))
FACES = SHARED / "faces_dlib"
needs_faces = pytest.mark.skipif(
    not (FACES / "training.xml").is_file(),
    reason=f"dlib faces set not found at {FACES} (set PHISCRUB_SHARED_DATA)",
)
ROTATE = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


@pytest.fixture(scope="module")
def upright_recall(detector) -> tuple[int, int]:
    return recall(detector)


def load_rgb(name: str) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(FACES / name)), cv2.COLOR_BGR2RGB)


def ground_truth(xmls: tuple[str, ...] = ("training.xml", "testing.xml")) -> dict[str, list[Box]]:
    """imglab boxes (`<box top left width height>`): 43 faces in both files, 25 in testing.xml."""
    faces: dict[str, list[Box]] = {}
    for xml in xmls:
        for image in ET.parse(FACES / xml).getroot().iter("image"):
            faces[image.get("file")] = [
                Box(*(float(b.get(k)) for k in ("left", "top", "width", "height"))) for b in image.iter("box")
            ]
    return faces


def covered(face: Box, boxes: list[Box], at_least: float = 0.8) -> bool:
    """The project's rule: a face counts when >= 80% of its box lies under redaction boxes."""
    x0, y0 = int(face.x), int(face.y)
    mask = np.zeros((int(face.h), int(face.w)), bool)
    for b in boxes:
        c = b.clip(face.x2, face.y2)
        xa, ya = max(int(c.x) - x0, 0), max(int(c.y) - y0, 0)
        xb, yb = int(np.ceil(c.x2)) - x0, int(np.ceil(c.y2)) - y0
        if xb > xa and yb > ya:
            mask[ya:yb, xa:xb] = True
    return mask.mean() >= at_least


def turn_box(box: Box, width: int, height: int, turns: int) -> Box:
    """Where `box` of a width x height image lands after `turns` quarter turns clockwise."""
    if turns == 1:
        return Box(height - box.y2, box.x, box.h, box.w)
    if turns == 2:
        return Box(width - box.x2, height - box.y2, box.w, box.h)
    if turns == 3:
        return Box(box.y, width - box.x2, box.h, box.w)
    return box


def recall(detector: FaceDetector, turns: int = 0, xmls=("training.xml", "testing.xml")) -> tuple[int, int]:
    hit = total = 0
    for name, faces in ground_truth(xmls).items():
        image = load_rgb(name)
        h, w = image.shape[:2]
        if turns:
            image = cv2.rotate(image, ROTATE[turns])
        boxes = [f.box for f in detector.detect(image)]
        for face in faces:
            total += 1
            hit += covered(turn_box(face, w, h, turns), boxes)
    return hit, total


def twelve_mp_canvas(face_px: float, seed: int = 0) -> tuple[np.ndarray, list[Box]]:
    """A 4032x3024 'photo': the annotated images scaled so their faces are ~face_px
    wide, pasted on a mottled background."""
    rng = np.random.default_rng(seed)
    width, height = 4032, 3024
    small = rng.integers(60, 200, (height // 64, width // 64, 3), dtype=np.uint8)
    canvas = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    faces = []
    for i, (name, gt) in enumerate(ground_truth().items()):
        ox, oy = (i % 4) * width // 4 + 40, (i // 4) * height // 3 + 40
        s = face_px / float(np.median([b.w for b in gt]))
        image = cv2.resize(load_rgb(name), None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        h, w = min(image.shape[0], height // 3 - 50), min(image.shape[1], width // 4 - 50)
        canvas[oy : oy + h, ox : ox + w] = image[:h, :w]
        inside = [b for b in gt if b.x2 * s <= w and b.y2 * s <= h]
        faces += [Box(ox + b.x * s, oy + b.y * s, b.w * s, b.h * s) for b in inside]
    return canvas, faces


def canvas_recall(detector: FaceDetector, face_px: float, turns: int) -> float:
    canvas, faces = twelve_mp_canvas(face_px)
    h, w = canvas.shape[:2]
    image = cv2.rotate(canvas, ROTATE[turns]) if turns else canvas
    boxes = [f.box for f in detector.detect(image)]
    return sum(covered(turn_box(f, w, h, turns), boxes) for f in faces) / len(faces)


@needs_faces
def test_covers_every_annotated_face_in_the_dlib_set(upright_recall):
    hit, total = upright_recall
    assert total == 43
    assert hit >= 42, f"{hit}/{total} faces covered"  # 43/43 measured


@needs_faces
def test_a_photo_of_dogs_gives_at_most_a_few_faces(detector):
    # Upright it gives none; the turned probes take a dog lying down for a face,
    # and the closer look at weak hits adds one more (measured: 3 without it, 4
    # with it, while it lifts the synthetic benchmark's faces from 23/33 to 31/33).
    assert len(detector.detect(load_rgb("dogs.jpg"))) <= 4


@needs_faces
@pytest.mark.parametrize("turns", [1, 2, 3], ids=["90", "180", "270"])
def test_covers_faces_in_photos_turned_sideways_or_upside_down(detector, turns):
    # testing.xml only, to keep the run short; all 43 faces are covered in every turn.
    hit, total = recall(detector, turns, xmls=("testing.xml",))
    assert hit >= total - 1, f"{hit}/{total} faces covered"


@needs_faces
def test_head_boxes_cover_faces_the_bare_detector_box_leaves_partly_bare(upright_recall):
    bare = FaceDetector(margins=HeadMargins(width=1.0, up=0.0, down=0.0), probe_rotations=())
    assert recall(bare)[0] < upright_recall[0]  # 38 vs 43 measured


@needs_faces
def test_head_box_extends_over_the_hair_and_ears(detector):
    bare = FaceDetector(margins=HeadMargins(width=1.0, up=0.0, down=0.0), probe_rotations=())
    image = load_rgb("2008_001009.jpg")
    heads = [f.box for f in detector.detect(image)]
    for face in (f.box for f in bare.detect(image)):
        head = max(heads, key=face.iou)
        assert head.y < face.y - 0.3 * face.h
        assert head.w >= 1.25 * face.w
        assert head.intersection_area(face) == pytest.approx(face.area)


@needs_faces
def test_covers_40px_faces_on_a_12_megapixel_photo(detector):
    assert canvas_recall(detector, 40, turns=0) >= 0.97  # 43/43 measured


@needs_faces
def test_turned_12mp_photo_is_searched_at_full_size_once_a_larger_face_shows_the_turn(detector):
    # 60-px faces are big enough for the 640-px probe to notice the turn.
    assert canvas_recall(detector, 60, turns=1) >= 0.97  # 43/43 measured


@needs_faces
def test_full_turned_passes_cover_40px_faces_in_a_sideways_12mp_photo():
    detector = FaceDetector(full_turned_passes=True)
    assert canvas_recall(detector, 40, turns=3) >= 0.97  # 43/43 measured


@needs_faces
def test_a_small_face_the_closer_look_finds_lying_down_turns_the_search(detector):
    # 40-px faces are too small for the probes in a photo turned clockwise; the
    # closer look at weak peaks finds a few of them lying down, which is enough
    # to search the photo that way at full size (17/43 before, 43/43 measured).
    assert canvas_recall(detector, 40, turns=1) >= 0.97


@needs_faces
def test_a_turn_the_caller_names_is_searched_at_full_size():
    # Without the closer look nothing in the photo shows the turn (6/43 measured);
    # told how it is turned (say by its text), the detector searches that way (43/43).
    blind = FaceDetector(max_looks=0)
    canvas, faces = twelve_mp_canvas(40)
    h, w = canvas.shape[:2]
    image = cv2.rotate(canvas, ROTATE[1])  # turned clockwise: 3 more quarter turns stand it upright

    def hit(found) -> int:
        return sum(covered(turn_box(f, w, h, 1), [x.box for x in found]) for f in faces)

    assert hit(blind.detect(image)) < 0.5 * len(faces)
    assert hit(blind.detect(image, turns=(3,))) >= 0.97 * len(faces)


@needs_faces
def test_a_later_search_only_adds_the_turns_not_yet_searched(monkeypatch):
    detector = FaceDetector(max_looks=0)
    canvas, faces = twelve_mp_canvas(40)
    image = cv2.rotate(canvas, ROTATE[1])
    first = detector.search(image)
    assert first.searched == {0}
    passes: list[int] = []
    real_pass = detector._pass

    def counted_pass(img, turns, *args):
        passes.append(turns)
        return real_pass(img, turns, *args)

    monkeypatch.setattr(detector, "_pass", counted_pass)
    later = detector.search(image, turns=(3,), after=first)
    assert passes == [3] and later.searched == {0, 3}
    assert len(later.findings) >= len(faces) - 1
    # The same faces as one search told of the turn from the start, each once.
    at_once = detector.search(image, turns=(3,))
    assert sorted(f.box.x for f in later.findings) == pytest.approx(sorted(f.box.x for f in at_once.findings))
    passes.clear()
    assert detector.search(image, turns=(3,), after=later).findings == later.findings
    assert passes == []


@needs_faces
def test_findings_are_faces_from_centerface_with_a_score_and_a_reason(detector):
    findings = detector.detect(load_rgb("2008_002506.jpg"))
    assert findings
    for f in findings:
        assert f.kind is Kind.FACE
        assert f.detector == "centerface"
        assert 0 < f.score <= 1
        assert f.reason.startswith("face detector ")
        assert len(f.polygon.points) == 4
        assert all(isinstance(v, float) for p in f.polygon.points for v in p)


def test_blank_and_noise_images_have_no_faces(detector):
    rng = np.random.default_rng(0)
    assert detector.detect(np.full((600, 800, 3), 128, np.uint8)) == []
    assert detector.detect(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)) == []
    assert detector.detect(np.zeros((4, 4, 3), np.uint8)) == []


@needs_faces
def test_grey_and_rgba_images_are_accepted(detector):
    rgb = load_rgb("2008_002506.jpg")
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    rgba = cv2.cvtColor(rgb, cv2.COLOR_RGB2RGBA)
    assert detector.detect(grey)
    assert len(detector.detect(rgba)) == len(detector.detect(rgb))


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_boxes_found_in_a_turned_copy_map_back_onto_the_original(turns):
    image = np.zeros((300, 500), np.uint8)
    box = Box(40, 70, 90, 30)
    image[70:100, 40:130] = 255
    turned = cv2.rotate(image, ROTATE[turns])
    ys, xs = np.nonzero(turned)
    found = Box.from_corners(xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
    th, tw = turned.shape
    back = _unturn(found, turns, tw, th)
    assert (back.x, back.y, back.w, back.h) == pytest.approx((box.x, box.y, box.w, box.h))


@needs_faces
def test_the_closer_look_runs_in_batches_with_the_same_faces_as_one_batch(detector, monkeypatch):
    import phiscrub.faces as faces_module

    canvas, _faces = twelve_mp_canvas(28)
    sizes: list[int] = []
    real_run = detector._run

    def counted_run(blob):
        sizes.append(len(blob))
        return real_run(blob)

    monkeypatch.setattr(detector, "_run", counted_run)
    batch = faces_module._ZOOM_BATCH
    in_batches = detector.detect(canvas)
    assert max(sizes) <= batch < sum(s for s in sizes if s > 1)
    monkeypatch.setattr(faces_module, "_ZOOM_BATCH", 1000)
    sizes.clear()
    at_once = detector.detect(canvas)
    assert max(sizes) > batch

    def boxes(found):
        return sorted((f.box.x, f.box.y, f.box.w, f.box.h) for f in found)

    assert len(in_batches) == len(at_once)
    for a, b in zip(boxes(in_batches), boxes(at_once), strict=True):
        assert a == pytest.approx(b, abs=0.5)
