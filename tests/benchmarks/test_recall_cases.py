"""Photos of the synthetic benchmark whose misses were traced and fixed, kept
as regressions (regenerated from their seeds; they are never stored)."""

from __future__ import annotations

import random

import pytest

from benchmarks import synth
from benchmarks.score import SCORED_KINDS, Coverage
from phiscrub.ocr import get_engine


def benchmark_photo(seed: int, index: int) -> synth.Photo:
    """Photo `index` of `python -m benchmarks.run --seed <seed>` (6-12 MP)."""
    try:
        faces = synth.FaceBank.from_shared_data()
    except (FileNotFoundError, OSError, ValueError) as exc:
        pytest.skip(f"../shared/data not available: {exc}")
    photo_seed = seed * 100_003 + index
    width, height = synth.photo_size(random.Random(photo_seed ^ 0x5EED), (6, 12))
    return synth.generate_photo(photo_seed, width, height, faces)


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
