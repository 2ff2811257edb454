"""CodeDetector on codes the tests draw with zxing-cpp and paste onto noisy photos."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from phiscrub.codes import CodeDetector, _grow_along, _looks_like_bars
from phiscrub.models import Finding, Kind, Polygon

F = zxingcpp.BarcodeFormat
MRN = "MRN00482913"


@pytest.fixture(scope="module")
def detector() -> CodeDetector:
    return CodeDetector()


def code_image(fmt, text: str, module_px: int, digits: bool = False) -> np.ndarray:
    """The symbol (and its digits) without quiet zones: what must be covered."""
    barcode = zxingcpp.create_barcode(text, fmt)
    return np.array(
        zxingcpp.write_barcode_to_image(barcode, scale=module_px, add_hrt=digits, add_quiet_zones=False)
    )


def background(width: int, height: int, seed: int = 0) -> np.ndarray:
    """Mottled colour with dark strokes and print, like a busy ward photo."""
    rng = np.random.default_rng(seed)
    small = rng.integers(90, 230, (max(height // 48, 2), max(width // 48, 2), 3), dtype=np.uint8)
    image = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    for _ in range(width * height // 200_000 + 5):
        x, y = (int(v) for v in rng.integers(0, [width, height]))
        dx, dy = (int(v) for v in rng.integers(-300, 300, 2))
        cv2.line(image, (x, y), (x + dx, y + dy), (30, 30, 30), 3)
        font = cv2.FONT_HERSHEY_SIMPLEX
        cv2.putText(image, "Ward 4B  Bed 12", (y % width, x % height), font, 1.5, (20, 20, 20), 2)
    return image


def paste(image: np.ndarray, code: np.ndarray, centre, angle: float = 0, skew: float = 0, seed: int = 0):
    """Warp `code` (grey), on a white label, into `image` around `centre`; returns
    the code's quad (without the label margin)."""
    rng = np.random.default_rng(seed)
    margin = max(code.shape) // 8
    code = cv2.copyMakeBorder(code, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255)
    h, w = code.shape
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    a = np.radians(angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    dst = (src - [w / 2, h / 2]) @ rot.T + rng.uniform(-skew, skew, (4, 2)) * max(w, h) + centre
    m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    size = (image.shape[1], image.shape[0])
    warped = cv2.warpPerspective(cv2.cvtColor(code, cv2.COLOR_GRAY2RGB), m, size)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, size) > 0
    image[mask] = warped[mask]
    inward = np.float32([[1, 1], [-1, 1], [-1, -1], [1, -1]]) * margin
    core = np.float32([[0, 0], [w, 0], [w, h], [0, h]]) + inward
    return cv2.perspectiveTransform(core.reshape(-1, 1, 2), m).reshape(4, 2)


def coverage(quad: np.ndarray, findings, shape) -> float:
    covered = np.zeros(shape[:2], np.uint8)
    for f in findings:
        cv2.fillPoly(covered, [np.int32(np.round(f.polygon.points))], 1)
    truth = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(truth, [np.int32(np.round(quad))], 1)
    return float((covered & truth).sum() / truth.sum())


@pytest.mark.parametrize(
    "fmt, text, name",
    [
        (F.Code128, MRN, "Code 128"),
        (F.Code39, "PAT12345", "Code 39"),
        (F.QRCode, "https://example.org/patient/12345", "QR Code"),
        (F.DataMatrix, MRN, "Data Matrix"),
        (F.PDF417, "SMITH JOHN 1962-03-14", "PDF417"),
        (F.EAN13, "400638133393", "EAN-13"),
        (F.Aztec, MRN, "Aztec"),
    ],
)
def test_each_format_is_decoded_and_covered(detector, fmt, text, name):
    image = background(1600, 1200)
    # zxing-cpp reads PDF417 only within ~5 degrees of a right angle (8 fails).
    quad = paste(image, code_image(fmt, text, 4), (800, 600), angle=3 if fmt == F.PDF417 else 8)
    findings = detector.detect(image)
    decoded = [f for f in findings if f.detector == "zxing"]
    assert [f.reason for f in decoded] == [f"{name} decoded"]
    assert decoded[0].kind is Kind.BARCODE
    assert coverage(quad, findings, image.shape) >= 0.9


def test_codes_turned_90_degrees_are_found(detector):
    image = background(1600, 1200, seed=1)
    quads = [
        paste(image, code_image(F.Code128, MRN, 3, digits=True), (500, 600), angle=90),
        paste(image, code_image(F.QRCode, MRN, 6), (1200, 600), angle=-90),
    ]
    findings = detector.detect(image)
    assert all(coverage(q, findings, image.shape) >= 0.9 for q in quads)
    assert sum(f.detector == "zxing" for f in findings) == 2


def test_digits_under_a_linear_barcode_are_inside_its_region(detector):
    image = background(1600, 1200, seed=2)
    code = code_image(F.Code128, MRN, 3, digits=True)
    bars_only = code_image(F.Code128, MRN, 3)
    quad = paste(image, code, (800, 600))
    (x0, y0), (x1, y1) = quad[0], quad[2]
    digits = np.array([[x0, y0 + bars_only.shape[0]], [x1, y0 + bars_only.shape[0]], [x1, y1], [x0, y1]])
    findings = detector.detect(image)
    assert coverage(digits, findings, image.shape) >= 0.95


def test_blurred_skewed_barcodes_on_a_12mp_photo_are_located_even_when_not_decoded(detector):
    image = background(4032, 3024, seed=3)
    centres = [(700, 700), (2000, 700), (3300, 700), (700, 2200), (2000, 2200), (3300, 2200)]
    angles = [0, 25, -40, 90, 160, -75]
    quads = [
        paste(image, code_image(F.Code128, f"{MRN[:3]}{i}0482913", 3, digits=True), c, a, skew=0.15, seed=i)
        for i, (c, a) in enumerate(zip(centres, angles, strict=True))
    ]
    image = cv2.GaussianBlur(image, (0, 0), 2.5)
    findings = detector.detect(image)
    located = sum(coverage(q, findings, image.shape) >= 0.8 for q in quads)
    assert located >= 5, f"{located}/6 located"  # 5/6 measured, none decoded
    assert len(findings) <= len(quads) + 2


def test_decoded_text_never_appears_in_a_finding(detector):
    image = background(1600, 1200, seed=4)
    texts = ["SMITH^JOHN", "00482913", "https://example.org/mrn/77"]
    paste(image, code_image(F.Code128, texts[0], 3, digits=True), (400, 400))
    paste(image, code_image(F.Code128, texts[1], 3, digits=True), (1200, 400))
    paste(image, code_image(F.QRCode, texts[2], 6), (800, 900))
    findings = detector.detect(image)
    assert sum(f.detector == "zxing" for f in findings) == 3
    for f in findings:
        for text in texts:
            assert text not in f.reason and text not in f.detector and text not in repr(f)


def test_images_without_codes_give_no_findings(detector):
    assert detector.detect(np.full((900, 1200, 3), 255, np.uint8)) == []
    assert detector.detect(np.zeros((10, 10, 3), np.uint8)) == []
    rng = np.random.default_rng(5)
    assert detector.detect(rng.integers(0, 255, (600, 800), dtype=np.uint8)) == []


def test_text_and_drawn_lines_are_rarely_taken_for_barcodes(detector):
    found = sum(len(detector.detect(background(4032, 3024, seed=seed))) for seed in (6, 7))
    assert found <= 2  # 1 measured: a cluster of parallel lines


SIGN_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@pytest.mark.skipif(not Path(SIGN_FONT).is_file(), reason="DejaVu Sans Bold not installed")
def test_large_sign_words_next_to_a_code_are_not_covered(detector):
    """Big bold signage (strong, mostly vertical strokes) used to pass the locator's
    energy and coherence tests; only the code beside it may be found."""
    image = np.full((3024, 4032, 3), 236, np.uint8)
    canvas = Image.fromarray(image)
    draw = ImageDraw.Draw(canvas)
    words = []
    signs = [("Caution", 150), ("Wet Floor", 150), ("Welcome", 110), ("Your Care", 110)]
    for i, (text, size) in enumerate(signs):
        font = ImageFont.truetype(SIGN_FONT, size)
        xy = (150 + 1900 * (i % 2), 300 + 1200 * (i // 2))
        draw.text(xy, text, font=font, fill=(245, 250, 240) if i < 2 else (30, 80, 160))
        words.append(draw.textbbox(xy, text, font=font))
    image = np.array(canvas)
    for x0, y0, x1, y1 in words[:2]:  # white on green, like the wet-floor sign
        patch = image[y0 - 40 : y1 + 40, x0 - 40 : x1 + 40]
        patch[np.all(patch == 236, axis=2)] = (30, 140, 60)
    quad = paste(image, code_image(F.Code128, MRN, 2, digits=True), (1400, 2600), angle=5)
    findings = detector.detect(image)
    assert coverage(quad, findings, image.shape) >= 0.9
    for x0, y0, x1, y1 in words:
        box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
        assert coverage(box, findings, image.shape) < 0.5, (x0, y0)


@pytest.mark.parametrize("angle", [35, -50, 145])
def test_a_sharp_slanted_linear_code_is_read_straightened(detector, angle):
    # zxing reads along pixel rows: a long, low Code128 slanted 35-55 degrees was only
    # located (not decoded, and covered 84-90%) before the crop was turned upright.
    image = background(2400, 1800, seed=5)
    code = code_image(F.Code128, MRN, 3)
    code = cv2.resize(code, (code.shape[1], code.shape[1] // 5), interpolation=cv2.INTER_NEAREST)
    quad = paste(image, code, (1200, 900), angle=angle)
    findings = detector.detect(image)
    assert [f.reason for f in findings] == ["Code 128 decoded"]
    assert coverage(quad, findings, image.shape) >= 0.99


def test_a_located_outline_many_times_the_code_read_in_it_does_not_widen_its_region(detector, monkeypatch):
    """Seed 10 photo 018: the locator took a wristband's rows of bold print for bars
    together with its code, an outline 16 times the code's; merged with the code
    read there it reached an EXIT sign below the band. A code read inside such an
    outline keeps its own region; a located outline about its size still widens it."""
    image = np.full((1500, 2000, 3), 236, np.uint8)
    quad = paste(image, code_image(F.Code128, MRN, 3, digits=True), (1000, 600))
    (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
    w, h = x1 - x0, y1 - y0
    huge = np.array(
        [
            [x0 - 2 * w, y0 - 2 * h],
            [x1 + 2 * w, y0 - 2 * h],
            [x1 + 2 * w, y1 + 4 * h],
            [x0 - 2 * w, y1 + 4 * h],
        ]
    )
    near = np.array([[x0 - 0.3 * w, y0], [x1, y0], [x1, y1], [x0 - 0.3 * w, y1]])

    def region_with(located):
        monkeypatch.setattr(detector, "_locate", lambda work, gray, scale: ([(located, 0.0)], []))
        found = detector.detect(image)
        assert [f.reason for f in found] == ["Code 128 decoded"]
        return np.asarray(found[0].polygon.points)

    wide = region_with(huge)
    assert wide[:, 1].max() < y1 + 2 * h and wide[:, 0].min() > x0 - w  # not the huge outline
    widened = region_with(near)
    assert widened[:, 0].min() <= x0 - 0.3 * w + 1  # a close outline still widens it


def test_a_located_piece_of_a_sharp_code_is_grown_along_it_to_its_ends():
    """Speed seed 1019 photo 009: the bar-pattern locator framed 101 of a sharp
    Code128's 194 px (where its bars crowd, the pieces split) and zxing could not
    read it. The piece is grown along the code over windows of bars, and stops at
    its quiet zone."""
    image = np.full((600, 900, 3), 110, np.uint8)  # a dark table round a white label
    quad = paste(image, code_image(F.Code128, MRN, 2), (450, 300), angle=6)
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    tl, tr, br, bl = quad
    theta = math.atan2(*(tr - tl)[::-1])
    piece = np.array([tl + 0.6 * (tr - tl), tr, br, bl + 0.6 * (br - bl)])
    grown = _grow_along(gray, piece, theta)
    assert coverage(quad, [_finding(grown)], image.shape) >= 0.97
    length = np.linalg.norm(tr - tl)
    assert np.linalg.norm(grown[1] - grown[0]) <= 1.15 * length  # not over the label and table


def test_print_and_plain_label_are_not_taken_for_more_of_a_code():
    image = np.full((400, 1200, 3), 245, np.uint8)
    cv2.putText(image, "Nurses Station  Ward 4B", (40, 220), cv2.FONT_HERSHEY_SIMPLEX, 2.2, (20, 20, 20), 5)
    quad = paste(image, code_image(F.Code128, MRN, 2), (1000, 210))
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    tl, tr, br, bl = quad
    # The whole code, then a print row framed as if it were bars: neither grows.
    assert np.allclose(_grow_along(gray, quad, 0.0)[:, 0].min(), quad[:, 0].min(), atol=12)
    words = np.array([[300, 170], [500, 170], [500, 230], [300, 230]], np.float64)
    assert np.allclose(_grow_along(gray, words, 0.0), words)


def _finding(quad: np.ndarray) -> Finding:
    return Finding(
        kind=Kind.BARCODE, polygon=Polygon.of(quad.tolist()), score=0.6, detector="test", reason=""
    )


def test_a_blurred_code_whose_gradients_are_mixed_passes_only_on_strong_bars():
    """Seed 21 photo 039: a wristband's Code128 smeared by motion along its length;
    only 0.47 of its gradients point across its bars (0.5 needed), though its
    lines agree at 0.95 over 13 bars. From 0.4 such a candidate passes on square
    lines agreeing at 0.9 over 12 bars; print with the same mixed gradients does not."""
    image = np.full((400, 900, 3), 235, np.uint8)
    quad = paste(image, code_image(F.Code128, MRN, 3), (300, 200))
    cv2.putText(image, "Nurses Station 4B", (520, 215), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (20, 20, 20), 2)
    image = cv2.blur(image, (9, 1))  # motion along the code
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    words = np.array([[515, 185], [840, 185], [840, 225], [515, 225]], np.float64)
    assert _looks_like_bars(gray, quad, (0.0, 0.47), 8)
    assert not _looks_like_bars(gray, quad, (0.0, 0.35), 8)  # below the blurred floor
    assert not _looks_like_bars(gray, words, (0.0, 0.47), 8)


SAMPLES = Path(__file__).resolve().parent.parent / "sample_images"


def test_a_read_code_on_a_band_keeps_its_region_on_the_band(detector):
    """The first sample photo: the locator's blob of the wristband's code took in
    the band's lower edge, whose gradients pulled the blob's frame 20 degrees off
    the band, and the outline merged with the read code was a tilted square
    reaching up the wall. Framed on its own axes, the region stays on the band."""
    from phiscrub.imageio import load_image

    pixels = load_image(SAMPLES / "bedside_wristband.jpg").pixels
    band_code = np.array([[870, 941], [1079, 962], [1045, 1008], [865, 990]], np.float64)
    found = [f for f in detector.detect(pixels) if coverage(band_code, [f], pixels.shape) > 0.85]
    assert len(found) == 1
    region = np.float32(found[0].polygon.points)
    # the wall above the band's print and below it on the desk stay clear
    for point in [(800.0, 850.0), (1000.0, 860.0), (800.0, 1110.0)]:
        assert cv2.pointPolygonTest(region, point, False) < 0, point
    assert cv2.contourArea(region) < 8 * cv2.contourArea(np.float32(band_code))
