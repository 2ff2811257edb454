"""The benchmark's scorer on hand-made ground truth, and the synthetic generator's ground truth."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from benchmarks import score, synth


def _gt(words=(), faces=(), barcodes=(), size=(200, 100)) -> dict:
    return {
        "width": size[0],
        "height": size[1],
        "words": list(words),
        "faces": list(faces),
        "barcodes": list(barcodes),
    }


def _word(kind: str, x: float = 10, y: float = 10, w: float = 100, h: float = 20) -> dict:
    return {"text": "x", "kind": kind, "polygon": [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]}


def _cover(x: float, y: float, w: float, h: float, *, redacted: bool = True, polygon: bool = False) -> dict:
    region = {"kind": "name", "box": [x, y, w, h], "score": 1.0, "detector": "test", "redacted": redacted}
    if polygon:
        region["polygon"] = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
    return region


def test_word_90_percent_covered_counts_and_80_percent_does_not():
    gt = _gt([_word("name")])
    assert score.score_image(gt, [_cover(10, 10, 90, 20)]).kinds["name"] == [1, 1]
    assert score.score_image(gt, [_cover(10, 10, 80, 20)]).kinds["name"] == [0, 1]


def test_coverage_is_measured_on_the_polygon_area_exactly():
    cover = score.Coverage([_cover(10, 10, 85, 20)], 200, 100)
    assert cover.fraction(_word("name")["polygon"]) == pytest.approx(0.85)
    tilted = [[20, 30], [60, 10], [80, 50], [40, 70]]  # a rotated square of area 2000
    half = score.Coverage([{"polygon": [[0, 0], [50, 0], [50, 100], [0, 100]], "redacted": True}], 200, 100)
    assert half.fraction(tilted) == pytest.approx(0.5, abs=0.01)


def test_coverage_adds_up_over_several_regions_and_uses_polygons_first():
    gt = _gt([_word("date")])
    halves = [_cover(10, 10, 50, 20, polygon=True), _cover(60, 10, 50, 20)]
    assert score.score_image(gt, halves).kinds["date"] == [1, 1]
    # A polygon tighter than the box wins: the box would cover, the polygon does not.
    region = _cover(0, 0, 200, 100)
    region["polygon"] = [[10, 10], [30, 10], [30, 30], [10, 30]]
    assert score.score_image(gt, [region]).kinds["date"] == [0, 1]


def test_regions_the_user_kept_do_not_cover():
    gt = _gt([_word("id")])
    assert score.score_image(gt, [_cover(0, 0, 200, 100, redacted=False)]).kinds["id"] == [0, 1]


def test_neutral_word_half_covered_is_a_false_redaction():
    gt = _gt([_word("neutral")])
    assert score.score_image(gt, [_cover(10, 10, 50, 20)]).neutral == [1, 1]
    assert score.score_image(gt, [_cover(10, 10, 40, 20)]).neutral == [0, 1]


def test_face_counts_from_80_percent_of_its_box():
    gt = _gt(faces=[{"box": [20, 20, 50, 50]}])
    assert score.score_image(gt, [_cover(20, 20, 50, 40)]).faces == [1, 1]
    assert score.score_image(gt, [_cover(20, 20, 50, 38)]).faces == [0, 1]


def test_barcode_counts_from_85_percent_of_its_polygon():
    code = {"polygon": [[20, 20], [120, 20], [120, 60], [20, 60]], "format": "Code128"}
    gt = _gt(barcodes=[code])
    assert score.score_image(gt, [_cover(20, 20, 86, 40)]).barcodes == [1, 1]
    assert score.score_image(gt, [_cover(20, 20, 80, 40)]).barcodes == [0, 1]


def test_image_is_clean_only_when_every_phi_word_face_and_barcode_is_covered():
    gt = _gt(
        [_word("name", 10, 10), _word("either", 10, 40), _word("neutral", 10, 70)],
        faces=[{"box": [150, 10, 40, 40]}],
        size=(200, 100),
    )
    name, face = _cover(10, 10, 100, 20), _cover(150, 10, 40, 40)
    assert score.score_image(gt, [name, face]).clean
    assert not score.score_image(gt, [name]).clean
    assert not score.score_image(gt, [face]).clean
    # "either" words are never scored; covering neutral words costs precision, not cleanliness.
    everything = score.score_image(gt, [_cover(0, 0, 200, 100)])
    assert everything.clean and everything.neutral == [1, 1] and "either" not in everything.kinds


def test_summary_counts_clean_images_only_among_those_with_something_to_cover():
    covered = score.score_image(_gt([_word("name")]), [_cover(0, 0, 200, 100)])
    missed = score.score_image(_gt([_word("email")]), [])
    empty = score.score_image(_gt(), [])
    s = score.summarize([covered, missed, empty])
    assert s["images"] == 3 and s["images_with_scored_items"] == 2
    assert s["clean_image_rate"] == 0.5
    assert s["phi_word_recall"] == 0.5
    assert s["recall_by_kind"]["email"] == {"covered": 0, "total": 1, "recall": 0.0}


def test_words_partly_outside_the_image_count_the_outside_as_uncovered():
    gt = _gt([_word("name", x=150, w=100)])
    assert score.score_image(gt, [_cover(0, 0, 200, 100)]).kinds["name"] == [0, 1]


# --------------------------------------------------------------------------- generator


@pytest.fixture(scope="module")
def faces() -> synth.FaceBank:
    return synth.FaceBank.astronaut_only()


def test_generator_is_deterministic_for_a_seed(faces):
    a = synth.generate_photo(7, 900, 675, faces)
    b = synth.generate_photo(7, 900, 675, faces)
    c = synth.generate_photo(8, 900, 675, faces)
    assert np.array_equal(a.pixels, b.pixels)
    assert a.gt == b.gt
    assert not np.array_equal(a.pixels, c.pixels) if a.pixels.shape == c.pixels.shape else True


def test_generate_writes_jpeg_and_json_pairs(tmp_path, faces):
    paths = synth.generate(3, 2, tmp_path, megapixels=(0.5, 0.5), faces=faces)
    assert [p.name for p in paths] == ["000.jpg", "001.jpg"]
    for p in paths:
        gt = __import__("json").loads(p.with_suffix(".json").read_text())
        assert {"width", "height", "words", "faces", "barcodes"} <= gt.keys()
        kinds = {w["kind"] for w in gt["words"]}
        assert kinds <= set(score.PHI_KINDS) | {"neutral", "either"}


def test_wristband_ground_truth_lies_where_the_ink_is():
    el = synth.wristband(random.Random(5), 40, synth.make_person(random.Random(5)))
    rgba = el.rgba
    white = np.full(rgba.shape[:2] + (3,), 255.0)
    a = rgba[..., 3:4] / 255.0
    img = (rgba[..., :3] * a + white * (1 - a)).astype(np.uint8)
    dark = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) < 100
    truth = np.zeros(dark.shape, np.uint8)
    for text, _kind, quad in el.words:
        one = np.zeros_like(truth)
        cv2.fillPoly(one, [np.round(quad).astype(np.int32)], 1)
        assert (dark & (one > 0)).sum() > 0.08 * one.sum(), text
        truth |= one
    for quad, fmt in el.barcodes:
        assert fmt == "Code128"
        cv2.fillPoly(truth, [np.round(quad).astype(np.int32)], 1)
    truth = cv2.dilate(truth, np.ones((3, 3), np.uint8))
    assert (dark & (truth > 0)).sum() >= 0.98 * dark.sum()
    kinds = {kind for _t, kind, _q in el.words}
    assert {"name", "date", "id"} <= kinds


def test_flat_photo_ground_truth_polygons_hold_text_contrast(faces):
    photo = synth.generate_photo(11, 1200, 900, faces, synth.Options(flat=True))
    gray = cv2.cvtColor(photo.pixels, cv2.COLOR_RGB2GRAY)
    assert photo.gt["words"], "a photo always holds at least one PHI element"
    for w in photo.gt["words"]:
        pts = np.asarray(w["polygon"])
        assert pts.min() >= 0 and pts[:, 0].max() <= 1200 and pts[:, 1].max() <= 900
        x0, y0 = np.floor(pts.min(0)).astype(int)
        x1, y1 = np.ceil(pts.max(0)).astype(int)
        patch = gray[y0:y1, x0:x1].astype(int)
        assert patch.max() - patch.min() > 60, w["text"]


def test_quarter_turned_photo_turns_its_ground_truth_with_it(faces):
    up = synth.generate_photo(4, 800, 600, faces, synth.Options(turn=0))
    left = synth.generate_photo(4, 800, 600, faces, synth.Options(turn=1))
    assert np.array_equal(left.pixels, np.rot90(up.pixels, 1))
    assert (left.gt["width"], left.gt["height"]) == (600, 800)
    for a, b in zip(up.gt["words"], left.gt["words"], strict=True):
        # np.rot90 (counter-clockwise): (x, y) -> (y, W - x)
        expected = [[round(y, 1), round(800 - x, 1)] for x, y in a["polygon"]]
        assert np.allclose(b["polygon"], expected, atol=0.11)
    for a, b in zip(up.gt["faces"], left.gt["faces"], strict=True):
        x, y, w, h = a["box"]
        assert np.allclose(b["box"], [y, 800 - x - w, h, w], atol=0.21)
