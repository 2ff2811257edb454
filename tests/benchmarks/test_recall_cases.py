"""Photos of the synthetic benchmark whose misses were traced and fixed, kept
as regressions (regenerated from their seeds; they are never stored)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from benchmarks import synth
from benchmarks.score import BARCODE_COVERED, FACE_COVERED, SCORED_KINDS, WORD_COVERED, Coverage, box_points
from phiscrub import codes
from phiscrub.codes import CodeDetector
from phiscrub.faces import FaceDetector
from phiscrub.ocr import get_engine, rapid
from phiscrub.report import region_to_dict
from phiscrub.scan import Scanner


def benchmark_photo(seed: int, index: int, megapixels: tuple[float, float] = (6, 12)) -> synth.Photo:
    """Photo `index` of `python -m benchmarks.run --seed <seed>` (6-12 MP; the
    speed set's photos are 12 MP)."""
    try:
        faces = synth.FaceBank.from_shared_data()
    except (FileNotFoundError, OSError, ValueError) as exc:
        pytest.skip(f"../shared/data not available: {exc}")
    photo_seed, width, height, _quality = synth.photo_plan(seed, index, megapixels)
    return synth.generate_photo(photo_seed, width, height, faces)


def benchmark_jpeg(
    seed: int, index: int, megapixels: tuple[float, float] = (6, 12)
) -> tuple[np.ndarray, dict]:
    """Photo `index` as the benchmark stores it: through JPEG at its quality."""
    photo = benchmark_photo(seed, index, megapixels)
    buffer = io.BytesIO()
    Image.fromarray(photo.pixels).save(buffer, "JPEG", quality=synth.photo_plan(seed, index, megapixels)[3])
    return np.asarray(Image.open(buffer).convert("RGB")), photo.gt


def faces_covered(detector: FaceDetector, pixels: np.ndarray, gt: dict) -> list[bool]:
    """For each ground-truth face, whether the detector's faces cover it (the scorer's rule)."""
    regions = [{"polygon": f.polygon.points, "redacted": True} for f in detector.detect(pixels)]
    under = Coverage(regions, gt["width"], gt["height"])
    return [under.fraction(box_points(face["box"])) >= FACE_COVERED for face in gt["faces"]]


def test_an_ehr_list_the_first_zoomed_areas_cut_through_is_read_to_its_end():
    # Seed 6 photo 001: a dark EHR list in 20-px print on a 4204 x 2365 photo.
    # The detector copy found none of it; its busy areas held the top-left
    # corner, so 45 of its 134 PHI words were read. Detecting again beside the
    # lines those areas cut through, round after round, reads 110.
    photo = benchmark_photo(6, 1)
    gt = photo.gt
    words = [w for w in gt["words"] if w["kind"] in SCORED_KINDS]
    lines = get_engine("rapidocr").read(photo.pixels)
    under = Coverage(
        [{"polygon": line.polygon.points, "redacted": True} for line in lines], gt["width"], gt["height"]
    )
    read = sum(under.fraction(w["polygon"]) >= 0.5 for w in words)
    assert len(words) == 134
    assert read >= 100, read


def test_a_small_blurred_face_is_found_by_the_closer_look_at_a_larger_scale():
    # Seed 12 photo 005: a 30-px blurred face on a 2697 x 3596 photo. The pass
    # sees a peak of 0.04 there; the closer look with the face at 40 px scored
    # it 0.26 (kept from 0.3), with the face at 96 px 0.5 or more. Faces alone,
    # seeds 0-5 and 7-12 (487 faces): 474 -> 481 found, false faces 52 -> 55.
    pixels, gt = benchmark_jpeg(12, 5)
    assert len(gt["faces"]) == 3
    assert sum(faces_covered(FaceDetector(zoom_looks=((40, 0.3),), max_looks=64), pixels, gt)) == 2
    assert sum(faces_covered(FaceDetector(), pixels, gt)) == 3


def test_a_small_face_on_a_staff_badge_is_kept_from_a_lower_score_at_96_px():
    # Seed 19 photo 017: the round photo on a staff badge, 35 x 35 px. The pass
    # leaves it a peak of 0.07; the closer look with the face at 96 px scores it
    # 0.48, under the 0.5 it kept from until session 21 (now 0.4: seeds 0-5 and
    # 7-19, 768 -> 770 of 781 faces). Photo 001's 27-px badge face scores 0.33
    # and stays missed: from 0.3 a photo of dogs gives one false face more.
    pixels, gt = benchmark_jpeg(19, 17)
    assert faces_covered(FaceDetector(zoom_looks=((40, 0.3), (96, 0.5))), pixels, gt) == [True, False, True]
    assert faces_covered(FaceDetector(), pixels, gt) == [True, True, True]


def test_a_faint_peak_of_a_tiny_face_gets_a_closer_look():
    # Seed 22 photo 034: a round photo 26 px across, alone on a wall of a
    # 3409 x 2557 photo. The pass leaves it a peak of 0.018, under the 0.02 a
    # small peak needed for a closer look; looked at with the face at 40 px it
    # scores 0.6. Peaks from 0.015 now get that one look.
    pixels, gt = benchmark_jpeg(22, 34)
    assert faces_covered(FaceDetector(faint_threshold=0.02), pixels, gt) == [True, False]
    assert faces_covered(FaceDetector(), pixels, gt) == [True, True]


def test_a_sheared_barcode_seen_at_a_steep_angle_is_located():
    # Seed 13 photo 005: a wristband's Code128 seen at a steep angle, its bars
    # slanting against its length. zxing does not read it, and lines square to
    # the bars counted 6 bars of about 30, so it was not located. Lines drawn
    # slanted along its length count 24. Codes alone on seeds 0-5, 7-14 and
    # 1011-1014 (695 codes): 682 covered (681 before), neutral words under
    # code regions 11 both ways.
    pixels, gt = benchmark_jpeg(13, 5)
    assert len(gt["barcodes"]) == 1

    def covered(detector: CodeDetector) -> bool:
        regions = [{"polygon": f.polygon.points, "redacted": True} for f in detector.detect(pixels)]
        under = Coverage(regions, gt["width"], gt["height"])
        return under.fraction(gt["barcodes"][0]["polygon"]) >= BARCODE_COVERED

    assert covered(CodeDetector())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codes, "_SLANTS", ())
        assert not covered(CodeDetector())


def test_a_barcode_beyond_the_first_twelve_doubtful_candidates_is_read():
    # Seed 17 photo 001: a sharp Code128 at the end of a wristband, too fine to
    # read on the half-size copy, joined with the print beside it into one
    # candidate that failed the bar test: the 28th and least coherent of the
    # photo's 28. Only the first 12 were read straightened. Codes alone on
    # seeds 3 and 10-17 (416 codes): 404 -> 405 covered, neutral words under
    # code regions 10 both ways.
    pixels, gt = benchmark_jpeg(17, 1)
    code = gt["barcodes"][1]["polygon"]

    def covered() -> bool:
        regions = [{"polygon": f.polygon.points, "redacted": True} for f in CodeDetector().detect(pixels)]
        return Coverage(regions, gt["width"], gt["height"]).fraction(code) >= BARCODE_COVERED

    assert covered()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codes, "_MAX_STRAIGHTENED", 12)
        assert not covered()


def test_a_blurred_dark_screen_the_detector_boxes_little_of_is_detected_again():
    # Speed seed 1017 photo 008: a dark EHR screen of light 20-px print,
    # blurred, on a 12 MP photo turned 270 degrees. Zoomed at 0.76x, the
    # detector boxed 4 of its lines (3% of the area); normalised as PaddleOCR
    # does, 18 more. OCR and classify alone: 123 -> 168 of the photo's 168 PHI
    # words.
    pixels, gt = benchmark_jpeg(1017, 8, (12, 12))
    words = [w for w in gt["words"] if w["kind"] in SCORED_KINDS]

    def covered() -> int:
        regions = [region_to_dict(r) for r in Scanner(faces=False, codes=False).scan(pixels).regions()]
        under = Coverage(regions, gt["width"], gt["height"])
        return sum(under.fraction(w["polygon"]) >= WORD_COVERED for w in words)

    assert len(words) == 168
    assert covered() >= 160
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rapid, "_DARK_BOXED", 0.0)
        assert covered() <= 130


def test_a_blurred_dark_screen_too_soft_for_the_busy_test_is_zoomed():
    # Seed 18 photo 012: a dark EHR list of 13-px print in perspective, strongly
    # blurred, on a 12 MP photo. On the detector copy its rows passed the busy
    # test on at most 29% of a cell (30% needed) and their mean grey was 81, so
    # the screen was never zoomed: 38 of its 81 PHI words read. The dark screen
    # around them lets softer edges count: 80 of 81.
    pixels, gt = benchmark_jpeg(18, 12)
    words = [w for w in gt["words"] if w["kind"] in SCORED_KINDS]

    def covered() -> int:
        regions = [region_to_dict(r) for r in Scanner(faces=False, codes=False).scan(pixels).regions()]
        under = Coverage(regions, gt["width"], gt["height"])
        return sum(under.fraction(w["polygon"]) >= WORD_COVERED for w in words)

    assert len(words) == 81
    assert covered() >= 75
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rapid, "_SCREEN_AREA", 2.0)
        assert covered() <= 45
